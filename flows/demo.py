"""`wrvu demo`: the whole job on bundled sample data, printed step by step."""

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path

import click

from wrvu import demo
from wrvu.flows.close import period_close
from wrvu.flows.ingest import nightly_ingest, summary_markdown
from wrvu.flows.schedule import load_schedule_files
from wrvu.flows.sql_console import run_query
from wrvu.flows.workspace import init_workspace
from wrvu.schemas.workspace import load_workspace
from wrvu.transforms import warehouse
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.schedule import governing_row

DEMO_DATA = Path(demo.__file__).parent
# The 2021 office E/M revaluation, seen on the two sides of the 2020/2021 line.
DEMO_LOOKUPS = [("99213", "", date(2020, 12, 15)), ("99213", "", date(2021, 1, 4)), ("71046", "26", date(2023, 3, 1))]
# Two nights, each followed by a month close: December's charges, then January's vendor export
# with a late December charge and a void (a restatement of the closed December).
DEMO_NIGHTS = [("charges_2021-01-04.csv", "2020-12"), ("vendor_charges_2021-02-02.csv", "2021-01")]


DEMO_MARKER = "# The demo workspace"


def run_demo(directory: Path, route_logs: Callable[[Path], None]) -> None:
    """Run the demo in `directory`, afresh: a previous demo there is replaced, anything else refused.
    `route_logs` sends the runs' logs to the new workspace's .wrvu/logs/."""
    settings = directory / "wrvu.yaml"
    if settings.is_file() and settings.read_text().startswith(DEMO_MARKER):
        shutil.rmtree(directory)
    elif directory.exists() and any(directory.iterdir()):
        raise WrvuError(f"{directory}: not empty and not a previous demo; give the demo an empty or new folder")
    init_workspace(directory)
    shutil.copyfile(DEMO_DATA / "wrvu.yaml", directory / "wrvu.yaml")
    shutil.copytree(DEMO_DATA / "config", directory / "config", dirs_exist_ok=True)
    workspace = load_workspace(directory)
    route_logs(workspace.root)
    click.echo(f"1. workspace: {workspace.root}")

    click.echo("2. fee schedule: bundled excerpts of real CMS PPRRVU releases")
    for line in load_schedule_files(workspace, sorted((DEMO_DATA / "fee_schedule").glob("*.csv"))):
        click.echo(f"   {line}")
    click.echo("   the row that prices a line depends on its date of service:")
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        for code, modifier, service_date in DEMO_LOOKUPS:
            row = governing_row(con, code, modifier, service_date)
            click.echo(
                f"   {code}{'-' + modifier if modifier else ''} on {service_date}: work RVU {row['work_rvu']} "
                f"({row['release']}, {Path(row['source_name']).name} line {row['source_line']})"
            )

    for night, (extract, period) in enumerate(DEMO_NIGHTS, start=1):
        click.echo(f"\n{2 + night}. night {night}: {extract} arrives in inbox/ and the nightly flow runs")
        shutil.copyfile(DEMO_DATA / "extracts" / extract, workspace.inbox / extract)
        click.echo(summary_markdown(nightly_ingest(str(workspace.root))))
        outcome = period_close(str(workspace.root), period)
        click.echo(f"\n   close {period}: {outcome.action} -> {outcome.out_dir}")

    click.echo('\n5. credited wRVUs per provider and month (wrvu sql "select * from provider_period"):')
    run_query(workspace, "select * from provider_period order by npi, period", as_csv=False)
    click.echo("\n6. January's variance: December restated by the late charge and the void:")
    click.echo((workspace.out / "2021-01" / "variance.csv").read_text())
    click.echo("where the files are:")
    for folder in sorted(p for p in workspace.out.iterdir() if p.is_dir()):
        click.echo(f"   {folder}/: {', '.join(sorted(f.name for f in folder.iterdir() if f.is_file()))}")
    click.echo(f"   warehouse: {workspace.warehouse}")
    click.echo(f"try: wrvu sql --workspace {workspace.root} \"select * from claim_lines where rule <> 'cms'\"")
    last_close = workspace.out / DEMO_NIGHTS[-1][1]
    click.echo("\nwhat people read, of the last close:")
    click.echo(f"   payroll import:      {last_close / 'payroll.csv'}")
    click.echo(f"   finance workbook:    {last_close / 'close.xlsx'}")
    click.echo(f"   clinician statement: {min((last_close / 'statements').glob('*.pdf'))}")
    click.echo(f"   practice report:     {last_close / 'productivity.html'}")
