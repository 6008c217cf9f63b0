"""`wrvu schedule impact NEW [--base RELEASE] [--months N]` (docs/compensation.md, Schedule impact): each
clinician's lines of the last months of data priced on a release and on the base, the production pay on
each, and the first-tier rate that keeps each plan's production pay neutral; recorded nowhere.

Real CMS rows across the 2020/2021 line: 99213 is 0.97 wRVU on RVU20D and 1.30 on RVU21A (+0.33 a
visit, the 2021 E/M revaluation); 99214 1.50 and 1.92; 27447 (total knee) 20.72 and 19.60."""

from decimal import Decimal
from pathlib import Path

import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, NPI_B, ingest, write_extract
from tests.test_close import ROSTER_HEADER, configure, read_csv
from tests.test_whatif import plans, warehouse_state
from wrvu.flows.schedule import load_schedule_files
from wrvu.schemas.plans import Plan
from wrvu.transforms.compensation import cents
from wrvu.transforms.schedule_impact import ClinicianImpact, compared, plan_impact

CONTRACT = Path(__file__).resolve().parents[1] / "docs" / "contract.md"
SCHEDULES = [PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv", PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"]
NPI_C, NPI_D = "1003000126", "1555555550"
FM = "{model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 50}], settle: monthly"
# 120 wRVUs a year at 1.0 FTE: 30 over a window of 3 months, 15 at 0.5 FTE; $40 to 40 wRVUs above it, then $60
TIERED = (
    "{model: base_plus_production, base_salary: 200000, threshold_wrvu: 120, "
    "tiers: [{from: 0, rate: 40}, {from: 40, rate: 60}], payout_share: 0.9"
)
ROSTER = (
    f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2020-10-01,\n"
    f"{NPI_B},E2,Bo,Family Medicine,fm,1.0,2020-10-01,\n"
    f"{NPI_C},E3,Cy,Orthopedics,tiered,1.0,2020-10-01,\n"
    f"{NPI_D},E4,Di,Internal Medicine,tiered,0.5,2020-10-01,\n"
)


def line(tid: str, npi: str, service_date: str, code: str, units: int) -> list[str]:
    return [tid, f"C{tid}", npi, service_date, service_date, code, "", "", str(units), f"P{tid}"]


@pytest.fixture
def ws(workspace):
    """October to December 2020, every line credited on RVU20D: E1 10 visits of 99213 and 2 of 99214;
    E2 5 of 99214; E3 30 of 99214 and a total knee; E4 20 of 99213."""
    load_schedule_files(workspace, SCHEDULES)
    configure(workspace, roster=ROSTER, plans=plans(fm=FM, tiered=TIERED))
    write_extract(
        workspace.inbox / "q4.csv",
        [
            line("T1", NPI_A, "2020-10-06", "99213", 4),
            line("T2", NPI_A, "2020-11-03", "99213", 3),
            line("T3", NPI_A, "2020-11-04", "99214", 2),
            line("T4", NPI_A, "2020-12-01", "99213", 3),
            line("T5", NPI_B, "2020-12-08", "99214", 5),
            line("T6", NPI_C, "2020-11-10", "99214", 30),
            line("T7", NPI_C, "2020-11-12", "27447", 1),
            line("T8", NPI_D, "2020-12-15", "99213", 20),
        ],
    )
    ingest(workspace)
    return workspace


def contract_columns(name: str) -> list[str]:
    """The columns docs/contract.md gives an output file of `wrvu schedule impact`."""
    row = next(line for line in CONTRACT.read_text().splitlines() if line.startswith(f"| `{name}` |"))
    return row.rstrip(" |").rsplit("| `", 1)[1].rstrip("`").split(", ")


def impact(ws, new: str = "RVU21A") -> tuple[dict[str, dict], dict[str, dict]]:
    folder = ws.out / "impact" / new
    rows = {r["employee_id"]: r for r in read_csv(folder / "impact.csv")}
    return rows, {r["plan_id"]: r for r in read_csv(folder / "impact_plans.csv")}


def figures(row: dict, *names: str) -> tuple:
    return tuple(row[n] for n in names)


