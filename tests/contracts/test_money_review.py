"""Money defects found in review, each computed by hand:

* an SLA credit is the term's share of the pool the invoice states (rounded down), and credits
  and bonuses are rounded once, by the contract's rule (they were rounded half up to the cent
  first, from a pool rounded half up);
* a contract starting or ending within a month is billed for its own days;
* a rate dated between two others, or the deletion of one, cannot bypass the price-adjustment cap;
* a contract's SLA terms must be judged per month (a weekly term was never invoiced)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError

from steward.contracts import services
from steward.interactions import services as interactions
from tests.contracts.test_invoices import contacts

SL_POLICY = """sla: review-sl
version: 1
at_risk_percent: 10
terms:
  - metric: service_level
    params: {threshold_seconds: 20, short_abandon_seconds: 5}
    target: ">= 0.80"
    allocation_percent: %(alloc)s
%(extra)s"""

MET_SL_WITH_BONUS = SL_POLICY % {"alloc": 100, "extra": "    bonus: {at_or_above: 0.90, bonus_percent: 0.5}\n"}


def _per_contact(world, make_contract, *, rate, policy, handled, wait=60, **terms):
    contract = make_contract(pricing_model="per_contact", sla_policy_text=policy, **terms)
    services.rate_add(actor=world.user("finance"), contract=contract, component="handled_contact",
                      amount=D(rate), effective_from=dt.date(2025, 1, 1))
    rows = contacts("M", handled, 0)
    for row in rows:
        row["wait_seconds"] = wait
    interactions.import_records(actor=None, project=world.project_a, vendor=world.vendor_a, records=rows,
                                idempotency_key="money-review", allow_rejects=False)
    return services.invoice_generate(actor=world.user("finance"), contract=contract, month=dt.date(2025, 3, 1))


def test_a_credit_is_a_share_of_the_pool_the_invoice_states(world, make_contract):
    # fees 10 × 100.005 = 1,000.05; pool 10 % = 100.005, rounded down: 100.00; service level 0
    # → tier "below 0.80: 50 %" of the term's 100 % → 50.0025 → 50.00 (was 50.01: 50 % of a
    # pool rounded half up to 100.01).
    policy = SL_POLICY % {"alloc": 100, "extra": "    credit_tiers: [{below: 0.80, credit_percent: 50}]\n"}
    invoice = _per_contact(world, make_contract, rate="100.005", policy=policy, handled=10)
    assert (invoice.fees, invoice.at_risk_pool) == (D("1000.05"), D("100.00"))
    assert (invoice.credits_claimed, invoice.credits, invoice.total) == (D("50.00"), D("50.00"), D("950.05"))


def test_a_forfeited_term_claims_exactly_the_pool_not_a_cent_more(world, make_contract):
    # fees 10 × 10.005 = 100.05; pool 10.005 → 10.00; the term forfeits all of it: claimed 10.00
    # (was "claimed 10.01, scaled to the at-risk pool 10.00").
    invoice = _per_contact(world, make_contract, rate="10.005", policy=SL_POLICY % {"alloc": 100, "extra": ""},
                           handled=10)
    assert (invoice.at_risk_pool, invoice.credits_claimed, invoice.credits) == (D("10.00"), D("10.00"), D("10.00"))
    assert "scaled" not in invoice.lines.get(kind="credit").explanation


def test_a_credit_is_rounded_once_by_the_contracts_rule(world, make_contract):
    # Rule: down, to 0.01. fees 8 × 125.0125 = 1,000.10; pool 100.01; a 50 % term missed:
    # exact 50.005 → down → 50.00 (was 50.01: rounded half up to the cent first).
    policy = SL_POLICY % {"alloc": 50, "extra": """  - metric: csat
    params: {scale: 5, top_box: 2}
    target: ">= 0.50"
    allocation_percent: 50
