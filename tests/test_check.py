"""`wrvu check` and `wrvu status`: each finding from a real workspace, and the close that refuses to
settle while an earlier close's payment is not in payroll_paid.csv."""

import json
from datetime import date

import duckdb
import pytest
from click.testing import CliRunner

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, NPI_B, TODAY, ingest, write_extract
from tests.test_close import PAYROLL_HEADER, configure, plans_yaml, read_csv
from wrvu.flows.cli import cli
from wrvu.flows.close import close_period
from wrvu.flows.schedule import load_schedule_files
from wrvu.schemas.workspace import load_workspace
from wrvu.transforms.check import check_workspace, preflight
from wrvu.transforms.errors import WrvuError

FM_ROSTER = f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2023-01-01,\n"


def findings(ws, code: str, today: date = TODAY) -> list:
    return [f for f in check_workspace(ws, today).findings if f.code == code]


def close(ws, period: str, accept_unrecorded: bool = False):
    return close_period.fn(str(ws.root), period, False, False, TODAY, accept_unrecorded)


def test_a_release_governing_into_the_next_year_is_a_gap_naming_its_dates(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv", PPRRVU / "RVU24AR" / "PPRRVU24_JAN.csv"])
    configure(workspace, roster=FM_ROSTER, plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}]"))
    write_extract(
        workspace.inbox / "jan.csv",
        [
            ["T1", "C1", NPI_A, "2024-01-10", "2024-01-11", "99213", "", "", "1", "MRN1"],
            ["T2", "C2", NPI_A, "2024-02-01", "2024-02-02", "99213", "", "", "1", "MRN2"],
            ["T3", "C3", NPI_A, "2024-03-11", "2024-03-12", "99213", "", "", "1", "MRN3"],  # RVU24AR's
        ],
    )
    ingest(workspace)
    [gap] = findings(workspace, "release_gap", today=date(2024, 6, 30))
    assert (gap.level, gap.count) == ("warning", 2)
    assert gap.message == (
        "RVU23A (a 2023 release) governs dates of service 2024-01-01 to 2024-03-08, as no release of 2024 is loaded; "
        "2 current lines dated 2024-01-10 to 2024-02-01 are priced on it: load RVU24A (`wrvu schedule load`)"
    )
    load_schedule_files(workspace, [PPRRVU / "RVU24A" / "PPRRVU24_JAN.csv"])
    assert findings(workspace, "release_gap", today=date(2024, 6, 30)) == []
    # the last release governs on, open-ended: past its year it is a gap up to today
    [open_gap] = findings(workspace, "release_gap", today=date(2026, 2, 1))
    assert open_gap.message.startswith("RVU24AR (a 2024 release) governs dates of service from 2025-01-01 on")
    assert open_gap.message.endswith("load RVU25A, RVU26A (`wrvu schedule load`)") and open_gap.count == 0


def test_inbox_files_no_ingest_reads_are_skipped_files(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    settings = workspace.root / "wrvu.yaml"
    settings.write_text(settings.read_text().replace("column_maps: {}", 'column_maps: {"vendor_*.csv": vendor}'))
    (workspace.config / "column_maps" / "vendor.yaml").parent.mkdir(exist_ok=True)
    (workspace.config / "column_maps" / "vendor.yaml").write_text("columns: {rendering_npi: NPI}\n")
    ws = load_workspace(workspace.root)
    row = ["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99213", "", "", "1", "MRN1"]
    write_extract(ws.inbox / "night1.csv", [row])
    ingest(ws)
    (ws.inbox / "charges.xlsx").write_bytes(b"PK\x03\x04")
    (ws.inbox / "readme.txt").write_text("notes\n")
    (ws.inbox / "copy_of_night1.csv").write_bytes((ws.inbox / "night1.csv").read_bytes())
    write_extract(
        ws.inbox / "vendor_2.csv", [["T2", "C2", NPI_A, "2023-03-02", "2023-03-03", "99213", "", "", "1", "MRN2"]]
    )
    report = check_workspace(ws, TODAY)
    skipped = {f.file.rsplit("/", 1)[1]: f.message for f in report.findings if f.code == "skipped_file"}
    assert skipped == {
        "charges.xlsx": f"{ws.inbox}/charges.xlsx: no ingest reads a .xlsx file (save it as CSV from the spreadsheet)",
        "copy_of_night1.csv": f"{ws.inbox}/copy_of_night1.csv: already ingested as {ws.inbox}/night1.csv (same sha256): "
        "no ingest reads it again",
        "night1.csv": f"{ws.inbox}/night1.csv: already ingested (same sha256): no ingest reads it again",
        "readme.txt": f"{ws.inbox}/readme.txt: no ingest reads a .txt file (read only as an X12 837P, which starts with an ISA header; if it is comma-separated, rename it to .csv)",
    }
    assert report.inbox == [{"file": str(ws.inbox / "vendor_2.csv"), "column_map": "vendor"}]


def test_credited_lines_of_an_npi_on_no_roster_row_are_unrostered(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    configure(workspace, roster=FM_ROSTER, plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}]"))
    write_extract(
        workspace.inbox / "n.csv",
        [
            ["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99213", "", "", "1", "MRN1"],
            ["T2", "C2", NPI_B, "2023-03-01", "2023-03-02", "99213", "", "", "1", "MRN2"],
            ["T3", "C3", NPI_B, "2023-03-09", "2023-03-10", "99215", "", "", "1", "MRN3"],
            ["T4", "C4", NPI_B, "2023-04-03", "2023-04-04", "99213", "", "", "2", "MRN4"],
        ],
    )
    ingest(workspace)
    [unrostered] = findings(workspace, "unrostered_npi")
    assert (unrostered.level, unrostered.count) == ("warning", 3)
    assert unrostered.message == (
        f"NPI {NPI_B} has 3 credited lines on dates with no roster row (2023-03: 2 lines, 4.10 wRVUs, "
        "2023-04: 1 line, 2.60 wRVUs); a close pays them to nobody: add the NPI to config/roster.csv"
    )
    configure(
        workspace,
        roster=FM_ROSTER + f"{NPI_B},E2,Bo,Cardiology,fm,1.0,2023-04-01,\n",
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}]"),
    )
    [march_only] = findings(workspace, "unrostered_npi")
    assert march_only.count == 2 and "2023-04" not in march_only.message


