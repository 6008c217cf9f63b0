"""Every PPRRVU format CMS ships (and the hand-edited one users make), read to the values CMS wrote."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest

from tests.conftest import PPRRVU, SHARED_CMS, requires_shared
from wrvu.transforms.pprrvu import (
    content_sha256,
    effective_from_of_release,
    parse_schedule,
    read_schedule_file,
    release_from_name,
)


def parsed(path: Path) -> pl.DataFrame:
    return parse_schedule(read_schedule_file(path)).rows


def value(rows: pl.DataFrame, code: str, modifier: str = "", field: str = "work_rvu") -> str:
    hit = rows.filter(cpt_code=code, modifier=modifier)
    assert hit.height == 1, f"{code}-{modifier}: {hit.height} rows"
    return hit[field].item()


def test_2020_csv_with_preamble_stacked_header_crlf_and_ctrl_z():
    path = PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv"
    assert path.read_bytes().endswith(b"\r\n\x1a\r\n")
    rows = parsed(path)
    assert [value(rows, c) for c in ("99213", "99214", "99215", "99204", "27447")] == [
        "0.97",
        "1.50",
        "2.11",
        "2.43",
        "20.72",
    ]
    assert (value(rows, "71046"), value(rows, "71046", "26"), value(rows, "71046", "TC")) == ("0.22", "0.22", "0.00")
    assert value(rows, "A4216", field="description") == "Sterile water/saline, 10 ml"  # a quoted comma
    assert value(rows, "27447", field="pre_op") == "0.10" and value(rows, "27447", field="bilat_surg") == "1"
    assert value(rows, "93010", field="pctc_ind") == "2"
    assert rows.filter(cpt_code="93000", modifier="26").height == 0


def test_2021_csv_has_the_office_visit_revaluation():
    rows = parsed(PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv")
    assert [value(rows, c) for c in ("99213", "99214", "99215", "99204", "27447")] == [
        "1.30",
        "1.92",
        "2.80",
        "2.60",
        "19.60",
    ]


def test_2026_csv_has_32_columns_with_pric_ind():
    rows = parsed(PPRRVU / "RVU26C" / "PPRRVU2026_Jul_nonQPP.csv")
    assert value(rows, "27447") == "19.11"
    assert (value(rows, "71046"), value(rows, "71046", "26"), value(rows, "71046", "TC")) == ("0.21", "0.21", "0.00")
    # PRIC IND sits where ENDO BASE was: the conversion factor must still be found by its label
    assert value(rows, "27447", field="pric_ind") == "9"
    assert value(rows, "27447", field="conv_factor") == "33.4009"


def test_cms_zip_bundle_reads_the_pprrvu_member():
    source = read_schedule_file(PPRRVU / "RVU26A.zip")
    assert source.member_name == "PPRRVU2026_Jan_QPP.csv"
    assert source.display_name.endswith("RVU26A.zip!PPRRVU2026_Jan_QPP.csv")
    rows = parse_schedule(source).rows
    assert value(rows, "27447") == "19.11" and value(rows, "27447", field="conv_factor") == "33.5675"


def test_fixed_width_txt_matches_the_csv_of_the_same_release():
    txt = parsed(PPRRVU / "RVU25D" / "PPRRVU2025_Oct.txt")
    csv = parsed(PPRRVU / "RVU25D" / "PPRRVU2025_Oct.csv")
    assert value(txt, "99213") == "1.30" and value(txt, "71046", "TC") == "0.00"
    assert value(txt, "27447", field="post_op") == "0.21"  # written `.21` in the TXT
    assert content_sha256(txt) == content_sha256(csv)
    assert txt.height == csv.height


def test_hand_edited_csv_without_preamble_and_with_a_one_line_header():
    rows = parsed(PPRRVU / "hand_edited" / "PPRRVU22_APR.csv")
    assert value(rows, "99213") == "1.30" and value(rows, "27447") == "19.60"
    assert value(rows, "71046", "TC") == "0.00"
    # a collapsed header repeats RVU, OP and SURG: the right occurrence of each is taken
    assert [value(rows, "27447", field=f) for f in ("pre_op", "intra_op", "post_op")] == ["0.10", "0.69", "0.21"]
    assert [
        value(rows, "27447", field=f) for f in ("mult_proc", "bilat_surg", "asst_surg", "co_surg", "team_surg")
    ] == ["2", "1", "2", "1", "0"]


@requires_shared
def test_hand_edited_file_reads_like_the_cms_original():
    edited = parsed(SHARED_CMS / "raw" / "rvu22b_elixir" / "PPRRVU22_APR.csv")
    original = parsed(SHARED_CMS / "pprrvu" / "RVU22B" / "PPRRVU22_APR.csv")
    assert content_sha256(edited) == content_sha256(original)


def test_xlsx_with_numbers_stored_as_numbers_and_stripped_leading_zeros():
    rows = parsed(PPRRVU / "xlsx" / "PPRRVU22_JAN.xlsx")
    assert value(rows, "99213") == "1.3"  # a spreadsheet stores 1.30 as the number 1.3
    assert Decimal(value(rows, "27447")) == Decimal("19.60")
    assert value(rows, "71046", "26") == "0.22"
    assert rows.filter(cpt_code="00100").height == 1  # stored as the number 100


@pytest.mark.parametrize(
    ("name", "release", "effective_from"),
    [
        ("PPRRVU24_JAN.csv", "RVU24A", date(2024, 1, 1)),
        ("PPRRVU2025_Oct.txt", "RVU25D", date(2025, 10, 1)),
        ("PPRRVU2026_Jul_nonQPP.csv", "RVU26C", date(2026, 7, 1)),
        ("RVU26A.zip", "RVU26A", date(2026, 1, 1)),
        ("RVU24AR/PPRRVU24_JAN.csv", "RVU24AR", date(2024, 3, 9)),
        ("downloads/PPRRVU23_APR.xlsx", "RVU23B", date(2023, 4, 1)),
        ("PPRRVU20_V0618.csv", None, None),
    ],
)
def test_release_and_first_date_from_the_name(name, release, effective_from):
    assert release_from_name(Path(name)) == release
    assert (effective_from_of_release(release) if release else None) == effective_from
