"""Contract pages and API as each side meets them."""

import datetime as dt
from decimal import Decimal

import pytest

from steward.contracts import services
from steward.contracts.models import Contract, Responsibility

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def contracts(world, make_contract, fte_contract):
    make_contract(code="bravo-2025", vendor=world.vendor_b, projects=[world.project_b], title="Bravo Secret Deal",
                  pricing_model="per_contact")
    services.responsibility_add(actor=world.user("client_admin"), contract=fte_contract, category="training",
                                description="Vendor trains new agents for 10 days")
    return world


def test_client_sees_all_contracts_vendor_only_its_own(client, contracts):
    client.force_login(contracts.user("finance"))
    page = client.get("/contracts/", **EN).content.decode()
    assert "alpha-2025" in page and "Bravo Secret Deal" in page
    client.force_login(contracts.user("a-manager"))
    page = client.get("/contracts/", **EN).content.decode()
    assert "alpha-2025" in page and "Bravo Secret Deal" not in page and "New contract" not in page
    assert client.get("/contracts/bravo-2025/").status_code == 404
    assert client.get("/api/contracts/bravo-2025").status_code == 404
    assert [c["code"] for c in client.get("/api/contracts").json()] == ["alpha-2025"]
    exported = client.get("/contracts/export.csv").content.decode("utf-8-sig")
    assert "alpha-2025" in exported and "bravo" not in exported
    assert client.get("/contracts/new/").status_code == 403


def test_agents_have_no_contract_pages(client, contracts):
    client.force_login(contracts.user("a-agent1"))
    assert client.get("/contracts/").status_code == 403


def test_detail_shows_terms_rates_responsibilities_and_an_estimate(client, contracts):
    client.force_login(contracts.user("a-manager"))
    page = client.get("/contracts/alpha-2025/?start=2025-03-01&end=2025-03-31&fte=20", **EN).content.decode()
    for text in ("Per FTE (seat) per month", "9000", "Vendor trains new agents", "give notice by 2026-10-02",
                 'data-testid="estimate-total">180,000.00'):
        assert text in page, text
    bad = client.get("/contracts/alpha-2025/?start=2024-03-01&end=2024-03-31&fte=20", **EN).content.decode()
    assert "cannot be priced" in bad and "2024-03-01" in bad
    assert client.get("/contracts/alpha-2025/?start=2025-03-31&end=2025-03-01", **EN).status_code == 200


def test_create_edit_through_the_forms(client, contracts):
    client.force_login(contracts.user("outsourcing_manager"))
    form = {"code": "alpha-chat", "title": "Chat deal", "vendor": "alpha", "projects": ["shared-mail"],
            "status": "draft", "start_date": "2025-06-01", "end_date": "2026-05-31", "renewal_term_months": "12",
            "notice_days": "60", "currency": "CNY", "pricing_model": "per_contact", "flex_percent": "10",
            "flex_notice_days": "30", "payment_terms_days": "45", "at_risk_percent": "0",
            "rounding_mode": "half_even", "rounding_unit": "1",
            "sla_policy_text": "sla: x\nversion: 1\nat_risk_percent: 8\nterms:\n  - metric: csat\n    target: '>= 0.8'\n"}
    response = client.post("/contracts/new/", form)
    assert response.status_code == 302, response.content.decode()[:2000]
    contract = Contract.objects.get(code="alpha-chat")
    assert contract.at_risk_percent == Decimal("8") and contract.flex_percent == Decimal("10")
    assert (contract.rounding_mode, contract.rounding_unit) == ("half_even", "1")
    bad = dict(form, code="alpha-chat2", projects=["bravo-only"])
    response = client.post("/contracts/new/", bad, **EN)
    assert response.status_code == 200 and not Contract.objects.filter(code="alpha-chat2").exists()
    bad_sla = dict(form, code="alpha-chat3", sla_policy_text="sla: [unclosed")
    response = client.post("/contracts/new/", bad_sla, **EN)
    assert "not valid YAML" in response.content.decode()
    edit = {k: v for k, v in form.items() if k not in ("code", "vendor")} | {"title": "Chat deal v2"}
    assert client.post("/contracts/alpha-chat/edit/", edit).status_code == 302
    contract.refresh_from_db()
    assert contract.title == "Chat deal v2"


def test_rates_and_responsibilities_through_the_pages(client, contracts):
    client.force_login(contracts.user("finance"))
    response = client.post("/contracts/alpha-2025/rates/new/",
                           {"component": "fte_month", "amount": "9999", "effective_from": "2026-01-01"}, **EN)
    assert "caps price adjustments" in response.content.decode()
    response = client.post("/contracts/alpha-2025/rates/new/",
                           {"component": "fte_month", "amount": "9400", "effective_from": "2026-01-01"})
    assert response.status_code == 302
    item = Responsibility.objects.get()
    assert client.post(f"/responsibilities/{item.pk}/toggle/").status_code == 302
    item.refresh_from_db()
    assert item.fulfilled
    client.force_login(contracts.user("a-manager"))
    assert client.post(f"/responsibilities/{item.pk}/toggle/").status_code == 403


def test_walk_contract_list_links_and_renewal_card(client, contracts, make_contract):
    today = dt.date.today()
    make_contract(code="ending", end_date=today + dt.timedelta(days=100), start_date=today - dt.timedelta(days=30))
    client.force_login(contracts.user("client_admin"))
    page = client.get("/contracts/", **EN).content.decode()
    assert 'data-testid="renewal-notices"' in page and "ending" in page
