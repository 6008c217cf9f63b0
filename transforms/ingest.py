"""Nightly ingestion: stage each extract (read, map, validate) to Parquet, then merge the whole run
into the warehouse in one transaction (duplicates, corrections, crediting, quarantine, aggregates)."""

import fnmatch
import itertools
import hashlib
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

import sql
from schemas.column_map import CANONICAL_LAYOUT, load_column_map
from schemas.crediting import CreditingPolicy
from schemas.plans import load_plans
from schemas.roster import load_roster
from schemas.workspace import Workspace
from transforms.crediting import credit_lines, load_custom_rvus
from transforms.errors import WrvuError
from transforms.extracts import file_sha256, is_extract, iter_batches, scan_extract
from transforms.roster import store_roster
from transforms.validate import validate_claim_lines
from transforms.warehouse import fetch_dicts


# A batch of a million lines takes about 1.5 GB while validated; Parquet parts in LZ4 are quick to
# write and to read back in the merge.
STAGING_CHUNK_ROWS = 1_000_000
STAGING_COMPRESSION = "lz4"


@dataclass(frozen=True)
class Extract:
    """A file to ingest and how to read it."""

    path: str
    sha256: str
    column_map: str | None  # None = canonical column names


@dataclass(frozen=True)
class StagedExtract:
    """An extract read and validated, its rows waiting in Parquet files for the merge."""

    file_seq: int
    source_file: str
    sha256: str
    column_map: str | None
    started_at: datetime
    rows_read: int
    rows_quarantined: int
    accepted_path: str  # a glob of the Parquet parts
    quarantine_path: str


def column_map_for(workspace: Workspace, path: Path, map_name: str | None) -> str | None:
    """`--map` wins; else the first glob of wrvu.yaml matching the file name; else canonical names."""
    if map_name:
        return map_name
    for pattern, name in workspace.settings.column_maps.items():
        if fnmatch.fnmatch(path.name, pattern):
            return name
    return None


def discover_extracts(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, paths: list[Path] | None, map_name: str | None
) -> tuple[list[Extract], list[str]]:
    """The extracts to ingest (the given paths, else the inbox), and a note for each one skipped
    because its content was ingested before (by sha256) or appears twice."""
    if paths:
        candidates = []
        for path in paths:
            if not path.is_file():
                raise WrvuError(f"{path}: no such file")
            if not is_extract(path):
                raise WrvuError(f"{path}: not a claim extract (expected .csv, .csv.gz or .parquet)")
            candidates.append(path)
    else:
        candidates = sorted(p for p in workspace.inbox.iterdir() if p.is_file() and is_extract(p))
    extracts, skipped, seen = [], [], {}
    for path in candidates:
        digest = file_sha256(path)
        earlier = fetch_dicts(con, "ingest/ingested_sha256", {"sha256": digest})
        if earlier or digest in seen:
            skipped.append(f"{path}: already ingested as {earlier[0]['source_file'] if earlier else seen[digest]} (same sha256)")
            continue
        seen[digest] = str(path)
        extracts.append(Extract(str(path), digest, column_map_for(workspace, path, map_name)))
    return extracts, skipped


def stage_extract(
    workspace: Workspace, extract: Extract, file_seq: int, staging_dir: Path, today: date, patient_key: bytes,
    chunk_rows: int = STAGING_CHUNK_ROWS,
) -> StagedExtract:
    """Read, map and validate one extract in batches (memory stays bounded by a batch); accepted and
    quarantined rows go to Parquet parts in `staging_dir`."""
    started_at = datetime.now()
    path = Path(extract.path)
    column_map = load_column_map(workspace.config, extract.column_map) if extract.column_map else CANONICAL_LAYOUT
    lineage = [
        pl.lit(file_seq, pl.Int32).alias("file_seq"),
        pl.lit(str(path)).alias("source_file"),
        pl.lit(extract.sha256).alias("source_sha256"),
    ]
    rows_read = rows_quarantined = 0
    scan = scan_extract(path, column_map, staging_dir)
    # a file with a header and no rows still stages one (empty) part, so the merge finds its files
    batches = itertools.chain(iter_batches(path, scan, chunk_rows), [scan.head(0).collect()])
    for part, raw in enumerate(batches):
        if part and raw.height == 0:
            break
        validated = validate_claim_lines(raw, date_format=column_map.date_format, today=today, patient_key=patient_key)
        validated.accepted.with_columns(lineage).write_parquet(
            staging_dir / f"{file_seq:04d}.{part:04d}.accepted.parquet", compression=STAGING_COMPRESSION
        )
        _quarantine_with_dates(validated.quarantined, raw, column_map.date_format).with_columns(lineage).write_parquet(
            staging_dir / f"{file_seq:04d}.{part:04d}.quarantine.parquet", compression=STAGING_COMPRESSION
        )
        rows_read += raw.height
        rows_quarantined += validated.quarantined.height
    return StagedExtract(
        file_seq=file_seq,
        source_file=str(path),
        sha256=extract.sha256,
        column_map=extract.column_map,
        started_at=started_at,
        rows_read=rows_read,
        rows_quarantined=rows_quarantined,
        accepted_path=str(staging_dir / f"{file_seq:04d}.*.accepted.parquet"),
        quarantine_path=str(staging_dir / f"{file_seq:04d}.*.quarantine.parquet"),
    )


