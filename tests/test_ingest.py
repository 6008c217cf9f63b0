"""Extracts to credited lines: every row accounted for, duplicates ignored, corrections kept,
each line priced with the release of its own date of service."""

import gzip
from datetime import date
from decimal import Decimal

import polars as pl
import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import CANONICAL_HEADER, NPI_A, NPI_B, ingest, query, write_extract
from wrvu.flows.schedule import load_schedule_files
from wrvu.transforms.errors import InputError

SCHEDULES = [
    PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv",
    PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv",
    PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv",
]


@pytest.fixture
def ws(workspace):
    load_schedule_files(workspace, SCHEDULES)
    return workspace


def accounting(summary):
    return [
        (f["rows_read"], f["rows_accepted"], f["rows_quarantined"], f["rows_duplicate"], f["rows_superseded"])
        for f in summary["files"]
    ]


def test_a_file_across_the_2020_2021_line_is_priced_by_each_lines_date(ws):
    path = write_extract(
        ws.inbox / "charges.csv",
        [
            ["T1", "C1", NPI_A, "2020-12-15", "2020-12-16", "99213", "", "", "1", "MRN1"],
            ["T2", "C2", NPI_A, "2021-01-04", "2021-01-05", "99213", "", "", "1", "MRN2"],
            ["T3", "C2", NPI_A, "2021-01-04", "2021-01-06", "99213", "", "", "-1", "MRN2"],
        ],
    )
    summary = ingest(ws)
    assert accounting(summary) == [(3, 3, 0, 0, 0)]
    lines = query(
        ws,
        "select transaction_id, release, cms_work_rvu, credited_wrvu, period, source_file, source_row "
        "from claim_lines order by transaction_id",
    )
    assert lines == [
        ("T1", "RVU20D", Decimal("0.97"), Decimal("0.9700"), "2020-12", str(path), 2),
        ("T2", "RVU21A", Decimal("1.30"), Decimal("1.3000"), "2021-01", str(path), 3),
        ("T3", "RVU21A", Decimal("1.30"), Decimal("-1.3000"), "2021-01", str(path), 4),
    ]
    # the void nets its charge to zero, and a voided visit is no encounter
    assert query(ws, "select npi, period, wrvu, encounters, lines from provider_period order by period") == [
        (NPI_A, "2020-12", Decimal("0.9700"), 1, 1),
        (NPI_A, "2021-01", Decimal("0.0000"), 0, 2),
    ]


def test_reingesting_a_file_is_a_no_op(ws):
    write_extract(ws.inbox / "a.csv", [["T1", "C1", NPI_A, "2021-02-01", "2021-02-02", "99214", "", "", "1", "MRN1"]])
    ingest(ws, run_id="r1")
    again = ingest(ws, run_id="r2")
    assert again["files"] == [] and "already ingested" in again["skipped"][0]
    assert query(ws, "select count(*) from claim_line_versions") == [(1,)]


def test_duplicates_and_corrections_by_transaction_id(ws):
    write_extract(
        ws.inbox / "night1.csv",
        [
            ["T1", "C1", NPI_A, "2021-02-01", "2021-02-02", "99213", "", "", "1", "MRN1"],
            ["T2", "C2", NPI_A, "2021-02-01", "2021-02-02", "99214", "", "", "1", "MRN2"],
        ],
    )
    ingest(ws, run_id="r1")
    write_extract(
        ws.inbox / "night2.csv",
        [
            ["T1", "C1", NPI_A, "2021-02-01", "2021-02-02", "99213", "", "", "1", "MRN1"],  # identical: duplicate
            ["T2", "C2", NPI_A, "2021-02-01", "2021-02-03", "99215", "", "", "1", "MRN2"],  # changed: correction
            ["T3", "C3", NPI_B, "2021-02-05", "2021-02-06", "99213", "", "", "1", "MRN3"],
            ["T3", "C3", NPI_B, "2021-02-05", "2021-02-06", "99213", "", "", "1", "MRN3"],  # repeated within the file
        ],
    )
    summary = ingest(ws, run_id="r2")
    assert accounting(summary) == [(4, 2, 0, 2, 1)]
    assert query(ws, "select transaction_id, cpt_code, credited_wrvu from claim_lines order by 1") == [
        ("T1", "99213", Decimal("1.3000")),
        ("T2", "99215", Decimal("2.8000")),
        ("T3", "99213", Decimal("1.3000")),
    ]
    # both versions of T2 stay queryable
    assert query(
        ws,
        "select cpt_code, is_current, run_id, superseded_in_run from claim_line_versions "
        "where transaction_id = 'T2' order by version_id",
    ) == [("99214", False, "r1", "r2"), ("99215", True, "r2", None)]
    assert query(ws, "select wrvu from provider_period where npi = $npi", {"npi": NPI_A}) == [(Decimal("4.1000"),)]


