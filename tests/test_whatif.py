"""`wrvu whatif` (docs/compensation.md, What-if): the close of a period under other plans, another
roster or another release, next to the close as it would be now, recorded nowhere; and variance.csv's
`wrvu_ytd_as_of_dos` for a plan that pins a release (Pinned schedules, side by side).

99213 is 0.97 wRVU on RVU20D and 1.30 on RVU21A (the 2021 E/M revaluation); 99214 1.50 and 1.92."""

import hashlib
from decimal import Decimal

import polars as pl
import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import CANONICAL_HEADER, NPI_A, NPI_B, ingest, query, write_extract
from tests.test_close import ROSTER_HEADER, close, configure, read_csv
from wrvu.flows.schedule import load_schedule_files
from wrvu.schemas.crediting import load_crediting_policy
from wrvu.transforms import warehouse
from wrvu.transforms.crediting import repriced_months
from wrvu.transforms.whatif import payments_for_roster

SCHEDULES = [PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv", PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"]
APP = "1003000126"  # a nurse practitioner who performs shared visits
FM = "{model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 50}], settle: monthly"
SENIOR = "{model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 60}], settle: monthly"
ROSTER = f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2020-10-01,\n{NPI_B},E2,Bo,Family Medicine,fm,1.0,2021-01-01,\n"
HEADER = [*CANONICAL_HEADER, "performing_npi"]


def plans(**bodies: str) -> str:
    return "plans:\n" + "".join(f"  {name}: {body}}}\n" for name, body in bodies.items())


def visits(ws) -> None:
    """E1: 10 visits of 99213 in December 2020 (plan year 2020) and 10 a month in 2021 (30 by March);
    E2: 5 visits of 99214 in March 2021."""
    write_extract(
        ws.inbox / "visits.csv",
        [
            ["T0", "C0", NPI_A, "2020-12-15", "2020-12-16", "99213", "", "", "10", "P0"],
            ["T1", "C1", NPI_A, "2021-01-12", "2021-01-13", "99213", "", "", "10", "P1"],
            ["T2", "C2", NPI_A, "2021-02-09", "2021-02-10", "99213", "", "", "10", "P2"],
            ["T3", "C3", NPI_A, "2021-03-09", "2021-03-10", "99213", "", "", "10", "P3"],
            ["T4", "C4", NPI_B, "2021-03-10", "2021-03-11", "99214", "", "", "5", "P4"],
        ],
    )
    ingest(ws)


@pytest.fixture
def ws(workspace):
    """Both on `fm` by date of service, $50 a wRVU from the first; E1 was paid a draw of 1,000."""
    load_schedule_files(workspace, SCHEDULES)
    configure(workspace, roster=ROSTER, plans=plans(fm=FM), payroll="E1,2021-02-26,draw,1000.00\n")
    visits(workspace)
    return workspace


def alternative(ws, name: str, text: str):
    path = ws.root / name
    path.write_text(text)
    return path


def comparison(ws, label: str) -> dict[str, dict]:
    return {r["employee_id"]: r for r in read_csv(ws.out / "whatif" / label / "comparison.csv")}


def figures(row: dict, *names: str) -> tuple:
    return tuple(row[n] for n in names)


FIGURES = (
    "plan_id",
    "alt_plan_id",
    "wrvu_ytd",
    "alt_wrvu_ytd",
    "wrvu_ytd_difference",
    "earned_ytd",
    "alt_earned_ytd",
    "earned_ytd_difference",
    "true_up",
    "alt_true_up",
    "true_up_difference",
    "action",
    "alt_action",
)
# a contract frozen on RVU20D: E1 30 x 0.97 = 29.10 (not 39.00), less the draw; E2 5 x 1.50 = 7.50 (not 9.60)
E1_FROZEN = ("fm", "fm", "39.00", "29.10", "-9.90", "1950.00", "1455.00", "-495.00", "950.00", "455.00", "-495.00")
E2_FROZEN = ("fm", "fm", "9.60", "7.50", "-2.10", "480.00", "375.00", "-105.00", "480.00", "375.00", "-105.00")


def warehouse_state(ws) -> tuple:
    return (
        hashlib.sha256(ws.warehouse.read_bytes()).hexdigest(),
        query(ws, "select count(*) from close_revisions")[0][0],
        query(ws, "select * from roster order by npi"),
    )