def _quarantine_with_dates(quarantined: pl.DataFrame, raw: pl.DataFrame, date_format: str | None) -> pl.DataFrame:
    """Quarantined rows with their dates where they parse, so a close can report those of its period."""
    fmt = date_format or "%Y-%m-%d"
    dates = raw.select(
        "source_row",
        *[pl.col(c).str.strip_chars().str.to_date(fmt, strict=False).alias(c) for c in ("service_date", "post_date")],
    )
    return quarantined.join(dates, on="source_row", how="left")


def credit_basis(
    con: duckdb.DuckDBPyConnection, policy: CreditingPolicy, custom_rvus: Path, roster: pl.DataFrame,
    plan_pins: pl.DataFrame,
) -> str:
    """A fingerprint of everything a credit depends on besides the line: loaded releases and their
    intervals, the policy, the custom RVUs, and which clinicians' plans pin a release. When it
    changes, every current line is credited again."""
    releases = [tuple(r.values()) for r in fetch_dicts(con, "ingest/credit_basis_releases")]
    custom = custom_rvus.read_bytes() if custom_rvus.is_file() else b""
    pinned = roster.join(plan_pins, on="plan_id").select("npi", "effective_from", "effective_to", "release").sort("npi", "effective_from")
    digest = hashlib.sha256(repr(releases).encode() + policy.model_dump_json().encode() + custom + pinned.write_csv().encode())
    return digest.hexdigest()


def merge_run(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    run_id: str,
    staged: list[StagedExtract],
    policy: CreditingPolicy,
) -> dict:
    """Apply a staged run to the warehouse in one transaction; returns the run's accounting."""
    custom_rvus = workspace.config / "custom_rvus.csv"
    plans = load_plans(workspace.config / "plans.yaml")
    roster = load_roster(workspace.config / "roster.csv", set(plans))
    plan_pins = pl.DataFrame(
        [(plan_id, plan.pinned_release) for plan_id, plan in plans.items() if plan.pinned_release],
        schema={"plan_id": pl.String, "release": pl.String}, orient="row",
    )
    con.execute("begin transaction")
    try:
        _set_setting(con, "period_basis", workspace.settings.period_basis)
        load_custom_rvus(con, custom_rvus)
        store_roster(con, roster)
        con.register("staged_plan_pins", plan_pins)
        basis = credit_basis(con, policy, custom_rvus, roster, plan_pins)
        previous_basis = _get_setting(con, "credit_basis")
        recredit_all = previous_basis is not None and previous_basis != basis
        params = {"run_id": run_id}
        if staged:
            con.execute(sql.load("ingest/sequence_run_lines"), {"accepted_files": [s.accepted_path for s in staged]})
            con.execute(sql.load("ingest/retire_superseded_versions"), params)
            con.execute(sql.load("ingest/insert_new_versions"), params)
            con.execute(sql.load("ingest/insert_quarantine"), {**params, "quarantine_files": [s.quarantine_path for s in staged]})
        con.execute(sql.load("ingest/lines_to_credit"), {**params, "recredit_all": recredit_all})
        credit_lines(con, "lines_to_credit", policy, "run_credits")
        con.execute(sql.load("ingest/delete_recredited"))
        con.execute(sql.load("ingest/insert_credits"))
        recredited = fetch_dicts(con, "ingest/count_credited")[0]["lines"]
        files = []
        if staged:
            con.register("staged_files", pl.DataFrame([asdict(s) for s in staged]))
            con.execute(sql.load("ingest/insert_ingest_files"), params)
            con.unregister("staged_files")
            files = fetch_dicts(con, "ingest/run_files", params)
        held = dict(con.execute(sql.load("ingest/held_lines")).fetchall())
        con.execute(sql.load("ingest/refresh_provider_period"))
        _set_setting(con, "credit_basis", basis)
        con.execute("commit")
        con.unregister("staged_plan_pins")
    except BaseException:
        con.execute("rollback")
        raise
    return {"run_id": run_id, "files": files, "recredited_all": recredit_all, "lines_credited": recredited, "held": held}


def _set_setting(con: duckdb.DuckDBPyConnection, name: str, value: str) -> None:
    con.execute(sql.load("ingest/set_setting"), {"name": name, "value": value})


def _get_setting(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    rows = fetch_dicts(con, "ingest/get_setting", {"name": name})
    return rows[0]["value"] if rows else None
