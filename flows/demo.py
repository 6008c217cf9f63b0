"""`wrvu demo`: the whole job on bundled sample data, printed step by step."""

from datetime import date
from pathlib import Path

import click

import demo
from flows.schedule import load_schedule_files
from flows.workspace import init_workspace
from transforms import warehouse
from transforms.schedule import governing_row

DEMO_DATA = Path(demo.__file__).parent
# The 2021 office E/M revaluation, seen on the two sides of the 2020/2021 line.
DEMO_LOOKUPS = [("99213", "", date(2020, 12, 15)), ("99213", "", date(2021, 1, 4)), ("71046", "26", date(2023, 3, 1))]


def run_demo(directory: Path) -> None:
    workspace = init_workspace(directory)
    click.echo(f"1. workspace: {workspace.root}")
    click.echo("2. fee schedule: bundled excerpts of real CMS PPRRVU releases")
    for line in load_schedule_files(workspace, sorted((DEMO_DATA / "fee_schedule").glob("*.csv"))):
        click.echo(f"   {line}")
    click.echo("3. the row that prices a line depends on its date of service:")
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        for code, modifier, service_date in DEMO_LOOKUPS:
            row = governing_row(con, code, modifier, service_date)
            click.echo(
                f"   {code}{'-' + modifier if modifier else ''} on {service_date}: work RVU {row['work_rvu']} "
                f"({row['release']}, {Path(row['source_name']).name} line {row['source_line']})"
            )
    click.echo(f"\nwarehouse: {workspace.warehouse}")
    click.echo(f"try: wrvu sql --workspace {workspace.root} \"select * from fee_schedule where cpt_code = '99214'\"")
