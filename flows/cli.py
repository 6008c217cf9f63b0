"""The `wrvu` command. Thin: it parses options, calls flows and transforms, and turns errors into
exit codes (0 done, 1 the run failed, 2 bad usage, configuration or input, 3 the run merged but an
alert fired) with a one-line reason."""

import atexit
import json
import os
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import click
from click.core import ParameterSource

from wrvu.flows import prefect_api
from wrvu.flows.schedule import load_schedule_files
from wrvu.flows.workspace import init_workspace
from wrvu.schemas.workspace import Workspace, load_workspace
from wrvu.transforms import warehouse
from wrvu.transforms.codes import normalise_code, normalise_modifier
from wrvu.transforms.errors import QuarantineAlert, WrvuError
from wrvu.transforms.schedule import governing_row, list_releases

WORKSPACE_HELP = "Workspace folder (default: $WRVU_HOME, else the current folder)."


def workspace_option(command):
    """`--workspace` after the subcommand; the same option before it (on `wrvu` itself) and
    $WRVU_HOME are read by `open_workspace`."""
    return click.option(
        "--workspace",
        "workspace_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=WORKSPACE_HELP,
    )(command)


def open_workspace(workspace_dir: Path | None) -> Workspace:
    """The workspace named after the subcommand, else before it, else by $WRVU_HOME, else the
    current folder; a workspace that is not there says where its name came from."""
    root = click.get_current_context().find_root()
    from_home = workspace_dir is None and root.get_parameter_source("workspace_dir") == ParameterSource.ENVIRONMENT
    workspace_dir = workspace_dir or root.params.get("workspace_dir") or Path.cwd()
    try:
        return load_workspace(workspace_dir)
    except WrvuError as exc:
        if from_home:
            raise WrvuError(f"WRVU_HOME={workspace_dir}: {exc}") from None
        raise


def route_flow_logs(workspace_root: Path, command: str) -> None:
    """Prefect's log lines to the run's file under .wrvu/logs/, wrvu's progress to the console."""
    from wrvu.flows.run_log import route_logs

    route_logs(workspace_root, command, verbose=click.get_current_context().find_root().params.get("verbose", False))


def iso_date(_ctx, param, value):
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date as YYYY-MM-DD", param=param) from None


def one_line(text: str) -> str:
    """A message as a single line: stderr holds exactly one line per refusal."""
    return " / ".join(part.strip() for part in str(text).splitlines() if part.strip())


