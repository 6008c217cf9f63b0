"""Reading CMS PPRRVU files (the national physician fee schedule relative value file).

Every format CMS has shipped is read into one frame of text columns, one row per code and
modifier, with the source line kept for lineage:
- comma-delimited CSV: a preamble, then a header stacked over several lines whose last line
  repeats labels (`PE RVU`, `INDICATOR`); 31 columns to 2025, 32 from 2026 (`PRIC IND`);
- the same CSV hand-edited: preamble stripped and header collapsed to one line;
- fixed-width TXT: `HDR` lines, then records at the positions of the CMS layout document;
- XLSX: the CSV's rows in a worksheet;
- the CMS zip bundle, which holds several files: the PPRRVU one is taken.
Columns are found by header label, never by position.
"""

import csv
import hashlib
import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from wrvu.schemas.fee_schedule import validate_schedule_rows
from wrvu.transforms.codes import normalised_code
from wrvu.transforms.errors import InputError

QUARTER_OF_MONTH = {"JAN": "A", "APR": "B", "JUL": "C", "OCT": "D"}
QUARTER_START_MONTH = {"A": 1, "B": 4, "C": 7, "D": 10}
# Revised releases govern from a date their name cannot tell: RVU24AR re-issued the January
# 2024 file with the conversion factor of the Consolidated Appropriations Act, from 2024-03-09.
KNOWN_REVISION_DATES = {"RVU24AR": date(2024, 3, 9)}

RELEASE_NAME = re.compile(r"RVU(\d{2})([A-D])(R\d*)?(?![A-Z0-9])", re.IGNORECASE)
PPRRVU_FILE_NAME = re.compile(r"PPRRVU(\d{4}|\d{2})_([A-Z]{3})", re.IGNORECASE)
RELEASED_ON = re.compile(r"RELEASED\s+(\d{1,2})/(\d{1,2})/(\d{4})", re.IGNORECASE)
PPRRVU_SUFFIXES = (".csv", ".txt", ".xlsx")


@dataclass(frozen=True)
class Column:
    """A PPRRVU field: its stacked header label, and where a collapsed header puts it."""

    name: str
    label: str
    tail: tuple[str, int]  # (last-header-line label, occurrence) for headers collapsed to one line
    required: bool = True


COLUMNS = (
    Column("cpt_code", "HCPCS", ("HCPCS", 0)),
    Column("modifier", "MOD", ("MOD", 0)),
    Column("description", "DESCRIPTION", ("DESCRIPTION", 0), required=False),
    Column("status", "STATUS CODE", ("CODE", 0)),
    Column("not_used_for_medicare", "NOT USED FOR MEDICARE PAYMENT", ("PAYMENT", 0), required=False),
    Column("work_rvu", "WORK RVU", ("RVU", 0)),
    Column("pctc_ind", "PCTC IND", ("IND", 0)),
    Column("global_days", "GLOB DAYS", ("DAYS", 0)),
    Column("pre_op", "PRE OP", ("OP", 0)),
    Column("intra_op", "INTRA OP", ("OP", 1)),
    Column("post_op", "POST OP", ("OP", 2)),
    Column("mult_proc", "MULT PROC", ("PROC", 0)),
    Column("bilat_surg", "BILAT SURG", ("SURG", 0)),
    Column("asst_surg", "ASST SURG", ("SURG", 1)),
    Column("co_surg", "CO-SURG", ("SURG", 2)),
    Column("team_surg", "TEAM SURG", ("SURG", 3)),
    Column("pric_ind", "PRIC IND", ("IND", 1), required=False),
    Column("endo_base", "ENDO BASE", ("BASE", 0), required=False),
    Column("conv_factor", "CONV FACTOR", ("FACTOR", 0), required=False),
    Column("phys_supervision", "PHYSICIAN SUPERVISION OF DIAGNOSTIC PROCEDURES", ("PROCEDURES", 0), required=False),
    Column("calc_flag", "CALCULATION FLAG", ("FLAG", 0), required=False),
    Column("diag_imaging_family", "DIAGNOSTIC IMAGING FAMILY INDICATOR", ("INDICATOR", 2), required=False),
)
LABEL_OF = {c.name: c.label for c in COLUMNS}

