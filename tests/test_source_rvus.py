"""The billing system's own wRVUs at a close (issue 13 item 4): source_rvu_reconciliation.csv and
source_rvu_differences.csv, on lines built so that each cause of a difference is known, priced from
real CMS excerpts (99213: 0.97 in RVU20D, 1.30 from RVU21A; 99214: 1.50 -> 1.92; 27447: 20.72 ->
19.60 -> 19.11 in RVU26C; 71046-26: 0.22 -> 0.21 in RVU26C)."""

import json

from tests.conftest import PPRRVU
from tests.ingest_helpers import CANONICAL_HEADER, NPI_A, NPI_B, TODAY, ingest, write_extract
from tests.test_close import configure, plans_yaml, read_csv
from wrvu.flows.close import close_period
from wrvu.flows.schedule import load_schedule_files
from wrvu.transforms.source_rvus import DIFFERENCES_FILE, RECONCILIATION_FILE

RVU20D = PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv"
RVU21A = PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"
RVU23A = PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"
RVU25D = PPRRVU / "RVU25D" / "PPRRVU2025_Oct.csv"
RVU26C = PPRRVU / "RVU26C" / "PPRRVU2026_Jul_nonQPP.csv"
HEADER = [*CANONICAL_HEADER, "source_work_rvu"]
NPI_UNROSTERED = "1555555550"
PLAN = plans_yaml(fm="tiers: [{from: 0, rate: 48}], settle: monthly, recoverable: true")
ROSTER = f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2020-01-01,\n{NPI_B},E2,Bo,Orthopedics,fm,1.0,2020-01-01,\n"


def line(tid: str, npi: str, day: str, code: str, modifier: str, units: int, source: str) -> list:
    return [tid, f"C{tid}", npi, day, day, code, modifier, "", str(units), f"P{tid}", source]


def close(ws, period: str):
    """Close `period`, its statements not drawn; the pay of earlier closes needs no payroll record here."""
    return close_period.fn(str(ws.root), period, False, False, TODAY, accept_unrecorded=True, statements=False).out_dir


def by_cause(out) -> dict[tuple, tuple]:
    rows = read_csv(out / RECONCILIATION_FILE)
    assert list(rows[0]) == ["employee_id", "npi", "cpt_code", "cause", "lines", "source_wrvu", "wrvu", "difference"]
    return {
        (r["employee_id"], r["cpt_code"], r["cause"]): (r["lines"], r["source_wrvu"], r["wrvu"], r["difference"])
        for r in rows
    }


def differences(out) -> dict[str, dict]:
    return {r["transaction_id"]: r for r in read_csv(out / DIFFERENCES_FILE)}


