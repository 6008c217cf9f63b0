"""Where a command's log lines go.

Prefect logs every state change, and a failed flow's traceback, to the console. A payroll operator
needs the opposite: stderr holds the one line of a refusal, stdout wrvu's own progress. So a flow
command sends every log line (Prefect's, the flows', Python warnings) to its own file under
`WORKSPACE/.wrvu/logs/` (they also reach the Prefect API, as before), and the console shows only
the lines the flows of `flows/` log themselves. `--verbose` gives Prefect its console back.
"""

import logging
import os
import sys
import tempfile
from datetime import datetime
from pathlib import Path

LOG_FOLDER = Path(".wrvu") / "logs"
KEEP_LOG_FILES = 400  # a year of nightly ingests and their closes; older files are removed
FLOWS_FOLDER = str(Path(__file__).parent) + os.sep
LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"

_log_path: Path | None = None
_added: list[logging.Handler] = []


class WrvuProgress(logging.Filter):
    """The progress lines wrvu's flows log themselves, not Prefect's engine lines about them."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.pathname.startswith(FLOWS_FOLDER) and record.levelno >= logging.INFO


def route_logs(workspace_root: Path | None, command: str, verbose: bool = False) -> Path:
    """Send every log line to a new file of this run, and only wrvu's progress to stdout (with
    `verbose`, Prefect's console handler stays). Call it after Prefect is imported: importing
    Prefect configures logging afresh."""
    global _log_path
    _remove_handlers_added()  # by an earlier command of this process (tests run many)
    path = _new_log_file(workspace_root, command)
    to_file = logging.FileHandler(path, encoding="utf-8")
    to_file.setFormatter(logging.Formatter(LOG_FORMAT))
    _added.append(to_file)
    for logger in _configured_loggers():
        if not verbose:
            for handler in list(logger.handlers):
                if isinstance(handler, logging.StreamHandler) and not isinstance(handler, logging.FileHandler):
                    logger.removeHandler(handler)
        if logger is logging.root or not logger.propagate:
            logger.addHandler(to_file)
    if not verbose:
        progress = logging.StreamHandler(sys.stdout)
        progress.addFilter(WrvuProgress())
        progress.setFormatter(logging.Formatter("%(message)s"))
        logging.root.addHandler(progress)
        _added.append(progress)
    logging.captureWarnings(True)  # a library's DeprecationWarning is for the log, not the operator
    _log_path = path
    return path


def log_traceback(message: str) -> Path:
    """Write the exception being handled, with its traceback, to this run's log file (a new one in
    the temporary folder when the command failed before it knew its workspace); returns the file."""
    path = _log_path or _new_log_file(None, "failed")
    with path.open("a", encoding="utf-8") as log:
        handler = logging.StreamHandler(log)
        handler.setFormatter(logging.Formatter(LOG_FORMAT))
        logger = logging.getLogger("wrvu.failure")
        logger.addHandler(handler)
        logger.propagate = False
        try:
            logger.exception(message)
        finally:
            logger.removeHandler(handler)
    return path


def _remove_handlers_added() -> None:
    for logger in _configured_loggers():
        for handler in _added:
            logger.removeHandler(handler)
    for handler in _added:
        handler.close()
    _added.clear()


def _configured_loggers() -> list[logging.Logger]:
    named = (logging.getLogger(name) for name in list(logging.root.manager.loggerDict))
    return [logging.root, *(logger for logger in named if isinstance(logger, logging.Logger) and logger.handlers)]


def _new_log_file(workspace_root: Path | None, command: str) -> Path:
    folder = workspace_root / LOG_FOLDER if workspace_root else Path(tempfile.gettempdir()) / "wrvu-logs"
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("*.log"))[:-KEEP_LOG_FILES]:
        old.unlink(missing_ok=True)
    return folder / f"{datetime.now():%Y%m%dT%H%M%S}-{command}-{os.getpid()}.log"
