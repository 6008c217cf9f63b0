"""Period close: compute the figures and the files payroll receives (reconciliation, variance, lines,
quarantine, manifest), then record the close and write out/PERIOD/ (or a provisional pace report).
The figures are in close_figures.py, the money asked of payroll in close_payments.py, the files in
close_files.py, periods in periods.py."""

import hashlib
import shutil
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb

from wrvu import sql
from wrvu.schemas.benchmarks import load_benchmarks
from wrvu.schemas.payroll_paid import load_payroll_paid
from wrvu.schemas.plans import load_plans
from wrvu.schemas.roster import load_roster
from wrvu.schemas.workspace import Workspace
from wrvu.transforms.close_figures import (
    RECONCILIATION_COLUMNS,
    VARIANCE_COLUMNS,
    CloseInputs,
    MonthTotals,
    ReconciliationRow,
    reconciliation_rows,
    variance_rows,
)
from wrvu.transforms.close_files import (
    PROVISIONAL_FOLDER,
    QUARANTINE_COLUMNS,
    csv_bytes,
    lines_file,
    lines_frame,
    manifest_bytes,
    provisional_files,
    sha256_of,
    write_atomically,
)
from wrvu.transforms.close_payments import (
    flag_prior_unrecorded,
    payment_frame,
    refuse_moving_money_twice,
    unrecorded_payments,
)
from wrvu.transforms.compensation import ZERO
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.periods import Period
from wrvu.transforms.warehouse import fetch_dicts, fetch_frame


def load_close_inputs(workspace: Workspace) -> CloseInputs:
    config = workspace.config
    plans = load_plans(config / "plans.yaml")
    return CloseInputs(
        plans=plans,
        roster=load_roster(config / "roster.csv", set(plans)),
        payroll=load_payroll_paid(config / "payroll_paid.csv"),
        benchmarks=load_benchmarks(config / "benchmarks.csv"),
    )


@dataclass(frozen=True)
class CloseBuild:
    period: Period
    files: dict[str, bytes]
    control_total: Decimal
    reconciliation: list[ReconciliationRow]
    warnings: tuple[str, ...]

    @property
    def content_sha256(self) -> str:
        digest = hashlib.sha256()
        for name, data in sorted(self.files.items()):
            digest.update(name.encode() + b"\0" + sha256_of(data).encode())
        return digest.hexdigest()


def build_close(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    period: Period,
    inputs: CloseInputs,
    accept_unrecorded: bool = False,
) -> CloseBuild:
    """Compute every file of the close from the warehouse (whose roster the caller has refreshed).
    The period's lines are read once into `close_period_lines`, which commit_close snapshots."""
    months_params = {"first_month": period.first_month, "last_month": period.last_month}
    con.execute(sql.load("close/period_lines_table"), months_params)
    months = MonthTotals.of(fetch_frame(con, "close/employee_month_totals", months_params))
    reconciliation, earlier = flag_prior_unrecorded(
        period,
        reconciliation_rows(period, inputs, months),
        unrecorded_payments(con, inputs.payroll, inputs.plans, period),
    )
    if not accept_unrecorded:
        refuse_moving_money_twice(period, reconciliation, earlier)
    restatements = {
        r["employee_id"]: r for r in fetch_dicts(con, "close/restatements", {"first_month": period.first_month})
    }
    held = {r["npi"]: r["lines"] for r in fetch_dicts(con, "close/held_lines")}
    variance = variance_rows(period, reconciliation, inputs, months, restatements, held)
    lines = lines_frame(con)
    quarantine = fetch_dicts(con, "close/period_quarantine", {"start": period.start, "end": period.end})
    lines_name, lines_data = lines_file(lines)
    files = {
        "reconciliation.csv": csv_bytes(RECONCILIATION_COLUMNS, reconciliation),
        "variance.csv": csv_bytes(VARIANCE_COLUMNS, variance),
        lines_name: lines_data,
        "quarantine.csv": csv_bytes(QUARANTINE_COLUMNS, quarantine),
    }
    files["manifest.json"] = manifest_bytes(
        workspace,
        period,
        files,
        lines,
        reconciliation,
        sources=fetch_dicts(con, "close/period_sources"),
        releases=fetch_dicts(con, "close/period_releases"),
        unassigned=fetch_dicts(con, "close/unassigned_lines"),
        quarantined=len(quarantine),
    )
    control_total = sum(lines["credited_wrvu"].to_list(), ZERO) if lines.height else ZERO
    return CloseBuild(period, files, control_total, reconciliation, close_warnings(period, lines.height))


