"""What a close computes before it is recorded: its figures' files (whose fingerprint decides
whether a period changed), the control figures and what the documents are drawn from. Shared by
close.py, which records and writes it, and close_documents.py, which draws the documents."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import polars as pl

from wrvu.schemas.workspace import EarningCodes, ReportSettings
from wrvu.transforms.close_figures import ReconciliationRow, VarianceRow
from wrvu.transforms.close_files import sha256_of
from wrvu.transforms.close_payments import payroll_rows
from wrvu.transforms.periods import Period
from wrvu.transforms.report_figures import ClinicianFigures, TrendMonth


@dataclass(frozen=True)
class CloseSummary:
    """The control figures of a close, for the workbook's Summary sheet and the run's artifact."""

    lines: int
    lines_wrvu: Decimal
    reconciliation_wrvu: Decimal
    quarantined_rows: int
    held_lines: int
    unrostered: tuple[dict, ...]  # npi, lines, wrvu: credited lines of NPIs on no roster row
    releases: tuple[str, ...]

    @property
    def balanced(self) -> bool:
        return self.lines_wrvu == self.reconciliation_wrvu


@dataclass(frozen=True)
class CloseReport:
    """What the statements and the productivity report are drawn from."""

    clinicians: list[ClinicianFigures]
    trend: list[TrendMonth]
    repriced_on: str | None  # the release of the re-priced trend; None with no release loaded
    settings: ReportSettings
    statements: bool  # write clinician statements
    config_sha256: dict[str, str]  # of the config files only the documents read (em_reference.csv)


@dataclass(frozen=True)
class CloseBuild:
    period: Period
    files: dict[str, bytes]
    control_total: Decimal
    reconciliation: list[ReconciliationRow]
    warnings: tuple[str, ...]
    variance: list[VarianceRow]
    quarantine: list[dict]
    lines: pl.DataFrame
    summary: CloseSummary
    report: CloseReport

    @property
    def content_sha256(self) -> str:
        """The figures' fingerprint: same figures, same close. The documents drawn from them (payroll
        file, workbook, statements, report) carry the revision and are not part of it."""
        digest = hashlib.sha256()
        for name, data in sorted(self.files.items()):
            digest.update(name.encode() + b"\0" + sha256_of(data).encode())
        return digest.hexdigest()


@dataclass(frozen=True)
class Revision:
    """The revision a close's documents are drawn for: its number (None for a provisional pace report),
    when it was closed, and the money it moves (row, amount), which payroll.csv lists."""

    number: int | None
    closed_at: datetime
    moves: list[tuple[ReconciliationRow, Decimal]]
    earning_codes: EarningCodes

    def payroll(self, period: Period) -> list[dict]:
        if self.number is None:
            return []
        return payroll_rows(period, self.moves, self.number, self.earning_codes)
