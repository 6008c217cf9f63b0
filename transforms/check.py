"""`wrvu check`: what in the workspace needs a person's attention, found without changing anything.

Every config file is loaded with its own loader (a failure is a `config_invalid` error), then the
files are checked against each other, the inbox against what an ingest reads, and the warehouse
(opened read-only, when there is one) for its open problems. `wrvu ingest` and `wrvu close` run the
same checks first: an error stops them, a warning is printed.
"""

from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import duckdb
import polars as pl

from wrvu.schemas.benchmarks import load_benchmarks
from wrvu.schemas.column_map import load_column_map
from wrvu.schemas.crediting import CreditingPolicy, load_crediting_policy
from wrvu.schemas.em_reference import load_em_reference
from wrvu.schemas.payroll_paid import load_payroll_paid
from wrvu.schemas.plans import load_plans
from wrvu.schemas.quality_scores import load_quality_scores
from wrvu.schemas.roster import in_force_between, load_roster
from wrvu.schemas.workspace import Workspace
from wrvu.transforms import warehouse
from wrvu.transforms.close_figures import payments_by_plan
from wrvu.transforms.close_files import cell
from wrvu.transforms.close_payments import payroll_row_to_add, unrecorded_payments
from wrvu.transforms.compensation import plan_year_start
from wrvu.transforms.crediting import held_lines_repriced, read_custom_rvus
from wrvu.transforms.errors import InputError, WrvuError
from wrvu.transforms.extracts import EXTRACT_SUFFIXES, file_sha256, is_extract
from wrvu.transforms.ingest import column_map_for, config_not_applied
from wrvu.transforms.pprrvu import RELEASE_NAME, quarterly_release_of
from wrvu.transforms.schedule import list_releases

InboxScope = Literal["full", "names", "none"]  # names: no sha256 (an ingest hashes the files itself)
SUFFIX_HINTS = {
    ".xlsx": "save it as CSV from the spreadsheet",
    ".xls": "save it as CSV from the spreadsheet",
    ".txt": "read only as an X12 837P, which starts with an ISA header; if it is comma-separated, rename it to .csv",
    ".tsv": "export it comma-separated as .csv",
    ".zip": "unzip it into the inbox",
    ".gz": "only gzipped CSV (.csv.gz) is read",
    ".pdf": "a report, not a claim extract; move it out of the inbox",
}
HELD_ADVICE = {
    "no_schedule": "no loaded release governs their dates of service",
    "unknown_code": "the governing release does not list their codes; add them to config/custom_rvus.csv if they earn wRVUs",
    "invalid_modifier": "no schedule row prices their modifiers (e.g. 26 with TC); correct them at the source and re-send",
    "unpriced_status": "their codes' CMS status is not credited by config/crediting.yaml",
}


@dataclass(frozen=True)
class Finding:
    level: Literal["error", "warning"]
    code: str
    message: str
    file: str | None = None
    row: int | None = None
    field: str | None = None
    count: int | None = None

    def line(self) -> str:
        return f"{self.level.upper()} {self.code}: {self.message}"


@dataclass(frozen=True)
class CheckReport:
    findings: list[Finding]
    inbox: list[dict]  # the files an ingest would read: file, column_map (None = canonical names)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == "warning"]

    def as_json(self) -> dict:
        return {"findings": [asdict(f) for f in self.findings], "inbox": self.inbox}

    def lines(self) -> list[str]:
        info = [f"INFO inbox: {i['file']} would be read ({_map_text(i['column_map'])})" for i in self.inbox]
        tally = f"{len(self.errors)} error{'s' * (len(self.errors) != 1)}, {len(self.warnings)} warning{'s' * (len(self.warnings) != 1)}"
        return info + [f.line() for f in self.findings] + [tally]


def _map_text(name: str | None) -> str:
    return f"column map {name}" if name else "canonical column names"


@dataclass
class Config:
    """The config files that loaded (None where one did not)."""

    plans: dict | None = None
    roster: pl.DataFrame | None = None
    payroll: pl.DataFrame | None = None
    benchmarks: pl.DataFrame | None = None
    policy: CreditingPolicy | None = None
    quality_scores: dict | None = None


def config_invalid(exc: WrvuError) -> Finding:
    if isinstance(exc, InputError):
        return Finding("error", "config_invalid", str(exc), exc.path, exc.line, exc.field)
    return Finding("error", "config_invalid", str(exc))


