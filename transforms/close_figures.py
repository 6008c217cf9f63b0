"""The figures of a close, from the inputs and the credited wRVUs: per employee and plan the
reconciliation of docs/compensation.md, per employee the variance. Pure arithmetic on exact Decimals: no
warehouse, no files."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from itertools import pairwise

import polars as pl

from wrvu.schemas.plans import Plan
from wrvu.transforms.compensation import (
    ZERO,
    CloseFigures,
    FteSpan,
    Payment,
    carried_deficit,
    close_figures,
    days_in_plan_year,
    fte_days,
    plan_year_end,
    plan_year_start,
)
from wrvu.transforms.errors import InputError
from wrvu.transforms.periods import Period

RECONCILIATION_COLUMNS = (
    "period",
    "employee_id",
    "npi",
    "provider_name",
    "specialty",
    "plan_id",
    "fte_avg",
    "wrvu_period",
    "wrvu_ytd",
    "threshold_ytd",
    "earned_ytd",
    "paid_ytd",
    "opening_balance",
    "true_up",
    "action",
    "deficit_balance",
    "encounters_period",
    "wrvu_per_encounter",
    "prior_payment_unrecorded",
)
VARIANCE_COLUMNS = (
    "period",
    "employee_id",
    "npi",
    "wrvu_period",
    "wrvu_prior_period",
    "delta_prior_period",
    "restatement_wrvu",
    "late_charge_wrvu",
    "void_wrvu",
    "denial_wrvu",
    "schedule_change_wrvu",
    "pace_pct_of_threshold",
    "benchmark_p50_ytd",
    "benchmark_percentile",
    "flags",
)
PACE_FLAG_BELOW_PCT = Decimal(80)


@dataclass(frozen=True)
class ReconciliationRow:
    """A row of reconciliation.csv (its fields but `plan` and `spans`, in RECONCILIATION_COLUMNS order),
    with the plan and FTE spans its figures were computed from."""

    period: str
    employee_id: str
    npi: str
    provider_name: str
    specialty: str
    plan_id: str
    fte_avg: Decimal
    wrvu_period: Decimal
    wrvu_ytd: Decimal
    threshold_ytd: Decimal
    earned_ytd: Decimal
    paid_ytd: Decimal
    opening_balance: Decimal
    true_up: Decimal
    action: str
    deficit_balance: Decimal
    encounters_period: int
    wrvu_per_encounter: Decimal | None
    prior_payment_unrecorded: bool = False  # set by close_payments.flag_prior_unrecorded
    plan: Plan = field(kw_only=True, repr=False, compare=False)
    spans: tuple[FteSpan, ...] = field(kw_only=True, repr=False, compare=False)


@dataclass(frozen=True)
class VarianceRow:
    """A row of variance.csv, its fields in VARIANCE_COLUMNS order."""

    period: str
    employee_id: str
    npi: str
    wrvu_period: Decimal
    wrvu_prior_period: Decimal
    delta_prior_period: Decimal
    restatement_wrvu: Decimal
    late_charge_wrvu: Decimal
    void_wrvu: Decimal
    denial_wrvu: Decimal
    schedule_change_wrvu: Decimal
    pace_pct_of_threshold: Decimal | None
    benchmark_p50_ytd: Decimal | None
    benchmark_percentile: Decimal | None
    flags: str


@dataclass(frozen=True)
class CloseInputs:
    plans: dict[str, Plan]
    roster: pl.DataFrame
    payroll: pl.DataFrame
    benchmarks: pl.DataFrame
    em_reference: pl.DataFrame


@dataclass(frozen=True)
class MonthTotals:
    """Credited wRVUs and encounters per employee, plan and month (YYYY-MM), indexed by employee and
    plan: a close of thousands of employees asks for a few sums each."""

    months: dict[tuple[str, str], list[tuple[str, Decimal, int]]]
    plans_of: dict[str, set[str]]  # every plan an employee has months under

    @classmethod
    def of(cls, frame: pl.DataFrame) -> "MonthTotals":
        months, plans_of = {}, {}
        for row in frame.iter_rows(named=True):
            months.setdefault((row["employee_id"], row["plan_id"]), []).append(
                (row["period"], row["wrvu"], row["encounters"])
            )
            plans_of.setdefault(row["employee_id"], set()).add(row["plan_id"])
        return cls(months, plans_of)

    def _between(self, employee_id: str, plan_id: str, start: date, end: date):
        first, last = f"{start:%Y-%m}", f"{end:%Y-%m}"
        return [m for m in self.months.get((employee_id, plan_id), ()) if first <= m[0] <= last]

    def wrvu_between(self, employee_id: str, plan_id: str, start: date, end: date) -> Decimal:
        return sum((wrvu for _, wrvu, _ in self._between(employee_id, plan_id, start, end)), ZERO)

    def encounters_between(self, employee_id: str, plan_id: str, start: date, end: date) -> int:
        return sum(encounters for _, _, encounters in self._between(employee_id, plan_id, start, end))

    def employee_wrvu_between(self, employee_id: str, start: date, end: date) -> Decimal:
        """Under every plan the employee had (a statement's months span plan changes)."""
        plans = self.plans_of.get(employee_id, ())
        return sum((self.wrvu_between(employee_id, plan, start, end) for plan in plans), ZERO)


def latest_row(rows: list["ReconciliationRow"]) -> "ReconciliationRow":
    """Of an employee's rows, the one of the plan they joined last: their name, NPI and specialty now."""
    return max(rows, key=lambda r: max(span.start for span in r.spans))


def fte_spans_by_plan(roster: pl.DataFrame) -> dict[tuple[str, str], list[FteSpan]]:
    return _spans_by(roster, ["employee_id", "plan_id"])


def spans_by_employee(roster: pl.DataFrame) -> dict[str, list[FteSpan]]:
    """Each employee's FTE spans under every plan, in date order."""
    return _spans_by(roster, ["employee_id"])


def _spans_by(roster: pl.DataFrame, keys: list[str]) -> dict:
    spans = {}
    for r in roster.sort("effective_from").iter_rows(named=True):
        key = tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]
        spans.setdefault(key, []).append(FteSpan(r["effective_from"], r["effective_to"], r["fte"]))
    return spans


