"""`wrvu whatif`: the close of a period under other terms (plans, roster, the release lines are priced
on), next to the close as it would be now, recorded nowhere: the warehouse is opened read-only and
only temporary tables are written; the comparison goes to out/whatif/PERIOD-NAME/comparison.csv.

Both sides are the close's own figures (close_figures.reconciliation_rows): the current one from the
month totals a close reads (close/employee_month_totals), the alternative one from the lines assigned
by the alternative roster and priced on the release of their alternative plan's schedule_basis, or on
`--schedule-basis` (repricing.py)."""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import zip_longest
from pathlib import Path

import duckdb
import polars as pl

from wrvu.schemas.crediting import DATE_OF_SERVICE, load_crediting_policy
from wrvu.schemas.plans import Plan, load_plans
from wrvu.schemas.roster import load_roster
from wrvu.schemas.workspace import Workspace
from wrvu.transforms import warehouse
from wrvu.transforms.close import close_warnings, load_close_inputs, recorded_figures, refuse_period_across_plan_years
from wrvu.transforms.close_figures import MonthTotals, ReconciliationRow, reconciliation_rows
from wrvu.transforms.close_files import csv_bytes, write_atomically
from wrvu.transforms.compensation import ZERO, cents
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.ingest import refuse_stale_warehouse
from wrvu.transforms.periods import Period
from wrvu.transforms.repricing import month_totals, repriced_month_totals
from wrvu.transforms.schedule import list_releases, loaded_release

COMPARED = ("wrvu_ytd", "earned_ytd", "true_up")
COMPARISON_COLUMNS = (
    "period",
    "employee_id",
    "plan_id",
    "alt_plan_id",
    *(name for figure in COMPARED for name in (figure, f"alt_{figure}", f"{figure}_difference")),
    "action",
    "alt_action",
)


@dataclass(frozen=True)
class WhatIfOutcome:
    period: str
    name: str  # the alternative's: the stem of its plans file
    out_file: Path
    rows: int
    true_up: Decimal  # the total of the current rows
    alt_true_up: Decimal  # of the alternative rows
    warnings: tuple[str, ...]

    def lines(self) -> list[str]:
        now, alt = cents(self.true_up), cents(self.alt_true_up)
        return [
            *(f"warning: {w}" for w in self.warnings),
            f"{self.period} under {self.name}: {self.rows} row{'s' * (self.rows != 1)} (employee and plan), "
            f"true_up {now} now, {alt} under {self.name} ({alt - now:+}); nothing was recorded",
            f"  {self.out_file}",
        ]


def run_whatif(
    workspace: Workspace,
    period: Period,
    plans_path: Path,
    roster_path: Path | None,
    schedule_basis: str | None,
    today: date,
) -> WhatIfOutcome:
    """Compute both closes of `period` and write the comparison (replaced at each run)."""
    if period.end >= today:
        raise WrvuError(
            f"{period.label} ends on {period.end}, today or later: a what-if computes its close, and only a period "
            f"that is over can be closed; try it from {period.end + timedelta(days=1)} on"
        )
    inputs = load_close_inputs(workspace)
    alt_plans = load_plans(plans_path)
    if roster_path is None:
        refuse_plans_missing(plans_path, alt_plans, inputs.roster)
        alt_roster = inputs.roster
    else:
        alt_roster = load_roster(roster_path, set(alt_plans))
    alt_payroll, moved = payments_for_roster(inputs.payroll, alt_roster)
    alternative = replace(inputs, plans=alt_plans, roster=alt_roster, payroll=alt_payroll)
    refuse_period_across_plan_years(period, inputs)
    refuse_period_across_plan_years(period, alternative)
    policy = load_crediting_policy(workspace.config / "crediting.yaml")
    with warehouse.connect(workspace.warehouse, read_only=True) as con:
        refuse_stale_warehouse(con, workspace, inputs.roster, "whatif")
        basis = whatif_basis(con, plans_path, alt_plans, alt_roster, schedule_basis)
        current_frame = month_totals(con, "claim_lines_current", period)
        alt_frame = repriced_month_totals(con, policy, alt_roster, alt_plans, period, basis)
        recorded = recorded_figures(con, period)
    current_rows = reconciliation_rows(period, inputs, MonthTotals.of(current_frame), recorded)
    alt_rows = settled_as_now(
        period, current_rows, reconciliation_rows(period, alternative, MonthTotals.of(alt_frame), recorded)
    )
    rows = comparison_rows(period, current_rows, alt_rows)
    if not rows:
        raise WrvuError(
            f"{period.label}: nobody is on the roster during the period, now or under {plans_path.name}: "
            "nothing to compare"
        )
    out_dir = workspace.out / "whatif" / f"{period.label}-{plans_path.stem}"
    write_atomically(out_dir, {"comparison.csv": csv_bytes(COMPARISON_COLUMNS, rows)}, replace=True)
    return WhatIfOutcome(
        period.label,
        plans_path.stem,
        out_dir / "comparison.csv",
        len(rows),
        sum((r.true_up for r in current_rows), ZERO),
        sum((r.true_up for r in alt_rows), ZERO),
        close_warnings(period, period_lines(current_frame, period) + period_lines(alt_frame, period)) + moved,
    )


