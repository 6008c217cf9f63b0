"""The commands of docs/contract.md as a user runs them."""

import json
import stat
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from tests.conftest import PPRRVU
from wrvu.flows.cli import cli

REPO = Path(__file__).resolve().parents[1]


def test_init_creates_the_workspace_of_the_contract(tmp_path):
    result = CliRunner().invoke(cli, ["init", str(tmp_path / "ws")])
    assert result.exit_code == 0, result.output
    root = tmp_path / "ws"
    for name in [
        "wrvu.yaml",
        "inbox",
        "out",
        "config/roster.csv",
        "config/plans.yaml",
        "config/crediting.yaml",
        "config/custom_rvus.csv",
        "config/payroll_paid.csv",
        "config/benchmarks.csv",
        "config/em_reference.csv",
        "config/column_maps/example_vendor.yaml",
    ]:
        assert (root / name).exists(), name
    assert (root / "config/roster.csv").read_text().splitlines()[-1] == (
        "npi,employee_id,provider_name,specialty,plan_id,fte,effective_from,effective_to"
    )
    key = root / "patient_hash.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(key.read_text().strip()) == 64
    before = key.read_text()
    assert CliRunner().invoke(cli, ["init", str(root)]).exit_code == 0
    assert key.read_text() == before, "init never replaces the key"


def test_what_wrvu_writes_is_its_owners_alone(tmp_path):
    root = tmp_path / "ws"
    CliRunner().invoke(cli, ["init", str(root)])
    CliRunner().invoke(cli, ["schedule", "load", str(PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"), "--workspace", str(root)])
    written = [root / "warehouse.duckdb", root / "config" / "roster.csv", root / "wrvu.yaml"]
    assert {oct(stat.S_IMODE(p.stat().st_mode)) for p in written} == {"0o600"}
    assert stat.S_IMODE(root.stat().st_mode) == 0o700


def test_workspace_from_wrvu_home(tmp_path, monkeypatch):
    CliRunner().invoke(cli, ["init", str(tmp_path / "ws")])
    monkeypatch.setenv("WRVU_HOME", str(tmp_path / "ws"))
    result = CliRunner().invoke(cli, ["schedule", "load", str(PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv")])
    assert result.exit_code == 0 and (tmp_path / "ws" / "warehouse.duckdb").exists()


def test_a_folder_that_is_not_a_workspace_exits_2(tmp_path):
    result = CliRunner().invoke(cli, ["schedule", "list", "--workspace", str(tmp_path)])
    assert result.exit_code == 2 and "not a wrvu workspace" in result.stderr


def test_a_bad_setting_names_file_and_field(workspace, wrvu):
    (workspace.root / "wrvu.yaml").write_text("period_basis: invoice_date\n")
    result = wrvu("schedule", "list")
    assert result.exit_code == 2
    assert (
        f"{workspace.root / 'wrvu.yaml'}: period_basis: Input should be 'service_date' or 'post_date'" in result.stderr
    )


def test_show_json_gives_the_governing_row(wrvu):
    wrvu("schedule", "load", str(PPRRVU / "RVU23A" / "PPRRVU23_JAN.csv"))
    shown = json.loads(wrvu("schedule", "show", "71046", "--modifier", "tc", "--date", "2023-03-01", "--json").output)
    assert {k: shown[k] for k in ("release", "cpt_code", "modifier", "work_rvu", "status", "pctc_ind")} == {
        "release": "RVU23A",
        "cpt_code": "71046",
        "modifier": "TC",
        "work_rvu": 0.0,
        "status": "A",
        "pctc_ind": "1",
    }
    assert shown["source_name"].endswith("PPRRVU23_JAN.csv") and shown["effective_from"] == "2023-01-01"
    assert "description" not in shown


def test_sql_is_read_only_and_prints_csv(wrvu):
    wrvu("schedule", "load", str(PPRRVU / "RVU20D" / "PPRRVU20_OCT.csv"), str(PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"))
    result = wrvu(
        "sql", "--csv", "select release, work_rvu from fee_schedule where cpt_code = '99213' order by release"
    )
    assert result.output == "release,work_rvu\nRVU20D,0.97\nRVU21A,1.30\n"
    refused = wrvu("sql", "delete from schedule_rows")
    assert refused.exit_code == 2 and "read-only" in refused.stderr
    assert (
        "RVU21A,1.30"
        in wrvu("sql", "--csv", "select release, work_rvu from fee_schedule where cpt_code = '99213'").output
    )


def test_sql_csv_neutralises_spreadsheet_formulas_in_text_only(wrvu):
    wrvu("schedule", "load", str(PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"))
    result = wrvu("sql", "--csv", "select '=HYPERLINK(\"x\")' as a, '@SUM(A1)' as b, '-2' as c, -2 as n, 'ok' as d")
    assert result.output == 'a,b,c,n,d\n"\'=HYPERLINK(""x"")",\'@SUM(A1),\'-2,-2,ok\n'


def test_sql_reads_statements_from_a_pipe(wrvu):
    wrvu("schedule", "load", str(PPRRVU / "RVU21A" / "PPRRVU21_JAN.csv"))
    result = wrvu("sql", "--csv", input="select count(*) as n from fee_schedule;\nselect 1 as one\n")
    assert result.output == "n\n33\none\n1\n"


def test_demo_shows_the_2021_revaluation(tmp_path):
    result = CliRunner().invoke(cli, ["demo", str(tmp_path / "demo")])
    assert result.exit_code == 0, result.output
    assert "99213 on 2020-12-15: work RVU 0.97 (RVU20D" in result.output
    assert "99213 on 2021-01-04: work RVU 1.30 (RVU21A" in result.output


def test_the_installed_command_runs():
    result = subprocess.run([Path(sys.executable).parent / "wrvu", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "0.1.0" in result.stdout


def test_serve_registers_the_nightly_cron(workspace, monkeypatch):
    from prefect import Flow

    served = {}
    monkeypatch.setattr(Flow, "serve", lambda self, **kwargs: served.update(kwargs, flow=self.name))
    (workspace.root / "wrvu.yaml").write_text('serve: {cron: "30 1 * * *", timezone: America/Chicago}\n')
    result = CliRunner().invoke(cli, ["serve", "--workspace", str(workspace.root)])
    assert result.exit_code == 0, result.output
    assert served["flow"] == "nightly_ingest" and served["parameters"] == {"workspace_root": str(workspace.root)}
    assert served["schedules"][0].cron == "30 1 * * *" and served["schedules"][0].timezone == "America/Chicago"
    assert served["limit"] == 1 and served["pause_on_shutdown"] is True
    result = CliRunner().invoke(cli, ["serve", "--no-pause-on-shutdown", "--workspace", str(workspace.root)])
    assert result.exit_code == 0 and served["pause_on_shutdown"] is False
