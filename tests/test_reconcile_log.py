"""`wrvu reconcile-log`: a clinician's own log against the lines billed for them, every status present
and known, the wRVU totals, and no patient id written (docs/reconcile-log in the README)."""

import re

import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, NPI_B, ingest, write_extract
from tests.test_close import configure, plans_yaml, read_csv
from wrvu.flows.schedule import load_schedule_files

# 2023 (RVU23A): 99212 0.70, 99213 1.30, 99214 1.92, 99215 2.80; 99499 status C (not credited)
BILLED = [
    ["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99213", "", "", "1", "MRN-1"],  # matched
    ["T2", "C2", NPI_A, "2023-03-02", "2023-03-03", "99213", "", "", "1", "MRN-2"],  # logged as 99214
    ["T3", "C3", NPI_B, "2023-03-03", "2023-03-04", "99214", "", "", "1", "MRN-3"],  # under the other NPI
    ["T4", "C4", NPI_A, "2023-03-06", "2023-03-07", "99215", "", "", "1", "MRN-4"],  # billed...
    ["T4R", "C4", NPI_A, "2023-03-06", "2023-03-09", "99215", "", "", "-1", "MRN-4"],  # ...and reversed
    ["T5", "C5", NPI_A, "2023-03-07", "2023-03-08", "99499", "", "", "1", "MRN-5"],  # credited 0
    ["T6", "C6", NPI_A, "2023-03-09", "2023-03-10", "99212", "", "", "1", "MRN-6"],  # not in the log
    ["T7", "C7", NPI_A, "2023-04-20", "2023-04-21", "99213", "", "", "1", "MRN-7"],  # outside the window
]
LOG = (
    "service_date,cpt_code,patient_id,modifiers\n"
    "2023-03-01,99213,MRN-1,\n"
    "2023-03-02,99214,MRN-2,\n"
    "2023-03-03,99214,MRN-3,\n"
    "2023-03-06,99215,MRN-4,\n"
    "2023-03-07,99499,MRN-5,\n"
    "2023-03-08,99213,MRN-8,\n"
    "2023-03-31,X1,MRN-9,\n"
    "2023-02-30,99213,MRN-9,\n"
    "2023-03-10,99214,MRN-10,25\n"
)


@pytest.fixture
def practice(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    configure(
        workspace,
        roster=f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2023-01-01,\n{NPI_B},E2,Bo,Family Medicine,fm,1.0,2023-01-01,\n",
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}]"),
    )
    write_extract(workspace.inbox / "march.csv", BILLED)
    ingest(workspace)
    (workspace.root / "ana_log.csv").write_text(LOG)
    return workspace