def settled_as_now(
    period: Period, current: list[ReconciliationRow], alternative: list[ReconciliationRow]
) -> list[ReconciliationRow]:
    """The alternative rows without those of plans left before the period that the close has no row for:
    their final settlement is recorded, and under other terms their figures always differ from it, but
    the alternative would have settled them then too (nobody recorded its settlement to compare with)."""
    now = {(r.employee_id, r.plan_id) for r in current}

    def left_before(row: ReconciliationRow) -> bool:
        ends = [span.end for span in row.spans]
        return None not in ends and max(ends) < period.start

    return [r for r in alternative if (r.employee_id, r.plan_id) in now or not left_before(r)]


def payments_for_roster(payroll: pl.DataFrame, roster: pl.DataFrame) -> tuple[pl.DataFrame, tuple[str, ...]]:
    """The payments with a `plan_id` their employee has no row of in the alternative roster counted by
    their pay date instead (the alternative renamed or replaced the plan), and a warning naming them."""
    if "plan_id" not in payroll.columns:
        return payroll, ()
    plans_of = roster.select("employee_id", "plan_id").unique().with_columns(pl.lit(True).alias("on_roster"))
    marked = payroll.join(plans_of, on=["employee_id", "plan_id"], how="left", maintain_order="left")
    stray = marked.filter((pl.col("plan_id") != "") & pl.col("on_roster").is_null())
    if stray.height == 0:
        return payroll, ()
    rows = ", ".join(str(row) for row in stray["source_row"].to_list())
    return (
        marked.with_columns(
            pl.when(pl.col("on_roster").is_null()).then(pl.lit("")).otherwise(pl.col("plan_id")).alias("plan_id")
        ).drop("on_roster"),
        (
            f"payroll_paid.csv rows {rows}: their plan_id is not a plan of the employee under the alternative; "
            "counted under the alternative plan in force on their pay date",
        ),
    )


def refuse_plans_missing(plans_path: Path, alt_plans: dict[str, Plan], roster: pl.DataFrame) -> None:
    """Without --roster the alternative is the roster's plans under other terms: each needs them."""
    missing = sorted(set(roster["plan_id"]) - set(alt_plans))
    if missing:
        raise WrvuError(
            f"{plans_path}: no plan {', '.join(missing)}, which config/roster.csv names: give each plan of the "
            "roster its alternative terms, or pass --roster with an alternative roster of these plans"
        )


def whatif_basis(
    con: duckdb.DuckDBPyConnection,
    plans_path: Path,
    alt_plans: dict[str, Plan],
    alt_roster: pl.DataFrame,
    schedule_basis: str | None,
) -> str | None:
    """The release every line is priced on (`date_of_service`, or a loaded release), None for each
    line its alternative plan's; a plan of the alternative roster pinning a release that is not loaded
    is refused: its lines would be credited nothing."""
    if schedule_basis is not None:
        if schedule_basis.lower() == DATE_OF_SERVICE:
            return DATE_OF_SERVICE
        return loaded_release(con, schedule_basis, "--schedule-basis")
    loaded = {r["release"] for r in list_releases(con)}
    for plan_id in sorted(set(alt_roster["plan_id"])):
        pin = alt_plans[plan_id].pinned_release
        if pin and pin not in loaded:
            raise WrvuError(
                f"{plans_path}: plan {plan_id}: schedule_basis {pin}: no such release is loaded (loaded: "
                f"{', '.join(sorted(loaded)) or 'none'}); load it with `wrvu schedule load`"
            )
    return None


def period_lines(frame: pl.DataFrame, period: Period) -> int:
    """The lines of rostered clinicians in the period, of a frame of month totals."""
    months = frame.filter(pl.col("period").is_between(pl.lit(period.first_month), pl.lit(period.last_month)))
    return int(months["lines"].sum()) if months.height else 0


def comparison_rows(
    period: Period, current: list[ReconciliationRow], alternative: list[ReconciliationRow]
) -> list[dict]:
    """One row per employee and plan of either side: an employee's rows of the same plan side by side,
    then their other rows in the order they joined those plans (a move to another plan is one row); a
    row of one side only has the other side blank and counts it as 0 in the differences."""
    current_of, alternative_of = {}, {}
    for row in current:
        current_of.setdefault(row.employee_id, []).append(row)
    for row in alternative:
        alternative_of.setdefault(row.employee_id, {})[row.plan_id] = row
    rows = []
    for employee_id in sorted(current_of.keys() | alternative_of.keys()):
        mine = current_of.get(employee_id, [])
        theirs = alternative_of.get(employee_id, {})
        pairs, unpaired = [], []
        for row in mine:
            if row.plan_id in theirs:
                pairs.append((row, theirs.pop(row.plan_id)))
            else:
                unpaired.append(row)
        pairs += zip_longest(sorted(unpaired, key=joined), sorted(theirs.values(), key=joined))
        rows += [comparison_row(period, employee_id, now, alt) for now, alt in pairs]
    return sorted(rows, key=lambda r: (r["employee_id"], r["plan_id"] or r["alt_plan_id"], r["alt_plan_id"]))


def joined(row: ReconciliationRow) -> date:
    return min(span.start for span in row.spans)


def comparison_row(
    period: Period, employee_id: str, now: ReconciliationRow | None, alt: ReconciliationRow | None
) -> dict:
    row = {
        "period": period.label,
        "employee_id": employee_id,
        "plan_id": now.plan_id if now else "",
        "alt_plan_id": alt.plan_id if alt else "",
        "action": now.action if now else "",
        "alt_action": alt.action if alt else "",
    }
    for figure in COMPARED:
        value = getattr(now, figure) if now else None
        alt_value = getattr(alt, figure) if alt else None
        row |= {
            figure: value,
            f"alt_{figure}": alt_value,
            f"{figure}_difference": (alt_value or ZERO) - (value or ZERO),
        }
    return row
