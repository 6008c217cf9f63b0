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


def four_places(wrvus: Decimal) -> Decimal:
    """wRVUs as the warehouse keeps them (a line's credit, a recorded figure)."""
    return wrvus.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


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
    excess: Decimal  # of the wRVUs that count for pay (wrvu_ytd, or the cap) over the threshold
    gross: Decimal
    production_ytd: Decimal  # gross x payout_share: before the withhold, the caps and the guarantee
    earned_ytd: Decimal
    paid_ytd: Decimal
    opening_balance: Decimal
    true_up: Decimal
    action: str  # pay | recover | hold | none
    deficit_balance: Decimal
    settles: bool
    terms_applied: tuple[str, ...] = ()  # the contract terms that changed earned_ytd, in their order
    final_settlement: bool = False
    quality_withheld: Decimal = ZERO  # of production_ytd, held back by the quality withhold
    quality_not_earned: Decimal = ZERO  # of that, not earned (back) at this close
    quality_score: Decimal | None = None  # the score that earned the withhold back, at the close releasing it


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


def year_to_date_share(plan: Plan, spans: list[FteSpan], period_end: date) -> Decimal:
    """FTE-weighted days from the start of the plan year through `period_end` over the plan year's days:
    what prorates an annual threshold or cap."""
    return fte_days(spans, plan_year_start(plan, period_end), period_end) / days_in_plan_year(plan, period_end)


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


def releases_withhold(plan: Plan, period_end: date, final_settlement: bool) -> bool:
    """A quality withhold is earned (times the score) at the plan year's last settle close, or when the
    clinician leaves the plan (its final settlement)."""
    return plan.quality is not None and (final_settlement or period_end == plan_year_end(plan, period_end))


def guaranteed_ytd(plan: Plan, spans: list[FteSpan], period_end: date) -> Decimal | None:
    """The least earned_ytd can be under the plan's guarantee: the amount prorated by FTE-weighted days
    from the start of the plan year through the period's end, or through `until` once it has passed
    (what the guarantee paid is never recovered). None when no guarantee covers the plan year."""
    guarantee = plan.guarantee
    year_start = plan_year_start(plan, period_end)
    if guarantee is None or guarantee.until < year_start:
        return None
    last = min(period_end, guarantee.until)
    return guarantee.amount * fte_days(spans, year_start, last) / days_in_plan_year(plan, period_end)


def withheld_for_quality(plan: Plan, production: Decimal) -> Decimal:
    """What the plan's quality withhold holds back of production_ytd: its share of a positive figure."""
    return production * plan.quality.withhold if plan.quality is not None and production > 0 else ZERO


def earned_under_terms(
    plan: Plan, production: Decimal, withheld: Decimal, guaranteed: Decimal | None, quality_score: Decimal | None
) -> tuple[Decimal, tuple[str, ...], Decimal]:
    """earned_ytd from production_ytd by the terms that follow the tiers (docs/compensation.md, in order):
    the quality withhold (`withheld`, released times `quality_score` when given), the incentive cap, the
    guarantee; with the terms that changed the figure and the part of `withheld` not earned."""
    earned, applied, kept_back = production, [], ZERO
    if withheld:
        kept_back = withheld - (withheld * quality_score if quality_score is not None else ZERO)
        if kept_back:
            earned = production - kept_back
            applied.append("quality_withhold")
    if plan.incentive_cap is not None and earned > plan.incentive_cap:
        earned = plan.incentive_cap
        applied.append("incentive_cap")
    if guaranteed is not None and earned < guaranteed:
        earned = guaranteed
        applied.append("guarantee")
    return earned, tuple(applied), kept_back


def close_figures(
    plan: Plan,
    period_end: date,
    wrvu_ytd: Decimal,
    spans: list[FteSpan],
    payments: list[Payment],
    opening_balance: Decimal,
    quality_score: Decimal | None = None,
    final_settlement: bool = False,
) -> CloseFigures:
    """The figures of docs/compensation.md at the close of the period ending `period_end`: the
    threshold (from the base when the plan says so), the wRVU cap, the tiers and payout share
    (production_ytd), then the quality withhold (`quality_score` given at the close that releases it),
    the incentive cap and the guarantee. A final settlement (the clinician left the plan) settles
    whatever the plan's settle points, a deficit by `on_termination`."""
    share = year_to_date_share(plan, spans, period_end)
    threshold = plan.annual_threshold * share
    counted, capped = wrvu_ytd, ()
    if plan.wrvu_cap is not None and wrvu_ytd > plan.wrvu_cap * share:
        counted, capped = plan.wrvu_cap * share, ("wrvu_cap",)
    excess = counted - threshold
    gross = gross_pay(plan, excess)
    production = gross * plan.payout_share
    withheld = withheld_for_quality(plan, production)
    earned, applied, kept_back = earned_under_terms(
        plan, production, withheld, guaranteed_ytd(plan, spans, period_end), quality_score
    )
    paid = paid_ytd(payments, plan_year_start(plan, period_end), period_end)
    true_up = earned + opening_balance - paid
    settles = final_settlement or is_settle_point(plan, period_end)
    written_off = final_settlement and plan.on_termination == "write_off"
    if not settles:
        action = "hold"
    elif true_up > 0:
        action = "pay"
    elif true_up < 0 and plan.recoverable and not written_off:
        action = "recover"
    else:
        action = "none"
    deficit = min(true_up, ZERO) if plan.recoverable and not written_off else ZERO
    return CloseFigures(
        wrvu_ytd,
        threshold,
        excess,
        gross,
        production,
        earned,
        paid,
        opening_balance,
        true_up,
        action,
        deficit,
        settles,
        capped + applied,
        final_settlement,
        withheld,
        kept_back,
        quality_score,
    )


def carried_deficit(plan: Plan, year_end_figures: CloseFigures | None) -> Decimal:
    """The opening balance a plan year inherits from the previous year's last close."""
    if year_end_figures is None or not plan.recoverable or plan.deficit_at_year_end != "carry_forward":
        return ZERO
    return year_end_figures.deficit_balance
