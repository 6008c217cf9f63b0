"""The money a close asks payroll to move, and the payments of earlier closes payroll_paid.csv does
not record yet: found, flagged on the reconciliation, refused when a close would move them again."""

from dataclasses import replace
from decimal import Decimal

import duckdb
import polars as pl

from wrvu.schemas.plans import Plan
from wrvu.schemas.workspace import EarningCodes
from wrvu.transforms.close_figures import ReconciliationRow
from wrvu.transforms.compensation import cents, plan_year_end, plan_year_start
from wrvu.transforms.errors import WrvuError
from wrvu.transforms.periods import Period
from wrvu.transforms.warehouse import fetch_dicts

MONEY_ACTIONS = ("pay", "recover")
PAYROLL_COLUMNS = (
    "employee_id",
    "provider_name",
    "earning_code",
    "amount",
    "period",
    "period_end",
    "plan_id",
    "close_revision",
)


def unrecorded_payments(
    con: duckdb.DuckDBPyConnection, payroll: pl.DataFrame, plans: dict[str, Plan], as_of: Period | None = None
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


def flag_prior_unrecorded(
    period: Period, reconciliation: list[ReconciliationRow], unrecorded: list[dict]
) -> tuple[list[ReconciliationRow], list[dict]]:
    """The rows with `prior_payment_unrecorded` set where their employee and plan have an unrecorded
    pay or recovery from an earlier close of the same plan year (their paid_ytd lacks that money), and
    those unrecorded payments."""
    pending = {(u["employee_id"], u["plan_id"]): u for u in unrecorded}
    rows, earlier = [], []
    for row in reconciliation:
        prior = pending.get((row.employee_id, row.plan_id))
        flagged = prior is not None and prior["period_end"] >= plan_year_start(row.plan, period.end)
        rows.append(replace(row, prior_payment_unrecorded=flagged))
        if flagged:
            earlier.append(prior)
    return rows, earlier


def refuse_moving_money_twice(period: Period, reconciliation: list[ReconciliationRow], earlier: list[dict]) -> None:
    """A close that pays or recovers while an earlier payment of the plan year is unrecorded would
    move that money again (its true-up includes it): refused, naming each."""
    if earlier and any(r.action in MONEY_ACTIONS for r in reconciliation):
        named = "; ".join(
            f"{u['employee_id']} {u['action']} {abs(u['amount'])} from close {u['period']} ({payroll_row_to_add(u)})"
            for u in earlier
        )
        raise WrvuError(
            f"{period.label} would pay or recover again what earlier closes of the plan year asked for and "
            f"payroll_paid.csv does not record: {named}; add those rows once paid, or pass --accept-unrecorded "
            "to close anyway"
        )


def money_moves(
    reconciliation: list[ReconciliationRow], asked_before: dict[tuple[str, str], Decimal]
) -> list[tuple[ReconciliationRow, Decimal]]:
    """The rows of a close that move money, each with the amount payroll moves (to the cent, negative for a
    recovery): the true-up of a pay or recover row, less what earlier revisions of the period asked for
    the employee and plan (`asked_before`), so that a restatement moves only the difference. A plan that
    does not recover never asks money back."""
    moves = []
    for row in reconciliation:
        target = cents(row.true_up) if row.action in MONEY_ACTIONS else Decimal(0)
        amount = target - asked_before.get((row.employee_id, row.plan_id), Decimal(0))
        if amount < 0 and not row.plan.recoverable:
            amount = Decimal(0)
        if amount:
            moves.append((row, amount))
    return moves


def asked_before(con: duckdb.DuckDBPyConnection, period: Period, revision: int) -> dict[tuple[str, str], Decimal]:
    rows = fetch_dicts(con, "close/asked_before", {"period": period.label, "revision": revision})
    return {(r["employee_id"], r["plan_id"]): r["amount"] for r in rows}


def payment_frame(moves: list[tuple[ReconciliationRow, Decimal]]) -> pl.DataFrame:
    """The close's pay and recover rows, as recorded in close_payments."""
    return pl.DataFrame(
        [(r.employee_id, r.plan_id, "pay" if amount > 0 else "recover", amount) for r, amount in moves],
        schema={"employee_id": pl.String, "plan_id": pl.String, "action": pl.String, "amount": pl.Decimal(18, 2)},
        orient="row",
    )


def payroll_rows(
    period: Period, moves: list[tuple[ReconciliationRow, Decimal]], revision: int, earning_codes: EarningCodes
) -> list[dict]:
    """payroll.csv: what payroll imports, one row per money move of the close."""
    return [
        {
            "employee_id": row.employee_id,
            "provider_name": row.provider_name,
            "earning_code": earning_codes.pay if amount > 0 else earning_codes.recover,
            "amount": amount,
            "period": period.label,
            "period_end": period.end,
            "plan_id": row.plan_id,
            "close_revision": revision,
        }
        for row, amount in moves
    ]
