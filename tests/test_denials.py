"""Denied claims: an optional claim_status column (or the source's words through a column map), and the
policy denied_claims: credit (the default) or hold. A status change is a correction of the line, so a
denial of a closed month restates it and shows in the next variance as its own cause."""

from tests.conftest import PPRRVU
from tests.ingest_helpers import CANONICAL_HEADER, NPI_A, TODAY, ingest, query, write_extract
from tests.test_close import configure, read_csv
from wrvu.flows.close import close_period
from wrvu.flows.schedule import load_schedule_files

HEADER = [*CANONICAL_HEADER, "claim_status"]
PLANS = "plans:\n  fm: {model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 50}], settle: monthly}\n"


def practice(workspace, policy: str = ""):
    load_schedule_files(workspace, [PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])
    configure(workspace, roster=f'{NPI_A},E1,"Rivera, Ana",Family Medicine,fm,1.0,2021-01-01,\n', plans=PLANS)
    (workspace.config / "crediting.yaml").write_text(policy)
    march = [
        ["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99214", "", "", "1", "P1", "paid"],
        ["T2", "C2", NPI_A, "2021-03-03", "2021-03-04", "99213", "", "", "1", "P2", "paid"],
    ]
    write_extract(workspace.inbox / "march.csv", march, header=HEADER)
    ingest(workspace, run_id="march")
    close_period.fn(str(workspace.root), "2021-03", False, False, TODAY)
    roster = f'{NPI_A},E1,"Rivera, Ana",Family Medicine,fm,1.0,2021-01-01,\n'
    configure(workspace, roster=roster, plans=PLANS, payroll="E1,2021-04-05,incentive,161.00\n")  # March's pay
    # in April the payer denies March's 99213: the same transaction again, with its new status
    write_extract(
        workspace.inbox / "april.csv",
        [
            ["T2", "C2", NPI_A, "2021-03-03", "2021-03-04", "99213", "", "", "1", "P2", "DENIED"],
            ["T3", "C3", NPI_A, "2021-04-05", "2021-04-06", "99214", "", "", "1", "P3", ""],
        ],
        header=HEADER,
    )
    ingest(workspace, run_id="april")
    return close_period.fn(str(workspace.root), "2021-04", False, False, TODAY)


def test_a_denial_held_by_the_policy_restates_its_closed_month_as_a_denial(workspace):
    april = practice(workspace, "denied_claims: hold\n")
    lines = "select transaction_id, claim_status, cast(credited_wrvu as varchar), rule from claim_lines order by 1"
    assert query(workspace, lines) == [
        ("T1", "paid", "1.9200", "cms"),
        ("T2", "denied", "0.0000", "denied"),
        ("T3", "", "1.9200", "cms"),
    ]
    [variance] = read_csv(april.out_dir / "variance.csv")
    assert (variance["denial_wrvu"], variance["late_charge_wrvu"], variance["restatement_wrvu"]) == (
        "-1.30",
        "0.00",
        "-1.30",
    )
    [row] = read_csv(april.out_dir / "reconciliation.csv")
    # the year to date 1.92 (T1) + 1.92 (T3), T2 held: earned 50 x 3.84 = 192.00, less March's 161.00 paid
    assert (row["wrvu_ytd"], row["true_up"], row["action"]) == ("3.84", "31.00", "pay")


def test_by_default_a_denied_line_is_still_credited(workspace):
    april = practice(workspace)
    assert query(
        workspace, "select cast(credited_wrvu as varchar), rule from claim_lines where transaction_id = 'T2'"
    ) == [("1.3000", "cms")]
    [variance] = read_csv(april.out_dir / "variance.csv")
    assert variance["denial_wrvu"] == "0.00"


def test_the_sources_own_status_words_go_through_the_column_map(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])
    (workspace.config / "column_maps" / "billing.yaml").write_text(
        "columns: {claim_status: Claim Status}\nclaim_status_values: {'DENIED - CO45': denied, PD: paid}\n"
    )
    rows = [
        ["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99214", "", "", "1", "P1", "Denied - CO45"],
        ["T2", "C2", NPI_A, "2021-03-01", "2021-03-02", "99214", "", "", "1", "P2", "PD"],
        ["T3", "C3", NPI_A, "2021-03-01", "2021-03-02", "99214", "", "", "1", "P3", "maybe"],
    ]
    write_extract(workspace.inbox / "billing.csv", rows, header=[*CANONICAL_HEADER, "Claim Status"])
    ingest(workspace, map_name="billing")
    assert query(workspace, "select transaction_id, claim_status from claim_lines order by 1") == [
        ("T1", "denied"),
        ("T2", "paid"),
    ]
    [(row, field, reason)] = query(workspace, "select source_row, field, reason from quarantine")
    assert (row, field) == (4, "claim_status") and reason.startswith("'maybe' is not a claim status")
