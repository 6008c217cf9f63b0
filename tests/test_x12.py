"""The X12 837P reader: each rule on the small fixtures of tests/fixtures/x12, and the real samples of
../shared/cms/raw/x12_837p_oopfactory (5010 and 4010 implementation-guide examples, de-identified batches)."""

import re

import polars as pl
import pytest

from tests.conftest import FIXTURES, SHARED_CMS, requires_shared
from wrvu.transforms.errors import InputError
from wrvu.transforms.x12 import X12_COLUMNS, X12Fault, X12Read, is_x12, read_837p

X12 = FIXTURES / "x12"
OOPFACTORY = SHARED_CMS / "raw" / "x12_837p_oopfactory"
SV1_SEGMENT = re.compile(r"(?<![A-Za-z0-9])SV1\*")  # the real samples all separate elements with "*"


def rows(read: X12Read) -> list[tuple]:
    return read.lines.rows()


def counted_lines(read: X12Read) -> int:
    """Service lines accounted for: read, or quarantined with their claim."""
    return len(read.lines) + sum(fault.lines for fault in read.faults)


def test_one_text_row_per_service_line_with_lineage():
    read = read_837p(X12 / "rules_crlf.837")
    assert read.lines.columns == list(X12_COLUMNS)
    assert {name for name, dtype in read.lines.schema.items() if dtype != pl.String} == {"line_number", "source_row"}
    assert read.lines.schema["source_row"] == pl.Int64


def test_each_line_rule():
    """`*` `:` `~` with CRLF and indentation; two transactions (ST), each with its own BHT04 and HL tree."""
    read = read_837p(X12 / "rules_crlf.837")
    assert read.faults == []
    assert rows(read) == [
        # REF*6R is the line id; the line's DTP*472; the claim's 2310B NM1*82 (not the 2330D one after SBR);
        # POS from CLM05-1; the subscriber (2010BA), not the other payer's insured (2330A)
        ("LINE-A1", "A100", 1, "2222222228", "2024-03-02", "2024-03-08", "99213", "25", "", "", "", "1", "UN", "11", "SUB-0001", "1", 22),
        # no REF*6R: CLM01-LX01; no line date: the claim's DTP*472; SV105 wins over CLM05-1
        ("A100-2", "A100", 2, "2222222228", "2024-03-01", "2024-03-08", "99214", "", "", "", "", "2", "UN", "22", "SUB-0001", "1", 26),
        # RD8 range: its first day; 2420A NM1*82 wins; four modifiers, the description component ignored
        ("A100-3", "A100", 3, "3333333334", "2024-03-04", "2024-03-08", "20610", "RT", "59", "XU", "76", "1", "UN", "11", "SUB-0001", "1", 28),
        # patient (2000C) with a member id: NM1*QC NM109; no NM1*82: the billing provider; replacement
        ("A200-1", "A200", 1, "1234567893", "2024-03-05", "2024-03-08", "99212", "", "", "", "", "1", "UN", "11", "PAT-0002", "7", 39),
        # patient without NM109 (5010): the subscriber's id; void; anesthesia minutes kept with their basis
        ("A300-1", "A300", 1, "1234567893", "2024-03-06", "2024-03-08", "00142", "AA", "", "", "", "45", "MJ", "22", "SUB-0002", "8", 46),
        # second ST: HL ids start again, its own billing provider and BHT04; CLM05-3 absent: original
        ("A400-1", "A400", 1, "4444444440", "2024-03-07", "2024-03-09", "99203", "", "", "", "", "2.5", "UN", "11", "SUB-0003", "1", 58),
    ]  # fmt: skip


def test_delimiters_come_from_the_isa():
    """`|` elements, `^` components, `{` repetition, `~` terminator, no line breaks at all."""
    read = read_837p(X12 / "pipes_no_breaks.edi")
    assert rows(read) == [
        ("P-LINE-1", "P100", 1, "2222222228", "2024-03-09", "2024-03-10", "99215", "25", "GC", "", "", "1", "UN", "11", "SUB-0001", "1", 13),
        ("P100-2", "P100", 2, "2222222228", "2024-03-09", "2024-03-10", "36415", "", "", "", "", "1", "UN", "11", "SUB-0001", "1", 17),
    ]  # fmt: skip


def test_each_interchange_declares_its_own_delimiters():
    """The second ISA uses `|` `^` and a line break as segment terminator; segments are numbered across both."""
    read = read_837p(X12 / "two_interchanges.txt")
    assert read.lines.select("transaction_id", "rendering_npi", "post_date", "cpt_code", "modifier_1", "source_row").rows() == [
        ("I100-1", "1234567893", "2024-03-10", "99213", "", 11),
        ("I200-1", "4444444440", "2024-03-11", "99214", "25", 26),
    ]  # fmt: skip


