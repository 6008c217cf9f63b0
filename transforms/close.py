"""Period close: the figures of COMPENSATION.md per employee and plan, the variance per employee,
and the files payroll receives (reconciliation, variance, lines, quarantine, manifest)."""

import csv
import hashlib
import io
import json
import os
import re
import secrets
import shutil
from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path

import duckdb
import polars as pl

import sql
from schemas.benchmarks import load_benchmarks
from schemas.payroll_paid import load_payroll_paid
from schemas.plans import Plan, load_plans
from schemas.roster import load_roster
from schemas.workspace import Workspace
from transforms.compensation import (
    ZERO,
    CloseFigures,
    FteSpan,
    Payment,
    carried_deficit,
    cents,
    close_figures,
    days_in_plan_year,
    fte_days,
    plan_year_end,
    plan_year_start,
)
from transforms.errors import WrvuError
from transforms.spreadsheet import safe_frame, safe_text
from transforms.warehouse import fetch_dicts, fetch_frame

LINES_PARQUET_ABOVE = 1_000_000
CONFIG_FILES = ("plans.yaml", "roster.csv", "payroll_paid.csv", "benchmarks.csv", "crediting.yaml", "custom_rvus.csv")
RECONCILIATION_COLUMNS = (
    "period", "employee_id", "npi", "provider_name", "specialty", "plan_id", "fte_avg", "wrvu_period", "wrvu_ytd",
    "threshold_ytd", "earned_ytd", "paid_ytd", "opening_balance", "true_up", "action", "deficit_balance",
    "encounters_period", "wrvu_per_encounter", "prior_payment_unrecorded",
)
MONEY_ACTIONS = ("pay", "recover")
VARIANCE_COLUMNS = (
    "period", "employee_id", "npi", "wrvu_period", "wrvu_prior_period", "delta_prior_period", "restatement_wrvu",
    "late_charge_wrvu", "void_wrvu", "schedule_change_wrvu", "pace_pct_of_threshold", "benchmark_p50_ytd",
    "benchmark_percentile", "flags",
)
QUARANTINE_COLUMNS = ("source_file", "source_row", "field", "reason")
PACE_FLAG_BELOW_PCT = Decimal(80)
PROVISIONAL_FOLDER = "provisional"


@dataclass(frozen=True)
class Period:
    label: str  # 2026-03, 2026-Q1 or 2026
    start: date
    end: date

    @property
    def first_month(self) -> str:
        return f"{self.start:%Y-%m}"

    @property
    def last_month(self) -> str:
        return f"{self.end:%Y-%m}"

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def prior(self) -> "Period":
        """The period of the same length just before."""
        months = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1
        first = _add_months(self.start, -months)
        label = {1: f"{first:%Y-%m}", 3: f"{first.year}-Q{(first.month - 1) // 3 + 1}", 12: f"{first.year}"}[months]
        return parse_period(label)


def _add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _month_end(year: int, month: int) -> date:
    return date(year, month, monthrange(year, month)[1])


def parse_period(text: str) -> Period:
    """`YYYY-MM`, `YYYY-Qn` or `YYYY`."""
    if match := re.fullmatch(r"(\d{4})-(0[1-9]|1[0-2])", text):
        year, month = int(match[1]), int(match[2])
        return Period(text, date(year, month, 1), _month_end(year, month))
    if match := re.fullmatch(r"(\d{4})-Q([1-4])", text.upper()):
        year, quarter = int(match[1]), int(match[2])
        return Period(f"{year}-Q{quarter}", date(year, 3 * quarter - 2, 1), _month_end(year, 3 * quarter))
    if re.fullmatch(r"\d{4}", text):
        return Period(text, date(int(text), 1, 1), date(int(text), 12, 31))
    raise WrvuError(f"{text!r} is not a period: use YYYY-MM, YYYY-Qn or YYYY")


@dataclass(frozen=True)
class CloseInputs:
    plans: dict[str, Plan]
    roster: pl.DataFrame
    payroll: pl.DataFrame
    benchmarks: pl.DataFrame


