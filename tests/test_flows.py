"""The Prefect flows as a user runs them: `wrvu ingest`, `wrvu close` and `wrvu demo` (one
temporary Prefect server for the session)."""

import asyncio
import csv
import json

import pytest
from click.testing import CliRunner

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, write_extract
from wrvu.flows.cli import cli

pytestmark = pytest.mark.usefixtures("prefect_harness")


def run(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_ingest_and_close_through_the_cli(workspace, tmp_path):
    ws = str(workspace.root)
    assert run("schedule", "load", str(PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"), "--workspace", ws).exit_code == 0
    (workspace.config / "roster.csv").write_text(
        "npi,employee_id,provider_name,specialty,plan_id,fte,effective_from,effective_to\n"
        f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2023-01-01,\n"
    )
    (workspace.config / "plans.yaml").write_text(
        "plans:\n  fm: {model: base_plus_production, threshold_wrvu: 12, tiers: [{from: 0, rate: 48}], settle: monthly}\n"
    )
    write_extract(
        workspace.inbox / "night.csv",
        [
            ["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99215", "", "", "1", "MRN1"],
            ["T2", "C2", NPI_A, "2023-03-02", "2023-03-02", "UNAPPLIED PAYMENT", "", "", "1", "MRN2"],
        ],
    )
    result = run("ingest", "--workspace", ws)
    assert result.exit_code == 3, "merged, but half the rows quarantined is an alert"
    assert "| night.csv | 2 | 1 | 1 | 0 | 0 | 2.8000 |" in result.stdout
    assert "1 of 2 rows quarantined (50%)" in result.stderr
    closed = run("close", "2023-03", "--workspace", ws)
    assert closed.exit_code == 0 and "closed" in closed.output
    with open(workspace.out / "2023-03" / "reconciliation.csv", newline="") as f:
        row = next(csv.DictReader(f))
    # threshold 12 x 90/365 = 2.96 > 2.80: a shortfall, not recoverable
    assert (row["wrvu_ytd"], row["threshold_ytd"], row["true_up"], row["action"]) == ("2.80", "2.96", "0.00", "none")
    again = run("close", "2023-03", "--workspace", ws)
    assert again.exit_code == 0 and "unchanged" in again.output
    assert close_artifact()["Control totals balance"] == "True"
    assert close_artifact()["Lines credited in the period"] == "1"
    missing = write_extract(tmp_path / "bad.csv", [["T9", "2023-03-01"]], header=["transaction_id", "DOS"])
    refused = run("ingest", str(missing), "--workspace", ws)
    assert refused.exit_code == 2 and "missing required columns: claim_id" in refused.stderr


def test_demo_runs_the_whole_job(tmp_path):
    result = run("demo", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    out = tmp_path / "demo" / "out"
    assert sorted(p.name for p in out.iterdir()) == ["2020-12", "2021-01"]
    manifest = json.loads((out / "2021-01" / "manifest.json").read_text())
    assert manifest["control_totals"]["balanced"] is True
    with open(out / "2021-01" / "variance.csv", newline="") as f:
        family = next(r for r in csv.DictReader(f) if r["employee_id"] == "E1001")
    assert family["flags"].startswith("restated") and family["late_charge_wrvu"] == "1.50"
    assert "99213 on 2021-01-04: work RVU 1.30" in result.output
    last = out / "2021-01"
    for line in (
        f"payroll import:      {last / 'payroll.csv'}",
        f"finance workbook:    {last / 'close.xlsx'}",
        f"clinician statement: {last / 'statements' / 'E1001.pdf'}",
        f"practice report:     {last / 'productivity.html'}",
    ):
        assert line in result.output
    assert (last / "statements" / "E1001.pdf").read_bytes().startswith(b"%PDF")


def close_artifact() -> dict[str, str]:
    """The latest `period-close` artifact: the close workbook's Summary, as a table of item and value."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey
    from prefect.client.schemas.sorting import ArtifactSort

    async def latest():
        async with get_client() as client:
            return await client.read_artifacts(
                artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["period-close"])),
                sort=ArtifactSort.CREATED_DESC,
                limit=1,
            )

    [artifact] = asyncio.run(latest())
    assert artifact.type == "table"
    table = json.loads(artifact.data) if isinstance(artifact.data, str) else artifact.data
    return {row["item"]: row["value"] for row in table}
