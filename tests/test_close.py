"""Period close end to end: ingest -> close, the worked examples to the cent, immutability,
restatements, and the files payroll receives."""

import csv
import io
import json
import shutil
import stat
from decimal import ROUND_HALF_UP, Decimal

import pytest

from tests.conftest import PPRRVU
from tests.ingest_helpers import NPI_A, NPI_B, TODAY, ingest, query, write_extract
from wrvu.flows.close import close_period
from wrvu.flows.schedule import load_schedule_files
from wrvu.transforms.errors import WrvuError

SCHEDULES = [PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv", PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"]
ROSTER_HEADER = "npi,employee_id,provider_name,specialty,plan_id,fte,effective_from,effective_to\n"
PAYROLL_HEADER = "employee_id,pay_date,pay_type,amount\n"


def plans_yaml(**plans: str) -> str:
    return "plans:\n" + "".join(
        f"  {name}: {{model: base_plus_production, threshold_wrvu: 4800, {body}}}\n" for name, body in plans.items()
    )


def configure(ws, roster: str, plans: str, payroll: str = "", benchmarks: str = "") -> None:
    (ws.config / "roster.csv").write_text(ROSTER_HEADER + roster)
    (ws.config / "plans.yaml").write_text(plans)
    (ws.config / "payroll_paid.csv").write_text(PAYROLL_HEADER + payroll)
    (ws.config / "benchmarks.csv").write_text("specialty,p25,p50,p75,p90\n" + benchmarks)


def close(ws, period: str, restate: bool = False):
    return close_period.fn(str(ws.root), period, restate, False, TODAY)


