"""The `wrvu` command. Thin: it parses options, calls flows and transforms, and turns errors into
exit codes (0 done, 1 the run failed, 2 bad usage, configuration or input) with a one-line reason."""

import atexit
import json
import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import click

from flows import prefect_api
from flows.schedule import load_schedule_files
from flows.workspace import init_workspace
from schemas.workspace import Workspace, load_workspace
from transforms import warehouse
from transforms.codes import normalise_code, normalise_modifier
from transforms.errors import WrvuError
from transforms.schedule import governing_row, list_releases



def workspace_option(command):
    return click.option(
        "--workspace",
        "workspace_dir",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="WRVU_HOME",
        default=None,
        help="Workspace folder (default: $WRVU_HOME, else the current folder).",
    )(command)


def open_workspace(workspace_dir: Path | None) -> Workspace:
    return load_workspace(workspace_dir or Path.cwd())


def iso_date(_ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD", param=param) from None


class WrvuGroup(click.Group):
    """Turns errors into the contract's exit codes: 2 with a one-line reason, 1 when a run failed."""

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WrvuError as exc:
            click.echo(f"wrvu: {exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # the run failed: one line, the traceback only when asked for
            if os.environ.get("WRVU_DEBUG"):
                raise
            click.echo(f"wrvu: failed: {type(exc).__name__}: {exc} (set WRVU_DEBUG=1 for the traceback)", err=True)
            ctx.exit(1)


@click.group(cls=WrvuGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wrvu")
def cli():
    """wrvu: claim extracts to year-correct work RVUs and provider productivity pay."""
    # everything wrvu writes (warehouse, staging, close files, config) is its owner's alone: it holds
    # payroll figures and keyed patient hashes
    os.umask(0o077)


@cli.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def init(directory: Path):
    """Create a workspace: wrvu.yaml, config/ with commented examples, inbox/, out/."""
    workspace = init_workspace(directory)
    click.echo(f"workspace ready at {workspace.root}")
    click.echo(f"  settings   {workspace.root / 'wrvu.yaml'}")
    click.echo(f"  config     {workspace.config}/ (roster, plans, crediting, custom RVUs, payroll, benchmarks)")
    click.echo(f"  extracts   {workspace.inbox}/")
    click.echo(f"  outputs    {workspace.out}/")


@cli.group()
def schedule():
    """The CMS fee schedule (PPRRVU releases)."""


@schedule.command("load")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--release", help="Release id, e.g. RVU24AR (default: from the file, folder or zip name).")
@click.option("--effective-from", callback=iso_date, help="First date of service it governs (default: from the release id).")
@click.option("--replace", is_flag=True, help="Replace an already loaded release of the same id with this file.")
@workspace_option
def schedule_load(paths, release, effective_from, replace, workspace_dir):
    """Load CMS PPRRVU files: CSV, fixed-width TXT, XLSX or the CMS zip bundle."""
    workspace = open_workspace(workspace_dir)
    for line in load_schedule_files(workspace, list(paths), release, effective_from, replace):
        click.echo(line)


@schedule.command("show")
@click.argument("code")
@click.option("--modifier", default="", help="Modifier, e.g. 26, TC, 53, 50.")
@click.option("--date", "service_date", required=True, callback=iso_date, help="Date of service, YYYY-MM-DD.")
@click.option("--json", "as_json", is_flag=True, help="Print the row as JSON.")
@workspace_option
def schedule_show(code, modifier, service_date, as_json, workspace_dir):
    """The fee-schedule row that governs CODE on a date of service."""
    workspace = open_workspace(workspace_dir)
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        row = governing_row(con, normalise_code(code), normalise_modifier(modifier), service_date)
    row = {k: v for k, v in row.items() if k != "description"}  # CPT descriptors are AMA copyright
    if as_json:
        click.echo(json.dumps(row, default=_json_value, indent=2))
        return
    width = max(len(k) for k in row)
    for key, value in row.items():
        click.echo(f"{key:<{width}}  {'' if value is None else value}")


def _json_value(value):
    if isinstance(value, Decimal):
        return float(value)  # CMS values have at most 4 decimals: the float prints them exactly
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


@schedule.command("list")
@workspace_option
def schedule_list(workspace_dir):
    """The loaded releases and the dates of service each governs."""
    workspace = open_workspace(workspace_dir)
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        for r in list_releases(con):
            click.echo(
                f"{r['release']:<8} {r['effective_from']} to {str(r['effective_to'] or 'open'):<10}  "
                f"{r['row_count']:>6} rows  {r['source_name']}  sha256 {r['source_sha256'][:12]}"
            )


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--map", "map_name", help="Column map (config/column_maps/NAME.yaml) for every file of this run.")
@workspace_option
def ingest(paths, map_name, workspace_dir):
    """The nightly flow: ingest every new extract in inbox/ (or PATHS), credit it, refresh aggregates."""
    prefect_api.start_early()
    from flows.ingest import nightly_ingest, summary_markdown

    workspace = open_workspace(workspace_dir)
    with prefect_api.api():
        summary = nightly_ingest(str(workspace.root), [str(p.resolve()) for p in paths] or None, map_name)
    click.echo(summary_markdown(summary))


@cli.command()
@click.argument("period")
@click.option("--restate", is_flag=True, help="Write a new revision of a closed period whose inputs changed.")
@workspace_option
def close(period, restate, workspace_dir):
    """Close PERIOD (YYYY-MM, YYYY-Qn or YYYY): reconciliation, variance, lines, quarantine, manifest."""
    from transforms.close import parse_period

    parse_period(period)  # a bad period is a usage error before Prefect starts
    prefect_api.start_early()
    from flows.close import period_close

    workspace = open_workspace(workspace_dir)
    with prefect_api.api():
        outcome = period_close(str(workspace.root), period, restate)
    click.echo({"closed": "closed", "restated": f"restated (revision {outcome.revision})",
                "unchanged": f"unchanged since its close (revision {outcome.revision}); nothing written"}[outcome.action]
               + f": {outcome.out_dir}")


@cli.command()
@workspace_option
def serve(workspace_dir):
    """Register the nightly ingest with Prefect and run it on the cron of wrvu.yaml."""
    prefect_api.start_early()
    from flows.ingest import serve_nightly

    with prefect_api.api():
        serve_nightly(open_workspace(workspace_dir))


@cli.command("sql")
@click.argument("query", required=False)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@workspace_option
def sql_command(query, as_csv, workspace_dir):
    """Ad-hoc SQL on the warehouse, read-only. With no QUERY, an interactive prompt."""
    from flows.sql_console import run_console, run_query

    workspace = open_workspace(workspace_dir)
    if query is None:
        run_console(workspace.warehouse, as_csv, interactive=sys.stdin.isatty())
    else:
        run_query(workspace.warehouse, query, as_csv)


@cli.command()
@click.argument("period")
@click.argument("who")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@workspace_option
def explain(period, who, as_csv, workspace_dir):
    """Every line credited to WHO (an NPI or employee id) in PERIOD: its extract, row and sha256, the
    CMS release, file sha256 and line that priced it, the rule and factor, and the closes that paid it."""
    from flows.sql_console import run_explain
    from transforms.close import parse_period

    run_explain(open_workspace(workspace_dir).warehouse, parse_period(period), who, as_csv)


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def demo(directory: Path | None):
    """The whole job on bundled sample data, in DIRECTORY (default ./wrvu-demo)."""
    prefect_api.start_early()
    from flows.demo import run_demo

    with prefect_api.api():
        run_demo(directory or Path("wrvu-demo"))


def main() -> None:
    if os.environ.get("WRVU_DEBUG"):  # tracebacks, and a normal exit that profilers can report from
        cli(prog_name="wrvu")
        return
    try:
        cli(prog_name="wrvu")
        code = 0
    except SystemExit as done:
        code = done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    # Leave without tearing the interpreter down: after a flow, Prefect's threads still hold DuckDB
    # objects, and DuckDB's bindings would print a page of "leaked" warnings on every run. The
    # exit handlers (the temporary server stopping) run first.
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
