"""The figures of a close, from the inputs and the credited wRVUs: per employee and plan the
reconciliation of docs/compensation.md, per employee the variance. Pure arithmetic on exact Decimals: no
warehouse, no files."""

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from itertools import pairwise
from pathlib import Path

import polars as pl

from wrvu.schemas.plans import Plan
from wrvu.schemas.roster import in_force_between
from wrvu.transforms.compensation import (
    ZERO,
    CloseFigures,
    FteSpan,
    Payment,
    carried_deficit,
    cents,
    close_figures,
    four_places,
    fte_days,
    plan_year_end,
    plan_year_start,
    releases_withhold,
    year_to_date_share,
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
    "production_ytd",
    "terms_applied",
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
    "wrvu_ytd_as_of_dos",
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
    production_ytd: Decimal
    terms_applied: str  # `;`-separated, in the order the terms apply
    prior_payment_unrecorded: bool = False  # set by close_payments.flag_prior_unrecorded
    plan: Plan = field(kw_only=True, repr=False, compare=False)
    spans: tuple[FteSpan, ...] = field(kw_only=True, repr=False, compare=False)
    figures: CloseFigures = field(kw_only=True, repr=False, compare=False)  # the working, for the statements

    @property
    def final_settlement(self) -> bool:  # the clinician left the plan: this close settles it
        return self.figures.final_settlement


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
    wrvu_ytd_as_of_dos: Decimal | None = None  # set by with_wrvu_ytd_as_of_dos


@dataclass(frozen=True)
class CloseInputs:
    plans: dict[str, Plan]
    roster: pl.DataFrame
    payroll: pl.DataFrame
    benchmarks: pl.DataFrame
    em_reference: pl.DataFrame
    quality_scores: dict[tuple[str, int], Decimal] = field(default_factory=dict)  # by employee and plan year
    config: Path = Path("config")  # the folder of the files, to name them in errors


@dataclass(frozen=True)
class RecordedFigures:
    """The figures the latest recorded close before this one gave an employee and plan, and the end of
    the latest period whose close was their final settlement (close/recorded_figures)."""

    period_end: date
    wrvu_ytd: Decimal
    earned_ytd: Decimal
    final_settled_on: date | None


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


def payments_by_plan(
    payroll: pl.DataFrame, roster: pl.DataFrame, path: Path = Path("config/payroll_paid.csv")
) -> dict[tuple[str, str], list[Payment]]:
    """Each payment of an employee on the roster under the plan it belongs to: its `plan_id`, else the
    plan in force on its pay date (docs/compensation.md, two plans in one plan year), or, paid after
    their last roster row ended, the plan they left last (what its final settlement moves), so that an
    employee's two plans never both count one payment. Base salary counts under no plan. A payment
    dated on another day with no plan in force (before they started, between two rows) is an error
    naming the row."""
    rows_of = {}
    for r in roster.sort("effective_from").iter_rows(named=True):
        rows_of.setdefault(r["employee_id"], []).append(r)
    payments = {}
    for r in payroll.iter_rows(named=True):
        rows = rows_of.get(r["employee_id"])
        if rows is None or r["pay_type"] == "base":  # an employee on no roster row: `wrvu check` reports it
            continue
        if r.get("plan_id") and r["plan_id"] not in {row["plan_id"] for row in rows}:
            raise InputError(
                path,
                r["source_row"],
                "plan_id",
                f"{r['employee_id']} has no roster row of plan {r['plan_id']!r}: no plan would count this payment",
            )
        plan_id = r.get("plan_id") or plan_paid_under(rows, r["pay_date"])
        if plan_id is None:
            raise InputError(
                path,
                r["source_row"],
                "pay_date",
                f"{r['employee_id']} has no plan, or more than one, in force on {r['pay_date']}: give the payment's "
                "plan_id",
            )
        payments.setdefault((r["employee_id"], plan_id), []).append(Payment(r["pay_date"], r["pay_type"], r["amount"]))
    return payments


def plan_paid_under(rows: list[dict], pay_date: date) -> str | None:
    """The plan of the employee's roster rows in force on `pay_date`, else of the rows that ended last
    when every row has ended by then; None when there is no such plan or more than one (an employee
    with two NPIs can be on two plans at once)."""
    in_force = {
        row["plan_id"]
        for row in rows
        if row["effective_from"] <= pay_date and (row["effective_to"] is None or pay_date <= row["effective_to"])
    }
    ends = [row["effective_to"] for row in rows]
    if not in_force and None not in ends and pay_date > max(ends):
        in_force = {row["plan_id"] for row in rows if row["effective_to"] == max(ends)}
    return in_force.pop() if len(in_force) == 1 else None


def quality_score(inputs: CloseInputs, plan_id: str, employee_id: str, period_end: date) -> Decimal:
    """The score that earns back the plan's quality withhold at the close ending `period_end`, which
    releases it; a missing score is an error naming the employee."""
    plan = inputs.plans[plan_id]
    plan_year = plan_year_start(plan, period_end).year
    score = inputs.quality_scores.get((employee_id, plan_year))
    if score is None:
        raise InputError(
            inputs.config / "quality_scores.csv",
            None,
            "score",
            f"no score for {employee_id}, plan year {plan_year}: the close ending {period_end} earns back plan "
            f"{plan_id}'s quality withhold times it; add the row {employee_id},{plan_year},SCORE (0 to 1)",
        )
    return score


def figures_at(
    plan: Plan,
    period_end: date,
    months: MonthTotals,
    spans: list[FteSpan],
    payments: list[Payment],
    employee_id: str,
    plan_id: str,
    inputs: CloseInputs,
    final_settlement: bool = False,
) -> CloseFigures:
    """The figures at `period_end`, with the opening balance carried from the plan years before."""
    year_start = plan_year_start(plan, period_end)
    opening = ZERO
    earliest_data = min([s.start for s in spans] + [p.pay_date for p in payments], default=year_start)
    if earliest_data < year_start and plan.recoverable and plan.deficit_at_year_end == "carry_forward":
        previous_end = plan_year_end(plan, date(year_start.year - 1, year_start.month, 1))
        previous = figures_at(plan, previous_end, months, spans, payments, employee_id, plan_id, inputs)
        opening = carried_deficit(plan, previous)
    wrvu_ytd = months.wrvu_between(employee_id, plan_id, year_start, period_end)
    figures = close_figures(plan, period_end, wrvu_ytd, spans, payments, opening, None, final_settlement)
    if not figures.quality_withheld or not releases_withhold(plan, period_end, final_settlement):
        return figures  # no score needed: nothing withheld, or not released at this close
    score = quality_score(inputs, plan_id, employee_id, period_end)
    return close_figures(plan, period_end, wrvu_ytd, spans, payments, opening, score, final_settlement)


def naming_rows(roster: pl.DataFrame, start: date, end: date) -> tuple[dict[tuple[str, str], dict], set]:
    """Per employee and plan, the roster row that names them (NPI, name, specialty) in a window: their
    latest row in force in it, else their last row; and the employee-plan keys in force in it."""
    by_date = roster.sort("effective_from")
    latest = {
        (r["employee_id"], r["plan_id"]): r for r in by_date.filter(in_force_between(start, end)).iter_rows(named=True)
    }
    last_rows = {(r["employee_id"], r["plan_id"]): r for r in by_date.iter_rows(named=True)}
    return last_rows | latest, set(latest)


def last_days(roster: pl.DataFrame) -> dict[tuple[str, str], date]:
    """Per employee and plan whose last roster row ends, that row's `effective_to`: their last day on it."""
    ends = {}
    for r in roster.sort("effective_from").iter_rows(named=True):
        ends[(r["employee_id"], r["plan_id"])] = r["effective_to"]
    return {key: end for key, end in ends.items() if end is not None}


def has_changed(figures: CloseFigures, recorded: RecordedFigures) -> bool:
    """Whether the figures differ, as the close's files write them, from those a recorded close wrote."""
    return cents(figures.wrvu_ytd) != cents(recorded.wrvu_ytd) or cents(figures.earned_ytd) != recorded.earned_ytd


def reconciliation_rows(
    period: Period, inputs: CloseInputs, months: MonthTotals, recorded: dict[tuple[str, str], RecordedFigures]
) -> list[ReconciliationRow]:
    """One row per employee and plan on the roster during the period, and per employee and plan left
    earlier in the plan year whose final settlement is still to come or whose figures have changed
    since the latest close (`recorded`) wrote them (docs/compensation.md, leaving a plan)."""
    spans_by_plan = fte_spans_by_plan(inputs.roster)
    payments = payments_by_plan(inputs.payroll, inputs.roster, inputs.config / "payroll_paid.csv")
    leaving = last_days(inputs.roster)
    named, in_force = naming_rows(inputs.roster, period.start, period.end)
    rows = []
    for key, r in named.items():
        employee_id, plan_id = key
        plan = inputs.plans[plan_id]
        last_day = leaving.get(key)
        final = last_day is not None and last_day <= period.end
        is_active = key in in_force
        if not is_active and not (final and plan_year_start(plan, period.end) <= last_day):
            continue  # left in an earlier plan year, or not yet on the plan
        spans = spans_by_plan[key]
        paid = payments.get(key, [])
        figures = figures_at(plan, period.end, months, spans, paid, employee_id, plan_id, inputs, final)
        before = recorded.get(key)
        settled_before = (
            before is not None and before.final_settled_on is not None and before.final_settled_on >= last_day
        )
        if not is_active and settled_before and not has_changed(figures, before):
            continue
        wrvu_period = months.wrvu_between(employee_id, plan_id, period.start, period.end)
        encounters = months.encounters_between(employee_id, plan_id, period.start, period.end)
        rows.append(
            ReconciliationRow(
                period=period.label,
                employee_id=employee_id,
                npi=r["npi"],
                provider_name=r["provider_name"],
                specialty=r["specialty"],
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
                production_ytd=figures.production_ytd,
                terms_applied=";".join(figures.terms_applied),
                plan=plan,
                spans=tuple(spans),
                figures=figures,
            )
        )
    return sorted(rows, key=lambda r: (r.employee_id, r.plan_id))


def reconciliation_frame(rows: list[ReconciliationRow]) -> pl.DataFrame:
    """The figures of a close's rows as the warehouse records them (close_reconciliation): as written."""
    money = ("production_ytd", "earned_ytd", "paid_ytd", "opening_balance", "true_up", "deficit_balance")
    return pl.DataFrame(
        [
            {
                "employee_id": r.employee_id,
                "plan_id": r.plan_id,
                "wrvu_ytd": four_places(r.wrvu_ytd),
                "threshold_ytd": four_places(r.threshold_ytd),
                **{name: cents(getattr(r, name)) for name in money},
                "action": r.action,
                "terms_applied": r.terms_applied,
                "final_settlement": r.final_settlement,
            }
            for r in rows
        ],
        schema={
            "employee_id": pl.String,
            "plan_id": pl.String,
            "wrvu_ytd": pl.Decimal(18, 4),
            "threshold_ytd": pl.Decimal(18, 4),
            **dict.fromkeys(money, pl.Decimal(18, 2)),
            "action": pl.String,
            "terms_applied": pl.String,
            "final_settlement": pl.Boolean,
        },
    )


def fte_year_fraction(rows: list[ReconciliationRow], period_end: date) -> Decimal:
    """The share of a full year at 1.0 FTE that an employee's plan year to date is, over their rows (a
    plan each): FTE-weighted days over the plan year's days. Year-to-date wRVUs over it are the
    annualised wRVUs at 1.0 FTE."""
    return sum((year_to_date_share(r.plan, list(r.spans), period_end) for r in rows), ZERO)


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
        if any(r.final_settlement for r in mine):
            flags.append("final_settlement")
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


def with_wrvu_ytd_as_of_dos(
    period: Period, variance: list[VarianceRow], reconciliation: list[ReconciliationRow], as_of_dos: MonthTotals | None
) -> list[VarianceRow]:
    """variance.csv's `wrvu_ytd_as_of_dos` for each employee with a plan that pins a release: the lines of
    their `wrvu_ytd` (each of their plans in the close, from the start of its plan year) priced by their
    date of service instead (`as_of_dos`), so the cost or saving of the pinned contract shows at every
    close; blank for the others (and for all when no plan of the close pins a release: `as_of_dos` None)."""
    if as_of_dos is None:
        return variance
    rows_of = {}
    for r in reconciliation:
        rows_of.setdefault(r.employee_id, []).append(r)
    filled = []
    for row in variance:
        mine = rows_of.get(row.employee_id, [])
        if any(r.plan.pinned_release for r in mine):
            wrvu = sum(
                (
                    as_of_dos.wrvu_between(r.employee_id, r.plan_id, plan_year_start(r.plan, period.end), period.end)
                    for r in mine
                ),
                ZERO,
            )
            row = replace(row, wrvu_ytd_as_of_dos=wrvu)
        filled.append(row)
    return filled