def load_close_inputs(workspace: Workspace) -> CloseInputs:
    config = workspace.config
    plans = load_plans(config / "plans.yaml")
    return CloseInputs(
        plans=plans,
        roster=load_roster(config / "roster.csv", set(plans)),
        payroll=load_payroll_paid(config / "payroll_paid.csv"),
        benchmarks=load_benchmarks(config / "benchmarks.csv"),
    )


@dataclass(frozen=True)
class MonthTotals:
    """Credited wRVUs and encounters per employee, plan and month (YYYY-MM), indexed by employee and
    plan: a close of thousands of employees asks for a few sums each."""

    months: dict[tuple[str, str], list[tuple[str, Decimal, int]]]

    @classmethod
    def of(cls, frame: pl.DataFrame) -> "MonthTotals":
        months = {}
        for row in frame.iter_rows(named=True):
            months.setdefault((row["employee_id"], row["plan_id"]), []).append((row["period"], row["wrvu"], row["encounters"]))
        return cls(months)

    def _between(self, employee_id: str, plan_id: str, start: date, end: date):
        first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
        return [m for m in self.months.get((employee_id, plan_id), ()) if first <= m[0] <= last]

    def wrvu_between(self, employee_id: str, plan_id: str, start: date, end: date) -> Decimal:
        return sum((wrvu for _, wrvu, _ in self._between(employee_id, plan_id, start, end)), ZERO)

    def encounters_between(self, employee_id: str, plan_id: str, start: date, end: date) -> int:
        return sum(encounters for _, _, encounters in self._between(employee_id, plan_id, start, end))


def fte_spans_by_plan(roster: pl.DataFrame) -> dict[tuple[str, str], list[FteSpan]]:
    spans = {}
    for r in roster.sort("effective_from").iter_rows(named=True):
        spans.setdefault((r["employee_id"], r["plan_id"]), []).append(FteSpan(r["effective_from"], r["effective_to"], r["fte"]))
    return spans


def payments_by_employee(payroll: pl.DataFrame) -> dict[str, list[Payment]]:
    payments = {}
    for r in payroll.iter_rows(named=True):
        payments.setdefault(r["employee_id"], []).append(Payment(r["pay_date"], r["pay_type"], r["amount"]))
    return payments


def figures_at(
    plan: Plan, period_end: date, months: MonthTotals, spans: list[FteSpan], payments: list[Payment],
    employee_id: str, plan_id: str,
) -> CloseFigures:
    """The figures at `period_end`, with the opening balance carried from the plan years before."""
    year_start = plan_year_start(plan, period_end)
    opening = ZERO
    earliest_data = min([s.start for s in spans] + [p.pay_date for p in payments], default=year_start)
    if earliest_data < year_start and plan.recoverable and plan.deficit_at_year_end == "carry_forward":
        previous_end = plan_year_end(plan, date(year_start.year - 1, year_start.month, 1))
        opening = carried_deficit(plan, figures_at(plan, previous_end, months, spans, payments, employee_id, plan_id))
    wrvu_ytd = months.wrvu_between(employee_id, plan_id, year_start, period_end)
    return close_figures(plan, period_end, wrvu_ytd, spans, payments, opening)


