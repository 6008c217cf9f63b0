"""Writes the bad-input corpus: extracts as they arrive in the wild, each paired in
tests/test_bad_inputs.py with what wrvu must do with it (a clear error, or every row accepted,
quarantined or counted as a duplicate). Run `python tests/bad_inputs/make_corpus.py` to rebuild."""

import gzip
import io
from pathlib import Path

import polars as pl

HERE = Path(__file__).parent
HEADER = ["transaction_id", "claim_id", "rendering_npi", "service_date", "post_date", "cpt_code", "modifier_1",
          "modifier_2", "units", "patient_id", "place_of_service"]
NPI = "1234567893"
GOOD = ["T1", "C1", NPI, "2023-03-01", "2023-03-02", "99213", "", "", "1", "MRN1", "11"]


def row(**changes) -> list[str]:
    values = dict(zip(HEADER, GOOD))
    values.update(changes)
    return [values[h] for h in HEADER]


def csv_text(rows: list[list[str]], header: list[str] = HEADER, sep: str = ",", end: str = "\n") -> str:
    def cell(value: str) -> str:
        return f'"{value.replace(chr(34), chr(34) * 2)}"' if any(c in value for c in f'"{sep}\n\r') else value

    return "".join(sep.join(cell(v) for v in r) + end for r in [header, *rows])


def good(n: int, **changes) -> list[list[str]]:
    return [row(**{"transaction_id": f"T{i}", "patient_id": f"MRN{i}", **changes}) for i in range(1, n + 1)]


