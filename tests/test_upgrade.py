"""Upgrades: the warehouse records its layout version; a writer opening an older warehouse upgrades it
in place in one transaction, a failed upgrade leaves it as it was, a newer one is refused, and readers
read the old layout or refuse naming `wrvu upgrade`. The old warehouse is a real one, written by the
wrvu of layout 1 (tests/fixtures/warehouse_layout_1/make_warehouse.py says how)."""

import gzip
import re
import shutil
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from tests.conftest import FIXTURES
from wrvu.flows.cli import cli
from wrvu.transforms import warehouse
from wrvu.transforms.errors import WrvuError

LAYOUT_1 = FIXTURES / "warehouse_layout_1"
# what the layout-1 warehouse holds, as its wrvu wrote it
LINES = [
    ("T1", "99215", 1, Decimal("2.8000")),
    ("T2", "99213", 2, Decimal("2.6000")),
    ("T3", "99213", 1, Decimal("1.3000")),
]
CLOSE = ("2023-03", 1, Decimal("5.4000"))


@pytest.fixture
def old(tmp_path) -> Path:
    """A copy of the layout-1 workspace (wrvu.yaml, config/, warehouse.duckdb)."""
    root = tmp_path / "old"
    shutil.copytree(LAYOUT_1, root, ignore=shutil.ignore_patterns("*.gz", "*.py"))
    with gzip.open(LAYOUT_1 / "warehouse.duckdb.gz", "rb") as gz, (root / "warehouse.duckdb").open("wb") as out:
        shutil.copyfileobj(gz, out)
    return root


def contents(path: Path) -> dict:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            "lines": con.execute(
                "select transaction_id, cpt_code, units, credited_wrvu from claim_lines order by transaction_id"
            ).fetchall(),
            "closes": con.execute("select period, revision, control_total_wrvu from closes").fetchall(),
            "close_lines": con.execute("select count(*), sum(credited_wrvu) from close_lines").fetchone(),
            "releases": con.execute("select release, row_count from schedule_releases").fetchall(),
            "tables": con.execute(
                "select table_name, comment from duckdb_tables() where table_name <> 'warehouse_layout' order by 1"
            ).fetchall(),
        }


