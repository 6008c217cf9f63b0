"""`wrvu schedule impact NEW [--base RELEASE] [--months N]`: what a CMS release does to each clinician's
wRVUs and production pay, and the rate that keeps each plan's production pay neutral
(docs/compensation.md, Schedule impact). Read-only like `wrvu whatif`: the warehouse is opened
read-only, only temporary tables are written, and the files go to out/impact/NEW/.

The window is the last N months of data: the N months ending with the latest month (period) that has
lines of rostered clinicians. Each of their current lines in it is priced on NEW and on the base (a
release, or as credited now) by the path every re-pricing takes (repricing.py `reprice_lines`: the same
modifiers, multiple-procedure factor and team-based-care share; held denials and anesthesia minutes
at 0)."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl

from wrvu.schemas.crediting import load_crediting_policy
from wrvu.schemas.plans import Plan, load_plans
from wrvu.schemas.roster import load_roster
from wrvu.schemas.workspace import Workspace
from wrvu.transforms import warehouse
from wrvu.transforms.close_figures import fte_spans_by_plan, naming_rows
from wrvu.transforms.close_files import csv_bytes, write_atomically
from wrvu.transforms.compensation import ZERO, cents, fte_days, gross_pay
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.ingest import refuse_stale_warehouse
from wrvu.transforms.periods import Period, month_range, parse_period
from wrvu.transforms.repricing import reprice_lines
from wrvu.transforms.schedule import loaded_release
from wrvu.transforms.warehouse import fetch_dict, fetch_dicts

AS_CREDITED = "as_credited"
CODES_SHOWN = 3  # codes_moving_most
CLINICIANS_SHOWN = 10  # in impact.md
RATE_PRECISION = Decimal("1e-9")  # a rate found by bisection (threshold from the base), before it is rounded
WRVU_COLUMNS = ("base", "wrvu_base", "wrvu_new", "wrvu_difference", "wrvu_difference_pct")
PAY_COLUMNS = ("current_rate", "pay_base", "pay_new_current_rate", "neutral_rate", "pay_new_neutral_rate")
IMPACT_COLUMNS = (
    "employee_id",
    "npi",
    "provider_name",
    "plan_id",
    "first_month",
    "last_month",
    *WRVU_COLUMNS,
    "codes_moving_most",
    "threshold_window",
    *PAY_COLUMNS,
)
PLAN_COLUMNS = ("plan_id", "clinicians", "first_month", "last_month", *WRVU_COLUMNS, *PAY_COLUMNS, "note")


@dataclass(frozen=True)
class ClinicianImpact:
    employee_id: str
    npi: str
    provider_name: str
    plan_id: str
    first_month: str
    last_month: str
    window_share: Decimal  # of the annual threshold: FTE-weighted days / days of the window x months / 12
    wrvu_base: Decimal
    wrvu_new: Decimal
    code_changes: tuple[tuple[str, Decimal], ...]  # (code, new - base) of the codes that moved, most first

    @property
    def wrvu_difference(self) -> Decimal:
        return self.wrvu_new - self.wrvu_base


@dataclass(frozen=True)
class PlanImpact:
    plan_id: str
    plan: Plan
    clinicians: tuple[ClinicianImpact, ...]
    neutral_rate: Decimal | None  # to the cent; None when no first-tier rate keeps pay neutral
    note: str  # why it is blank, and what else the reader should know about the plan's figures

    def pay_base(self, clinician: ClinicianImpact) -> Decimal:
        return window_pay(self.plan, clinician.wrvu_base, clinician.window_share)

    def pay_new(self, clinician: ClinicianImpact, rate: Decimal | None = None) -> Decimal:
        """On NEW's wRVUs at the current rates, or with the first tier at `rate`."""
        plan = self.plan if rate is None else with_first_rate(self.plan, rate)
        return window_pay(plan, clinician.wrvu_new, clinician.window_share)


