"""Nightly ingestion: stage each extract (read, map, validate) to Parquet, then merge the whole run
into the warehouse in one transaction (duplicates, corrections, crediting, quarantine, aggregates)."""

import fnmatch
import hashlib
import itertools
from dataclasses import asdict, dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pyarrow.parquet as pq

from wrvu import sql
from wrvu.schemas.column_map import CANONICAL_COLUMNS, CANONICAL_LAYOUT, ColumnMap, load_column_map
from wrvu.schemas.crediting import CreditingPolicy, load_crediting_policy
from wrvu.schemas.plans import load_plans
from wrvu.schemas.roster import load_roster
from wrvu.schemas.workspace import Workspace
from wrvu.transforms import warehouse
from wrvu.transforms.crediting import load_custom_rvus, price_new_keys, rank_multiple_procedures, reprice_keys
from wrvu.transforms.errors import QuarantineAlert, WrvuError
from wrvu.transforms.extracts import (
    NotUtf8,
    RaggedRows,
    file_sha256,
    is_extract,
    is_x12_file,
    iter_batches,
    scan_extract,
)
from wrvu.transforms.roster import store_roster
from wrvu.transforms.validate import PatientKeys, validate_claim_lines
from wrvu.transforms.warehouse import fetch_dicts, fetch_frame
from wrvu.transforms.x12 import X12_REPLACING, X12_VOID, X12Fault, read_837p, x12_fault_rows

# A batch of a million lines takes about 1.5 GB while validated; Parquet parts in LZ4 are quick to
# write and to read back in the merge.
STAGING_CHUNK_ROWS = 1_000_000
STAGING_COMPRESSION = "lz4"
STAGING_DICTIONARY_COLUMNS = (
    "rendering_npi",
    "cpt_code",
    "modifier_1",
    "modifier_2",
    "modifier_3",
    "modifier_4",
    "place_of_service",
    "field",
    "reason",
)


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
    last_row: int = 0  # the highest source_row: the file's version ids are its offset + source_row
    claims_path: str | None = None  # an 837P's replacement and void claims (implied_voids.sql)


def column_map_for(workspace: Workspace, path: Path, map_name: str | None) -> str | None:
    """`--map` wins; else the first glob of wrvu.yaml matching the file name; else canonical names."""
    if map_name:
        return map_name
    for pattern, name in workspace.settings.column_maps.items():
        if fnmatch.fnmatch(path.name, pattern):
            return name
    return None


def discover_extracts(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    paths: list[Path] | None,
    map_name: str | None,
    reprocess: bool = False,
) -> tuple[list[Extract], list[str]]:
    """The extracts to ingest (the given paths, else the inbox), and a note for each one skipped
    because its content was ingested before (by sha256) or appears twice. `reprocess` reads the given
    paths, each ingested before, again."""
    if reprocess and not paths:
        raise WrvuError("--reprocess reads files ingested before again: name them (wrvu ingest --reprocess PATH...)")
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
        if reprocess and not earlier:
            raise WrvuError(f"{path}: never ingested (no run read this content): ingest it without --reprocess")
        if (earlier and not reprocess) or digest in seen:
            skipped.append(f"{path}: already ingested as {seen.get(digest) or earlier[0]['source_file']} (same sha256)")
            continue
        seen[digest] = str(path)
        extracts.append(Extract(str(path), digest, column_map_for(workspace, path, map_name)))
    return extracts, skipped


def stage_extract(
    workspace: Workspace,
    extract: Extract,
    file_seq: int,
    staging_dir: Path,
    today: date,
    patient_key: bytes,
    chunk_rows: int = STAGING_CHUNK_ROWS,
) -> StagedExtract:
    """Read, map and validate one extract in batches (memory stays bounded by a batch); accepted and
    quarantined rows go to Parquet parts in `staging_dir`."""
    started_at = datetime.now()
    path = Path(extract.path)
    column_map = load_column_map(workspace.config, extract.column_map) if extract.column_map else CANONICAL_LAYOUT
    # read again, from the start, as Latin-1 or quarantining rows with extra fields, where the first
    # reading finds that it must (each is found once: the loop ends)
    reading = {"latin1": False, "ragged": False}
    while True:
        try:
            counts = _stage_parts(
                path, extract.sha256, column_map, file_seq, staging_dir, today, patient_key, chunk_rows, **reading
            )
            break
        except (NotUtf8, RaggedRows) as again:
            way = "latin1" if isinstance(again, NotUtf8) else "ragged"
            if reading[way]:  # read that way already: reading it again would never end
                raise
            reading[way] = True
            for part in staging_dir.glob(f"{file_seq:04d}.*.parquet"):
                part.unlink()
    return StagedExtract(
        file_seq=file_seq,
        source_file=str(path),
        sha256=extract.sha256,
        column_map=extract.column_map,
        started_at=started_at,
        rows_read=counts[0],
        rows_quarantined=counts[1],
        last_row=counts[2],
        accepted_path=str(staging_dir / f"{file_seq:04d}.*.accepted.parquet"),
        quarantine_path=str(staging_dir / f"{file_seq:04d}.*.quarantine.parquet"),
        claims_path=str(claims) if (claims := claims_file(staging_dir, file_seq)).is_file() else None,
    )