def read_csv(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def year_of_visits(ws, npi: str, code: str, units: int, name: str, tid: str) -> None:
    """One line a month of `units` units, summing to the year's wRVUs."""
    per_month = [units // 12 + (1 if m < units % 12 else 0) for m in range(12)]
    write_extract(
        ws.inbox / name,
        [
            [
                f"{tid}{m + 1}",
                f"C{tid}{m + 1}",
                npi,
                f"2023-{m + 1:02d}-10",
                f"2023-{m + 1:02d}-12",
                code,
                "",
                "",
                str(n),
                f"P{m}",
            ]
            for m, n in enumerate(per_month)
        ],
    )


@pytest.fixture
def ws(workspace):
    load_schedule_files(workspace, SCHEDULES)
    return workspace


@pytest.mark.parametrize(
    ("case", "visits", "plan_body", "true_up", "action"),
    [
        ("A", [("99215", 2000)], "tiers: [{from: 0, rate: 48}], settle: annual", "38400.00", "pay"),
        (
            "B",
            [("99215", 2000), ("99203", 375)],
            "tiers: [{from: 0, rate: 48}, {from: 1000, rate: 58}], tier_kind: marginal, settle: annual",
            "71200.00",
            "pay",
        ),
        (
            "B'",
            [("99215", 2000), ("99203", 375)],
            "tiers: [{from: 0, rate: 48}, {from: 1000, rate: 58}], tier_kind: cliff, settle: annual",
            "81200.00",
            "pay",
        ),
        (
            "C",
            [("99215", 1500)],
            "tiers: [{from: 0, rate: 48}], settle: annual, recoverable: true",
            "-28800.00",
            "recover",
        ),
        ("C'", [("99215", 1500)], "tiers: [{from: 0, rate: 48}], settle: annual, recoverable: false", "0.00", "none"),
    ],
)
def test_worked_examples_from_ingest_to_close(ws, case, visits, plan_body, true_up, action):
    configure(
        ws,
        roster=f'{NPI_A},E1,"Rivera, Ana",Family Medicine,fm,1.0,2023-01-01,\n',
        plans=plans_yaml(fm=plan_body),
        payroll="".join(f"E1,2023-{m:02d}-28,base,18333.33\n" for m in range(1, 13)),
    )
    for i, (code, units) in enumerate(visits):
        year_of_visits(ws, NPI_A, code, units, f"visits_{i}.csv", f"T{i}-")
    ingest(ws)
    outcome = close(ws, "2023-12")
    rows = read_csv(outcome.out_dir / "reconciliation.csv")
    assert len(rows) == 1
    row = rows[0]
    wrvu_ytd = {"A": "5600.00", "B": "6200.00", "B'": "6200.00", "C": "4200.00", "C'": "4200.00"}[case]
    assert (row["wrvu_ytd"], row["threshold_ytd"], row["paid_ytd"], row["true_up"], row["action"]) == (
        wrvu_ytd,
        "4800.00",
        "0.00",
        true_up,
        action,
    )


def test_files_manifest_and_control_totals(ws):
    configure(
        ws,
        roster=f'{NPI_A},E1,=HYPERLINK("x"),Family Medicine,fm,1.0,2023-01-01,\n{NPI_B},E2,Bo,Cardiology,fm,0.5,2023-03-15,\n',
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}], settle: monthly, recoverable: true"),
        benchmarks="Family Medicine,3900,4800,5700,6600\n",
    )
    write_extract(
        ws.inbox / "march.csv",
        [
            ["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99213", "", "", "1", "MRN1"],
            ["T2", "C1", NPI_A, "2023-03-01", "2023-03-02", "71046", "26", "", "1", "MRN1"],
            ["-T3", "C3", NPI_B, "2023-03-20", "2023-03-21", "27447", "80", "", "1", "MRN3"],
            ["T4", "C4", NPI_B, "2023-03-20", "2023-03-21", "NO SHOW", "", "", "1", "MRN4"],
            ["T5", "C5", "1555444334", "2023-03-20", "2023-03-21", "99213", "", "", "1", "MRN5"],  # not on the roster
        ],
    )
    ingest(ws)
    out = close(ws, "2023-03").out_dir
    assert sorted(p.name for p in out.iterdir()) == [
        "close.xlsx",
        "lines.csv",
        "manifest.json",
        "payroll.csv",
        "productivity.csv",
        "productivity.html",
        "productivity_em_mix.csv",
        "productivity_trend.csv",
        "quarantine.csv",
        "reconciliation.csv",
        "statements",
        "variance.csv",
    ]
    assert sorted(p.name for p in (out / "statements").iterdir()) == ["E1.html", "E1.pdf", "E2.html", "E2.pdf"]
    assert all(stat.S_IMODE(p.stat().st_mode) == (0o700 if p.is_dir() else 0o600) for p in out.rglob("*"))
    lines = read_csv(out / "lines.csv")
    assert [(l["transaction_id"], l["credited_wrvu"], l["release"], l["source_row"]) for l in lines] == [
        ("T1", "1.3000", "RVU23A", "2"),
        ("T2", "0.2200", "RVU23A", "3"),
        ("'-T3", "3.1360", "RVU23A", "4"),
    ]
    reconciliation = read_csv(out / "reconciliation.csv")
    assert [
        (r["employee_id"], r["provider_name"], r["wrvu_period"], r["encounters_period"], r["fte_avg"])
        for r in reconciliation
    ] == [
        ("E1", '\'=HYPERLINK("x")', "1.52", "1", "1.00"),
        ("E2", "Bo", "3.14", "1", "0.27"),  # 0.5 x 17/31 days
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["control_totals"] == {
        "lines_credited_wrvu": "4.6560",
        "reconciliation_wrvu_period": "4.6560",
        "balanced": True,
    }
    assert manifest["unassigned_lines"] == [{"npi": "1555444334", "lines": 1, "wrvu": "1.3000"}]
    assert [r["release"] for r in manifest["fee_schedule_releases"]] == ["RVU23A"]
    assert manifest["row_counts"] == {"lines": 3, "reconciliation": 2, "quarantine": 1}
    assert read_csv(out / "quarantine.csv")[0]["field"] == "cpt_code"
    for path in out.rglob("*.*"):
        assert b"MRN" not in path.read_bytes(), path.name  # (test_close_documents reads the PDFs and workbook too)
    variance = {r["employee_id"]: r for r in read_csv(out / "variance.csv")}
    assert variance["E1"]["benchmark_p50_ytd"] == "1183.56"  # 4800 x 90/365
    assert variance["E2"]["benchmark_p50_ytd"] == ""


def test_a_closed_period_is_immutable_unless_restated(ws):
    configure(
        ws,
        roster=f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2023-01-01,\n",
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}], settle: monthly, recoverable: true"),
    )
    write_extract(ws.inbox / "n1.csv", [["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99213", "", "", "1", "MRN1"]])
    ingest(ws, run_id="r1")
    first = close(ws, "2023-03")
    before = {p.name: p.read_bytes() for p in first.out_dir.iterdir() if p.is_file()}
    again = close(ws, "2023-03")
    assert (
        again.action == "unchanged"
        and {p.name: p.read_bytes() for p in first.out_dir.iterdir() if p.is_file()} == before
    )
    # a late charge for March arrives: March's inputs changed
    write_extract(
        ws.inbox / "n2.csv",
        [
            ["T2", "C2", NPI_A, "2023-03-30", "2023-04-03", "99214", "", "", "1", "MRN2"],
            ["T3", "C1", NPI_A, "2023-03-01", "2023-04-03", "99213", "", "", "-1", "MRN1"],
            ["T4", "C4", NPI_A, "2023-04-03", "2023-04-04", "99215", "", "", "1", "MRN4"],
        ],
    )
    ingest(ws, run_id="r2")
    with pytest.raises(WrvuError, match="2023-03 was closed .* pass --restate"):
        close(ws, "2023-03")
    # payroll has recovered March's shortfall, so April may settle (an unrecorded one refuses it)
    (ws.config / "payroll_paid.csv").write_text(PAYROLL_HEADER + "E1,2023-04-05,recovery,-56748.56\n")
    # April's close shows March's restatement split into causes, and pays it through the true-up
    april = close(ws, "2023-04")
    variance = read_csv(april.out_dir / "variance.csv")[0]
    assert (variance["restatement_wrvu"], variance["late_charge_wrvu"], variance["void_wrvu"], variance["flags"]) == (
        "0.62",
        "1.92",
        "-1.30",
        "restated pace_below_80pct",
    )
    assert read_csv(april.out_dir / "reconciliation.csv")[0]["wrvu_ytd"] == "4.72"  # 1.30 + 1.92 - 1.30 + 2.80
    restated = close(ws, "2023-03", restate=True)
    assert (restated.revision, restated.out_dir) == (2, first.out_dir / "rev-2")
    assert {p.name: p.read_bytes() for p in first.out_dir.iterdir() if p.is_file()} == before, "revision 1 is kept"
    assert query(ws, "select period, revision from closes order by period, revision") == [
        ("2023-03", 1),
        ("2023-03", 2),
        ("2023-04", 1),
    ]


