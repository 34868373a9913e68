import io

from steward.contracts import demo as contracts_demo
from steward.contracts.models import Contract, ContractRate
from steward.core import demo as core_demo
from steward.core.models import User
from steward.vendors import demo as vendors_demo
from steward.vendors import selectors as vendor_selectors
from steward.vendors.models import Certification


def test_demo_registry_and_contracts_load_twice_without_change(db, client):
    for _ in range(2):
        for module in (core_demo, vendors_demo, contracts_demo):
            module.load(io.StringIO())
    assert Contract.objects.count() == 3
    assert set(Contract.objects.values_list("pricing_model", flat=True)) == {"per_contact", "per_fte", "hybrid"}
    assert ContractRate.objects.count() == 7
    soon = vendor_selectors.certifications_expiring_for_reminders(within_days=30)
    assert {c.vendor.code for c in soon} == {"cedar"}
    assert Certification.objects.count() == 7
    client.force_login(User.objects.get(username="cedar-manager"))
    page = client.get("/contracts/cedar-2025/").content.decode()
    assert "cedar-sla" in page and client.get("/contracts/aurora-2025/").status_code == 404
    assert "Cedar" in client.get("/vendors/cedar/").content.decode()


def test_demo_invoices_from_the_demo_contacts(db):
    from steward.contracts.models import Invoice
    from steward.interactions import demo as interactions_demo

    for _ in range(2):
        for module in (core_demo, interactions_demo, vendors_demo, contracts_demo):
            module.load(io.StringIO())
    assert Invoice.objects.count() == 6
    last = {i.contract.code: i for i in Invoice.objects.order_by("period_start")}  # the later month wins
    assert {code: i.status for code, i in last.items()} == {
        "aurora-2025": "approved", "bamboo-2025": "sent", "cedar-2025": "confirmed"}
    cedar = last["cedar-2025"]
    assert 0 < cedar.credits <= cedar.at_risk_pool  # the deteriorating vendor pays credits
    assert cedar.lines.filter(kind="credit").exists()
    assert last["aurora-2025"].handled_contacts > 0 and last["bamboo-2025"].fte == 38
    assert Invoice.objects.filter(status="paid").count() == 3
    from steward.contracts.models import Budget
    from steward.contracts.selectors import budget_vs_actual

    # A year's budget for each contracted project, set once (the second load changes nothing).
    assert Budget.objects.filter(vendor__isnull=True).count() == 3 * 12
    assert Contract.objects.get(code="bamboo-2025").rounding_mode == "half_even"
    finance = User.objects.filter(role="finance").first()
    months = budget_vs_actual(user=finance, year=last["aurora-2025"].period_start.year)
    assert all(m.budget is not None and m.budget > 0 for m in months)