"""}
    invoice = _per_contact(world, make_contract, rate="125.0125", policy=policy, handled=8,
                           rounding_mode="down", rounding_unit="0.01")
    assert (invoice.fees, invoice.at_risk_pool, invoice.credits) == (D("1000.10"), D("100.01"), D("50.00"))


def test_a_bonus_is_rounded_once_by_the_contracts_rule(world, make_contract):
    # Rule: half up, to 1. fees 8 × 62.375 = 499.00 (a whole unit); service level 1 ≥ 0.90 earns
    # 0.5 % of the fees = 2.495 → 2 (was 3: 2.495 → 2.50 → 3).
    invoice = _per_contact(world, make_contract, rate="62.375", policy=MET_SL_WITH_BONUS, handled=8, wait=5,
                           rounding_mode="half_up", rounding_unit="1")
    assert (invoice.fees, invoice.bonuses, invoice.total) == (D("499.00"), D("2.00"), D("501.00"))


def _fixed(world, make_contract, **terms):
    contract = make_contract(code="fixed-2025", pricing_model="fixed", **terms)
    services.rate_add(actor=world.user("finance"), contract=contract, component="fixed_month",
                      amount=D("31000"), effective_from=terms.get("start_date", dt.date(2025, 1, 1)))
    return services.invoice_generate(actor=world.user("finance"), contract=contract, month=dt.date(2025, 3, 1))


def test_a_contract_ending_within_the_month_is_billed_for_its_days(world, make_contract):
    invoice = _fixed(world, make_contract, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 3, 15))
    assert invoice.fees == D("15000.00")  # 31,000 × 15/31 (1–15 March)
    assert (invoice.period_start, invoice.period_end) == (dt.date(2025, 3, 1), dt.date(2025, 4, 1))  # March's
    assert "2025-03-15, 15 days" in invoice.lines.get(kind="charge").explanation


def test_a_contract_starting_within_the_month_is_billed_for_its_days(world, make_contract):
    invoice = _fixed(world, make_contract, start_date=dt.date(2025, 3, 16), end_date=dt.date(2026, 3, 15))
    assert invoice.fees == D("16000.00")  # 31,000 × 16/31 (16–31 March); it was refused: no rate on 1 March


def test_volumes_outside_the_contracts_term_are_not_billed(world, make_contract):
    contract = make_contract(pricing_model="per_contact", start_date=dt.date(2025, 1, 1),
                             end_date=dt.date(2025, 3, 5))
    services.rate_add(actor=world.user("finance"), contract=contract, component="handled_contact",
                      amount=D("4.00"), effective_from=dt.date(2025, 1, 1))
    rows = contacts("IN", 3, 0, day="2025-03-05") + contacts("OUT", 5, 0, day="2025-03-10")
    interactions.import_records(actor=None, project=world.project_a, vendor=world.vendor_a, records=rows,
                                idempotency_key="term-volumes", allow_rejects=False)
    invoice = services.invoice_generate(actor=world.user("finance"), contract=contract, month=dt.date(2025, 3, 1))
    assert (invoice.handled_contacts, invoice.fees) == (3, D("12.00"))


def test_a_backdated_rate_cannot_bypass_the_price_adjustment_cap(world, make_contract, english):
    contract = make_contract(pricing_model="per_contact", price_adjustment_cap_percent=D("5"))
    finance = world.user("finance")
    add = lambda amount, month: services.rate_add(actor=finance, contract=contract, component="handled_contact",  # noqa: E731
                                                  amount=D(amount), effective_from=dt.date(2025, month, 1))
    add("100", 1)
    march = add("105", 3)
    with pytest.raises(ValidationError, match=r"must be at least 100\."):
        add("50", 2)  # March's 105 would then rise 110 % over February's 50
    add("100.50", 2)  # 105 ≤ 100.50 × 1.05
    services.rate_delete(actor=finance, rate=march)  # the last rate replaces nothing
    assert list(contract.rates.order_by("effective_from").values_list("amount", flat=True)) == [D("100"), D("100.50")]


def test_deleting_a_rate_cannot_bypass_the_price_adjustment_cap(world, make_contract, english):
    contract = make_contract(pricing_model="per_contact", price_adjustment_cap_percent=D("5"))
    finance = world.user("finance")
    for amount, month in (("100", 1), ("105", 2), ("110", 3)):
        services.rate_add(actor=finance, contract=contract, component="handled_contact", amount=D(amount),
                          effective_from=dt.date(2025, month, 1))
    february = contract.rates.get(effective_from=dt.date(2025, 2, 1))
    with pytest.raises(ValidationError, match="would replace 100"):
        services.rate_delete(actor=finance, rate=february)  # March's 110 over January's 100 is 10 %
    assert contract.rates.count() == 3


def test_a_contracts_sla_terms_are_judged_per_month(world, make_contract, english):
    weekly = (SL_POLICY % {"alloc": 100, "extra": ""}).replace("    target:", "    period: week\n    target:")
    with pytest.raises(ValidationError, match="settled per month.*: week"):
        make_contract(pricing_model="per_contact", sla_policy_text=weekly)
