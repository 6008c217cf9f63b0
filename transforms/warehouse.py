"""The DuckDB warehouse: connections, schema migration and the lock discipline.

DuckDB lets one process write a file and then locks it even against readers in other processes.
So writers keep their connection open only for short, single-transaction merges, and every
connection waits for a held lock (up to `wait_seconds`) before giving up with a clear message.
An ingest or a close also holds the workspace's run lock from start to end (`run_lock`), so that
two of them never interleave: a second one waits, then exits 2 naming the one running.
"""

import fcntl
import os
import re
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import polars as pl

import sql
from transforms.errors import BusyError, WrvuError

LOCK_POLL_SECONDS = 0.25
MACRO_DEFINITION = re.compile(r"^create or replace macro ", re.MULTILINE)
# A writer's memory, beyond which DuckDB spills to `warehouse.duckdb.tmp/`: an ingest of tens of
# millions of lines stays within a few GB (polars' staging batches take about as much again).
WRITER_MEMORY_LIMIT = "2GB"


def connect(path: Path, *, read_only: bool = False, wait_seconds: float = 60.0) -> duckdb.DuckDBPyConnection:
    """Open the warehouse; a writer also brings the schema and views up to date."""
    if read_only and not path.exists():
        raise WrvuError(f"{path}: no warehouse yet; load a fee schedule or run `wrvu ingest` first")
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
    if read_only:
        define_session_macros(con)
    else:
        con.execute("set memory_limit = $limit", {"limit": WRITER_MEMORY_LIMIT})
        migrate(con)
    return con


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


def migrate(con: duckdb.DuckDBPyConnection) -> None:
    """Create missing tables and (re)create the documented views."""
    for statement in sql.ordered("schema") + sql.ordered("views"):
        con.execute(statement)


def fetch_dicts(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> list[dict]:
    """The rows of the named query in `sql/` as dicts."""
    cursor = con.execute(sql.load(query), params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def fetch_dict(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> dict | None:
    rows = fetch_dicts(con, query, params)
    return rows[0] if rows else None


def fetch_frame(con: duckdb.DuckDBPyConnection, query: str, params: dict | None = None) -> pl.DataFrame:
    """The rows of the named query in `sql/` as a polars frame (decimals stay decimals)."""
    return con.sql(sql.load(query), params=params or {}).pl()
