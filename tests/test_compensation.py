"""The compensation engine against docs/compensation.md: worked examples, proration, settle points, deficits."""

from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from wrvu.schemas.plans import Plan, load_plans
from wrvu.transforms.compensation import FteSpan, Payment, carried_deficit, cents, close_figures, is_settle_point
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


def threshold_ytd(spans: list[FteSpan], period_end: date) -> D:
    return close_figures(plan(), period_end, D(0), spans, [], D(0)).threshold_ytd


def test_threshold_prorates_by_day_for_an_fte_change_and_a_mid_year_start():
    change = [FteSpan(date(2026, 1, 1), date(2026, 6, 30), D(1)), FteSpan(date(2026, 7, 1), None, D("0.5"))]
    # 181 days at 1.0 and 184 days at 0.5 of 365
    assert threshold_ytd(change, date(2026, 12, 31)) == D(4800) * (D(181) + D(184) * D("0.5")) / 365
    start = [FteSpan(date(2026, 10, 1), None, D(1))]
    assert cents(threshold_ytd(start, date(2026, 12, 31))) == cents(D(4800) * 92 / 365)
    assert threshold_ytd(start, date(2026, 9, 30)) == 0


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


# The spec's worked examples of the contract terms: base $220,000, threshold 4,800, $48/wRVU flat, full year,
# 1.0 FTE, annual settle, nothing paid but base; at the year-end close.
@pytest.mark.parametrize(
    ("case", "wrvu_ytd", "overrides", "score", "payments", "true_up", "action", "terms"),
    [
        ("D", 5600, {"incentive_cap": 30000}, None, BASE_SALARY, "30000.00", "pay", ("incentive_cap",)),
        ("E", 5600, {"wrvu_cap": 5400}, None, BASE_SALARY, "28800.00", "pay", ("wrvu_cap",)),
        ("F", 5600, {"quality": {"withhold": "0.10"}}, D("0.5"), BASE_SALARY, "36480.00", "pay", ("quality_withhold",)),
        (
            "G",
            4000,
            {"model": "pure_production", "threshold_wrvu": 0, "guarantee": {"amount": 240000, "until": "2021-12-31"}},
            None,
            [Payment(date(2021, m, 28), "draw", D(20000)) for m in range(1, 13)],
            "0.00",
            "none",
            ("guarantee",),
        ),
        ("T", 5600, {"threshold_wrvu": "from_base", "base_salary": 220000}, None, BASE_SALARY, "48800.00", "pay", ()),
    ],
)
def test_worked_examples_of_the_terms(case, wrvu_ytd, overrides, score, payments, true_up, action, terms):
    year_end = date(2021, 12, 31) if case == "G" else date(2026, 12, 31)
    spans = [FteSpan(date(year_end.year, 1, 1), None, D(1))]
    figures = close_figures(plan(**overrides), year_end, D(wrvu_ytd), spans, payments, D(0), quality_score=score)
    assert (str(cents(figures.true_up)), figures.action, figures.terms_applied) == (true_up, action, terms)
    assert figures.wrvu_ytd == wrvu_ytd, "the uncapped wRVUs are still reported"


def test_from_base_threshold_is_kept_exact():
    figures = close_figures(
        plan(threshold_wrvu="from_base", base_salary=220000), date(2026, 12, 31), D(0), FULL_YEAR, [], D(0)
    )
    assert cents(figures.threshold_ytd) == D("4583.33")
    assert cents(figures.threshold_ytd * 48) == D("220000.00")  # 4,583.33 would give 219,999.84


def test_wrvu_cap_exactly_reached_changes_nothing_and_prorates_like_the_threshold():
    reached = close_figures(plan(wrvu_cap=5400), date(2026, 12, 31), D(5400), FULL_YEAR, [], D(0))
    assert (cents(reached.true_up), reached.terms_applied) == (D("28800.00"), ())
    # half a year: the cap is 2,700 to date (181 of 365 days), as the threshold is 4,800 x 181 / 365
    half = close_figures(plan(wrvu_cap=5400), date(2026, 6, 30), D(2800), FULL_YEAR, [], D(0))
    assert half.terms_applied == ("wrvu_cap",)
    assert half.excess == D(5400) * 181 / 365 - D(4800) * 181 / 365


def test_quality_withhold_is_held_until_the_year_end_and_earned_by_the_score():
    quality = {"quality": {"withhold": "0.10"}, "settle": "quarterly"}
    june = close_figures(plan(**quality), date(2026, 6, 30), D(3200), FULL_YEAR, [], D(0))
    production = (D(3200) - D(4800) * 181 / 365) * 48
    assert (june.production_ytd, june.earned_ytd) == (production, production * D("0.9"))
    assert june.terms_applied == ("quality_withhold",)
    for score, earned in ((D(0), D(34560)), (D(1), D(38400))):
        year_end = close_figures(plan(**quality), date(2026, 12, 31), D(5600), FULL_YEAR, [], D(0), quality_score=score)
        assert year_end.earned_ytd == earned
        assert year_end.terms_applied == (() if score == 1 else ("quality_withhold",))
    # a deficit is never withheld
    short = close_figures(
        plan(**quality, recoverable=True), date(2026, 12, 31), D(4200), FULL_YEAR, [], D(0), quality_score=D(0)
    )
    assert (short.earned_ytd, short.terms_applied) == (D(-28800), ())