def test_a_stream_wrapped_at_80_columns():
    read = read_837p(X12 / "wrapped_80_columns.edi")
    assert read.lines.select("transaction_id", "cpt_code", "service_date").rows() == [
        ("W100-1", "99213", "2024-03-01"),
        ("W100-2", "93000", "2024-03-01"),
    ]


def test_utf16_is_read_like_utf8(tmp_path):
    path = tmp_path / "claims.837"
    path.write_bytes((X12 / "pipes_no_breaks.edi").read_text().encode("utf-16"))
    assert rows(read_837p(path)) == rows(read_837p(X12 / "pipes_no_breaks.edi"))


def test_a_malformed_segment_quarantines_its_claim_only():
    read = read_837p(X12 / "faults.837")
    assert read.faults == [
        X12Fault(18, "F02", "SV101", "service line without a procedure code (SV101-2)", 2),
        X12Fault(22, "F03", "SV104", "unit count 'ONE' is not a number", 1),
        X12Fault(24, "F04", "SV1", "claim without a service line (SV1)", 1),
        X12Fault(31, "F05", "DTP03", "no date of service on the line or its claim", 2),
        X12Fault(35, "F06", "DTP03", "service date '20240230' is not a real D8 date", 1),
        X12Fault(36, None, "CLM01", "claim without its claim id", 1),
        # a rendering provider known by tax id only: crediting the billing NPI instead would pay the wrong clinician
        X12Fault(41, "F08", "NM108", "rendering provider (NM1*82) without an NPI (NM108 '24')", 1),
        # where the 2310B rendering provider would be, a name without entity code: whose NPI is it?
        X12Fault(46, "F09", "NM101", "a name segment without entity code: it may name the rendering provider", 1),
        # the ingest would take the second line for a correction of the first
        X12Fault(56, "F10", "REF02", "line id 'SAME' repeats an earlier line of the claim", 2),
        X12Fault(65, "F11", "NM109", "no rendering NPI: no NM1*82 on the line or claim, no billing provider NPI", 1),
    ]
    # the claims around them proceed: the first of the file, and the last (under a billing provider known by tax id)
    assert read.lines.select("transaction_id", "rendering_npi", "patient_id").rows() == [
        ("F01-1", "1234567893", "SUB-0001"),
        ("F12-1", "2222222228", "SUB-0002"),
    ]
    assert counted_lines(read) == 14 + 1  # 14 SV1 segments, and F04 without any


def test_a_truncated_file_keeps_its_complete_claims():
    read = read_837p(X12 / "truncated.837")
    assert read.lines["transaction_id"].to_list() == ["T100-1", "T100-2"]
    assert read.faults == [X12Fault(21, "T200", "SE", "the file ends inside this claim (no SE/IEA): truncated", 2)]


@pytest.mark.parametrize(
    ("name", "line", "field", "reason"),
    [
        ("no_isa.837", None, "ISA", "not an X12 file: it does not start with an ISA header"),
        ("short_isa.837", 1, "ISA", "not a 106-character ISA header: character 18 is not '*'"),
        ("cut_isa.837", 1, "ISA", "the ISA header is cut short: 59 characters of 106"),
        ("ambiguous_delimiters.837", 1, "ISA", "unknown or ambiguous delimiters: element '*', component '*', "),
        ("truncated_before_claim.837", 6, None, "the file ends before any claim (no SE/IEA): truncated"),
    ],
)
def test_an_unusable_file_is_refused_naming_it(name, line, field, reason):
    with pytest.raises(InputError) as raised:
        read_837p(X12 / name)
    error = raised.value
    assert (error.path, error.line, error.field) == (str(X12 / name), line, field)
    assert error.reason.startswith(reason)


@pytest.mark.parametrize(
    ("head", "x12"),
    [
        (b"ISA*00*          *", True),
        (b"\xef\xbb\xbfISA*00", True),
        (b"\r\n  ISA|00|", True),
        ("ISA*00*".encode("utf-16"), True),
        ("ISA*00*".encode("utf-16-le"), True),
        (b"transaction_id,claim_id,rendering_npi", False),
        (b"GS*HC*SUBMITTER", False),
        (b"", False),
    ],
)
def test_x12_is_detected_by_content(head, x12):
    assert is_x12(head) is x12


# The real samples (../shared/cms). Values below were read off the files by hand.

SAMPLES_5010 = {  # file: (SV1 segments, lines read, fields of the faults)
    "Example1_2_And_3_Combined.txt": (11, 11, []),
    "Example1_HealthInsurance.txt": (4, 4, []),
    "Example2_Encounter.txt": (4, 4, []),
    "Example3_COB.txt": (3, 3, []),
    "MedicaidExample.txt": (10, 10, []),
    "MissingEntityCode.txt": (10, 8, ["NM101"]),
    "ST1309-XX.txt": (2, 2, []),
}