def test_2020_visits_repriced_on_rvu21a_and_the_neutral_rates_recording_nothing(ws, wrvu):
    before = warehouse_state(ws)
    result = wrvu("schedule", "impact", "rvu21a", "--months", "3")
    assert result.exit_code == 0, result.output + result.stderr
    rows, plan_rows = impact(ws)
    # the columns, in the order the contract gives them
    assert list(rows["E1"]) == contract_columns("impact.csv")
    assert list(plan_rows["fm"]) == contract_columns("impact_plans.csv")
    # E1: 10 visits of 99213 credited on RVU20D at 0.97, on RVU21A at 1.30: +0.33 a visit; 2 of 99214 +0.42 each
    assert figures(rows["E1"], "npi", "plan_id", "first_month", "last_month", "base") == (
        NPI_A,
        "fm",
        "2020-10",
        "2020-12",
        "as_credited",
    )
    assert figures(rows["E1"], "wrvu_base", "wrvu_new", "wrvu_difference", "codes_moving_most") == (
        "12.70",
        "16.84",
        "4.14",
        "99213 +3.30; 99214 +0.84",
    )
    assert Decimal("3.30") / 10 == Decimal("0.33")
    assert figures(rows["E2"], "wrvu_base", "wrvu_new", "wrvu_difference_pct") == ("7.50", "9.60", "28.00")

    # fm, pure production at $50 from the first wRVU: the neutral rate is 50 x old wRVUs / new wRVUs
    fm = plan_rows["fm"]
    assert figures(fm, "clinicians", "wrvu_base", "wrvu_new", "current_rate", "pay_base", "pay_new_current_rate") == (
        "2",
        "20.20",
        "26.44",
        "50.00",
        "1010.00",
        "1322.00",
    )
    old, new = Decimal(fm["wrvu_base"]), Decimal(fm["wrvu_new"])
    assert Decimal(fm["neutral_rate"]) == cents(Decimal(50) * old / new) == Decimal("38.20")
    assert figures(rows["E1"], "pay_base", "pay_new_current_rate", "neutral_rate", "pay_new_neutral_rate") == (
        "635.00",
        "842.00",
        "38.20",
        "643.29",  # 16.84 x 38.20
    )

    # tiered, by hand: thresholds 120 x 3/12 = 30 (E3) and x 0.5 = 15 (E4); E3 65.72 -> 77.20 (99214 +12.60,
    # 27447 -1.12), E4 19.40 -> 26.00. Base: 0.9 x 40 x (35.72 + 4.40) = 1444.32. On RVU21A at rate r:
    # 0.9 x (40 r + 7.20 x 60 + 11.00 r) = 1444.32, so r = (1604.80 - 432) / 51 = 22.996... = 23.00
    assert figures(rows["E3"], "threshold_window", "wrvu_base", "wrvu_new", "codes_moving_most") == (
        "30.00",
        "65.72",
        "77.20",
        "99214 +12.60; 27447 -1.12",
    )
    assert figures(rows["E4"], "threshold_window", "pay_base", "pay_new_current_rate", "pay_new_neutral_rate") == (
        "15.00",
        "158.40",
        "396.00",
        "227.70",  # 0.9 x 11.00 x 23.00
    )
    assert figures(rows["E3"], "pay_base", "pay_new_current_rate", "pay_new_neutral_rate") == (
        "1285.92",
        "1828.80",  # 0.9 x (40 x 40 + 7.20 x 60)
        "1216.80",  # 0.9 x (40 x 23 + 7.20 x 60)
    )
    tiered = plan_rows["tiered"]
    assert figures(tiered, "pay_base", "pay_new_current_rate", "neutral_rate", "pay_new_neutral_rate") == (
        "1444.32",
        "2224.80",
        "23.00",
        "1444.50",  # the rate rounded to the cent pays 0.18 more
    )

    # the summary beside it and on screen; nothing recorded
    summary = (ws.out / "impact" / "RVU21A" / "impact.md").read_text()
    assert "2020-10 to 2020-12 (3 months)" in summary and "Base: as credited" in summary
    assert "| fm | 2 | 20.20 | 26.44 | +30.89% | 50.00 | 1,010.00 | 1,322.00 | 38.20 | 1,010.01 |" in summary
    assert "| E3 | Cy | tiered | 65.72 | 77.20 | +11.48 | +17.47% | 99214 +12.60; 27447 -1.12 |" in summary
    assert summary.index("| E3 | Cy |") < summary.index("| E1 | Ana |")  # moving most first
    assert "RVU21A against as credited, 2020-10 to 2020-12 (3 months): 8 lines, 4 clinicians" in result.output
    assert "fm: 20.20 -> 26.44 wRVUs (+30.89%), pay 1010.00 -> 1322.00 at 50.00/wRVU; neutral rate 38.20" in (
        result.output
    )
    assert str(ws.out / "impact" / "RVU21A" / "impact.csv") in result.output
    assert warehouse_state(ws) == before


def test_the_window_starts_no_earlier_than_the_first_month_of_data(ws, wrvu):
    # 12 months asked, October to December 2020 have lines: the thresholds are of those 3 months, not of 12
    result = wrvu("schedule", "impact", "RVU21A", "--months", "12")
    assert result.exit_code == 0, result.stderr
    assert "2020-10 to 2020-12 (3 months with data of the 12 asked)" in result.output
    rows, plan_rows = impact(ws)
    assert figures(rows["E3"], "threshold_window", "first_month") == ("30.00", "2020-10")
    assert plan_rows["tiered"]["neutral_rate"] == "23.00"


