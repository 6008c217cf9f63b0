"""Every real CMS release in ../shared/cms loads, and random lookups return what its file says."""

import csv
import random
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.conftest import SHARED_CMS, requires_shared
from wrvu.flows.schedule import load_schedule_files
from wrvu.flows.workspace import init_workspace
from wrvu.transforms import warehouse
from wrvu.transforms.schedule import governing_row

pytestmark = requires_shared


@pytest.fixture(scope="module")
def releases():
    """RELEASES.tsv: (release, first date, file) sorted by date."""
    with open(SHARED_CMS / "pprrvu" / "RELEASES.tsv") as tsv:
        rows = list(csv.DictReader(tsv, delimiter="\t"))
    return sorted(
        ((r["release"], date.fromisoformat(r["effective_from"]), r["file"]) for r in rows), key=lambda r: r[1]
    )


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, releases):
    workspace = init_workspace(tmp_path_factory.mktemp("shared") / "ws")
    for release, start, file in releases:
        load_schedule_files(workspace, [SHARED_CMS / file], release=release, effective_from=start)
    return workspace


def file_rows(path):
    """The file's own code rows, read independently: (code, modifier) -> work RVU, by CMS position."""
    with open(path, encoding="latin-1", newline="") as f:
        records = list(csv.reader(f))
    start = next(i for i, r in enumerate(records) if r and r[0] == "HCPCS") + 1
    return {(r[0], r[1]): r[5] for r in records[start:] if len(r) > 5 and r[0].strip("\x1a")}


def test_every_release_loads_once(loaded, releases):
    with warehouse.connect(loaded.warehouse, read_only=True) as con:
        stored = dict(con.execute("select release, row_count from schedule_releases").fetchall())
    assert set(stored) == {r for r, _, _ in releases}
    assert stored["RVU25D"] == 19090 and stored["RVU20A"] == 17236


def test_random_lookups_2020_to_2025_return_the_governing_file_value(loaded, releases):
    rng = random.Random(20260101)
    csv_releases = [(r, start, f) for r, start, f in releases if f.endswith(".csv")]
    cache = {}
    with warehouse.connect(loaded.warehouse, read_only=True) as con:
        for _ in range(400):
            day = date(2020, 1, 1) + timedelta(days=rng.randrange((date(2025, 12, 31) - date(2020, 1, 1)).days + 1))
            release, _, file = [r for r in csv_releases if r[1] <= day][-1]
            if file not in cache:
                rows = file_rows(SHARED_CMS / file)
                cache[file] = (rows, sorted(rows))
            rows, keys = cache[file]
            code, modifier = rng.choice(keys)
            row = governing_row(con, code, modifier, day)
            assert (row["release"], row["work_rvu"]) == (release, Decimal(rows[(code, modifier)])), (
                code,
                modifier,
                day,
            )


def test_known_values_across_years(loaded):
    with warehouse.connect(loaded.warehouse, read_only=True) as con:

        def wrvu(code, modifier, day):
            return str(governing_row(con, code, modifier, day)["work_rvu"])

        assert [wrvu("99213", "", date(y, 6, 1)) for y in range(2020, 2027)] == ["0.97"] + ["1.30"] * 6
        assert [wrvu("27447", "", date(y, 6, 1)) for y in (2020, 2021, 2025, 2026)] == [
            "20.72",
            "19.60",
            "19.60",
            "19.11",
        ]
        assert wrvu("71046", "26", date(2022, 6, 1)) == "0.22" and wrvu("71046", "TC", date(2022, 6, 1)) == "0.00"
        assert wrvu("93010", "", date(2024, 6, 1)) == "0.17"
        assert governing_row(con, "99213", "", date(2024, 3, 9))["release"] == "RVU24AR"
