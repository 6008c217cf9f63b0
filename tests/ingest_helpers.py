"""Ingesting in-process without Prefect: the flow's stages called in order, for fast tests."""

import csv
import shutil
from datetime import date
from pathlib import Path

from wrvu.flows.ingest import patient_key
from wrvu.schemas.crediting import load_crediting_policy
from wrvu.transforms import warehouse
from wrvu.transforms.ingest import discover_extracts, merge_run, stage_extract

CANONICAL_HEADER = [
    "transaction_id",
    "claim_id",
    "rendering_npi",
    "service_date",
    "post_date",
    "cpt_code",
    "modifier_1",
    "modifier_2",
    "units",
    "patient_id",
]
NPI_A, NPI_B = "1234567893", "1987654328"
TODAY = date(2026, 11, 23)


def write_extract(path: Path, rows: list[list], header: list[str] = CANONICAL_HEADER, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding=encoding) as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def ingest(
    workspace,
    paths: list[Path] | None = None,
    map_name: str | None = None,
    run_id: str = "test-run",
    reprocess: bool = False,
) -> dict:
    with warehouse.connect(workspace.warehouse) as con:
        extracts, skipped = discover_extracts(con, workspace, paths, map_name, reprocess)
    staging = workspace.root / ".wrvu" / "staging" / run_id
    staging.mkdir(parents=True, exist_ok=True)
    key = patient_key(workspace)
    staged = [stage_extract(workspace, e, i, staging, TODAY, key) for i, e in enumerate(extracts, start=1)]
    policy = load_crediting_policy(workspace.config / "crediting.yaml")
    with warehouse.connect(workspace.warehouse) as con:
        summary = merge_run(con, workspace, run_id, staged, policy)
    shutil.rmtree(staging)
    summary["skipped"] = skipped
    return summary


def query(workspace, statement: str, params: dict | None = None) -> list[tuple]:
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        return con.execute(statement, params or {}).fetchall()
