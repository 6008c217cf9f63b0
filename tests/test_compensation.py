"""The compensation engine against docs/compensation.md: worked examples, proration, settle points, deficits."""

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from wrvu.schemas.plans import Plan, load_plans
from wrvu.transforms.compensation import (
    FteSpan,
    Payment,
    carried_deficit,
    cents,
    close_figures,
    is_settle_point,
    threshold_ytd,
)
from wrvu.transforms.errors import InputError

FLAT = [{"from": 0, "rate": 48}]
TIERED = [{"from": 0, "rate": 48}, {"from": 1000, "rate": 58}]
FULL_YEAR = [FteSpan(date(2026, 1, 1), None, D(1))]
BASE_SALARY = [Payment(date(2026, m, 28), "base", D("18333.33")) for m in range(1, 13)]


def plan(**overrides) -> Plan:
    return Plan(
        **{"model": "base_plus_production", "threshold_wrvu": 4800, "tiers": FLAT, "settle": "annual", **overrides}
    )


@pytest.mark.parametrize(
    ("case", "wrvu_ytd", "overrides", "true_up", "action"),
    [
        ("A", 5600, {}, "38400.00", "pay"),
        ("B", 6200, {"tiers": TIERED, "tier_kind": "marginal"}, "71200.00", "pay"),
        ("B'", 6200, {"tiers": TIERED, "tier_kind": "cliff"}, "81200.00", "pay"),
        ("C", 4200, {"recoverable": True}, "-28800.00", "recover"),
        ("C'", 4200, {"recoverable": False}, "0.00", "none"),
    ],
)
def test_worked_examples(case, wrvu_ytd, overrides, true_up, action):
    figures = close_figures(plan(**overrides), date(2026, 12, 31), D(wrvu_ytd), FULL_YEAR, BASE_SALARY, D(0))
    assert (str(cents(figures.true_up)), figures.action) == (true_up, action)
    assert figures.paid_ytd == 0, "base salary is never counted"


def test_marginal_never_pays_more_than_cliff_and_both_rise_with_wrvus():
    marginal, cliff = plan(tiers=TIERED), plan(tiers=TIERED, tier_kind="cliff")
    previous = D(-1)
    for wrvu in range(4800, 7000, 50):
        m = close_figures(marginal, date(2026, 12, 31), D(wrvu), FULL_YEAR, [], D(0)).true_up
        c = close_figures(cliff, date(2026, 12, 31), D(wrvu), FULL_YEAR, [], D(0)).true_up
        assert m <= c and m > previous
        previous = m


def test_payout_share_and_paid_incentives_and_draws():
    payments = [
        Payment(date(2026, 6, 30), "incentive", D("10000")),
        Payment(date(2026, 3, 31), "draw", D("2000")),
        Payment(date(2027, 1, 15), "incentive", D("999")),
    ]  # next plan year: not counted
    figures = close_figures(plan(payout_share=D("0.5")), date(2026, 12, 31), D(5600), FULL_YEAR, payments, D(0))
    assert (figures.earned_ytd, figures.paid_ytd, cents(figures.true_up)) == (D("19200.0"), D(12000), D("7200.00"))


def test_threshold_prorates_by_day_for_an_fte_change_and_a_mid_year_start():
    change = [FteSpan(date(2026, 1, 1), date(2026, 6, 30), D(1)), FteSpan(date(2026, 7, 1), None, D("0.5"))]
    # 181 days at 1.0 and 184 days at 0.5 of 365
    assert threshold_ytd(plan(), change, date(2026, 12, 31)) == D(4800) * (D(181) + D(184) * D("0.5")) / 365
    start = [FteSpan(date(2026, 10, 1), None, D(1))]
    assert cents(threshold_ytd(plan(), start, date(2026, 12, 31))) == cents(D(4800) * 92 / 365)
    assert threshold_ytd(plan(), start, date(2026, 9, 30)) == 0


def test_settle_points_and_hold_between_them():
    quarterly = plan(settle="quarterly", plan_year_start_month=7)
    assert [
        m
        for m in range(1, 13)
        if is_settle_point(quarterly, date(2026, m, 28) if m == 2 else date(2026, m, 30 if m in (4, 6, 9, 11) else 31))
    ] == [3, 6, 9, 12]
    figures = close_figures(plan(settle="quarterly"), date(2026, 2, 28), D(900), FULL_YEAR, [], D(0))
    assert figures.action == "hold"
    assert close_figures(plan(settle="monthly"), date(2026, 2, 28), D(900), FULL_YEAR, [], D(0)).action == "pay"


def test_year_end_deficit_carry_forward_collect_and_write_off():
    short = close_figures(plan(recoverable=True), date(2026, 12, 31), D(4200), FULL_YEAR, [], D(0))
    assert short.deficit_balance == D(-28800)
    assert carried_deficit(plan(recoverable=True, deficit_at_year_end="carry_forward"), short) == D(-28800)
    assert carried_deficit(plan(recoverable=True, deficit_at_year_end="collect"), short) == 0
    assert carried_deficit(plan(recoverable=True, deficit_at_year_end="write_off"), short) == 0
    # the next year opens with the carried deficit: 800 above threshold repays it first
    next_year = [FteSpan(date(2027, 1, 1), None, D(1))]
    figures = close_figures(plan(recoverable=True), date(2027, 12, 31), D(5600), next_year, [], D(-28800))
    assert (figures.opening_balance, cents(figures.true_up), figures.action) == (D(-28800), D("9600.00"), "pay")


def test_pure_production_draws_are_advances():
    pure = plan(
        model="pure_production", threshold_wrvu=0, tiers=[{"from": 0, "rate": 55}], settle="monthly", recoverable=True
    )
    draws = [Payment(date(2026, 1, 15), "draw", D(5000))]
    figures = close_figures(pure, date(2026, 1, 31), D(80), [FteSpan(date(2026, 1, 1), None, D(1))], draws, D(0))
    assert (figures.earned_ytd, cents(figures.true_up), figures.action) == (D(4400), D("-600.00"), "recover")


@pytest.mark.parametrize(
    ("yaml", "message"),
    [
        (
            "plans:\n  p1: {model: pure_production, threshold_wrvu: 0, tiers: [{from: 1000, rate: 58}, {from: 0, rate: 48}]}\n",
            "plan p1.tiers: Value error, the first tier must start at 0",
        ),
        (
            "plans:\n  p1: {model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 48}, {from: 0, rate: 58}]}\n",
            "plan p1.tiers: Value error, tiers must be in ascending order",
        ),
        (
            "plans:\n  p1: {model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: -5}]}\n",
            "plan p1.tiers.0.rate: Input should be greater than or equal to 0 (got -5)",
        ),
        (
            "plans:\n  p1: {model: salary, threshold_wrvu: 0, tiers: [{from: 0, rate: 5}]}\n",
            "plan p1.model: Input should be 'base_plus_production' or 'pure_production' (got 'salary')",
        ),
        (
            "plans:\n  p1: {model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 5}], bonus: 3}\n",
            "plan p1.bonus: Extra inputs are not permitted",
        ),
    ],
)
def test_plan_errors_name_the_plan_field_and_value(tmp_path, yaml, message):
    path = tmp_path / "plans.yaml"
    path.write_text(yaml)
    with pytest.raises(InputError, match=message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")):
        load_plans(path)


def test_plans_template_is_valid_and_empty():
    assert load_plans(Path(__file__).parents[1] / "schemas" / "templates" / "config" / "plans.yaml") == {}