def check_workspace(workspace: Workspace, today: date, inbox: InboxScope = "full") -> CheckReport:
    """Every finding, errors first; the warehouse is opened read-only, and only if there is one."""
    findings: list[Finding] = []
    config = load_config(workspace, findings)
    findings += cross_checks(workspace, config)
    findings += missing_quality_scores(workspace, config, today)
    inbox_files: list[dict] = []
    con = warehouse.connect(workspace.warehouse, read_only=True) if workspace.warehouse.exists() else None
    try:
        if inbox != "none":
            inbox_files = inbox_findings(workspace, con, inbox == "full", findings)
        if con is not None:
            findings += warehouse_findings(con, workspace, config, today)
    finally:
        if con is not None:
            con.close()
    return CheckReport(sorted(findings, key=lambda f: f.level != "error"), inbox_files)


def load_config(workspace: Workspace, findings: list[Finding]) -> Config:
    """Each config file through its own loader; a failure is one `config_invalid` finding."""
    config = Config()
    folder = workspace.config

    def attempt(load, *args):
        try:
            return load(*args)
        except WrvuError as exc:
            findings.append(config_invalid(exc))
            return None

    config.plans = attempt(load_plans, folder / "plans.yaml")
    if config.plans is not None:  # the roster is checked against the plans
        config.roster = attempt(load_roster, folder / "roster.csv", set(config.plans))
    if config.roster is not None:  # a score names an employee of the roster
        config.quality_scores = attempt(
            load_quality_scores, folder / "quality_scores.csv", set(config.roster["employee_id"])
        )
    config.payroll = attempt(load_payroll_paid, folder / "payroll_paid.csv")
    config.benchmarks = attempt(load_benchmarks, folder / "benchmarks.csv")
    config.policy = attempt(load_crediting_policy, folder / "crediting.yaml")
    attempt(read_custom_rvus, folder / "custom_rvus.csv")
    attempt(load_em_reference, folder / "em_reference.csv")
    maps = {p.stem for p in (folder / "column_maps").glob("*.yaml")} | set(workspace.settings.column_maps.values())
    for name in sorted(maps):
        attempt(load_column_map, folder, name)
    return config


def cross_checks(workspace: Workspace, config: Config) -> list[Finding]:
    """Payroll rows of employees on no roster row; roster specialties without a benchmark row."""
    findings = []
    if config.roster is None:
        return findings
    employees = set(config.roster["employee_id"])
    if config.payroll is not None:
        try:  # every payment belongs to a plan: the close stops on one that does not
            payments_by_plan(config.payroll, config.roster, workspace.config / "payroll_paid.csv")
        except InputError as exc:
            findings.append(config_invalid(exc))
        unknown = config.payroll.filter(~pl.col("employee_id").is_in(sorted(employees)))
        path = workspace.config / "payroll_paid.csv"
        for group in unknown.partition_by("employee_id", maintain_order=True):
            first = group.row(0, named=True)
            findings.append(
                Finding(
                    "warning",
                    "unknown_employee",
                    f"{path}:{first['source_row']}: employee_id: {first['employee_id']!r} is on no roster row "
                    f"({group.height} payroll row{'s' * (group.height != 1)}); no close counts what it was paid",
                    str(path),
                    first["source_row"],
                    "employee_id",
                    group.height,
                )
            )
    if config.benchmarks is not None and config.benchmarks.height:  # no benchmarks at all is a choice
        known = set(config.benchmarks["specialty"])
        missing = config.roster.filter((pl.col("specialty") != "") & ~pl.col("specialty").is_in(sorted(known)))
        path = workspace.config / "benchmarks.csv"
        for group in missing.partition_by("specialty", maintain_order=True):
            specialty = group["specialty"][0]
            employees_of = group["employee_id"].n_unique()
            findings.append(
                Finding(
                    "warning",
                    "no_benchmark",
                    f"{path}: no row for specialty {specialty!r} ({employees_of} employee{'s' * (employees_of != 1)} on the "
                    "roster); their variance.csv has no benchmark percentile",
                    str(path),
                    None,
                    "specialty",
                    employees_of,
                )
            )
    return findings