def test_every_status_of_a_log_and_the_lines_not_in_it(practice, wrvu):
    result = wrvu(
        "reconcile-log", "E1", str(practice.root / "ana_log.csv"), "--from", "2023-03-01", "--to", "2023-03-31"
    )
    assert result.exit_code == 0, result.output + result.stderr
    out = practice.out / "logs" / "E1-2023-03-01-2023-03-31" / "log_reconciliation.csv"
    rows = read_csv(out)
    by_row = {r["log_row"]: r for r in rows if r["log_row"]}
    columns = ("status", "cpt_code", "log_wrvu", "credited_wrvu", "wrvu_difference", "billed_npi", "billed_code")
    assert {row: tuple(r[c] for c in columns) for row, r in by_row.items()} == {
        "2": ("matched", "99213", "1.3000", "1.3000", "0.0000", NPI_A, "99213"),
        "3": ("coded_differently", "99214", "1.9200", "1.3000", "-0.6200", NPI_A, "99213"),
        "4": ("attributed_to_other", "99214", "1.9200", "0.0000", "-1.9200", NPI_B, "99214"),
        "5": ("voided", "99215", "2.8000", "0.0000", "-2.8000", NPI_A, "99215"),
        "6": ("held", "99499", "0.0000", "0.0000", "0.0000", NPI_A, "99499"),
        "7": ("missing", "99213", "1.3000", "0.0000", "-1.3000", "", ""),
        "8": ("invalid", "X1", "", "", "", "", ""),
        "9": ("invalid", "99213", "", "", "", "", ""),
        "10": ("missing", "99214", "1.9200", "0.0000", "-1.9200", "", ""),
    }
    assert by_row["6"]["reason"] == "unpriced_status"
    assert by_row["8"]["reason"] == "cpt_code: 'X1' is not a CPT/HCPCS code"
    assert by_row["9"]["reason"] == "service_date: '2023-02-30' is not a date"
    assert by_row["10"]["modifiers"] == "25"
    [extra] = [r for r in rows if r["status"] == "not_in_log"]
    assert (extra["service_date"], extra["cpt_code"], extra["credited_wrvu"], extra["billed_transaction_id"]) == (
        "2023-03-09",
        "99212",
        "0.7000",
        "T6",
    )
    text = out.read_text()
    assert "MRN" not in text, "no patient id is written"
    # the summary: lines and wRVUs by status, the log's wRVUs against those credited
    lines = result.output.splitlines()
    assert lines[0] == "E1, 2023-03-01 to 2023-03-31: lines, wRVUs the log implies, wRVUs credited"
    assert [line.split() for line in lines[1:8]] == [
        ["matched", "1", "1.30", "1.30"],
        ["held", "1", "0.00", "0.00"],
        ["voided", "1", "2.80", "0.00"],
        ["coded_differently", "1", "1.92", "1.30"],
        ["attributed_to_other", "1", "1.92", "0.00"],
        ["missing", "2", "3.22", "0.00"],
        ["invalid", "2", "0.00", "0.00"],
    ]
    # 1.30 + 1.92 + 1.92 + 2.80 + 0 + 1.30 + 1.92 = 11.16 implied; credited to E1 in March: 1.30 + 1.30 + 0.70
    assert "The log implies 11.16 wRVUs (priced by wrvu on each date); E1 is credited 3.30 for the window (-7.86)." in (
        result.output
    )


def test_the_window_defaults_to_the_logs_dates_and_a_row_outside_a_given_one_says_so(practice, wrvu):
    assert wrvu("reconcile-log", NPI_A, str(practice.root / "ana_log.csv")).exit_code == 0
    # the log's dates of its usable rows: 2023-03-01 to 2023-03-10
    rows = read_csv(practice.out / "logs" / f"{NPI_A}-2023-03-01-2023-03-10" / "log_reconciliation.csv")
    assert [r["billed_transaction_id"] for r in rows if r["status"] == "not_in_log"] == ["T6"]
    assert wrvu("reconcile-log", "E1", str(practice.root / "ana_log.csv"), "--to", "2023-03-05").exit_code == 0
    rows = read_csv(practice.out / "logs" / "E1-2023-03-01-2023-03-05" / "log_reconciliation.csv")
    assert [r["status"] for r in rows if r["log_row"] in ("5", "7")] == ["outside_window", "outside_window"]


def test_without_patients_matching_is_by_date_and_code_one_line_to_one(practice, wrvu):
    # two visits logged on 2023-03-01, one billed: the second is missing, never matched twice
    (practice.root / "plain.csv").write_text("service_date,cpt_code\n2023-03-01,99213\n2023-03-01,99213\n")
    assert wrvu("reconcile-log", "E1", str(practice.root / "plain.csv")).exit_code == 0
    rows = read_csv(practice.out / "logs" / "E1-2023-03-01-2023-03-01" / "log_reconciliation.csv")
    assert [(r["log_row"], r["status"]) for r in rows] == [("2", "matched"), ("3", "missing")]


def test_a_column_map_names_the_logs_columns_and_date_format(practice, wrvu):
    (practice.config / "column_maps" / "ehr_log.yaml").write_text(
        "columns: {service_date: Visit Date, cpt_code: CPT, patient_id: MRN}\ndate_format: '%m/%d/%Y'\n"
    )
    (practice.root / "ehr.csv").write_text("Visit Date,CPT,MRN\n03/01/2023,99213,MRN-1\n")
    result = wrvu("reconcile-log", "E1", str(practice.root / "ehr.csv"), "--map", "ehr_log")
    assert result.exit_code == 0, result.stderr
    assert "matched" in result.output