def test_quarantined_rows_keep_file_row_field_and_reason(ws):
    path = write_extract(
        ws.inbox / "messy.csv",
        [
            ["T1", "C1", NPI_A, "2021-02-01", "2021-02-02", "99213", "", "", "1", "MRN1"],
            ["T2", "C2", NPI_A, "2021-02-01", "2021-02-02", "NO SHOW", "", "", "1", "MRN2"],
            ["T3", "C3", "1234567890", "2021-02-01", "2021-02-02", "99213", "", "", "1", "MRN3"],
        ],
    )
    summary = ingest(ws)
    assert accounting(summary) == [(3, 1, 2, 0, 0)]
    rows = query(ws, "select source_file, source_row, field from quarantine order by source_row")
    assert rows == [(str(path), 3, "cpt_code"), (str(path), 4, "rendering_npi")]
    raw = query(ws, "select raw_row from quarantine where source_row = 3")[0][0]
    assert "MRN2" not in raw and "NO SHOW" in raw


def test_vendor_layout_through_a_column_map_chosen_by_glob(ws):
    (ws.config / "column_maps" / "vendor.yaml").write_text(
        'columns: {transaction_id: "Charge ID", claim_id: "Invoice #", rendering_npi: "Rendering NPI", '
        'service_date: "DOS", post_date: "Posted", cpt_code: "CPT", modifier_1: "Mod1", units: "Qty", patient_id: "MRN"}\n'
        'date_format: "%m/%d/%Y"\n'
    )
    (ws.root / "wrvu.yaml").write_text('column_maps: {"vendor_*.csv": vendor}\n')
    header = ["Charge ID", "Invoice #", "Rendering NPI", "DOS", "Posted", "CPT", "Mod1", "Qty", "MRN"]
    write_extract(
        ws.inbox / "vendor_feb.csv",
        [
            ["V1", "I1", NPI_A, "03/01/2023", "03/02/2023", "71046", "26", "1", "MRN1"],
            ["V2", "I2", NPI_A, "03/01/2023", "03/02/2023", "27447", "80", "1", "MRN2"],
            ["V3", "I3", NPI_A, "03/01/2023", "03/02/2023", "27447", "as", "1", "MRN3"],
        ],
        header=header,
    )
    from wrvu.schemas.workspace import load_workspace

    summary = ingest(load_workspace(ws.root))
    assert accounting(summary) == [(3, 3, 0, 0, 0)]
    assert query(ws, "select transaction_id, modifiers, credited_wrvu from claim_lines order by 1") == [
        ("V1", "26", Decimal("0.2200")),
        ("V2", "80", Decimal("3.1360")),
        ("V3", "AS", Decimal("3.1360")),
    ]


def test_an_unmapped_required_column_names_what_is_missing_and_what_was_found(ws):
    write_extract(
        ws.inbox / "odd.csv",
        [["T1", "C1", NPI_A, "2021-02-01", "99213", "1", "MRN1"]],
        header=["transaction_id", "claim_id", "rendering_npi", "DOS", "cpt_code", "units", "patient_id"],
    )
    with pytest.raises(
        InputError,
        match=r"odd.csv:1: missing required columns: service_date, post_date; headers found: "
        r"'transaction_id', 'claim_id', 'rendering_npi', 'DOS'",
    ):
        ingest(ws)
    assert query(ws, "select count(*) from claim_line_versions") == [(0,)]


def test_gzip_parquet_latin1_and_bom(ws, tmp_path):
    rows = [["T1", "C1", NPI_A, "2021-02-01", "2021-02-02", "99213", "", "", "1", "Müller-1"]]
    plain = write_extract(tmp_path / "plain.csv", rows)
    packed = ws.inbox / "a.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes().replace(b"T1", b"G1")))
    write_extract(ws.inbox / "b_latin1.csv", [["L1", *rows[0][1:]]], encoding="latin-1")
    (ws.inbox / "c_bom.csv").write_bytes(b"\xef\xbb\xbf" + plain.read_bytes().replace(b"T1", b"B1"))
    pl.DataFrame(
        {
            "transaction_id": ["P1"],
            "claim_id": ["C1"],
            "rendering_npi": [int(NPI_A)],
            "service_date": [date(2021, 2, 1)],
            "post_date": ["2021-02-02"],
            "cpt_code": ["99213"],
            "units": [1],
            "patient_id": ["Müller-1"],
        }
    ).write_parquet(ws.inbox / "d.parquet")
    summary = ingest(ws)
    assert [f["rows_accepted"] for f in summary["files"]] == [1, 1, 1, 1]
    hashes = query(ws, "select distinct patient_key from claim_line_versions")
    assert len(hashes) == 1, "the Latin-1 file decodes to the same patient id as the UTF-8 ones"