# Fixed-width TXT record positions (1-based, inclusive) from the CMS layout document (RVU25D.pdf).
FIXED_WIDTH = {
    "cpt_code": (1, 5),
    "modifier": (6, 7),
    "description": (8, 57),
    "status": (58, 58),
    "not_used_for_medicare": (59, 59),
    "work_rvu": (60, 65),
    "pctc_ind": (103, 103),
    "global_days": (104, 106),
    "pre_op": (107, 109),
    "intra_op": (110, 112),
    "post_op": (113, 115),
    "mult_proc": (116, 116),
    "bilat_surg": (117, 117),
    "asst_surg": (118, 118),
    "co_surg": (119, 119),
    "team_surg": (120, 120),
    "endo_base": (128, 132),
    "conv_factor": (133, 140),
    "phys_supervision": (142, 143),
    "calc_flag": (144, 144),
    "diag_imaging_family": (146, 147),
}
FIXED_WIDTH_MIN_LENGTH = max(end for _, end in FIXED_WIDTH.values())


@dataclass(frozen=True)
class ScheduleFile:
    """One PPRRVU file's bytes, named as the user will see it (`RVU26A.zip!PPRRVU2026_Jan_nonQPP.csv`)."""

    path: Path
    display_name: str
    member_name: str
    data: bytes
    sha256: str  # of the file the user gave: the zip itself for a bundle

    @property
    def file_format(self) -> str:
        return Path(self.member_name).suffix.lower().lstrip(".")


@dataclass(frozen=True)
class ParsedSchedule:
    rows: pl.DataFrame  # text columns named as COLUMNS (missing optional ones null), plus source_line
    released_on: date | None


def read_schedule_file(path: Path) -> ScheduleFile:
    """The PPRRVU file at `path`; for a CMS zip bundle, the PPRRVU file inside it."""
    if not path.is_file():
        raise InputError(path, None, None, "no such file")
    if path.suffix.lower() != ".zip":
        data = path.read_bytes()
        return ScheduleFile(path, str(path), path.name, data, hashlib.sha256(data).hexdigest())
    data = path.read_bytes()
    try:
        bundle = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise InputError(path, None, None, f"not a readable zip file ({exc})") from exc
    members = [m for m in bundle.namelist() if _is_pprrvu_name(m)]
    if not members:
        raise InputError(path, None, None, f"the zip holds no PPRRVU file (found: {', '.join(bundle.namelist())})")
    member = min(members, key=_bundle_preference)
    return ScheduleFile(path, f"{path}!{member}", member, bundle.read(member), hashlib.sha256(data).hexdigest())


def _is_pprrvu_name(name: str) -> bool:
    base = Path(name).name
    return base.upper().startswith("PPRRVU") and Path(base).suffix.lower() in PPRRVU_SUFFIXES


def _bundle_preference(name: str) -> tuple[int, int, str]:
    """CSV before XLSX before TXT; the non-QPP file before the QPP one (same work RVUs)."""
    suffix_rank = {".csv": 0, ".xlsx": 1, ".txt": 2}[Path(name).suffix.lower()]
    qpp_rank = 1 if re.search(r"(?<!NON)QPP", name.upper()) else 0
    return (suffix_rank, qpp_rank, name)


def release_from_name(path: Path) -> str | None:
    """`RVU26A.zip` -> RVU26A, a CMS-named folder `RVU24AR/` -> RVU24AR, `PPRRVU24_JAN.csv` -> RVU24A."""
    candidates = [path.name] if path.suffix.lower() == ".zip" else [path.parent.name, path.name]
    for name in candidates:
        match = RELEASE_NAME.fullmatch(Path(name).stem) or (
            RELEASE_NAME.search(Path(name).stem) if name == path.name else None
        )
        if match:
            return f"RVU{match[1]}{match[2].upper()}{(match[3] or '').upper()}"
    match = PPRRVU_FILE_NAME.search(path.name)
    if match and match[2].upper() in QUARTER_OF_MONTH:
        return f"RVU{match[1][-2:]}{QUARTER_OF_MONTH[match[2].upper()]}"
    return None