def payments_by_plan(payroll: pl.DataFrame, roster: pl.DataFrame) -> dict[tuple[str, str], list[Payment]]:
    """Each payment of an employee on the roster under the plan it belongs to: its `plan_id`, else the
    plan in force on its pay date (docs/compensation.md, two plans in one plan year), so that an
    employee's two plans never both count one payment. Base salary counts under no plan. A payment
    dated on a day with no plan in force for its employee is an error naming the row."""
    rows_of = {}
    for r in roster.sort("effective_from").iter_rows(named=True):
        rows_of.setdefault(r["employee_id"], []).append(r)
    payments = {}
    for r in payroll.iter_rows(named=True):
        rows = rows_of.get(r["employee_id"])
        if rows is None or r["pay_type"] == "base":  # an employee on no roster row: `wrvu check` reports it
            continue
        plan_id = r.get("plan_id") or next(
            (
                row["plan_id"]
                for row in rows
                if row["effective_from"] <= r["pay_date"]
                and (row["effective_to"] is None or r["pay_date"] <= row["effective_to"])
            ),
            None,
        )
        if plan_id is None:
            raise InputError(
                "config/payroll_paid.csv",
                r["source_row"],
                "pay_date",
                f"{r['employee_id']} has no plan in force on {r['pay_date']}: give the payment's plan_id",
            )
        payments.setdefault((r["employee_id"], plan_id), []).append(Payment(r["pay_date"], r["pay_type"], r["amount"]))
    return payments


