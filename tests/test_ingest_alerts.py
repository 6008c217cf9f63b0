"""An ingest that says what happened: the quarantine alert (exit 3, the Prefect run Failed), reading a
file again after a fix (`--reprocess`), ragged rows quarantined, and what a new release can price."""

from decimal import Decimal

import pytest
from click.testing import CliRunner

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, ingest, query, write_extract
from wrvu.flows.cli import cli
from wrvu.flows.schedule import load_schedule_files
from wrvu.schemas.workspace import load_workspace
from wrvu.transforms.errors import InputError, WrvuError
from wrvu.transforms.ingest import quarantine_alert


def line(tid: str, service_date: str = "2023-03-01", post_date: str = "2023-03-02", code: str = "99213") -> list[str]:
    return [tid, f"C{tid}", NPI_A, service_date, post_date, code, "", "", "1", f"MRN{tid}"]


def mostly_bad(n_good: int, n_bad: int) -> list[list[str]]:
    """n_good valid lines, then n_bad whose service date is not a date."""
    return [line(f"G{i}") for i in range(n_good)] + [line(f"B{i}", service_date="soon") for i in range(n_bad)]


@pytest.fixture
def ws(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    return workspace


def test_a_file_at_the_threshold_does_not_alert_and_one_above_it_does(ws):
    write_extract(ws.inbox / "at.csv", mostly_bad(4, 1))  # 20%: not more than 20
    write_extract(ws.inbox / "empty.csv", [])  # no rows: never alerts
    summary = ingest(ws, run_id="r1")
    assert quarantine_alert(summary, ws.settings.alerts.quarantine_pct) is None
    (ws.root / "wrvu.yaml").write_text("alerts: {quarantine_pct: 19.5}\n")
    threshold = load_workspace(ws.root).settings.alerts.quarantine_pct
    alert = quarantine_alert(summary, threshold)
    assert alert.exit_code == 3 and alert.summary is summary
    assert str(alert) == (
        f"merged, but more than alerts.quarantine_pct 19.5% of the rows were quarantined in "
        f"{ws.inbox / 'at.csv'}: 1 of 5 rows quarantined (20%); see the `quarantine` view"
    )


@pytest.mark.parametrize("value", ["-1", "101", "many"])
def test_the_threshold_is_a_percentage(ws, value):
    (ws.root / "wrvu.yaml").write_text(f"alerts: {{quarantine_pct: {value}}}\n")
    with pytest.raises(InputError, match=r"wrvu.yaml: alerts.quarantine_pct: "):
        load_workspace(ws.root)


@pytest.mark.usefixtures("prefect_harness")
def test_a_mostly_quarantined_file_is_merged_and_the_command_exits_3(ws):
    path = write_extract(ws.inbox / "mostly_bad.csv", mostly_bad(1, 3))
    result = CliRunner().invoke(cli, ["ingest", "--workspace", str(ws.root)], catch_exceptions=False)
    assert result.exit_code == 3
    assert "| mostly_bad.csv | 4 | 1 | 3 | 0 | 0 | 1.3000 |" in result.stdout, "the summary is printed first"
    # the alert's one line ends stderr (warnings, e.g. of a missing release, may come before it)
    assert ("\n" + result.stderr).endswith(
        f"\nwrvu: merged, but more than alerts.quarantine_pct 20% of the rows were quarantined "
        f"in {path}: 3 of 4 rows quarantined (75%); see the `quarantine` view\n"
    )
    assert query(ws, "select transaction_id, credited_wrvu from claim_lines") == [("G0", Decimal("1.3000"))]
    assert query(ws, "select source_row, field from quarantine order by 1") == [
        (3, "service_date"),
        (4, "service_date"),
        (5, "service_date"),
    ]

    from wrvu.flows.ingest import nightly_ingest

    write_extract(ws.inbox / "again.csv", [line("H1"), line("H2", post_date="later")])
    state = nightly_ingest(str(ws.root), return_state=True)
    assert state.is_failed() and "again.csv: 1 of 2 rows quarantined (50%)" in state.message
    assert query(ws, "select count(*) from claim_lines") == [(2,)], "merged all the same"


def test_reprocess_after_fixing_the_column_map(ws):
    us = [line(f"T{i}", service_date=f"03/0{i}/2023", post_date=f"03/0{i + 1}/2023") for i in range(1, 4)]
    path = write_extract(ws.inbox / "us_dates.csv", us)
    first = ingest(ws, run_id="r1")
    assert [(f["rows_read"], f["rows_accepted"], f["rows_quarantined"]) for f in first["files"]] == [(3, 0, 3)]
    (ws.config / "column_maps").mkdir(exist_ok=True)
    (ws.config / "column_maps" / "us.yaml").write_text("date_format: '%m/%d/%Y'\n")
    (ws.root / "wrvu.yaml").write_text('column_maps: {"us_*.csv": us}\n')
    ws = load_workspace(ws.root)
    assert ingest(ws, run_id="r2")["skipped"] == [f"{path}: already ingested as {path} (same sha256)"]

    second = ingest(ws, [path], run_id="r3", reprocess=True)
    third = ingest(ws, [path], run_id="r4", reprocess=True)
    assert query(
        ws,
        "select run_id, rows_read, rows_accepted, rows_quarantined, rows_duplicate, column_map "
        "from ingest_runs order by run_id",
    ) == [("r1", 3, 0, 3, 0, None), ("r3", 3, 3, 0, 0, "us"), ("r4", 3, 0, 0, 3, "us")]
    assert second["files"][0]["wrvu_added"] == Decimal("3.9000") and third["files"][0]["wrvu_added"] == 0
    assert query(ws, "select transaction_id, service_date::varchar from claim_lines order by 1") == [
        ("T1", "2023-03-01"),
        ("T2", "2023-03-02"),
        ("T3", "2023-03-03"),
    ]
    assert query(ws, "select run_id, source_row, resolved_in_run from quarantine order by source_row") == [
        ("r1", 2, "r3"),
        ("r1", 3, "r3"),
        ("r1", 4, "r3"),
    ]


def test_reprocess_of_an_older_file_never_undoes_a_later_correction(ws):
    monday = write_extract(ws.inbox / "monday.csv", [line("T1"), line("T2", service_date="03/02/2023")])
    ingest(ws, run_id="r1")  # T2 quarantined: a US date in an ISO file
    write_extract(ws.inbox / "tuesday.csv", [line("T1", code="99214")])  # T1 corrected
    ingest(ws, run_id="r2")
    again = ingest(ws, [monday], run_id="r3", reprocess=True)["files"][0]
    assert (
        again["rows_read"],
        again["rows_accepted"],
        again["rows_quarantined"],
        again["rows_duplicate"],
        again["rows_superseded"],
    ) == (2, 0, 1, 1, 0), "monday's T1 is the version Tuesday corrected"
    assert query(ws, "select transaction_id, cpt_code from claim_lines order by 1") == [("T1", "99214")]


def test_reprocess_names_files_ingested_before(ws):
    with pytest.raises(WrvuError, match=r"^--reprocess reads files ingested before again: name them"):
        ingest(ws, reprocess=True)
    path = write_extract(ws.inbox / "new.csv", [line("T1")])
    with pytest.raises(
        WrvuError, match=r"new.csv: never ingested \(no run read this content\): ingest it without --reprocess$"
    ):
        ingest(ws, [path], reprocess=True)


def test_a_row_with_more_fields_than_the_header_is_quarantined_and_the_rest_proceeds(ws):
    write_extract(ws.inbox / "ragged.csv", [line("T1"), [*line("T2"), "x", "y"], line("T3")])
    summary = ingest(ws)
    assert [(f["rows_read"], f["rows_accepted"], f["rows_quarantined"]) for f in summary["files"]] == [(3, 2, 1)]
    assert query(ws, "select source_row, field, reason from quarantine") == [
        (3, "row", "has 12 fields, but the header names 10 columns")
    ]
    assert query(ws, "select transaction_id from claim_lines order by 1") == [("T1",), ("T3",)]


def test_schedule_load_says_how_many_held_lines_the_new_release_can_price(ws):
    write_extract(
        ws.inbox / "a.csv",
        [
            line("T1", "2021-03-01", "2021-03-02"),  # before RVU23A: no release governs it
            line("T2", "2021-03-01", "2021-03-02", code="99214"),
            line("T3", "2021-03-01", "2021-03-02", code="0001U"),  # held, and not in RVU21A either
            line("T4", code="0001U"),  # unknown to RVU23A, which RVU21A does not govern
            line("T5", "2021-03-01", "2021-03-02", code="36415"),  # in RVU21A with status X: credited by no policy
        ],
    )
    assert ingest(ws, run_id="r1")["held"] == {"no_schedule": 4, "unknown_code": 1}
    lines = load_schedule_files(ws, [PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])
    assert lines[1:] == ["2 held lines (no_schedule 2) can now be priced; the next `wrvu ingest` re-credits them"]
    assert ingest(ws, run_id="r2")["held"] == {"unknown_code": 2}  # T3 is now held for its code
    assert load_schedule_files(ws, [PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])[1:] == [], "nothing new stored"