def test_guarantee_ending_mid_year_keeps_what_it_guaranteed():
    guaranteed = plan(
        model="pure_production", threshold_wrvu=0, guarantee={"amount": 240000, "until": "2026-06-30"}, settle="monthly"
    )
    # while it runs: 240,000 x 151 / 365 by May
    may = close_figures(guaranteed, date(2026, 5, 31), D(1000), FULL_YEAR, [], D(0))
    assert (may.earned_ytd, may.terms_applied) == (D(240000) * 151 / 365, ("guarantee",))
    # after June it is no longer accrued, but what it guaranteed through June stays earned
    august = close_figures(guaranteed, date(2026, 8, 31), D(2000), FULL_YEAR, [], D(0))
    assert (august.earned_ytd, august.terms_applied) == (D(240000) * 181 / 365, ("guarantee",))
    december = close_figures(guaranteed, date(2026, 12, 31), D(4000), FULL_YEAR, [], D(0))
    assert (december.earned_ytd, december.terms_applied) == (D(192000), ())
    # and it covers nothing in the plan years after `until`
    next_year = close_figures(guaranteed, date(2027, 1, 31), D(100), [FteSpan(date(2026, 1, 1), None, D(1))], [], D(0))
    assert (next_year.earned_ytd, next_year.terms_applied) == (D(4800), ())


def test_terms_apply_in_order_withhold_then_incentive_cap_then_guarantee():
    terms = plan(quality={"withhold": "0.5"}, incentive_cap=10000, guarantee={"amount": 30000, "until": "2026-12-31"})
    # production 38,400; half withheld (score 1 releases it all back): 38,400; capped 10,000; guaranteed 30,000
    figures = close_figures(terms, date(2026, 12, 31), D(5600), FULL_YEAR, [], D(0), quality_score=D("0.5"))
    assert (figures.production_ytd, figures.earned_ytd) == (D(38400), D(30000))
    assert figures.terms_applied == ("quality_withhold", "incentive_cap", "guarantee")


def test_final_settlement_settles_whatever_the_settle_points_and_on_termination():
    pure = {"model": "pure_production", "threshold_wrvu": 0, "tiers": [{"from": 0, "rate": 50}], "recoverable": True}
    draws = [Payment(date(2021, m, 15), "draw", D(20000)) for m in range(1, 7)]
    worked = [FteSpan(date(2021, 1, 1), date(2021, 6, 30), D(1))]
    # worked example H: 2,200 wRVUs, draws of 120,000, annual plan left on 2021-06-30
    h = close_figures(plan(**pure), date(2021, 6, 30), D(2200), worked, draws, D(0), final_settlement=True)
    assert (cents(h.true_up), h.action, h.deficit_balance, h.final_settlement) == (
        D("-10000.00"),
        "recover",
        D(-10000),
        True,
    )
    held = close_figures(plan(**pure), date(2021, 6, 30), D(2200), worked, draws, D(0))
    assert held.action == "hold"
    off = close_figures(
        plan(**pure, on_termination="write_off"), date(2021, 6, 30), D(2200), worked, draws, D(0), final_settlement=True
    )
    assert (cents(off.true_up), off.action, off.deficit_balance) == (D("-10000.00"), "none", D(0))


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
        (
            "plans:\n  p1: {model: base_plus_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 5}], quality: {withhold: 1.5}}\n",
            "plan p1.quality.withhold: Input should be less than or equal to 1 (got 1.5)",
        ),
        (
            "plans:\n  p1: {model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 5}], guarantee: {amount: 9}}\n",
            "plan p1.guarantee.until: Field required",
        ),
        (
            "plans:\n  p1: {model: pure_production, threshold_wrvu: 0, tiers: [{from: 0, rate: 5}], "
            "guarantee: {amount: 9, until: 2021-13-31}}\n",
            "plan p1.guarantee.until: Input should be a valid date or datetime, month value is outside expected range",
        ),
        (
            "plans:\n  p1: {model: base_plus_production, threshold_wrvu: from_base, tiers: [{from: 0, rate: 48}]}\n",
            "plan p1.base_salary: is required by threshold_wrvu: from_base",
        ),
        (
            "plans:\n  p1: {model: base_plus_production, threshold_wrvu: 4800, tiers: [{from: 0, rate: 48}], wrvu_cap: 0}\n",
            "plan p1.wrvu_cap: Input should be greater than 0",
        ),
        (
            "plans:\n  p1: {model: base_plus_production, threshold_wrvu: 4800, tiers: [{from: 0, rate: 48}], on_termination: forgive}\n",
            "plan p1.on_termination: Input should be 'collect' or 'write_off'",
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
