"""What people read at a close, read back as they would: payroll.csv against the reconciliation's
actions, close.xlsx with openpyxl, statements with pypdf and an HTML parser, the productivity report
and its CSVs, on a constructed practice whose readings and flags are known; and nowhere a patient id."""

import hashlib
import json
import shutil
import zipfile
from datetime import datetime
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
from pypdf import PdfReader

from tests.conftest import PPRRVU
from tests.ingest_helpers import TODAY, ingest, write_extract
from tests.test_close import configure, read_csv
from wrvu.flows.close import close_period
from wrvu.flows.schedule import load_schedule_files
from wrvu.flows.workspace import init_workspace
from wrvu.schemas.workspace import ReportSettings
from wrvu.transforms.close_documents import file_stems
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.report_figures import em_comparisons, em_mixes, pooled_mixes

# Five clinicians: four of Family Medicine whose March 2021 puts one in each quadrant (medians: 70
# encounters, 1.31 wRVUs per encounter), one of Dermatology, a specialty benchmarks.csv lacks.
CLINICIANS = {
    # employee: (npi, name, specialty, March visits, code)
    "E1": ("1234567893", "Rivera, Ana", "Family Medicine", 100, "99214"),  # neither
    "E2": ("1987654328", "Chen, Wei", "Family Medicine", 40, "99214"),  # schedule_fill
    "E3": ("1555444334", "Okafor, Tunde", "Family Medicine", 100, "99212"),  # possible_undercoding, E/M flagged
    "E4": ("1003000126", "Zoë Łukasz-Núñez", "Family Medicine", 40, "99212"),  # both; 40 visits: too few to flag
    "E5": ("1000000004", "Patel, Dev", "Dermatology", 30, "99213"),
    "E6": ("1000000012", "Kim, Jo", "Family Medicine", 0, "99213"),  # on the roster, no lines: no reading
}
DECEMBER_99213 = 10  # E1's visits of December 2020, credited on RVU20D (0.97), re-priced on RVU21A (1.30)
EM_REFERENCE = (
    "specialty,code,share\nFamily Medicine,99212,0.10\nFamily Medicine,99213,0.45\nFamily Medicine,99214,0.45\n"
)


def patient(employee: str, i: int) -> str:
    return f"PATIENT-{employee}-{i:03d}"


