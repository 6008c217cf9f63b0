"""The files of a close, as bytes: reconciliation, variance and quarantine CSVs, the period's lines,
the manifest, their provisional names; and the folder they are written into, all or none."""

import csv
import hashlib
import io
import json
import os
import secrets
import shutil
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import polars as pl

from wrvu.schemas.workspace import Workspace
from wrvu.transforms.close_figures import ReconciliationRow
from wrvu.transforms.compensation import ZERO, cents
from wrvu.transforms.periods import Period
from wrvu.transforms.spreadsheet import safe_frame, safe_text

LINES_PARQUET_ABOVE = 1_000_000
CONFIG_FILES = (
    "plans.yaml",
    "roster.csv",
    "payroll_paid.csv",
    "quality_scores.csv",
    "benchmarks.csv",
    "crediting.yaml",
    "custom_rvus.csv",
)
REPORT_CONFIG_FILES = ("em_reference.csv",)  # read by the documents alone: a change restates nothing
QUARANTINE_COLUMNS = ("source_file", "source_row", "field", "reason")
PROVISIONAL_FOLDER = "provisional"
TWO_DECIMALS = {
    "fte_avg",
    "wrvu_period",
    "wrvu_ytd",
    "threshold_ytd",
    "wrvu_per_encounter",
    "wrvu_prior_period",
    "delta_prior_period",
    "restatement_wrvu",
    "late_charge_wrvu",
    "void_wrvu",
    "denial_wrvu",
    "schedule_change_wrvu",
    "pace_pct_of_threshold",
    "benchmark_p50_ytd",
    "benchmark_percentile",
    "earned_ytd",
    "paid_ytd",
    "opening_balance",
    "true_up",
    "deficit_balance",
    "production_ytd",
    "wrvu_ytd_as_of_dos",
    "alt_wrvu_ytd",
    "wrvu_ytd_difference",
    "alt_earned_ytd",
    "earned_ytd_difference",
    "alt_true_up",
    "true_up_difference",
}


def as_written(column: str, value):
    """A figure as the close's files write it: money and the wRVU figures of TWO_DECIMALS to the cent."""
    return cents(value) if isinstance(value, Decimal) and column in TWO_DECIMALS else value


def cell(column: str, value) -> str:
    value = as_written(column, value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (int, date)):
        return str(value)
    return safe_text(str(value))


