"""Reading X12 837P professional claims (005010X222, A1 and A2) into one text row per service line.

Billing offices submit their claims to payers as 837P files; wrvu reads the same files like any extract.
The maintained X12 parsers validate the whole implementation guide and reject a file for a flaw in a
segment wrvu never uses, so this reader is hand-written and knows only the segments that place a
service line's credit:

    ISA GS ST .. SE GE IEA   envelopes (several transactions and interchanges in one file)
    BHT04                    the transaction's creation date: the post date of its lines
    2000A HL*20, 2010AA NM1*85    billing provider       (the NPI of last resort)
    2000B HL*22, 2010BA NM1*IL    subscriber             (the patient when there is no 2000C)
    2000C HL*23, 2010CA NM1*QC    patient
    2300 CLM, DTP*472, 2310B NM1*82   claim: id, place of service and frequency (CLM05), date, rendering
    2320 SBR                 starts the other payers' loops, whose NM1*82/85/IL are not the claim's own
    2400 LX SV1 DTP*472 REF*6R, 2420A NM1*82   the service line, its date, control number, rendering

Everything else is skipped. It is tolerant where real files vary (delimiters are whatever each ISA
declares; line breaks, indentation or 80-column wrapping; BOM, UTF-16; 4010 files where they match) and
strict where a guess would credit the wrong clinician, day or line: a rendering provider named without
an NPI, a name without entity code inside a claim, a line id repeated within a claim. A malformed
segment quarantines its claim as one X12Fault and the rest of the file proceeds; only a file that
cannot be read at all raises InputError. Values stay text for the ingest's validation (NPI check
digits, code formats); dates become ISO.
"""

import codecs
import json
import re
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

from wrvu.transforms.errors import InputError

X12_COLUMNS = (
    "transaction_id",
    "claim_id",
    "line_number",
    "rendering_npi",
    "service_date",
    "post_date",
    "cpt_code",
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    "units",
    "unit_basis",
    "place_of_service",
    "patient_id",
    "claim_frequency",
    "source_row",
)
X12_SCHEMA = {name: pl.Int64 if name in ("line_number", "source_row") else pl.String for name in X12_COLUMNS}

ISA_LENGTH = 106
# The ISA's elements have fixed widths: its element separator is at these offsets, ISA11 (the
# repetition separator from 5010; "U" in 4010) at 82, ISA16 (component separator) at 104, and the
# segment terminator follows it.
ISA_SEPARATOR_OFFSETS = (3, 6, 17, 20, 31, 34, 50, 53, 69, 76, 81, 83, 89, 99, 101, 103)
ISA_REPETITION, ISA_COMPONENT, ISA_TERMINATOR = 82, 104, 105
# Around segments: line breaks, indentation, the BOM of a concatenated file, a DOS end-of-file mark.
BLANK = " \t\r\n\x0b\x0c\x1a\xa0\ufeff"
NUMBER = re.compile(r"-?(\d+\.?\d*|\.\d+)")

BILLING_LEVEL, SUBSCRIBER_LEVEL, PATIENT_LEVEL = "20", "22", "23"  # HL03
BILLING, SUBSCRIBER, PATIENT, RENDERING = "85", "IL", "QC", "82"  # NM101
NPI_QUALIFIER = "XX"  # NM108
SERVICE_DATE = "472"  # DTP01
LINE_CONTROL_NUMBER = "6R"  # REF01
ORIGINAL = "1"  # CLM05-3 when absent
X12_VOID = "8"  # CLM05-3 of a claim that voids every line of the claim of that id
X12_REPLACING = ("7", "8")  # a replacement and a void: what they leave out of the claim is voided

_Problem = tuple[int, str | None, str]  # segment number, field, reason


@dataclass(frozen=True)
class X12Fault:
    """One quarantined claim, for its first problem."""

    source_row: int  # the segment number in the file (1-based, counting every segment of the file from ISA)
    claim_id: str | None  # CLM01 when known
    field: str | None  # e.g. "SV101", "DTP03", "NM109"; "SE" for a transaction cut short
    reason: str
    lines: int  # the service lines (SV1) of the claim it quarantines; a claim with none counts 1


@dataclass(frozen=True)
class X12Read:
    lines: pl.DataFrame  # X12_COLUMNS, text but line_number and source_row (the SV1's segment number)
    faults: list[X12Fault]  # len(lines) + sum(fault.lines) = the file's SV1 segments + its claims without any