@dataclass(frozen=True)
class ImpactOutcome:
    new: str
    base: str  # a release, or as_credited
    window: Period
    lines: int
    unpriced_lines: int  # credited now, credited nothing on NEW
    unpriced_codes: tuple[str, ...]  # their codes
    plans: tuple[PlanImpact, ...]
    out_dir: Path

    def summary(self) -> list[str]:
        clinicians = sum(len(p.clinicians) for p in self.plans)
        said = [
            f"{self.new} against {base_label(self.base)}, {self.window.label}: {self.lines} lines, "
            f"{clinicians} clinician{'s' * (clinicians != 1)} (employee and plan), {len(self.plans)} "
            f"plan{'s' * (len(self.plans) != 1)}; nothing was recorded"
        ]
        for row in plan_rows(self):
            neutral = row["neutral_rate"]
            said.append(
                f"  {row['plan_id']}: {row['wrvu_base']} -> {row['wrvu_new']} wRVUs "
                f"({percent_text(row['wrvu_difference_pct'])}), pay {row['pay_base']} -> {row['pay_new_current_rate']} "
                f"at {row['current_rate']}/wRVU; "
                + (f"neutral rate {neutral}" if neutral is not None else "no neutral rate (see impact.md)")
            )
        if self.unpriced_lines:
            said.append(f"  {self.unpriced_lines} lines credited now are credited nothing on {self.new}: see impact.md")
        return said + [f"  {self.out_dir / name}" for name in ("impact.csv", "impact_plans.csv", "impact.md")]


def run_schedule_impact(workspace: Workspace, new: str, base: str | None, months: int, today: date) -> ImpactOutcome:
    """Price the window's lines on NEW and on the base, and write out/impact/NEW/ (replaced at each run)."""
    plans = load_plans(workspace.config / "plans.yaml")
    roster = load_roster(workspace.config / "roster.csv", set(plans))
    policy = load_crediting_policy(workspace.config / "crediting.yaml")
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        new = loaded_release(con, new, "release")
        base_release = None if base is None or base.lower() == AS_CREDITED else loaded_release(con, base, "--base")
        refuse_stale_warehouse(con, workspace, roster, "schedule impact")
        window, months = impact_window(fetch_dict(con, "impact/data_months", {"this_month": f"{today:%Y-%m}"}), months)
        releases = [new] if base_release in (None, new) else [new, base_release]
        pinned = pl.concat([roster.with_columns(pl.lit(release).alias("pinned_release")) for release in releases])
        reprice_lines(con, policy, pinned, window.first_month, window.last_month)
        codes = fetch_dicts(con, "impact/code_wrvus", {"new": new, "base_release": base_release})
    if not codes:
        raise WrvuError(f"{window.label}: no lines of rostered clinicians in the window: nothing to re-price")
    clinicians = clinician_impacts(roster, window, months, codes)
    impacts = tuple(
        plan_impact(plan_id, plans[plan_id], clinicians) for plan_id in sorted({c.plan_id for c in clinicians})
    )
    outcome = ImpactOutcome(
        new,
        base_release or AS_CREDITED,
        window,
        sum(row["lines"] for row in codes),
        sum(row["unpriced_lines"] for row in codes),
        tuple(sorted({row["cpt_code"] for row in codes if row["unpriced_lines"]})),
        impacts,
        workspace.out / "impact" / new,
    )
    files = {
        "impact.csv": csv_bytes(IMPACT_COLUMNS, impact_rows(outcome)),
        "impact_plans.csv": csv_bytes(PLAN_COLUMNS, plan_rows(outcome)),
        "impact.md": summary_markdown(outcome).encode("utf-8"),
    }
    write_atomically(outcome.out_dir, files, replace=True)
    return outcome


def impact_window(data: dict, months: int) -> tuple[Period, int]:
    """The `months` months ending with the latest with lines of rostered clinicians, starting no earlier
    than the first with lines (a threshold prorated over months without data would read as a drop), and
    how many months that is."""
    if data["last_month"] is None:
        raise WrvuError(
            "no lines of rostered clinicians in the warehouse before this month: nothing to re-price (ingest their "
            "extracts, and check that config/roster.csv names their NPIs on their dates of service)"
        )
    spans = [
        (start, end)
        for start, end in month_range(parse_period(data["last_month"]).end, months)
        if f"{start:%Y-%m}" >= data["first_month"]
    ]
    first, last = spans[0][0], spans[-1][1]
    label = f"{first:%Y-%m} to {last:%Y-%m} ({len(spans)} month{'s' * (len(spans) != 1)}"
    label += ")" if len(spans) == months else f" with data of the {months} asked)"
    return Period(label, first, last), len(spans)