@pytest.fixture(scope="module")
def practice(tmp_path_factory):
    ws = init_workspace(tmp_path_factory.mktemp("practice") / "ws")
    load_schedule_files(ws, [PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv", PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])
    configure(
        ws,
        roster="".join(
            f'{npi},{employee},"{name}",{specialty},fm,1.0,2020-12-01,\n'
            for employee, (npi, name, specialty, _, _) in CLINICIANS.items()
        ),
        plans="plans:\n  fm: {model: base_plus_production, threshold_wrvu: 400, tiers: [{from: 0, rate: 50}], "
        "settle: monthly, recoverable: true}\n",
        benchmarks="Family Medicine,3900,4800,5700,6600\n",
    )
    (ws.config / "em_reference.csv").write_text(EM_REFERENCE)
    rows = []
    for employee, (npi, _, _, visits, code) in CLINICIANS.items():
        for i in range(visits):
            day = f"2021-03-{i % 28 + 1:02d}"
            rows.append(
                [f"T{employee}-{i}", f"C{employee}-{i}", npi, day, day, code, "", "", "1", patient(employee, i)]
            )
    for i in range(DECEMBER_99213):
        day = f"2020-12-{i + 1:02d}"
        rows.append([f"TD-{i}", f"CD-{i}", CLINICIANS["E1"][0], day, day, "99213", "", "", "1", patient("E1", 500 + i)])
    # a code no schedule prices, billed in E1's first visit (the same patient and day: no new encounter)
    rows.append(
        ["TX-1", "CX-1", CLINICIANS["E1"][0], "2021-03-01", "2021-03-01", "0001U", "", "", "1", patient("E1", 0)]
    )
    write_extract(ws.inbox / "march.csv", rows)
    ingest(ws)
    outcome = close_period.fn(str(ws.root), "2021-03", False, False, TODAY)
    return ws, outcome


def money(text: str) -> Decimal:
    return Decimal(text)


def test_payroll_file_is_the_reconciliations_pay_and_recover_actions(practice):
    _, outcome = practice
    reconciliation = read_csv(outcome.out_dir / "reconciliation.csv")
    payroll = read_csv(outcome.out_dir / "payroll.csv")
    actions = [r for r in reconciliation if r["action"] in ("pay", "recover")]
    assert list(payroll[0]) == [
        "employee_id",
        "provider_name",
        "earning_code",
        "amount",
        "period",
        "period_end",
        "plan_id",
        "close_revision",
    ]
    assert [(p["employee_id"], p["amount"]) for p in payroll] == [(r["employee_id"], r["true_up"]) for r in actions]
    assert sum(money(p["amount"]) for p in payroll) == sum(money(r["true_up"]) for r in actions)
    # E1 earned above the threshold; the others are below it on a recoverable plan
    by_employee = {p["employee_id"]: p for p in payroll}
    assert by_employee["E1"]["earning_code"] == "PRODINC" and money(by_employee["E1"]["amount"]) > 0
    assert by_employee["E3"]["earning_code"] == "PRODREC" and money(by_employee["E3"]["amount"]) < 0
    assert {(p["period"], p["period_end"], p["plan_id"], p["close_revision"]) for p in payroll} == {
        ("2021-03", "2021-03-31", "fm", "1")
    }
    assert by_employee["E4"]["provider_name"] == "Zoë Łukasz-Núñez"


def test_the_manifest_lists_every_document_with_its_sha256(practice):
    _, outcome = practice
    manifest = json.loads((outcome.out_dir / "manifest.json").read_text())
    assert manifest["close_revision"] == 1
    names = set(manifest["files_sha256"])
    assert {"payroll.csv", "close.xlsx", "productivity.html", "productivity.csv", "statements/E1.pdf"} <= names
    for name, digest in manifest["files_sha256"].items():
        assert hashlib.sha256((outcome.out_dir / name).read_bytes()).hexdigest() == digest, name
    files = [p for p in outcome.out_dir.rglob("*") if p.is_file()]
    assert {p.relative_to(outcome.out_dir).as_posix() for p in files} == names | {"manifest.json"}
    assert all(p.stat().st_mode & 0o077 == 0 for p in files)


def test_workbook_figures_equal_the_csvs(practice):
    _, outcome = practice
    book = openpyxl.load_workbook(outcome.out_dir / "close.xlsx")
    assert book.sheetnames[:5] == ["Summary", "Reconciliation", "Variance", "Payroll", "Quarantine"]
    summary = {row[0]: row[1] for row in book["Summary"].iter_rows(values_only=True) if row[0]}
    reconciliation = read_csv(outcome.out_dir / "reconciliation.csv")
    payroll = read_csv(outcome.out_dir / "payroll.csv")
    assert summary["Period"] == "2021-03"
    assert summary["Close revision"] == 1
    assert summary["Control totals balance"] is True
    to_pay = sum(money(p["amount"]) for p in payroll if money(p["amount"]) > 0)
    assert Decimal(str(summary["To pay (amount)"])).quantize(Decimal("0.01")) == to_pay
    sheet = book["Reconciliation"]
    header = [c.value for c in sheet[1]]
    for row, expected in zip(sheet.iter_rows(min_row=2, values_only=True), reconciliation, strict=True):
        cells = dict(zip(header, row, strict=True))
        assert cells["employee_id"] == expected["employee_id"] and cells["npi"] == expected["npi"]
        assert Decimal(str(cells["true_up"])).quantize(Decimal("0.01")) == money(expected["true_up"])
        assert Decimal(str(cells["wrvu_ytd"])).quantize(Decimal("0.01")) == money(expected["wrvu_ytd"])
        assert cells["period"] == "2021-03"  # text, not a date
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref
    lines = book["Lines"]
    assert lines.max_row - 1 == len(read_csv(outcome.out_dir / "lines.csv"))


class TextOf(HTMLParser):
    def __init__(self):
        super().__init__()
        self.text, self.tables, self.svgs = [], 0, 0

    def handle_starttag(self, tag, attrs):
        self.tables += tag == "table"
        self.svgs += tag == "svg"

    def handle_data(self, data):
        self.text.append(data)


def html_text(path) -> tuple[str, TextOf]:
    parser = TextOf()
    parser.feed(path.read_text(encoding="utf-8"))
    return " ".join(parser.text), parser


def pdf_text(path) -> str:
    """The PDF's words, one space between each (a line may break anywhere)."""
    return " ".join(" ".join(page.extract_text() for page in PdfReader(path).pages).split())


def test_statement_shows_the_clinicians_own_figures_and_no_one_elses(practice):
    _, outcome = practice
    reconciliation = {r["employee_id"]: r for r in read_csv(outcome.out_dir / "reconciliation.csv")}
    for employee, (_, name, _, visits, _) in CLINICIANS.items():
        row = reconciliation[employee]
        text = pdf_text(outcome.out_dir / "statements" / f"{employee}.pdf")
        html, parsed = html_text(outcome.out_dir / "statements" / f"{employee}.html")
        for body in (text, html):
            assert name in body
            assert f"{Decimal(row['wrvu_ytd']):,.2f}" in body
            amount = Decimal(row["true_up"])
            assert (f"-${-amount:,.2f}" if amount < 0 else f"${amount:,.2f}") in body
            assert f"wrvu explain 2021-03 {row['npi']}" in body
            others = [n for e, (_, n, _, _, _) in CLINICIANS.items() if e != employee]
            assert not any(other in body for other in others)
        assert parsed.svgs == (2 if visits else 1)  # the months, the E/M mix
        assert len(PdfReader(outcome.out_dir / "statements" / f"{employee}.pdf").pages) <= 3
    e1 = pdf_text(outcome.out_dir / "statements" / "E1.pdf")
    assert "0001U" in e1 and "unknown_code" in e1  # the line credited nothing is listed
    e5 = html_text(outcome.out_dir / "statements" / "E5.html")[0]
    assert "benchmarks.csv has no row for Dermatology" in e5
    e6 = pdf_text(outcome.out_dir / "statements" / "E6.pdf")
    assert "No lines of yours in 2021-03: nothing was billed under your NPI." in e6


def test_productivity_readings_and_flags_on_a_known_practice(practice):
    _, outcome = practice
    rows = {r["employee_id"]: r for r in read_csv(outcome.out_dir / "productivity.csv")}
    assert {e: r["reading"] for e, r in rows.items()} == {
        "E1": "neither",
        "E2": "schedule_fill",
        "E3": "possible_undercoding",
        "E4": "both",
        "E5": "neither",  # alone in its specialty: the medians are their own
        "E6": "",  # no encounters, no reading (and not in the medians)
    }
    assert rows["E1"]["specialty_median_encounters_per_fte"] == "70.00"
    # 99214 at 1.92 and 99212 at 0.70 (RVU21A): the median of 1.92, 1.92, 0.70, 0.70
    assert rows["E1"]["specialty_median_wrvu_per_encounter"] == "1.31"
    # E3: 100 established visits at level 2 against the reference's 3.35: flagged; E4 has only 40
    assert rows["E3"]["em_established_mean_level"] == "2.00"
    assert rows["E3"]["em_established_comparison_mean"] == "3.35"
    assert (rows["E3"]["em_flag"], rows["E4"]["em_flag"], rows["E1"]["em_flag"]) == ("true", "false", "false")
    assert (rows["E3"]["em_compared_with"], rows["E5"]["em_compared_with"]) == ("reference", "")
    assert rows["E5"]["benchmark_p50"] == "" and rows["E1"]["benchmark_p50"] == "4800.00"
    variance = {r["employee_id"]: r for r in read_csv(outcome.out_dir / "variance.csv")}
    assert rows["E1"]["benchmark_percentile"] == variance["E1"]["benchmark_percentile"]
    text, parsed = html_text(outcome.out_dir / "productivity.html")
    assert "benchmarks.csv has no row for Dermatology" in text
    assert "possible_undercoding" in text and "schedule_fill" in text
    assert parsed.svgs >= 4


def test_trend_reprices_december_2020_on_the_newest_release(practice):
    _, outcome = practice
    trend = {r["month"]: r for r in read_csv(outcome.out_dir / "productivity_trend.csv")}
    assert list(trend) == ["2020-12", "2021-01", "2021-02", "2021-03"]  # from the first month with lines
    december = trend["2020-12"]
    assert Decimal(december["credited_wrvu"]) == Decimal("0.97") * DECEMBER_99213
    assert Decimal(december["repriced_wrvu"]) == Decimal("1.30") * DECEMBER_99213
    assert Decimal(december["schedule_effect_wrvu"]) == Decimal("0.33") * DECEMBER_99213
    assert (december["repriced_on"], december["unpriced_lines"]) == ("RVU21A", "0")
    march = trend["2021-03"]
    assert march["credited_wrvu"] == march["repriced_wrvu"]


def test_no_patient_id_in_any_file(practice):
    _, outcome = practice
    for path in outcome.out_dir.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".pdf":
            contents = [pdf_text(path)]
        elif path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                contents = [z.read(name).decode("utf-8", "replace") for name in z.namelist()]
        else:
            contents = [path.read_text(encoding="utf-8")]
        assert not any("PATIENT-" in c for c in contents), path


def test_reprice_on_a_release_not_loaded_is_refused(practice):
    ws, _ = practice
    with pytest.raises(WrvuError, match="--reprice-on RVU19A: no such release is loaded"):
        close_period.fn(str(ws.root), "2021-03", False, False, TODAY, reprice_on="RVU19A")


def test_em_reference_not_summing_to_one_names_the_specialty(practice):
    ws, _ = practice
    path = ws.config / "em_reference.csv"
    path.write_text("specialty,code,share\nFamily Medicine,99213,0.5\nFamily Medicine,99214,0.3\n")
    try:
        with pytest.raises(
            WrvuError, match="em_reference.csv: share: the shares of specialty 'Family Medicine' sum to 0.8"
        ):
            close_period.fn(str(ws.root), "2021-03", False, False, TODAY)
    finally:
        path.write_text(EM_REFERENCE)


def test_a_close_with_the_same_figures_is_unchanged_and_writes_a_lost_folder_again(practice):
    ws, outcome = practice
    before = (outcome.out_dir / "payroll.csv").read_bytes()
    statement = (outcome.out_dir / "statements" / "E2.pdf").read_bytes()
    shutil.rmtree(outcome.out_dir)
    again = close_period.fn(str(ws.root), "2021-03", False, False, TODAY)
    assert again.action == "unchanged" and again.revision == 1
    assert (again.out_dir / "payroll.csv").read_bytes() == before
    assert (again.out_dir / "statements" / "E2.pdf").read_bytes() == statement
    assert dict(again.summary)["Close revision"] == 1
    assert isinstance(dict(again.summary)["Closed at"], datetime)


def test_a_statement_shows_the_restatements_of_closed_months_as_variance_does(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])
    npi = CLINICIANS["E1"][0]
    configure(
        workspace,
        roster=f'{npi},E1,"Rivera, Ana",Family Medicine,fm,1.0,2021-01-01,\n',
        plans="plans:\n  fm: {model: base_plus_production, threshold_wrvu: 400, tiers: [{from: 0, rate: 50}], "
        "settle: quarterly}\n",
    )
    visit = ["T1", "C1", npi, "2021-03-01", "2021-03-01", "99214", "", "", "1", "P1"]
    write_extract(
        workspace.inbox / "march.csv",
        [visit, ["T2", "C2", npi, "2021-03-02", "2021-03-02", "99213", "", "", "1", "P2"]],
    )
    ingest(workspace, run_id="march")
    close_period.fn(str(workspace.root), "2021-03", False, False, TODAY)
    # in April: a late March charge, and March's 99213 voided
    write_extract(
        workspace.inbox / "april.csv",
        [
            ["T3", "C3", npi, "2021-03-03", "2021-04-02", "99215", "", "", "1", "P3"],
            ["T2-V", "C2", npi, "2021-03-02", "2021-04-02", "99213", "", "", "-1", "P2"],
            ["T4", "C4", npi, "2021-04-05", "2021-04-05", "99214", "", "", "1", "P4"],
        ],
    )
    ingest(workspace, run_id="april")
    april = close_period.fn(str(workspace.root), "2021-04", False, False, TODAY)
    [variance] = read_csv(april.out_dir / "variance.csv")
    assert (variance["late_charge_wrvu"], variance["void_wrvu"], variance["restatement_wrvu"]) == (
        "2.80",
        "-1.30",
        "1.50",
    )
    statement = pdf_text(april.out_dir / "statements" / "E1.pdf")
    assert "Late charges (new or corrected lines) 2.80 Voids -1.30" in statement
    assert "Net change in wRVUs 1.50" in statement
    [row] = read_csv(april.out_dir / "reconciliation.csv")
    assert row["action"] == "hold" and f"{Decimal(row['true_up']):,.2f}" in statement
    assert "nothing moves now: this month is not a settle point of your plan" in statement
    assert (april.out_dir / "payroll.csv").read_text().count("\n") == 1, "a hold moves nothing: the header alone"


def test_a_restated_close_asks_payroll_only_for_the_difference(workspace):
    load_schedule_files(workspace, [PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"])
    npi = CLINICIANS["E1"][0]
    roster = f'{npi},E1,"Rivera, Ana",Family Medicine,fm,1.0,2021-01-01,\n'
    plans = "plans:\n  fm: {model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 50}], settle: monthly}\n"
    configure(workspace, roster=roster, plans=plans)
    write_extract(
        workspace.inbox / "march.csv", [["T1", "C1", npi, "2021-03-01", "2021-03-01", "99214", "", "", "1", "P1"]]
    )
    ingest(workspace, run_id="march")
    first = close_period.fn(str(workspace.root), "2021-03", False, False, TODAY)
    assert [(p["amount"], p["close_revision"]) for p in read_csv(first.out_dir / "payroll.csv")] == [("96.00", "1")]
    # payroll pays it in April; then a late March charge arrives and March is restated
    configure(workspace, roster=roster, plans=plans, payroll="E1,2021-04-05,incentive,96.00\n")
    write_extract(
        workspace.inbox / "late.csv", [["T2", "C2", npi, "2021-03-02", "2021-04-01", "99213", "", "", "1", "P2"]]
    )
    ingest(workspace, run_id="late")
    second = close_period.fn(str(workspace.root), "2021-03", True, False, TODAY)
    [row] = read_csv(second.out_dir / "reconciliation.csv")
    assert (second.revision, row["true_up"], row["action"]) == (2, "161.00", "pay")  # (1.92 + 1.30) x 50
    payroll = read_csv(second.out_dir / "payroll.csv")
    assert [(p["earning_code"], p["amount"], p["close_revision"]) for p in payroll] == [("PRODINC", "65.00", "2")]
    summary = dict(second.summary)
    assert summary["To pay (amount)"] == Decimal("65.00") and summary["Payroll rows"] == 1


def test_statement_files_are_one_per_employee_whatever_their_ids():
    stems = file_stems(["E1", "A.1", "A/1", "ab", "AB", "x_y-2"])
    assert stems["E1"] == "E1" and stems["x_y-2"] == "x_y-2"
    assert stems["A.1"].startswith("A_1-") and stems["A/1"].startswith("A_1-") and stems["A.1"] != stems["A/1"]
    assert len({s.lower() for s in stems.values()}) == 6, "unique even where a file system ignores case"


def test_the_e_m_reference_is_read_by_the_documents_alone(practice):
    ws, outcome = practice
    manifest = json.loads((outcome.out_dir / "manifest.json").read_text())
    assert set(manifest["report_config_sha256"]) == {"em_reference.csv"}
    assert "em_reference.csv" not in manifest["config_sha256"]
    (ws.config / "em_reference.csv").write_text(EM_REFERENCE + "Dermatology,99213,1\n")
    try:
        again = close_period.fn(str(ws.root), "2021-03", False, False, TODAY, statements=False)
        assert again.action == "unchanged", "a report setting changes no figure: no restatement"
        assert any("move" in w and "aside and close again" in w for w in again.warnings)
    finally:
        (ws.config / "em_reference.csv").write_text(EM_REFERENCE)


def test_one_peer_is_never_compared_with():
    mixes = em_mixes(
        [
            {"employee_id": "A", "cpt_code": "99212", "units": 60},
            {"employee_id": "B", "cpt_code": "99215", "units": 60},
            {"employee_id": "C", "cpt_code": "99215", "units": 60},
        ]
    )
    settings = ReportSettings()
    alone = {"A": "Cardiology", "B": "Cardiology"}
    [_, established] = em_comparisons("A", "Cardiology", mixes, pooled_mixes(mixes, alone), {}, settings)
    assert (established.peer_count, established.compared_with, established.flagged) == (1, "", False)
    three = {"A": "Cardiology", "B": "Cardiology", "C": "Cardiology"}
    [_, established] = em_comparisons("A", "Cardiology", mixes, pooled_mixes(mixes, three), {}, settings)
    assert (established.peer_count, established.comparison_mean, established.flagged) == (2, Decimal(5), True)
    assert established.peers.visits == {"99215": Decimal(120)}, "the peers' visits without A's own"