def figures_at(
    plan: Plan,
    period_end: date,
    months: MonthTotals,
    spans: list[FteSpan],
    payments: list[Payment],
    employee_id: str,
    plan_id: str,
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


def reconciliation_rows(period: Period, inputs: CloseInputs, months: MonthTotals) -> list[ReconciliationRow]:
    """One row per employee and plan on the roster during the period."""
    active = inputs.roster.filter(
        (pl.col("effective_from") <= period.end)
        & (pl.col("effective_to").is_null() | (pl.col("effective_to") >= period.start))
    ).sort("effective_from")
    spans_by_plan = fte_spans_by_plan(inputs.roster)
    payments = payments_by_plan(inputs.payroll, inputs.roster)
    rows = []
    for (employee_id, plan_id), group in active.partition_by(
        ["employee_id", "plan_id"], as_dict=True, maintain_order=True
    ).items():
        plan = inputs.plans[plan_id]
        latest = group.row(-1, named=True)
        spans = spans_by_plan[(employee_id, plan_id)]
        paid = payments.get((employee_id, plan_id), [])
        figures = figures_at(plan, period.end, months, spans, paid, employee_id, plan_id)
        wrvu_period = months.wrvu_between(employee_id, plan_id, period.start, period.end)
        encounters = months.encounters_between(employee_id, plan_id, period.start, period.end)
        rows.append(
            ReconciliationRow(
                period=period.label,
                employee_id=employee_id,
                npi=latest["npi"],
                provider_name=latest["provider_name"],
                specialty=latest["specialty"],
                plan_id=plan_id,
                fte_avg=fte_days(spans, period.start, period.end) / period.days,
                wrvu_period=wrvu_period,
                wrvu_ytd=figures.wrvu_ytd,
                threshold_ytd=figures.threshold_ytd,
                earned_ytd=figures.earned_ytd,
                paid_ytd=figures.paid_ytd,
                opening_balance=figures.opening_balance,
                true_up=figures.true_up,
                action=figures.action,
                deficit_balance=figures.deficit_balance,
                encounters_period=encounters,
                wrvu_per_encounter=wrvu_period / encounters if encounters else None,
                plan=plan,
                spans=tuple(spans),
            )
        )
    return sorted(rows, key=lambda r: (r.employee_id, r.plan_id))


def fte_year_fraction(rows: list[ReconciliationRow], period_end: date) -> Decimal:
    """The share of a full year at 1.0 FTE that an employee's plan year to date is, over their rows (a
    plan each): FTE-weighted days over the plan year's days. Year-to-date wRVUs over it are the
    annualised wRVUs at 1.0 FTE."""
    return sum(
        (
            fte_days(r.spans, plan_year_start(r.plan, period_end), period_end) / days_in_plan_year(r.plan, period_end)
            for r in rows
        ),
        ZERO,
    )


def benchmark_percentile(annualised: Decimal, benchmark: dict) -> Decimal:
    """Position of an annual wRVU figure among p25..p90: linear between them, from (0, 0) below p25,
    along the p75-p90 slope above p90 (at most 99)."""
    points = [(ZERO, ZERO)] + [(benchmark[f"p{p}"], Decimal(p)) for p in (25, 50, 75, 90)]
    for (x0, y0), (x1, y1) in pairwise(points):
        if annualised <= x1:
            return y0 if x1 == x0 else y0 + (annualised - x0) * (y1 - y0) / (x1 - x0)
    (x0, y0), (x1, y1) = points[-2], points[-1]
    beyond = y1 + (annualised - x1) * (y1 - y0) / (x1 - x0) if x1 > x0 else Decimal(99)
    return min(beyond, Decimal(99))


def variance_rows(
    period: Period,
    reconciliation: list[ReconciliationRow],
    inputs: CloseInputs,
    months: MonthTotals,
    restatements: dict[str, dict],
    held: dict[str, int],
) -> list[VarianceRow]:
    """One row per employee: change on the prior period, restatements, pace and benchmark."""
    prior = period.prior()
    benchmarks = {r["specialty"]: r for r in inputs.benchmarks.iter_rows(named=True)}
    rows = []
    by_employee = {}
    for r in reconciliation:
        by_employee.setdefault(r.employee_id, []).append(r)
    for employee_id, mine in sorted(by_employee.items()):
        wrvu_period = sum((r.wrvu_period for r in mine), ZERO)
        wrvu_prior = sum((months.wrvu_between(employee_id, r.plan_id, prior.start, prior.end) for r in mine), ZERO)
        wrvu_ytd = sum((r.wrvu_ytd for r in mine), ZERO)
        threshold = sum((r.threshold_ytd for r in mine), ZERO)
        restated = restatements.get(employee_id, {})
        main = latest_row(mine)
        benchmark = benchmarks.get(main.specialty)
        p50_ytd = percentile = None
        if benchmark:
            year_fraction = fte_year_fraction(mine, period.end)
            p50_ytd = benchmark["p50"] * year_fraction
            percentile = benchmark_percentile(wrvu_ytd / year_fraction, benchmark) if year_fraction else None
        pace = wrvu_ytd * 100 / threshold if threshold else None
        flags = []
        if restated.get("restatement_wrvu"):
            flags.append("restated")
        if pace is not None and pace < PACE_FLAG_BELOW_PCT:
            flags.append("pace_below_80pct")
        if held.get(main.npi):
            flags.append(f"held_lines_{held[main.npi]}")
        rows.append(
            VarianceRow(
                period=period.label,
                employee_id=employee_id,
                npi=main.npi,
                wrvu_period=wrvu_period,
                wrvu_prior_period=wrvu_prior,
                delta_prior_period=wrvu_period - wrvu_prior,
                restatement_wrvu=restated.get("restatement_wrvu") or ZERO,
                late_charge_wrvu=restated.get("late_charge_wrvu") or ZERO,
                void_wrvu=restated.get("void_wrvu") or ZERO,
                denial_wrvu=restated.get("denial_wrvu") or ZERO,
                schedule_change_wrvu=restated.get("schedule_change_wrvu") or ZERO,
                pace_pct_of_threshold=pace,
                benchmark_p50_ytd=p50_ytd,
                benchmark_percentile=percentile,
                flags=" ".join(flags),
            )
        )
    return rows
