"""close.xlsx, the close's files as one workbook for finance. Excel opens a CSV by guessing: accented
names garble, periods (2021-03) become dates, codes and ids lose their leading zeros. Here every text
is a text cell (never a formula, number or link, whatever it starts with), every figure a number
formatted by its column, every date a date; the same inputs give the same bytes."""

import io
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from fnmatch import fnmatchcase
from itertools import chain, islice

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.worksheet import Worksheet

MONEY = "#,##0.00_);[Red](#,##0.00)"  # negatives red in parentheses; `_)` aligns the positives with them
WRVU = "#,##0.00##"
# The number format of a figure by the name of its column (a glob, the first match wins); others General.
NUMBER_FORMATS = {
    "production_ytd": MONEY,
    "earned_ytd": MONEY,
    "paid_ytd": MONEY,
    "opening_balance": MONEY,
    "true_up": MONEY,
    "deficit_balance": MONEY,
    "amount": MONEY,
    "total_to_pay": MONEY,
    "*_amount": MONEY,
    "*_usd": MONEY,
    "wrvu_*": WRVU,
    "*_wrvu": WRVU,
    "threshold_ytd": WRVU,
    "benchmark_p50_ytd": WRVU,
    "cms_work_rvu": WRVU,
    "delta_prior_period": WRVU,
    "factor": "0.0000",
    "pace_pct_of_threshold": "0.0",
    "benchmark_percentile": "0.0",
    "fte_avg": "0.00",
}
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
SUMMARY = "Summary"
SUMMARY_COLUMNS = ("Item", "Value")
MAX_ROWS = 1_048_575  # Excel's 1,048,576 rows, less the header
WIDTH_SAMPLE_ROWS = 200
MAX_WIDTH = 50
NAME_FORBIDDEN = frozenset("[]:*?/\\")
OPTIONS = {
    # one row in memory at a time, the rest in a temporary file (in_memory would turn this off)
    "constant_memory": True,
    "strings_to_formulas": False,
    "strings_to_numbers": False,
    "strings_to_urls": False,
    "use_zip64": True,  # a million lines are ~0.8 GB of sheet XML; zip64 records are written only past 2 GB
}

CellWriter = Callable[[int, int, object, Format | None], object]


@dataclass(frozen=True)
class Sheet:
    name: str
    columns: tuple[str, ...]  # header names, as in the CSVs
    rows: Iterable[Sequence]  # values in column order: Decimal, int, bool, date, datetime, str or None


def workbook_bytes(summary: Sequence[tuple[str, object]], sheets: Sequence[Sheet], created: datetime) -> bytes:
    """The workbook: a Summary sheet of (label, value) pairs, then each sheet with a bold, frozen and
    filtered header. A summary figure is formatted as a column named after its label would be
    ("To pay (amount)" as to_pay_amount)."""
    _check_names([SUMMARY] + [s.name for s in sheets])
    if created.tzinfo is not None:  # xlsxwriter writes the time as given, marked UTC
        created = created.astimezone(UTC)
    out = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="wrvu-xlsx-") as tmpdir:  # also removes the rows of a failed write
        book = xlsxwriter.Workbook(out, OPTIONS | {"tmpdir": tmpdir})
        book.set_properties({"created": created})
        styles = _Styles(book)
        _write_summary(book.add_worksheet(SUMMARY), styles, summary)
        for sheet in sheets:
            _write_sheet(book.add_worksheet(sheet.name), styles, sheet)
        book.close()
    return out.getvalue()


def _check_names(names: list[str]) -> None:
    seen = set()
    for name in names:
        if not 0 < len(name) <= 31 or NAME_FORBIDDEN & set(name) or name.startswith("'") or name.endswith("'"):
            raise ValueError(
                f"sheet name {name!r}: Excel takes 1 to 31 characters, none of []:*?/\\, no ' at either end"
            )
        if name.casefold() in seen:
            raise ValueError(f"sheet name {name!r}: twice in the workbook (Excel ignores case)")
        seen.add(name.casefold())