def missing_quality_scores(workspace: Workspace, config: Config, today: date) -> list[Finding]:
    """`quality_score_missing`: a clinician on a plan with a quality withhold during its last plan year
    that has ended, with no score for it in quality_scores.csv: that year's last close stops on it."""
    if config.roster is None or config.plans is None or config.quality_scores is None:
        return []
    path = workspace.config / "quality_scores.csv"
    findings = []
    for (employee_id, plan_id), rows in config.roster.partition_by(
        ["employee_id", "plan_id"], as_dict=True, maintain_order=True
    ).items():
        plan = config.plans[plan_id]
        if plan.quality is None:
            continue
        year_end = plan_year_start(plan, today) - timedelta(days=1)
        year_start = plan_year_start(plan, year_end)
        employed = rows.filter(in_force_between(year_start, year_end))
        if employed.height and (employee_id, year_start.year) not in config.quality_scores:
            findings.append(
                Finding(
                    "warning",
                    "quality_score_missing",
                    f"{path}: no score for {employee_id}, plan year {year_start.year} (plan {plan_id} withholds "
                    f"{plan.quality.withhold:%} of production pay until its last close): the close of "
                    f"{year_end:%Y-%m} stops until the row {employee_id},{year_start.year},SCORE is added",
                    str(path),
                    None,
                    "score",
                )
            )
    return findings


def inbox_findings(
    workspace: Workspace, con: duckdb.DuckDBPyConnection | None, by_content: bool, findings: list[Finding]
) -> list[dict]:
    """The inbox files an ingest would read (with their column map); `skipped_file` for the others:
    not an extract by name, or (`by_content`) content already ingested or twice in the inbox."""
    if not workspace.inbox.is_dir():
        return []
    read, seen = [], {}
    for path in sorted(workspace.inbox.iterdir()):
        if path.name.startswith("."):  # the system's and editors' own files
            continue
        if not (path.is_file() and is_extract(path)):
            findings.append(Finding("warning", "skipped_file", f"{path}: {_not_read_reason(path)}", str(path)))
            continue
        if by_content:
            digest = file_sha256(path)
            earlier = (
                warehouse.fetch_dicts(con, "ingest/ingested_sha256", {"sha256": digest}) if con is not None else []
            )
            if earlier or digest in seen:
                first = earlier[0]["source_file"] if earlier else seen[digest]
                same = "" if first == str(path) else f" as {first}"
                findings.append(
                    Finding(
                        "warning",
                        "skipped_file",
                        f"{path}: already ingested{same} (same sha256): no ingest reads it again",
                        str(path),
                    )
                )
                continue
            seen[digest] = str(path)
        read.append({"file": str(path), "column_map": column_map_for(workspace, path, None)})
    return read


def _not_read_reason(path: Path) -> str:
    if path.is_dir():
        return "a folder; an ingest reads only the files directly in the inbox"
    suffix = path.suffix.lower()
    hint = SUFFIX_HINTS.get(suffix, f"expected {', '.join(EXTRACT_SUFFIXES)}")
    return f"no ingest reads a {suffix or 'suffix-less'} file ({hint})"


def warehouse_findings(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, config: Config, today: date
) -> list[Finding]:
    findings = release_gaps(con, today)
    if config.policy is not None:
        findings += held_lines(con, config.policy)
        if config.roster is not None and (reason := config_not_applied(con, workspace, config.policy)):
            findings.append(
                Finding(
                    "warning",
                    "config_not_applied",
                    (
                        f"{reason} since the last ingest: the warehouse's credits are of the config before; the next "
                        "`wrvu ingest` or `wrvu close` credits the lines again (`wrvu explain` refuses until then)"
                    ),
                )
            )
    if config.roster is not None:
        findings += unrostered_npis(con, config.roster, workspace.settings.period_basis)
    if config.payroll is not None:
        findings += unrecorded(con, config.payroll, config.plans or {}, workspace.config / "payroll_paid.csv")
    return findings


def release_year(release: str, effective_from: date) -> int:
    """The year a release is for: from a CMS id (RVU23A -> 2023), else its first date."""
    match = RELEASE_NAME.fullmatch(release)
    return 2000 + int(match[1]) if match else effective_from.year