def test_a_plan_pinned_to_rvu20d_prices_2021_visits_at_the_2020_value_and_records_nothing(ws, wrvu):
    frozen = alternative(ws, "frozen.yaml", plans(fm=FM + ", schedule_basis: RVU20D"))
    before = warehouse_state(ws)
    result = wrvu("whatif", "2021-03", "--plans", str(frozen))
    assert result.exit_code == 0, result.output + result.stderr
    rows = comparison(ws, "2021-03-frozen")
    assert figures(rows["E1"], *FIGURES) == (*E1_FROZEN, "pay", "pay")
    assert figures(rows["E2"], *FIGURES) == (*E2_FROZEN, "pay", "pay")
    assert list(rows["E1"]) == ["period", "employee_id", *FIGURES]
    assert "2021-03 under frozen: 2 rows (employee and plan), true_up 1430.00 now, 830.00 under frozen (-600.00)" in (
        result.output
    )
    assert str(ws.out / "whatif" / "2021-03-frozen" / "comparison.csv") in result.output
    # nothing recorded: the same warehouse, byte for byte, no close, the roster as it was
    assert warehouse_state(ws) == before
    assert before[1] == 0
    # and the close that follows is the what-if's current side
    reconciliation = {r["employee_id"]: r for r in read_csv(close(ws, "2021-03").out_dir / "reconciliation.csv")}
    assert {e: (r["wrvu_ytd"], r["earned_ytd"], r["true_up"], r["action"]) for e, r in reconciliation.items()} == {
        "E1": ("39.00", "1950.00", "950.00", "pay"),
        "E2": ("9.60", "480.00", "480.00", "pay"),
    }
    # a what-if after the close: the same comparison, and still nothing more recorded
    recorded = warehouse_state(ws)
    assert wrvu("whatif", "2021-03", "--plans", str(frozen)).exit_code == 0
    assert figures(comparison(ws, "2021-03-frozen")["E1"], *FIGURES) == (*E1_FROZEN, "pay", "pay")
    assert warehouse_state(ws) == recorded and recorded[1] == 1


def test_schedule_basis_prices_every_line_on_one_release_whatever_the_plans(ws, wrvu):
    same = alternative(ws, "same.yaml", plans(fm=FM))
    result = wrvu("whatif", "2021-03", "--plans", str(same), "--schedule-basis", "rvu20d")
    assert result.exit_code == 0, result.output + result.stderr
    rows = comparison(ws, "2021-03-same")
    assert figures(rows["E1"], *FIGURES) == (*E1_FROZEN, "pay", "pay")
    assert figures(rows["E2"], *FIGURES) == (*E2_FROZEN, "pay", "pay")
    # and without it, the same terms are the same figures
    assert wrvu("whatif", "2021-03", "--plans", str(same)).exit_code == 0
    rows = comparison(ws, "2021-03-same")
    assert figures(rows["E1"], "alt_wrvu_ytd", "wrvu_ytd_difference", "alt_true_up", "true_up_difference") == (
        "39.00",
        "0.00",
        "950.00",
        "0.00",
    )


def test_an_alternative_roster_moves_a_clinician_to_another_plan(ws, wrvu):
    terms = alternative(ws, "senior.yaml", plans(fm=FM, senior=SENIOR))
    roster = alternative(
        ws,
        "roster_alt.csv",
        ROSTER_HEADER + f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2020-10-01,\n"
        f"{NPI_B},E2,Bo,Family Medicine,fm,1.0,2021-01-01,2021-01-31\n"
        f"{NPI_B},E2,Bo,Family Medicine,senior,1.0,2021-02-01,\n",
    )
    result = wrvu("whatif", "2021-03", "--plans", str(terms), "--roster", str(roster))
    assert result.exit_code == 0, result.output + result.stderr
    rows = read_csv(ws.out / "whatif" / "2021-03-senior" / "comparison.csv")
    assert [",".join(figures(r, "employee_id", *FIGURES)) for r in rows] == [
        "E1,fm,fm,39.00,39.00,0.00,1950.00,1950.00,0.00,950.00,950.00,0.00,pay,pay",
        # E2 moved to senior ($60) from February: March's 9.60 wRVUs are senior's, fm keeps none (settled: none)
        "E2,fm,fm,9.60,0.00,-9.60,480.00,0.00,-480.00,480.00,0.00,-480.00,pay,none",
        "E2,,senior,,9.60,9.60,,576.00,576.00,,576.00,576.00,,pay",
    ]


