"""The documents of a close, drawn from its figures once its revision is known: payroll.csv (what
payroll imports), close.xlsx (the workbook for finance), statements/EMPLOYEE_ID.pdf and .html (one per
clinician) and productivity.html with its CSVs (the practice report)."""

import re
from datetime import datetime
from decimal import Decimal

from wrvu.schemas.workspace import EarningCodes
from wrvu.transforms.close_build import CloseBuild
from wrvu.transforms.close_figures import RECONCILIATION_COLUMNS, VARIANCE_COLUMNS
from wrvu.transforms.close_files import QUARANTINE_COLUMNS, csv_bytes
from wrvu.transforms.close_payments import PAYROLL_COLUMNS, payroll_rows
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


def document_files(
    build: CloseBuild, revision: int | None, closed_at: datetime, earning_codes: EarningCodes
) -> dict[str, bytes]:
    """Every document of the close; `revision` None for a provisional pace report (no payroll file)."""
    payroll = payroll_of(build, revision, earning_codes)
    files = {}
    if revision is not None:
        files["payroll.csv"] = csv_bytes(PAYROLL_COLUMNS, payroll)
    files["close.xlsx"] = workbook_bytes(
        summary_items(build, revision, closed_at, payroll), sheets(build, payroll), closed_at
    )
    files |= productivity_files(build, revision, closed_at)
    if build.report.statements:
        files |= statement_files(build, revision, closed_at)
    return files


def payroll_of(build: CloseBuild, revision: int | None, earning_codes: EarningCodes) -> list[dict]:
    """payroll.csv's rows; none for a provisional pace report."""
    return payroll_rows(build.period, build.reconciliation, revision, earning_codes) if revision is not None else []


def summary_items(
    build: CloseBuild, revision: int | None, closed_at: datetime, payroll: list[dict]
) -> list[tuple[str, object]]:
    """The Summary sheet, and the close's Prefect artifact: what finance checks first."""
    summary = build.summary
    to_pay = sum((p["amount"] for p in payroll if p["amount"] > 0), Decimal(0))
    to_recover = sum((p["amount"] for p in payroll if p["amount"] < 0), Decimal(0))
    held = sum((r.true_up for r in build.reconciliation if r.action == "hold"), Decimal(0))
    return [
        ("Period", build.period.label),
        ("Period start", build.period.start),
        ("Period end", build.period.end),
        ("Close revision", revision if revision is not None else "provisional: not a close"),
        ("Closed at" if revision is not None else "As of", closed_at),
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
    ]


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
    """Values in column order from typed rows (their fields) or dicts (their keys)."""
    if rows and isinstance(rows[0], dict):
        return [tuple(row.get(c) for c in columns) for row in rows]
    return [tuple(getattr(row, c) for c in columns) for row in rows]


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
    for figures in build.report.clinicians:
        rows = rows_of_employee[figures.employee_id]
        document = statement_document(build.period, figures, rows, variance[figures.employee_id], revision, closed_at)
        stem = f"{STATEMENTS_FOLDER}/{file_stem(figures.employee_id)}"
        files[f"{stem}.pdf"] = pdf_bytes(document)
        files[f"{stem}.html"] = html_bytes(document)
    return files


def file_stem(employee_id: str) -> str:
    """The employee id as a file name: anything but letters, digits, `-` and `_` becomes `_`."""
    return re.sub(r"[^A-Za-z0-9_-]", "_", employee_id)