def test_period_basis_post_date(ws):
    (ws.root / "wrvu.yaml").write_text("period_basis: post_date\n")
    write_extract(ws.inbox / "a.csv", [["T1", "C1", NPI_A, "2020-12-31", "2021-01-04", "99213", "", "", "1", "MRN1"]])
    from wrvu.schemas.workspace import load_workspace

    ingest(load_workspace(ws.root))
    assert query(ws, "select period, wrvu from provider_period") == [("2021-01", Decimal("0.9700"))]


def test_patient_identifiers_are_never_stored(ws):
    write_extract(
        ws.inbox / "a.csv",
        [
            ["T1", "C1", NPI_A, "2021-02-01", "2021-02-02", "99213", "", "", "1", "SECRET-MRN-1"],
            ["T2", "C2", NPI_A, "2021-02-01", "2021-02-02", "NO SHOW", "", "", "1", "SECRET-MRN-2"],
        ],
    )
    ingest(ws)
    text_columns = query(
        ws,
        "select table_name, column_name from information_schema.columns "
        "where data_type = 'VARCHAR' and table_name in "
        "(select table_name from information_schema.tables where table_type = 'BASE TABLE')",
    )
    assert len(text_columns) > 20
    for table, column in text_columns:
        hits = query(ws, f'select count(*) from "{table}" where "{column}" like \'%SECRET-MRN%\'')
        assert hits == [(0,)], f"{table}.{column}"


def test_large_files_are_staged_in_batches_with_the_same_result(ws):
    from tests.ingest_helpers import TODAY
    from wrvu.transforms import ingest as ingest_module
    from wrvu.transforms import warehouse

    rows = [[f"T{i}", "C1", NPI_A, "2021-02-01", "2021-02-02", "99213", "", "", "1", f"MRN{i}"] for i in range(5)]
    rows.append(["T2", "C1", NPI_A, "2021-02-01", "2021-02-02", "99214", "", "", "1", "MRN2"])  # corrects row 4
    path = write_extract(ws.inbox / "big.csv", rows)
    staging = ws.root / "staging"
    staging.mkdir()
    with warehouse.connect(ws.warehouse) as con:
        extracts, _ = ingest_module.discover_extracts(con, ws, [path], None)
    staged = ingest_module.stage_extract(ws, extracts[0], 1, staging, TODAY, bytes(32), chunk_rows=2)
    assert (staged.rows_read, len(list(staging.glob("0001.*.accepted.parquet")))) == (6, 3)


def test_a_header_only_file_is_accounted_for(ws):
    write_extract(ws.inbox / "empty.csv", [])
    summary = ingest(ws)
    assert accounting(summary) == [(0, 0, 0, 0, 0)]


def test_a_transaction_repeated_across_the_files_of_one_run_is_stored_once(ws):
    row = ["T9", "C9", NPI_A, "2021-02-01", "2021-02-02", "99213", "", "", "1", "MRN9"]
    write_extract(
        ws.inbox / "a.csv", [row, ["T1", "C1", NPI_A, "2021-02-01", "2021-02-02", "99214", "", "", "1", "MRN1"]]
    )
    write_extract(ws.inbox / "b.csv", [row, [*row[:5], "99214", *row[6:]]])  # T9 again, then corrected
    summary = ingest(ws)
    assert accounting(summary) == [(2, 2, 0, 0, 0), (2, 1, 0, 1, 1)]
    assert query(ws, "select transaction_id, cpt_code, source_row from claim_lines order by 1") == [
        ("T1", "99214", 3),
        ("T9", "99214", 3),
    ]
    assert query(ws, "select count(*) from claim_line_versions where transaction_id = 'T9' and not is_current") == [
        (1,)
    ]


def test_a_release_loaded_later_reprices_every_current_line(ws):
    write_extract(ws.inbox / "a.csv", [["T1", "C1", NPI_A, "2024-02-01", "2024-02-02", "99213", "", "", "1", "MRN1"]])
    ingest(ws, run_id="r1")
    assert query(ws, "select release, credited_wrvu from claim_lines") == [("RVU23A", Decimal("1.3000"))]
    load_schedule_files(ws, [PPRRVU / "RVU24A" / "PPRRVU24_JAN.csv"])
    summary = ingest(ws, run_id="r2")
    assert (summary["recredited_all"], summary["lines_credited"]) == (True, 1)
    assert query(ws, "select release, cms_work_rvu, schedule_source_line from claim_lines") == [
        ("RVU24A", Decimal("1.30"), 39)
    ]


