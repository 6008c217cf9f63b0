"""Every refusal of the installed `wrvu` is one line on stderr, flow commands included: Prefect's
log lines and tracebacks go to the run's file under .wrvu/logs/, never to the operator's screen.
Run as real processes: in-process, Prefect's console handler writes to the test runner's stderr."""

import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, NPI_B, write_extract
from tests.test_bad_inputs import CORPUS, EXPECTED
from wrvu.flows.schedule import load_schedule_files
from wrvu.flows.workspace import init_workspace

pytestmark = pytest.mark.slow

WRVU = Path(sys.executable).parent / "wrvu"
REFUSED_FILES = sorted(name for name, outcome in EXPECTED.items() if outcome[0] == "error")
GOOD_ROW = ["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99213", "", "", "1", "MRN1"]


@pytest.fixture(scope="module")
def api_env(prefect_harness):
    """The session's Prefect server for the subprocesses: no temporary server per command."""
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value(), "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    workspace = init_workspace(tmp_path_factory.mktemp("one-line") / "template")
    load_schedule_files(workspace, [PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"])
    (workspace.config / "plans.yaml").write_text(
        "plans:\n  fm: {model: base_plus_production, threshold_wrvu: 12, tiers: [{from: 0, rate: 48}], settle: monthly}\n"
    )
    (workspace.config / "roster.csv").write_text(
        "employee_id,npi,provider_name,specialty,plan_id,fte,effective_from,effective_to\n"
        f"E1,{NPI_A},Ada Lovelace,Family Medicine,fm,1.0,2023-01-01,\n"
    )
    return workspace.root


def wrvu(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(WRVU), *args], capture_output=True, text=True, env=env, timeout=180)


def copy_of(template: Path, tmp_path: Path, name: str) -> Path:
    return Path(shutil.copytree(template, tmp_path / name))


def assert_one_line(result: subprocess.CompletedProcess, code: int, says: str) -> str:
    lines = result.stderr.splitlines()
    assert result.returncode == code, result.stdout + result.stderr
    assert len(lines) == 1, f"{len(lines)} lines on stderr:\n{result.stderr[:3000]}"
    assert lines[0].startswith("wrvu: ") and says in lines[0], lines[0]
    return lines[0]


def test_every_refused_extract_of_the_corpus_is_one_line(api_env, template, tmp_path):
    def ingest_one(name: str) -> tuple[str, subprocess.CompletedProcess]:
        root = copy_of(template, tmp_path, name)
        shutil.copy(CORPUS / name, root / "inbox" / name)
        return name, wrvu(api_env, "ingest", "--workspace", str(root))

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(ingest_one, REFUSED_FILES))
    assert len(results) >= 8
    for name, result in results:
        assert_one_line(result, 2, name)
        logs = list((tmp_path / name / ".wrvu" / "logs").glob("*-ingest-*.log"))
        assert len(logs) == 1 and "Traceback" in logs[0].read_text(), "Prefect's traceback is kept in the run's log"


CONFIG_ERRORS = {
    # name: (how the workspace is spoilt, the command, what the line says)
    "bad_plans": ("config/plans.yaml", "plans:\n  fm: {model: nonsense}\n", ["close", "2023-03"], "plans.yaml"),
    "bad_roster": ("config/roster.csv", "employee_id,npi\nE1,123\n", ["ingest"], "roster.csv"),
    "bad_settings": ("wrvu.yaml", "period_basis: whenever\n", ["ingest"], "wrvu.yaml"),
    "bad_em_reference": (
        "config/em_reference.csv",
        "specialty,code,share\nFamily Medicine,99213,0.5\n",
        ["close", "2023-03"],
        "the shares of specialty 'Family Medicine' sum to 0.5, not 1",
    ),
    "unknown_release": (None, None, ["close", "2023-03", "--reprice-on", "RVU19A"], "--reprice-on RVU19A"),
    "unknown_column_map": (None, None, ["ingest", "--map", "nowhere"], "nowhere"),
    "open_period": (None, None, ["close", "2099-01"], "2099-01 ends on 2099-01-31"),
    "usage": (None, None, ["close", "2023-13"], "not a period"),
    "unknown_option": (None, None, ["close", "2023-03", "--no-such-option"], "--no-such-option"),
}


