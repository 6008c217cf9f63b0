"""Reading claim extracts (CSV, gzipped CSV, Parquet) into canonical text columns.

Every value is read as text so that validation, not the reader, decides what is wrong with a row;
each row keeps its spreadsheet row number (`source_row`, the header being row 1) for lineage.
"""

import codecs
import csv
import gzip
import hashlib
import re
import shutil
from pathlib import Path

import polars as pl

from wrvu.schemas.column_map import CANONICAL_COLUMNS, REQUIRED_COLUMNS, ColumnMap
from wrvu.transforms.errors import InputError
from wrvu.transforms.x12 import is_x12

EXTRACT_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".837", ".x12", ".edi", ".txt")
X12_SUFFIXES = (".837", ".x12", ".edi")  # read as X12 837P always; a .txt file (or any) by its content
CHUNK_BYTES = 1 << 24
STRAY_QUOTE = re.compile(r'[^,"\r\n]"[^,"\r\n]')  # a quote neither at a value's edge nor doubled


def is_extract(path: Path) -> bool:
    """A file the ingest reads: by its name, but a `.txt` only when it is an 837P (an ISA header)."""
    name = path.name.lower()
    if name.endswith(".txt"):
        return path.is_file() and _starts_with_isa(path)
    return name.endswith(EXTRACT_SUFFIXES)


def _starts_with_isa(path: Path) -> bool:
    with path.open("rb") as f:
        return is_x12(f.read(1024))


def is_x12_file(path: Path) -> bool:
    """An 837P: by its content (an ISA header), or by a name only X12 files have (so that one without
    an ISA is refused as an 837P, not read as a CSV)."""
    return path.name.lower().endswith(X12_SUFFIXES) or _starts_with_isa(path)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


class NotUtf8(Exception):
    """The CSV is not UTF-8: read it again as Latin-1."""


class RaggedRows(Exception):
    """The CSV has rows with more fields than its header: read it again, quarantining those rows."""


def iter_batches(path: Path, scan: pl.LazyFrame, chunk_rows: int, ragged: bool = False):
    """The scan's rows in batches of about `chunk_rows`, streamed: memory stays bounded by a batch.
    `ragged`: the scan already reads rows with extra fields (their `row_fault` says so)."""
    batches = scan.collect_batches(chunk_size=chunk_rows)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except pl.exceptions.PolarsError as exc:
            _raise_if_not_utf8(exc)
            raise _unreadable(path, exc, ragged) from None
        yield batch


def scan_extract(
    path: Path, column_map: ColumnMap, staging_dir: Path, latin1: bool = False, ragged: bool = False
) -> pl.LazyFrame:
    """The extract's rows as canonical text columns plus `source_row`, lazily; raises InputError for a
    file that cannot be read or lacks a required column. A CSV is read as UTF-8 (with or without BOM);
    reading it raises NotUtf8 where it is not, and `latin1` transcodes it first. Reading a row with
    more fields than the header raises RaggedRows; `ragged` reads such rows cut to the header, with
    a `row_fault` column saying why they are quarantined (null for every other row)."""
    if path.stat().st_size == 0:
        raise InputError(path, None, None, "empty file (no header row)")
    if path.name.lower().endswith(".parquet"):
        return _read_parquet(path, column_map)
    csv_path = _utf8_csv(path, staging_dir, latin1)
    try:
        headers = pl.scan_csv(csv_path, infer_schema=False).collect_schema().names()
    except pl.exceptions.PolarsError as exc:
        _raise_if_not_utf8(exc)
        raise InputError(path, 1, None, f"unreadable CSV header ({_withheld(_first_line(exc))})") from None
    selection = _column_selection(path, headers, column_map)
    scan = pl.scan_csv(csv_path, infer_schema=False, truncate_ragged_lines=ragged).select(selection)
    scan = scan.with_row_index("source_row", offset=2).with_columns(pl.col("source_row").cast(pl.Int64))
    if not ragged:
        return scan
    faults = _ragged_rows(csv_path)
    return scan.with_columns(
        pl.col("source_row")
        .replace_strict(list(faults), list(faults.values()), default=None, return_dtype=pl.String)
        .alias("row_fault")
    )


def _read_parquet(path: Path, column_map: ColumnMap) -> pl.LazyFrame:
    try:
        scan = pl.scan_parquet(path)
        schema = scan.collect_schema()
    except pl.exceptions.PolarsError as exc:
        raise InputError(path, None, None, f"not a readable Parquet file ({_withheld(_first_line(exc))})") from None
    selection = _column_selection(path, schema.names(), column_map)
    date_format = column_map.date_format or "%Y-%m-%d"
    # typed columns become the text a CSV would carry, so one validator serves both formats
    as_text = [
        pl.col(name).dt.strftime(date_format).alias(name)
        if schema[_source_of(expr)].is_temporal()
        else pl.col(name).cast(pl.String).alias(name)
        for expr, name in ((e, e.meta.output_name()) for e in selection)
    ]
    frame = scan.select(selection).select(as_text)
    return frame.with_row_index("source_row", offset=1).with_columns(pl.col("source_row").cast(pl.Int64))


def _source_of(expr: pl.Expr) -> str:
    return expr.meta.root_names()[0]


