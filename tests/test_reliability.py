"""Nothing lost, nothing doubled: real `wrvu` processes killed with SIGKILL at several points of an
ingest and a close, then run again, give exactly what an uninterrupted run gives; two runs at once
take turns. (Issue 6; slow: each case starts real processes.)"""

import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import duckdb
import pytest

from bench.generate import NPI_QUERY, generate_extract
from tests.conftest import PPRRVU
from wrvu.flows.schedule import load_schedule_files
from wrvu.flows.workspace import init_workspace
from wrvu.transforms import warehouse
from wrvu.transforms.errors import BusyError

pytestmark = pytest.mark.slow

WRVU = Path(sys.executable).parent / "wrvu"
LINES = 120_000
ROSTER = "npi,employee_id,provider_name,specialty,plan_id,fte,effective_from,effective_to\n"
PLANS = (
    "plans:\n  fm: {model: base_plus_production, threshold_wrvu: 4800, tiers: [{from: 0, rate: 48}], settle: monthly}\n"
)
# What an ingest leaves, without the run ids and clocks that differ between any two runs.
SNAPSHOT = {
    "lines": "select transaction_id, version_id, npi, service_date, cpt_code, modifiers, units, release, credited_wrvu, "
    "rule, source_file, source_row from claim_lines order by version_id",
    "versions": "select count(*), count(*) filter (where is_current) from claim_line_versions",
    "provider_period": "select * from provider_period order by npi, period",
    "quarantine": "select source_file, source_row, field, reason from quarantine order by source_file, source_row",
    "runs": "select source_file, sha256, rows_read, rows_accepted, rows_quarantined, rows_duplicate, rows_superseded, "
    "wrvu_added from ingest_runs order by source_file",
}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """A workspace with fee schedules, a roster of the generator's first providers and two extracts
    in its inbox, never ingested; each test works on a copy."""
    root = tmp_path_factory.mktemp("reliability") / "ws"
    workspace = init_workspace(root)
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv", PPRRVU / "RVU24A" / "PPRRVU24_JAN.csv"])
    npis = duckdb.connect().sql(f"select npi from ({NPI_QUERY}) order by i limit 50").fetchall()
    (workspace.config / "roster.csv").write_text(
        ROSTER + "".join(f"{npi},E{i},P{i},Family Medicine,fm,1.0,2022-01-01,\n" for i, (npi,) in enumerate(npis))
    )
    (workspace.config / "plans.yaml").write_text(PLANS)
    generate_extract(str(workspace.inbox / "a_night.csv"), LINES)
    generate_extract(
        str(workspace.inbox / "b_night.csv"), LINES // 4, seed=7, id_prefix="NX", first_day="2024-12-01", days=30
    )
    return root


@pytest.fixture
def copy_of(pristine, tmp_path):
    def make(name: str) -> Path:
        root = tmp_path / name
        shutil.copytree(pristine, root)
        return root

    return make


def run(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(WRVU), *args, "--workspace", str(root)], capture_output=True, text=True, timeout=300)


def snapshot(root: Path) -> dict:
    """The SNAPSHOT queries' rows, source files named relative to the workspace."""

    def relative(value):
        return value.replace(str(root), "WORKSPACE") if isinstance(value, str) else value

    with warehouse.connect(root / "warehouse.duckdb", read_only=True) as con:
        return {
            name: [tuple(map(relative, row)) for row in con.execute(query).fetchall()]
            for name, query in SNAPSHOT.items()
        }


