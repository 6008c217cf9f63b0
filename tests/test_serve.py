"""The schedule fires: `wrvu serve` on an every-minute cron, against a `prefect server start` of the
user's (PREFECT_API_URL) and against the server wrvu serve starts itself, runs the nightly ingest
and its lines land in the warehouse; every process started ends. (Issue 10; both serves wait for the
same next minute, so the module takes about a minute and a half.)"""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, query, write_extract
from wrvu.schemas.workspace import load_workspace

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
HEALTH_SECONDS = 60
FIRE_SECONDS = 150  # the next minute boundary, the runner's 10 s poll, the run itself
STOP_SECONDS = 30
ROWS = [
    ["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99215", "", "", "1", "MRN1"],
    ["T2", "C2", NPI_A, "2023-03-02", "2023-03-02", "99213", "", "", "1", "MRN2"],
    ["T3", "C3", NPI_A, "2023-03-03", "2023-03-03", "99214", "", "", "1", "MRN3"],
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def prefect_env(home: Path, api_url: str | None = None) -> dict:
    """This environment without Prefect settings (no profile applies either: PREFECT_HOME is `home`)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(PREFECT_HOME=str(home), PREFECT_SERVER_ANALYTICS_ENABLED="false")
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def api(url: str, path: str, body: dict | None = None):
    request = urllib.request.Request(
        f"{url}{path}",
        data=json.dumps(body).encode() if body is not None else None,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def wait_healthy(url: str, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + HEALTH_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the server exited with code {process.returncode}"
        try:
            api(url, "/health")
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"no server at {url} within {HEALTH_SECONDS} s")


def end(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def is_gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")  # a zombie has ended
    except FileNotFoundError:
        return True


def new_workspace(root: Path) -> Path:
    subprocess.run([BIN / "wrvu", "init", str(root)], check=True, capture_output=True)
    subprocess.run(
        [BIN / "wrvu", "schedule", "load", str(PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"), "--workspace", str(root)],
        check=True,
        capture_output=True,
    )
    settings = root / "wrvu.yaml"
    template = settings.read_text()
    assert 'cron: "0 2 * * *"' in template
    settings.write_text(template.replace('cron: "0 2 * * *"', 'cron: "* * * * *"'))
    write_extract(root / "inbox" / "night.csv", ROWS)
    return root


def start_serve(root: Path, env: dict, *options: str) -> subprocess.Popen:
    """`wrvu serve`; its log (the runs' too) in ROOT.log."""
    with open(root.with_suffix(".log"), "w") as log:
        return subprocess.Popen(
            [BIN / "wrvu", "serve", *options, "--workspace", str(root)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )


def served_against(serve: subprocess.Popen) -> str:
    """The API URL of serve's one line saying which server it serves against."""
    line = serve.stdout.readline()
    assert line.startswith("serving the nightly ingest of "), line
    return re.search(r"(http://\S+/api)", line).group(1)


def registered(url: str, path: str, deadline: float) -> dict:
    """The object at `path`, waited for: serve says which server it serves against before its
    deployment is registered there (on a loaded machine, a moment later)."""
    while True:
        try:
            return api(url, path)
        except urllib.error.HTTPError as exc:
            if exc.code != 404 or time.monotonic() > deadline:
                raise
            time.sleep(0.5)


def completed_scheduled_run(url: str, deployment: str) -> dict:
    """The first run of `deployment` the server's scheduler made that completed, waited for."""
    deadline = time.monotonic() + FIRE_SECONDS
    deployment_id = registered(url, f"/deployments/name/nightly_ingest/{deployment}", deadline)["id"]
    while time.monotonic() < deadline:
        runs = api(
            url,
            "/flow_runs/filter",
            {"flow_runs": {"deployment_id": {"any_": [deployment_id]}, "state": {"type": {"any_": ["COMPLETED"]}}}},
        )
        if runs:
            return runs[0]
        time.sleep(2)
    pytest.fail(f"no scheduled run of {deployment} completed within {FIRE_SECONDS} s")


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A `prefect server start` of the user's, UI off."""
    port = free_port()
    home = tmp_path_factory.mktemp("prefect-home")
    server = subprocess.Popen(
        [BIN / "prefect", "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env={**prefect_env(home), "PREFECT_SERVER_UI_ENABLED": "false"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        url = f"http://127.0.0.1:{port}/api"
        wait_healthy(url, server)
        yield url
    finally:
        end(server)


@pytest.fixture(scope="module")
def serves(prefect_server, tmp_path_factory):
    """Both serves started at once, so that they wait for the same minute: `configured` against the
    user's server, `own` with no Prefect API configured."""
    base = tmp_path_factory.mktemp("serve")
    configured = start_serve(
        new_workspace(base / "ws-configured"),
        prefect_env(base / "home-configured", prefect_server),
        "--no-pause-on-shutdown",
    )
    own = start_serve(new_workspace(base / "ws-own"), prefect_env(base / "home-own"))
    try:
        yield {"configured": (configured, base / "ws-configured"), "own": (own, base / "ws-own"), "base": base}
    finally:
        end(configured)
        end(own)


def test_served_against_prefect_api_url_the_schedule_fires(prefect_server, serves):
    serve, root = serves["configured"]
    assert served_against(serve) == prefect_server
    other = new_workspace(serves["base"] / "ws-ingest")  # meanwhile, a plain ingest against the same server
    ingest = subprocess.run(
        [BIN / "wrvu", "ingest", "--workspace", str(other)],
        env=prefect_env(serves["base"] / "home-ingest", prefect_server),
        capture_output=True,
        text=True,
    )
    assert ingest.returncode == 0, ingest.stderr
    [ingest_run] = [
        r
        for r in api(prefect_server, "/flow_runs/filter", {})
        if r["parameters"].get("workspace_root") == str(other.resolve())
    ]
    assert ingest_run["state_type"] == "COMPLETED" and ingest_run["deployment_id"] is None
    artifacts = api(prefect_server, "/artifacts/filter", {"artifacts": {"key": {"any_": ["nightly-ingest"]}}})
    assert ingest_run["id"] in {a["flow_run_id"] for a in artifacts}

    run = completed_scheduled_run(prefect_server, "wrvu-nightly-ws-configured")
    assert run["auto_scheduled"] and run["parameters"] == {"workspace_root": str(root.resolve())}
    serve.send_signal(signal.SIGTERM)  # as systemd stops it
    assert serve.wait(STOP_SECONDS) == 0
    deployment = api(prefect_server, "/deployments/name/nightly_ingest/wrvu-nightly-ws-configured")
    assert deployment["paused"] is False, "--no-pause-on-shutdown leaves the schedule active"
    assert query(load_workspace(root), "select count(*) from claim_lines") == [(len(ROWS),)]


def test_served_without_an_api_its_own_server_fires_the_schedule_and_ends_with_it(serves):
    serve, root = serves["own"]
    url = served_against(serve)
    [server_pid] = [
        int(p)
        for p in Path(f"/proc/{serve.pid}/task/{serve.pid}/children").read_text().split()
        if b"wrvu.flows.prefect_api" in Path(f"/proc/{p}/cmdline").read_bytes()
    ]
    run = completed_scheduled_run(url, "wrvu-nightly-ws-own")
    assert run["auto_scheduled"] and run["parameters"] == {"workspace_root": str(root.resolve())}
    assert (root / ".wrvu" / "prefect" / "prefect.db").is_file()
    serve.send_signal(signal.SIGTERM)
    assert serve.wait(STOP_SECONDS) == 0
    deadline = time.monotonic() + 5  # it watches serve once a second
    while not is_gone(server_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert is_gone(server_pid), "serve's own server ends with it"
    assert query(load_workspace(root), "select count(*) from claim_lines") == [(len(ROWS),)]