class _Styles:
    """The workbook's formats, each added once."""

    def __init__(self, book: xlsxwriter.Workbook):
        self.book = book
        self.header = book.add_format({"bold": True})
        self.plain = book.add_format()
        self.date = book.add_format({"num_format": DATE_FORMAT})
        self.datetime = book.add_format({"num_format": DATETIME_FORMAT})
        self._numbers: dict[str, Format] = {}

    def number(self, column: str) -> Format | None:
        """The format of the figures of `column` (None: General)."""
        code = next((code for pattern, code in NUMBER_FORMATS.items() if fnmatchcase(column, pattern)), None)
        if code is None:
            return None
        if code not in self._numbers:
            self._numbers[code] = self.book.add_format({"num_format": code})
        return self._numbers[code]

    def writers(self, ws: Worksheet) -> dict[type, CellWriter]:
        """A cell writer by the exact type of a value: one dict lookup a cell (bool is an int and datetime a
        date, so isinstance would need an ordered chain). A writer takes the column's number format."""

        def text(row, col, value, _):
            if value.startswith("<r>") and value.endswith("</r>"):
                # xlsxwriter copies such a string into the XML unescaped, as rich text: write it as rich
                # text of two plain runs instead, which it escapes
                ws.write_rich_string(row, col, value[:1], self.plain, value[1:])
            else:
                ws.write_string(row, col, value)

        def number(row, col, value, number_format):
            ws.write_number(row, col, float(value), number_format)

        return {
            str: text,
            Decimal: number,
            int: number,
            float: number,
            bool: lambda row, col, value, _: ws.write_boolean(row, col, value),
            date: lambda row, col, value, _: ws.write_datetime(row, col, value, self.date),
            datetime: lambda row, col, value, _: ws.write_datetime(row, col, value, self.datetime),
        }


def _writer(writers: dict[type, CellWriter], value, where: str) -> CellWriter:
    """The writer of a value of a subclass of a written type (a str enum), remembered for its type."""
    for kind in (bool, datetime, date, Decimal, float, int, str):  # subclasses before their bases
        if isinstance(value, kind):
            writers[type(value)] = writers[kind]
            return writers[kind]
    raise TypeError(f"{where}: cannot write a {type(value).__name__} ({value!r}) in a workbook")


def _write_summary(ws: Worksheet, styles: _Styles, summary: Sequence[tuple[str, object]]) -> None:
    _write_header(ws, styles, SUMMARY_COLUMNS)
    writers = styles.writers(ws)
    for row, (label, value) in enumerate(summary, 1):
        ws.write_string(row, 0, label)
        if value is not None:
            write = writers.get(type(value)) or _writer(writers, value, f"sheet {SUMMARY!r}, item {label!r}")
            write(row, 1, value, styles.number(re.sub("[^a-z0-9]+", "_", label.lower()).strip("_")))
    _set_widths(ws, SUMMARY_COLUMNS, summary)


def _write_sheet(ws: Worksheet, styles: _Styles, sheet: Sheet) -> None:
    rows = iter(sheet.rows)
    sample = list(islice(rows, WIDTH_SAMPLE_ROWS))
    rows = chain(sample, rows)
    _write_header(ws, styles, sheet.columns)
    writers = styles.writers(ws)
    number_formats = [styles.number(column) for column in sheet.columns]
    width = len(sheet.columns)
    last = 0
    for last, values in enumerate(islice(rows, MAX_ROWS), 1):  # the hot loop: up to a million rows
        if len(values) != width:
            raise ValueError(f"sheet {sheet.name!r}, row {last}: {len(values)} values for {width} columns")
        for col, value in enumerate(values):
            if value is not None:
                try:
                    write = writers[type(value)]
                except KeyError:
                    write = _writer(writers, value, f"sheet {sheet.name!r}, column {sheet.columns[col]!r}")
                write(last, col, value, number_formats[col])
    if next(rows, None) is not None:
        raise ValueError(f"sheet {sheet.name!r}: more than {MAX_ROWS:,} rows, the most an Excel sheet holds")
    _set_widths(ws, sheet.columns, sample)
    ws.autofilter(0, 0, last, width - 1)


def _write_header(ws: Worksheet, styles: _Styles, columns: Sequence[str]) -> None:
    for col, name in enumerate(columns):
        ws.write_string(0, col, name, styles.header)
    ws.freeze_panes(1, 0)


def _set_widths(ws: Worksheet, columns: Sequence[str], sample: Sequence[Sequence]) -> None:
    """Each column as wide as its header and filter button, or its widest sampled value. Widths are written
    when the workbook closes, so they may follow the rows (and the rows' lengths are checked by then)."""
    for col, name in enumerate(columns):
        widest = max((len(_shown(values[col])) + 1 for values in sample), default=0)
        ws.set_column(col, col, min(MAX_WIDTH, max(len(name) + 3, widest)))


def _shown(value) -> str:
    """About the text Excel shows for a value."""
    if type(value) in (Decimal, float, int):
        return f"{value:,}"
    return "" if value is None else str(value)
