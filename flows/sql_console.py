"""`wrvu sql`: read-only queries on the warehouse, as a table or CSV, one-shot or at a prompt; and
`wrvu explain`, the audited lines behind one provider's figure."""

import sys

import duckdb
import polars as pl

from wrvu.schemas.workspace import Workspace
from wrvu.transforms import warehouse
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.periods import Period
from wrvu.transforms.spreadsheet import safe_frame
from wrvu.transforms.warehouse import fetch_frame

PROMPT, CONTINUE = "wrvu> ", "  ... "


def run_query(workspace: Workspace, query: str, as_csv: bool) -> None:
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        _warn_of_unapplied_config(con, workspace)
        _print_result(con, query, as_csv)


def _warn_of_unapplied_config(con: duckdb.DuckDBPyConnection, workspace: Workspace) -> None:
    """Ad-hoc SQL shows the warehouse as it is, saying on stderr when its credits are of an older config."""
    from wrvu.transforms.ingest import unapplied_config  # loaded only here: `wrvu sql` starts fast

    try:
        message = unapplied_config(con, workspace, "sql")
    except WrvuError:  # a config file that does not load: `wrvu check` names it, the query still runs
        return
    if message:
        print(f"wrvu: warning: {message}", file=sys.stderr)


def run_explain(workspace: Workspace, period: Period, who: str, as_csv: bool) -> None:
    """`wrvu explain`: the audited lines of one provider in a period, and their total, as credited
    with the config as it is now."""
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        from wrvu.transforms.ingest import unapplied_config

        if message := unapplied_config(con, workspace, "explain"):
            raise WrvuError(message)
        lines = fetch_frame(
            con,
            "explain/provider_lines",
            {"first_month": period.first_month, "last_month": period.last_month, "who": who},
        )
    if lines.height == 0:
        raise WrvuError(f"no lines of {who!r} (an NPI or employee id) in {period.label}")
    _print_frame(lines, as_csv)
    if not as_csv:
        print(f"{who} in {period.label}: {lines.height} lines, {sum(lines['credited_wrvu'].to_list())} credited wRVUs")


def _print_result(con: duckdb.DuckDBPyConnection, query: str, as_csv: bool) -> None:
    try:
        relation = con.sql(query)
        frame = None if relation is None else relation.pl()
    except duckdb.Error as exc:
        raise WrvuError(f"query failed: {str(exc).splitlines()[0]}") from exc
    if frame is not None:
        _print_frame(frame, as_csv)


def _print_frame(frame: pl.DataFrame, as_csv: bool) -> None:
    if as_csv:  # opened in a spreadsheet more often than not
        safe_frame(frame).write_csv(sys.stdout)
        return
    with pl.Config(tbl_rows=200, tbl_cols=-1, fmt_str_lengths=60, tbl_width_chars=250, tbl_hide_dataframe_shape=True):
        print(frame)
    print(f"({frame.height} rows)")


def run_console(workspace: Workspace, as_csv: bool, interactive: bool) -> None:
    """Statements end with `;`; `.tables` lists the views, `.quit` or end of input leaves.
    Piped input is read the same way, without prompts; its last statement may omit the `;`."""
    if interactive:
        print("wrvu sql (read-only). End statements with ';'. .tables lists tables and views, .quit leaves.")
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        _warn_of_unapplied_config(con, workspace)
        buffer: list[str] = []
        while True:
            try:
                line = input(CONTINUE if buffer else PROMPT) if interactive else _next_line()
            except EOFError:
                if buffer:
                    _run_statement(con, buffer, as_csv, interactive)
                return
            command = line.strip()
            if not buffer and command in (".quit", ".exit"):
                return
            if not buffer and command == ".tables":
                line = "select table_name, table_type from information_schema.tables order by 1;"
            if line.strip():
                buffer.append(line)
            if line.rstrip().endswith(";"):
                _run_statement(con, buffer, as_csv, interactive)
                buffer = []


def _next_line() -> str:
    line = sys.stdin.readline()
    if not line:
        raise EOFError
    return line.rstrip("\n")


def _run_statement(con: duckdb.DuckDBPyConnection, buffer: list[str], as_csv: bool, interactive: bool) -> None:
    try:
        _print_result(con, "\n".join(buffer), as_csv)
    except WrvuError:
        if not interactive:
            raise  # a failing script stops with exit 2
        print(f"error: {sys.exc_info()[1]}")