def test_a_period_that_is_not_one_is_refused(ws):
    with pytest.raises(WrvuError, match="'2023-13' is not a period"):
        close(ws, "2023-13")


def test_a_lost_close_folder_is_written_again(ws):
    configure(
        ws,
        roster=f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2023-01-01,\n",
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}], settle: monthly"),
    )
    write_extract(ws.inbox / "n1.csv", [["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99213", "", "", "1", "MRN1"]])
    ingest(ws)
    first = close(ws, "2023-03")
    data = (first.out_dir / "reconciliation.csv").read_bytes()
    shutil.rmtree(first.out_dir)
    assert close(ws, "2023-03").action == "unchanged"
    assert (first.out_dir / "reconciliation.csv").read_bytes() == data


def test_the_roster_must_name_known_plans(ws):
    configure(
        ws,
        roster=f"{NPI_A},E1,Ana,Family Medicine,nope,1.0,2023-01-01,\n",
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}]"),
    )
    with pytest.raises(WrvuError, match=r"roster.csv:2: plan_id: 'nope' is not a plan in plans.yaml"):
        close(ws, "2023-03")


def test_csv_cells_are_safe_for_spreadsheets():
    from wrvu.transforms.close_files import csv_bytes

    data = csv_bytes(("a", "b", "c"), [{"a": "=1+1", "b": "@SUM(A1)", "c": Decimal("-1.5")}])
    assert list(csv.reader(io.StringIO(data.decode()))) == [["a", "b", "c"], ["'=1+1", "'@SUM(A1)", "-1.5"]]