def reconciliation_rows(period: Period, inputs: CloseInputs, months: MonthTotals) -> list[dict]:
    """One row per employee and plan on the roster during the period."""
    active = inputs.roster.filter(
        (pl.col("effective_from") <= period.end)
        & (pl.col("effective_to").is_null() | (pl.col("effective_to") >= period.start))
    ).sort("effective_from")
    spans_by_plan = fte_spans_by_plan(inputs.roster)
    payments = payments_by_employee(inputs.payroll)
    rows = []
    for (employee_id, plan_id), group in active.partition_by(["employee_id", "plan_id"], as_dict=True, maintain_order=True).items():
        plan = inputs.plans[plan_id]
        latest = group.row(-1, named=True)
        spans = spans_by_plan[(employee_id, plan_id)]
        figures = figures_at(plan, period.end, months, spans, payments.get(employee_id, []), employee_id, plan_id)
        wrvu_period = months.wrvu_between(employee_id, plan_id, period.start, period.end)
        encounters = months.encounters_between(employee_id, plan_id, period.start, period.end)
        rows.append({
            "period": period.label,
            "employee_id": employee_id,
            "npi": latest["npi"],
            "provider_name": latest["provider_name"],
            "specialty": latest["specialty"],
            "plan_id": plan_id,
            "fte_avg": fte_days(spans, period.start, period.end) / period.days,
            "wrvu_period": wrvu_period,
            "wrvu_ytd": figures.wrvu_ytd,
            "threshold_ytd": figures.threshold_ytd,
            "earned_ytd": figures.earned_ytd,
            "paid_ytd": figures.paid_ytd,
            "opening_balance": figures.opening_balance,
            "true_up": figures.true_up,
            "action": figures.action,
            "deficit_balance": figures.deficit_balance,
            "encounters_period": encounters,
            "wrvu_per_encounter": wrvu_period / encounters if encounters else None,
            "_plan": plan,
            "_spans": spans,
        })
    return sorted(rows, key=lambda r: (r["employee_id"], r["plan_id"]))


def unrecorded_payments(
    con: duckdb.DuckDBPyConnection, payroll: pl.DataFrame, plans: dict[str, Plan], as_of: Period | None = None,
) -> list[dict]:
    """What payroll still owes or must recover for recorded closes: per employee, plan and plan year,
    the latest close whose pay or recover payroll_paid.csv has not recorded (a later true-up includes
    an earlier unpaid one, so the latest is the whole amount). Seen by the close of `as_of`, else now.
    A close at the end of its plan year is left out: no later close of that year counts its payment."""
    con.register("staged_payroll_paid", payroll)
    try:
        params = {"as_of": as_of.end if as_of else None, "period": as_of.label if as_of else None}
        rows = fetch_dicts(con, "close/unrecorded_payments", params)
    finally:
        con.unregister("staged_payroll_paid")
    latest = {}
    for row in rows:  # in period order
        plan = plans.get(row["plan_id"])
        if plan is not None and row["period_end"] != plan_year_end(plan, row["period_end"]):
            latest[(row["employee_id"], row["plan_id"], plan_year_start(plan, row["period_end"]))] = row
    return list(latest.values())


def payroll_row_to_add(unrecorded: dict) -> str:
    """The payroll_paid.csv row that records an unrecorded pay or recover, its date left to payroll."""
    pay_type = "incentive" if unrecorded["action"] == "pay" else "recovery"
    return f"{unrecorded['employee_id']},DATE after {unrecorded['period_end']},{pay_type},{unrecorded['amount']}"


def flag_prior_unrecorded(period: Period, reconciliation: list[dict], unrecorded: list[dict]) -> list[dict]:
    """Set `prior_payment_unrecorded` on the rows whose employee and plan have an unrecorded pay or
    recovery from an earlier close of the same plan year (their paid_ytd lacks that money); returns those."""
    pending = {(u["employee_id"], u["plan_id"]): u for u in unrecorded}
    earlier = []
    for row in reconciliation:
        prior = pending.get((row["employee_id"], row["plan_id"]))
        row["prior_payment_unrecorded"] = prior is not None and prior["period_end"] >= plan_year_start(row["_plan"], period.end)
        if row["prior_payment_unrecorded"]:
            earlier.append(prior)
    return earlier


def refuse_moving_money_twice(period: Period, reconciliation: list[dict], earlier: list[dict]) -> None:
    """A close that pays or recovers while an earlier payment of the plan year is unrecorded would
    move that money again (its true-up includes it): refused, naming each."""
    if earlier and any(r["action"] in MONEY_ACTIONS for r in reconciliation):
        named = "; ".join(
            f"{u['employee_id']} {u['action']} {abs(u['amount'])} from close {u['period']} ({payroll_row_to_add(u)})"
            for u in earlier
        )
        raise WrvuError(
            f"{period.label} would pay or recover again what earlier closes of the plan year asked for and "
            f"payroll_paid.csv does not record: {named}; add those rows once paid, or pass --accept-unrecorded "
            "to close anyway"
        )