def close_warnings(period: Period, line_count: int) -> tuple[str, ...]:
    """What a close must say on screen beyond the checks run before it (`unrostered_npi` names the
    lines paid to nobody): a period without lines."""
    if not line_count:
        return (f"{period.label}: no credited lines in the period; are its extracts ingested?",)
    return ()


def refuse_wrong_timing(period: Period, today: date, provisional: bool) -> None:
    """A close pays on the period's figures, which change until its last day is over; a provisional
    pace report is for a period not over yet."""
    if provisional and period.end < today:
        raise WrvuError(f"{period.label} has ended: close it without --provisional")
    if not provisional and period.end >= today:
        raise WrvuError(
            f"{period.label} ends on {period.end}, today or later: its figures will still change; close it from "
            f"{period.end + timedelta(days=1)} on, or pass --provisional for a pace report in out/{period.label}/provisional/"
        )


@dataclass(frozen=True)
class CloseOutcome:
    period: str
    revision: int
    out_dir: Path
    action: str  # closed | restated | unchanged | provisional
    warnings: tuple[str, ...] = ()


def commit_close(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, build: CloseBuild, restate: bool
) -> CloseOutcome:
    """Record the close and write its folder. A closed period is never silently rewritten: the same
    content again is a no-op; different content needs `restate`, which adds revision N in rev-N/.
    Runs on the connection `build` was computed on (its `close_period_lines`)."""
    label = build.period.label
    latest = fetch_dicts(con, "close/latest_revision", {"period": label})
    latest = latest[0] if latest else None
    if latest and latest["content_sha256"] == build.content_sha256:
        out_dir = Path(latest["out_dir"])
        if not out_dir.is_dir():  # recorded, but the folder was lost (crash or deletion): write it again
            write_atomically(out_dir, build.files)
        return CloseOutcome(label, latest["revision"], out_dir, "unchanged", build.warnings)
    if latest and not restate:
        raise WrvuError(
            f"{label} was closed (revision {latest['revision']}, {latest['out_dir']}) and its inputs have changed "
            "since; pass --restate to write a new revision (the earlier one is kept)"
        )
    revision = latest["revision"] + 1 if latest else 1
    period_dir = workspace.out / label
    out_dir = period_dir if revision == 1 else period_dir / f"rev-{revision}"
    if out_dir.exists() and {p.name for p in out_dir.iterdir()} <= {PROVISIONAL_FOLDER}:
        shutil.rmtree(out_dir)  # the pace reports of the period, now that it is over and closed
    if out_dir.exists():
        raise WrvuError(f"{out_dir}: exists but no close of {label} revision {revision} is recorded; move it aside")
    con.execute("begin transaction")
    try:
        con.execute(
            sql.load("close/insert_close"),
            {
                "period": label,
                "revision": revision,
                "out_dir": str(out_dir),
                "content_sha256": build.content_sha256,
                "control_total_wrvu": build.control_total,
                "manifest": build.files["manifest.json"].decode(),
            },
        )
        con.execute(sql.load("close/snapshot_lines"), {"close_period": label, "revision": revision})
        con.register("staged_close_payments", payment_frame(build.reconciliation))
        con.execute(
            sql.load("close/insert_payments"), {"period": label, "revision": revision, "period_end": build.period.end}
        )
        con.unregister("staged_close_payments")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    # after the commit: a crash before the rename leaves a recorded close whose folder the next
    # `wrvu close` of the period writes again (same content), never a folder without a record
    write_atomically(out_dir, build.files)
    return CloseOutcome(label, revision, out_dir, "restated" if revision > 1 else "closed", build.warnings)


def write_provisional(workspace: Workspace, build: CloseBuild, today: date) -> CloseOutcome:
    """The pace report of an open period in out/PERIOD/provisional/, replaced each time, never recorded."""
    out_dir = workspace.out / build.period.label / PROVISIONAL_FOLDER
    write_atomically(out_dir, provisional_files(build.files, today), replace=True)
    return CloseOutcome(build.period.label, 0, out_dir, "provisional", build.warnings)
