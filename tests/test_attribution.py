"""Team-based care as policy (crediting.yaml `attribution:`): a split/shared visit (FS), incident-to (a
performing NPI of its own, no FS) and teaching (GC, GE). Each share is its own credited row for its
clinician, both rows trace to the same extract row, and a void nets both."""

import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import CANONICAL_HEADER, NPI_A, NPI_B, TODAY, ingest, query, write_extract
from tests.test_close import configure, read_csv
from wrvu.flows.close import close_period
from wrvu.flows.schedule import load_schedule_files
from wrvu.schemas.crediting import load_crediting_policy
from wrvu.transforms.check import check_workspace
from wrvu.transforms.errors import InputError

HEADER = [*CANONICAL_HEADER, "performing_npi"]
APP = "1003000126"  # the nurse practitioner who performed the shared visits
ROSTER = (
    f'{NPI_A},E1,"Rivera, Ana",Family Medicine,fm,1.0,2021-01-01,\n'
    f'{APP},E3,"Kim, Jo",Family Medicine,fm,1.0,2021-01-01,\n'
)
PLANS = "plans:\n  fm: {model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 50}], settle: monthly}\n"
LINES = "select npi, transaction_id, cast(credited_wrvu as varchar), rule, source_row, cast(factor as varchar) from claim_lines order by transaction_id, npi"


@pytest.fixture
def ws(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])
    configure(workspace, roster=ROSTER, plans=PLANS)
    return workspace


def visits(ws, name: str, rows: list[list[str]]) -> None:
    write_extract(ws.inbox / name, rows, header=HEADER)
    ingest(ws, run_id=name)


def test_a_split_shared_visit_credits_each_clinician_their_share_and_a_void_nets_both(ws):
    (ws.config / "crediting.yaml").write_text("attribution:\n  split_shared: {billed: 0.5, performing: 0.5}\n")
    visits(
        ws,
        "march.csv",
        [
            # 99214 (1.92, RVU21A) billed by the physician, performed with the APP: FS
            ["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99214", "FS", "", "1", "P1", APP],
            # the same physician's own visit: no performing NPI, all theirs
            ["T2", "C2", NPI_A, "2021-03-01", "2021-03-02", "99213", "", "", "1", "P2", ""],
        ],
    )
    assert query(ws, LINES) == [
        (APP, "T1", "0.9600", "cms+split_shared_0.5", 2, "0.50000000"),
        (NPI_A, "T1", "0.9600", "cms+split_shared_0.5", 2, "0.50000000"),
        (NPI_A, "T2", "1.3000", "cms", 3, "1.00000000"),
    ]
    out = close_period.fn(str(ws.root), "2021-03", False, False, TODAY).out_dir
    assert {r["employee_id"]: r["wrvu_period"] for r in read_csv(out / "reconciliation.csv")} == {
        "E1": "2.26",
        "E3": "0.96",
    }
    visits(ws, "void.csv", [["T1-V", "C1", NPI_A, "2021-03-01", "2021-03-05", "99214", "FS", "", "-1", "P1", APP]])
    totals = "select npi, cast(sum(credited_wrvu) as varchar) from claim_lines where claim_id = 'C1' group by npi order by npi"
    assert query(ws, totals) == [(APP, "0.0000"), (NPI_A, "0.0000")]


def test_incident_to_moves_the_credit_to_who_did_the_work_when_the_policy_says_so(ws):
    row = ["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99213", "", "", "1", "P1", APP]
    visits(ws, "march.csv", [row])
    assert query(ws, LINES) == [(NPI_A, "T1", "1.3000", "cms+incident_to_1.0", 2, "1.00000000")], "default: billed"
    (ws.config / "crediting.yaml").write_text("attribution:\n  incident_to: {billed: 0.0, performing: 1.0}\n")
    ingest(ws, run_id="policy-changed")  # the policy applies to the stored lines at once
    assert query(ws, LINES) == [
        (APP, "T1", "1.3000", "cms+incident_to_1.0", 2, "1.00000000"),
        (NPI_A, "T1", "0.0000", "cms+incident_to_0.0", 2, "0.00000000"),
    ]


def test_a_teaching_physician_is_credited_the_teaching_factor(ws):
    (ws.config / "crediting.yaml").write_text("attribution: {teaching: 0.8}\n")
    visits(ws, "march.csv", [["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99214", "GC", "", "1", "P1", ""]])
    assert query(ws, LINES) == [(NPI_A, "T1", "1.5360", "cms+teaching_0.8", 2, "0.80000000")]  # 1.92 x 0.8


def test_a_performing_npi_is_checked_and_one_not_on_the_roster_is_unrostered(ws):
    (ws.config / "crediting.yaml").write_text("attribution:\n  split_shared: {billed: 0.5, performing: 0.5}\n")
    visits(
        ws,
        "march.csv",
        [
            ["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99214", "FS", "", "1", "P1", "1234567890"],
            ["T2", "C2", NPI_A, "2021-03-01", "2021-03-02", "99214", "FS", "", "1", "P2", NPI_B],
        ],
    )
    [(field, reason)] = query(ws, "select field, reason from quarantine")
    assert field == "performing_npi" and "'1234567890' is not a 10-digit NPI" in reason
    assert query(ws, "select npi, employee_id from claim_lines order by npi") == [(NPI_A, "E1"), (NPI_B, None)]
    unrostered = [f for f in check_workspace(ws, TODAY).findings if f.code == "unrostered_npi"]
    assert [NPI_B in f.message for f in unrostered] == [True], "reported as any unrostered NPI"


@pytest.mark.parametrize(
    ("policy", "key"),
    [
        ("attribution:\n  split_shared: {billed: 0.7, performing: 0.5}\n", "attribution.split_shared"),
        ("attribution:\n  incident_to: {billed: 1.5}\n", "attribution.incident_to.billed"),
        ("attribution: {teaching: -0.1}\n", "attribution.teaching"),
    ],
)
def test_a_share_outside_0_to_1_is_a_config_error_naming_the_key(tmp_path, policy, key):
    path = tmp_path / "crediting.yaml"
    path.write_text(policy)
    with pytest.raises(InputError, match=rf"crediting.yaml: {key}: "):
        load_crediting_policy(path)


def test_the_billing_systems_full_credit_of_a_shared_visit_reads_as_attribution(ws):
    (ws.config / "crediting.yaml").write_text("attribution:\n  split_shared: {billed: 0.5, performing: 0.5}\n")
    write_extract(
        ws.inbox / "march.csv",
        [["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99214", "FS", "", "1", "P1", APP, "1.92"]],
        header=[*HEADER, "source_work_rvu"],
    )
    ingest(ws)
    out = close_period.fn(str(ws.root), "2021-03", False, False, TODAY).out_dir
    [row] = read_csv(out / "source_rvu_reconciliation.csv")
    assert (row["npi"], row["cause"], row["source_wrvu"], row["wrvu"], row["difference"]) == (
        NPI_A,
        "attribution",
        "1.9200",
        "0.9600",
        "-0.9600",
    ), "the source's figure is the line's, compared on the billed clinician's row alone"