def csv_bytes(columns: tuple[str, ...], rows: Sequence) -> bytes:
    """A CSV of `columns`, taken from each row's fields (a typed row) or keys (a dict, blank if absent)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        if isinstance(row, Mapping):
            writer.writerow([cell(c, row.get(c)) for c in columns])
        else:
            writer.writerow([cell(c, getattr(row, c)) for c in columns])
    return out.getvalue().encode("utf-8")


def lines_file(lines: pl.DataFrame) -> tuple[str, bytes]:
    """lines.csv, or lines.parquet above a million lines; text a spreadsheet would run, made safe."""
    lines = safe_frame(lines)
    out = io.BytesIO()
    if lines.height > LINES_PARQUET_ABOVE:
        lines.write_parquet(out)
        return "lines.parquet", out.getvalue()
    lines.write_csv(out, date_format="%Y-%m-%d")
    return "lines.csv", out.getvalue()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(
    workspace: Workspace,
    period: Period,
    files: dict[str, bytes],
    lines: pl.DataFrame,
    reconciliation: list[ReconciliationRow],
    sources: list[dict],
    releases: list[dict],
    unassigned: list[dict],
    quarantined: int,
) -> bytes:
    """What the close was computed from and its control totals; no timestamps, so an unchanged close
    is byte-for-byte identical."""
    lines_total = sum(lines["credited_wrvu"].to_list(), ZERO) if lines.height else ZERO
    reconciliation_total = sum((r.wrvu_period for r in reconciliation), ZERO)
    config = config_sha256(workspace, CONFIG_FILES)
    manifest = {
        "period": period.label,
        "period_start": str(period.start),
        "period_end": str(period.end),
        "software": {"wrvu": version("wrvu")},
        "input_files": [{"path": s["source_file"], "sha256": s["source_sha256"], "lines": s["lines"]} for s in sources],
        "fee_schedule_releases": [
            {"release": r["release"], "source": r["source_name"], "sha256": r["source_sha256"]} for r in releases
        ],
        "config_sha256": config | {"wrvu.yaml": sha256_of((workspace.root / "wrvu.yaml").read_bytes())},
        "row_counts": {"lines": lines.height, "reconciliation": len(reconciliation), "quarantine": quarantined},
        "control_totals": {
            "lines_credited_wrvu": str(lines_total),
            "reconciliation_wrvu_period": str(reconciliation_total),
            "balanced": lines_total == reconciliation_total,
        },
        "unassigned_lines": [{"npi": u["npi"], "lines": u["lines"], "wrvu": str(u["wrvu"])} for u in unassigned],
        "files_sha256": {name: sha256_of(data) for name, data in sorted(files.items())},
    }
    return (json.dumps(manifest, indent=2) + "\n").encode("utf-8")


def config_sha256(workspace: Workspace, names: tuple[str, ...]) -> dict[str, str]:
    """The sha256 of each of these config files that exists."""
    return {
        name: sha256_of((workspace.config / name).read_bytes()) for name in names if (workspace.config / name).is_file()
    }


def report_config_sha256(workspace: Workspace) -> dict[str, str]:
    return config_sha256(workspace, REPORT_CONFIG_FILES)


def manifest_with_documents(
    manifest: bytes, documents: dict[str, bytes], revision: int | None, closed_at: datetime, report_config: dict
) -> bytes:
    """The manifest of the figures with the revision, when it was closed, the config only the documents
    read and every document's sha256 added (the figures' manifest alone decides whether a close changed)."""
    data = json.loads(manifest)
    data["close_revision"] = revision
    data["closed_at"] = closed_at.isoformat(sep=" ")
    data["report_config_sha256"] = report_config
    data["files_sha256"] = dict(
        sorted((data["files_sha256"] | {n: sha256_of(d) for n, d in documents.items()}).items())
    )
    return (json.dumps(data, indent=2) + "\n").encode("utf-8")


def provisional_files(files: dict[str, bytes], today: date) -> dict[str, bytes]:
    """A mid-period pace report of a close's `files`: every file named `NAME.provisional.EXT`, and the
    manifest saying it is provisional and as of when, so that nobody pays from it by mistake."""
    manifest = json.loads(files["manifest.json"])
    manifest["files_sha256"] = {provisional_name(name): digest for name, digest in manifest["files_sha256"].items()}
    manifest = {"provisional": True, "as_of": str(today), **manifest}
    files = {**files, "manifest.json": (json.dumps(manifest, indent=2) + "\n").encode("utf-8")}
    return {provisional_name(name): data for name, data in files.items()}


def provisional_name(name: str) -> str:
    stem, suffix = name.split(".", 1)
    return f"{stem}.provisional.{suffix}"


def write_atomically(out_dir: Path, files: dict[str, bytes], replace: bool = False) -> None:
    """All files or none: written owner-only into a temporary sibling folder, then renamed into place
    (with `replace`, over the folder there, which is moved aside first and then removed)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.parent.glob(f".{out_dir.name}.*.partial"):  # a killed close's; closes run one at a time
        shutil.rmtree(stale)
    temporary = out_dir.parent / f".{out_dir.name}.{secrets.token_hex(4)}.partial"
    temporary.mkdir(mode=0o700)
    for name, data in files.items():
        (temporary / name).parent.mkdir(mode=0o700, exist_ok=True)  # statements/
        fd = os.open(temporary / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    if replace and out_dir.exists():
        os.rename(out_dir, temporary.with_suffix(".old.partial"))  # cleared as stale by the next write
    os.rename(temporary, out_dir)
    shutil.rmtree(temporary.with_suffix(".old.partial"), ignore_errors=True)