def effective_from_of_release(release: str) -> date | None:
    """The first date of service a CMS release id governs by default (its quarter's first day)."""
    if release.upper() in KNOWN_REVISION_DATES:
        return KNOWN_REVISION_DATES[release.upper()]
    match = RELEASE_NAME.fullmatch(release)
    if not match:
        return None
    return date(2000 + int(match[1]), QUARTER_START_MONTH[match[2].upper()], 1)


def quarterly_release_of(day: date) -> str:
    """The id of CMS's quarterly release for the quarter of `day` (2024-05-02 -> RVU24B): the
    release to load for that date of service."""
    quarter = next(letter for letter, month in reversed(QUARTER_START_MONTH.items()) if day.month >= month)
    return f"RVU{day.year % 100:02d}{quarter}"


def parse_schedule(source: ScheduleFile) -> ParsedSchedule:
    """The rows of a PPRRVU file, validated; raises InputError naming the file, line and field."""
    if source.file_format == "xlsx":
        return _parse_table(source, _xlsx_rows(source))
    text = _decode(source.data)
    if text.lstrip().startswith("HDR"):
        return _parse_fixed_width(source, text)
    return _parse_table(source, _csv_rows(source, text))


def _decode(data: bytes) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _csv_rows(source: ScheduleFile, text: str):
    """(line number, cells) for each CSV record; the line is where the record ends."""
    if "\x00" in text:
        raise InputError(source.display_name, None, None, "not a PPRRVU file: binary content")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for cells in reader:
            yield reader.line_num, cells
    except csv.Error as exc:
        raise InputError(source.display_name, reader.line_num, None, f"unreadable CSV ({exc})") from exc