def test_the_window_is_the_last_months_of_data_and_base_prices_them_on_a_release(ws, wrvu):
    write_extract(ws.inbox / "jan.csv", [line("T9", NPI_A, "2021-01-12", "99213", 10)])  # credited on RVU21A
    ingest(ws)
    # as credited: January is already on RVU21A, only the 2020 visits move
    assert wrvu("schedule", "impact", "RVU21A", "--months", "4").exit_code == 0
    rows, _ = impact(ws)
    assert figures(rows["E1"], "base", "first_month", "last_month", "wrvu_base", "wrvu_new", "wrvu_difference") == (
        "as_credited",
        "2020-10",
        "2021-01",
        "25.70",
        "29.84",
        "4.14",
    )
    # on RVU20D, January moves too: 20 visits of 99213 at +0.33
    assert wrvu("schedule", "impact", "RVU21A", "--months", "4", "--base", "RVU20D").exit_code == 0
    rows, plan_rows = impact(ws)
    assert figures(rows["E1"], "base", "wrvu_base", "wrvu_new", "codes_moving_most") == (
        "RVU20D",
        "22.40",
        "29.84",
        "99213 +6.60; 99214 +0.84",
    )
    assert plan_rows["fm"]["base"] == "RVU20D"
    # the base priced on NEW itself changes nothing: the neutral rate is the current rate
    assert wrvu("schedule", "impact", "RVU21A", "--months", "4", "--base", "RVU21A").exit_code == 0
    rows, plan_rows = impact(ws)
    assert figures(rows["E1"], "wrvu_difference", "codes_moving_most") == ("0.00", "")
    assert figures(plan_rows["fm"], "neutral_rate", "pay_base", "pay_new_neutral_rate") == (
        "50.00",
        "1972.00",
        "1972.00",
    )
    # the last month of data is the window's last: one month is January alone
    assert wrvu("schedule", "impact", "RVU20D", "--months", "1").exit_code == 0
    rows, plan_rows = impact(ws, "RVU20D")
    assert figures(rows["E1"], "first_month", "last_month", "wrvu_base", "wrvu_new") == (
        "2021-01",
        "2021-01",
        "13.00",
        "9.70",
    )
    # clinicians on the roster without lines in the window keep their row (and threshold)
    assert figures(rows["E3"], "wrvu_base", "threshold_window", "pay_base") == ("0.00", "10.00", "0.00")
    assert plan_rows["tiered"]["note"].startswith("no clinician's pay on the new release depends on the first tier")
    assert plan_rows["tiered"]["neutral_rate"] == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("RVU99A",), "release RVU99A: no such release is loaded (loaded: RVU20D, RVU21A)"),
        (("RVU21A", "--base", "RVU19A"), "--base RVU19A: no such release is loaded (loaded: RVU20D, RVU21A)"),
        (("RVU21A", "--months", "0"), "Invalid value for '--months'"),
    ],
)
def test_a_release_that_is_not_loaded_is_refused_in_one_line(ws, wrvu, args, message):
    result = wrvu("schedule", "impact", *args)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert not (ws.out / "impact").exists()


def test_a_warehouse_without_lines_of_rostered_clinicians_is_refused(workspace, wrvu):
    load_schedule_files(workspace, SCHEDULES)
    configure(workspace, roster=ROSTER, plans=plans(fm=FM, tiered=TIERED))
    write_extract(workspace.inbox / "other.csv", [line("T1", "1245319599", "2020-11-03", "99213", 3)])  # unrostered
    ingest(workspace)
    result = wrvu("schedule", "impact", "RVU21A")
    assert result.exit_code == 2, result.output
    assert "no lines of rostered clinicians in the warehouse before this month: nothing to re-price" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert not (workspace.out / "impact").exists()


def test_a_roster_changed_since_the_last_ingest_asks_for_an_ingest(ws, wrvu):
    (ws.config / "roster.csv").write_text(ROSTER_HEADER + ROSTER.replace("tiered,0.5", "fm,0.5"))
    result = wrvu("schedule", "impact", "RVU21A")
    assert result.exit_code == 2
    assert (
        "config/roster.csv assigns NPIs, plans or dates otherwise than at the last ingest, and `wrvu schedule impact` only reads"
        in result.stderr
    )


def clinician(wrvu_base: str, wrvu_new: str, share: str = "1") -> ClinicianImpact:
    return ClinicianImpact("E", "", "", "p", "", "", Decimal(share), Decimal(wrvu_base), Decimal(wrvu_new), ())


def test_a_threshold_from_the_base_moves_with_the_neutral_rate():
    """base 220,000 / $48 = 4,583.33 wRVUs. Above it, pay is wRVUs x rate - 220,000, so the rate that keeps
    pay neutral is 48 x old / new, as for pure production (the threshold follows the rate)."""
    plan = Plan.model_validate(
        {
            "model": "base_plus_production",
            "threshold_wrvu": "from_base",
            "base_salary": 220000,
            "tiers": [{"from": 0, "rate": 48}],
        }
    )
    both = plan_impact("p", plan, [clinician("5000", "5500"), clinician("6000", "6600")])
    assert both.neutral_rate == cents(Decimal(48) * 11000 / 12100) == Decimal("43.64")
    totals = compared("as_credited", both, both.clinicians)
    assert totals["pay_base"] == Decimal(88000)  # 20,000 + 68,000
    assert totals["pay_new_neutral_rate"] == Decimal(88044)  # at 43.64, not 43.6363...
    assert "threshold is from the base" in both.note
    # nobody above the threshold on the base: pay 0, which any rate near 0 keeps
    below = plan_impact("p", plan, [clinician("4000", "4400")])
    assert below.neutral_rate is None and below.note.startswith("the plan's pay on the base is reached")
