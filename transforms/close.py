"""Period close: compute the figures and the files payroll receives (reconciliation, variance, lines,
quarantine, manifest), then record the close and write out/PERIOD/ (or a provisional pace report).
The figures are in close_figures.py, the money asked of payroll in close_payments.py, the files in
close_files.py, periods in periods.py."""

import shutil
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb

from wrvu import sql
from wrvu.schemas.benchmarks import load_benchmarks
from wrvu.schemas.crediting import CreditingPolicy
from wrvu.schemas.em_reference import load_em_reference
from wrvu.schemas.payroll_paid import load_payroll_paid
from wrvu.schemas.plans import load_plans
from wrvu.schemas.quality_scores import load_quality_scores
from wrvu.schemas.roster import in_force_between, load_roster
from wrvu.schemas.workspace import Workspace
from wrvu.transforms.close_build import CloseBuild, CloseReport, CloseSummary, Revision
from wrvu.transforms.close_documents import document_files, summary_items
from wrvu.transforms.close_figures import (
    RECONCILIATION_COLUMNS,
    VARIANCE_COLUMNS,
    CloseInputs,
    MonthTotals,
    RecordedFigures,
    reconciliation_frame,
    reconciliation_rows,
    spans_by_employee,
    variance_rows,
    with_wrvu_ytd_as_of_dos,
)
from wrvu.transforms.close_files import (
    PROVISIONAL_FOLDER,
    QUARANTINE_COLUMNS,
    csv_bytes,
    lines_file,
    manifest_bytes,
    manifest_with_documents,
    provisional_files,
    report_config_sha256,
    write_atomically,
)
from wrvu.transforms.close_payments import (
    asked_before,
    flag_prior_unrecorded,
    money_moves,
    payment_frame,
    refuse_moving_money_twice,
    unrecorded_payments,
)
from wrvu.transforms.compensation import ZERO, plan_year_start
from wrvu.transforms.crediting import repriced_months
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.periods import Period, month_range
from wrvu.transforms.report_figures import clinician_figures, trend_months
from wrvu.transforms.repricing import as_of_dos_months, month_totals
from wrvu.transforms.schedule import list_releases, loaded_release
from wrvu.transforms.source_rvus import source_rvu_files
from wrvu.transforms.warehouse import fetch_dicts, fetch_frame


def load_close_inputs(workspace: Workspace) -> CloseInputs:
    config = workspace.config
    plans = load_plans(config / "plans.yaml")
    roster = load_roster(config / "roster.csv", set(plans))
    return CloseInputs(
        plans=plans,
        roster=roster,
        payroll=load_payroll_paid(config / "payroll_paid.csv"),
        benchmarks=load_benchmarks(config / "benchmarks.csv"),
        em_reference=load_em_reference(config / "em_reference.csv"),
        quality_scores=load_quality_scores(config / "quality_scores.csv", set(roster["employee_id"])),
        config=config,
    )


def recorded_figures(con: duckdb.DuckDBPyConnection, period: Period) -> dict[tuple[str, str], RecordedFigures]:
    """What the latest recorded close before `period` wrote for each employee and plan."""
    rows = fetch_dicts(con, "close/recorded_figures", {"period_start": period.start})
    return {
        (r["employee_id"], r["plan_id"]): RecordedFigures(
            r["period_end"], r["wrvu_ytd"], r["earned_ytd"], r["final_settled_on"]
        )
        for r in rows
    }


