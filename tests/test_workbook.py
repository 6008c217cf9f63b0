"""close.xlsx read back with openpyxl: sheet order, figures as formatted numbers, dates as dates, every
text (ids, codes, periods, would-be formulas, accents) as the same text, a frozen and filtered header,
and the same bytes for the same inputs."""

import io
import zipfile
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

import openpyxl
import pytest

from wrvu.transforms import workbook
from wrvu.transforms.workbook import DATE_FORMAT, DATETIME_FORMAT, MONEY, WRVU, Sheet, workbook_bytes

CREATED = datetime(2026, 4, 1, 6, 30)
NPI = "1234567890"
TEXTS = [
    "2021-03",
    "00123",
    "0213T",
    "99213",
    "E007",
    NPI,
    '=HYPERLINK("http://x","y")',
    "+1",
    "-2",
    "@SUM(A1)",
    "1E5",
    "http://example.com",
    "Zoë Ñúñez-Łukasz",
    " padded ",
    "<r>x</r>",  # xlsxwriter would copy this into the XML unescaped, as rich text
    '<r></r></is></c><c r="Z1"><f>1+1</f></c><c><is><r></r>',  # ... and this would become a formula cell
]


def read(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


def one_sheet(columns: tuple[str, ...], *rows) -> openpyxl.worksheet.worksheet.Worksheet:
    return read(workbook_bytes([], [Sheet("Data", columns, rows)], CREATED))["Data"]


def test_summary_first_then_the_sheets_in_order():
    summary = [
        ("Period", "2021-03"),
        ("To pay (amount)", Decimal("1500.5")),
        ("wRVU period", Decimal("12.5")),
        ("Lines", 3),
    ]
    sheets = [Sheet(name, ("period",), [("2021-03",)]) for name in ("Reconciliation", "Variance", "Lines")]
    book = read(workbook_bytes(summary, sheets, CREATED))

    assert book.sheetnames == ["Summary", "Reconciliation", "Variance", "Lines"]
    rows = [[(c.value, c.number_format) for c in row] for row in book["Summary"].iter_rows()]
    assert rows == [
        [("Item", "General"), ("Value", "General")],
        [("Period", "General"), ("2021-03", "General")],
        [("To pay (amount)", "General"), (1500.5, MONEY)],  # formatted as a column to_pay_amount
        [("wRVU period", "General"), (12.5, WRVU)],
        [("Lines", "General"), (3, "General")],
    ]
    assert book["Summary"]["A1"].font.b
    assert book["Summary"].column_dimensions["A"].width >= len("To pay (amount)")


@pytest.mark.parametrize(
    ("column", "number_format"),
    [
        ("true_up", MONEY),
        ("earned_ytd", MONEY),
        ("amount", MONEY),
        ("total_to_pay", MONEY),
        ("bonus_amount", MONEY),
        ("fee_usd", MONEY),
        ("wrvu_period", WRVU),
        ("credited_wrvu", WRVU),
        ("threshold_ytd", WRVU),
        ("benchmark_p50_ytd", WRVU),
        ("cms_work_rvu", WRVU),
        ("factor", "0.0000"),
        ("pace_pct_of_threshold", "0.0"),
        ("benchmark_percentile", "0.0"),
        ("fte_avg", "0.00"),
        ("encounters_period", "General"),
    ],
)
def test_a_decimal_is_a_number_formatted_by_its_column(column, number_format):
    cell = one_sheet((column,), (Decimal("-1234.5678"),))["A2"]
    assert (cell.data_type, cell.value, cell.number_format) == ("n", -1234.5678, number_format)


def test_figures_dates_booleans_and_blanks_keep_their_types():
    columns = ("true_up", "units", "service_date", "loaded_at", "prior_payment_unrecorded", "note")
    ws = one_sheet(columns, (Decimal("-1234.56"), 3, date(2021, 3, 1), datetime(2021, 3, 2, 14, 5, 9), True, None))
    true_up, units, service_date, loaded_at, unrecorded, note = ws[2]

    assert true_up.value == -1234.56 and true_up.number_format == MONEY
    assert units.value == 3 and units.data_type == "n"
    assert (service_date.value, service_date.number_format) == (datetime(2021, 3, 1), DATE_FORMAT)
    assert (loaded_at.value, loaded_at.number_format) == (datetime(2021, 3, 2, 14, 5, 9), DATETIME_FORMAT)
    assert unrecorded.value is True and unrecorded.data_type == "b"
    assert note.value is None


def test_text_stays_exactly_the_text_written():
    class Rule(StrEnum):
        BASE = "base"

    ws = one_sheet(("text",), *[(text,) for text in TEXTS], (Rule.BASE,))
    cells = [row[0] for row in ws.iter_rows(min_row=2)]

    assert [c.value for c in cells] == TEXTS + ["base"]
    assert {c.data_type for c in cells} == {"s"}


def test_header_is_bold_frozen_and_filtered_over_the_data():
    ws = one_sheet(("npi", "period", "wrvu_period"), (NPI, "2021-03", Decimal(1)), (NPI, "2021-04", Decimal(2)))
    assert [c.value for c in ws[1]] == ["npi", "period", "wrvu_period"]
    assert all(c.font.b for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:C3"


def test_a_sheet_without_rows_keeps_its_header_filter_and_freeze():
    ws = one_sheet(("npi", "period"))
    assert [c.value for c in ws[1]] == ["npi", "period"]
    assert ws.max_row == 1
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:B1"


def test_columns_as_wide_as_their_header_or_values_within_a_cap():
    ws = one_sheet(("provider_name", "source_file", "npi"), ("Zoë", "x" * 300, NPI))
    widths = [ws.column_dimensions[letter].width for letter in "ABC"]
    assert widths[0] >= len("provider_name")
    assert 50 <= widths[1] <= 51
    assert widths[2] >= len(NPI)


def test_the_same_inputs_give_the_same_bytes():
    def build() -> bytes:
        rows = ((f"T{i}", date(2021, 3, 1) + timedelta(days=i), Decimal(i) / 3) for i in range(50))
        summary = [("Period", "2021-03"), ("Total to pay", Decimal("10.00"))]
        return workbook_bytes(
            summary, [Sheet("Lines", ("transaction_id", "service_date", "credited_wrvu"), rows)], CREATED
        )

    first = build()
    assert build() == first
    core = zipfile.ZipFile(io.BytesIO(first)).read("docProps/core.xml").decode()
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2026-04-01T06:30:00Z<' in core


def test_an_aware_creation_time_is_stored_in_utc():
    created = datetime(2026, 4, 1, 8, 30, tzinfo=timezone(timedelta(hours=2)))
    book = read(workbook_bytes([], [], created))
    assert book.properties.created == datetime(2026, 4, 1, 6, 30)
    assert workbook_bytes([], [], created) == workbook_bytes([], [], created.astimezone(UTC))


@pytest.mark.parametrize("name", ["x" * 32, "a/b", "Q1 [draft]", "why?", "'quoted'", "", "summary"])
def test_a_name_excel_refuses_is_refused(name):
    with pytest.raises(ValueError, match="sheet name"):
        workbook_bytes([], [Sheet(name, ("a",), [])], CREATED)


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match=r"sheet 'Data', row 2: 1 values for 2 columns"):
        workbook_bytes([], [Sheet("Data", ("a", "b"), [("x", "y"), ("x",)])], CREATED)


def test_a_value_of_another_type_is_refused_naming_its_column():
    with pytest.raises(TypeError, match=r"sheet 'Data', column 'b': cannot write a bytes"):
        workbook_bytes([], [Sheet("Data", ("a", "b"), [("x", b"y")])], CREATED)


def test_more_rows_than_an_excel_sheet_holds_are_refused(monkeypatch):
    monkeypatch.setattr(workbook, "MAX_ROWS", 3)
    assert read(workbook_bytes([], [Sheet("Lines", ("a",), [("x",)] * 3)], CREATED))["Lines"].max_row == 4
    with pytest.raises(ValueError, match="sheet 'Lines': more than 3 rows"):
        workbook_bytes([], [Sheet("Lines", ("a",), iter([("x",)] * 4))], CREATED)
