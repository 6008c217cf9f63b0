"""`wrvu schedule load`: read and validate every file first, then store them in the warehouse."""

from datetime import date
from pathlib import Path

from wrvu.schemas.crediting import load_crediting_policy
from wrvu.schemas.workspace import Workspace
from wrvu.transforms import warehouse
from wrvu.transforms.errors import InputError, WrvuError
from wrvu.transforms.pprrvu import (
    PPRRVU_SUFFIXES,
    effective_from_of_release,
    parse_schedule,
    read_schedule_file,
    release_from_name,
)
from wrvu.transforms.schedule import held_lines_note, store_release


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given; a folder stands for the PPRRVU files and CMS zip bundles inside it."""
    files = []
    for path in paths:
        if path.is_dir():
            found = sorted(
                p
                for p in path.rglob("*")
                if p.is_file()
                and (
                    p.suffix.lower() == ".zip"
                    or (p.name.upper().startswith("PPRRVU") and p.suffix.lower() in PPRRVU_SUFFIXES)
                )
            )
            if not found:
                raise InputError(path, None, None, "no PPRRVU file or CMS zip bundle in this folder")
            files.extend(found)
        else:
            files.append(path)
    return files


def load_schedule_files(
    workspace: Workspace,
    paths: list[Path],
    release: str | None = None,
    effective_from: date | None = None,
    replace: bool = False,
) -> list[str]:
    """Load PPRRVU files; nothing is stored unless every file parses. Returns one line per file, then
    how many held lines the stored releases can price."""
    files = expand_paths(paths)
    if release and len(files) > 1:
        raise WrvuError("--release names one release: give one file with it")
    staged = []
    for path in files:
        source = read_schedule_file(path)
        release_id = (release or release_from_name(path) or "").upper()
        if not release_id:
            raise WrvuError(f"{path}: cannot tell the release from the name; pass --release (e.g. RVU24A)")
        start = effective_from or effective_from_of_release(release_id)
        if start is None:
            raise WrvuError(f"{path}: cannot tell when {release_id} takes effect; pass --effective-from YYYY-MM-DD")
        staged.append((source, parse_schedule(source), release_id, start))
    lines, stored = [], []
    with warehouse.connect(workspace.warehouse) as con:
        for source, parsed, release_id, start in staged:
            outcome = store_release(con, source, parsed, release_id, start, replace)
            lines.append(outcome.describe(source.display_name))
            if outcome.action != "unchanged":
                stored.append(release_id)
        if note := held_lines_note(con, stored, load_crediting_policy(workspace.config / "crediting.yaml")):
            lines.append(note)
    return lines