def kill_when(root: Path, args: list[str], marker: str | None, delay: float) -> int:
    """Start `wrvu ARGS`, and SIGKILL it `delay` seconds after a line of its log contains `marker`
    (after its start when None); returns its pid. Verbose: the markers are Prefect's own lines."""
    process = subprocess.Popen(
        [str(WRVU), "--verbose", *args, "--workspace", str(root)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    seen, log = threading.Event(), []

    def read():
        for line in process.stdout:
            log.append(line)
            if marker and marker in line:
                seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if marker:
        assert seen.wait(120), f"never logged {marker!r}:\n{''.join(log)}"
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    reader.join(5)
    return process.pid


def server_outlives(pid: int) -> bool:
    """Whether the temporary Prefect server of the killed wrvu `pid` is still running after a few
    seconds (it watches its parent once a second)."""
    time.sleep(3)
    server = f"wrvu.flows.prefect_api\0{pid}\0".encode()
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if server in cmdline.read_bytes():
                return True
        except OSError:  # ended while we looked
            continue
    return False


@pytest.fixture(scope="module")
def ingested(pristine, tmp_path_factory) -> Path:
    """The pristine workspace after an uninterrupted ingest (copied, never changed)."""
    root = tmp_path_factory.mktemp("uninterrupted") / "ws"
    shutil.copytree(pristine, root)
    result = run(root, "ingest")
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="module")
def uninterrupted(ingested):
    return snapshot(ingested)


@pytest.mark.parametrize(
    ("marker", "delay"),
    [
        (None, 0.8),  # starting: nothing of the run done
        ("extract(s) to read", 0.0),  # discovered, staging begins
        ("Task run 'stage", 0.0),  # between the two files' stages
        ("rows read", 0.5),  # in the merge
        ("Task run 'merge", 0.0),  # merged and committed, the summary not yet printed
    ],
)
def test_an_ingest_killed_at_any_point_and_run_again_gives_the_uninterrupted_result(
    copy_of, uninterrupted, marker, delay
):
    root = copy_of("killed")
    pid = kill_when(root, ["ingest"], marker, delay)
    with warehouse.connect(root / "warehouse.duckdb", read_only=True):
        pass  # the warehouse always opens
    assert not server_outlives(pid)
    again = run(root, "ingest")
    assert again.returncode == 0, again.stderr
    assert snapshot(root) == uninterrupted
    assert not any((root / ".wrvu" / "staging").iterdir()), "a killed run's staging is cleared by the next run"


def test_a_close_killed_at_any_point_and_run_again_writes_the_same_files(ingested, tmp_path):
    def copy(name: str) -> Path:
        return Path(shutil.copytree(ingested, tmp_path / name))

    reference = copy("reference")
    assert run(reference, "close", "2024-06").returncode == 0
    expected = close_files(reference)
    for marker, delay in [(None, 1.0), ("Beginning flow run", 0.3), ("Task run 'close", 0.0)]:
        root = copy(f"close-{delay}-{marker}".replace(" ", "_").replace("'", ""))
        kill_when(root, ["close", "2024-06"], marker, delay)
        out = root / "out"
        visible = [p for p in out.iterdir() if not p.name.startswith(".")] if out.exists() else []
        for folder in visible:  # a period folder is there whole or not at all
            assert {p.relative_to(folder).as_posix() for p in folder.rglob("*")} >= set(expected) - {"rev-2"}
        again = run(root, "close", "2024-06")
        assert again.returncode == 0, again.stderr
        assert close_files(root) == expected
        assert not [p for p in out.iterdir() if p.name.endswith(".partial")]


def close_files(root: Path) -> dict[str, bytes]:
    """The files of the 2024-06 close, the workspace's own path taken out (its manifest names the
    hashes of the others, which then differ between workspaces); the documents that say when they
    were closed (workbook, statements, report) by name only."""
    folder = root / "out" / "2024-06"
    dated = {".xlsx", ".pdf", ".html"}
    return {
        p.relative_to(folder).as_posix(): b""
        if p.suffix in dated
        else p.read_bytes().replace(str(root).encode(), b"WORKSPACE")
        for p in folder.rglob("*")
        if p.is_file() and p.name != "manifest.json"
    }


def test_two_ingests_at_once_take_turns_and_ingest_each_file_once(copy_of):
    root = copy_of("concurrent")
    first = subprocess.Popen(
        [str(WRVU), "ingest", "--workspace", str(root)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    time.sleep(1.0)
    second = run(root, "ingest")
    out, err = first.communicate(timeout=300)
    assert (first.returncode, second.returncode) == (0, 0), (err, second.stderr)
    runs = snapshot(root)["runs"]
    assert [r[0].rsplit("/", 1)[-1] for r in runs] == ["a_night.csv", "b_night.csv"]
    assert "already ingested" in out + second.stdout


def test_a_run_that_cannot_get_the_lock_exits_2_naming_the_run_that_holds_it(tmp_path):
    with warehouse.run_lock(tmp_path, "ingest"):
        started = time.monotonic()
        with pytest.raises(BusyError, match=r"wrvu ingest \(pid \d+, since .*\) is still running in this workspace"):
            with warehouse.run_lock(tmp_path, "close", wait_seconds=0.5):
                pass
        assert time.monotonic() - started >= 0.5
    with warehouse.run_lock(tmp_path, "close", wait_seconds=0):
        pass  # released


def test_sql_during_an_ingest_waits_and_never_sees_half_a_night(copy_of):
    root = copy_of("reader")
    ingest = subprocess.Popen(
        [str(WRVU), "ingest", "--workspace", str(root)], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
    )
    query = "select (select count(*) from ingest_runs) as files, (select count(*) from claim_line_versions) as lines"
    seen = set()
    while ingest.poll() is None:
        result = run(root, "sql", "--csv", query)
        if result.returncode == 0:
            seen.add(result.stdout.splitlines()[1])
        else:  # the merge held the warehouse for longer than a reader waits
            assert result.returncode == 2 and "in use by another wrvu process" in result.stderr
    assert ingest.returncode == 0
    assert seen, "no reader got through while the ingest ran: the test proved nothing"
    final = run(root, "sql", "--csv", query).stdout.splitlines()[1]
    assert seen <= {"0,0", final}, "a reader saw the warehouse between two states"
