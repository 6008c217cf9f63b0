"""`wrvu reconcile-log WHO LOG.csv`: a clinician's own list of what they did, held against every line
billed for them, one log line to at most one billed line, each log line with one status:

- `matched`: a current billed line of WHO, same date of service and code (same patient, and same visit,
  where the log gives them), credited;
- `held`: such a line, credited 0 by its rule (`reason`: the rule, e.g. `no_schedule`, `denied`), not a code
  worth 0 wRVUs;
- `voided`: such a line was billed, then reversed (its units netted to 0 or less), and not billed again;
- `coded_differently`: a current line of WHO on that date (for that patient) with another code of the same
  family (`codes.code_family`: 99213 billed for a logged 99214), with the billed code;
- `attributed_to_other`: billed on that date for that patient under another NPI (needs `patient_id`);
- `missing`: none of these;
- `invalid`: the row is not usable (a date or code that is not one, units that are not a count);
- `outside_window`: dated outside `--from`/`--to`.
Lines of WHO in the window that no log line took are `not_in_log`.

The order of preference (MATCH_PASSES): every log line first looks for an exact billed line, then for a
voided one, then for another code of the family, then under another NPI (the same code before another
of its family); within a pass, log lines in date, code and row order, each taking the first free billed
line in date, transaction and version order. So an exact match is never lost to a looser one, and the
result does not depend on the order of the rows in either file.

Patient ids are keyed with the workspace key before matching and never written out. The wRVUs a log line
implies are priced as wrvu would credit that code and modifiers on that date for WHO (their plan's pinned
release, where it pins one)."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl

from wrvu import sql
from wrvu.schemas.claim_line import CODE_PATTERN, MAX_ABS_UNITS, MODIFIER_PATTERN, MODIFIERS
from wrvu.schemas.column_map import ColumnMap
from wrvu.schemas.crediting import CreditingPolicy, load_crediting_policy
from wrvu.schemas.plans import Plan, load_plans
from wrvu.schemas.roster import load_roster
from wrvu.schemas.workspace import Workspace
from wrvu.transforms import warehouse
from wrvu.transforms.close_files import csv_bytes, write_atomically
from wrvu.transforms.codes import code_family, normalise_code, normalise_modifier
from wrvu.transforms.compensation import ZERO, cents, four_places
from wrvu.transforms.crediting import price_keys
from wrvu.transforms.errors import InputError, WrvuError
from wrvu.transforms.ingest import refuse_stale_warehouse
from wrvu.transforms.validate import PatientKeys
from wrvu.transforms.warehouse import fetch_dicts

LOG_COLUMNS = ("service_date", "cpt_code")
OPTIONAL_LOG_COLUMNS = ("modifiers", *MODIFIERS, "units", "patient_id", "encounter_id")
STATUSES = (
    "matched",
    "held",
    "voided",
    "coded_differently",
    "attributed_to_other",
    "missing",
    "invalid",
    "outside_window",
    "not_in_log",
)
LOG_RECONCILIATION_COLUMNS = (
    "log_row",
    "service_date",
    "cpt_code",
    "modifiers",
    "units",
    "status",
    "log_wrvu",
    "credited_wrvu",
    "wrvu_difference",
    "billed_npi",
    "billed_code",
    "billed_transaction_id",
    "billed_claim_id",
    "reason",
)
ISO_DATE = "%Y-%m-%d"
OTHER_DATE_FORMATS = ("%m/%d/%Y", "%d/%m/%Y", "%m/%d/%y", "%Y/%m/%d", "%d.%m.%Y", "%m-%d-%Y")


@dataclass
class LogLine:
    row: int  # the line of the log file, as a spreadsheet shows it (the header is 1)
    service_date: date | None
    cpt_code: str
    modifiers: tuple[str, ...]
    units: int | None
    patient_key: int | None
    encounter_id: str
    invalid: str = ""  # why the row is not usable
    log_wrvu: Decimal | None = None
    log_rule: str = ""  # the rule that priced it: why it implies 0 wRVUs, when it does
    status: str = ""
    billed: "BilledLine | None" = None


@dataclass
class BilledLine:
    npi: str
    is_who: bool
    transaction_id: str
    claim_id: str
    version_id: int
    service_date: date
    cpt_code: str
    modifiers: str
    units: int
    credited_wrvu: Decimal
    rule: str
    patient_key: int
    encounter_id: str
    is_uncredited: bool  # its rule credits it 0 (held, not credited by status, denied, anesthesia minutes)
    voided: bool = False
    taken: bool = field(default=False, compare=False)


def read_log(path: Path, column_map: ColumnMap, key: bytes) -> list[LogLine]:
    """The rows of a clinician's log, each valid or with the reason it is not. A file the reconciliation
    cannot read at all (no date or code column, no date in the expected format) is an InputError naming
    the file, the row and the field."""
    try:
        frame = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy", truncate_ragged_lines=True)
    except pl.exceptions.NoDataError as exc:
        raise InputError(
            path, None, None, "the file is empty: expected a header with service_date and cpt_code"
        ) from exc
    headers = {name.strip().lower(): name for name in frame.columns}
    source = {}
    for name in LOG_COLUMNS + OPTIONAL_LOG_COLUMNS:
        header = column_map.source_header(name).strip().lower()
        if header in headers:
            source[name] = headers[header]
        elif name in LOG_COLUMNS:
            raise InputError(
                path,
                1,
                name,
                f"no column {column_map.source_header(name)!r} (header found: {', '.join(frame.columns)})",
            )
    text = frame.select(
        *(pl.col(header).fill_null("").str.strip_chars().alias(name) for name, header in source.items())
    )
    fmt = column_map.date_format or ISO_DATE
    dates = [_parsed(value, fmt) for value in text["service_date"]]
    if text.height and not any(dates):
        first = text["service_date"][0]
        hint = next((f" (it reads as {other})" for other in OTHER_DATE_FORMATS if _parsed(first, other)), "")
        raise InputError(
            path,
            2,
            "service_date",
            f"{first!r} is not a date as {fmt}{hint}, and no row's is: give a column map with its date_format "
            "(--map NAME)",
        )
    patients = _patient_keys(text, key)
    return [
        _log_line(row, number, parsed, patients)
        for number, (row, parsed) in enumerate(zip(text.iter_rows(named=True), dates, strict=True), start=2)
    ]


def _parsed(value: str, fmt: str) -> date | None:
    try:
        return datetime.strptime(value, fmt).date()
    except ValueError:
        return None


def _patient_keys(text: pl.DataFrame, key: bytes) -> dict[str, int]:
    if "patient_id" not in text.columns:
        return {}
    ids = text.filter(pl.col("patient_id") != "")["patient_id"]
    if ids.is_empty():
        return {}
    keyed = PatientKeys(key).of(ids)
    return dict(zip(keyed["patient_id"].to_list(), keyed["patient_key"].to_list(), strict=True))


def _log_line(row: dict, number: int, service_date: date | None, patients: dict[str, int]) -> LogLine:
    code = normalise_code(row["cpt_code"])
    if "modifiers" in row:
        modifiers = tuple(normalise_modifier(m) for m in row["modifiers"].replace(",", " ").replace(";", " ").split())
    else:
        modifiers = tuple(normalise_modifier(row[m]) for m in MODIFIERS if row.get(m))
    units_text = row.get("units") or "1"
    units = (
        int(units_text) if re.fullmatch(r"[0-9]{1,4}", units_text) and 0 < int(units_text) <= MAX_ABS_UNITS else None
    )
    line = LogLine(
        number,
        service_date,
        code,
        modifiers,
        units,
        patients.get(row.get("patient_id", "")),
        row.get("encounter_id", ""),
    )
    if service_date is None:
        line.invalid = f"service_date: {row['service_date']!r} is not a date"
    elif not re.fullmatch(CODE_PATTERN, code):
        line.invalid = f"cpt_code: {row['cpt_code']!r} is not a CPT/HCPCS code"
    elif units is None:
        line.invalid = f"units: {units_text!r} is not a whole number of units from 1 to {MAX_ABS_UNITS}"
    elif len(modifiers) > 4 or not all(re.fullmatch(MODIFIER_PATTERN, m) for m in modifiers):
        line.invalid = f"modifiers: {' '.join(modifiers)!r} are not up to four modifiers of two letters or digits"
    if line.invalid:
        line.status = "invalid"
    return line


def price_log(
    con: duckdb.DuckDBPyConnection, policy: CreditingPolicy, lines: list[LogLine], pinned_on: Callable[[date], str]
) -> None:
    """Set each usable log line's `log_wrvu`: its code and modifiers priced on its date as wrvu credits
    them (on `pinned_on(date)`, the release WHO's plan pins that day, '' for none). Only temporary
    tables are written."""
    usable = [line for line in lines if not line.invalid]
    if not usable:
        return
    frame = pl.DataFrame(
        [
            {
                "log_row": line.row,
                "service_date": line.service_date,
                "pinned_release": pinned_on(line.service_date),
                "cpt_code": line.cpt_code,
                **{f"modifier_{i}": (line.modifiers[i - 1] if i <= len(line.modifiers) else "") for i in range(1, 5)},
                "units": line.units,
            }
            for line in usable
        ]
    )
    con.register("log_lines", frame)
    try:
        con.execute(sql.load("logs/log_keys"))
        price_keys(con, "log_credit_keys", policy)
        priced = {r["log_row"]: r for r in fetch_dicts(con, "logs/log_wrvus")}
    finally:
        con.unregister("log_lines")
    for line in usable:
        line.log_wrvu, line.log_rule = priced[line.row]["log_wrvu"], priced[line.row]["log_rule"]


def billed_lines(
    con: duckdb.DuckDBPyConnection, who: str, start: date, end: date, lines: list[LogLine]
) -> list[BilledLine]:
    """WHO's current lines from `start` to `end`, and other clinicians' on the log's dates and patients;
    of WHO's, those a later reversal netted to no units are marked `voided`."""
    visits = pl.DataFrame(
        [(line.service_date, line.patient_key) for line in lines if line.patient_key is not None and not line.invalid],
        schema={"service_date": pl.Date, "patient_key": pl.Int64},
        orient="row",
    )
    con.register("log_visits", visits)
    try:
        rows = fetch_dicts(con, "logs/billed_lines", {"who": who, "first_day": start, "last_day": end})
    finally:
        con.unregister("log_visits")
    billed = [BilledLine(**row) for row in rows]
    _mark_voided([b for b in billed if b.is_who])
    return billed


def _mark_voided(lines: list[BilledLine]) -> None:
    """Per date, code and patient, each reversal (negative units) nets the charges (positive units) of
    its own claim first, then the latest others; a charge with no units left, and a line with no units
    at all, is voided (so a charge voided and billed again on another claim leaves the new one billed)."""
    groups: dict[tuple, list[BilledLine]] = {}
    for line in lines:
        groups.setdefault((line.service_date, line.cpt_code, line.patient_key), []).append(line)
    for group in groups.values():
        left = {id(line): line.units for line in group if line.units > 0}
        for line in group:
            line.voided = line.units <= 0
        for reversal in sorted((line for line in group if line.units < 0), key=_billed_order):
            to_net = -reversal.units
            charges = sorted(
                (line for line in group if left.get(id(line), 0) > 0),
                key=lambda line: (line.claim_id == reversal.claim_id, _billed_order(line)),
                reverse=True,
            )
            for charge in charges:
                netted = min(to_net, left[id(charge)])
                left[id(charge)] -= netted
                to_net -= netted
                charge.voided = left[id(charge)] == 0
                if not to_net:
                    break


def _billed_order(line: BilledLine) -> tuple:
    return (line.service_date, line.transaction_id, line.version_id, line.npi)


def _same_visit(log: LogLine, line: BilledLine) -> bool:
    """Same date; same patient and visit where the log gives them."""
    return (
        line.service_date == log.service_date
        and (log.patient_key is None or line.patient_key == log.patient_key)
        and (not log.encounter_id or not line.encounter_id or line.encounter_id == log.encounter_id)
    )


def _exact(log: LogLine, line: BilledLine) -> bool:
    return line.is_who and not line.voided and line.cpt_code == log.cpt_code and _same_visit(log, line)


def _voided(log: LogLine, line: BilledLine) -> bool:
    return line.is_who and line.voided and line.units > 0 and line.cpt_code == log.cpt_code and _same_visit(log, line)


def _other_code(log: LogLine, line: BilledLine) -> bool:
    return (
        line.is_who
        and not line.voided
        and line.cpt_code != log.cpt_code
        and code_family(line.cpt_code) == code_family(log.cpt_code)
        and _same_visit(log, line)
    )


def _other_npi(same_code: bool) -> Callable[[LogLine, BilledLine], bool]:
    def matches(log: LogLine, line: BilledLine) -> bool:
        return (
            not line.is_who
            and line.units > 0
            and log.patient_key is not None
            and line.patient_key == log.patient_key
            and line.service_date == log.service_date
            and (
                line.cpt_code == log.cpt_code if same_code else code_family(line.cpt_code) == code_family(log.cpt_code)
            )
        )

    return matches


# the passes of the matching, in order of preference: (status, whether a billed line fits a log line)
MATCH_PASSES: tuple[tuple[str, Callable[[LogLine, BilledLine], bool]], ...] = (
    ("matched", _exact),
    ("voided", _voided),
    ("coded_differently", _other_code),
    ("attributed_to_other", _other_npi(same_code=True)),
    ("attributed_to_other", _other_npi(same_code=False)),
)


def match(lines: list[LogLine], billed: list[BilledLine]) -> list[BilledLine]:
    """Give each usable log line its status and billed line (module docstring); the WHO lines no log line
    took, in date order (`not_in_log`)."""
    by_date: dict[date, list[BilledLine]] = {}
    for line in sorted(billed, key=_billed_order):
        by_date.setdefault(line.service_date, []).append(line)
    pending = sorted(
        (line for line in lines if not line.status), key=lambda line: (line.service_date, line.cpt_code, line.row)
    )
    for status, fits in MATCH_PASSES:
        for log in pending:
            if log.status:
                continue
            found = next((b for b in by_date.get(log.service_date, ()) if not b.taken and fits(log, b)), None)
            if found is not None:
                found.taken = True
                log.billed = found
                log.status = "held" if status == "matched" and found.is_uncredited else status
    for log in pending:
        log.status = log.status or "missing"
    return [b for b in sorted(billed, key=_billed_order) if b.is_who and not b.taken and not b.voided and b.units > 0]


def log_rows(lines: list[LogLine], not_in_log: list[BilledLine]) -> list[dict]:
    """The rows of log_reconciliation.csv: every log row in file order, then the lines not in the log.
    No patient id or key."""
    rows = []
    for log in sorted(lines, key=lambda line: line.row):
        billed = log.billed
        credited = None  # what WHO is credited for the log line: a voided line nets to nothing
        if log.log_wrvu is not None:
            kept = billed is not None and billed.is_who and log.status != "voided"
            credited = four_places(billed.credited_wrvu if kept else ZERO)
        rows.append(
            {
                "log_row": log.row,
                "service_date": log.service_date,
                "cpt_code": log.cpt_code,
                "modifiers": " ".join(log.modifiers),
                "units": log.units,
                "status": log.status,
                "log_wrvu": log.log_wrvu,
                "credited_wrvu": credited,
                "wrvu_difference": credited - log.log_wrvu
                if credited is not None and log.log_wrvu is not None
                else None,
                "billed_npi": billed.npi if billed else "",
                "billed_code": billed.cpt_code if billed else "",
                "billed_transaction_id": billed.transaction_id if billed else "",
                "billed_claim_id": billed.claim_id if billed else "",
                "reason": reason(log),
            }
        )
    for billed in not_in_log:
        rows.append(
            {
                "log_row": None,
                "service_date": billed.service_date,
                "cpt_code": billed.cpt_code,
                "modifiers": billed.modifiers,
                "units": billed.units,
                "status": "not_in_log",
                "log_wrvu": None,
                "credited_wrvu": billed.credited_wrvu,
                "wrvu_difference": billed.credited_wrvu,
                "billed_npi": billed.npi,
                "billed_code": billed.cpt_code,
                "billed_transaction_id": billed.transaction_id,
                "billed_claim_id": billed.claim_id,
                "reason": "",
            }
        )
    return rows


def reason(log: LogLine) -> str:
    """Why a log row is what it is, where its status alone does not say: the field of an invalid row, the
    rule of a held line, what a matched line differs in, why the log's line implies no wRVUs."""
    billed, said = log.billed, []
    if log.invalid:
        return log.invalid
    if log.status == "held":
        said.append(billed.rule)
    if log.status == "matched" and billed.units != log.units:
        said.append(f"billed {billed.units} units, logged {log.units}")
    if log.status == "matched" and set(billed.modifiers.split()) != set(log.modifiers):
        said.append(f"billed modifiers {billed.modifiers or 'none'}, logged {' '.join(log.modifiers) or 'none'}")
    if log.log_wrvu == 0 and log.log_rule and log.status != "held":
        said.append(f"wrvu credits {log.cpt_code} nothing on {log.service_date} ({log.log_rule})")
    return "; ".join(said)


def status_totals(rows: list[dict]) -> list[tuple[str, int, Decimal, Decimal]]:
    """Per status with rows, in STATUSES order: lines, the wRVUs the log implies, the wRVUs credited."""
    totals = []
    for status in STATUSES:
        mine = [r for r in rows if r["status"] == status]
        if mine:
            totals.append(
                (
                    status,
                    len(mine),
                    sum((r["log_wrvu"] or ZERO for r in mine), ZERO),
                    sum((r["credited_wrvu"] or ZERO for r in mine), ZERO),
                )
            )
    return totals


def pin_of(roster: pl.DataFrame, plans: dict[str, Plan], who: str) -> Callable[[date], str]:
    """The release WHO's plan pins on a date ('' for none, or when WHO is on no roster row that day)."""
    rows = roster.filter((pl.col("npi") == who) | (pl.col("employee_id") == who)).iter_rows(named=True)
    spans = [(r["effective_from"], r["effective_to"], plans[r["plan_id"]].pinned_release or "") for r in rows]

    def pinned_on(day: date) -> str:
        return next((pin for start, end, pin in spans if start <= day and (end is None or day <= end)), "")

    return pinned_on


@dataclass(frozen=True)
class LogOutcome:
    who: str
    start: date
    end: date
    out_file: Path
    totals: list[tuple[str, int, Decimal, Decimal]]
    log_wrvu: Decimal  # what the log's usable lines in the window imply
    credited_wrvu: Decimal  # what WHO's lines in the window are credited

    def lines(self) -> list[str]:
        width = max(len(status) for status, *_ in self.totals)
        return [
            f"{self.who}, {self.start} to {self.end}: lines, wRVUs the log implies, wRVUs credited",
            *(f"  {s:<{width}} {n:>6} {cents(log):>12} {cents(cr):>12}" for s, n, log, cr in self.totals),
            f"The log implies {cents(self.log_wrvu)} wRVUs (priced by wrvu on each date); {self.who} is credited "
            f"{cents(self.credited_wrvu)} for the window ({cents(self.credited_wrvu - self.log_wrvu):+}).",
            f"  {self.out_file}",
        ]


def reconcile_log(
    workspace: Workspace,
    who: str,
    log_path: Path,
    column_map: ColumnMap,
    key: bytes,
    start: date | None,
    end: date | None,
    today: date,
) -> LogOutcome:
    """Read the log, match it against the warehouse (read-only) and write
    out/logs/WHO-FROM-TO/log_reconciliation.csv (replaced at each run)."""
    lines = read_log(log_path, column_map, key)
    dated = [line.service_date for line in lines if not line.invalid and line.service_date <= today]
    if not dated:
        raise InputError(log_path, None, None, "no usable row: nothing to reconcile")
    start, end = start or min(dated), end or max(dated)
    if start > end:
        raise WrvuError(f"--from {start} is after --to {end}: no date of service is in that window")
    for line in lines:
        if not line.invalid and line.service_date > today:
            line.invalid, line.status = f"service_date: {line.service_date} is after today", "invalid"
    for line in lines:
        if not line.invalid and not start <= line.service_date <= end:
            line.status = "outside_window"
    inputs_plans = load_plans(workspace.config / "plans.yaml")
    roster = load_roster(workspace.config / "roster.csv", set(inputs_plans))
    policy = load_crediting_policy(workspace.config / "crediting.yaml")
    in_window = [line for line in lines if not line.status]
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        refuse_stale_warehouse(con, workspace, roster, "reconcile-log")
        billed = billed_lines(con, who, start, end, in_window)
        known = roster.filter((pl.col("npi") == who) | (pl.col("employee_id") == who)).height
        if not known and not any(b.is_who for b in billed):
            raise WrvuError(f"{who!r} is no NPI or employee id of the roster, and has no lines from {start} to {end}")
        price_log(con, policy, in_window, pin_of(roster, inputs_plans, who))
    not_in_log = match(in_window, billed)
    rows = log_rows(lines, not_in_log)
    out_dir = workspace.out / "logs" / f"{safe_name(who)}-{start}-{end}"
    write_atomically(out_dir, {"log_reconciliation.csv": csv_bytes(LOG_RECONCILIATION_COLUMNS, rows)}, replace=True)
    return LogOutcome(
        who,
        start,
        end,
        out_dir / "log_reconciliation.csv",
        status_totals(rows),
        sum((line.log_wrvu for line in in_window if line.log_wrvu is not None), ZERO),
        sum((b.credited_wrvu for b in billed if b.is_who), ZERO),
    )


def safe_name(who: str) -> str:
    """WHO as a folder name: letters, digits, '-' and '_' kept, anything else '_'."""
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in who)