def build_close(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    period: Period,
    inputs: CloseInputs,
    policy: CreditingPolicy,
    accept_unrecorded: bool = False,
    statements: bool = True,
    reprice_on: str | None = None,
) -> CloseBuild:
    """Compute every file of the close from the warehouse (whose roster the caller has refreshed).
    The period's lines are read once into `close_period_lines`, which commit_close snapshots."""
    refuse_period_across_plan_years(period, inputs)
    months_params = {"first_month": period.first_month, "last_month": period.last_month}
    con.execute(sql.load("close/period_lines_table"), months_params)
    months = MonthTotals.of(month_totals(con, "claim_lines_current", period))
    reconciliation, earlier = flag_prior_unrecorded(
        period,
        reconciliation_rows(period, inputs, months, recorded_figures(con, period)),
        unrecorded_payments(con, inputs.payroll, inputs.plans, period),
    )
    if not accept_unrecorded:
        refuse_moving_money_twice(period, reconciliation, earlier)
    restatements = {
        r["employee_id"]: r for r in fetch_dicts(con, "close/restatements", {"first_month": period.first_month})
    }
    held = {r["npi"]: r["lines"] for r in fetch_dicts(con, "close/held_lines")}
    variance = variance_rows(period, reconciliation, inputs, months, restatements, held)
    variance = with_wrvu_ytd_as_of_dos(
        period,
        variance,
        reconciliation,
        as_of_dos_months(con, policy, inputs.roster, inputs.plans, period, reconciliation),
    )
    lines = fetch_frame(con, "close/period_lines")
    quarantine = fetch_dicts(con, "close/period_quarantine", {"start": period.start, "end": period.end})
    releases = fetch_dicts(con, "close/period_releases")
    unassigned = fetch_dicts(con, "close/unassigned_lines")
    lines_name, lines_data = lines_file(lines)
    files = {
        "reconciliation.csv": csv_bytes(RECONCILIATION_COLUMNS, reconciliation),
        "variance.csv": csv_bytes(VARIANCE_COLUMNS, variance),
        lines_name: lines_data,
        "quarantine.csv": csv_bytes(QUARANTINE_COLUMNS, quarantine),
    } | source_rvu_files(con)
    files["manifest.json"] = manifest_bytes(
        workspace,
        period,
        files,
        lines,
        reconciliation,
        sources=fetch_dicts(con, "close/period_sources"),
        releases=releases,
        unassigned=unassigned,
        quarantined=len(quarantine),
    )
    control_total = sum(lines["credited_wrvu"].to_list(), ZERO) if lines.height else ZERO
    summary = CloseSummary(
        lines=lines.height,
        lines_wrvu=control_total,
        reconciliation_wrvu=sum((r.wrvu_period for r in reconciliation), ZERO),
        quarantined_rows=len(quarantine),
        held_lines=sum(held.values()),
        unrostered=tuple(unassigned),
        releases=tuple(r["release"] for r in releases),
    )
    settings = workspace.settings.reports
    clinicians = clinician_figures(
        period,
        reconciliation,
        variance,
        inputs.benchmarks,
        months,
        fetch_dicts(con, "report/code_totals"),
        fetch_dicts(con, "report/uncredited_lines"),
        inputs.em_reference,
        settings,
        spans_by_employee(inputs.roster),
    )
    release = trend_release(con, reprice_on)
    first_month = f"{month_range(period.end, settings.trend_months)[0][0]:%Y-%m}"
    repriced = repriced_months(con, policy, release, first_month, period.last_month) if release else []
    report = CloseReport(
        clinicians,
        trend_months(period.end, settings.trend_months, repriced),
        release,
        settings,
        statements,
        report_config_sha256(workspace),
    )
    return CloseBuild(
        period,
        files,
        control_total,
        reconciliation,
        close_warnings(period, lines.height),
        variance,
        quarantine,
        lines,
        summary,
        report,
    )


def trend_release(con: duckdb.DuckDBPyConnection, reprice_on: str | None) -> str | None:
    """The release the productivity trend is re-priced on: `reprice_on` (loaded), else the newest."""
    if reprice_on is None:
        loaded = [r["release"] for r in list_releases(con)]
        return loaded[-1] if loaded else None
    return loaded_release(con, reprice_on, "--reprice-on")


def refuse_period_across_plan_years(period: Period, inputs: CloseInputs) -> None:
    """The figures of a close are of the plan year its period ends in: a period that starts in the plan
    year before (a calendar year or quarter of a plan whose year starts mid-period) would never settle
    that earlier year's last months."""
    on_roster = inputs.roster.filter(in_force_between(period.start, period.end))
    for plan_id in sorted(set(on_roster["plan_id"])):
        starts = plan_year_start(inputs.plans[plan_id], period.end)
        if starts > period.start:
            raise WrvuError(
                f"{period.label} spans the start of plan {plan_id}'s plan year on {starts}: a close is of one plan "
                "year; close the months (or quarters) on either side of it"
            )


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
    summary: tuple[tuple[str, object], ...] = ()  # the workbook's Summary sheet


