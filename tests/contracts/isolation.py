"""Contracts for both walked vendors, with rates, responsibilities and an SLA policy; vendor
B's titles, notes and terms are the markers that must not leak to vendor A."""

import datetime as dt
from decimal import Decimal

from steward.contracts import services

SLA = """sla: {name}
version: 2
at_risk_percent: 12
terms:
  - metric: service_level
    target: ">= 0.80"
    allocation_percent: 100
"""


def seed(world):
    admin = world.user("client_admin")
    today = dt.date.today()
    for vendor, project, word in ((world.vendor_a, world.project_a, "Alphadeal"),
                                  (world.vendor_b, world.project_b, "Bravodeal")):
        contract = services.contract_create(
            actor=admin, code=f"{word.lower()}-2025", vendor_code=vendor.code,
            project_codes=[project.code, world.shared.code], title=f"{word} master services agreement",
            status="active", start_date=today - dt.timedelta(days=300), end_date=today + dt.timedelta(days=40),
            pricing_model="hybrid", notice_days=60, auto_renew=True, payment_terms_note=f"{word} invoice by fax",
            sla_policy_text=SLA.format(name=f"{word.lower()}-sla"), notes=f"{word} confidential side letter",
        )
        for component, amount in (("fixed_month", "20000"), ("handled_contact", "3.5"), ("minimum_month", "40000")):
            services.rate_add(actor=admin, contract=contract, component=component, amount=Decimal(amount),
                              effective_from=contract.start_date)
        services.responsibility_add(actor=admin, contract=contract, category="data_security",
                                    description=f"{word} encrypts recordings at rest")
        # Invoices: each vendor's last month, with an adjustment and (for the approved one) a
        # credit note whose texts are markers of their own.
        finance = world.user("finance")
        month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        invoice = services.invoice_generate(actor=finance, contract=contract, month=month,
                                            adjustments=[(f"{word} hidden training fee", Decimal("1234"))])
        services.invoice_send(actor=finance, invoice=invoice)
        services.invoice_dispute(actor=world.user("a-manager" if word == "Alphadeal" else "b-manager"),
                                 invoice=invoice, reason=f"{word} disputes the volumes")
        services.invoice_send(actor=finance, invoice=invoice)
        services.invoice_confirm(actor=world.user("a-manager" if word == "Alphadeal" else "b-manager"),
                                 invoice=invoice)
        services.invoice_approve(actor=finance, invoice=invoice)
        services.credit_note_create(actor=finance, invoice=invoice, amount=Decimal("100"),
                                    reason=f"{word} goodwill correction")
        earlier = (month - dt.timedelta(days=1)).replace(day=1)
        services.invoice_generate(actor=finance, contract=contract, month=earlier)
        # Budgets are the client's: no vendor user sees either vendor's, not even its own.
        services.budget_set(actor=finance, project_code=project.code, vendor_code=vendor.code, month=month,
                            amount=Decimal("50000"), note=f"{word} budget ceiling")
        services.budget_set_year(actor=finance, project_code=project.code, year=month.year, amount=Decimal("600000"),
                                 target_cost_per_contact=Decimal("4"), note=f"{word} annual budget")