def test_a_plan_pin_added_later_moves_its_clinicians_lines_to_the_pinned_release(ws):
    roster = "npi,employee_id,provider_name,specialty,plan_id,fte,effective_from,effective_to\n"
    roster += f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2021-01-01,\n{NPI_B},E2,Bo,Cardiology,other,1.0,2021-01-01,\n"
    (ws.config / "roster.csv").write_text(roster)
    plans = "plans:\n  fm: {{model: base_plus_production, threshold_wrvu: 4800, tiers: [{{from: 0, rate: 48}}]{pin}}}\n"
    plans += "  other: {{model: base_plus_production, threshold_wrvu: 4800, tiers: [{{from: 0, rate: 48}}]}}\n"
    (ws.config / "plans.yaml").write_text(plans.format(pin=""))
    write_extract(
        ws.inbox / "a.csv",
        [
            ["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99213", "", "", "1", "MRN1"],
            ["T2", "C2", NPI_B, "2021-03-01", "2021-03-02", "99213", "", "", "1", "MRN2"],
        ],
    )
    ingest(ws, run_id="r1")
    (ws.config / "plans.yaml").write_text(plans.format(pin=", schedule_basis: RVU20D"))
    assert ingest(ws, run_id="r2")["recredited_all"]
    assert query(ws, "select npi, release, credited_wrvu from claim_lines order by npi") == [
        (NPI_A, "RVU20D", Decimal("0.9700")),
        (NPI_B, "RVU21A", Decimal("1.3000")),
    ]
    (ws.config / "plans.yaml").write_text(plans.format(pin=""))
    ingest(ws, run_id="r3")
    assert query(ws, "select npi, release from claim_lines order by npi") == [(NPI_A, "RVU21A"), (NPI_B, "RVU21A")]


def test_multiple_procedures_are_ranked_again_when_a_later_night_adds_a_procedure(ws):
    (ws.config / "crediting.yaml").write_text("multiple_procedure: cms\n")
    write_extract(ws.inbox / "a.csv", [["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "20610", "", "", "1", "MRN1"]])
    ingest(ws, run_id="r1")
    assert query(ws, "select credited_wrvu, rule from claim_lines") == [(Decimal("0.7900"), "cms+multiple_1.0")]
    write_extract(ws.inbox / "b.csv", [["T2", "C1", NPI_A, "2023-03-01", "2023-03-03", "27447", "", "", "1", "MRN1"]])
    summary = ingest(ws, run_id="r2")
    assert query(ws, "select transaction_id, credited_wrvu, rule from claim_lines order by 1") == [
        ("T1", Decimal("0.3950"), "cms+multiple_0.5"),
        ("T2", Decimal("19.6000"), "cms+multiple_1.0"),
    ]
    assert summary["files"][0]["wrvu_added"] == Decimal("19.6000")
    assert query(ws, "select wrvu from provider_period") == [(Decimal("19.9950"),)]
    (ws.config / "crediting.yaml").write_text("multiple_procedure: none\n")
    ingest(ws, run_id="r3")
    assert query(ws, "select credited_wrvu, rule from claim_lines order by transaction_id") == [
        (Decimal("0.7900"), "cms"),
        (Decimal("19.6000"), "cms"),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # a row with extra fields is quarantined, and the file read again finds the unclosed quote below it
        (
            'T2,C2,1234567893,2021-02-01,2021-02-02,99213,,,1,SECRET-MRN,x,y\nT1,C1,1234567893,2021-02-01,2021-02-02,99213,,,1,"SECRET-MRN\n',
            r"ragged.csv:3: a quoted value is not closed",
        ),
        (
            'T1,C1,1234567893,2021-02-01,2021-02-02,99213,,,1,SECRET-MRN\nT2,C2,1234567893,2021-02-01,2021-02-02,99213,,,1,"SECRET-MRN\n',
            r"ragged.csv:3: a quoted value is not closed",
        ),
    ],
)
def test_an_unreadable_row_is_named_by_file_and_row_without_its_values(ws, body, message):
    (ws.inbox / "ragged.csv").write_text(",".join(CANONICAL_HEADER) + "\n" + body)
    with pytest.raises(InputError, match=message) as raised:
        ingest(ws)
    assert "SECRET" not in str(raised.value)
    assert query(ws, "select count(*) from claim_line_versions") == [(0,)]