@pytest.mark.parametrize("case", sorted(CONFIG_ERRORS))
def test_every_config_and_usage_error_is_one_line(api_env, template, tmp_path, case):
    spoilt, content, command, says = CONFIG_ERRORS[case]
    root = copy_of(template, tmp_path, "ws")
    write_extract(root / "inbox" / "night.csv", [GOOD_ROW])
    if spoilt:
        (root / spoilt).write_text(content)
    assert_one_line(wrvu(api_env, *command, "--workspace", str(root)), 2, says)


def test_a_close_that_needs_restate_is_one_line(api_env, template, tmp_path):
    root = copy_of(template, tmp_path, "ws")
    write_extract(root / "inbox" / "night.csv", [GOOD_ROW])
    assert wrvu(api_env, "ingest", "--workspace", str(root)).returncode == 0
    assert wrvu(api_env, "close", "2023-03", "--workspace", str(root)).returncode == 0
    write_extract(root / "inbox" / "late.csv", [["T2", *GOOD_ROW[1:4], "2023-04-02", "99214", "", "", "1", "MRN2"]])
    assert wrvu(api_env, "ingest", "--workspace", str(root)).returncode == 0
    assert_one_line(wrvu(api_env, "close", "2023-03", "--workspace", str(root)), 2, "pass --restate")


def test_the_workspace_goes_before_or_after_the_subcommand_and_wrvu_home_says_so(api_env, template, tmp_path):
    root = copy_of(template, tmp_path, "ws")
    before = wrvu(api_env, "--workspace", str(root), "schedule", "list")
    assert before.returncode == 0 and before.stdout.startswith("RVU23A")
    assert wrvu(api_env, "schedule", "list", "--workspace", str(root)).stdout == before.stdout
    from_home = wrvu({**api_env, "WRVU_HOME": str(root)}, "schedule", "list")
    assert from_home.stdout == before.stdout
    missing = tmp_path / "nowhere"
    line = assert_one_line(wrvu({**api_env, "WRVU_HOME": str(missing)}, "schedule", "list"), 2, f"WRVU_HOME={missing}")
    assert "not a wrvu workspace" in line


def test_a_failed_run_is_one_line_naming_the_log_with_its_traceback(api_env, template, tmp_path):
    root = copy_of(template, tmp_path, "ws")
    write_extract(root / "inbox" / "night.csv", [GOOD_ROW])
    (root / "warehouse.duckdb").write_bytes(b"this is not a DuckDB file" * 1000)
    line = assert_one_line(wrvu(api_env, "ingest", "--workspace", str(root)), 1, "wrvu: failed: ")
    log = Path(line.rsplit("traceback in ", 1)[1].rstrip(")"))
    assert log.parent == root / ".wrvu" / "logs" and "Traceback (most recent call last)" in log.read_text()


def test_progress_and_warnings_go_to_stdout_and_verbose_shows_prefect(api_env, template, tmp_path):
    root = copy_of(template, tmp_path, "ws")
    write_extract(
        root / "inbox" / "night.csv",
        [GOOD_ROW, ["T2", "C2", NPI_B, "2023-03-03", "2023-03-04", "99213", "", "", "1", "MRN2"]],
    )
    (root / "inbox" / "charges.xlsx").write_bytes(b"PK")
    quiet = wrvu(api_env, "ingest", "--workspace", str(root))
    assert quiet.returncode == 0 and quiet.stderr == ""
    assert "night.csv: read 2 = accepted 2 + quarantined 0 + duplicate 0" in quiet.stdout
    assert "warning: skipped_file: " in quiet.stdout and "charges.xlsx: no ingest reads a .xlsx file" in quiet.stdout
    assert "Finished in state" not in quiet.stdout, "Prefect's engine lines are for the log file"

    closed = wrvu(api_env, "close", "2023-03", "--workspace", str(root))
    assert closed.returncode == 0 and closed.stderr == ""
    assert (
        f"warning: unrostered_npi: NPI {NPI_B} has 1 credited lines on dates with no roster row (2023-03: 1 line, "
        "1.30 wRVUs)" in closed.stdout
    )
    assert f"2023-03 closed: {root / 'out' / '2023-03'}" in closed.stdout

    verbose = wrvu(api_env, "--verbose", "close", "2023-03", "--workspace", str(root))
    assert verbose.returncode == 0 and "Finished in state Completed" in verbose.stderr