def test_typed_rows_are_the_csv_columns_plus_what_they_were_computed_from():
    from dataclasses import fields

    from wrvu.transforms.close_figures import RECONCILIATION_COLUMNS, VARIANCE_COLUMNS, ReconciliationRow, VarianceRow
    from wrvu.transforms.close_files import csv_bytes

    assert tuple(f.name for f in fields(ReconciliationRow)) == RECONCILIATION_COLUMNS + ("plan", "spans", "figures")
    assert tuple(f.name for f in fields(VarianceRow)) == VARIANCE_COLUMNS
    money = dict.fromkeys(
        (
            "fte_avg",
            "wrvu_period",
            "wrvu_ytd",
            "threshold_ytd",
            "earned_ytd",
            "paid_ytd",
            "opening_balance",
            "true_up",
            "deficit_balance",
            "production_ytd",
        ),
        Decimal("1.005"),
    )
    row = ReconciliationRow(
        period="2023-03",
        employee_id="E1",
        npi=NPI_A,
        provider_name="=Ana",
        specialty="FM",
        plan_id="fm",
        action="pay",
        encounters_period=3,
        wrvu_per_encounter=None,
        terms_applied="=wrvu_cap",
        **money,
        plan=object(),
        spans=(),
        figures=object(),
    )
    lines = csv_bytes(RECONCILIATION_COLUMNS, [row]).decode().splitlines()
    assert lines == [
        ",".join(RECONCILIATION_COLUMNS),
        f"2023-03,E1,{NPI_A},'=Ana,FM,fm," + "1.01," * 8 + "pay,1.01,3,,1.01,'=wrvu_cap,false",
    ]


def test_a_deficit_carries_into_the_next_plan_year(ws):
    configure(
        ws,
        roster=f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2023-01-01,\n",
        plans=plans_yaml(
            fm="threshold_wrvu: 10, tiers: [{from: 0, rate: 100}], settle: annual, recoverable: true, "
            "deficit_at_year_end: carry_forward"
        ).replace("threshold_wrvu: 4800, ", ""),
    )
    write_extract(
        ws.inbox / "n.csv",
        [
            ["T1", "C1", NPI_A, "2023-06-01", "2023-06-02", "99215", "", "", "1", "MRN1"],  # 2.80 of 10 in 2023
            ["T2", "C2", NPI_A, "2024-01-10", "2024-01-11", "99215", "", "", "4", "MRN2"],  # 11.20 in 2024
        ],
    )
    load_schedule_files(ws, [PPRRVU / "RVU24A" / "PPRRVU24_JAN.csv"])
    ingest(ws)
    december = read_csv(close(ws, "2023-12").out_dir / "reconciliation.csv")[0]
    assert (december["true_up"], december["action"], december["deficit_balance"]) == ("-720.00", "recover", "-720.00")
    january = read_csv(close(ws, "2024-01").out_dir / "reconciliation.csv")[0]
    # 2024: (11.20 - 10 x 31/366) x $100 = 1035.30, less the carried 720.00
    assert (january["opening_balance"], january["threshold_ytd"], january["true_up"], january["action"]) == (
        "-720.00",
        "0.85",
        "315.30",
        "hold",
    )