def clinician_impacts(roster: pl.DataFrame, window: Period, months: int, codes: list[dict]) -> list[ClinicianImpact]:
    """One per employee and plan with lines in the window or on the roster during it (who has no lines
    still has a threshold), named by their latest roster row of the plan in the window."""
    codes_of: dict[tuple[str, str], list[dict]] = {}
    for row in codes:
        codes_of.setdefault((row["employee_id"], row["plan_id"]), []).append(row)
    named_by, in_force = naming_rows(roster, window.start, window.end)
    spans = fte_spans_by_plan(roster)
    impacts = []
    for key in sorted(codes_of.keys() | in_force):
        rows, plan_spans = codes_of.get(key, []), spans[key]
        months_on = [m for row in rows for m in (row["first_month"], row["last_month"])]
        for s in plan_spans:
            if s.start <= window.end and (s.end is None or s.end >= window.start):
                months_on += [f"{max(s.start, window.start):%Y-%m}", f"{min(s.end or window.end, window.end):%Y-%m}"]
        changes = sorted(
            (
                (row["cpt_code"], row["wrvu_new"] - row["wrvu_base"])
                for row in rows
                if row["wrvu_new"] != row["wrvu_base"]
            ),
            key=lambda change: (-abs(change[1]), change[0]),
        )
        named = named_by[key]
        impacts.append(
            ClinicianImpact(
                employee_id=key[0],
                npi=named["npi"],
                provider_name=named["provider_name"],
                plan_id=key[1],
                first_month=min(months_on),
                last_month=max(months_on),
                window_share=fte_days(plan_spans, window.start, window.end) / window.days * months / 12,
                wrvu_base=sum((row["wrvu_base"] for row in rows), ZERO),
                wrvu_new=sum((row["wrvu_new"] for row in rows), ZERO),
                code_changes=tuple(changes),
            )
        )
    return impacts


def with_first_rate(plan: Plan, rate: Decimal) -> Plan:
    """The plan with its first tier paying `rate`, the other tiers as they are (a threshold from the base
    follows the rate: base salary / rate)."""
    return plan.model_copy(update={"tiers": [plan.tiers[0].model_copy(update={"rate": rate}), *plan.tiers[1:]]})


def window_pay(plan: Plan, wrvus: Decimal, window_share: Decimal) -> Decimal:
    """Production pay over the window: the plan's tiers (compensation.py `gross_pay`) on the wRVUs above
    its annual threshold x `window_share`, times payout_share; the wRVU cap, the quality withhold, the
    incentive cap and the guarantee are left out."""
    return gross_pay(plan, wrvus - plan.annual_threshold * window_share) * plan.payout_share


def plan_impact(plan_id: str, plan: Plan, clinicians: list[ClinicianImpact]) -> PlanImpact:
    mine = tuple(c for c in clinicians if c.plan_id == plan_id)
    target = sum((window_pay(plan, c.wrvu_base, c.window_share) for c in mine), ZERO)

    def pay(rate: Decimal) -> Decimal:
        first_rate = with_first_rate(plan, rate)
        return sum((window_pay(first_rate, c.wrvu_new, c.window_share) for c in mine), ZERO)

    rate, note = neutral_rate(plan, pay, target)
    notes = [note] if note else []
    if plan.threshold_wrvu == "from_base":
        notes.append("its threshold is from the base (base_salary / first tier's rate): it moves with the rate")
    if left_out := [
        term
        for term, present in (
            ("wrvu_cap", plan.wrvu_cap is not None),
            ("quality withhold", plan.quality is not None),
            ("incentive_cap", plan.incentive_cap is not None),
            ("guarantee", plan.guarantee is not None),
        )
        if present
    ]:
        notes.append(f"left out of production pay: {', '.join(left_out)}")
    return PlanImpact(plan_id, plan, mine, None if rate is None else cents(rate), "; ".join(notes))