def test_held_lines_say_when_the_next_ingest_prices_them(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    configure(
        workspace,
        roster=FM_ROSTER.replace("2023-01-01", "2021-01-01"),
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}]"),
    )
    write_extract(
        workspace.inbox / "n.csv",
        [
            ["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99213", "", "", "1", "MRN1"],
            ["T2", "C2", NPI_A, "2021-03-05", "2021-03-06", "99214", "", "", "1", "MRN2"],
            ["T3", "C3", NPI_A, "2023-03-05", "2023-03-06", "99213", "", "", "1", "MRN3"],
        ],
    )
    ingest(workspace)
    [held] = findings(workspace, "held_lines")
    assert (held.field, held.count) == ("no_schedule", 2)
    assert held.message == (
        "2 current lines credited 0 for no_schedule (dates of service 2021-03-01 to 2021-03-05): no loaded release "
        "governs their dates of service; load the release governing 2021-03-01 (e.g. RVU21A)"
    )
    load_schedule_files(workspace, [PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])
    [held] = findings(workspace, "held_lines")
    assert held.message.endswith(
        "; 2 of them are priced by the releases loaded now: the next `wrvu ingest` re-credits them"
    )
    ingest(workspace, run_id="again")
    assert findings(workspace, "held_lines") == []


def test_a_warehouse_written_before_an_upgrade_is_checked_with_todays_macros(workspace):
    """`wrvu check` opens the warehouse read-only, so it cannot add the macros a newer wrvu brought:
    it defines them for its own session."""
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    write_extract(
        workspace.inbox / "n.csv", [["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99213", "", "", "1", "MRN1"]]
    )
    ingest(workspace)
    with duckdb.connect(str(workspace.warehouse)) as con:  # as an earlier version left it
        con.execute("drop macro schedule_row_modifier")
        con.execute("drop macro has_both_components")
    [held] = findings(workspace, "held_lines")
    assert (held.field, held.count) == ("no_schedule", 1)


