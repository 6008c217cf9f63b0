"""The compensation engine of docs/compensation.md, in exact decimals (rounded to cents only when written).

Production pay = credited wRVUs x the employer's $/wRVU. The Medicare conversion factor is never used.
"""

from calendar import monthrange
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from wrvu.schemas.plans import Plan, Tier

CENT = Decimal("0.01")
ZERO = Decimal(0)


def cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class FteSpan:
    """An FTE in force from `start` to `end` inclusive (end None = open)."""

    start: date
    end: date | None
    fte: Decimal


@dataclass(frozen=True)
class Payment:
    pay_date: date
    pay_type: str  # base | draw | incentive | recovery
    amount: Decimal


@dataclass(frozen=True)
class CloseFigures:
    wrvu_ytd: Decimal
    threshold_ytd: Decimal
    excess: Decimal
    gross: Decimal
    earned_ytd: Decimal
    paid_ytd: Decimal
    opening_balance: Decimal
    true_up: Decimal
    action: str  # pay | recover | hold | none
    deficit_balance: Decimal
    settles: bool


def plan_year_start(plan: Plan, on: date) -> date:
    """The first day of the plan year containing `on`."""
    year = on.year if on.month >= plan.plan_year_start_month else on.year - 1
    return date(year, plan.plan_year_start_month, 1)


def plan_year_end(plan: Plan, on: date) -> date:
    start = plan_year_start(plan, on)
    return date(start.year + 1, start.month, 1) - timedelta(days=1)


def days_in_plan_year(plan: Plan, on: date) -> int:
    start = plan_year_start(plan, on)
    return (plan_year_end(plan, on) - start).days + 1


def is_settle_point(plan: Plan, period_end: date) -> bool:
    """Money moves at the month ends that close a settle interval of the plan year."""
    if period_end != date(period_end.year, period_end.month, monthrange(period_end.year, period_end.month)[1]):
        return False
    months_into_year = (period_end.month - plan.plan_year_start_month) % 12 + 1
    every = {"monthly": 1, "quarterly": 3, "annual": 12}[plan.settle]
    return months_into_year % every == 0


def fte_days(spans: list[FteSpan], start: date, end: date) -> Decimal:
    """Sum over days d in [start, end] of fte(d); 0 on days with no span (not employed)."""
    total = ZERO
    for span in spans:
        first = max(span.start, start)
        last = min(span.end or end, end)
        if last >= first:
            total += span.fte * ((last - first).days + 1)
    return total


def threshold_ytd(plan: Plan, spans: list[FteSpan], period_end: date) -> Decimal:
    start = plan_year_start(plan, period_end)
    return plan.threshold_wrvu * fte_days(spans, start, period_end) / days_in_plan_year(plan, period_end)


def reached_tier(plan: Plan, excess: Decimal) -> Tier:
    """The highest tier whose start `excess` (>= 0) reaches: a cliff plan's rate for all of it."""
    return [t for t in plan.tiers if t.start <= excess][-1]


def marginal_bands(plan: Plan, excess: Decimal) -> list[tuple[Tier, Decimal]]:
    """Each tier with the wRVUs of `excess` (>= 0) inside it, where there are some."""
    bands = []
    for tier, upper in zip(plan.tiers, [*(t.start for t in plan.tiers[1:]), None], strict=True):
        inside = (excess if upper is None else min(excess, upper)) - tier.start
        if inside > 0:
            bands.append((tier, inside))
    return bands


def gross_pay(plan: Plan, excess: Decimal) -> Decimal:
    """Pay for wRVUs above (or, recoverable, below) the threshold by the plan's tiers."""
    if excess < 0:
        return excess * plan.tiers[0].rate if plan.recoverable else ZERO
    if plan.tier_kind == "cliff":
        return excess * reached_tier(plan, excess).rate
    return sum((inside * tier.rate for tier, inside in marginal_bands(plan, excess)), ZERO)


def paid_ytd(payments: list[Payment], year_start: date, period_end: date) -> Decimal:
    """Draws, incentives and recoveries paid in the plan year up to the close; base salary never counts."""
    return sum((p.amount for p in payments if p.pay_type != "base" and year_start <= p.pay_date <= period_end), ZERO)


def close_figures(
    plan: Plan,
    period_end: date,
    wrvu_ytd: Decimal,
    spans: list[FteSpan],
    payments: list[Payment],
    opening_balance: Decimal,
) -> CloseFigures:
    """The figures of docs/compensation.md at the close of the period ending `period_end`."""
    threshold = threshold_ytd(plan, spans, period_end)
    excess = wrvu_ytd - threshold
    gross = gross_pay(plan, excess)
    earned = gross * plan.payout_share
    paid = paid_ytd(payments, plan_year_start(plan, period_end), period_end)
    true_up = earned + opening_balance - paid
    settles = is_settle_point(plan, period_end)
    if not settles:
        action = "hold"
    elif true_up > 0:
        action = "pay"
    elif true_up < 0 and plan.recoverable:
        action = "recover"
    else:
        action = "none"
    deficit = min(true_up, ZERO) if plan.recoverable else ZERO
    return CloseFigures(
        wrvu_ytd, threshold, excess, gross, earned, paid, opening_balance, true_up, action, deficit, settles
    )


def carried_deficit(plan: Plan, year_end_figures: CloseFigures | None) -> Decimal:
    """The opening balance a plan year inherits from the previous year's last close."""
    if year_end_figures is None or not plan.recoverable or plan.deficit_at_year_end != "carry_forward":
        return ZERO
    return year_end_figures.deficit_balance
