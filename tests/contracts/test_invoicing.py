"""Invoice drafts computed by hand for every pricing model: credits never exceed the at-risk
pool, bonuses are added as given, rounding is half up to the cent."""

import datetime as dt
from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from steward.contracts.invoicing import Adjustment, SlaAmount, draft_invoice
from steward.contracts.pricing import Component, Rate, Usage, period_charge

MARCH = dt.date(2025, 3, 1), dt.date(2025, 4, 1)
JAN1 = dt.date(2024, 1, 1)


def charge(model, rates, usage, period=MARCH):
    return period_charge(model=model, rates=rates, start=period[0], end=period[1], usage=usage)


def check_lines(draft):
    assert sum(line.amount for line in draft.lines) == draft.total


def test_per_fte_with_a_credit_inside_the_pool():
    c = charge("per_fte", [Rate(Component.FTE_MONTH, D("9000"), JAN1)], Usage(fte=D(20)))  # 180,000
    # service level 40% of a 10% pool at 50% tier: 0.4 × 0.5 × 18,000 = 3,600
    d = draft_invoice(charge=c, at_risk_percent=D(10),
                      credits=[SlaAmount("service_level [channel=chat]", "0.78 below 0.80: 50% of 40%", D("3600"))])
    assert (d.fees, d.at_risk_pool, d.credits, d.credits_capped, d.total) == (
        D("180000.00"), D("18000.00"), D("3600.00"), False, D("176400.00"))
    assert d.lines[-1].kind == "credit" and d.lines[-1].amount == D("-3600.00")
    assert "9000 × 20 × 1 month" in d.lines[0].explanation
    check_lines(d)


def test_per_contact_credits_above_the_pool_are_scaled_to_it_exactly():
    c = charge("per_contact", [Rate(Component.HANDLED_CONTACT, D("4.50"), JAN1)], Usage(handled_contacts=12345))
    # fees 55,552.50; pool 10% = 5,555.25; claims 4,000 + 3,000 = 7,000 → 3,174.43 + 2,380.82
    d = draft_invoice(charge=c, at_risk_percent=D(10),
                      credits=[SlaAmount("service_level", "r1", D("4000")), SlaAmount("csat", "r2", D("3000"))])
    assert d.credits_claimed == D("7000.00") and d.credits_capped
    assert [line.amount for line in d.lines if line.kind == "credit"] == [D("-3174.43"), D("-2380.82")]
    assert d.credits == d.at_risk_pool == D("5555.25")
    assert d.total == D("49997.25")
    check_lines(d)


def test_per_minute_adjustments_are_not_fees_at_risk():
    c = charge("per_minute", [Rate(Component.MINUTE, D("1.20"), JAN1)], Usage(minutes=D("84321.5")))  # 101,185.80
    d = draft_invoice(charge=c, at_risk_percent=D(8), credits=[SlaAmount("asa", "r", D("1000"))],
                      adjustments=[Adjustment("Extra training: 2 new-hire classes", D("2500"))])
    assert d.at_risk_pool == D("8094.86")  # 8% of 101,185.80 = 8,094.864
    assert d.total == D("102685.80")  # 101,185.80 + 2,500 − 1,000
    check_lines(d)


def test_per_resolved_ticket_with_a_bonus():
    c = charge("per_resolved", [Rate(Component.RESOLVED_TICKET, D("12.35"), JAN1)], Usage(resolved_tickets=3210))
    # fees 39,643.50; CSAT bonus 2% of fees = 792.87
    d = draft_invoice(charge=c, at_risk_percent=D(10), bonuses=[SlaAmount("csat", "0.93 ≥ 0.92: 2% bonus", D("792.87"))])
    assert (d.bonuses, d.total) == (D("792.87"), D("40436.37"))
    check_lines(d)


def test_fixed_fee_with_nothing_at_risk_takes_no_credit():
    feb = dt.date(2024, 2, 1), dt.date(2024, 3, 1)
    c = charge("fixed", [Rate(Component.FIXED_MONTH, D("50000"), JAN1)], Usage(), feb)
    d = draft_invoice(charge=c, at_risk_percent=D(0), credits=[SlaAmount("service_level", "r", D("500"))])
    assert (d.at_risk_pool, d.credits, d.credits_capped, d.total) == (D("0.00"), D("0.00"), True, D("50000.00"))
    check_lines(d)


def test_hybrid_minimum_is_a_fee_at_risk_and_rounding_is_half_up():
    rates = [Rate(Component.FIXED_MONTH, D("20000"), JAN1), Rate(Component.HANDLED_CONTACT, D("3"), JAN1),
             Rate(Component.MINIMUM_MONTH, D("40000"), JAN1)]
    c = charge("hybrid", rates, Usage(handled_contacts=5000))  # 35,000 usage, topped up to 40,000
    d = draft_invoice(charge=c, at_risk_percent=D(15), credits=[SlaAmount("fcr", "r", D("2000.005"))],
                      adjustments=[Adjustment("Compensation for outage", D("-1000.005"))])
    assert d.fees == D("40000.00") and d.at_risk_pool == D("6000.00")
    assert d.adjustments == D("-1000.01") and d.credits == D("2000.01")
    assert d.total == D("36999.98")  # 40,000 − 1,000.01 − 2,000.01
    assert any("minimum commitment 40000.00 − usage 35000.00" in line.explanation for line in d.lines)
    check_lines(d)


@settings(max_examples=80, deadline=None)
@given(fte=st.decimals(min_value=0, max_value=300, places=1), rate=st.decimals(min_value=0, max_value=20000, places=2),
       at_risk=st.decimals(min_value=0, max_value=100, places=2),
       claims=st.lists(st.decimals(min_value=0, max_value=10**6, places=2), max_size=5),
       bonus=st.decimals(min_value=0, max_value=10**4, places=2))
def test_credits_never_exceed_the_pool_and_lines_add_up(fte, rate, at_risk, claims, bonus):
    c = charge("per_fte", [Rate(Component.FTE_MONTH, rate, JAN1)], Usage(fte=fte))
    d = draft_invoice(charge=c, at_risk_percent=at_risk, credits=[SlaAmount(f"t{i}", "r", x) for i, x in enumerate(claims)],
                      bonuses=[SlaAmount("b", "r", bonus)])
    assert d.credits <= d.at_risk_pool
    assert d.credits == min(d.credits_claimed, d.at_risk_pool)
    assert all(-line.amount <= claim for line, claim in zip([x for x in d.lines if x.kind == "credit"], claims))
    assert d.total == d.fees - d.credits + d.bonuses
    check_lines(d)