def x12_fault_rows(faults: list[X12Fault]) -> pl.DataFrame:
    """The quarantine rows of the faults, as the ingest stages them: one per service line of each
    quarantined claim, at the segment its fault names."""
    rows = [
        (
            fault.source_row,
            fault.field or "claim",
            f"claim {fault.claim_id or '(no CLM01)'}: {fault.reason}"
            + (f" (line {i} of {fault.lines} of the claim)" if fault.lines > 1 else ""),
            json.dumps({"claim_id": fault.claim_id}),
        )
        for fault in faults
        for i in range(1, fault.lines + 1)
    ]
    return pl.DataFrame(
        rows,
        schema={"source_row": pl.Int64, "field": pl.String, "reason": pl.String, "raw_row": pl.String},
        orient="row",
    ).with_columns(pl.lit(None, pl.Date).alias("service_date"), pl.lit(None, pl.Date).alias("post_date"))


@dataclass(frozen=True)
class _Delimiters:
    element: str
    component: str
    terminator: str


def is_x12(head: bytes) -> bool:
    """The file's first bytes are an ISA header (after a BOM or white space)."""
    return _decode(head).lstrip(BLANK).startswith("ISA")


def _decode(raw: bytes) -> str:
    """X12 text is ASCII in practice: UTF-16 when the bytes say so (a Windows export, with or without
    BOM), else UTF-8 (with or without BOM), else Latin-1."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return raw.decode("utf-16", errors="replace")
    if raw[1:2] == b"\0":
        return raw.decode("utf-16-le", errors="replace")
    if raw[:1] == b"\0":
        return raw.decode("utf-16-be", errors="replace")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def read_837p(path: Path) -> X12Read:
    """raises wrvu.transforms.errors.InputError(path, segment_no_or_None, field, reason) when the FILE is unusable
    (no ISA header, ISA shorter than 106 chars, unknown/ambiguous delimiters, a file truncated before any claim);
    everything else is a per-claim fault"""
    text = _decode(path.read_bytes()).lstrip(BLANK)
    if not text.startswith("ISA"):
        raise InputError(path, None, "ISA", "not an X12 file: it does not start with an ISA header")
    reader = _Reader(path)
    rest: str | None = text
    while rest is not None:
        rest = reader.read(rest, _delimiters(path, rest, reader.row + 1))
    return reader.finish()


def _delimiters(path: Path, text: str, row: int) -> _Delimiters:
    """The delimiters declared by the ISA header `text` starts with."""
    isa = text[:ISA_LENGTH]
    if any(c in isa[:ISA_TERMINATOR] for c in "\r\n"):  # a file wrapped at a fixed width: line breaks are no data
        isa = text[: 2 * ISA_LENGTH].replace("\r", "").replace("\n", "")[:ISA_LENGTH]
    if len(isa) < ISA_LENGTH:
        raise InputError(path, row, "ISA", f"the ISA header is cut short: {len(isa)} characters of {ISA_LENGTH}")
    element = isa[3]
    misplaced = next((i for i in ISA_SEPARATOR_OFFSETS if isa[i] != element), None)
    if misplaced is not None:
        raise InputError(
            path, row, "ISA", f"not a {ISA_LENGTH}-character ISA header: character {misplaced + 1} is not {element!r}"
        )
    found = _Delimiters(element, isa[ISA_COMPONENT], isa[ISA_TERMINATOR])
    repetition = isa[ISA_REPETITION]
    separators = [found.element, found.component, found.terminator] + ([] if repetition.isalnum() else [repetition])
    if (
        len(set(separators)) < len(separators)
        or any(c.isalnum() for c in separators)
        or found.element.isspace()
        or found.component.isspace()
        or found.terminator in " \t"
    ):
        raise InputError(
            path,
            row,
            "ISA",
            f"unknown or ambiguous delimiters: element {found.element!r}, component {found.component!r}, "
            f"repetition {repetition!r}, segment terminator {found.terminator!r}",
        )
    return found


@lru_cache(maxsize=4096)
def _iso_date(ccyymmdd: str) -> str | None:
    """CCYYMMDD as ISO, None when it is no real date."""
    if len(ccyymmdd) != 8 or not (ccyymmdd.isascii() and ccyymmdd.isdigit()):
        return None
    try:
        return date(int(ccyymmdd[:4]), int(ccyymmdd[4:6]), int(ccyymmdd[6:])).isoformat()
    except ValueError:
        return None


def _element(elements: list[str], position: int) -> str:
    """The element (or component) at `position`, stripped; "" when absent."""
    return elements[position].strip() if position < len(elements) else ""


class _Level:
    """One HL of the transaction, with what its NM1 said (the billing NPI, the member id)."""

    __slots__ = ("code", "member_id", "npi", "parent", "problem")

    def __init__(self, code: str, parent: "_Level | None", problem: _Problem | None):
        self.code, self.parent, self.problem = code, parent, problem
        self.npi: str | None = None
        self.member_id = ""


class _Line:
    __slots__ = ("control_number", "npi", "number", "row", "service", "service_date", "service_row")

    def __init__(self, number: int, row: int):
        self.number, self.row = number, row
        self.control_number = self.npi = self.service_date = None
        self.service: tuple[str, ...] | None = None  # cpt_code, modifier_1..4, units, unit_basis, place_of_service
        self.service_row = row


class _Claim:
    __slots__ = (
        "billing_npi",
        "claim_id",
        "frequency",
        "line",
        "npi",
        "other_payers",
        "patient_id",
        "place_of_service",
        "post_date",
        "problem",
        "row",
        "rows",
        "service_date",
        "services",
        "transaction_ids",
    )

    def __init__(self, claim_id: str | None, row: int):
        self.claim_id, self.row = claim_id, row
        self.place_of_service = self.patient_id = self.post_date = ""
        self.frequency = ORIGINAL
        self.billing_npi = self.service_date = self.npi = None
        self.other_payers = False  # inside 2320/2330: the NM1s there name another payer's providers
        self.line: _Line | None = None
        self.services = 0  # SV1 segments, for the count of lines a fault quarantines
        self.rows: list[tuple] = []
        self.transaction_ids: set[str] = set()
        self.problem: _Problem | None = None

    def fail(self, row: int, field: str | None, reason: str) -> None:
        """The claim is quarantined for its first problem."""
        if self.problem is None:
            self.problem = (row, field, reason)


class _Reader:
    """Walks the segments in order, keeping the transaction's HL tree and the claim being read."""

    def __init__(self, path: Path):
        self.path = path
        self.row = 0  # segments counted so far
        self.lines: list[tuple] = []
        self.faults: list[X12Fault] = []
        self.claims = 0
        self.interchange_open = self.transaction_open = False
        self.levels: dict[str, _Level] = {}
        self.level: _Level | None = None
        self.post_date: str | _Problem | None = None
        self.claim: _Claim | None = None
        self.component = ""
        self.handlers = {
            "ISA": self.isa,
            "ST": self.st,
            "SE": self.se,
            "GE": self.envelope_end,
            "IEA": self.iea,
            "BHT": self.bht,
            "HL": self.hl,
            "NM1": self.nm1,
            "SBR": self.sbr,
            "CLM": self.clm,
            "DTP": self.dtp,
            "LX": self.lx,
            "SV1": self.sv1,
            "REF": self.ref,
        }

    def read(self, text: str, found: _Delimiters) -> str | None:
        """Reads the segments of `text` (starting with an ISA) up to an ISA declaring other delimiters,
        and returns the text from there (None at the end)."""
        self.component = found.component
        segments = text.split(found.terminator)
        for i, raw in enumerate(segments):
            segment = raw.strip(BLANK)
            if not segment:
                continue
            if "\n" in segment or "\r" in segment:  # wrapped at a fixed width (80 columns): line breaks are no data
                segment = segment.replace("\r", "").replace("\n", "")
            if i and segment[:3] == "ISA" and self.declares_others(segment, found):
                return found.terminator.join(segments[i:]).lstrip(BLANK)
            self.row += 1
            handler = self.handlers.get(segment.partition(found.element)[0])
            if handler is not None:
                handler(segment.split(found.element))
        return None

    def declares_others(self, isa: str, current: _Delimiters) -> bool:
        """A later ISA declares other delimiters than `current` (then it is no single segment of `current`'s)."""
        return len(isa) != ISA_LENGTH - 1 or _delimiters(self.path, isa + current.terminator, self.row + 1) != current

    def finish(self) -> X12Read:
        if self.transaction_open or self.interchange_open:
            if not self.claims:
                raise InputError(self.path, self.row, None, "the file ends before any claim (no SE/IEA): truncated")
            self.end_transaction("the file ends inside this claim (no SE/IEA): truncated")
        lines = pl.DataFrame(self.lines, schema=X12_SCHEMA, orient="row")
        return X12Read(lines, self.faults)

    # envelopes

    def isa(self, _: list[str]) -> None:
        self.end_transaction("a new interchange (ISA) starts inside this claim's transaction (no SE)")
        self.interchange_open = True

    def st(self, _: list[str]) -> None:
        self.end_transaction("a new transaction (ST) starts inside this claim's transaction (no SE)")
        self.transaction_open = True
        self.levels, self.level = {}, None
        self.post_date = None

    def se(self, _: list[str]) -> None:
        self.end_claim()
        self.transaction_open = False

    def envelope_end(self, elements: list[str]) -> None:
        self.end_transaction(f"the transaction ends at {elements[0]} without SE")

    def iea(self, elements: list[str]) -> None:
        self.envelope_end(elements)
        self.interchange_open = False

    def end_transaction(self, reason: str) -> None:
        """A transaction left open is cut: the claim being read may miss lines, and that is what the user must
        know first (the last segment read may be cut too)."""
        if self.transaction_open and self.claim is not None:
            self.claim.problem = (self.row, "SE", reason)
        self.end_claim()
        self.transaction_open = False

    def bht(self, elements: list[str]) -> None:
        creation = _element(elements, 4)
        self.post_date = _iso_date(creation) or (self.row, "BHT04", f"creation date {creation!r} is no real date")

    # hierarchy

    def hl(self, elements: list[str]) -> None:
        self.end_claim()
        number, parent_number, code = _element(elements, 1), _element(elements, 2), _element(elements, 3)
        parent = self.levels.get(parent_number)
        problem = None
        if not number or not code:
            problem = (self.row, "HL01" if not number else "HL03", "hierarchical level without its id or level code")
        elif parent_number and parent is None:
            problem = (self.row, "HL02", f"parent level {parent_number!r} is not an earlier HL of the transaction")
        self.level = self.levels[number] = _Level(code, parent, problem)

    def nm1(self, elements: list[str]) -> None:
        entity = _element(elements, 1)
        claim = self.claim
        if claim is None:
            level = self.level
            if level is None:
                return
            if level.code == BILLING_LEVEL and entity == BILLING:
                level.npi = _element(elements, 9) if _element(elements, 8) == NPI_QUALIFIER else None
            elif (level.code, entity) in ((SUBSCRIBER_LEVEL, SUBSCRIBER), (PATIENT_LEVEL, PATIENT)):
                level.member_id = _element(elements, 9)
            return
        if claim.other_payers:
            return
        if not entity:
            claim.fail(self.row, "NM101", "a name segment without entity code: it may name the rendering provider")
        elif entity == RENDERING:
            qualifier, npi = _element(elements, 8), _element(elements, 9)
            if qualifier != NPI_QUALIFIER or not npi:
                field = "NM108" if qualifier != NPI_QUALIFIER else "NM109"
                claim.fail(self.row, field, f"rendering provider (NM1*82) without an NPI (NM108 {qualifier!r})")
            elif claim.line is None:
                claim.npi = npi
            else:
                claim.line.npi = npi

    def sbr(self, _: list[str]) -> None:
        if self.claim is not None:
            self.claim.other_payers = True

    # claim

    def clm(self, elements: list[str]) -> None:
        self.end_claim()
        self.claims += 1
        claim_id = _element(elements, 1)
        claim = self.claim = _Claim(claim_id or None, self.row)
        if not claim_id:
            claim.fail(self.row, "CLM01", "claim without its claim id")
        facility = _element(elements, 5).split(self.component)
        claim.place_of_service = _element(facility, 0)
        claim.frequency = _element(facility, 2) or ORIGINAL
        if self.post_date is None:
            claim.fail(self.row, "BHT04", "no BHT creation date in the claim's transaction")
        elif isinstance(self.post_date, tuple):
            claim.fail(*self.post_date)
        else:
            claim.post_date = self.post_date
        if self.level is None:
            claim.fail(self.row, "HL", "claim outside any HL hierarchy (no billing provider or subscriber)")
        level, subscriber_id, patient_id = self.level, "", ""
        while level is not None:
            if level.problem is not None:
                claim.fail(*level.problem)
            if level.code == BILLING_LEVEL:
                claim.billing_npi = level.npi
            elif level.code == SUBSCRIBER_LEVEL:
                subscriber_id = level.member_id
            elif level.code == PATIENT_LEVEL:
                patient_id = level.member_id
            level = level.parent
        # 5010 identifies a patient who is not the subscriber by name only (2010CA has no NM109 since
        # 5010): the subscriber's member id is then the best id there is.
        claim.patient_id = patient_id or subscriber_id

    def dtp(self, elements: list[str]) -> None:
        claim = self.claim
        if claim is None or _element(elements, 1) != SERVICE_DATE:
            return
        qualifier, value = _element(elements, 2), _element(elements, 3)
        if qualifier == "RD8":  # a range: the line's credit goes to its first day
            value, dash, last = value.partition("-")
            if not dash or _iso_date(last) is None:
                value = ""
        elif qualifier != "D8":
            claim.fail(self.row, "DTP02", f"date format {qualifier!r} is neither D8 nor RD8")
            return
        service_date = _iso_date(value)
        if not service_date:
            claim.fail(self.row, "DTP03", f"service date {_element(elements, 3)!r} is not a real {qualifier} date")
        elif claim.line is None:
            claim.service_date = service_date
        else:
            claim.line.service_date = service_date

    def ref(self, elements: list[str]) -> None:
        claim = self.claim
        if claim is None or claim.line is None or _element(elements, 1) != LINE_CONTROL_NUMBER:
            return
        control_number = _element(elements, 2)
        if not control_number:
            claim.fail(self.row, "REF02", "line item control number (REF*6R) without its value")
        claim.line.control_number = control_number

    def end_claim(self) -> None:
        claim = self.claim
        if claim is None:
            return
        self.end_line()
        if claim.services == 0:
            claim.fail(claim.row, "SV1", "claim without a service line (SV1)")
        if claim.problem is None:
            self.lines.extend(claim.rows)
        else:
            row, field, reason = claim.problem
            self.faults.append(X12Fault(row, claim.claim_id, field, reason, max(1, claim.services)))
        self.claim = None

    # service line

    def service_claim(self) -> _Claim:
        """The claim a service line belongs to; a line before any CLM is quarantined as a claim of its own."""
        if self.claim is None:
            self.claim = _Claim(None, self.row)
            self.claim.fail(self.row, "CLM", "service line with no claim (CLM) before it")
        return self.claim

    def lx(self, elements: list[str]) -> None:
        claim = self.service_claim()
        self.end_line()
        number = _element(elements, 1)
        is_number = number.isascii() and number.isdigit()
        if not is_number:
            claim.fail(self.row, "LX01", f"service line number {number!r} is not a number")
        claim.line = _Line(int(number) if is_number else 0, self.row)
        claim.other_payers = False

    def sv1(self, elements: list[str]) -> None:
        claim = self.service_claim()
        claim.services += 1
        line = claim.line
        if line is None or line.service is not None:
            claim.fail(self.row, "LX", "SV1 without its own LX service line")
            return
        procedure = _element(elements, 1).split(self.component)
        code, basis, units = _element(procedure, 1), _element(elements, 3), _element(elements, 4)
        if not code:
            claim.fail(self.row, "SV101", "service line without a procedure code (SV101-2)")
        if not basis:
            claim.fail(self.row, "SV103", "service line without its unit basis (UN or MJ)")
        if not NUMBER.fullmatch(units):
            claim.fail(self.row, "SV104", f"unit count {units!r} is not a number")
        modifiers = [_element(procedure, i) for i in range(2, 6)]  # a 7th component, the description, is ignored
        line.service = (code, *modifiers, units, basis, _element(elements, 5) or claim.place_of_service)
        line.service_row = self.row

    def end_line(self) -> None:
        """Resolves the line's date, rendering NPI and id from the line, else its claim (else its billing
        provider for the NPI)."""
        claim = self.claim
        line = claim.line if claim is not None else None
        if line is None:
            return
        claim.line = None
        if claim.problem is not None:
            return
        if line.service is None:
            claim.fail(line.row, "SV1", f"service line {line.number} without SV1")
            return
        service_date = line.service_date or claim.service_date
        npi = line.npi or claim.npi or claim.billing_npi
        transaction_id = line.control_number or f"{claim.claim_id}-{line.number}"
        if not service_date:
            claim.fail(line.service_row, "DTP03", "no date of service on the line or its claim")
        elif not npi:
            claim.fail(
                line.service_row, "NM109", "no rendering NPI: no NM1*82 on the line or claim, no billing provider NPI"
            )
        elif transaction_id in claim.transaction_ids:
            claim.fail(line.service_row, "REF02", f"line id {transaction_id!r} repeats an earlier line of the claim")
        else:
            claim.transaction_ids.add(transaction_id)
            code, modifier_1, modifier_2, modifier_3, modifier_4, units, basis, place = line.service
            claim.rows.append(
                (
                    transaction_id,
                    claim.claim_id,
                    line.number,
                    npi,
                    service_date,
                    claim.post_date,
                    code,
                    modifier_1,
                    modifier_2,
                    modifier_3,
                    modifier_4,
                    units,
                    basis,
                    place,
                    claim.patient_id,
                    claim.frequency,
                    line.service_row,
                )
            )