def neutral_rate(plan: Plan, pay: Callable[[Decimal], Decimal], target: Decimal) -> tuple[Decimal | None, str]:
    """The first tier's rate at which `pay` (the plan's production pay on NEW at that rate, the other
    tiers unchanged) equals `target` (its pay on the base), exactly, with why there is none. With a
    threshold in wRVUs, pay is linear in the rate: a x rate + b, from the pay at 0 and at 1. A threshold
    from the base moves with the rate, so the rate is found by bisection (pay grows with it)."""
    if plan.threshold_wrvu == "from_base":
        return rate_reaching(pay, target, plan.tiers[0].rate)
    at_zero = pay(ZERO)
    slope = pay(Decimal(1)) - at_zero
    if slope == 0:
        return (
            None,
            "no clinician's pay on the new release depends on the first tier's rate (all at or below the threshold, "
            "or past the first tier of cliff tiers)",
        )
    rate = (target - at_zero) / slope
    if rate < 0:
        return None, f"the first-tier rate that keeps pay neutral would be negative ({cents(rate)})"
    return rate, ""


def rate_reaching(pay: Callable[[Decimal], Decimal], target: Decimal, current: Decimal) -> tuple[Decimal | None, str]:
    """The least rate above 0 (to RATE_PRECISION) at which `pay`, growing with the rate, reaches `target`."""
    low, high = ZERO, max(current, Decimal(1))
    for _ in range(64):
        if pay(high) >= target:
            break
        high *= 2
    else:
        return None, "no first-tier rate pays the plan on the new release what it pays on the base"
    while high - low > RATE_PRECISION:
        middle = (low + high) / 2
        low, high = (low, middle) if pay(middle) >= target else (middle, high)
    if cents(high) == 0:  # a threshold from the base has no rate of 0 (base salary / rate)
        return None, "the plan's pay on the base is reached on the new release at any first-tier rate near 0"
    return high, ""


def two(value: Decimal) -> Decimal:
    """Money, wRVUs and percents as the files write them: to 2 decimals (never -0.00)."""
    return cents(value) + ZERO


def percent(base: Decimal, new: Decimal) -> Decimal | None:
    return None if base == 0 else two((new - base) / base * 100)


def percent_text(change: Decimal | None) -> str:
    return "no base" if change is None else f"{change:+}%"


def base_label(base: str) -> str:
    return "as credited" if base == AS_CREDITED else base


def codes_text(changes: tuple[tuple[str, Decimal], ...]) -> str:
    """The codes that moved most, e.g. `99213 +9.90; 99214 +4.20`."""
    return "; ".join(f"{code} {two(change):+}" for code, change in changes[:CODES_SHOWN])


def impact_rows(outcome: ImpactOutcome) -> list[dict]:
    rows = [
        {
            "employee_id": c.employee_id,
            "npi": c.npi,
            "provider_name": c.provider_name,
            "plan_id": c.plan_id,
            "first_month": c.first_month,
            "last_month": c.last_month,
            "codes_moving_most": codes_text(c.code_changes),
            "threshold_window": two(p.plan.annual_threshold * c.window_share),
            **compared(outcome.base, p, (c,)),
        }
        for p in outcome.plans
        for c in p.clinicians
    ]
    return sorted(rows, key=lambda r: (r["employee_id"], r["plan_id"]))


def plan_rows(outcome: ImpactOutcome) -> list[dict]:
    return [
        {
            "plan_id": p.plan_id,
            "clinicians": len(p.clinicians),
            "first_month": outcome.window.first_month,
            "last_month": outcome.window.last_month,
            "note": p.note,
            **compared(outcome.base, p, p.clinicians),
        }
        for p in outcome.plans
    ]


def compared(base: str, p: PlanImpact, clinicians: tuple[ClinicianImpact, ...]) -> dict:
    """The WRVU_COLUMNS and PAY_COLUMNS of `clinicians` of a plan (one of them, or all)."""
    wrvu_base = sum((c.wrvu_base for c in clinicians), ZERO)
    wrvu_new = sum((c.wrvu_new for c in clinicians), ZERO)
    neutral = p.neutral_rate
    return {
        "base": base,
        "wrvu_base": two(wrvu_base),
        "wrvu_new": two(wrvu_new),
        "wrvu_difference": two(wrvu_new - wrvu_base),
        "wrvu_difference_pct": percent(wrvu_base, wrvu_new),
        "current_rate": two(p.plan.tiers[0].rate),
        "pay_base": two(sum((p.pay_base(c) for c in clinicians), ZERO)),
        "pay_new_current_rate": two(sum((p.pay_new(c) for c in clinicians), ZERO)),
        "neutral_rate": neutral,
        "pay_new_neutral_rate": None
        if neutral is None
        else two(sum((p.pay_new(c, neutral) for c in clinicians), ZERO)),
    }


