"""Invoice arithmetic for every pricing model, computed by hand (in the comments), Decimal
throughout: fees from the pricing model, the at-risk pool, credits capped at the pool,
bonuses, adjustments and the total."""

import datetime as dt
from decimal import Decimal as D

import pytest

from steward.contracts import invoicing, pricing
from steward.contracts.invoicing import Adjustment, SlaAmount
from steward.contracts.pricing import Component, Rate, Usage

MARCH = (dt.date(2025, 3, 1), dt.date(2025, 4, 1))
JAN1 = dt.date(2025, 1, 1)


def invoice(model, rates, usage, at_risk, credits=(), bonuses=(), adjustments=(), period=MARCH):
    charge = pricing.period_charge(model=model, rates=[Rate(c, D(a), JAN1) for c, a in rates],
                                   start=period[0], end=period[1], usage=usage)
    return invoicing.draft_invoice(charge=charge, at_risk_percent=D(at_risk), credits=credits, bonuses=bonuses,
                                   adjustments=adjustments)


def test_per_fte():
    # 20 FTE × 9,000 for the whole of March = 180,000.00; pool 10 % = 18,000.00;
    # credit 9,000.00 fits the pool; total 180,000 − 9,000 = 171,000.00
    d = invoice("per_fte", [(Component.FTE_MONTH, "9000")], Usage(fte=D(20)), "10",
                credits=[SlaAmount("service_level", "missed", D("9000"))])
    assert (d.fees, d.at_risk_pool, d.credits, d.credits_capped, d.total) == (
        D("180000.00"), D("18000.00"), D("9000.00"), False, D("171000.00"))


def test_per_handled_contact_credits_capped_at_the_pool():
    # 3,100 × 4.25 = 13,175.00; pool 8 % = 1,054.00; credits claimed 1,200.00 > pool → 1,054.00;
    # total 13,175 − 1,054 = 12,121.00
    d = invoice("per_contact", [(Component.HANDLED_CONTACT, "4.25")], Usage(handled_contacts=3100), "8",
                credits=[SlaAmount("service_level", "missed", D("1200"))])
    assert (d.fees, d.at_risk_pool, d.credits_claimed, d.credits, d.credits_capped, d.total) == (
        D("13175.00"), D("1054.00"), D("1200.00"), D("1054.00"), True, D("12121.00"))
    assert d.credits <= d.at_risk_pool
    assert "scaled to the at-risk pool 1054.00" in d.lines[-1].explanation


def test_per_minute_rounding_half_up_and_a_bonus():
    # 12,345.5 min × 0.85 = 10,493.675 → half up 10,493.68; pool 10 % = 1,049.368 → rounded DOWN
    # (the pool is a ceiling) 1,049.36; bonus 2 % of fees as the SLA evaluation computed it:
    # 209.8736 → 209.87; total 10,703.55
    d = invoice("per_minute", [(Component.MINUTE, "0.85")], Usage(minutes=D("12345.5")), "10",
                bonuses=[SlaAmount("csat", "≥ 0.92", D("209.8736"))])
    assert (d.fees, d.at_risk_pool, d.bonuses, d.total) == (D("10493.68"), D("1049.36"), D("209.87"),
                                                            D("10703.55"))


def test_per_resolved_ticket_with_an_adjustment_that_is_not_at_risk():
    # 1,234 × 7.333 = 9,048.922 → 9,048.92; pool 12 % of fees only = 1,085.8704 → 1,085.87;
    # + training fee 1,500.00 − credit 500.00 → 10,048.92
    d = invoice("per_resolved", [(Component.RESOLVED_TICKET, "7.333")], Usage(resolved_tickets=1234), "12",
                credits=[SlaAmount("fcr", "missed", D("500"))], adjustments=[Adjustment("training", D("1500"))])
    assert (d.fees, d.adjustments, d.at_risk_pool, d.credits, d.total) == (
        D("9048.92"), D("1500.00"), D("1085.87"), D("500.00"), D("10048.92"))


def test_fixed_fee_two_credits_scaled_in_proportion():
    # February 2025 at 50,000 a month = 50,000.00; pool 5 % = 2,500.00; claims 3,000 + 1,000 =
    # 4,000 > pool → 3,000 × 2,500/4,000 = 1,875.00 and 1,000 × 2,500/4,000 = 625.00; total 47,500.00
    d = invoice("fixed", [(Component.FIXED_MONTH, "50000")], Usage(), "5",
                credits=[SlaAmount("sl", "missed", D("3000")), SlaAmount("aht", "missed", D("1000"))],
                period=(dt.date(2025, 2, 1), dt.date(2025, 3, 1)))
    assert [l.amount for l in d.lines if l.kind == "credit"] == [D("-1875.00"), D("-625.00")]
    assert (d.fees, d.credits, d.total) == (D("50000.00"), D("2500.00"), D("47500.00"))


def test_hybrid_minimum_commitment_tops_up_and_the_pool_is_on_the_topped_up_fees():
    # 20,000 fixed + 5,000 × 3.00 = 35,000 < 40,000 minimum → top-up 5,000.00; fees 40,000.00;
    # pool 10 % = 4,000.00; credit 2,000.00; total 38,000.00
    d = invoice("hybrid", [(Component.FIXED_MONTH, "20000"), (Component.HANDLED_CONTACT, "3.00"),
                           (Component.MINIMUM_MONTH, "40000")], Usage(handled_contacts=5000), "10",
                credits=[SlaAmount("sl", "missed", D("2000"))])
    assert [l.amount for l in d.lines if l.kind == "charge"] == [D("15000.00"), D("20000.00"), D("5000.00")]
    assert (d.fees, d.at_risk_pool, d.credits, d.total) == (D("40000.00"), D("4000.00"), D("2000.00"),
                                                            D("38000.00"))


def test_hybrid_above_the_minimum_has_no_top_up():
    # 20,000 + 8,000 × 3.00 = 44,000 ≥ 40,000: no top-up line
    d = invoice("hybrid", [(Component.FIXED_MONTH, "20000"), (Component.HANDLED_CONTACT, "3.00"),
                           (Component.MINIMUM_MONTH, "40000")], Usage(handled_contacts=8000), "0")
    assert d.fees == D("44000.00") and len(d.lines) == 2


@pytest.mark.parametrize("amount, weights, expected", [
    (D("10.00"), [1, 1, 1], [D("3.34"), D("3.33"), D("3.33")]),
    (D("100.00"), [0, 0], [D("50.00"), D("50.00")]),
    (D("32.00"), [8, 0], [D("32.00"), D("0.00")]),
])
def test_split_adds_up_exactly(amount, weights, expected):
    assert invoicing.split(amount, weights) == expected
    assert sum(expected) == amount
