from pathlib import Path

import pytest
from click.testing import CliRunner

from wrvu.flows.cli import cli
from wrvu.flows.workspace import init_workspace

FIXTURES = Path(__file__).parent / "fixtures"
PPRRVU = FIXTURES / "pprrvu"
SHARED_CMS = Path(__file__).resolve().parents[2] / "shared" / "cms"
requires_shared = pytest.mark.skipif(not SHARED_CMS.is_dir(), reason="../shared/cms is absent")


@pytest.fixture
def workspace(tmp_path):
    return init_workspace(tmp_path / "ws")


@pytest.fixture
def wrvu(workspace):
    """Run `wrvu ARGS... --workspace <the test workspace>` in-process; returns the click Result."""

    def run(*args: str, input: str | None = None):
        return CliRunner().invoke(cli, [*args, "--workspace", str(workspace.root)], input=input, catch_exceptions=False)

    return run


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the whole session (it takes seconds to start)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield
