"""The contract terms of docs/compensation.md end to end (ingest -> close): the spec's worked examples
D, E, F, G, H and T to the cent, leaving a plan and what later closes do, quality scores."""

import html

import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, NPI_B, TODAY, ingest, write_extract
from tests.test_close import configure, read_csv
from wrvu.flows.close import close_period
from wrvu.flows.schedule import load_schedule_files
from wrvu.transforms.errors import InputError, WrvuError

# 2021 (RVU21A): 99215 2.80, 99203 1.60, 99213 1.30 wRVUs
BASE = "model: base_plus_production, threshold_wrvu: 4800, tiers: [{from: 0, rate: 48}], settle: annual"
ROSTER_2021 = f'{NPI_A},E1,"Rivera, Ana",Family Medicine,fm,1.0,2021-01-01,{{last_day}}\n'
BASE_SALARY = "".join(f"E1,2021-{m:02d}-28,base,18333.33\n" for m in range(1, 13))


@pytest.fixture
def ws(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])
    return workspace


def visits(ws, name: str, months: range, per_month: dict[str, int], day: int = 10) -> None:
    """`per_month[code]` visits of each code in each month of 2021 in `months`, one line each."""
    write_extract(
        ws.inbox / name,
        [
            [f"{name}-{m}-{code}-{i}", f"C{name}-{m}-{i}", NPI_A, f"2021-{m:02d}-{day}", f"2021-{m:02d}-{day}", code]
            + ["", "", "1", f"P{m}-{i}"]
            for m in months
            for code, n in per_month.items()
            for i in range(n)
        ],
    )


def year_of_5600(ws) -> None:
    visits(ws, "year.csv", range(1, 13), {"99215": 166})  # 1,992 visits
    visits(ws, "december.csv", range(12, 13), {"99215": 8}, day=20)  # 2,000 x 2.80 = 5,600


def close(ws, period: str, restate: bool = False):
    outcome = close_period.fn(str(ws.root), period, restate, False, TODAY, accept_unrecorded=True)
    reconciliation = read_csv(outcome.out_dir / "reconciliation.csv")
    variance = read_csv(outcome.out_dir / "variance.csv")
    return reconciliation, variance


def statement_text(ws, period: str) -> str:
    return html.unescape((ws.out / period / "statements" / "E1.html").read_text())


@pytest.mark.parametrize(
    ("case", "terms", "scores", "true_up", "terms_applied"),
    [
        ("D", "incentive_cap: 30000", "", "30000.00", "incentive_cap"),
        ("E", "wrvu_cap: 5400", "", "28800.00", "wrvu_cap"),
        ("F", "quality: {withhold: 0.10}", "E1,2021,0.5\n", "36480.00", "quality_withhold"),
        ("T", "base_salary: 220000", "", "48800.00", ""),
    ],
)
def test_worked_examples_d_e_f_t(ws, case, terms, scores, true_up, terms_applied):
    plan = BASE.replace("threshold_wrvu: 4800", "threshold_wrvu: from_base") if case == "T" else BASE
    configure(
        ws, roster=ROSTER_2021.format(last_day=""), plans=f"plans:\n  fm: {{{plan}, {terms}}}\n", payroll=BASE_SALARY
    )
    (ws.config / "quality_scores.csv").write_text("employee_id,plan_year,score\n" + scores)
    year_of_5600(ws)
    ingest(ws)
    [row], _ = close(ws, "2021-12")
    assert (row["wrvu_ytd"], row["production_ytd"], row["true_up"], row["action"], row["terms_applied"]) == (
        "5600.00",
        {"D": "38400.00", "E": "28800.00", "F": "38400.00", "T": "48800.00"}[case],
        true_up,
        "pay",
        terms_applied,
    )
    if case == "T":
        assert row["threshold_ytd"] == "4583.33"
    # the statement says which term changed the figure, in the clinician's numbers
    statement = statement_text(ws, "2021-12")
    assert {
        "D": "Your plan caps earned pay at $30,000.00 a plan year: $38,400.00 becomes $30,000.00.",
        "E": "Your plan counts at most 5,400.00 wRVUs a year at 1.0 FTE",
        "F": "for the plan year, 0.5000: $1,920.00 earned back, $1,920.00 not, leaving $36,480.00.",
        "T": "(your base salary $220,000.00 ÷ the first tier's rate $48.00) 4,583.3333 wRVUs",
    }[case] in statement
    assert ("Contract terms that changed it" in statement) == (case != "T")
    assert "ask for: wrvu reconcile-log E1 YOUR_LIST.csv" in statement  # how to ask whether all work was credited