@requires_shared
@pytest.mark.parametrize("name", sorted(SAMPLES_5010))
def test_every_5010_sample_reads_and_counts_every_service_line(name):
    service_lines, read_lines, fault_fields = SAMPLES_5010[name]
    path = OOPFACTORY / "_5010" / name
    read = read_837p(path)
    assert len(SV1_SEGMENT.findall(path.read_text(encoding="utf-8-sig"))) == service_lines
    assert (len(read.lines), [fault.field for fault in read.faults]) == (read_lines, fault_fields)
    assert counted_lines(read) == service_lines


@requires_shared
def test_example1_health_insurance():
    """BOM, indented segments; the patient (2000C) has no NM109 in 5010: the subscriber's member id; no
    NM1*82 anywhere: the billing provider; line 4 is an RD8 range 20061010-20061025."""
    read = read_837p(OOPFACTORY / "_5010" / "Example1_HealthInsurance.txt")
    assert rows(read)[0] == (
        "26463774-1", "26463774", 1, "9876543210", "2006-10-03", "2006-10-15", "99213", "", "", "", "", "1", "UN",
        "11", "JS00111223333", "1", 33,
    )  # fmt: skip
    assert read.lines.select("cpt_code", "service_date", "source_row").rows() == [
        ("99213", "2006-10-03", 33),
        ("87070", "2006-10-03", 36),
        ("99214", "2006-10-10", 39),
        ("86663", "2006-10-10", 42),
    ]


@requires_shared
def test_example3_cob():
    """The 2310B rendering provider; the other subscriber of the COB loops (2330A NM1*IL SMITH JACK
    T55TY666) is not the patient."""
    read = read_837p(OOPFACTORY / "_5010" / "Example3_COB.txt")
    assert read.lines.select(
        "transaction_id", "rendering_npi", "service_date", "post_date", "cpt_code", "units", "patient_id"
    ).rows() == [
        ("26407789-1", "1999996666", "2005-10-03", "2005-10-15", "99213", "1", "111223333"),
        ("26407789-2", "1999996666", "2005-10-03", "2005-10-15", "90782", "1", "111223333"),
        ("26407789-3", "1999996666", "2005-10-03", "2005-10-15", "J3301", "1", "111223333"),
    ]


@requires_shared
def test_st1309_segments_end_with_a_carriage_return():
    """ISA16 is followed by CR: a line break is the segment terminator. Lines carry REF*6R and SV105; the
    other payer's loops hold NM1*IL (123456789) and an NM1*85 without NPI, neither of them the claim's."""
    read = read_837p(OOPFACTORY / "_5010" / "ST1309-XX.txt")
    assert read.lines.select(
        "transaction_id", "claim_id", "line_number", "rendering_npi", "cpt_code", "place_of_service", "patient_id"
    ).rows() == [
        ("17053", "B330004Y", 1, "9999999999", "99204", "11", "X9999999"),
        ("17054", "B330004Y", 2, "9999999999", "73610", "11", "X9999999"),
    ]


@requires_shared
def test_missing_entity_code_quarantines_its_claim():
    """MedicaidExample with one NM1 whose NM101 is empty, where the claim's rendering provider (2310B)
    would be: its NPI may be the renderer's or not, so that claim is quarantined, the four others read."""
    read = read_837p(OOPFACTORY / "_5010" / "MissingEntityCode.txt")
    assert read.faults == [
        X12Fault(25, "9999", "NM101", "a name segment without entity code: it may name the rendering provider", 2)
    ]
    medicaid = read_837p(OOPFACTORY / "_5010" / "MedicaidExample.txt")
    assert rows(read) == [row[:-1] + (row[-1] + 1,) for row in rows(medicaid)[2:]]  # one segment more before them


@requires_shared
def test_unicode_example_is_a_cut_utf16_file():
    """UTF-16LE without BOM; decoded, it is an interchange cut after its first NM1 (no claim, no SE/IEA)."""
    assert is_x12((OOPFACTORY / "_5010" / "UnicodeExample.txt").read_bytes()[:64])
    with pytest.raises(InputError, match=r"UnicodeExample.txt:5: the file ends before any claim"):
        read_837p(OOPFACTORY / "_5010" / "UnicodeExample.txt")


@requires_shared
@pytest.mark.parametrize("path", sorted((OOPFACTORY / "_4010").rglob("*.*")), ids=lambda path: path.name)
def test_4010_files_read_what_they_can(path):
    """4010 shares the segments read; its rendering providers known by tax id or SSN (NM108 24/34, before
    NPIs) quarantine their claims. The de-identified batches repeat one REF*6R on every line."""
    read = read_837p(path)
    assert counted_lines(read) == len(SV1_SEGMENT.findall(path.read_text(encoding="utf-8-sig")))
    assert {fault.field for fault in read.faults} <= {"NM108", "REF02"}