def release_gaps(con: duckdb.DuckDBPyConnection, today: date) -> list[Finding]:
    """`release_gap`: a release governing dates of service in a year after its own (no release of
    that year loaded to take over); the last release's open interval counts up to today."""
    gaps = []
    for r in list_releases(con):
        year = release_year(r["release"], r["effective_from"])
        start = max(date(year + 1, 1, 1), r["effective_from"])
        end = r["effective_to"] or today
        if start <= end:
            gaps.append(
                {"release": r["release"], "year": year, "gap_start": start, "gap_end": r["effective_to"], "until": end}
            )
    if not gaps:
        return []
    con.register("staged_release_gaps", pl.DataFrame(gaps).select("release", "gap_start", "gap_end"))
    try:
        lines = {r["release"]: r for r in warehouse.fetch_dicts(con, "check/release_gap_lines")}
    finally:
        con.unregister("staged_release_gaps")
    findings = []
    for gap in gaps:
        governs = f"{gap['gap_start']} to {gap['gap_end']}" if gap["gap_end"] else f"from {gap['gap_start']} on"
        load = ", ".join(quarterly_release_of(date(y, 1, 1)) for y in range(gap["year"] + 1, gap["until"].year + 1))
        found = lines.get(gap["release"])
        priced = (
            f"; {found['lines']} current lines dated {found['first_date']} to {found['last_date']} are priced on it"
            if found
            else ""
        )
        findings.append(
            Finding(
                "warning",
                "release_gap",
                f"{gap['release']} (a {gap['year']} release) governs dates of service {governs}, as no release of "
                f"{gap['year'] + 1} is loaded{priced}: load {load} (`wrvu schedule load`)",
                count=found["lines"] if found else 0,
            )
        )
    return findings


def held_lines(con: duckdb.DuckDBPyConnection, policy: CreditingPolicy) -> list[Finding]:
    """`held_lines`: current lines credited 0, by reason, and whether the next ingest would price them."""
    findings = []
    for r in held_lines_repriced(con, policy):
        reason = r["reason"]
        message = (
            f"{r['lines']} current lines credited 0 for {reason} (dates of service {r['first_date']} to "
            f"{r['last_date']}): {HELD_ADVICE.get(reason, 'see docs/crediting.md, section 8')}"
        )
        if r["priceable"]:
            message += f"; {r['priceable']} of them are priced by the releases loaded now: the next `wrvu ingest` re-credits them"
        elif reason == "no_schedule":
            message += f"; load the release governing {r['first_date']} (e.g. {quarterly_release_of(r['first_date'])})"
        findings.append(Finding("warning", "held_lines", message, field=reason, count=r["lines"]))
    return findings


def unrostered_npis(con: duckdb.DuckDBPyConnection, roster: pl.DataFrame, period_basis: str) -> list[Finding]:
    """`unrostered_npi`: credited lines of an NPI on no roster row on their date, one finding per NPI."""
    con.register("staged_roster", roster.select("npi", "effective_from", "effective_to"))
    try:
        rows = warehouse.fetch_dicts(con, "check/unrostered_lines", {"period_basis": period_basis})
    finally:
        con.unregister("staged_roster")
    by_npi = {}
    for r in rows:
        by_npi.setdefault(r["npi"], []).append(r)
    findings = []
    for npi, periods in by_npi.items():
        lines = sum(p["lines"] for p in periods)
        detail = ", ".join(
            f"{p['period']}: {p['lines']} line{'s' * (p['lines'] != 1)}, {cell('wrvu_period', p['wrvu'])} wRVUs"
            for p in periods
        )
        findings.append(
            Finding(
                "warning",
                "unrostered_npi",
                f"NPI {npi} has {lines} credited lines on dates with no roster row ({detail}); a close pays them "
                "to nobody: add the NPI to config/roster.csv",
                field="npi",
                count=lines,
            )
        )
    return findings


def unrecorded(con: duckdb.DuckDBPyConnection, payroll: pl.DataFrame, plans: dict, path: Path) -> list[Finding]:
    """`unrecorded_payment`: the latest close of an employee's plan year whose pay or recover row
    payroll_paid.csv has not recorded."""
    try:
        rows = unrecorded_payments(con, payroll, plans)
    except duckdb.CatalogException:  # a warehouse no writer has opened since close_payments was added
        return []
    return [
        Finding(
            "warning",
            "unrecorded_payment",
            f"close {r['period']} (revision {r['revision']}) asks payroll to {r['action']} {abs(r['amount'])} for "
            f"employee {r['employee_id']} (plan {r['plan_id']}), and {path} does not record it: once paid, add "
            f"`{payroll_row_to_add(r)}`; until then a settle close of the plan year that moves money is refused",
            str(path),
            None,
            "employee_id",
        )
        for r in rows
    ]


def preflight(workspace: Workspace, command: str, today: date, inbox: InboxScope) -> list[Finding]:
    """The checks before an ingest or a close: the first error stops it (WrvuError); the warnings
    are returned for the caller to print."""
    report = check_workspace(workspace, today, inbox)
    if report.errors:
        others = len(report.errors) - 1
        more = f"; {others} more error{'s' * (others != 1)}: see `wrvu check`" if others else "; see `wrvu check`"
        raise WrvuError(f"{report.errors[0].message} ({command} not run{more})")
    return report.warnings
