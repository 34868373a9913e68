"""Pricing arithmetic, computed by hand for every model, and its properties."""

import datetime as dt
from decimal import ROUND_HALF_UP
from decimal import Decimal as D

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.contracts.pricing import Component, PricingError, Rate, Usage, period_charge

MARCH = (dt.date(2025, 3, 1), dt.date(2025, 4, 1))  # 31 days
JAN1 = dt.date(2025, 1, 1)


def charge(model, rates, usage, period=MARCH):
    return period_charge(model=model, rates=rates, start=period[0], end=period[1], usage=usage)


def test_per_fte_full_month():
    c = charge("per_fte", [Rate(Component.FTE_MONTH, D("9000"), JAN1)], Usage(fte=D(20)))
    assert c.total == D("180000.00") and len(c.lines) == 1


def test_per_fte_rate_change_on_the_16th_prorates_by_days():
    # 20 × 9000 × 15/31 = 87,096.774…  and  20 × 9300 × 16/31 = 96,000 exactly; total 183,096.774… → .77
    rates = [Rate(Component.FTE_MONTH, D("9000"), JAN1), Rate(Component.FTE_MONTH, D("9300"), dt.date(2025, 3, 16))]
    c = charge("per_fte", rates, Usage(fte=D(20)))
    assert [line.amount for line in c.lines] == [D("87096.77"), D("96000.00")]
    assert [line.days for line in c.lines] == [15, 16]
    assert c.total == D("183096.77")


def test_per_fte_fractional_headcount():
    # 12.5 FTE × 8,800.40 = 110,005.00
    c = charge("per_fte", [Rate(Component.FTE_MONTH, D("8800.40"), JAN1)], Usage(fte=D("12.5")))
    assert c.total == D("110005.00")


def test_per_handled_contact():
    c = charge("per_contact", [Rate(Component.HANDLED_CONTACT, D("4.50"), JAN1)], Usage(handled_contacts=12345))
    assert c.total == D("55552.50")


def test_per_contact_rate_change_splits_a_period_total_by_days():
    # 3,100 contacts over 31 days: 20 days at 4.00 (2,000 contacts) and 11 days at 4.40 (1,100)
    rates = [Rate(Component.HANDLED_CONTACT, D("4.00"), JAN1),
             Rate(Component.HANDLED_CONTACT, D("4.40"), dt.date(2025, 3, 21))]
    c = charge("per_contact", rates, Usage(handled_contacts=3100))
    assert [(line.quantity, line.amount) for line in c.lines] == [(D("2000"), D("8000.00")), (D("1100"), D("4840.00"))]
    assert c.total == D("12840.00")


def test_per_contact_daily_usage_is_priced_at_each_days_rate():
    rates = [Rate(Component.HANDLED_CONTACT, D("4.00"), JAN1),
             Rate(Component.HANDLED_CONTACT, D("4.40"), dt.date(2025, 3, 21))]
    usage = {dt.date(2025, 3, 20): Usage(handled_contacts=100), dt.date(2025, 3, 21): Usage(handled_contacts=10)}
    c = charge("per_contact", rates, usage)
    assert c.total == D("444.00")  # 100 × 4.00 + 10 × 4.40


def test_per_minute():
    c = charge("per_minute", [Rate(Component.MINUTE, D("1.20"), JAN1)], Usage(minutes=D("84321.5")))
    assert c.total == D("101185.80")


def test_per_resolved_ticket():
    c = charge("per_resolved", [Rate(Component.RESOLVED_TICKET, D("12.35"), JAN1)], Usage(resolved_tickets=3210))
    assert c.total == D("39643.50")


def test_fixed_fee_full_and_partial_month():
    rates = [Rate(Component.FIXED_MONTH, D("50000"), dt.date(2024, 1, 1))]
    feb = (dt.date(2024, 2, 1), dt.date(2024, 3, 1))  # leap year: 29 days
    assert charge("fixed", rates, Usage(), feb).total == D("50000.00")
    # 15 of 29 days: 50,000 × 15/29 = 25,862.068… → 25,862.07
    assert charge("fixed", rates, Usage(), (dt.date(2024, 2, 1), dt.date(2024, 2, 16))).total == D("25862.07")


def test_fixed_fee_across_two_months_accrues_by_each_months_days():
    # 10 days of February 2025 (28 days) and 5 of March (31 days) at 28,000 a month:
    # 28,000 × 10/28 = 10,000 and 28,000 × 5/31 = 4,516.129… → total 14,516.13
    rates = [Rate(Component.FIXED_MONTH, D("28000"), JAN1)]
    c = charge("fixed", rates, Usage(), (dt.date(2025, 2, 19), dt.date(2025, 3, 6)))
    assert [line.amount for line in c.lines] == [D("10000.00"), D("4516.13")]
    assert c.total == D("14516.13")


def test_hybrid_minimum_commitment_tops_up_a_low_month_only():
    rates = [Rate(Component.FIXED_MONTH, D("20000"), JAN1), Rate(Component.HANDLED_CONTACT, D("3"), JAN1),
             Rate(Component.MINIMUM_MONTH, D("40000"), JAN1)]
    low = charge("hybrid", rates, Usage(handled_contacts=5000))  # 20,000 + 15,000 = 35,000 < 40,000
    assert (low.usage_total, low.top_up, low.total) == (D("35000.00"), D("5000.00"), D("40000.00"))
    assert low.lines[-1].component == Component.MINIMUM_MONTH
    high = charge("hybrid", rates, Usage(handled_contacts=8000))  # 20,000 + 24,000
    assert (high.top_up, high.total) == (D("0.00"), D("44000.00"))