def test_config_files_are_each_validated_and_checked_against_each_other(workspace, wrvu):
    configure(
        workspace,
        roster=FM_ROSTER + f"{NPI_B},E2,Bo,Cardiology,fm,1.0,2023-01-01,\n",
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}]"),
        payroll="E9,2023-02-10,incentive,100.00\nE1,2023-02-10,incentive,50.00\nE9,2023-03-10,draw,10.00\n",
        benchmarks="Family Medicine,3900,4800,5700,6600\n",
    )
    (workspace.config / "crediting.yaml").write_text("multiple_procedure: sometimes\n")
    (workspace.config / "column_maps" / "epic.yaml").write_text("columns: {npi: PROV_NPI}\n")
    (workspace.config / "em_reference.csv").write_text("specialty,code,share\nFamily Medicine,99213,0.5\n")
    report = check_workspace(workspace, TODAY)
    assert [(f.level, f.code, f.file.rsplit("/", 1)[1], f.row, f.field) for f in report.findings] == [
        ("error", "config_invalid", "crediting.yaml", None, "multiple_procedure"),
        ("error", "config_invalid", "em_reference.csv", None, "share"),
        ("error", "config_invalid", "epic.yaml", None, "columns"),
        ("warning", "unknown_employee", "payroll_paid.csv", 2, "employee_id"),
        ("warning", "no_benchmark", "benchmarks.csv", None, "specialty"),
    ]
    assert report.findings[3].count == 2 and "'E9' is on no roster row (2 payroll rows)" in report.findings[3].message
    assert "no row for specialty 'Cardiology' (1 employee on the roster)" in report.findings[4].message
    assert "the shares of specialty 'Family Medicine' sum to 0.5, not 1" in report.findings[1].message
    result = wrvu("check")
    assert result.exit_code == 2
    lines = result.stdout.splitlines()
    assert lines[0].startswith("ERROR config_invalid: ") and "crediting.yaml: multiple_procedure: " in lines[0]
    assert lines[-1] == "3 errors, 2 warnings"
    [refusal] = result.stderr.splitlines()
    assert refusal.startswith("wrvu: ") and "crediting.yaml: multiple_procedure: " in refusal
    assert refusal.endswith("(and 2 more errors)")
    as_json = json.loads(wrvu("check", "--json").stdout)
    assert sorted(as_json) == ["findings", "inbox"] and as_json["inbox"] == []
    assert as_json["findings"][3] == {
        "level": "warning",
        "code": "unknown_employee",
        "message": report.findings[3].message,
        "file": str(workspace.config / "payroll_paid.csv"),
        "row": 2,
        "field": "employee_id",
        "count": 2,
    }
    with pytest.raises(
        WrvuError, match=r"crediting.yaml: multiple_procedure: .*\(ingest not run; 2 more errors: see `wrvu check`\)"
    ):
        preflight(workspace, "ingest", TODAY, "names")


def test_an_invalid_wrvu_yaml_is_a_finding_too(workspace, wrvu):
    (workspace.root / "wrvu.yaml").write_text("period_basis: whenever\n")
    result = wrvu("check", "--json")
    assert result.exit_code == 2
    [finding] = json.loads(result.stdout)["findings"]
    assert (finding["code"], finding["field"]) == ("config_invalid", "period_basis")


def settle_setup(ws) -> None:
    """E1 on a monthly-settled plan: January pays, February pays again on the year to date."""
    load_schedule_files(ws, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    configure(
        ws, roster=FM_ROSTER, plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}], settle: monthly").replace("4800", "12")
    )
    write_extract(
        ws.inbox / "n.csv",
        [
            ["T1", "C1", NPI_A, "2023-01-10", "2023-01-11", "99215", "", "", "10", "MRN1"],
            ["T2", "C2", NPI_A, "2023-02-10", "2023-02-11", "99215", "", "", "1", "MRN2"],
        ],
    )
    ingest(ws)


def test_an_unrecorded_payment_stops_the_next_settle_close_of_the_plan_year(workspace):
    settle_setup(workspace)
    january = read_csv(close(workspace, "2023-01").out_dir / "reconciliation.csv")[0]
    # (28.00 - 12 x 31/365) x $48
    assert (january["action"], january["true_up"], january["prior_payment_unrecorded"]) == ("pay", "1295.08", "false")
    [unrecorded] = findings(workspace, "unrecorded_payment")
    assert unrecorded.message == (
        f"close 2023-01 (revision 1) asks payroll to pay 1295.08 for employee E1 (plan fm), and "
        f"{workspace.config / 'payroll_paid.csv'} does not record it: once paid, add `E1,DATE after 2023-01-31,"
        "incentive,1295.08`; until then a settle close of the plan year that moves money is refused"
    )
    assert "unrecorded_payment" in [f.code for f in preflight(workspace, "ingest", TODAY, "names")]  # ingest runs
    refusal = r"2023-02 would pay or recover again .*: E1 pay 1295.08 from close 2023-01 \(E1,DATE after 2023-01-31,"
    with pytest.raises(WrvuError, match=refusal + r"incentive,1295.08\); .*--accept-unrecorded"):
        close(workspace, "2023-02")
    # paid in March: February's paid_ytd does not count it, so February would still pay it again
    (workspace.config / "payroll_paid.csv").write_text(PAYROLL_HEADER + "E1,2023-03-05,incentive,1295.08\n")
    with pytest.raises(WrvuError, match=refusal):
        close(workspace, "2023-02")
    (workspace.config / "payroll_paid.csv").write_text(PAYROLL_HEADER)
    february = read_csv(close(workspace, "2023-02", accept_unrecorded=True).out_dir / "reconciliation.csv")[0]
    # paid nothing yet: (30.80 - 12 x 59/365) x $48 holds January's 1295.08 again; flagged
    assert (february["action"], february["true_up"], february["prior_payment_unrecorded"]) == ("pay", "1385.29", "true")
    (workspace.config / "payroll_paid.csv").write_text(PAYROLL_HEADER + "E1,2023-02-10,incentive,1295.08\n")
    # January's pay is recorded; February's (dated before its end) is not, and it is the whole amount owed
    assert [f.message.split(" asks ")[0] for f in findings(workspace, "unrecorded_payment")] == [
        "close 2023-02 (revision 1)"
    ]


