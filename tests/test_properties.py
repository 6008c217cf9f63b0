"""Properties that hold for every input, checked by hypothesis: a void nets its charge to zero
whatever the code, modifiers, units and date; tiers pay monotonically; marginal tiers never pay
more than cliff tiers; a shortfall only costs where the plan is recoverable."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.test_crediting import SCHEDULE_FILES, credit, line
from wrvu.flows.schedule import load_schedule_files
from wrvu.flows.workspace import init_workspace
from wrvu.schemas.crediting import CreditingPolicy
from wrvu.schemas.plans import Plan
from wrvu.transforms import warehouse
from wrvu.transforms.compensation import gross_pay

# codes of the fixture releases (E/M, procedures with global shares and MULT PROC 2, imaging with
# 26/TC rows), one code in no release, and the modifiers that change a credit
CODES = ["99213", "99215", "99203", "27447", "20610", "45378", "71046", "93000", "36415", "G0439", "99499", "A9999"]
MODIFIERS = ["", "26", "TC", "53", "50", "62", "80", "AS", "66", "22", "54", "55", "51", "RT", "25"]
FIRST_DAY = date(2020, 10, 1)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    workspace = init_workspace(tmp_path_factory.mktemp("properties") / "ws")
    load_schedule_files(workspace, SCHEDULE_FILES)
    with warehouse.connect(workspace.warehouse) as connection:
        yield connection


charges = st.tuples(
    st.sampled_from(CODES),
    st.lists(st.sampled_from(MODIFIERS), max_size=3),
    st.integers(min_value=1, max_value=9999),
    st.integers(min_value=0, max_value=4 * 365),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(charges, min_size=1, max_size=6), st.sampled_from(["none", "cms"]))
def test_a_void_nets_its_charge_to_zero(con, visit, multiple_procedure):
    """Whatever a visit's lines, voiding every one of them credits exactly minus what they credited,
    line by line with `multiple_procedure: none`, in total with `cms` (a void ranks as its charge)."""
    policy = CreditingPolicy(multiple_procedure=multiple_procedure)
    lines = [line(code, FIRST_DAY + timedelta(days=day), modifiers, units) for code, modifiers, units, day in visit]
    charged = credit(con, lines, policy)
    both = credit(con, lines + [{**l, "units": -l["units"]} for l in lines], policy)
    assert sum(c["credited_wrvu"] for c in both) == 0
    if multiple_procedure == "none":
        assert [c["credited_wrvu"] for c in both] == [c["credited_wrvu"] for c in charged] + [
            -c["credited_wrvu"] for c in charged
        ]


tiers = st.lists(st.tuples(st.integers(1, 3000), st.integers(0, 200)), min_size=0, max_size=4, unique_by=lambda t: t[0])
wrvus = st.decimals(min_value=-5000, max_value=20000, places=2)


def plan(
    first_rate: int, higher: list[tuple[int, int]], kind: str, recoverable: bool = False, ascending: bool = False
) -> Plan:
    bands = sorted(higher)
    if ascending:  # each band pays at least the one below
        rates = [first_rate]
        for _, rate in bands:
            rates.append(rates[-1] + rate)
        bands = [(start, rate) for (start, _), rate in zip(bands, rates[1:], strict=True)]
    return Plan(
        model="base_plus_production",
        threshold_wrvu=Decimal(4800),
        tier_kind=kind,
        recoverable=recoverable,
        tiers=[{"from": 0, "rate": first_rate}] + [{"from": start, "rate": rate} for start, rate in bands],
    )


@given(st.integers(0, 200), tiers, wrvus, wrvus)
def test_marginal_tiers_pay_more_for_more_wrvus(first_rate, higher, a, b):
    marginal = plan(first_rate, higher, "marginal")
    low, high = sorted([a, b])
    assert gross_pay(marginal, low) <= gross_pay(marginal, high)


@given(st.integers(0, 200), tiers, wrvus, wrvus)
def test_cliff_tiers_with_rising_rates_pay_more_for_more_wrvus(first_rate, higher, a, b):
    cliff = plan(first_rate, higher, "cliff", ascending=True)
    low, high = sorted([a, b])
    assert gross_pay(cliff, low) <= gross_pay(cliff, high)


@given(st.integers(0, 200), tiers, st.decimals(min_value=0, max_value=20000, places=2))
def test_marginal_never_pays_more_than_cliff(first_rate, higher, excess):
    assert gross_pay(plan(first_rate, higher, "marginal", ascending=True), excess) <= gross_pay(
        plan(first_rate, higher, "cliff", ascending=True), excess
    )


@given(
    st.integers(0, 200),
    tiers,
    st.decimals(min_value=-5000, max_value=0, places=2),
    st.sampled_from(["marginal", "cliff"]),
)
def test_a_shortfall_costs_the_first_rate_only_where_recoverable(first_rate, higher, shortfall, kind):
    assert gross_pay(plan(first_rate, higher, kind), shortfall) == 0
    assert gross_pay(plan(first_rate, higher, kind, recoverable=True), shortfall) == shortfall * first_rate


@given(st.integers(0, 200), st.decimals(min_value=0, max_value=20000, places=2))
def test_one_tier_pays_the_same_marginal_or_cliff(rate, excess):
    assert gross_pay(plan(rate, [], "marginal"), excess) == gross_pay(plan(rate, [], "cliff"), excess) == excess * rate