def commit_close(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, build: CloseBuild, restate: bool
) -> CloseOutcome:
    """Record the close and write its folder. A closed period is never silently rewritten: the same
    figures again are a no-op; different figures need `restate`, which adds revision N in rev-N/.
    Runs on the connection `build` was computed on (its `close_period_lines`)."""
    label = build.period.label
    latest = fetch_dicts(con, "close/latest_revision", {"period": label})
    latest = latest[0] if latest else None
    if latest and latest["content_sha256"] == build.content_sha256:
        out_dir = Path(latest["out_dir"])
        recorded = revision_of(con, workspace, build, latest["revision"], latest["closed_at"])
        if not out_dir.is_dir():  # recorded, but the folder was lost (crash or deletion): write it again
            write_atomically(out_dir, folder_files(build, recorded))
        return CloseOutcome(
            label, recorded.number, out_dir, "unchanged", build.warnings, summary_items(build, recorded)
        )
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
    new = revision_of(con, workspace, build, revision, datetime.now().replace(microsecond=0))
    files = folder_files(build, new)  # drawn before recording: a failure records nothing
    con.execute("begin transaction")
    try:
        con.execute(
            sql.load("close/insert_close"),
            {
                "period": label,
                "revision": revision,
                "closed_at": new.closed_at,
                "out_dir": str(out_dir),
                "content_sha256": build.content_sha256,
                "control_total_wrvu": build.control_total,
                "manifest": files["manifest.json"].decode(),
            },
        )
        con.execute(sql.load("close/snapshot_lines"), {"close_period": label, "revision": revision})
        con.register("staged_close_payments", payment_frame(new.moves))
        con.execute(
            sql.load("close/insert_payments"), {"period": label, "revision": revision, "period_end": build.period.end}
        )
        con.unregister("staged_close_payments")
        con.register("staged_close_reconciliation", reconciliation_frame(build.reconciliation))
        con.execute(
            sql.load("close/insert_reconciliation"),
            {"period": label, "revision": revision, "period_end": build.period.end},
        )
        con.unregister("staged_close_reconciliation")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    # after the commit: a crash before the rename leaves a recorded close whose folder the next
    # `wrvu close` of the period writes again (same content), never a folder without a record
    write_atomically(out_dir, files)
    action = "restated" if revision > 1 else "closed"
    return CloseOutcome(label, revision, out_dir, action, build.warnings, summary_items(build, new))


def revision_of(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, build: CloseBuild, number: int, closed_at: datetime
) -> Revision:
    """Revision `number` of the build's period: the money it moves is what earlier revisions did not."""
    moves = money_moves(build.reconciliation, asked_before(con, build.period, number))
    return Revision(number, closed_at, moves, workspace.settings.payroll.earning_codes)


def folder_files(build: CloseBuild, revision: Revision) -> dict[str, bytes]:
    """The figures' files with the documents of the revision, the manifest listing them all."""
    documents = document_files(build, revision)
    manifest = manifest_with_documents(
        build.files["manifest.json"], documents, revision.number, revision.closed_at, build.report.config_sha256
    )
    return build.files | documents | {"manifest.json": manifest}


def write_provisional(workspace: Workspace, build: CloseBuild, today: date) -> CloseOutcome:
    """The pace report of an open period in out/PERIOD/provisional/, replaced each time, never recorded:
    its documents but the payroll file, which nobody must pay from."""
    pace = Revision(None, datetime.now().replace(microsecond=0), [], workspace.settings.payroll.earning_codes)
    files = provisional_files(folder_files(build, pace), today)
    out_dir = workspace.out / build.period.label / PROVISIONAL_FOLDER
    write_atomically(out_dir, files, replace=True)
    return CloseOutcome(build.period.label, 0, out_dir, "provisional", build.warnings, summary_items(build, pace))