def test_a_close_at_the_end_of_its_plan_year_waits_for_no_recording(workspace):
    """No later close of the plan year counts a year-end payment: nothing to move twice, nothing to
    record after the year's end (a payment dated in the next year counts in that year's paid_ytd)."""
    settle_setup(workspace)
    write_extract(
        workspace.inbox / "dec.csv", [["T3", "C3", NPI_A, "2023-12-04", "2023-12-05", "99215", "", "", "40", "MRN3"]]
    )
    ingest(workspace, run_id="december")
    assert read_csv(close(workspace, "2023-12").out_dir / "reconciliation.csv")[0]["action"] == "pay"
    assert findings(workspace, "unrecorded_payment") == []


def test_status_shows_releases_last_ingest_closes_and_checks(workspace, wrvu):
    settle_setup(workspace)
    close(workspace, "2023-01")
    output = wrvu("status").output
    assert f"workspace    {workspace.root}" in output
    assert "releases     RVU23A   2023-01-01 to open" in output
    assert "n.csv: read 2, accepted 2, quarantined 0, duplicate 0" in output
    assert "closes       2023-01  revision 1, " in output and str(workspace.out / "2023-01") in output
    assert "check        0 errors, " in output and "WARNING unrecorded_payment: close 2023-01" in output


@pytest.mark.usefixtures("prefect_harness")
def test_ingest_and_close_run_the_checks_first(workspace):
    def run(*args):
        return CliRunner().invoke(cli, [*args, "--workspace", str(workspace.root)], catch_exceptions=False)

    settle_setup(workspace)
    assert run("close", "2023-01").exit_code == 0
    (workspace.inbox / "charges.xlsx").write_bytes(b"PK\x03\x04")
    ingested = run("ingest")
    assert ingested.exit_code == 0
    assert ingested.stderr == "", "warnings are progress lines: stderr holds only a refusal"
    assert (
        "warning: skipped_file: " in ingested.stdout and "warning: unrecorded_payment: close 2023-01" in ingested.stdout
    )
    refused = run("close", "2023-02")
    assert refused.exit_code == 2 and "E1 pay 1295.08 from close 2023-01" in refused.stderr
    accepted = run("close", "2023-02", "--accept-unrecorded")
    assert (
        accepted.exit_code == 0
        and read_csv(workspace.out / "2023-02" / "reconciliation.csv")[0]["prior_payment_unrecorded"] == "true"
    )
    (workspace.config / "plans.yaml").write_text("plans: [oops]\n")
    stopped = run("ingest")
    assert stopped.exit_code == 2
    assert stopped.stderr == (
        f"wrvu: {workspace.config / 'plans.yaml'}: plan : Input should be a valid dictionary "
        "(got ['oops']) (ingest not run; see `wrvu check`)\n"
    )


def test_a_payment_with_no_plan_and_a_score_for_nobody_are_config_errors(workspace):
    configure(
        workspace,
        roster=FM_ROSTER,
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}]"),
        payroll="E1,2022-12-10,incentive,100.00\n",
    )
    (workspace.config / "quality_scores.csv").write_text("employee_id,plan_year,score\nE7,2023,0.9\n")
    report = check_workspace(workspace, TODAY)
    assert [(f.code, f.file.rsplit("/", 1)[1], f.row, f.field) for f in report.findings] == [
        ("config_invalid", "quality_scores.csv", 2, "employee_id"),
        ("config_invalid", "payroll_paid.csv", 2, "pay_date"),
    ]
    assert "E1 has no plan, or more than one, in force on 2022-12-10" in report.findings[1].message


def test_a_missing_quality_score_for_the_plan_year_ended_is_a_warning_naming_the_row_to_add(workspace):
    configure(
        workspace,
        roster=f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2025-01-01,\n{NPI_B},E2,Bo,Family Medicine,fm,1.0,2025-01-01,\n",
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}], quality: {withhold: 0.10}"),
    )
    (workspace.config / "quality_scores.csv").write_text("employee_id,plan_year,score\nE2,2025,0.9\n")
    [finding] = check_workspace(workspace, TODAY).findings  # TODAY is in 2026: plan year 2025 has ended
    assert (finding.level, finding.code, finding.field) == ("warning", "quality_score_missing", "score")
    assert "no score for E1, plan year 2025 (plan fm withholds 10% of production pay" in finding.message
    assert finding.message.endswith("the close of 2025-12 stops until the row E1,2025,SCORE is added")
