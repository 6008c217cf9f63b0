"""The period close flow: check the workspace -> apply the config (roster, crediting) -> compute the
close -> record it and write out/PERIOD/."""

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from wrvu.flows.checks import check_first
from wrvu.schemas.crediting import load_crediting_policy
from wrvu.schemas.workspace import load_workspace
from wrvu.transforms import warehouse
from wrvu.transforms.close import (
    CloseOutcome,
    build_close,
    commit_close,
    load_close_inputs,
    refuse_wrong_timing,
    write_provisional,
)
from wrvu.transforms.ingest import apply_config
from wrvu.transforms.periods import parse_period


@task(cache_policy=NO_CACHE, task_run_name="close {period_label}")
def close_period(
    workspace_root: str,
    period_label: str,
    restate: bool,
    provisional: bool,
    today: date,
    accept_unrecorded: bool = False,
    statements: bool = True,
    reprice_on: str | None = None,
) -> CloseOutcome:
    workspace = load_workspace(Path(workspace_root))
    period = parse_period(period_label)
    inputs = load_close_inputs(workspace)
    policy = load_crediting_policy(workspace.config / "crediting.yaml")
    with warehouse.connect(workspace.warehouse) as con:
        # the config as it is now (roster, and what changes a credit or a period) applied first, as an
        # ingest would, so that a config change since the last ingest never mixes with its credits
        applied = apply_config(con, workspace, policy)
        # a pace report moves no money: an unrecorded earlier payment is flagged there, never refused
        build = build_close(
            con, workspace, period, inputs, policy, accept_unrecorded or provisional, statements, reprice_on
        )
        outcome = (
            write_provisional(workspace, build, today) if provisional else commit_close(con, workspace, build, restate)
        )
    redraw = ()
    if outcome.action == "unchanged" and (not statements or reprice_on):
        redraw = (
            f"{period_label} is closed: its documents are those drawn at its close, so --no-statements and "
            f"--reprice-on change nothing; to draw them again, move {outcome.out_dir} aside and close again",
        )
    return replace(outcome, warnings=config_applied_notes(applied) + outcome.warnings + redraw)


def config_applied_notes(applied: dict) -> tuple[str, ...]:
    if applied["recredited_all"]:
        lines = applied["lines_credited"]
        return (
            f"the crediting config changed since the last ingest: {lines} line{'s' * (lines != 1)} credited "
            "again before this close",
        )
    return ()


def run_name() -> str:
    return f"period-close-{datetime.now():%Y-%m-%d-%H%M%S}"


@flow(name="period_close", flow_run_name=run_name)
def period_close(
    workspace_root: str,
    period: str,
    restate: bool = False,
    provisional: bool = False,
    accept_unrecorded: bool = False,
    statements: bool = True,
    reprice_on: str | None = None,
) -> CloseOutcome:
    """Close PERIOD (YYYY-MM, YYYY-Qn or YYYY) and write its files for payroll, finance, clinicians and
    the practice; with `provisional`, a pace report of a period not yet over, recorded nowhere."""
    logger = get_run_logger()
    today = date.today()
    refuse_wrong_timing(parse_period(period), today, provisional)
    with warehouse.run_lock(Path(workspace_root), "close"):
        check_first(workspace_root, "close", "none")
        outcome = close_period(
            workspace_root, period, restate, provisional, today, accept_unrecorded, statements, reprice_on
        )
    for warning in outcome.warnings:
        logger.warning("warning: %s", warning)
    message = {
        "closed": f"{outcome.period} closed: {outcome.out_dir}",
        "restated": f"{outcome.period} restated as revision {outcome.revision}: {outcome.out_dir}",
        "unchanged": f"{outcome.period} unchanged since its close (revision {outcome.revision}): {outcome.out_dir}",
        "provisional": f"{outcome.period} is not over: provisional pace report, not a close: {outcome.out_dir}",
    }[outcome.action]
    logger.info(message)
    create_table_artifact(
        table=[{"item": item, "value": str(value)} for item, value in outcome.summary],
        key="period-close",
        description=f"# Close {outcome.period}\n\n{message}",
    )
    return outcome