def test_each_cause_of_a_difference_on_2021_lines(workspace):
    load_schedule_files(workspace, [RVU20D, RVU21A, RVU23A])
    configure(workspace, roster=ROSTER, plans=PLAN)
    write_extract(
        workspace.inbox / "january.csv",
        [
            line("T01", NPI_A, "2021-01-05", "99214", "", 1, "1.92"),  # match: 1.92 in RVU21A
            line("T02", NPI_A, "2021-01-05", "99213", "", 1, "0.97"),  # release: 2020's value
            line("T03", NPI_A, "2021-01-06", "99213", "", 3, "1.30"),  # units: one unit of three
            line("T04", NPI_A, "2021-01-07", "99214", "", 1, "1.50"),  # release: 2020's value
            line("T05", NPI_A, "2021-01-08", "99213", "", 1, ""),  # no source value: not compared
            line("T06", NPI_A, "2021-01-11", "99499", "", 1, "1.00"),  # unpriced: status C credits 0
            line("T07", NPI_A, "2021-01-11", "G2211", "", 1, "0.33"),  # unpriced: held, unknown_code
            line("T11", NPI_B, "2021-01-12", "27447", "50", 1, "31.08"),  # release: 20.72 x 1.5 (RVU20D)
            line("T12", NPI_B, "2021-01-12", "27447", "80", 1, "19.60"),  # modifier_factor: 80's 0.16 ignored
            line("T13", NPI_B, "2021-01-13", "20610", "50", 1, "0.79"),  # modifier_factor: bilateral 1.5 ignored
            line("T14", NPI_B, "2021-01-13", "20610", "", 2, "2.37"),  # units: priced as three
            line("T15", NPI_B, "2021-01-14", "20610", "62", 3, "1.4814"),  # match: per-unit rounding, within 0.0003
            line("T16", NPI_B, "2021-01-14", "71046", "TC", 1, "0.22"),  # other: the global row's 0.22
            line("T17", NPI_B, "2021-01-15", "71046", "26", 1, "0.22"),  # match: the 26 row
            line("T18", NPI_B, "2021-01-18", "99213", "", -1, "-0.97"),  # release: a void on 2020's value
            line("T21", NPI_UNROSTERED, "2021-01-19", "99213", "", 1, "1.30"),  # on no roster row: match
        ],
        header=HEADER,
    )
    ingest(workspace)
    out = close(workspace, "2021-01")

    assert by_cause(out) == {
        ("E1", "99213", "release"): ("1", "0.9700", "1.3000", "0.3300"),
        ("E1", "99213", "units"): ("1", "1.3000", "3.9000", "2.6000"),
        ("E1", "99214", "match"): ("1", "1.9200", "1.9200", "0.0000"),
        ("E1", "99214", "release"): ("1", "1.5000", "1.9200", "0.4200"),
        ("E1", "99499", "unpriced"): ("1", "1.0000", "0.0000", "-1.0000"),
        ("E1", "G2211", "unpriced"): ("1", "0.3300", "0.0000", "-0.3300"),
        ("E2", "20610", "match"): ("1", "1.4814", "1.4813", "-0.0001"),  # 0.79 x 0.625 x 3 = 1.48125
        ("E2", "20610", "modifier_factor"): ("1", "0.7900", "1.1850", "0.3950"),
        ("E2", "20610", "units"): ("1", "2.3700", "1.5800", "-0.7900"),
        ("E2", "27447", "release"): ("1", "31.0800", "29.4000", "-1.6800"),  # 19.60 x 1.5
        ("E2", "27447", "modifier_factor"): ("1", "19.6000", "3.1360", "-16.4640"),  # 19.60 x 0.16
        ("E2", "71046", "match"): ("1", "0.2200", "0.2200", "0.0000"),
        ("E2", "71046", "other"): ("1", "0.2200", "0.0000", "-0.2200"),
        ("E2", "99213", "release"): ("1", "-0.9700", "-1.3000", "-0.3300"),
        ("", "99213", "match"): ("1", "1.3000", "1.3000", "0.0000"),
    }
    rows = read_csv(out / RECONCILIATION_FILE)
    assert [(r["employee_id"], r["npi"], r["cpt_code"], r["cause"]) for r in rows][:4] == [
        ("E1", NPI_A, "99213", "release"),  # causes in the order of their rules
        ("E1", NPI_A, "99213", "units"),
        ("E1", NPI_A, "99214", "match"),
        ("E1", NPI_A, "99214", "release"),
    ]
    assert rows[-1]["npi"] == NPI_UNROSTERED  # NPIs on no roster row come last
    total = sum(int(r["lines"]) for r in rows)
    assert total == 15  # every line with a source value, once; T05 has none

    lines = differences(out)
    assert sorted(lines) == ["T02", "T03", "T04", "T06", "T07", "T11", "T12", "T13", "T14", "T16", "T18"]
    basis = {
        tid: (r["cause"], r["matched_release"], r["matched_work_rvu"], r["matched_factor"], r["matched_units"])
        for tid, r in lines.items()
    }
    assert basis == {
        "T02": ("release", "RVU20D", "0.97", "1.00000000", "1"),
        "T03": ("units", "RVU21A", "1.30", "1.00000000", "1"),
        "T04": ("release", "RVU20D", "1.50", "1.00000000", "1"),
        "T06": ("unpriced", "", "", "", ""),
        "T07": ("unpriced", "", "", "", ""),
        "T11": ("release", "RVU20D", "20.72", "1.50000000", "1"),
        "T12": ("modifier_factor", "RVU21A", "19.60", "1.00000000", "1"),
        "T13": ("modifier_factor", "RVU21A", "0.79", "1.00000000", "1"),
        "T14": ("units", "RVU21A", "0.79", "1.00000000", "3"),
        "T16": ("other", "", "", "", ""),
        "T18": ("release", "RVU20D", "0.97", "1.00000000", "-1"),
    }
    t12 = lines["T12"]
    assert (t12["rule"], t12["factor"], t12["credited_wrvu"], t12["source_work_rvu"], t12["difference"]) == (
        "cms+asst_80",
        "0.16000000",
        "3.1360",
        "19.6000",
        "-16.4640",
    )
    t07 = lines["T07"]  # found in its extract: the file and the row of the spreadsheet
    assert (t07["rule"], t07["source_file"].endswith("/january.csv"), t07["source_row"]) == ("unknown_code", True, "8")
    manifest = json.loads((out / "manifest.json").read_text())
    assert {RECONCILIATION_FILE, DIFFERENCES_FILE} <= set(manifest["files_sha256"])