def layout(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return warehouse.layout_version(con)


def run(root: Path, *args: str):
    return CliRunner().invoke(cli, [*args, "--workspace", str(root)], catch_exceptions=False)


def test_the_fixture_is_a_layout_1_warehouse_as_that_wrvu_wrote_it(old):
    before = contents(old / "warehouse.duckdb")
    assert layout(old / "warehouse.duckdb") == 1
    assert before["lines"] == LINES and before["closes"] == [CLOSE] and before["close_lines"] == (2, Decimal("5.4000"))
    assert all(comment is None for _, comment in before["tables"])


def test_a_writer_upgrades_a_layout_1_warehouse_in_place_keeping_every_line_and_close(old):
    path = old / "warehouse.duckdb"
    before = contents(path)
    with warehouse.connect(path) as con:
        assert con.execute("select version, upgraded_from, software from warehouse_layout").fetchall() == [
            (warehouse.LAYOUT_VERSION, 1, warehouse.software())
        ]
    after = contents(path)
    assert layout(path) == warehouse.LAYOUT_VERSION == 4
    assert {k: after[k] for k in ("lines", "closes", "close_lines", "releases")} == {
        k: before[k] for k in ("lines", "closes", "close_lines", "releases")
    }
    comments = dict(after["tables"])
    assert comments["close_revisions"] == "Every period close and restatement revision, with its manifest."
    assert all(comments[name] for name in comments), "every table says what it holds"
    with warehouse.connect(path) as con:  # a second writer finds it up to date: nothing recorded again
        assert con.execute("select count(*) from warehouse_layout").fetchone() == (1,)


def test_a_new_warehouse_starts_at_todays_layout(workspace):
    with warehouse.connect(workspace.warehouse) as con:
        assert con.execute("select version, upgraded_from from warehouse_layout").fetchall() == [(4, None)]
    assert layout(workspace.warehouse) == warehouse.LAYOUT_VERSION


def test_an_upgrade_failing_half_way_leaves_the_warehouse_at_its_old_layout(old, monkeypatch):
    path = old / "warehouse.duckdb"
    before = contents(path)
    real_migrations, real_load = warehouse.migrations(), warehouse.sql.load
    monkeypatch.setattr(warehouse, "migrations", lambda: [*real_migrations, (3, "999_broken")])
    monkeypatch.setattr(
        warehouse.sql,
        "load",
        lambda name: (  # a last step that fails after changing things
            "alter table close_revisions add column half_way varchar; select * from no_such_table"
            if name == "migrations/999_broken"
            else real_load(name)
        ),
    )
    with pytest.raises(
        RuntimeError,
        match=r"(?s)upgrading the warehouse from layout 1 to 4 failed at "
        r"sql/migrations/999_broken\.sql .*no_such_table.*it is still at layout 1",
    ):
        warehouse.connect(path)
    assert layout(path) == 1
    after = contents(path)
    assert after == before, "the layout table, the comments and the half-way column are all rolled back"
    with duckdb.connect(str(path), read_only=True) as con:
        assert "half_way" not in [
            c
            for (c,) in con.execute(
                "select column_name from duckdb_columns() where table_name = 'close_revisions'"
            ).fetchall()
        ]
    monkeypatch.undo()
    with warehouse.connect(path):  # the next writer upgrades it
        pass
    assert layout(path) == 4 and contents(path)["lines"] == LINES


def test_a_warehouse_newer_than_this_wrvu_is_refused_by_writers_and_readers_alike(old):
    path = old / "warehouse.duckdb"
    warehouse.connect(path).close()
    with duckdb.connect(str(path)) as con:  # as a later wrvu would leave it
        con.execute("insert into warehouse_layout values (5, 4, current_localtimestamp(), 'wrvu 9.0')")
    message = f"{path}: warehouse layout 5 is newer than this wrvu (layout 4): upgrade wrvu"
    for read_only in (False, True):
        with pytest.raises(WrvuError, match=re.escape(message)):
            warehouse.connect(path, read_only=read_only)
    result = run(old, "schedule", "list")
    assert (result.exit_code, result.stderr) == (2, f"wrvu: {message}\n")
    assert layout(path) == 5
    with duckdb.connect(str(path)):  # every refusal closed its connection: the file is not locked
        pass


def test_readers_read_a_layout_1_warehouse_without_writing_it(old):
    path = old / "warehouse.duckdb"
    stamp = path.stat().st_mtime_ns
    result = run(old, "sql", "select period, revision from closes", "--csv")
    assert result.exit_code == 0 and result.output.splitlines() == ["period,revision", "2023-03,1"]
    assert "RVU23A" in run(old, "schedule", "list").output
    shown = run(old, "schedule", "show", "99213", "--date", "2023-03-08")
    assert shown.exit_code == 0 and "99213" in shown.output
    assert layout(path) == 1 and path.stat().st_mtime_ns == stamp


def test_readers_refuse_a_layout_they_cannot_read_naming_wrvu_upgrade(old, monkeypatch):
    monkeypatch.setattr(warehouse, "READABLE_FROM", 2)  # as when a migration makes today's queries need it
    result = run(old, "sql", "select 1")
    assert result.exit_code == 2
    assert result.stderr == (
        f"wrvu: {old / 'warehouse.duckdb'}: warehouse layout 1 is older than this wrvu reads (layout 4); upgrade it "
        "in place with `wrvu upgrade` (or any writer: `wrvu schedule load`, `wrvu ingest`, `wrvu close`)\n"
    )
    upgraded = run(old, "upgrade")
    upgraded_line = f"{old / 'warehouse.duckdb'}: layout 4 (upgraded from layout 1)\n"
    assert (upgraded.exit_code, upgraded.output) == (0, upgraded_line)
    assert run(old, "sql", "select count(*) from claim_lines", "--csv").output.splitlines()[-1] == "3"
    again = run(old, "upgrade")
    assert again.output == f"{old / 'warehouse.duckdb'}: layout 4, up to date\n"


def test_sql_schema_is_the_layout_1_baseline_and_later_changes_are_migrations():
    """sql/schema/ runs only on a new or layout-1 warehouse: a change added there would never reach a
    warehouse already at layout 2 or later. Changes go in sql/migrations/NNN_name.sql, with LAYOUT_VERSION raised."""
    schema = sorted(p.name for p in (warehouse.sql.SQL_DIR / "schema").glob("*.sql"))
    assert len(schema) == 14 and schema[-1] == "140_quarantine_resolved.sql", "add a migration instead"
    assert max(version for version, _ in warehouse.migrations()) == warehouse.LAYOUT_VERSION