class WrvuGroup(click.Group):
    """Turns errors into the contract's exit codes, each with one line on stderr: 2 for bad usage,
    configuration or input; 1 when a run failed, naming the log file that holds the traceback."""

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
            code = code if isinstance(code, int) else 0
        except click.ClickException as exc:  # usage errors: click's own would print a usage block
            command = exc.ctx.command_path if getattr(exc, "ctx", None) else "wrvu"
            click.echo(f"wrvu: {one_line(exc.format_message())} (see `{command} --help`)", err=True)
            code = exc.exit_code
        except click.Abort:
            click.echo("wrvu: aborted", err=True)
            code = 1
        if standalone_mode:
            sys.exit(code)
        return code

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except WrvuError as exc:
            click.echo(f"wrvu: {one_line(exc)}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as exc:  # the run failed: one line naming the log file with the traceback
            if os.environ.get("WRVU_DEBUG"):
                raise
            from wrvu.flows.run_log import log_traceback

            reason = f"{type(exc).__name__}: {one_line(exc)}"
            click.echo(f"wrvu: failed: {reason} (traceback in {log_traceback(reason)})", err=True)
            ctx.exit(1)


@click.group(cls=WrvuGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wrvu")
@click.option(
    "--workspace",
    "workspace_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="WRVU_HOME",
    default=None,
    help=WORKSPACE_HELP,
)
@click.option("--verbose", "-v", is_flag=True, help="Show Prefect's own log lines on the console too.")
def cli(workspace_dir, verbose):
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
@click.option(
    "--effective-from", callback=iso_date, help="First date of service it governs (default: from the release id)."
)
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
                f"{r['release']:<8} {r['effective_from']} to {r['effective_to'] or 'open'!s:<10}  "
                f"{r['row_count']:>6} rows  {r['source_name']}  sha256 {r['source_sha256'][:12]}"
            )


@schedule.command("impact")
@click.argument("new")
@click.option(
    "--base",
    metavar="RELEASE",
    help="Price the base on this loaded release (default: as_credited, each line at the wRVUs credited now).",
)
@click.option(
    "--months",
    type=click.IntRange(min=1),
    default=12,
    show_default=True,
    help="Months of data, ending with the latest month that has lines.",
)
@workspace_option
def schedule_impact(new, base, months, workspace_dir):
    """What release NEW does to each clinician's wRVUs and pay over the last months of data, and each
    plan's neutral rate, recorded nowhere: out/impact/NEW/ (impact.csv, impact_plans.csv, impact.md)."""
    from wrvu.transforms.schedule_impact import run_schedule_impact

    outcome = run_schedule_impact(open_workspace(workspace_dir), new, base, months, date.today())
    for line in outcome.summary():
        click.echo(line)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--map", "map_name", help="Column map (config/column_maps/NAME.yaml) for every file of this run.")
@click.option(
    "--reprocess", is_flag=True, help="Read PATHS, ingested before, again (e.g. after fixing their column map)."
)
@workspace_option
def ingest(paths, map_name, reprocess, workspace_dir):
    """The nightly flow: ingest every new extract in inbox/ (or PATHS), credit it, refresh aggregates.
    Exits 3, after merging, when a file has more than alerts.quarantine_pct % of its rows quarantined."""
    prefect_api.start_early()
    from wrvu.flows.ingest import nightly_ingest, summary_markdown

    workspace = open_workspace(workspace_dir)
    route_flow_logs(workspace.root, "ingest")
    try:
        with prefect_api.api():
            summary = nightly_ingest(
                str(workspace.root), [str(p.resolve()) for p in paths] or None, map_name, reprocess
            )
    except QuarantineAlert as alert:  # the run merged: its summary first, then the alert's line
        click.echo(summary_markdown(alert.summary))
        raise
    click.echo(summary_markdown(summary))


@cli.command()
@click.argument("period")
@click.option("--restate", is_flag=True, help="Write a new revision of a closed period whose inputs changed.")
@click.option(
    "--provisional",
    is_flag=True,
    help="A period not over yet: write a pace report to out/PERIOD/provisional/, recorded as no close.",
)
@click.option(
    "--accept-unrecorded",
    is_flag=True,
    help="Settle although payroll_paid.csv lacks an earlier close's payment (flagged in reconciliation.csv).",
)
@click.option("--no-statements", "statements", flag_value=False, default=True, help="Write no clinician statements.")
@click.option(
    "--reprice-on",
    metavar="RELEASE",
    help="The release the productivity report's trend is re-priced on (default: the newest loaded).",
)
@workspace_option
def close(period, restate, provisional, accept_unrecorded, statements, reprice_on, workspace_dir):
    """Close PERIOD (YYYY-MM, YYYY-Qn or YYYY): the figures (reconciliation, variance, lines, quarantine,
    manifest) and what people read (payroll.csv, close.xlsx, statements, productivity report)."""
    from wrvu.transforms.periods import parse_period

    parse_period(period)  # a bad period is a usage error before Prefect starts
    prefect_api.start_early()
    from wrvu.flows.close import period_close

    workspace = open_workspace(workspace_dir)
    route_flow_logs(workspace.root, "close")
    with prefect_api.api():
        # its progress lines say the outcome
        period_close(str(workspace.root), period, restate, provisional, accept_unrecorded, statements, reprice_on)


@cli.command()
@click.option(
    "--no-pause-on-shutdown",
    "pause_on_shutdown",
    flag_value=False,
    default=True,
    help="Leave the schedule active when serve stops (under a service manager that restarts it).",
)
@workspace_option
def serve(pause_on_shutdown, workspace_dir):
    """Register the nightly ingest with Prefect and run it on the cron of wrvu.yaml, one run at a time.
    Against PREFECT_API_URL, else a Prefect server of its own with its database in the workspace."""
    workspace = open_workspace(workspace_dir)
    prefect_api.start_early(database=workspace.root / ".wrvu" / "prefect" / "prefect.db")
    from wrvu.flows.ingest import serve_nightly

    with prefect_api.api() as where:
        click.echo(
            f"serving the nightly ingest of {workspace.root} (cron '{workspace.settings.serve.cron}') against {where}"
        )
        serve_nightly(workspace, pause_on_shutdown)


@cli.command("sql")
@click.argument("query", required=False)
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@workspace_option
def sql_command(query, as_csv, workspace_dir):
    """Ad-hoc SQL on the warehouse, read-only. With no QUERY, an interactive prompt."""
    from wrvu.flows.sql_console import run_console, run_query

    workspace = open_workspace(workspace_dir)
    if query is None:
        run_console(workspace, as_csv, interactive=sys.stdin.isatty())
    else:
        run_query(workspace, query, as_csv)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print {findings, inbox} as JSON.")
@workspace_option
def check(as_json, workspace_dir):
    """Validate the workspace, changing nothing: config, releases, inbox, the warehouse's open problems.
    Exits 2 when there is an error."""
    from wrvu.transforms.check import CheckReport, check_workspace, config_invalid
    from wrvu.transforms.errors import InputError

    try:
        workspace = open_workspace(workspace_dir)
    except InputError as exc:  # wrvu.yaml itself is invalid: nothing else can be checked
        report = CheckReport([config_invalid(exc)], [])
    else:
        report = check_workspace(workspace, date.today())
    if as_json:
        click.echo(json.dumps(report.as_json(), indent=2))
    else:
        for line in report.lines():
            click.echo(line)
    if report.errors:  # the report is on stdout; stderr gets the one line of every refusal
        more = len(report.errors) - 1
        raise WrvuError(
            f"{report.errors[0].message}" + (f" (and {more} more error{'s' * (more != 1)})" if more else "")
        )


@cli.command()
@workspace_option
def status(workspace_dir):
    """The workspace on one screen: releases, last ingest, last closes, and what `wrvu check` finds."""
    from wrvu.transforms.status import status_lines

    for line in status_lines(open_workspace(workspace_dir), date.today()):
        click.echo(line)


@cli.command()
@workspace_option
def upgrade(workspace_dir):
    """Bring the warehouse to this wrvu's layout, in place, in one transaction (any writer does it too)."""
    path = open_workspace(workspace_dir).warehouse
    before, after = warehouse.upgrade(path)
    click.echo(f"{path}: layout {after}" + (f" (upgraded from layout {before})" if before != after else ", up to date"))


@cli.command()
@click.argument("period")
@click.argument("who")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV instead of a table.")
@workspace_option
def explain(period, who, as_csv, workspace_dir):
    """Every line credited to WHO (an NPI or employee id) in PERIOD: its extract, row and sha256, the
    CMS release, file sha256 and line that priced it, the rule and factor, and the closes that paid it."""
    from wrvu.flows.sql_console import run_explain
    from wrvu.transforms.periods import parse_period

    run_explain(open_workspace(workspace_dir), parse_period(period), who, as_csv)


@cli.command()
@click.argument("period")
@click.option(
    "--plans",
    "plans_path",
    required=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The alternative plans, as config/plans.yaml; its file name (without .yaml) names the comparison.",
)
@click.option(
    "--roster",
    "roster_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An alternative roster, as config/roster.csv, of the plans of --plans (default: config/roster.csv).",
)
@click.option(
    "--schedule-basis",
    metavar="RELEASE",
    help="Price every line on this loaded release (or date_of_service) instead of its plan's schedule_basis.",
)
@workspace_option
def whatif(period, plans_path, roster_path, schedule_basis, workspace_dir):
    """The close of PERIOD under other terms, recorded nowhere: out/whatif/PERIOD-NAME/comparison.csv,
    per employee and plan the current and the alternative wrvu_ytd, earned_ytd, true_up and action."""
    from wrvu.transforms.periods import parse_period
    from wrvu.transforms.whatif import run_whatif

    workspace = open_workspace(workspace_dir)
    outcome = run_whatif(workspace, parse_period(period), plans_path, roster_path, schedule_basis, date.today())
    for line in outcome.lines():
        click.echo(line)


@cli.command("reconcile-log")
@click.argument("who")
@click.argument("log_path", metavar="LOG.csv", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--from", "start", callback=iso_date, metavar="DATE", help="First date of service (default: the log's first)."
)
@click.option("--to", "end", callback=iso_date, metavar="DATE", help="Last date of service (default: the log's last).")
@click.option(
    "--map", "map_name", metavar="NAME", help="The column map in config/column_maps/ that names the log's columns."
)
@workspace_option
def reconcile_log(who, log_path, start, end, map_name, workspace_dir):
    """WHO's own list of what they did (LOG.csv: service_date, cpt_code; optionally modifiers, units,
    patient_id, encounter_id) against every line billed for them: out/logs/WHO-FROM-TO/log_reconciliation.csv,
    each log line matched, held, voided, coded_differently, attributed_to_other or missing, and the
    billed lines not in the log."""
    from wrvu.flows.ingest import patient_key
    from wrvu.schemas.column_map import CANONICAL_LAYOUT, load_column_map
    from wrvu.transforms.log_reconciliation import reconcile_log as run

    workspace = open_workspace(workspace_dir)
    column_map = load_column_map(workspace.config, map_name) if map_name else CANONICAL_LAYOUT
    outcome = run(workspace, who, log_path, column_map, patient_key(workspace), start, end, date.today())
    for line in outcome.lines():
        click.echo(line)


@cli.command()
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def demo(directory: Path | None):
    """The whole job on bundled sample data, in DIRECTORY (default ./wrvu-demo)."""
    prefect_api.start_early()
    from wrvu.flows.demo import run_demo

    with prefect_api.api():
        run_demo(directory or Path("wrvu-demo"), lambda root: route_flow_logs(root, "demo"))


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