def payment_frame(reconciliation: list[dict]) -> pl.DataFrame:
    """The close's pay and recover rows, as recorded in close_payments."""
    return pl.DataFrame(
        [(r["employee_id"], r["plan_id"], r["action"], cents(r["true_up"]))
         for r in reconciliation if r["action"] in MONEY_ACTIONS],
        schema={"employee_id": pl.String, "plan_id": pl.String, "action": pl.String, "amount": pl.Decimal(18, 2)},
        orient="row",
    )


def benchmark_percentile(annualised: Decimal, benchmark: dict) -> Decimal:
    """Position of an annual wRVU figure among p25..p90: linear between them, from (0, 0) below p25,
    along the p75-p90 slope above p90 (at most 99)."""
    points = [(ZERO, ZERO)] + [(benchmark[f"p{p}"], Decimal(p)) for p in (25, 50, 75, 90)]
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if annualised <= x1:
            return y0 if x1 == x0 else y0 + (annualised - x0) * (y1 - y0) / (x1 - x0)
    (x0, y0), (x1, y1) = points[-2], points[-1]
    beyond = y1 + (annualised - x1) * (y1 - y0) / (x1 - x0) if x1 > x0 else Decimal(99)
    return min(beyond, Decimal(99))


def variance_rows(
    period: Period, reconciliation: list[dict], inputs: CloseInputs, months: MonthTotals,
    restatements: dict[str, dict], held: dict[str, int],
) -> list[dict]:
    """One row per employee: change on the prior period, restatements, pace and benchmark."""
    prior = period.prior()
    benchmarks = {r["specialty"]: r for r in inputs.benchmarks.iter_rows(named=True)}
    rows = []
    by_employee = {}
    for r in reconciliation:
        by_employee.setdefault(r["employee_id"], []).append(r)
    for employee_id, mine in sorted(by_employee.items()):
        wrvu_period = sum((r["wrvu_period"] for r in mine), ZERO)
        wrvu_prior = sum(
            (months.wrvu_between(employee_id, r["plan_id"], prior.start, prior.end) for r in mine), ZERO
        )
        wrvu_ytd = sum((r["wrvu_ytd"] for r in mine), ZERO)
        threshold = sum((r["threshold_ytd"] for r in mine), ZERO)
        restated = restatements.get(employee_id, {})
        main = mine[-1]
        benchmark = benchmarks.get(main["specialty"])
        p50_ytd = percentile = None
        if benchmark:
            plan = main["_plan"]
            year_start = plan_year_start(plan, period.end)
            year_fraction = fte_days(main["_spans"], year_start, period.end) / days_in_plan_year(plan, period.end)
            p50_ytd = benchmark["p50"] * year_fraction
            percentile = benchmark_percentile(wrvu_ytd / year_fraction, benchmark) if year_fraction else None
        pace = wrvu_ytd * 100 / threshold if threshold else None
        flags = []
        if restated.get("restatement_wrvu"):
            flags.append("restated")
        if pace is not None and pace < PACE_FLAG_BELOW_PCT:
            flags.append("pace_below_80pct")
        if held.get(main["npi"]):
            flags.append(f"held_lines_{held[main['npi']]}")
        rows.append({
            "period": period.label,
            "employee_id": employee_id,
            "npi": main["npi"],
            "wrvu_period": wrvu_period,
            "wrvu_prior_period": wrvu_prior,
            "delta_prior_period": wrvu_period - wrvu_prior,
            "restatement_wrvu": restated.get("restatement_wrvu") or ZERO,
            "late_charge_wrvu": restated.get("late_charge_wrvu") or ZERO,
            "void_wrvu": restated.get("void_wrvu") or ZERO,
            "schedule_change_wrvu": restated.get("schedule_change_wrvu") or ZERO,
            "pace_pct_of_threshold": pace,
            "benchmark_p50_ytd": p50_ytd,
            "benchmark_percentile": percentile,
            "flags": " ".join(flags),
        })
    return rows


