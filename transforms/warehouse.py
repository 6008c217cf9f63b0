"""The DuckDB warehouse: connections, schema migration and the lock discipline.

DuckDB lets one process write a file and then locks it even against readers in other processes.
So writers keep their connection open only for short, single-transaction merges, and every
connection waits for a held lock (up to `wait_seconds`) before giving up with a clear message.
An ingest or a close also holds the workspace's run lock from start to end (`run_lock`), so that
two of them never interleave: a second one waits, then exits 2 naming the one running.

The warehouse records its layout version (table `warehouse_layout`; a warehouse without it is at
layout 1). A writer opening an older warehouse upgrades it in place, in one transaction: the layout-1
baseline (`sql/schema/`, idempotent), then each numbered migration above its version
(`sql/migrations/NNN_*.sql`, NNN the layout it brings), then the views and the new version, or
nothing at all when a statement fails. A reader cannot write: it reads a layout it knows how to read
(READABLE_FROM and up) and otherwise refuses, naming `wrvu upgrade`. A warehouse of a newer layout
than this wrvu's is refused by both.
"""

import fcntl
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

import duckdb
import polars as pl

from wrvu import sql
from wrvu.transforms.errors import BusyError, WrvuError

LOCK_POLL_SECONDS = 0.25
MACRO_DEFINITION = re.compile(r"^create or replace macro ", re.MULTILINE)
# A writer's memory, beyond which DuckDB spills to `warehouse.duckdb.tmp/`: an ingest of tens of
# millions of lines stays within a few GB (polars' staging batches take about as much again).
WRITER_MEMORY_LIMIT = "2GB"
# The layout this wrvu writes: 1 is the schema of sql/schema/ (wrvu before layouts were recorded),
# each later one is brought by the sql/migrations/ files named with its number.
LAYOUT_VERSION = 4
# The oldest layout this wrvu's readers (sql, check, status, explain, schedule show/list) can read
# without upgrading it: raise it with a migration that today's queries cannot do without.
READABLE_FROM = 1
MIGRATION_NAME = re.compile(r"^(\d{3})_\w+$")
UPGRADE_COMMANDS = "`wrvu upgrade` (or any writer: `wrvu schedule load`, `wrvu ingest`, `wrvu close`)"


def connect(path: Path, *, read_only: bool = False, wait_seconds: float = 60.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writer also brings its layout, schema and views up to date."""
    if read_only and not path.exists():
        raise WrvuError(f"{path}: no warehouse yet; load a fee schedule or run `wrvu ingest` first")
    con = open_waiting(path, read_only, wait_seconds)
    try:
        if read_only:
            refuse_unreadable(path, layout_version(con))
            define_session_macros(con)
        else:
            con.execute("set memory_limit = $limit", {"limit": WRITER_MEMORY_LIMIT})
            migrate(con, path)
    except BaseException:
        con.close()
        raise
    return con


def upgrade(path: Path, wait_seconds: float = 60.0) -> tuple[int, int]:
    """`wrvu upgrade`: bring the warehouse to this wrvu's layout; (the layout before, after)."""
    if not path.exists():
        raise WrvuError(f"{path}: no warehouse yet; load a fee schedule or run `wrvu ingest` first")
    with open_waiting(path, False, wait_seconds) as con:
        before = layout_version(con)
        migrate(con, path)
        return before, layout_version(con)


def open_waiting(path: Path, read_only: bool, wait_seconds: float) -> duckdb.DuckDBPyConnection:
    """A connection, once no other process holds the file's lock (waiting up to `wait_seconds`)."""
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            con = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():
                raise
            if time.monotonic() >= deadline:
                raise BusyError(
                    f"{path}: the warehouse is in use by another wrvu process (waited {wait_seconds:.0f} s); "
                    "try again when it finishes"
                ) from exc
            time.sleep(LOCK_POLL_SECONDS)
    return con


def layout_version(con: duckdb.DuckDBPyConnection) -> int:
    """The warehouse's layout: the highest recorded in `warehouse_layout`; without that table, 1 if
    it holds wrvu's tables (written before layouts were recorded), 0 if it is new and empty."""
    tables = {
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'main'"
        ).fetchall()
    }
    if "warehouse_layout" in tables:
        return con.execute("select coalesce(max(version), 1) from warehouse_layout").fetchone()[0]
    return 1 if tables else 0