def _stage_parts(
    path: Path,
    sha256: str,
    column_map: ColumnMap,
    file_seq: int,
    staging_dir: Path,
    today: date,
    patient_key: bytes,
    chunk_rows: int,
    latin1: bool,
    ragged: bool,
) -> tuple[int, int, int]:
    """Write the Parquet parts of one extract; returns (rows read, rows quarantined, the last row's number:
    a CSV's rows are numbered from 2, an 837P's by their segments)."""
    rows_read = rows_quarantined = last_row = 0
    patients = PatientKeys(patient_key)
    if is_x12_file(path):
        batches, date_format, faults, claims = _x12_batch(path)
    else:
        work_dir = staging_dir / f"{file_seq:04d}.work"  # a gunzipped or transcoded copy of the extract
        work_dir.mkdir(exist_ok=True)
        scan = scan_extract(path, column_map, work_dir, latin1, ragged)
        # a file with a header and no rows still stages one (empty) part, so the merge finds its files
        batches = itertools.chain(iter_batches(path, scan, chunk_rows, ragged), [scan.head(0).collect()])
        date_format, faults, claims = column_map.date_format, [], None
    for part, raw in enumerate(batches):
        if part and raw.height == 0:
            break
        validated = validate_claim_lines(
            raw, date_format=date_format, today=today, patients=patients, status_words=column_map.status_words
        )
        quarantined = pl.concat([x12_fault_rows(faults), validated.quarantined], how="vertical_relaxed")
        faults = []  # staged with the first part
        name = f"{file_seq:04d}.{part:04d}"
        _write_part(
            validated.accepted.with_columns(pl.lit(file_seq, pl.Int32).alias("file_seq")),
            staging_dir / f"{name}.accepted.parquet",
        )
        _write_part(
            quarantined.with_columns(pl.lit(str(path)).alias("source_file"), pl.lit(sha256).alias("source_sha256")),
            staging_dir / f"{name}.quarantine.parquet",
        )
        rows_read += raw.height + quarantined.height - validated.quarantined.height
        rows_quarantined += quarantined.height
        last_row = max(last_row, raw["source_row"].max() or 0, quarantined["source_row"].max() or 0)
        if claims is not None:  # the replacing claims that keep a line: a claim wholly quarantined changes nothing
            kept = claims.join(validated.accepted.select("claim_id").unique(), on="claim_id", how="semi")
            _write_part(
                kept.with_columns(pl.lit(file_seq, pl.Int32).alias("file_seq")), claims_file(staging_dir, file_seq)
            )
    return rows_read, rows_quarantined, last_row


def claims_file(staging_dir: Path, file_seq: int) -> Path:
    return staging_dir / f"{file_seq:04d}.claims.parquet"


def _x12_batch(path: Path) -> tuple[list[pl.DataFrame], str | None, list[X12Fault], pl.DataFrame]:
    """An 837P's service lines as one batch of canonical text columns (a void claim's lines with no
    units: the void supersedes each line it repeats), the faults of the claims it quarantines, and its
    replacement and void claims with their first line's row."""
    read = read_837p(path)
    lines = read.lines.with_columns(
        pl.when(pl.col("claim_frequency") == X12_VOID).then(pl.lit("0")).otherwise(pl.col("units")).alias("units")
    )
    claims = (
        read.lines.filter(pl.col("claim_frequency").is_in(X12_REPLACING))
        .group_by("claim_id", "claim_frequency")
        .agg(pl.col("source_row").min())
    )
    batch = lines.select(*[c for c in lines.columns if c in CANONICAL_COLUMNS], "source_row")
    return [batch], None, read.faults, claims


def _write_part(frame: pl.DataFrame, path: Path) -> None:
    """A staged part, written by pyarrow straight from polars' buffers (twice as fast as polars' own
    writer here), dictionary-encoding only the columns of few distinct values."""
    table = frame.to_arrow(compat_level=pl.CompatLevel.newest())
    dictionary = [c for c in STAGING_DICTIONARY_COLUMNS if c in frame.columns]
    pq.write_table(table, path, compression=STAGING_COMPRESSION, use_dictionary=dictionary)