def test_the_release_compared_is_the_same_26_row_nearest_the_date(workspace):
    """71046-26 is 0.22 to RVU25D and 0.21 in RVU26C: a source of 0.22 priced the 26 row of the year
    before; a TC line is compared with the TC rows (0.00), never with the global row's 0.22."""
    load_schedule_files(workspace, [RVU21A, RVU25D, RVU26C])
    configure(workspace, roster=ROSTER, plans=PLAN)
    write_extract(
        workspace.inbox / "july.csv",
        [
            line("T1", NPI_B, "2026-07-06", "71046", "26", 1, "0.22"),
            line("T2", NPI_B, "2026-07-06", "71046", "TC", 1, "0.22"),
            line("T3", NPI_B, "2026-07-07", "27447", "50", 1, "29.40"),  # 19.60 x 1.5, as in RVU21A too
            line("T4", NPI_B, "2026-07-07", "27447", "50", 1, "28.665"),  # 19.11 x 1.5
        ],
        header=HEADER,
    )
    ingest(workspace)
    out = close(workspace, "2026-07")
    assert by_cause(out) == {
        ("E2", "27447", "match"): ("1", "28.6650", "28.6650", "0.0000"),
        ("E2", "27447", "release"): ("1", "29.4000", "28.6650", "-0.7350"),
        ("E2", "71046", "release"): ("1", "0.2200", "0.2100", "-0.0100"),
        ("E2", "71046", "other"): ("1", "0.2200", "0.0000", "-0.2200"),
    }
    lines = differences(out)
    assert {tid: (r["cause"], r["release"], r["matched_release"]) for tid, r in lines.items()} == {
        "T1": ("release", "RVU26C", "RVU25D"),
        "T2": ("other", "RVU26C", ""),
        "T3": ("release", "RVU26C", "RVU25D"),  # RVU21A has 19.60 too: the nearest release is named
    }


def test_a_custom_rvu_the_billing_system_does_not_know(workspace):
    """99213 credited 1.50 by the practice from 2021: a source of CMS's 1.30 is `custom_rvu`; 0.97 is
    still 2020's release."""
    load_schedule_files(workspace, [RVU20D, RVU21A])
    configure(workspace, roster=ROSTER, plans=PLAN)
    (workspace.config / "custom_rvus.csv").write_text(
        "cpt_code,modifier,work_rvu,effective_from,effective_to,note\n99213,,1.50,2021-01-01,,committee 2020-12\n"
    )
    write_extract(
        workspace.inbox / "january.csv",
        [
            line("T1", NPI_A, "2021-01-05", "99213", "", 1, "1.30"),
            line("T2", NPI_A, "2021-01-05", "99213", "", 2, "2.60"),
            line("T3", NPI_A, "2021-01-06", "99213", "", 1, "1.50"),
            line("T4", NPI_A, "2021-01-06", "99213", "", 1, "0.97"),
        ],
        header=HEADER,
    )
    ingest(workspace)
    out = close(workspace, "2021-01")
    assert by_cause(out) == {
        ("E1", "99213", "match"): ("1", "1.5000", "1.5000", "0.0000"),
        ("E1", "99213", "custom_rvu"): ("2", "3.9000", "4.5000", "0.6000"),
        ("E1", "99213", "release"): ("1", "0.9700", "1.5000", "0.5300"),
    }
    lines = differences(out)
    assert {tid: (r["rule"], r["cause"], r["matched_release"], r["matched_work_rvu"]) for tid, r in lines.items()} == {
        "T1": ("custom", "custom_rvu", "RVU21A", "1.30"),
        "T2": ("custom", "custom_rvu", "RVU21A", "1.30"),
        "T4": ("custom", "release", "RVU20D", "0.97"),
    }


def test_no_source_value_in_the_period_writes_no_file(workspace):
    """A close whose lines carry no source value is the close it was before the column existed (its
    fingerprint too): the column blank in the period, a value only in another period."""
    load_schedule_files(workspace, [RVU21A])
    configure(workspace, roster=ROSTER, plans=PLAN)
    write_extract(
        workspace.inbox / "q1.csv",
        [line("T1", NPI_A, "2021-01-05", "99213", "", 1, ""), line("T2", NPI_A, "2021-02-05", "99213", "", 1, "1.30")],
        header=HEADER,
    )
    write_extract(
        workspace.inbox / "plain.csv", [["T3", "C3", NPI_B, "2021-01-06", "2021-01-06", "99214", "", "", "1", "P3"]]
    )
    ingest(workspace)
    january = close(workspace, "2021-01")
    assert not (january / RECONCILIATION_FILE).exists() and not (january / DIFFERENCES_FILE).exists()
    manifest = json.loads((january / "manifest.json").read_text())
    assert not [name for name in manifest["files_sha256"] if name.startswith("source_rvu")]
    february = close(workspace, "2021-02")
    assert by_cause(february) == {("E1", "99213", "match"): ("1", "1.3000", "1.3000", "0.0000")}
    assert read_csv(february / DIFFERENCES_FILE) == []