def summary_markdown(outcome: ImpactOutcome) -> str:
    """impact.md: the window, the base, each plan's totals and neutral rate, the clinicians moving most."""
    new, base = outcome.new, base_label(outcome.base)
    lines = [
        f"# Schedule impact of {new}",
        "",
        f"- Window: {outcome.window.label}, {outcome.window.start} to {outcome.window.end}: the months ending "
        "with the latest month that has lines of rostered clinicians.",
        f"- Base: {base}"
        + (" (each line at the wRVUs it is credited with now)." if outcome.base == AS_CREDITED else "."),
        f"- Lines re-priced: {outcome.lines}, each on {new} and on the base by the rules of crediting "
        "(modifiers, multiple-procedure factor, team-based-care share; held denials and anesthesia minutes at 0).",
    ]
    if outcome.unpriced_lines:
        lines.append(
            f"- {outcome.unpriced_lines} lines credited now are credited nothing on {new} (a code it lacks or does "
            f"not credit: {', '.join(outcome.unpriced_codes)}): they count as 0 on it."
        )
    lines += [
        "- Production pay over the window: the plan's tiers on the wRVUs above its annual threshold x the "
        "FTE-weighted share of the window's days x months / 12, times payout_share. The wRVU cap, quality "
        "withhold, incentive cap and guarantee are left out, and base salaries are not production pay.",
        f"- Neutral rate: the first tier's $/wRVU (other tiers unchanged) at which the plan's production pay on "
        f"{new} equals its pay on the base, rounded to the cent; pay at the neutral rate is at that rounded rate. "
        "In a tiered plan only the first tier's rate moves while the wRVUs of the higher tiers keep theirs, so its "
        "neutral rate can be far from the rate now.",
        "",
        "## Plans",
        "",
        f"| plan | clinicians | wRVUs base | wRVUs {new} | change | rate now | pay base | pay {new} at rate now "
        f"| neutral rate | pay {new} at neutral rate |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in plan_rows(outcome):
        lines.append(
            f"| {row['plan_id']} | {row['clinicians']} | {row['wrvu_base']:,} | {row['wrvu_new']:,} "
            f"| {percent_text(row['wrvu_difference_pct'])} | {row['current_rate']} | {row['pay_base']:,} "
            f"| {row['pay_new_current_rate']:,} | {blank_or(row['neutral_rate'])} | {blank_or(row['pay_new_neutral_rate'])} |"
        )
    notes = [f"- {p.plan_id}: {p.note}" for p in outcome.plans if p.note]
    lines += ["", *notes, *([""] if notes else [])]
    moving = sorted(
        (c for p in outcome.plans for c in p.clinicians),
        key=lambda c: (-abs(c.wrvu_difference), c.employee_id, c.plan_id),
    )[:CLINICIANS_SHOWN]
    lines += [
        "## Clinicians moving most",
        "",
        f"| employee | name | plan | wRVUs base | wRVUs {new} | change | change % | codes moving most "
        "| pay base | pay at neutral rate | gain or loss |",
        "|---|---|---|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    plan_of = {p.plan_id: p for p in outcome.plans}
    for c in moving:
        plan = plan_of[c.plan_id]
        pay_base = plan.pay_base(c)
        pay_neutral = None if plan.neutral_rate is None else plan.pay_new(c, plan.neutral_rate)
        lines.append(
            f"| {cell_text(c.employee_id)} | {cell_text(c.provider_name)} | {c.plan_id} | {two(c.wrvu_base):,} "
            f"| {two(c.wrvu_new):,} | {two(c.wrvu_difference):+,} | {percent_text(percent(c.wrvu_base, c.wrvu_new))} "
            f"| {codes_text(c.code_changes)} | {two(pay_base):,} | {blank_or(None if pay_neutral is None else two(pay_neutral))} "
            f"| {'' if pay_neutral is None else f'{two(pay_neutral - pay_base):+,}'} |"
        )
    return "\n".join(lines) + "\n"


def blank_or(value: Decimal | None) -> str:
    return "" if value is None else f"{value:,}"


def cell_text(text: str) -> str:
    """A roster value in a markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")
