"""The nightly flow: discover new extracts -> read, map and validate each -> merge the run into the
warehouse (duplicates, corrections, crediting, quarantine) -> refresh aggregates -> report."""

import secrets
import shutil
from datetime import date, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE

from wrvu.flows.checks import check_first
from wrvu.schemas.crediting import load_crediting_policy
from wrvu.schemas.workspace import Workspace, load_workspace
from wrvu.transforms import warehouse
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.ingest import Extract, StagedExtract, discover_extracts, merge_run, quarantine_alert, stage_extract

IO_RETRIES = 2
IO_RETRY_DELAY_SECONDS = 5


def retry_on_os_error(_task, _task_run, state) -> bool:
    """Retry what the disk or a network share may fix; a bad file stays bad."""
    try:
        state.result()
    except OSError:
        return True
    except BaseException:
        return False
    return False


io_task = task(
    retries=IO_RETRIES,
    retry_delay_seconds=IO_RETRY_DELAY_SECONDS,
    retry_condition_fn=retry_on_os_error,
    cache_policy=NO_CACHE,
)


def new_run_id() -> str:
    return f"{datetime.now():%Y%m%dT%H%M%S}-{secrets.token_hex(2)}"


def patient_key(workspace: Workspace) -> bytes:
    if not workspace.patient_key.is_file():
        raise WrvuError(f"{workspace.patient_key}: the patient-hash key is missing; `wrvu init` creates it")
    return bytes.fromhex(workspace.patient_key.read_text().strip())


@io_task(task_run_name="discover extracts")
def discover(
    workspace_root: str, paths: list[str] | None, map_name: str | None, reprocess: bool
) -> tuple[list[Extract], list[str]]:
    workspace = load_workspace(Path(workspace_root))
    with warehouse.connect(workspace.warehouse) as con:
        return discover_extracts(con, workspace, [Path(p) for p in paths] if paths else None, map_name, reprocess)


@io_task(task_run_name="stage {extract.path}")
def stage(workspace_root: str, extract: Extract, file_seq: int, staging_dir: str) -> StagedExtract:
    workspace = load_workspace(Path(workspace_root))
    return stage_extract(workspace, extract, file_seq, Path(staging_dir), date.today(), patient_key(workspace))


@io_task(task_run_name="merge run {run_id}")
def merge(workspace_root: str, run_id: str, staged: list[StagedExtract]) -> dict:
    workspace = load_workspace(Path(workspace_root))
    policy = load_crediting_policy(workspace.config / "crediting.yaml")
    with warehouse.connect(workspace.warehouse) as con:
        return merge_run(con, workspace, run_id, staged, policy)


def run_name() -> str:
    return f"nightly-ingest-{datetime.now():%Y-%m-%d-%H%M%S}"


@flow(name="nightly_ingest", flow_run_name=run_name, log_prints=False)
def nightly_ingest(
    workspace_root: str, paths: list[str] | None = None, map_name: str | None = None, reprocess: bool = False
) -> dict:
    """Ingest every new extract of the workspace inbox (or `paths`) into the warehouse; `reprocess`
    reads `paths`, ingested before, again. Fails with a QuarantineAlert, after the merge, when a file
    has more than alerts.quarantine_pct % of its rows quarantined."""
    logger = get_run_logger()
    workspace = load_workspace(Path(workspace_root))
    run_id = new_run_id()
    with warehouse.run_lock(workspace.root, "ingest"):
        staging_root = workspace.root / ".wrvu" / "staging"
        shutil.rmtree(staging_root, ignore_errors=True)  # what a killed run left: no other run is under way
        staging_dir = staging_root / run_id
        staging_dir.mkdir(parents=True)
        try:
            extracts, skipped = discover(workspace_root, paths, map_name, reprocess)  # refuses bad paths first
            check_first(workspace_root, "ingest", "none" if paths else "names")
            for note in skipped:
                logger.info("skipped %s", note)
            logger.info("run %s: %d extract(s) to read", run_id, len(extracts))
            staged = []
            for file_seq, extract in enumerate(extracts, start=1):
                staged.append(stage(workspace_root, extract, file_seq, str(staging_dir)))
                logger.info(
                    "%s: %d rows read, %d quarantined (map: %s)",
                    extract.path,
                    staged[-1].rows_read,
                    staged[-1].rows_quarantined,
                    extract.column_map or "canonical",
                )
            summary = merge(workspace_root, run_id, staged)
        finally:
            shutil.rmtree(staging_dir, ignore_errors=True)
    summary["skipped"] = skipped
    for f in summary["files"]:
        logger.info(
            "%s: read %d = accepted %d + quarantined %d + duplicate %d; superseded %d; wRVUs %s",
            f["source_file"],
            f["rows_read"],
            f["rows_accepted"],
            f["rows_quarantined"],
            f["rows_duplicate"],
            f["rows_superseded"],
            f["wrvu_added"],
        )
    create_markdown_artifact(markdown=summary_markdown(summary), key="nightly-ingest", description=f"run {run_id}")
    # raised in the flow, the alert ends its run Failed with the reason; the merge stays
    if alert := quarantine_alert(summary, workspace.settings.alerts.quarantine_pct):
        raise alert
    return summary


def summary_markdown(summary: dict) -> str:
    lines = [
        f"# Nightly ingest {summary['run_id']}",
        "",
        "| file | read | accepted | quarantined | duplicate | superseded | wRVUs added |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for f in summary["files"]:
        lines.append(
            f"| {Path(f['source_file']).name} | {f['rows_read']} | {f['rows_accepted']} | {f['rows_quarantined']} "
            f"| {f['rows_duplicate']} | {f['rows_superseded']} | {f['wrvu_added']} |"
        )
    if not summary["files"]:
        lines.append("| (no new extracts) | | | | | | |")
    if summary["held"]:
        lines += [
            "",
            "Held lines (credited 0 until a schedule row prices them): "
            + ", ".join(f"{reason} {count}" for reason, count in summary["held"].items()),
        ]
    if summary["recredited_all"]:
        lines += [
            "",
            f"The fee schedule, crediting policy or custom RVUs changed: {summary['lines_credited']} lines re-credited.",
        ]
    lines += [f"- skipped {note}" for note in summary["skipped"]]
    return "\n".join(lines)


def serve_nightly(workspace: Workspace, pause_on_shutdown: bool = True) -> None:
    """Serve the nightly ingest on the workspace's cron until interrupted, one run at a time (a run
    still going at the next cron time: the next waits for it)."""
    from prefect.schedules import Cron

    schedule = workspace.settings.serve
    nightly_ingest.serve(
        name=f"wrvu-nightly-{workspace.root.name}",
        schedules=[Cron(schedule.cron, timezone=schedule.timezone)] if schedule.timezone else [Cron(schedule.cron)],
        parameters={"workspace_root": str(workspace.root)},
        description=f"Nightly claim ingest of the wrvu workspace {workspace.root}",
        # not global_limit: its lease, kept in the server's memory, is lost when the server restarts,
        # and the run whose lease renewal then fails is crashed
        limit=1,
        pause_on_shutdown=pause_on_shutdown,
    )