def test_worked_example_g_guarantee(ws):
    configure(
        ws,
        roster=ROSTER_2021.format(last_day=""),
        plans="plans:\n  fm: {model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 48}], "
        "settle: annual, guarantee: {amount: 240000, until: 2021-12-31}}\n",
        payroll="".join(f"E1,2021-{m:02d}-28,draw,20000.00\n" for m in range(1, 13)),
    )
    visits(ws, "year.csv", range(1, 11), {"99215": 100, "99203": 75})  # 2,800 + 1,200 = 4,000 wRVUs
    ingest(ws)
    [row], _ = close(ws, "2021-12")
    assert (row["wrvu_ytd"], row["production_ytd"], row["earned_ytd"], row["paid_ytd"]) == (
        "4000.00",
        "192000.00",
        "240000.00",
        "240000.00",
    )
    assert (row["true_up"], row["action"], row["terms_applied"]) == ("0.00", "none", "guarantee")
    assert "$192,000.00 is raised to the $240,000.00 guaranteed to date." in statement_text(ws, "2021-12")


PURE_50 = "model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 50}], recoverable: true"


def leaver(ws, settle: str = "annual", last_day: str = "2021-06-30", on_termination: str = "collect") -> None:
    """Worked example H: 2,200 wRVUs by 2021-06-30, draws of 20,000 a month January to June."""
    configure(
        ws,
        roster=ROSTER_2021.format(last_day=last_day),
        plans=f"plans:\n  fm: {{{PURE_50}, settle: {settle}, on_termination: {on_termination}}}\n",
        payroll="".join(f"E1,2021-{m:02d}-28,draw,20000.00\n" for m in range(1, 7) if f"2021-{m:02d}-28" <= last_day),
    )
    visits(ws, "h1.csv", range(1, 6), {"99215": 100, "99203": 100})  # 5 x 440 = 2,200 wRVUs


def test_worked_example_h_leaving_settles_an_annual_plan(ws):
    leaver(ws)
    ingest(ws)
    [row], [variance] = close(ws, "2021-06")
    assert (row["wrvu_ytd"], row["earned_ytd"], row["paid_ytd"], row["true_up"], row["action"]) == (
        "2200.00",
        "110000.00",
        "120000.00",
        "-10000.00",
        "recover",
    )
    assert row["deficit_balance"] == "-10000.00"
    assert "final_settlement" in variance["flags"].split()
    assert "You left this plan: this close is its final settlement" in statement_text(ws, "2021-06")


def test_later_closes_of_the_year_show_a_leaver_only_when_their_figures_change(ws):
    leaver(ws)
    ingest(ws, run_id="june")
    close(ws, "2021-06")
    # payroll recovers the 10,000 in July; nothing else changes: July has no row for them
    with (ws.config / "payroll_paid.csv").open("a") as f:
        f.write("E1,2021-07-15,recovery,-10000.00\n")
    assert close(ws, "2021-07") == ([], [])
    # a late charge for June arrives in August: settled at once, although the plan settles annually
    visits(ws, "late.csv", range(6, 7), {"99213": 10}, day=20)  # 13 wRVUs
    ingest(ws, run_id="august")
    [row], [variance] = close(ws, "2021-08")
    assert (row["wrvu_ytd"], row["earned_ytd"], row["paid_ytd"], row["true_up"], row["action"]) == (
        "2213.00",
        "110650.00",
        "110000.00",
        "650.00",
        "pay",
    )
    assert "final_settlement" in variance["flags"].split()
    assert close(ws, "2021-09") == ([], []), "once settled, the same figures give no row again"


def test_write_off_on_termination_recovers_nothing(ws):
    leaver(ws, on_termination="write_off")
    ingest(ws)
    [row], _ = close(ws, "2021-06")
    assert (row["true_up"], row["action"], row["deficit_balance"]) == ("-10000.00", "none", "0.00")
    assert close(ws, "2021-07") == ([], [])


