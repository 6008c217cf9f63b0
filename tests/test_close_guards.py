"""Closes that cannot mislead payroll: a period not yet over is refused (or written as a provisional
pace report, recorded nowhere), and a close of a period without lines says so."""

import json
from datetime import date

import pytest

from tests.ingest_helpers import NPI_A, NPI_B, ingest, query, write_extract
from tests.test_close import configure, plans_yaml, read_csv, ws  # noqa: F401  (ws is a fixture)
from wrvu.flows.close import close_period
from wrvu.transforms.close import refuse_wrong_timing
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.periods import parse_period

ROSTER = f'{NPI_A},E1,"Rivera, Ana",Family Medicine,fm,1.0,2023-01-01,\n'
MARCH_VISITS = [
    ["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99215", "", "", "1", "MRN1"],  # 2.80 wRVUs in 2023
    ["T2", "C2", NPI_B, "2023-03-03", "2023-03-04", "99213", "", "", "1", "MRN2"],  # 1.30, an NPI on no roster row
]


def close_on(ws, period: str, today: date, provisional: bool = False):
    return close_period.fn(str(ws.root), period, False, provisional, today)


@pytest.fixture
def march(ws):
    configure(ws, roster=ROSTER, plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}], settle: monthly"))
    write_extract(ws.inbox / "march.csv", MARCH_VISITS)
    ingest(ws)
    return ws


@pytest.mark.parametrize(
    ("period", "today"),
    [
        ("2023-03", date(2023, 3, 31)),
        ("2023-03", date(2023, 3, 15)),
        ("2023-03", date(2023, 1, 2)),
        ("2023-Q1", date(2023, 3, 31)),
        ("2023", date(2023, 12, 31)),
    ],
)
def test_a_period_whose_last_day_is_today_or_later_is_refused(period, today):
    with pytest.raises(
        WrvuError, match=rf"{period} ends on {parse_period(period).end}, today or later: .* --provisional"
    ):
        refuse_wrong_timing(parse_period(period), today, provisional=False)


@pytest.mark.parametrize(
    ("period", "today"), [("2023-03", date(2023, 4, 1)), ("2023-Q1", date(2023, 4, 1)), ("2023", date(2024, 1, 1))]
)
def test_the_day_after_its_last_day_a_period_can_be_closed(period, today):
    refuse_wrong_timing(parse_period(period), today, provisional=False)


def test_a_provisional_close_is_a_marked_pace_report_replaced_each_time_and_recorded_nowhere(march):
    outcome = close_on(march, "2023-03", date(2023, 3, 15), provisional=True)
    folder = march.out / "2023-03" / "provisional"
    assert outcome.action == "provisional" and outcome.out_dir == folder
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.*")) == [
        "close.provisional.xlsx",
        "lines.provisional.csv",
        "manifest.provisional.json",
        "productivity.provisional.csv",
        "productivity.provisional.html",
        "productivity_em_mix.provisional.csv",
        "productivity_trend.provisional.csv",
        "quarantine.provisional.csv",
        "reconciliation.provisional.csv",
        "statements/E1.provisional.html",
        "statements/E1.provisional.pdf",
        "variance.provisional.csv",
    ], "no payroll file: nothing is paid from a pace report"
    manifest = json.loads((folder / "manifest.provisional.json").read_text())
    assert manifest["provisional"] is True and manifest["as_of"] == "2023-03-15"
    assert manifest["close_revision"] is None
    written = {p.relative_to(folder).as_posix() for p in folder.rglob("*.*")}
    assert set(manifest["files_sha256"]) == written - {"manifest.provisional.json"}
    [row] = read_csv(folder / "reconciliation.provisional.csv")
    assert (row["employee_id"], row["wrvu_period"]) == ("E1", "2.80")
    assert query(march, "select count(*) from closes") == [(0,)], "a pace report is no close"

    write_extract(
        march.inbox / "later.csv", [["T3", "C3", NPI_A, "2023-03-10", "2023-03-11", "99215", "", "", "1", "MRN3"]]
    )
    ingest(march, run_id="later")
    close_on(march, "2023-03", date(2023, 3, 20), provisional=True)
    [row] = read_csv(folder / "reconciliation.provisional.csv")
    assert row["wrvu_period"] == "5.60", "replaced by the newer pace report"
    assert [p.name for p in (march.out / "2023-03").iterdir()] == ["provisional"], "no partial folder left"

    assert close_on(march, "2023-03", date(2023, 4, 3)).action == "closed"
    assert not folder.exists(), "the real close supersedes the period's pace reports"
    [row] = read_csv(march.out / "2023-03" / "reconciliation.csv")
    assert row["wrvu_period"] == "5.60"


@pytest.mark.parametrize("today", [date(2023, 4, 1), date(2024, 1, 1)])
def test_provisional_is_only_for_a_period_not_yet_over(today):
    with pytest.raises(WrvuError, match="2023-03 has ended: close it without --provisional"):
        refuse_wrong_timing(parse_period("2023-03"), today, provisional=True)
    refuse_wrong_timing(parse_period("2023-03"), date(2023, 3, 31), provisional=True)


def test_a_close_of_a_period_without_lines_says_so(march):
    assert close_on(march, "2023-03", date(2023, 4, 1)).warnings == ()
    empty = close_on(march, "2023-05", date(2023, 6, 1))
    assert empty.warnings == ("2023-05: no credited lines in the period; are its extracts ingested?",)
