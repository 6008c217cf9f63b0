"""An employee who moves to another plan mid-year: each payment counts under one plan only, its
plan_id in payroll_paid.csv, else the plan in force on its pay date (docs/compensation.md)."""

import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, TODAY, ingest, write_extract
from tests.test_close import configure, read_csv
from wrvu.flows.close import close_period
from wrvu.flows.schedule import load_schedule_files
from wrvu.transforms.errors import InputError

ROSTER = (
    f"{NPI_A},E1,Ana,Family Medicine,early,1.0,2023-01-01,2023-06-30\n"
    f"{NPI_A},E1,Ana,Family Medicine,late,1.0,2023-07-01,\n"
)
PLAN = "{model: base_plus_production, threshold_wrvu: 48, tiers: [{from: 0, rate: 48}], settle: monthly, recoverable: true}"
PLANS = f"plans:\n  early: {PLAN}\n  late: {PLAN}\n"


@pytest.fixture
def ws(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    write_extract(
        workspace.inbox / "visits.csv", [["T1", "C1", NPI_A, "2023-06-01", "2023-06-02", "99213", "", "", "1", "P1"]]
    )
    return workspace


def paid_ytd(ws, period: str, payroll: str) -> dict[str, str]:
    configure(ws, roster=ROSTER, plans=PLANS, payroll=payroll)
    ingest(ws, run_id=period)
    out = close_period.fn(str(ws.root), period, False, False, TODAY, accept_unrecorded=True).out_dir
    return {r["plan_id"]: r["paid_ytd"] for r in read_csv(out / "reconciliation.csv")}


def test_a_payment_counts_under_the_plan_in_force_on_its_date(ws):
    # paid in May under the early plan; in June a payment payroll booked to the late plan
    payroll = "E1,2023-05-10,incentive,100.00\nE1,2023-06-20,incentive,50.00,late\n"
    payroll = "employee_id,pay_date,pay_type,amount,plan_id\n" + payroll.replace("100.00\n", "100.00,\n")
    configure(ws, roster=ROSTER, plans=PLANS)
    (ws.config / "payroll_paid.csv").write_text(payroll)
    ingest(ws)
    june = close_period.fn(str(ws.root), "2023-06", False, False, TODAY, accept_unrecorded=True).out_dir
    assert {r["plan_id"]: r["paid_ytd"] for r in read_csv(june / "reconciliation.csv")} == {"early": "100.00"}
    july = close_period.fn(str(ws.root), "2023-07", False, False, TODAY, accept_unrecorded=True).out_dir
    assert {r["plan_id"]: r["paid_ytd"] for r in read_csv(july / "reconciliation.csv")} == {"late": "50.00"}


def test_without_plan_id_the_pay_date_decides(ws):
    # June was never closed: July, the first close after the early plan's last day, is its final settlement
    assert paid_ytd(ws, "2023-07", "E1,2023-05-10,incentive,100.00\nE1,2023-07-20,incentive,30.00\n") == {
        "early": "100.00",
        "late": "30.00",
    }


def test_a_payment_on_a_day_with_no_plan_is_an_error_naming_the_row(ws):
    with pytest.raises(
        InputError, match=r"payroll_paid.csv:3: pay_date: E1 has no plan, or more than one, in force on 2022-12-15"
    ):
        paid_ytd(ws, "2023-07", "E1,2023-05-10,incentive,100.00\nE1,2022-12-15,incentive,30.00\n")


def test_a_payment_of_a_plan_the_employee_never_had_is_an_error_naming_the_row(ws):
    payroll = "employee_id,pay_date,pay_type,amount,plan_id\nE1,2023-05-10,incentive,100.00,oncology\n"
    configure(ws, roster=ROSTER, plans=PLANS)
    (ws.config / "payroll_paid.csv").write_text(payroll)
    ingest(ws)
    with pytest.raises(InputError, match=r"payroll_paid.csv:2: plan_id: E1 has no roster row of plan 'oncology'"):
        close_period.fn(str(ws.root), "2023-06", False, False, TODAY, accept_unrecorded=True)
