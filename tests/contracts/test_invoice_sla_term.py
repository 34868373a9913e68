"""A contract that starts or ends within the invoiced month is billed for its own days, and its
SLA is judged on those days too: contacts before its start or after its end neither earn nor
spare a credit."""

import datetime as dt
from decimal import Decimal as D

import pytest

from steward.contracts import services
from steward.interactions import services as interactions

SLA = """sla: alpha-sl
version: 1
at_risk_percent: 10
terms:
  - metric: service_level
    params: {threshold_seconds: 20, short_abandon_seconds: 5}
    period: month
    target: ">= 0.80"
    allocation_percent: 100
"""


def answered(prefix, n, *, day, wait):
    return [{"external_id": f"{prefix}-{i}", "channel": "voice", "arrived_at": f"{day}T10:00:00+08:00",
             "abandoned": "false", "wait_seconds": wait, "talk_seconds": 240, "agent_code": "a1"}
            for i in range(n)]


@pytest.mark.parametrize(("term", "early", "late", "credit", "total"), [
    # Starts on 16 March. Outside the term, 10 March: 10 contacts answered in 5 s; inside, 20
    # March: 2 answered in 60 s. The whole month's service level would be 10/12 = 0.83 ≥ 0.80
    # (met, no credit); on the contract's days it is 0/2 = 0 < 0.80: the term forfeits its whole
    # allocation. Fees 2 × 4.00 = 8.00, pool 10 % = 0.80, credit 0.80, total 7.20.
    ({"start_date": dt.date(2025, 3, 16)}, (10, 5), (2, 60), D("0.80"), D("7.20")),
    # Ends on 15 March. Inside, 10 March: 2 answered in 5 s; outside, 20 March: 10 answered in
    # 60 s. The whole month would be 2/12 = 0.17 (missed: credit 0.80); on the contract's days
    # it is 2/2 = 1.00, met: no credit. Fees 8.00, total 8.00.
    ({"start_date": dt.date(2025, 1, 1), "end_date": dt.date(2025, 3, 15)}, (2, 5), (10, 60), D("0.00"),
     D("8.00")),
])
def test_sla_is_judged_on_the_contracts_own_days(world, make_contract, english, term, early, late, credit, total):
    finance = world.user("finance")
    contract = make_contract(code="alpha-part", pricing_model="per_contact", sla_policy_text=SLA, **term)
    services.rate_add(actor=finance, contract=contract, component="handled_contact", amount=D("4.00"),
                      effective_from=dt.date(2025, 1, 1))
    rows = answered("E", early[0], day="2025-03-10", wait=early[1]) + answered("L", late[0], day="2025-03-20",
                                                                               wait=late[1])
    interactions.import_records(actor=None, project=world.project_a, vendor=world.vendor_a, records=rows,
                                idempotency_key="sla-term", allow_rejects=False)
    invoice = services.invoice_generate(actor=finance, contract=contract, month=dt.date(2025, 3, 1))
    assert (invoice.handled_contacts, invoice.fees, invoice.at_risk_pool) == (2, D("8.00"), D("0.80"))
    assert (invoice.credits, invoice.total) == (credit, total)
    credits = list(invoice.lines.filter(kind="credit"))
    if credit:
        (line,) = credits
        assert line.amount == -credit
        assert line.explanation.startswith("0.0 against target >= 0.80")
        assert line.explanation.endswith("measured on the contract's days 2025-03-16 – 2025-03-31")
    else:
        assert credits == []


def test_a_whole_month_says_nothing_about_the_days_measured(world, make_contract, english):
    """A contract in force all month: the SLA line is worded as before (the month is implied)."""
    finance = world.user("finance")
    contract = make_contract(code="alpha-whole", pricing_model="per_contact", sla_policy_text=SLA)
    services.rate_add(actor=finance, contract=contract, component="handled_contact", amount=D("4.00"),
                      effective_from=dt.date(2025, 1, 1))
    interactions.import_records(actor=None, project=world.project_a, vendor=world.vendor_a,
                                records=answered("W", 2, day="2025-03-20", wait=60), idempotency_key="sla-whole",
                                allow_rejects=False)
    invoice = services.invoice_generate(actor=finance, contract=contract, month=dt.date(2025, 3, 1))
    line = invoice.lines.get(kind="credit")
    assert line.amount == D("-0.80") and "measured" not in line.explanation