TEXT_FILES = {
    # encodings
    "utf8_bom.csv": ("utf-8-sig", csv_text(good(3))),
    "latin1_names.csv": ("latin-1", csv_text(good(2, patient_id="Müller-Ñ"))),
    "cp1252_smart_quotes.csv": ("cp1252", csv_text([row(claim_id="“C1”"), row(transaction_id="T2", claim_id="C2–b")])),
    "utf16_excel_unicode_text.csv": ("utf-16", csv_text(good(2))),
    # structure
    "crlf_line_endings.csv": ("utf-8", csv_text(good(3), end="\r\n")),
    "quoted_newline_in_a_field.csv": ("utf-8", csv_text([row(claim_id="C1\nsecond line"), row(transaction_id="T2")])),
    "ragged_extra_fields.csv": ("utf-8", csv_text(good(2)) + "T9,C9," + NPI + ",2023-03-01,2023-03-02,99213,,,1,MRN9,11,x,y\n"),
    "ragged_missing_fields.csv": ("utf-8", csv_text(good(2)) + "T9,C9," + NPI + ",2023-03-01\n"),
    "unclosed_quote.csv": ("utf-8", csv_text(good(2)) + 'T9,"C9,' + NPI + ",2023-03-01,2023-03-02,99213,,,1,MRN9,11\n"),
    "stray_quote_inside_a_field.csv": ("utf-8", csv_text(good(1)) + 'T2,C2 O"Brien,' + NPI + ",2023-03-01,2023-03-02,99213,,,1,MRN2,11\n"),
    "empty.csv": ("utf-8", ""),
    "header_only.csv": ("utf-8", csv_text([])),
    "blank_lines_between_rows.csv": ("utf-8", csv_text(good(2)).replace("\nT2", "\n\n\nT2")),
    "trailing_delimiter_on_every_line.csv": ("utf-8", csv_text(good(2)).replace("\n", ",\n")),
    "duplicate_headers.csv": ("utf-8", csv_text([[*GOOD, "2"]], header=[*HEADER, "units"])),
    "semicolon_delimited.csv": ("utf-8", csv_text(good(2), sep=";")),
    "tab_delimited.csv": ("utf-8", csv_text(good(2), sep="\t")),
    "old_mac_cr_line_endings.csv": ("utf-8", csv_text(good(2), end="\r")),
    "headers_in_other_case_and_padded.csv": ("utf-8", csv_text(good(2), header=[f" {h.upper()} " for h in HEADER])),
    "missing_required_column.csv": ("utf-8", csv_text([r[:9] + r[10:] for r in good(2)], header=HEADER[:9] + HEADER[10:])),
    "cms_pprrvu_file_in_the_inbox.csv": ("utf-8", "HCPCS,MOD,DESCRIPTION,CODE,PAYMENT,WORK\n99213,,Office o/p est low 20 min,A,,1.30\n"),
    # values spreadsheets and source systems mangle
    "excel_serial_dates.csv": ("utf-8", csv_text([row(service_date="44986"), row(transaction_id="T2")])),
    "us_dates_in_an_iso_file.csv": ("utf-8", csv_text([row(service_date="3/1/2023"), row(transaction_id="T2")])),
    "impossible_dates.csv": ("utf-8", csv_text([row(service_date="2023-02-30"), row(transaction_id="T2", post_date="2023-13-01")])),
    "far_future_dates.csv": ("utf-8", csv_text([row(service_date="2099-01-01", post_date="2099-01-02"), row(transaction_id="T2")])),
    "service_after_post.csv": ("utf-8", csv_text([row(service_date="2023-03-05"), row(transaction_id="T2")])),
    "npi_in_scientific_notation.csv": ("utf-8", csv_text([row(rendering_npi="1.23457E+09"), row(transaction_id="T2")])),
    "npi_bad_check_digit_and_short.csv": ("utf-8", csv_text([row(rendering_npi="1234567890"), row(transaction_id="T2", rendering_npi="123456789")])),
    "cpt_codes_that_lost_leading_zeros.csv": ("utf-8", csv_text([row(cpt_code="100"), row(transaction_id="T2", cpt_code=" g0439 ")])),
    "not_codes_no_show_and_payments.csv": ("utf-8", csv_text([row(cpt_code="NO SHOW"), row(transaction_id="T2", cpt_code="UNAPPLIED PAYMENT"), row(transaction_id="T3")])),
    "huge_units.csv": ("utf-8", csv_text([row(units="100000"), row(transaction_id="T2", units="99999999999999999999"), row(transaction_id="T3")])),
    "fractional_and_decorated_units.csv": ("utf-8", csv_text([row(units="1.5"), row(transaction_id="T2", units="+2.00"), row(transaction_id="T3", units="1e3")])),
    "sql_null_strings.csv": ("utf-8", csv_text([row(modifier_1="NULL"), row(transaction_id="T2", place_of_service="N/A"), row(transaction_id="T3")])),
    "bad_modifiers_and_place_of_service.csv": ("utf-8", csv_text([row(modifier_1="2"), row(transaction_id="T2", place_of_service="ABC"), row(transaction_id="T3", modifier_1="rt")])),
    "missing_required_values.csv": ("utf-8", csv_text([row(transaction_id=""), row(transaction_id="T2", patient_id="  "), row(transaction_id="T3")])),
    "spreadsheet_formulas_in_cells.csv": ("utf-8", csv_text([row(claim_id='=HYPERLINK("http://x","y")'), row(transaction_id="@SUM(A1)")])),
    "the_same_transaction_twice.csv": ("utf-8", csv_text([row(), row(), row(units="2")])),
    "a_line_of_several_megabytes.csv": ("utf-8", csv_text([row(claim_id="C" * 2_900_000), row(transaction_id="T2")])),
    "control_characters_in_values.csv": ("utf-8", csv_text([row(claim_id="C1\x07\x1b"), row(transaction_id="T2\t")])),
}


def write_binary_files() -> None:
    (HERE / "binary_junk.csv").write_bytes(bytes((i * 7919 + 13) % 256 for i in range(4096)))
    (HERE / "nul_bytes.csv").write_bytes(csv_text(good(1)).encode() + b"T2,C2\x00\x00,\x00\n")
    (HERE / "valid_gzip.csv.gz").write_bytes(gzip.compress(csv_text(good(3)).encode(), mtime=0))
    (HERE / "truncated_gzip.csv.gz").write_bytes(gzip.compress(csv_text(good(300)).encode(), mtime=0)[:200])
    (HERE / "not_parquet.parquet").write_bytes(csv_text(good(2)).encode())
    frame = pl.DataFrame({
        "transaction_id": ["P1", "P2"], "claim_id": ["C1", "C2"], "rendering_npi": [int(NPI), int(NPI)],
        "service_date": ["2023-03-01", "2023-03-01"], "post_date": [None, "2023-03-02"], "cpt_code": [99213, 99214],
        "units": [1.0, 2.5], "patient_id": ["MRN1", "MRN2"],
    })
    frame.write_parquet(HERE / "parquet_with_wrong_types.parquet")
    frame.drop("patient_id").write_parquet(HERE / "parquet_missing_a_column.parquet")


def main() -> None:
    for name, (encoding, text) in TEXT_FILES.items():
        (HERE / name).write_bytes(text.encode(encoding))
    write_binary_files()


if __name__ == "__main__":
    main()
