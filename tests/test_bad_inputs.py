"""The bad-input corpus (tests/bad_inputs/, written by its make_corpus.py): extracts as they arrive
in the wild, each with what wrvu must do with it. A file is refused with one clear line naming it,
the row and the field where known, and nothing is stored; or every row is accepted, quarantined with
its reason, or counted as a duplicate: read = accepted + quarantined + duplicate, always."""

import shutil
from pathlib import Path

import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import ingest, query
from wrvu.flows.schedule import load_schedule_files
from wrvu.flows.workspace import init_workspace
from wrvu.schemas.workspace import load_workspace
from wrvu.transforms.errors import InputError

CORPUS = Path(__file__).parent / "bad_inputs"

# file: ("error", what the message says) or ((read, accepted, quarantined, duplicate), [(row, field) quarantined])
EXPECTED = {
    "utf8_bom.csv": ((3, 3, 0, 0), []),
    "latin1_names.csv": ((2, 2, 0, 0), []),
    "cp1252_smart_quotes.csv": ((2, 2, 0, 0), []),
    "utf16_excel_unicode_text.csv": ((2, 2, 0, 0), []),
    "crlf_line_endings.csv": ((3, 3, 0, 0), []),
    "old_mac_cr_line_endings.csv": ((2, 2, 0, 0), []),
    "quoted_newline_in_a_field.csv": ((2, 2, 0, 0), []),
    "ragged_extra_fields.csv": ((3, 2, 1, 0), [(4, "row")]),
    "ragged_missing_fields.csv": ((3, 2, 1, 0), [(4, "post_date")]),
    "unclosed_quote.csv": ("error", r"unclosed_quote.csv:4: a quoted value is not closed"),
    "stray_quote_inside_a_field.csv": (
        "error",
        r"stray_quote_inside_a_field.csv:3: has a quote inside a value that is not quoted",
    ),
    "empty.csv": ("error", r"empty.csv: empty file \(no header row\)"),
    "header_only.csv": ((0, 0, 0, 0), []),
    "blank_lines_between_rows.csv": ((4, 2, 2, 0), [(3, "transaction_id"), (4, "transaction_id")]),
    "trailing_delimiter_on_every_line.csv": ((2, 2, 0, 0), []),
    "duplicate_headers.csv": ("error", r"duplicate_headers.csv:1: units: the header names 'units' more than once"),
    "semicolon_delimited.csv": (
        "error",
        r"semicolon_delimited.csv:1: missing required columns: .* seems delimited by ';'",
    ),
    "tab_delimited.csv": ("error", r"tab_delimited.csv:1: missing required columns: .* seems delimited by '\\t'"),
    "headers_in_other_case_and_padded.csv": ((2, 2, 0, 0), []),
    "missing_required_column.csv": (
        "error",
        r"missing_required_column.csv:1: missing required columns: patient_id; headers found",
    ),
    "cms_pprrvu_file_in_the_inbox.csv": (
        "error",
        r"missing required columns: .* looks like a CMS fee schedule: load it with `wrvu schedule load`",
    ),
    "excel_serial_dates.csv": ((2, 1, 1, 0), [(2, "service_date")]),
    "us_dates_in_an_iso_file.csv": ((2, 1, 1, 0), [(2, "service_date")]),
    "impossible_dates.csv": ((2, 0, 2, 0), [(2, "service_date"), (3, "post_date")]),
    "far_future_dates.csv": ((2, 1, 1, 0), [(2, "service_date")]),
    "service_after_post.csv": ((2, 1, 1, 0), [(2, "service_date")]),
    "npi_in_scientific_notation.csv": ((2, 1, 1, 0), [(2, "rendering_npi")]),
    "npi_bad_check_digit_and_short.csv": ((2, 0, 2, 0), [(2, "rendering_npi"), (3, "rendering_npi")]),
    "cpt_codes_that_lost_leading_zeros.csv": ((2, 2, 0, 0), []),
    "not_codes_no_show_and_payments.csv": ((3, 1, 2, 0), [(2, "cpt_code"), (3, "cpt_code")]),
    "huge_units.csv": ((3, 1, 2, 0), [(2, "units"), (3, "units")]),
    "fractional_and_decorated_units.csv": ((3, 1, 2, 0), [(2, "units"), (4, "units")]),
    "sql_null_strings.csv": ((3, 1, 2, 0), [(2, "modifier_1"), (3, "place_of_service")]),
    "bad_modifiers_and_place_of_service.csv": ((3, 1, 2, 0), [(2, "modifier_1"), (3, "place_of_service")]),
    "missing_required_values.csv": ((3, 1, 2, 0), [(2, "transaction_id"), (3, "patient_id")]),
    "spreadsheet_formulas_in_cells.csv": ((2, 2, 0, 0), []),
    "the_same_transaction_twice.csv": ((3, 2, 0, 1), []),
    "a_line_of_several_megabytes.csv": ((2, 2, 0, 0), []),
    "control_characters_in_values.csv": ((2, 2, 0, 0), []),
    "binary_junk.csv": ("error", r"binary_junk.csv:1: missing required columns"),
    "nul_bytes.csv": ((2, 1, 1, 0), [(3, "rendering_npi")]),
    "valid_gzip.csv.gz": ((3, 3, 0, 0), []),
    "truncated_gzip.csv.gz": ("error", r"truncated_gzip.csv.gz: not a readable gzip file"),
    "not_parquet.parquet": ("error", r"not_parquet.parquet: not a readable Parquet file"),
    "parquet_with_wrong_types.parquet": ((2, 0, 2, 0), [(1, "post_date"), (2, "units")]),
    "parquet_missing_a_column.parquet": (
        "error",
        r"parquet_missing_a_column.parquet:1: missing required columns: patient_id",
    ),
}


def test_the_corpus_is_every_file_of_the_folder_and_at_least_forty():
    files = {p.name for p in CORPUS.iterdir() if p.suffix != ".py" and p.is_file()}
    assert files == set(EXPECTED) and len(files) >= 40


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    workspace = init_workspace(tmp_path_factory.mktemp("corpus") / "template")
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    return workspace.root


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_bad_input_is_refused_clearly_or_every_row_is_accounted_for(template, tmp_path, name):
    workspace = load_workspace(Path(shutil.copytree(template, tmp_path / "ws")))
    shutil.copy(CORPUS / name, workspace.inbox / name)
    expected = EXPECTED[name]
    if expected[0] == "error":
        with pytest.raises(InputError, match=expected[1]) as refused:
            ingest(workspace)
        message = str(refused.value)
        assert "\n" not in message and "MRN" not in message, "one line, and no patient id in it"
        assert query(workspace, "select count(*) from ingest_runs") == [(0,)], "nothing stored"
        return
    counts, quarantined = expected
    [run] = ingest(workspace)["files"]
    read, accepted, rejected, duplicate = counts
    assert (run["rows_read"], run["rows_accepted"], run["rows_quarantined"], run["rows_duplicate"]) == counts
    assert read == accepted + rejected + duplicate
    assert query(workspace, "select count(*) from claim_lines") == [(accepted - run["rows_superseded"],)]
    assert query(workspace, "select source_row, field from quarantine order by source_row") == quarantined
    raw_rows = " ".join(r for (r,) in query(workspace, "select raw_row from quarantine"))
    assert "MRN" not in raw_rows, "quarantined rows keep the patient's key, never the id"
