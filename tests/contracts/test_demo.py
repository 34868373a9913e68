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