def _column_selection(path: Path, headers: list[str], column_map: ColumnMap) -> list[pl.Expr]:
    """Source columns renamed to canonical names; headers match trimmed and case-insensitively."""
    by_key, repeated = {}, set()
    for header in headers:
        # polars names a repeated header `units_duplicated_0`: either could be the one meant
        original = re.sub(r"_duplicated_\d+$", "", header)
        if original != header or original.strip().lower() in by_key:
            repeated.add(original.strip().lower())
        by_key.setdefault(original.strip().lower(), header)
    selection, missing = [], []
    for canonical in CANONICAL_COLUMNS:
        wanted = column_map.source_header(canonical).strip().lower()
        if wanted in repeated:
            raise InputError(path, 1, canonical, f"the header names {wanted!r} more than once: which column is meant?")
        if (header := by_key.get(wanted)) is not None:
            selection.append(pl.col(header).alias(canonical))
        elif canonical in REQUIRED_COLUMNS:
            missing.append(canonical if wanted == canonical else f"{canonical} (mapped from {wanted!r})")
    if missing:
        raise InputError(
            path,
            1,
            None,
            f"missing required columns: {', '.join(missing)}; headers found: {', '.join(repr(h) for h in headers)}"
            + _header_hint(headers),
        )
    return selection


def _header_hint(headers: list[str]) -> str:
    """What a header that matches nothing most often means."""
    if len(headers) == 1 and (delimiter := next((d for d in (";", "\t", "|") if d in headers[0]), None)):
        return f" (the file seems delimited by {delimiter!r}; extracts are comma-separated)"
    if {"hcpcs", "work"} <= {h.strip().lower() for h in headers}:
        return " (this looks like a CMS fee schedule: load it with `wrvu schedule load`)"
    return ""


def _raise_if_not_utf8(exc: pl.exceptions.PolarsError) -> None:
    # polars reads UTF-8 only and says so at the first invalid byte: a file is not read twice to
    # check its encoding up front
    if "invalid utf-8" in str(exc).lower():
        raise NotUtf8() from exc


def _utf8_csv(path: Path, staging_dir: Path, latin1: bool) -> Path:
    """The CSV as polars reads it, UTF-8 with `\n` or `\r\n` line ends: gunzipped, transcoded from
    UTF-16 (Excel's "Unicode text", by its byte-order mark) or, when `latin1`, from Latin-1, and with
    old Mac `\r` line ends made `\n` (polars would read such a file as one header line and no rows),
    into `staging_dir` (a folder of this file's own)."""
    source = path
    if path.name.lower().endswith(".gz"):
        source = staging_dir / "gunzipped.csv"  # names of our own: an inbox file name never makes a path
        try:
            with gzip.open(path, "rb") as packed, source.open("wb") as plain:
                shutil.copyfileobj(packed, plain, CHUNK_BYTES)
        except (OSError, EOFError) as exc:
            raise InputError(path, None, None, f"not a readable gzip file ({exc})") from exc
    with source.open("rb") as f:
        head = f.read(CHUNK_BYTES)
    encoding = (
        "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else "latin-1" if latin1 else None
    )
    cr_only = encoding != "utf-16" and b"\r" in head and b"\n" not in head
    if encoding is None and not cr_only:
        return source
    normalised = staging_dir / "normalised.csv"
    try:
        with (
            source.open(encoding=encoding or "utf-8", newline="") as text,
            normalised.open("w", encoding="utf-8", newline="") as out,
        ):
            while chunk := text.read(CHUNK_BYTES):
                out.write(chunk.replace("\r", "\n") if cr_only else chunk)
    except UnicodeDecodeError:
        raise NotUtf8() from None
    return normalised


def _unreadable(path: Path, exc: pl.exceptions.PolarsError, ragged: bool) -> InputError:
    """The error of an extract polars cannot read, without the values polars quotes (they can be
    patient data), and for a CSV naming the row, found again by Python's csv reader (polars gives none).
    Raises RaggedRows where the first bad row only has extra fields (unless the scan reads them)."""
    if not path.name.lower().endswith(".parquet"):
        row, reason = _first_bad_row(path, ragged)
        if row is not None:
            return InputError(path, row, None, reason)
    return InputError(path, None, None, f"unreadable ({_withheld(_first_line(exc))})")


def _first_bad_row(path: Path, ragged: bool) -> tuple[int | None, str]:
    """The first record (its spreadsheet row, the header being 1) with a quote inside an unquoted
    value (Excel reads it as a character, polars refuses the file) or a quote that never closes.
    A record with more fields than the header before it raises RaggedRows, unless `ragged`."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8", errors="replace", newline="") as f:
        raw_lines = []

        def lines():  # the text of the record being read, to see its quotes as written
            for line in f:
                raw_lines.append(line)
                yield line

        header_fields, row = None, 0
        try:
            for record in csv.reader(lines(), strict=True):
                row += 1
                raw, raw_lines[:] = "".join(raw_lines), []
                if header_fields is None:
                    header_fields = len(record)
                elif len(record) > header_fields and not ragged:
                    raise RaggedRows()
                elif STRAY_QUOTE.search(raw):
                    return row, "has a quote inside a value that is not quoted itself"
        except csv.Error:
            return row + 1, "a quoted value is not closed (a stray or unbalanced quote)"
    return None, ""


def _ragged_rows(csv_path: Path) -> dict[int, str]:
    """{spreadsheet row: why it is quarantined} of the records with more fields than the header, up
    to the first record Python's csv reader cannot read (polars then refuses the file there)."""
    faults = {}
    with csv_path.open(encoding="utf-8-sig", errors="replace", newline="") as f:
        records = csv.reader(f, strict=True)
        try:
            header_fields = len(next(records, []))
            for row, record in enumerate(records, start=2):
                if len(record) > header_fields:
                    faults[row] = f"has {len(record)} fields, but the header names {header_fields} columns"
        except csv.Error:
            pass
    return faults


def _withheld(text: str) -> str:
    """Polars quotes the offending value between backticks: never repeat it."""
    return re.sub(r"`[^`]*`?", "(value withheld)", text)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