def test_a_clinician_moved_to_another_plan_is_one_row_and_priced_on_its_pin(ws, wrvu):
    terms = alternative(ws, "moved.yaml", plans(fm=FM, frozen=SENIOR + ", schedule_basis: RVU20D"))
    roster = alternative(
        ws,
        "roster_moved.csv",
        ROSTER_HEADER + f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2020-10-01,\n"
        f"{NPI_B},E2,Bo,Family Medicine,frozen,1.0,2021-01-01,\n",
    )
    assert wrvu("whatif", "2021-03", "--plans", str(terms), "--roster", str(roster)).exit_code == 0
    rows = comparison(ws, "2021-03-moved")
    # 5 x 1.50 (RVU20D) = 7.50 at $60
    assert figures(rows["E2"], *FIGURES) == (
        "fm",
        "frozen",
        "9.60",
        "7.50",
        "-2.10",
        "480.00",
        "450.00",
        "-30.00",
        "480.00",
        "450.00",
        "-30.00",
        "pay",
        "pay",
    )


def test_the_team_based_care_share_applies_to_the_repriced_lines(workspace, wrvu):
    load_schedule_files(workspace, SCHEDULES)
    (workspace.config / "crediting.yaml").write_text("attribution:\n  split_shared: {billed: 0.5, performing: 0.5}\n")
    configure(
        workspace,
        roster=f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2021-01-01,\n{APP},E3,Jo,Family Medicine,fm,1.0,2021-01-01,\n",
        plans=plans(fm=FM),
    )
    write_extract(
        workspace.inbox / "shared.csv",
        [["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99214", "FS", "", "2", "P1", APP]],
        header=HEADER,
    )
    ingest(workspace)
    same = alternative(workspace, "same.yaml", plans(fm=FM))
    assert wrvu("whatif", "2021-03", "--plans", str(same), "--schedule-basis", "RVU20D").exit_code == 0
    rows = comparison(workspace, "2021-03-same")
    # 2 x 1.92 x 0.5 = 1.92 each as credited; 2 x 1.50 x 0.5 = 1.50 each on RVU20D
    assert {e: figures(r, "wrvu_ytd", "alt_wrvu_ytd", "alt_earned_ytd") for e, r in rows.items()} == {
        "E1": ("1.92", "1.50", "75.00"),
        "E3": ("1.92", "1.50", "75.00"),
    }
    # the productivity trend re-prices the same way: 3.84 credited, 3.00 on RVU20D, not twice each
    policy = load_crediting_policy(workspace.config / "crediting.yaml")
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        [march] = repriced_months(con, policy, "RVU20D", "2021-03", "2021-03")
    assert (march["credited_wrvu"], march["repriced_wrvu"]) == (Decimal("3.8400"), Decimal("3.0000"))


def test_a_pinned_plan_shows_its_lines_by_date_of_service_in_variance_and_in_a_whatif(workspace, wrvu):
    load_schedule_files(workspace, SCHEDULES)
    configure(workspace, roster=ROSTER, plans=plans(fm=FM + ", schedule_basis: RVU20D"))
    visits(workspace)
    # what the frozen contract costs: by date of service, E1's 30 visits of 2021 are 39.00, not 29.10
    dos = alternative(workspace, "by_dos.yaml", plans(fm=FM))
    assert wrvu("whatif", "2021-03", "--plans", str(dos)).exit_code == 0
    assert figures(comparison(workspace, "2021-03-by_dos")["E1"], "wrvu_ytd", "alt_wrvu_ytd", "alt_earned_ytd") == (
        "29.10",
        "39.00",
        "1950.00",
    )
    out = close(workspace, "2021-03").out_dir
    reconciliation = {r["employee_id"]: r["wrvu_ytd"] for r in read_csv(out / "reconciliation.csv")}
    variance = {r["employee_id"]: r for r in read_csv(out / "variance.csv")}
    assert reconciliation == {"E1": "29.10", "E2": "7.50"}
    assert {e: r["wrvu_ytd_as_of_dos"] for e, r in variance.items()} == {"E1": "39.00", "E2": "9.60"}
    assert list(variance["E1"])[-1] == "wrvu_ytd_as_of_dos"
    # a close of a period with no pinned plan leaves it blank
    (workspace.config / "plans.yaml").write_text(plans(fm=FM))
    paid = "E1,2021-04-15,incentive,1455.00\nE2,2021-04-15,incentive,375.00\n"  # March's, as payroll paid them
    (workspace.config / "payroll_paid.csv").write_text("employee_id,pay_date,pay_type,amount\n" + paid)
    variance = read_csv(close(workspace, "2021-04").out_dir / "variance.csv")
    assert [r["wrvu_ytd_as_of_dos"] for r in variance] == ["", ""]


