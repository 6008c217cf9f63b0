"""`wrvu status`: the workspace on one screen, read-only: its releases, the last ingest, the last
close of each period, and what `wrvu check` finds."""

from datetime import date
from pathlib import Path

from wrvu.schemas.workspace import Workspace
from wrvu.transforms import warehouse
from wrvu.transforms.check import check_workspace
from wrvu.transforms.schedule import list_releases


def status_lines(workspace: Workspace, today: date) -> list[str]:
    lines = [f"workspace    {workspace.root}"]
    if workspace.warehouse.exists():
        with warehouse.connect(workspace.warehouse, read_only=True) as con:
            releases = list_releases(con)
            files = warehouse.fetch_dicts(con, "status/last_ingest")
            held = warehouse.fetch_dicts(con, "ingest/held_lines")
            closes = warehouse.fetch_dicts(con, "status/last_closes")
        lines += _releases(releases) + _ingest(files, held) + _closes(closes)
    else:
        lines.append("warehouse    none yet: `wrvu schedule load` or `wrvu ingest` creates it")
    report = check_workspace(workspace, today)
    lines.append(f"check        {report.lines()[-1]}")
    lines += [f"             {finding.line()}" for finding in report.findings]
    return lines


def _releases(releases: list[dict]) -> list[str]:
    if not releases:
        return ["releases     none loaded: `wrvu schedule load`"]
    return [
        f"{'releases' if i == 0 else '':<12} {r['release']:<8} {r['effective_from']} to {r['effective_to'] or 'open'}"
        for i, r in enumerate(releases)
    ]


def _ingest(files: list[dict], held: list[dict]) -> list[str]:
    if not files:
        return ["last ingest  none yet"]
    lines = [f"last ingest  {files[0]['finished_at']:%Y-%m-%d %H:%M} (run {files[0]['run_id']}), {len(files)} file(s)"]
    lines += [
        f"             {Path(f['source_file']).name}: read {f['rows_read']}, accepted {f['rows_accepted']}, "
        f"quarantined {f['rows_quarantined']}, duplicate {f['rows_duplicate']}"
        for f in files
    ]
    if held:
        lines.append("             held lines (credited 0): " + ", ".join(f"{h['reason']} {h['lines']}" for h in held))
    return lines


def _closes(closes: list[dict]) -> list[str]:
    if not closes:
        return ["closes       none yet"]
    return [
        f"{'closes' if i == 0 else '':<12} {c['period']:<8} revision {c['revision']}, {c['closed_at']:%Y-%m-%d %H:%M}, {c['out_dir']}"
        for i, c in enumerate(closes)
    ]