# --- writing -------------------------------------------------------------------------------------

TWO_DECIMALS = {"fte_avg", "wrvu_period", "wrvu_ytd", "threshold_ytd", "wrvu_per_encounter", "wrvu_prior_period",
                "delta_prior_period", "restatement_wrvu", "late_charge_wrvu", "void_wrvu", "schedule_change_wrvu",
                "pace_pct_of_threshold", "benchmark_p50_ytd", "benchmark_percentile", "earned_ytd", "paid_ytd",
                "opening_balance", "true_up", "deficit_balance"}


def cell(column: str, value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return str(cents(value)) if column in TWO_DECIMALS else str(value)
    if isinstance(value, (int, date)):
        return str(value)
    return safe_text(str(value))


def csv_bytes(columns: tuple[str, ...], rows: list[dict]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(c, row.get(c)) for c in columns])
    return out.getvalue().encode("utf-8")


def lines_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    return safe_frame(fetch_frame(con, "close/period_lines"))


def lines_file(lines: pl.DataFrame) -> tuple[str, bytes]:
    out = io.BytesIO()
    if lines.height > LINES_PARQUET_ABOVE:
        lines.write_parquet(out)
        return "lines.parquet", out.getvalue()
    lines.write_csv(out, date_format="%Y-%m-%d")
    return "lines.csv", out.getvalue()


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(
    workspace: Workspace, period: Period, files: dict[str, bytes], lines: pl.DataFrame, reconciliation: list[dict],
    sources: list[dict], releases: list[dict], unassigned: list[dict], quarantined: int,
) -> bytes:
    """What the close was computed from and its control totals; no timestamps, so an unchanged close
    is byte-for-byte identical."""
    lines_total = sum(lines["credited_wrvu"].to_list(), ZERO) if lines.height else ZERO
    reconciliation_total = sum((r["wrvu_period"] for r in reconciliation), ZERO)
    config = {
        name: sha256_of((workspace.config / name).read_bytes())
        for name in CONFIG_FILES
        if (workspace.config / name).is_file()
    }
    manifest = {
        "period": period.label,
        "period_start": str(period.start),
        "period_end": str(period.end),
        "software": {"wrvu": version("wrvu")},
        "input_files": [{"path": s["source_file"], "sha256": s["source_sha256"], "lines": s["lines"]} for s in sources],
        "fee_schedule_releases": [
            {"release": r["release"], "source": r["source_name"], "sha256": r["source_sha256"]} for r in releases
        ],
        "config_sha256": config | {"wrvu.yaml": sha256_of((workspace.root / "wrvu.yaml").read_bytes())},
        "row_counts": {"lines": lines.height, "reconciliation": len(reconciliation), "quarantine": quarantined},
        "control_totals": {
            "lines_credited_wrvu": str(lines_total),
            "reconciliation_wrvu_period": str(reconciliation_total),
            "balanced": lines_total == reconciliation_total,
        },
        "unassigned_lines": [
            {"npi": u["npi"], "lines": u["lines"], "wrvu": str(u["wrvu"])} for u in unassigned
        ],
        "files_sha256": {name: sha256_of(data) for name, data in sorted(files.items())},
    }
    return (json.dumps(manifest, indent=2) + "\n").encode("utf-8")


@dataclass(frozen=True)
class CloseBuild:
    period: Period
    files: dict[str, bytes]
    control_total: Decimal
    reconciliation: list[dict]
    warnings: tuple[str, ...]

    @property
    def content_sha256(self) -> str:
        digest = hashlib.sha256()
        for name, data in sorted(self.files.items()):
            digest.update(name.encode() + b"\0" + sha256_of(data).encode())
        return digest.hexdigest()


