"""Year-to-date wRVUs under other terms than a close credits them with: the lines assigned to employees
and plans by another roster, and each priced on another release (crediting.py `price_pinned_keys`),
with the same rules and the same team-based-care share as claim_lines_current. For `wrvu whatif` (the
alternative month totals), for variance.csv's `wrvu_ytd_as_of_dos` (the clinicians of plans that pin
a release, every line priced by its date of service) and for `wrvu schedule impact` (every line priced on
a new release and on the base: `reprice_lines`). Only temporary tables are written: a read-only
connection will do."""

from datetime import date

import duckdb
import polars as pl

from wrvu import sql
from wrvu.schemas.crediting import CreditingPolicy, pinned_release
from wrvu.schemas.plans import Plan
from wrvu.transforms.close_figures import MonthTotals, ReconciliationRow
from wrvu.transforms.compensation import plan_year_start
from wrvu.transforms.crediting import price_pinned_keys
from wrvu.transforms.periods import Period

ALL_MONTHS = "0000-01"  # the first month of the lines: every month (a carried deficit reads earlier years)


def repriced_month_totals(
    con: duckdb.DuckDBPyConnection,
    policy: CreditingPolicy,
    roster: pl.DataFrame,
    plans: dict[str, Plan],
    period: Period,
    schedule_basis: str | None = None,
    since_month: str = ALL_MONTHS,
) -> pl.DataFrame:
    """The frame of `month_totals` (employee, plan, NPI and month: wRVUs, lines, encounters
    in the period) for the current lines of `since_month` to the end of `period`, each assigned by
    `roster` (a validated roster of `plans`) and priced on the release of its plan's `schedule_basis`,
    or on `schedule_basis` for every line when given (a release, or `date_of_service`)."""
    pins = {
        plan_id: (pinned_release(schedule_basis) if schedule_basis else plan.pinned_release) or ""
        for plan_id, plan in plans.items()
    }
    pinned = roster.with_columns(pl.col("plan_id").replace_strict(pins, return_dtype=pl.String).alias("pinned_release"))
    reprice_lines(con, policy, pinned, since_month, period.last_month)
    return month_totals(con, "close_repriced_credits", period)


def reprice_lines(
    con: duckdb.DuckDBPyConnection, policy: CreditingPolicy, roster: pl.DataFrame, since_month: str, last_month: str
) -> None:
    """Create the temporary table `close_repriced_credits`: the current lines of `since_month` to
    `last_month`, each assigned by the rows of `roster` (npi, employee_id, plan_id, effective_from,
    effective_to, pinned_release) of its credited NPI whose dates contain its date of service, and priced
    on that row's `pinned_release` ('' for the release of its date of service) by the rules of
    claim_lines_current. A roster with a copy of its rows per release prices every line once on each."""
    columns = ("npi", "employee_id", "plan_id", "effective_from", "effective_to", "pinned_release")
    con.register("repriced_roster", roster.select(columns))
    try:
        con.execute(sql.load("close/repriced_lines"), {"since_month": since_month, "last_month": last_month})
    finally:
        con.unregister("repriced_roster")
    price_pinned_keys(con, "close_repriced_lines", policy)
    con.execute(sql.load("close/repriced_credits"))


def month_totals(con: duckdb.DuckDBPyConnection, lines_table: str, period: Period) -> pl.DataFrame:
    """Per employee, plan, NPI and month to the end of `period`: wRVUs and lines, and encounters in the
    period, of `lines_table` (claim_lines_current as credited, or close_repriced_credits)."""
    query = sql.load_with_tables("close/employee_month_totals", lines_table=lines_table)
    return con.sql(query, params={"first_month": period.first_month, "last_month": period.last_month}).pl()


def as_of_dos_months(
    con: duckdb.DuckDBPyConnection,
    policy: CreditingPolicy,
    roster: pl.DataFrame,
    plans: dict[str, Plan],
    period: Period,
    reconciliation: list[ReconciliationRow],
) -> MonthTotals | None:
    """For variance.csv's `wrvu_ytd_as_of_dos`: the month totals of the employees with a plan that pins a
    release in the close, from the earliest start of their plan years, every line priced by its date of
    service; None, and nothing computed, when no plan of the close pins a release."""
    pinned = {r.employee_id for r in reconciliation if r.plan.pinned_release}
    if not pinned:
        return None
    since: date = min(plan_year_start(r.plan, period.end) for r in reconciliation if r.employee_id in pinned)
    frame = repriced_month_totals(
        con,
        policy,
        roster.filter(pl.col("employee_id").is_in(sorted(pinned))),
        plans,
        period,
        "date_of_service",
        f"{since:%Y-%m}",
    )
    return MonthTotals.of(frame)
