"""The errors a user can act on. The CLI prints them on one line and exits 2 (3 for an alert)."""

from pathlib import Path


class WrvuError(Exception):
    """Bad usage, bad configuration or an unusable input: exit status 2, nothing written."""

    exit_code = 2


class InputError(WrvuError):
    """A problem located in an input file: names the file, the line (or row) and the field."""

    def __init__(self, path: str | Path, line: int | None, field: str | None, reason: str):
        self.path, self.line, self.field, self.reason = str(path), line, field, reason
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {field}: {reason}" if field else f"{where}: {reason}")


class BusyError(WrvuError):
    """Another wrvu process holds the warehouse or the workspace lock."""


class QuarantineAlert(WrvuError):
    """The run merged, but too many rows of a file were quarantined: exit status 3. Carries the run's
    summary, which the command still prints."""

    exit_code = 3

    def __init__(self, message: str, summary: dict):
        super().__init__(message)
        self.summary = summary