def test_the_trend_is_still_repriced_on_one_release(ws):
    policy = load_crediting_policy(ws.config / "crediting.yaml")
    with warehouse.connect(ws.warehouse, read_only=True) as con:
        months = repriced_months(con, policy, "RVU20D", "2020-12", "2021-03")
    assert [(m["period"], m["credited_wrvu"], m["repriced_wrvu"]) for m in months] == [
        ("2020-12", Decimal("9.7000"), Decimal("9.7000")),
        ("2021-01", Decimal("13.0000"), Decimal("9.7000")),
        ("2021-02", Decimal("13.0000"), Decimal("9.7000")),
        ("2021-03", Decimal("22.6000"), Decimal("17.2000")),
    ]


@pytest.mark.parametrize(
    ("args", "files", "message"),
    [
        (
            ("2021-03", "--plans", "{bad}"),
            {"bad.yaml": plans(fm=FM + ", tierz: 1")},
            "bad.yaml: plan fm.tierz: Extra inputs are not permitted",
        ),
        (
            ("2021-03", "--plans", "{other}"),
            {"other.yaml": plans(other=FM)},
            "other.yaml: no plan fm, which config/roster.csv names",
        ),
        (
            ("2021-03", "--plans", "{same}", "--schedule-basis", "RVU19A"),
            {"same.yaml": plans(fm=FM)},
            "--schedule-basis RVU19A: no such release is loaded (loaded: RVU20D, RVU21A)",
        ),
        (
            ("2021-03", "--plans", "{unloaded}"),
            {"unloaded.yaml": plans(fm=FM + ", schedule_basis: RVU19A")},
            "unloaded.yaml: plan fm: schedule_basis RVU19A: no such release is loaded",
        ),
        (("2099-01", "--plans", "{same}"), {"same.yaml": plans(fm=FM)}, "2099-01 ends on 2099-01-31, today or later"),
        (("2021-13", "--plans", "{same}"), {"same.yaml": plans(fm=FM)}, "'2021-13' is not a period"),
    ],
)
def test_a_whatif_that_cannot_be_computed_says_why_in_one_line(ws, wrvu, args, files, message):
    paths = {name.removesuffix(".yaml"): str(alternative(ws, name, text)) for name, text in files.items()}
    result = wrvu("whatif", *(a.format(**paths) for a in args))
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (ws.out / "whatif").exists()


def test_a_whatif_on_a_roster_changed_since_the_last_ingest_asks_for_an_ingest(ws, wrvu):
    (ws.config / "roster.csv").write_text(ROSTER_HEADER + ROSTER + f"{APP},E3,Jo,Family Medicine,fm,1.0,2021-01-01,\n")
    same = alternative(ws, "same.yaml", plans(fm=FM))
    result = wrvu("whatif", "2021-03", "--plans", str(same))
    assert result.exit_code == 2
    assert (
        "config/roster.csv assigns NPIs, plans or dates otherwise than at the last ingest" in result.stderr
        and "wrvu ingest" in result.stderr
    )


def test_a_payment_of_a_plan_the_alternative_drops_counts_by_its_date_with_a_warning():
    payroll = pl.DataFrame(
        {"employee_id": ["E1", "E1"], "plan_id": ["fm", ""], "source_row": [2, 3], "amount": ["1.00", "2.00"]}
    )
    roster = pl.DataFrame({"employee_id": ["E1"], "plan_id": ["fm_2022"]})
    moved, [warning] = payments_for_roster(payroll, roster)
    assert moved["plan_id"].to_list() == ["", ""]
    assert warning.startswith("payroll_paid.csv rows 2: their plan_id is not a plan of the employee")
    assert payments_for_roster(payroll, pl.DataFrame({"employee_id": ["E1"], "plan_id": ["fm"]})) == (payroll, ())
