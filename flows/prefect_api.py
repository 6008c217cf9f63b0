"""The Prefect API a wrvu command runs its flows against.

With PREFECT_API_URL set (a `prefect server start` of your own, or Prefect Cloud), that one. Without
it, Prefect would start a temporary server at the first flow call, after importing its whole server
in this process (4 s here) and then waiting for the server's own start-up (6-8 s). wrvu starts that
same temporary server (`uvicorn prefect.server.api.server:create_app`, as Prefect does) before it
imports anything heavy, so the server boots while wrvu loads and checks its inputs, and stops it on
the way out without waiting for its shutdown. The server watches wrvu: killed (kill -9 runs no exit
handlers), wrvu leaves no server behind.

That temporary server runs no scheduler (Prefect's ephemeral mode): a schedule served there would
never fire. `wrvu serve` without PREFECT_API_URL starts the same server with all its services
instead (`prefect server start` minus the UI), its database in the workspace.
"""

import atexit
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

HEALTH_TIMEOUT_SECONDS = 60
HEALTH_POLL_SECONDS = 0.1
FLUSH_TIMEOUT_SECONDS = 10
PARENT_POLL_SECONDS = 1


class TemporaryServer:
    """A Prefect server subprocess on a free local port: ephemeral (no scheduler, Prefect's default
    database), or with `database` every service of `prefect server start` and its runs kept there."""

    def __init__(self, database: Path | None = None):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        self.database = database
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_FINAL": "1"}
        if database is None:
            env["PREFECT__SERVER_EPHEMERAL"] = "1"
        else:
            database.parent.mkdir(parents=True, exist_ok=True)
            env.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)  # the older name would win over ours
            env["PREFECT_SERVER_DATABASE_CONNECTION_URL"] = f"sqlite+aiosqlite:///{database}"
            env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"  # the ephemeral server sends none either
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "wrvu.flows.prefect_api",
                str(os.getpid()),
                "--factory",
                "prefect.server.api.server:create_app",
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--log-level",
                "error",
                "--lifespan",
                "on",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
        )
        self.used = False
        atexit.register(self.stop)

    def wait_until_healthy(self) -> None:
        deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the temporary Prefect server exited with code {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=1) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(HEALTH_POLL_SECONDS)
        raise RuntimeError(f"the temporary Prefect server did not answer within {HEALTH_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()


_server: TemporaryServer | None = None


def start_early(database: Path | None = None) -> None:
    """Start the temporary server now, unless an API is configured (checked again in `api`, once
    Prefect's settings are loaded: a Prefect profile can name one too)."""
    global _server
    if _server is None and not _configured_api_url():
        _server = TemporaryServer(database)


def _configured_api_url() -> str | None:
    if "prefect.settings" in sys.modules:  # already paid for: ask Prefect (a test harness sets it there)
        from prefect.settings import PREFECT_API_URL

        return PREFECT_API_URL.value()
    return os.environ.get("PREFECT_API_URL")


@contextmanager
def api():
    """Run the enclosed flows against the configured Prefect API, else against the temporary server;
    their logs and events are sent before it ends. Yields a line saying which server."""
    from prefect.settings import PREFECT_API_URL, temporary_settings

    if configured := _configured_api_url():  # from the environment, a Prefect profile, or a test harness
        if _server is not None and not _server.used:
            _server.stop()  # started for nothing (a server that ran flows lives on: their workers flush to it)
        settings = {}
        where = f"the Prefect server of PREFECT_API_URL, {configured}"
    else:
        start_early()
        _server.wait_until_healthy()
        _server.used = True
        settings = {PREFECT_API_URL: _server.api_url}
        where = (
            f"wrvu's own Prefect server, {_server.api_url} (database {_server.database}; it ends with wrvu)"
            if _server.database
            else f"a temporary Prefect server, {_server.api_url}"
        )
    with temporary_settings(settings):
        try:
            yield where
        finally:
            _flush_logs_and_events()


def _flush_logs_and_events() -> None:
    """Send what the runs logged to the server while it is up (Prefect would at interpreter exit,
    which `wrvu` skips)."""
    from prefect.events.worker import EventsWorker
    from prefect.logging.handlers import APILogWorker

    APILogWorker.drain_all(timeout=FLUSH_TIMEOUT_SECONDS)
    EventsWorker.drain_all(timeout=FLUSH_TIMEOUT_SECONDS)


def serve_while_parent_lives(parent: int, uvicorn_args: list[str]) -> None:
    """The server process: uvicorn, and a watch that ends it once `parent` is gone."""

    def watch():
        while os.getppid() == parent:
            time.sleep(PARENT_POLL_SECONDS)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
    from uvicorn.main import main as uvicorn_main

    sys.argv = ["uvicorn", *uvicorn_args]
    uvicorn_main()


if __name__ == "__main__":
    serve_while_parent_lives(int(sys.argv[1]), sys.argv[2:])
