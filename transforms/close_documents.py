"""The documents of a close, drawn from its figures once its revision is known: payroll.csv (what
payroll imports), close.xlsx (the workbook for finance), statements/EMPLOYEE_ID.pdf and .html (one per
clinician) and productivity.html with its CSVs (the practice report)."""

import hashlib
import re
from collections import Counter
from datetime import datetime
from decimal import Decimal

from wrvu.transforms.close_build import CloseBuild, Revision
from wrvu.transforms.close_figures import RECONCILIATION_COLUMNS, VARIANCE_COLUMNS
from wrvu.transforms.close_files import QUARANTINE_COLUMNS, as_written, csv_bytes
from wrvu.transforms.close_payments import PAYROLL_COLUMNS
from wrvu.transforms.compensation import cents
from wrvu.transforms.productivity import (
    EM_MIX_COLUMNS,
    PRODUCTIVITY_COLUMNS,
    TREND_COLUMNS,
    em_mix_rows,
    productivity_document,
    productivity_rows,
    trend_rows,
)
from wrvu.transforms.render_html import html_bytes
from wrvu.transforms.render_pdf import pdf_bytes
from wrvu.transforms.statements import statement_document
from wrvu.transforms.workbook import Sheet, workbook_bytes

LINES_IN_WORKBOOK_UP_TO = 1_000_000
STATEMENTS_FOLDER = "statements"


def document_files(build: CloseBuild, revision: Revision) -> dict[str, bytes]:
    """Every document of the close's revision; a provisional pace report has no payroll file."""
    payroll = revision.payroll(build.period)
    files = {}
    if revision.number is not None:
        files["payroll.csv"] = csv_bytes(PAYROLL_COLUMNS, payroll)
    files["close.xlsx"] = workbook_bytes(summary_items(build, revision), sheets(build, payroll), revision.closed_at)
    files |= productivity_files(build, revision.number, revision.closed_at)
    if build.report.statements:
        files |= statement_files(build, revision.number, revision.closed_at)
    return files


def summary_items(build: CloseBuild, revision: Revision) -> tuple[tuple[str, object], ...]:
    """The Summary sheet, and the close's Prefect artifact: what finance checks first, each figure as
    its file writes it (money to the cent)."""
    summary = build.summary
    payroll = revision.payroll(build.period)
    to_pay = sum((p["amount"] for p in payroll if p["amount"] > 0), Decimal(0))
    to_recover = sum((p["amount"] for p in payroll if p["amount"] < 0), Decimal(0))
    held = sum((cents(r.true_up) for r in build.reconciliation if r.action == "hold"), Decimal(0))
    provisional = revision.number is None
    return (
        ("Period", build.period.label),
        ("Period start", build.period.start),
        ("Period end", build.period.end),
        ("Close revision", "provisional: not a close" if provisional else revision.number),
        ("As of" if provisional else "Closed at", revision.closed_at),
        ("Lines credited in the period", summary.lines),
        ("wRVU total of the lines", summary.lines_wrvu),
        ("wRVU total of the reconciliation", summary.reconciliation_wrvu),
        ("Control totals balance", summary.balanced),
        ("Employees", len({r.employee_id for r in build.reconciliation})),
        ("To pay (amount)", to_pay),
        ("To recover (amount)", to_recover),
        ("Net to payroll (amount)", to_pay + to_recover),
        ("Held until a settle point (amount)", held),
        ("Payroll rows", len(payroll)),
        ("Quarantined rows of the period", summary.quarantined_rows),
        ("Held lines (credited 0, no schedule row)", summary.held_lines),
        ("Unrostered NPIs", len(summary.unrostered)),
        ("Unrostered lines", sum(u["lines"] for u in summary.unrostered)),
        ("Releases used", ", ".join(summary.releases) or "none"),
    )


def sheets(build: CloseBuild, payroll: list[dict]) -> list[Sheet]:
    result = [
        Sheet("Reconciliation", RECONCILIATION_COLUMNS, rows_of(RECONCILIATION_COLUMNS, build.reconciliation)),
        Sheet("Variance", VARIANCE_COLUMNS, rows_of(VARIANCE_COLUMNS, build.variance)),
        Sheet("Payroll", PAYROLL_COLUMNS, rows_of(PAYROLL_COLUMNS, payroll)),
        Sheet("Quarantine", QUARANTINE_COLUMNS, rows_of(QUARANTINE_COLUMNS, build.quarantine)),
    ]
    if build.lines.height <= LINES_IN_WORKBOOK_UP_TO:
        result.append(Sheet("Lines", tuple(build.lines.columns), build.lines.iter_rows()))
    return result


def rows_of(columns: tuple[str, ...], rows: list) -> list[tuple]:
    """Values in column order from typed rows (their fields) or dicts (their keys), as the CSVs write
    them: a workbook's sums tie to the files' to the cent."""
    if rows and isinstance(rows[0], dict):
        return [tuple(as_written(c, row.get(c)) for c in columns) for row in rows]
    return [tuple(as_written(c, getattr(row, c)) for c in columns) for row in rows]


def productivity_files(build: CloseBuild, revision: int | None, closed_at: datetime) -> dict[str, bytes]:
    report = build.report
    document = productivity_document(
        build.period,
        report.clinicians,
        report.trend,
        report.repriced_on,
        report.settings.em_min_visits,
        report.settings.em_flag_levels,
        revision,
        closed_at,
    )
    return {
        "productivity.html": html_bytes(document),
        "productivity.csv": csv_bytes(PRODUCTIVITY_COLUMNS, productivity_rows(report.clinicians)),
        "productivity_em_mix.csv": csv_bytes(EM_MIX_COLUMNS, em_mix_rows(report.clinicians)),
        "productivity_trend.csv": csv_bytes(TREND_COLUMNS, trend_rows(report.trend, report.repriced_on)),
    }


def statement_files(build: CloseBuild, revision: int | None, closed_at: datetime) -> dict[str, bytes]:
    variance = {v.employee_id: v for v in build.variance}
    rows_of_employee: dict[str, list] = {}
    for row in build.reconciliation:
        rows_of_employee.setdefault(row.employee_id, []).append(row)
    files = {}
    stems = file_stems([figures.employee_id for figures in build.report.clinicians])
    for figures in build.report.clinicians:
        rows = rows_of_employee[figures.employee_id]
        document = statement_document(build.period, figures, rows, variance[figures.employee_id], revision, closed_at)
        stem = f"{STATEMENTS_FOLDER}/{stems[figures.employee_id]}"
        files[f"{stem}.pdf"] = pdf_bytes(document)
        files[f"{stem}.html"] = html_bytes(document)
    return files


def file_stems(employee_ids: list[str]) -> dict[str, str]:
    """Each employee id as a file name of its own: the id itself where it is letters, digits, `-` and
    `_` only and no other id differs from it by case alone (a file system may not tell them apart);
    else those characters, the others as `_`, and the first 8 hex digits of the id's sha256."""
    safe = {e: re.sub(r"[^A-Za-z0-9_-]", "_", e) for e in employee_ids}
    folded = Counter(stem.lower() for stem in safe.values())
    return {
        e: stem if stem == e and folded[stem.lower()] == 1 else f"{stem}-{hashlib.sha256(e.encode()).hexdigest()[:8]}"
        for e, stem in safe.items()
    }