def test_a_plan_pinned_to_a_release_prices_its_clinicians_on_it(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv", PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])
    configure(
        workspace,
        roster=f"{NPI_A},E1,Ana,Family Medicine,frozen,1.0,2021-01-01,\n{NPI_B},E2,Bo,Cardiology,current,1.0,2021-01-01,\n",
        plans=plans_yaml(
            frozen="tiers: [{from: 0, rate: 48}], schedule_basis: RVU20D", current="tiers: [{from: 0, rate: 48}]"
        ),
    )
    write_extract(
        workspace.inbox / "n.csv",
        [
            ["T1", "C1", NPI_A, "2021-03-01", "2021-03-02", "99213", "", "", "1", "MRN1"],
            ["T2", "C2", NPI_B, "2021-03-01", "2021-03-02", "99213", "", "", "1", "MRN2"],
        ],
    )
    ingest(workspace)
    assert query(workspace, "select npi, release, credited_wrvu from claim_lines order by npi") == [
        (NPI_A, "RVU20D", Decimal("0.9700")),
        (NPI_B, "RVU21A", Decimal("1.3000")),
    ]


def test_roster_rows_of_one_npi_may_not_overlap(ws):
    configure(
        ws,
        roster=f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2023-01-01,\n{NPI_A},E1,Ana,Family Medicine,fm,0.5,2023-06-01,\n",
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}]"),
    )
    with pytest.raises(WrvuError, match=r"roster.csv:3: effective_from: NPI 1234567893 overlaps its row 2"):
        close(ws, "2023-03")


def test_explain_traces_a_providers_figure_to_extract_rows_cms_lines_and_closes(ws, wrvu):
    configure(
        ws,
        roster=f"{NPI_A},E1,Ana,Family Medicine,fm,1.0,2023-01-01,\n",
        plans=plans_yaml(fm="tiers: [{from: 0, rate: 48}], settle: monthly"),
    )
    path = write_extract(
        ws.inbox / "march.csv",
        [
            ["T1", "C1", NPI_A, "2023-03-01", "2023-03-02", "99213", "", "", "1", "MRN1"],
            ["T2", "C1", NPI_A, "2023-03-01", "2023-03-02", "27447", "80", "", "1", "MRN1"],
            ["T3", "C3", NPI_A, "2023-04-03", "2023-04-04", "99213", "", "", "1", "MRN3"],  # another month
        ],
    )
    ingest(ws)
    reconciliation = read_csv(close(ws, "2023-03").out_dir / "reconciliation.csv")[0]
    result = wrvu("explain", "2023-03", "E1", "--csv")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    release_sha = query(ws, "select source_sha256 from schedule_releases where release = 'RVU23A'")[0][0]
    assert [
        (
            r["transaction_id"],
            r["credited_wrvu"],
            r["rule"],
            r["factor"],
            r["source_file"],
            r["source_row"],
            r["release"],
            r["release_sha256"],
            r["schedule_source_line"],
            r["paid_in"],
        )
        for r in rows
    ] == [
        ("T1", "1.3000", "cms", "1.00000000", str(path), "2", "RVU23A", release_sha, "39", "2023-03 rev 1"),
        ("T2", "3.1360", "cms+asst_80", "0.16000000", str(path), "3", "RVU23A", release_sha, "19", "2023-03 rev 1"),
    ]
    total = sum(Decimal(r["credited_wrvu"]) for r in rows)
    assert total.quantize(Decimal("0.01"), ROUND_HALF_UP) == Decimal(reconciliation["wrvu_period"])  # 2 decimals there
    assert "2 lines, 4.4360 credited wRVUs" in wrvu("explain", "2023-03", NPI_A).output
    nobody = wrvu("explain", "2023-03", "E9")
    assert nobody.exit_code == 2 and "no lines of 'E9'" in nobody.output