def build_close(
    con: duckdb.DuckDBPyConnection, workspace: Workspace, period: Period, inputs: CloseInputs,
    accept_unrecorded: bool = False,
) -> CloseBuild:
    """Compute every file of the close from the warehouse (whose roster the caller has refreshed).
    The period's lines are read once into `close_period_lines`, which commit_close snapshots."""
    months_params = {"first_month": period.first_month, "last_month": period.last_month}
    con.execute(sql.load("close/period_lines_table"), months_params)
    months = MonthTotals.of(fetch_frame(con, "close/employee_month_totals", months_params))
    reconciliation = reconciliation_rows(period, inputs, months)
    earlier = flag_prior_unrecorded(period, reconciliation, unrecorded_payments(con, inputs.payroll, inputs.plans, period))
    if not accept_unrecorded:
        refuse_moving_money_twice(period, reconciliation, earlier)
    restatements = {r["employee_id"]: r for r in fetch_dicts(con, "close/restatements", {"first_month": period.first_month})}
    held = {r["npi"]: r["lines"] for r in fetch_dicts(con, "close/held_lines")}
    variance = variance_rows(period, reconciliation, inputs, months, restatements, held)
    lines = lines_frame(con)
    quarantine = fetch_dicts(con, "close/period_quarantine", {"start": period.start, "end": period.end})
    lines_name, lines_data = lines_file(lines)
    files = {
        "reconciliation.csv": csv_bytes(RECONCILIATION_COLUMNS, reconciliation),
        "variance.csv": csv_bytes(VARIANCE_COLUMNS, variance),
        lines_name: lines_data,
        "quarantine.csv": csv_bytes(QUARANTINE_COLUMNS, quarantine),
    }
    files["manifest.json"] = manifest_bytes(
        workspace, period, files, lines, reconciliation,
        sources=fetch_dicts(con, "close/period_sources"),
        releases=fetch_dicts(con, "close/period_releases"),
        unassigned=fetch_dicts(con, "close/unassigned_lines"),
        quarantined=len(quarantine),
    )
    control_total = sum(lines["credited_wrvu"].to_list(), ZERO) if lines.height else ZERO
    return CloseBuild(period, files, control_total, reconciliation, close_warnings(period, lines.height))


def close_warnings(period: Period, line_count: int) -> tuple[str, ...]:
    """What a close must say on screen beyond the checks run before it (`unrostered_npi` names the
    lines paid to nobody): a period without lines."""
    if not line_count:
        return (f"{period.label}: no credited lines in the period; are its extracts ingested?",)
    return ()


def refuse_wrong_timing(period: Period, today: date, provisional: bool) -> None:
    """A close pays on the period's figures, which change until its last day is over; a provisional
    pace report is for a period not over yet."""
    if provisional and period.end < today:
        raise WrvuError(f"{period.label} has ended: close it without --provisional")
    if not provisional and period.end >= today:
        raise WrvuError(
            f"{period.label} ends on {period.end}, today or later: its figures will still change; close it from "
            f"{period.end + timedelta(days=1)} on, or pass --provisional for a pace report in out/{period.label}/provisional/"
        )


def provisional_files(build: CloseBuild, today: date) -> dict[str, bytes]:
    """A mid-period pace report: every file named `NAME.provisional.EXT`, and the manifest saying it
    is provisional and as of when, so that nobody pays from it by mistake."""
    manifest = json.loads(build.files["manifest.json"])
    manifest["files_sha256"] = {provisional_name(name): digest for name, digest in manifest["files_sha256"].items()}
    manifest = {"provisional": True, "as_of": str(today), **manifest}
    files = {**build.files, "manifest.json": (json.dumps(manifest, indent=2) + "\n").encode("utf-8")}
    return {provisional_name(name): data for name, data in files.items()}


def provisional_name(name: str) -> str:
    stem, suffix = name.split(".", 1)
    return f"{stem}.provisional.{suffix}"