def credit_basis(
    con: duckdb.DuckDBPyConnection,
    policy: CreditingPolicy,
    custom_rvus: Path,
    roster: pl.DataFrame,
    plan_pins: pl.DataFrame,
) -> str:
    """A fingerprint of everything a credit depends on besides the line: loaded releases and their
    intervals, the policy, the custom RVUs, and which clinicians' plans pin a release. When it
    changes, every current line is credited again."""
    releases = [tuple(r.values()) for r in fetch_dicts(con, "ingest/credit_basis_releases")]
    custom = custom_rvus.read_bytes() if custom_rvus.is_file() else b""
    pinned = (
        roster.join(plan_pins, on="plan_id")
        .select("npi", "effective_from", "effective_to", "release")
        .sort("npi", "effective_from")
    )
    # the line policy acts where a line's credit is read (claim_lines_current), not on its key
    policy_json = policy.model_dump_json(exclude={"denied_claims", "attribution"})
    digest = hashlib.sha256(repr(releases).encode() + policy_json.encode() + custom + pinned.write_csv().encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class CreditingConfig:
    """The config files besides the policy that change a line's credit: custom RVUs, and the roster
    with its plans' pinned releases."""

    custom_rvus: Path
    roster: pl.DataFrame
    plan_pins: pl.DataFrame

    @classmethod
    def of(cls, workspace: Workspace) -> "CreditingConfig":
        plans = load_plans(workspace.config / "plans.yaml")
        plan_pins = pl.DataFrame(
            [(plan_id, plan.pinned_release) for plan_id, plan in plans.items() if plan.pinned_release],
            schema={"plan_id": pl.String, "release": pl.String},
            orient="row",
        )
        return cls(
            workspace.config / "custom_rvus.csv", load_roster(workspace.config / "roster.csv", set(plans)), plan_pins
        )


def config_not_applied(con: duckdb.DuckDBPyConnection, workspace: Workspace, policy: CreditingPolicy) -> str | None:
    """What changed, since the last ingest applied it, of the config that changes a line's credit or
    period (policy, custom RVUs, plan pins, releases, period basis); None when nothing did. Reads only."""
    stored_basis = _get_setting(con, "credit_basis")
    if stored_basis is None:  # nothing ingested yet: nothing credited on an older config
        return None
    config = CreditingConfig.of(workspace)
    if stored_basis != credit_basis(con, policy, config.custom_rvus, config.roster, config.plan_pins):
        return "the crediting policy, custom RVUs, a plan's pinned release or the loaded releases changed"
    if _get_setting(con, "period_basis") != workspace.settings.period_basis:
        return f"period_basis changed to {workspace.settings.period_basis}"
    if stored_line_policy(con) != policy.line_policy:
        return "the crediting policy's denied_claims or attribution changed"
    return None


def stored_line_policy(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """The line policy the warehouse's credits are read with (the defaults where none is stored)."""
    defaults = CreditingPolicy().line_policy
    return {name: _get_setting(con, name) or default for name, default in defaults.items()}


# who is on which plan, when: what a reading command needs as the last ingest stored it (FTE is read now)
ROSTER_ASSIGNMENT = ("npi", "employee_id", "plan_id", "effective_from", "effective_to")


def unapplied_config(con: duckdb.DuckDBPyConnection, workspace: Workspace, command: str) -> str | None:
    """What a command that only reads the warehouse, and so cannot apply the config, says when the
    credits are of an older config: what changed and the command that applies it; None when current."""
    reason = config_not_applied(con, workspace, load_crediting_policy(workspace.config / "crediting.yaml"))
    if reason is None:
        return None
    return (
        f"{reason} since the last ingest, and `wrvu {command}` only reads the warehouse: run `wrvu ingest` "
        "first (an empty inbox will do), which credits the lines again"
    )


def refuse_stale_warehouse(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, roster: pl.DataFrame, command: str
) -> None:
    """A close applies the config before it computes; a command that only reads the warehouse (`wrvu
    whatif`, `schedule impact`, `reconcile-log`) would not see what a close sees while the crediting
    config or the roster's assignment changed since the last ingest: refused, naming the ingest."""
    layout = warehouse.layout_version(con)
    if layout < warehouse.LAYOUT_VERSION:  # what earlier closes recorded (close_reconciliation), today's views
        raise WrvuError(
            f"{workspace.warehouse}: warehouse layout {layout}, and `wrvu {command}` reads the warehouse of "
            f"layout {warehouse.LAYOUT_VERSION} on: upgrade it with {warehouse.UPGRADE_COMMANDS}"
        )
    if message := unapplied_config(con, workspace, command):
        raise WrvuError(message)
    stored = fetch_frame(con, "roster/stored_roster").select(ROSTER_ASSIGNMENT).sort(ROSTER_ASSIGNMENT)
    if stored.is_empty() and not roster.is_empty():
        raise WrvuError(f"no ingest has run in this workspace: `wrvu {command}` reads what `wrvu ingest` stores")
    if not stored.equals(
        roster.select(ROSTER_ASSIGNMENT).sort(ROSTER_ASSIGNMENT)
    ):  # who is on which plan, when (FTE is read now)
        raise WrvuError(
            f"config/roster.csv assigns NPIs, plans or dates otherwise than at the last ingest, and `wrvu {command}` "
            "only reads the warehouse: run `wrvu ingest` first (an empty inbox will do), which applies it"
        )


def apply_config(con: duckdb.DuckDBPyConnection, workspace: Workspace, policy: CreditingPolicy) -> dict:
    """Bring the warehouse up to date with the config, as an ingest of no new file does (every line
    credited again if the crediting inputs changed, provider_period refreshed if the period basis did)."""
    applied = merge_run(con, workspace, f"config-{datetime.now():%Y%m%dT%H%M%S}", [], policy)
    con.execute("reset preserve_insertion_order")  # merge_run's setting, for the reads that follow
    return applied


def merge_run(
    con: duckdb.DuckDBPyConnection,
    workspace: Workspace,
    run_id: str,
    staged: list[StagedExtract],
    policy: CreditingPolicy,
) -> dict:
    """Apply a staged run to the warehouse in one transaction, with the config as it is now; returns
    the run's accounting."""
    config = CreditingConfig.of(workspace)
    custom_rvus, roster, plan_pins = config.custom_rvus, config.roster, config.plan_pins
    con.execute("set preserve_insertion_order = false")  # lets inserts run in parallel; every read orders
    con.execute("begin transaction")
    try:
        previous_basis = _get_setting(con, "credit_basis")
        previous_period_basis = _get_setting(con, "period_basis")
        _set_setting(con, "period_basis", workspace.settings.period_basis)
        previous_line_policy = stored_line_policy(con)
        for name, value in policy.line_policy.items():
            _set_setting(con, name, value)
        load_custom_rvus(con, custom_rvus)
        store_roster(con, roster)
        con.register("staged_plan_pins", plan_pins)
        con.execute(sql.load("ingest/line_pins"))
        basis = credit_basis(con, policy, custom_rvus, roster, plan_pins)
        recredit_all = previous_basis is not None and previous_basis != basis
        if recredit_all:
            _recredit_current_lines(con, policy)
        params = {"run_id": run_id}
        if staged:
            _insert_staged_lines(con, run_id, staged, policy)
        if policy.multiple_procedure == "cms" or recredit_all:
            _rank_multiple_procedures(con, run_id, policy, every_line=recredit_all)
        files = []
        if staged:
            con.execute(sql.load("ingest/insert_ingest_files"), params)
            files = fetch_dicts(con, "ingest/run_files", params)
            if unbalanced := fetch_dicts(con, "ingest/unbalanced_files", params):
                raise WrvuError(f"rows not accounted for, nothing was stored: {unbalanced}")
        every_period = (
            recredit_all
            or previous_period_basis != workspace.settings.period_basis
            or previous_line_policy != policy.line_policy  # denied lines' or shared lines' credit changed
        )
        _refresh_provider_period(con, run_id, every_period)
        held = dict(con.execute(sql.load("ingest/held_lines")).fetchall())
        recredited = fetch_dicts(con, "ingest/count_current_lines")[0]["lines"] if recredit_all else 0
        _set_setting(con, "credit_basis", basis)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("staged_plan_pins")
    return {
        "run_id": run_id,
        "files": files,
        "recredited_all": recredit_all,
        "lines_credited": recredited,
        "held": held,
    }


def quarantine_alert(summary: dict, threshold_pct: Decimal) -> QuarantineAlert | None:
    """The alert of a merged run with files of which more than `threshold_pct` % of the rows were
    quarantined (a file of no rows never alerts), naming each on one line; None when there is none."""
    over = []
    for f in summary["files"]:
        if f["rows_read"] and (pct := Decimal(100) * f["rows_quarantined"] / f["rows_read"]) > threshold_pct:
            over.append(
                f"{f['source_file']}: {f['rows_quarantined']} of {f['rows_read']} rows quarantined ({_pct(pct)}%)"
            )
    if not over:
        return None
    return QuarantineAlert(
        f"merged, but more than alerts.quarantine_pct {_pct(threshold_pct)}% of the rows were quarantined in "
        f"{'; '.join(over)}; see the `quarantine` view",
        summary,
    )


def _pct(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.1')).normalize():f}"


def _recredit_current_lines(con: duckdb.DuckDBPyConnection, policy: CreditingPolicy) -> None:
    """The schedule, policy, custom RVUs or plan pins changed: price every key again, and move the
    lines whose plan now pins another release to the keys of that release."""
    reprice_keys(con, policy)
    con.execute(sql.load("ingest/rekeyed_lines"))
    price_new_keys(con, "run_rekeyed_lines", policy)
    con.execute(sql.load("ingest/rekey_lines"))


def _insert_staged_lines(
    con: duckdb.DuckDBPyConnection, run_id: str, staged: list[StagedExtract], policy: CreditingPolicy
) -> None:
    """Store the run's new versions with their credit keys, and retire the versions they supersede.
    Each file gets the next file id, and its lines the version ids after the last one by row."""
    last = fetch_dicts(con, "ingest/last_ids")[0]
    offsets, offset = [], last["version_id"]
    for s in staged:
        offsets.append(offset)
        offset += max(s.rows_read + 1, s.last_row)  # rows from 1 (Parquet), 2 (CSV), or segment numbers (837P)
    files = pl.DataFrame(
        [
            {**asdict(s), "file_id": last["file_id"] + i, "version_offset": o}
            for i, (s, o) in enumerate(zip(staged, offsets, strict=True), 1)
        ]
    )
    con.register("staged_files", files)
    con.register("run_file_ids", files.select("file_seq", "file_id", "version_offset"))
    con.execute(sql.load("ingest/run_staged_lines"), {"accepted_files": [s.accepted_path for s in staged]})
    if claim_files := [s.claims_path for s in staged if s.claims_path]:
        con.execute(sql.load("ingest/implied_voids"), {"claim_files": claim_files, "first_version_id": offset})
    price_new_keys(con, "run_staged_lines", policy)
    params = {"run_id": run_id}
    con.register("run_repeated_ids", repeated_transaction_ids([s.accepted_path for s in staged]))
    con.execute(sql.load("ingest/run_repeats"))
    con.execute(sql.load("ingest/insert_new_versions"), params)
    con.execute(sql.load("ingest/retire_superseded_versions"), params)
    con.execute(sql.load("ingest/resolve_quarantine"), params)
    con.execute(
        sql.load("ingest/insert_quarantine"), {**params, "quarantine_files": [s.quarantine_path for s in staged]}
    )


def repeated_transaction_ids(accepted_paths: list[str]) -> pl.DataFrame:
    """The transaction ids that come more than once in the staged files. Almost every id comes once:
    their 64-bit hashes are sorted (far cheaper than grouping millions of ids), and only ids whose
    hash repeats are compared."""
    staged = pl.scan_parquet(accepted_paths).select("transaction_id")
    hashes = staged.select(pl.col("transaction_id").hash().alias("id_hash")).collect()["id_hash"].sort()
    repeated_hashes = hashes.filter(hashes == hashes.shift(1)).unique()
    if repeated_hashes.is_empty():  # the usual night: no need to read the ids again
        return pl.DataFrame(schema={"transaction_id": pl.String})
    candidates = staged.filter(pl.col("transaction_id").hash().is_in(repeated_hashes.implode())).collect()
    return candidates.group_by("transaction_id").len().filter(pl.col("len") > 1).select("transaction_id")


def _rank_multiple_procedures(
    con: duckdb.DuckDBPyConnection, run_id: str, policy: CreditingPolicy, every_line: bool
) -> None:
    con.execute(sql.load("ingest/ranked_lines"), {"run_id": run_id, "all": every_line})
    rank_multiple_procedures(con, "run_ranked_lines", policy.multiple_procedure)
    con.execute(sql.load("ingest/set_multiple_factors"))


def _refresh_provider_period(con: duckdb.DuckDBPyConnection, run_id: str, every_period: bool) -> None:
    params = {"run_id": run_id, "all": every_period}
    con.execute(sql.load("ingest/touched_periods"), params)
    con.execute(sql.load("ingest/delete_touched_periods"), {"all": every_period})
    con.execute(sql.load("ingest/insert_touched_periods"))


def _set_setting(con: duckdb.DuckDBPyConnection, name: str, value: str) -> None:
    con.execute(sql.load("ingest/set_setting"), {"name": name, "value": value})


def _get_setting(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    rows = fetch_dicts(con, "ingest/get_setting", {"name": name})
    return rows[0]["value"] if rows else None
