"""The roster in the warehouse, so lines carry their employee and plan."""

import duckdb
import polars as pl

from wrvu import sql


def store_roster(con: duckdb.DuckDBPyConnection, roster: pl.DataFrame) -> None:
    """Replace the warehouse roster with the validated config roster (inside the caller's transaction)."""
    con.execute(sql.load("roster/delete_roster"))
    con.register("staged_roster", roster)
    con.execute(sql.load("roster/insert_roster"))
    con.unregister("staged_roster")