@pytest.mark.parametrize(
    ("log", "message"),
    [
        (
            "date,code\n2023-03-01,99213\n",
            r"ehr.csv:1: service_date: no column 'service_date' \(header found: date, code\)",
        ),
        (
            "service_date,cpt_code\n03/01/2023,99213\n",
            r"ehr.csv:2: service_date: '03/01/2023' is not a date as %Y-%m-%d \(it reads as %m/%d/%Y\), and no row's is",
        ),
    ],
)
def test_a_log_that_cannot_be_read_is_one_line_naming_file_row_and_field(practice, wrvu, log, message):
    (practice.root / "ehr.csv").write_text(log)
    result = wrvu("reconcile-log", "E1", str(practice.root / "ehr.csv"))
    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("wrvu: ")
    assert re.search(message, line), line


def test_an_unknown_clinician_is_refused(practice, wrvu):
    result = wrvu("reconcile-log", "E9", str(practice.root / "ana_log.csv"))
    assert result.exit_code == 2
    assert "'E9' is no NPI or employee id of the roster" in result.stderr


def test_a_charge_voided_and_billed_again_on_another_claim_matches_the_new_claim(practice, wrvu):
    write_extract(
        practice.inbox / "rebill.csv",
        [["T4B", "C4B", NPI_A, "2023-03-06", "2023-03-12", "99215", "", "", "1", "MRN-4"]],
    )
    ingest(practice, run_id="rebill")
    (practice.root / "one.csv").write_text("service_date,cpt_code,patient_id\n2023-03-06,99215,MRN-4\n")
    assert wrvu("reconcile-log", "E1", str(practice.root / "one.csv")).exit_code == 0
    [row] = read_csv(practice.out / "logs" / "E1-2023-03-06-2023-03-06" / "log_reconciliation.csv")
    assert (row["status"], row["billed_transaction_id"], row["billed_claim_id"]) == ("matched", "T4B", "C4B")


def test_what_a_matched_line_differs_in_and_why_a_log_line_implies_nothing_are_said(practice, wrvu):
    (practice.root / "diff.csv").write_text(
        "service_date,cpt_code,units,patient_id,modifiers\n"
        "2023-03-01,99213,2,MRN-1,25\n"
        "2023-03-02,G2211,1,MRN-2,\n"  # not in RVU23A's excerpt: priced at nothing
        "2030-01-01,99213,1,MRN-3,\n"
    )
    assert wrvu("reconcile-log", "E1", str(practice.root / "diff.csv"), "--to", "2023-03-02").exit_code == 0
    rows = {
        r["log_row"]: r for r in read_csv(practice.out / "logs" / "E1-2023-03-01-2023-03-02" / "log_reconciliation.csv")
    }
    assert (rows["2"]["status"], rows["2"]["reason"]) == (
        "matched",
        "billed 1 units, logged 2; billed modifiers none, logged 25",
    )
    assert rows["3"]["reason"] == "wrvu credits G2211 nothing on 2023-03-02 (unknown_code)"
    assert (rows["4"]["status"], rows["4"]["reason"]) == ("invalid", "service_date: 2030-01-01 is after today")


def test_a_log_map_may_rename_the_modifiers_column_without_breaking_the_extract_maps(practice, wrvu):
    (practice.config / "column_maps" / "ehr_log.yaml").write_text(
        "columns: {service_date: Visit Date, cpt_code: CPT, modifiers: Mods}\ndate_format: '%m/%d/%Y'\n"
    )
    (practice.root / "ehr.csv").write_text("Visit Date,CPT,Mods\n03/10/2023,99214,25\n")
    assert wrvu("reconcile-log", "E1", str(practice.root / "ehr.csv"), "--map", "ehr_log").exit_code == 0
    [row] = read_csv(practice.out / "logs" / "E1-2023-03-10-2023-03-10" / "log_reconciliation.csv")
    assert (row["modifiers"], row["status"]) == ("25", "missing")
    assert wrvu("check").exit_code == 0


def test_from_after_to_is_refused(practice, wrvu):
    result = wrvu(
        "reconcile-log", "E1", str(practice.root / "ana_log.csv"), "--from", "2023-03-10", "--to", "2023-03-01"
    )
    assert (result.exit_code, result.stderr) == (
        2,
        "wrvu: --from 2023-03-10 is after --to 2023-03-01: no date of service is in that window\n",
    )
