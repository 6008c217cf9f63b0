"""Config is applied at one moment: whatever changes a line's credit or period (policy, custom RVUs,
plan pins, releases, period basis) is brought up to date by the close before it reads a credit, and
commands that only read the warehouse refuse (explain) or warn (check) until an ingest or a close
applies it."""

from datetime import date
from decimal import Decimal

import pytest

from tests.ingest_helpers import NPI_A, TODAY, ingest, query, write_extract
from tests.test_check import findings
from tests.test_close import configure, plans_yaml, read_csv, ws  # noqa: F401  (ws is a fixture)
from wrvu.flows.close import close_period
from wrvu.schemas.workspace import load_workspace

ROSTER = f'{NPI_A},E1,"Rivera, Ana",Family Medicine,fm,1.0,2023-01-01,\n'


@pytest.fixture
def march(ws):
    configure(ws, roster=ROSTER, plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}], settle: annual"))
    write_extract(
        ws.inbox / "march.csv", [["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99215", "", "", "1", "MRN1"]]
    )
    ingest(ws)
    return ws


def test_a_close_applies_a_custom_rvu_added_since_the_last_ingest(march, wrvu):
    assert query(march, "select credited_wrvu from claim_lines") == [(Decimal("2.8000"),)]
    (march.config / "custom_rvus.csv").write_text(
        "cpt_code,modifier,work_rvu,effective_from,effective_to,note\n99215,,3.25,2023-01-01,,negotiated value\n"
    )
    [stale] = findings(march, "config_not_applied")
    assert stale.message.startswith(
        "the crediting policy, custom RVUs, a plan's pinned release or the loaded "
        "releases changed since the last ingest"
    )
    shown = wrvu("sql", "select count(*) as n from claim_lines")
    assert shown.exit_code == 0 and shown.stderr.startswith("wrvu: warning: the crediting policy, custom RVUs")
    assert "`wrvu sql` only reads the warehouse: run `wrvu ingest` first" in shown.stderr
    refused = wrvu("explain", "2023-03", "E1")
    assert (
        refused.exit_code == 2 and "`wrvu explain` only reads the warehouse: run `wrvu ingest` first" in refused.stderr
    )

    outcome = close_period.fn(str(march.root), "2023-03", False, False, TODAY)
    assert (
        outcome.warnings[0]
        == "the crediting config changed since the last ingest: 1 line credited again before this close"
    )
    [row] = read_csv(outcome.out_dir / "reconciliation.csv")
    assert row["wrvu_period"] == "3.25", "the close pays on the config as it is now"
    assert findings(march, "config_not_applied") == []
    assert "3.2500" in wrvu("explain", "2023-03", "E1").stdout
    assert wrvu("sql", "select count(*) as n from claim_lines").stderr == ""


def test_a_period_basis_changed_since_the_last_ingest_moves_the_lines_before_the_close(march):
    write_extract(
        march.inbox / "late.csv", [["T2", "C2", NPI_A, "2023-03-30", "2023-04-03", "99213", "", "", "1", "MRN2"]]
    )
    ingest(march, run_id="late")
    (march.root / "wrvu.yaml").write_text("period_basis: post_date\n")
    [stale] = findings(load_workspace(march.root), "config_not_applied")
    assert stale.message.startswith("period_basis changed to post_date since the last ingest")
    outcome = close_period.fn(str(march.root), "2023-03", False, False, date(2026, 11, 23))
    [row] = read_csv(outcome.out_dir / "reconciliation.csv")
    assert row["wrvu_period"] == "2.80", "posted in April: by post date, the 99213 of 30 March is April's"
