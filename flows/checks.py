"""The checks of `wrvu check`, run first by the ingest and close flows (served runs included): an
error stops the run with its one line, each warning is logged as one progress line."""

from datetime import date
from pathlib import Path

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from wrvu.schemas.workspace import load_workspace
from wrvu.transforms.check import InboxScope, preflight


@task(cache_policy=NO_CACHE, task_run_name="check the workspace before {command}")
def check_first(workspace_root: str, command: str, inbox: InboxScope) -> None:
    logger = get_run_logger()
    for finding in preflight(load_workspace(Path(workspace_root)), command, date.today(), inbox):
        logger.warning("warning: %s: %s", finding.code, finding.message)