def _xlsx_rows(source: ScheduleFile):
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(source.data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise InputError(source.display_name, None, None, f"not a readable XLSX workbook ({exc})") from exc
    sheet = next((s for s in book.worksheets if "PPRRVU" in s.title.upper()), book.worksheets[0])
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        yield number, ["" if v is None else _cell_text(v) for v in values]


def _cell_text(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _normalise_label(text: str) -> str:
    return re.sub(r"\s*-\s*", "-", re.sub(r"\s+", " ", text.strip().upper()))


def _is_blank(cells: list[str]) -> bool:
    return all(not c.strip() or c.strip() == "\x1a" for c in cells)


def _parse_table(source: ScheduleFile, records) -> ParsedSchedule:
    preamble: list[tuple[int, list[str]]] = []
    header_line = None
    for line, cells in records:
        if cells and _normalise_label(cells[0]) == "HCPCS":
            header_line, header = line, cells
            break
        preamble.append((line, cells))
        if len(preamble) > 40:
            break
    if header_line is None:
        raise InputError(
            source.display_name, 1, None, "not a PPRRVU file: no header row starting with HCPCS in the first 40 lines"
        )
    positions = _map_columns(source, header_line, header, _stacked_lines(preamble))
    width = len(header)
    values: dict[str, list[str]] = {name: [] for name in positions}
    lines: list[int] = []
    for line, cells in records:
        if _is_blank(cells):
            continue
        if len(cells) < width or any(c.strip() for c in cells[width:]):
            raise InputError(
                source.display_name,
                line,
                None,
                f"row has {len(cells)} fields where the header has {width} (truncated or unquoted comma)",
            )
        for name, position in positions.items():
            values[name].append(cells[position])
        lines.append(line)
    released_on = _released_on(preamble)
    return ParsedSchedule(_validated_frame(source, values, lines), released_on)


def _stacked_lines(preamble: list[tuple[int, list[str]]]) -> list[list[str]]:
    """The header lines stacked above the HCPCS line, up to the blank or RELEASED line that ends the preamble."""
    stacked = []
    for _, cells in reversed(preamble[-4:]):
        text = " ".join(cells).upper()
        if _is_blank(cells) or "RELEASED" in text or "COPYRIGHT" in text:
            break
        stacked.insert(0, cells)
    return stacked


def _map_columns(source: ScheduleFile, header_line: int, header: list[str], stacked: list[list[str]]) -> dict[str, int]:
    full = []
    for i, tail in enumerate(header):
        parts = [cells[i] for cells in stacked if i < len(cells)] + [tail]
        full.append(_normalise_label(" ".join(p for p in parts if p.strip())))
    tails = [_normalise_label(t) for t in header]
    positions, missing = {}, []
    for column in COLUMNS:
        if column.label in full:
            positions[column.name] = full.index(column.label)
            continue
        label, occurrence = column.tail
        hits = [i for i, t in enumerate(tails) if t == label]
        if len(hits) > occurrence and full[hits[occurrence]] == label:
            positions[column.name] = hits[occurrence]
        elif column.required:
            missing.append(column.label)
    if missing:
        raise InputError(
            source.display_name,
            header_line,
            None,
            f"not a PPRRVU file: header lacks {', '.join(missing)} (found: {', '.join(f for f in full if f)})",
        )
    return positions


def _released_on(preamble: list[tuple[int, list[str]]]) -> date | None:
    for _, cells in preamble:
        match = RELEASED_ON.search(" ".join(cells))
        if match:
            return date(int(match[3]), int(match[1]), int(match[2]))
    return None


def _parse_fixed_width(source: ScheduleFile, text: str) -> ParsedSchedule:
    values: dict[str, list[str]] = {name: [] for name in FIXED_WIDTH}
    lines: list[int] = []
    for line, record in enumerate(text.splitlines(), start=1):
        if record.startswith("HDR") or _is_blank([record]):
            continue
        if len(record) < FIXED_WIDTH_MIN_LENGTH:
            raise InputError(
                source.display_name,
                line,
                None,
                f"record is {len(record)} characters, shorter than the {FIXED_WIDTH_MIN_LENGTH} of the CMS layout (truncated)",
            )
        for name, (start, end) in FIXED_WIDTH.items():
            values[name].append(record[start - 1 : end])
        lines.append(line)
    if not lines:
        raise InputError(source.display_name, 1, None, "not a PPRRVU file: no records after the HDR lines")
    return ParsedSchedule(_validated_frame(source, values, lines), None)


def _validated_frame(source: ScheduleFile, values: dict[str, list[str]], lines: list[int]) -> pl.DataFrame:
    if not lines:
        raise InputError(source.display_name, None, None, "not a PPRRVU file: a header but no code rows")
    frame = pl.DataFrame({**values, "source_line": lines}, schema_overrides={"source_line": pl.Int32})
    for column in COLUMNS:
        if column.name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(column.name))
    frame = frame.select(
        normalised_code(pl.col("cpt_code")),
        *[
            pl.col(c.name).str.strip_chars().str.to_uppercase().alias(c.name)
            for c in COLUMNS
            if c.name not in ("cpt_code", "description")
        ],
        pl.col("description").str.strip_chars(),
        "source_line",
    ).with_columns(
        # the fixed-width layout writes percentages as `.10`
        *[pl.col(c).str.replace(r"^\.", "0.") for c in ("pre_op", "intra_op", "post_op")]
    )
    frame = validate_schedule_rows(frame, source.display_name, LABEL_OF)
    return _drop_repeated_rows(source, frame)


def _drop_repeated_rows(source: ScheduleFile, frame: pl.DataFrame) -> pl.DataFrame:
    """A code and modifier listed twice with the same values is kept once; with different values, refused."""
    keys = ["cpt_code", "modifier"]
    values = [c.name for c in COLUMNS if c.name != "description"]
    distinct = frame.unique(subset=values, keep="first", maintain_order=True)
    clash = distinct.filter(pl.len().over(keys) > 1)
    if clash.height:
        row = clash.sort("source_line").row(1, named=True)
        raise InputError(
            source.display_name,
            row["source_line"],
            "HCPCS",
            f"{row['cpt_code']} {row['modifier'] or '(no modifier)'} is listed twice with different values",
        )
    return distinct


def content_sha256(frame: pl.DataFrame) -> str:
    """A fingerprint of what a release prices (not its descriptions or line numbers): the CSV and TXT
    of one release share it, so loading the other one of the pair is recognised as the same release."""
    values = [c.name for c in COLUMNS if c.name not in ("description", "not_used_for_medicare", "pric_ind")]
    canonical = frame.select(values).sort(["cpt_code", "modifier"]).write_csv()
    return hashlib.sha256(canonical.encode()).hexdigest()