@pytest.mark.parametrize(
    ("last_day", "period", "paid", "true_up", "action"),
    [
        # the last day of a quarter: a settle point and the final settlement at once
        ("2021-06-30", "2021-06", "120000.00", "-10000.00", "recover"),
        # mid-quarter: May would hold, but the last day settles it (draws January to April only)
        ("2021-05-15", "2021-05", "80000.00", "30000.00", "pay"),
    ],
)
def test_leaving_under_quarterly_settle(ws, last_day, period, paid, true_up, action):
    leaver(ws, settle="quarterly", last_day=last_day)
    ingest(ws)
    [row], [variance] = close(ws, period)
    assert (row["wrvu_ytd"], row["paid_ytd"], row["true_up"], row["action"]) == ("2200.00", paid, true_up, action)
    assert "final_settlement" in variance["flags"].split()


def test_a_close_before_the_last_day_holds_as_usual(ws):
    leaver(ws, settle="quarterly", last_day="2021-06-30")
    ingest(ws)
    [row], [variance] = close(ws, "2021-05")
    assert row["action"] == "hold" and "final_settlement" not in variance["flags"].split()


def with_quality_withhold(ws) -> None:
    """E1 on the base plan with a 10% quality withhold, all year, paid only the base salary."""
    configure(
        ws,
        roster=ROSTER_2021.format(last_day=""),
        plans=f"plans:\n  fm: {{{BASE}, quality: {{withhold: 0.10}}}}\n",
        payroll=BASE_SALARY,
    )


def test_a_missing_quality_score_at_the_year_end_close_names_the_employee(ws):
    with_quality_withhold(ws)
    year_of_5600(ws)
    ingest(ws)
    [june], _ = close(ws, "2021-06")  # before the year end, nothing needs the score
    assert june["terms_applied"] in ("", "quality_withhold")
    with pytest.raises(InputError, match="no score for E1, plan year 2021"):
        close(ws, "2021-12")


@pytest.mark.parametrize(
    ("scores", "message"),
    [
        ("E1,2021,1.5\n", r"quality_scores.csv:2: score: '1.5' is not a score from 0 to 1 with at most 4 decimals"),
        ("E9,2021,0.5\n", r"quality_scores.csv:2: employee_id: 'E9' is on no roster row"),
        ("E1,2021,0.5\nE1,2021,0.7\n", r"quality_scores.csv:3: a second score for the same employee and plan_year"),
    ],
)
def test_quality_score_file_errors_name_the_row(ws, scores, message):
    configure(ws, roster=ROSTER_2021.format(last_day=""), plans=f"plans:\n  fm: {{{BASE}}}\n")
    (ws.config / "quality_scores.csv").write_text("employee_id,plan_year,score\n" + scores)
    with pytest.raises(InputError, match=message):
        close(ws, "2021-06")


def test_a_whatif_after_a_final_settlement_leaves_the_leaver_out_as_the_close_does(ws, wrvu):
    leaver(ws)
    with (ws.config / "roster.csv").open("a") as f:
        f.write(f"{NPI_B},E2,Bo,Family Medicine,fm,1.0,2021-01-01,\n")
    ingest(ws)
    close(ws, "2021-06")
    alternative = ws.root / "richer.yaml"
    alternative.write_text(f"plans:\n  fm: {{{PURE_50.replace('rate: 50', 'rate: 60')}, settle: annual}}\n")
    assert wrvu("whatif", "2021-07", "--plans", str(alternative)).exit_code == 0
    rows = read_csv(ws.out / "whatif" / "2021-07-richer" / "comparison.csv")
    assert [(r["employee_id"], r["plan_id"], r["alt_plan_id"]) for r in rows] == [("E2", "fm", "fm")]


def test_a_close_across_the_start_of_a_plan_year_is_refused(ws):
    configure(ws, roster=ROSTER_2021.format(last_day=""), plans=f"plans:\n  fm: {{{BASE}, plan_year_start_month: 7}}\n")
    year_of_5600(ws)
    ingest(ws)
    with pytest.raises(WrvuError, match="2021 spans the start of plan fm's plan year on 2021-07-01: a close is of one"):
        close(ws, "2021")
    [row], _ = close(ws, "2021-Q3")  # within the plan year July 2021 to June 2022
    assert row["wrvu_ytd"] == "1394.40"  # July to September: 3 x 166 visits of 99215 at 2.80


def test_a_clinician_below_the_threshold_needs_no_quality_score(ws):
    with_quality_withhold(ws)
    visits(ws, "few.csv", range(1, 13), {"99215": 100})  # 3,360 wRVUs: below 4,800, nothing withheld
    ingest(ws)
    [row], _ = close(ws, "2021-12")
    assert (row["production_ytd"], row["action"], row["terms_applied"]) == ("0.00", "none", "")