def refuse_unreadable(path: Path, layout: int) -> None:
    refuse_newer(path, layout)
    if 0 < layout < READABLE_FROM:
        raise WrvuError(
            f"{path}: warehouse layout {layout} is older than this wrvu reads (layout {LAYOUT_VERSION}); "
            f"upgrade it in place with {UPGRADE_COMMANDS}"
        )


def refuse_newer(path: Path, layout: int) -> None:
    if layout > LAYOUT_VERSION:
        raise WrvuError(
            f"{path}: warehouse layout {layout} is newer than this wrvu (layout {LAYOUT_VERSION}): upgrade wrvu"
        )


def define_session_macros(con: duckdb.DuckDBPyConnection) -> None:
    """A reader cannot write the catalog, so it defines today's macros for its own session: a
    warehouse no writer of this version has opened yet (after an upgrade) still runs today's queries."""
    for statement in sql.ordered("views"):
        if MACRO_DEFINITION.search(statement):
            con.execute(MACRO_DEFINITION.sub("create or replace temp macro ", statement))


@contextmanager
def run_lock(root: Path, command: str, wait_seconds: float = 60.0):
    """Hold the workspace's run lock (`.wrvu/run.lock`) while the enclosed run goes on. The lock is
    the operating system's (flock): a killed run releases it, and leaves nothing to clean up by hand."""
    path = root / ".wrvu" / "run.lock"
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another wrvu run"
                    raise BusyError(
                        f"{root}: {holder} is still running in this workspace (waited {wait_seconds:.0f} s); "
                        "try again when it finishes"
                    ) from None
                time.sleep(LOCK_POLL_SECONDS)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"wrvu {command} (pid {os.getpid()}, since {datetime.now():%Y-%m-%d %H:%M:%S})".encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock


def migrations() -> list[tuple[int, str]]:
    """The numbered migrations, (layout version, file name) in order: sql/migrations/NNN_name.sql."""
    found = []
    for path in sorted((sql.SQL_DIR / "migrations").glob("*.sql")):
        match = MIGRATION_NAME.match(path.stem)
        if not match:
            raise ValueError(f"{path}: a migration is named NNN_name.sql, NNN the layout version it brings")
        found.append((int(match.group(1)), path.stem))
    return found


def software() -> str:
    try:
        return f"wrvu {package_version('wrvu')}"
    except PackageNotFoundError:
        return "wrvu"


def migrate(con: duckdb.DuckDBPyConnection, path: Path | str = "the warehouse") -> None:
    """Bring the warehouse to LAYOUT_VERSION and (re)create the documented views, in one transaction:
    a statement that fails rolls back everything, leaving the warehouse at the layout it had."""
    layout = layout_version(con)
    refuse_newer(Path(path), layout)
    step = "sql/schema/"
    con.execute("begin transaction")
    try:
        if layout < LAYOUT_VERSION:
            if layout <= 1:  # new, or written before layouts were recorded: the layout-1 baseline
                for statement in sql.ordered("schema"):
                    con.execute(statement)
            for version, name in migrations():
                if version > max(layout, 1):
                    step = f"sql/migrations/{name}.sql"
                    con.execute(sql.load(f"migrations/{name}"))
            step = "recording the layout"
            con.execute(
                "insert into warehouse_layout values ($version, $upgraded_from, current_localtimestamp(), $software)",
                {"version": LAYOUT_VERSION, "upgraded_from": layout or None, "software": software()},
            )
        step = "sql/views/"
        for statement in sql.ordered("views"):
            con.execute(statement)
        con.execute("commit")
    except BaseException as exc:
        con.execute("rollback")
        if layout < LAYOUT_VERSION and isinstance(exc, duckdb.Error):
            raise RuntimeError(
                f"{path}: upgrading the warehouse from layout {layout} to {LAYOUT_VERSION} failed at {step} ({exc}); "
                "nothing was changed, " + (f"it is still at layout {layout}" if layout else "it is still empty")
            ) from exc
        raise


def fetch_dicts(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> list[dict]:
    """The rows of the named query in `sql/` as dicts."""
    cursor = con.execute(sql.load(query), params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def fetch_dict(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> dict | None:
    rows = fetch_dicts(con, query, params)
    return rows[0] if rows else None


def fetch_frame(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> pl.DataFrame:
    """The rows of the named query in `sql/` as a polars frame (decimals stay decimals)."""
    return con.sql(sql.load(query), params=params or {}).pl()