def test_rounding_is_half_up_once_per_component():
    # 3 × 0.125 = 0.375 → 0.38 (half up); lines never round twice
    c = charge("per_contact", [Rate(Component.HANDLED_CONTACT, D("0.125"), JAN1)], Usage(handled_contacts=3))
    assert c.total == D("0.38")


@pytest.mark.parametrize("model,rates,message", [
    ("per_fte", [Rate(Component.HANDLED_CONTACT, D(1), JAN1)], "no handled_contact rate"),
    ("per_fte", [], "needs at least one rate"),
    ("per_fte", [Rate(Component.FTE_MONTH, D(1), dt.date(2025, 3, 5))], "no fte_month rate is in effect on 2025-03-01"),
    ("per_fte", [Rate(Component.FTE_MONTH, D(-1), JAN1)], "negative"),
])
def test_errors_are_explicit(model, rates, message):
    with pytest.raises(PricingError, match=message):
        charge(model, rates, Usage(fte=D(1)))


def test_usage_outside_the_period_is_refused():
    with pytest.raises(PricingError, match="outside"):
        charge("per_contact", [Rate(Component.HANDLED_CONTACT, D(1), JAN1)],
               {dt.date(2025, 4, 1): Usage(handled_contacts=1)})


# --------------------------------------------------------------------------- properties

amounts = st.decimals(min_value=D("0"), max_value=D("100000"), places=2)
days = st.integers(min_value=0, max_value=60)


@st.composite
def periods(draw):
    start = dt.date(2024, 1, 1) + dt.timedelta(days=draw(st.integers(0, 700)))
    return start, start + dt.timedelta(days=draw(st.integers(1, 62)))


usages = st.builds(Usage, fte=st.decimals(min_value=0, max_value=500, places=1),
                   handled_contacts=st.integers(0, 10**6), minutes=st.decimals(min_value=0, max_value=10**6, places=1),
                   resolved_tickets=st.integers(0, 10**5))


@settings(max_examples=60, deadline=None)
@given(period=periods(), amount=amounts, usage=usages, split=days,
       component=st.sampled_from([Component.FTE_MONTH, Component.HANDLED_CONTACT, Component.MINUTE,
                                  Component.RESOLVED_TICKET, Component.FIXED_MONTH]))
def test_restating_the_same_rate_mid_period_changes_nothing(period, amount, usage, split, component):
    start, end = period
    one = [Rate(component, amount, dt.date(2023, 1, 1))]
    two = one + [Rate(component, amount, start + dt.timedelta(days=split))]
    assert charge("hybrid", one, usage, period).total == charge("hybrid", two, usage, period).total


@settings(max_examples=60, deadline=None)
@given(period=periods(), amount=amounts, usage=usages, split=days, new_amount=amounts)
def test_lines_add_up_to_the_total_and_volume_proration_matches_the_exact_sum(period, amount, usage, split, new_amount):
    start, end = period
    rates = [Rate(Component.HANDLED_CONTACT, amount, dt.date(2023, 1, 1)),
             Rate(Component.HANDLED_CONTACT, new_amount, start + dt.timedelta(days=split))]
    c = charge("per_contact", rates, usage, period)
    assert sum(line.amount for line in c.lines) == c.total
    n = (end - start).days
    old_days = min(max(split, 0), n)
    exact = (amount * old_days + new_amount * (n - old_days)) * usage.handled_contacts / n
    assert abs(c.total - exact) <= D("0.005")


@settings(max_examples=60, deadline=None)
@given(period=periods(), fixed=amounts, per_contact=amounts, minimum=amounts, usage=usages)
def test_minimum_commitment_never_lowers_a_charge(period, fixed, per_contact, minimum, usage):
    base = [Rate(Component.FIXED_MONTH, fixed, dt.date(2023, 1, 1)),
            Rate(Component.HANDLED_CONTACT, per_contact, dt.date(2023, 1, 1))]
    without = charge("hybrid", base, usage, period)
    with_min = charge("hybrid", base + [Rate(Component.MINIMUM_MONTH, minimum, dt.date(2023, 1, 1))], usage, period)
    assert with_min.total >= without.total
    assert with_min.total == max(without.total, with_min.minimum)


@settings(max_examples=40, deadline=None)
@given(month=st.integers(0, 36), amount=amounts, fte=st.decimals(min_value=0, max_value=500, places=1))
def test_a_whole_calendar_month_at_one_rate_costs_exactly_the_monthly_amount(month, amount, fte):
    year, mon = 2024 + month // 12, month % 12 + 1
    start = dt.date(year, mon, 1)
    end = dt.date(year + (mon == 12), mon % 12 + 1, 1)
    c = charge("per_fte", [Rate(Component.FTE_MONTH, amount, dt.date(2023, 1, 1))], Usage(fte=fte), (start, end))
    assert c.total == (amount * fte).quantize(D("0.01"), rounding=ROUND_HALF_UP)