@dataclass(frozen=True)
class CloseOutcome:
    period: str
    revision: int
    out_dir: Path
    action: str  # closed | restated | unchanged | provisional
    warnings: tuple[str, ...] = ()


def write_atomically(out_dir: Path, files: dict[str, bytes], replace: bool = False) -> None:
    """All files or none: written owner-only into a temporary sibling folder, then renamed into place
    (with `replace`, over the folder there, which is moved aside first and then removed)."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    for stale in out_dir.parent.glob(f".{out_dir.name}.*.partial"):  # a killed close's; closes run one at a time
        shutil.rmtree(stale)
    temporary = out_dir.parent / f".{out_dir.name}.{secrets.token_hex(4)}.partial"
    temporary.mkdir(mode=0o700)
    for name, data in files.items():
        fd = os.open(temporary / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
    if replace and out_dir.exists():
        os.rename(out_dir, temporary.with_suffix(".old.partial"))  # cleared as stale by the next write
    os.rename(temporary, out_dir)
    shutil.rmtree(temporary.with_suffix(".old.partial"), ignore_errors=True)


def commit_close(con: duckdb.DuckDBPyConnection, workspace: Workspace, build: CloseBuild, restate: bool) -> CloseOutcome:
    """Record the close and write its folder. A closed period is never silently rewritten: the same
    content again is a no-op; different content needs `restate`, which adds revision N in rev-N/.
    Runs on the connection `build` was computed on (its `close_period_lines`)."""
    label = build.period.label
    latest = fetch_dicts(con, "close/latest_revision", {"period": label})
    latest = latest[0] if latest else None
    if latest and latest["content_sha256"] == build.content_sha256:
        out_dir = Path(latest["out_dir"])
        if not out_dir.is_dir():  # recorded, but the folder was lost (crash or deletion): write it again
            write_atomically(out_dir, build.files)
        return CloseOutcome(label, latest["revision"], out_dir, "unchanged", build.warnings)
    if latest and not restate:
        raise WrvuError(
            f"{label} was closed (revision {latest['revision']}, {latest['out_dir']}) and its inputs have changed "
            "since; pass --restate to write a new revision (the earlier one is kept)"
        )
    revision = latest["revision"] + 1 if latest else 1
    period_dir = workspace.out / label
    out_dir = period_dir if revision == 1 else period_dir / f"rev-{revision}"
    if out_dir.exists() and {p.name for p in out_dir.iterdir()} <= {PROVISIONAL_FOLDER}:
        shutil.rmtree(out_dir)  # the pace reports of the period, now that it is over and closed
    if out_dir.exists():
        raise WrvuError(f"{out_dir}: exists but no close of {label} revision {revision} is recorded; move it aside")
    con.execute("begin transaction")
    try:
        con.execute(sql.load("close/insert_close"), {
            "period": label, "revision": revision, "out_dir": str(out_dir), "content_sha256": build.content_sha256,
            "control_total_wrvu": build.control_total, "manifest": build.files["manifest.json"].decode(),
        })
        con.execute(sql.load("close/snapshot_lines"), {"close_period": label, "revision": revision})
        con.register("staged_close_payments", payment_frame(build.reconciliation))
        con.execute(sql.load("close/insert_payments"), {"period": label, "revision": revision, "period_end": build.period.end})
        con.unregister("staged_close_payments")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    # after the commit: a crash before the rename leaves a recorded close whose folder the next
    # `wrvu close` of the period writes again (same content), never a folder without a record
    write_atomically(out_dir, build.files)
    return CloseOutcome(label, revision, out_dir, "restated" if revision > 1 else "closed", build.warnings)


def write_provisional(workspace: Workspace, build: CloseBuild, today: date) -> CloseOutcome:
    """The pace report of an open period in out/PERIOD/provisional/, replaced each time, never recorded."""
    out_dir = workspace.out / build.period.label / PROVISIONAL_FOLDER
    write_atomically(out_dir, provisional_files(build, today), replace=True)
    return CloseOutcome(build.period.label, 0, out_dir, "provisional", build.warnings)
