"""API writes of contracts: create and edit a contract (terms, status, projects), its dated rates
and its responsibilities checklist, with the pages' capabilities, forms and services."""

import datetime as dt
from decimal import Decimal

import pytest

from steward.contracts import services
from steward.contracts.models import Contract, ContractRate, Responsibility
from tests.api.test_core_writes import api_client, call
from tests.contracts.conftest import SLA_YAML, fte_contract, make_contract, terms  # noqa: F401 (fixtures)
from tests.contracts.test_invoices import alpha, bravo_invoice  # noqa: F401 (fixtures)

NEW = {"code": "alpha-2026", "vendor": "alpha", "title": "Hotline 2026", "start_date": "2026-01-01",
       "end_date": "2026-12-31", "pricing_model": "per_fte", "projects": ["alpha-only", "shared-mail"],
       "price_adjustment_cap_percent": "5", "payment_terms_days": 45}


@pytest.fixture
def bravo_contract(world):
    contract = services.contract_create(actor=world.user("client_admin"), code="bravo-2025", vendor_code="bravo",
                                        project_codes=["bravo-only"], **terms(title="Bravo secret deal"))
    services.rate_add(actor=world.user("client_admin"), contract=contract, component="fte_month",
                      amount=Decimal("8000"), effective_from=dt.date(2025, 1, 1))
    services.responsibility_add(actor=world.user("client_admin"), contract=contract, category="data_security",
                                description="Bravo encrypts")
    return contract


def test_create_a_contract_once_with_an_idempotency_key(world):
    client = api_client(world.user("finance"))
    created = call(client, "post", "/api/contracts", NEW, key="c-1")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["code"], data["vendor"], data["status"], data["pricing_model"]) == (
        "alpha-2026", "alpha", "draft", "per_fte")
    assert sorted(data["projects"]) == ["alpha-only", "shared-mail"]
    assert data["price_adjustment_cap_percent"] == "5.00" and data["rates"] == []  # money as strings
    again = call(client, "post", "/api/contracts", NEW, key="c-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true" and again.json() == data
    contract = Contract.objects.get()
    assert contract.payment_terms_days == 45 and contract.end_date == dt.date(2026, 12, 31)
    assert contract.rounding_mode == "half_up"  # not sent: the default, as on the page


def test_a_contract_with_an_sla_policy_takes_its_share_at_risk(world):
    client = api_client(world.user("outsourcing_manager"))
    created = call(client, "post", "/api/contracts", {**NEW, "sla_policy_text": SLA_YAML, "at_risk_percent": "3"})
    assert created.status_code == 201, created.content
    assert (created.json()["sla_policy_name"], created.json()["at_risk_percent"]) == ("presales-chat", "10.00")
    broken = call(client, "post", "/api/contracts",
                  {**NEW, "code": "alpha-x", "sla_policy_text": SLA_YAML.replace("version: 3", "version: 0")})
    assert broken.status_code == 400 and broken.json()["detail"].startswith("sla_policy_text:")
    assert "line 2" in broken.json()["detail"]
    assert not Contract.objects.filter(code="alpha-x").exists()


def test_bad_contracts_are_a_400_with_the_forms_message(world):
    client = api_client(world.user("client_admin"))
    cases = [
        ({**NEW, "projects": ["bravo-only"]}, "projects:"),  # not a project alpha serves
        ({**NEW, "vendor": "nosuch"}, "vendor:"),
        ({**NEW, "end_date": "2025-06-30"}, "end_date"),  # ends before it starts
        ({**NEW, "pricing_model": "barter"}, "pricing_model:"),
        ({**NEW, "flex_percent": "101"}, "flex_percent:"),
        ({**NEW, "notice_days": 10 ** 12}, "notice_days:"),
        ({**NEW, "status": "frozen"}, "status:"),
        ({**NEW, "code": "has space"}, "code"),
    ]
    for body, expected in cases:
        answer = call(client, "post", "/api/contracts", body, key=f"bad-{expected}")
        assert answer.status_code == 400, (body, answer.content)
        assert expected in answer.json()["detail"], answer.json()
    services.contract_create(actor=world.user("client_admin"), code="alpha-2026", vendor_code="alpha",
                             **terms())
    duplicate = call(client, "post", "/api/contracts", NEW)
    assert duplicate.status_code == 400 and "code" in duplicate.json()["detail"]
    assert Contract.objects.count() == 1


def test_edit_terms_status_and_projects_only_what_is_sent(world, make_contract):
    contract = make_contract(status="draft", payment_terms_note="Pay by transfer")
    client = api_client(world.user("finance"))
    edited = call(client, "patch", f"/api/contracts/{contract.code}",
                  {"status": "active", "signed_on": "2024-12-20", "projects": ["alpha-only", "shared-mail"],
                   "rounding_mode": "half_even", "rounding_unit": "1"})
    assert edited.status_code == 200, edited.content
    assert edited.json()["status"] == "active" and edited.json()["rounding_rule"]
    contract.refresh_from_db()
    assert (contract.status, contract.signed_on) == ("active", dt.date(2024, 12, 20))
    assert (contract.rounding_mode, contract.rounding_unit) == ("half_even", "1")
    assert {p.code for p in contract.projects.all()} == {"alpha-only", "shared-mail"}
    assert contract.payment_terms_note == "Pay by transfer" and contract.title == "Hotline outsourcing"
    # null empties an optional term; the end date goes, the contract becomes open-ended.
    open_ended = call(client, "patch", f"/api/contracts/{contract.code}", {"end_date": None})
    assert open_ended.status_code == 200 and open_ended.json()["end_date"] is None
    # A required term cannot be emptied.
    assert call(client, "patch", f"/api/contracts/{contract.code}", {"title": None}).status_code == 400
    contract.refresh_from_db()
    assert contract.title == "Hotline outsourcing" and contract.end_date is None


def test_an_edit_the_rates_do_not_fit_is_refused(world, fte_contract):
    client = api_client(world.user("client_admin"))
    refused = call(client, "patch", f"/api/contracts/{fte_contract.code}", {"pricing_model": "per_contact"})
    assert refused.status_code == 400 and refused.json()["detail"].startswith("pricing_model:")
    other_vendor = call(client, "patch", f"/api/contracts/{fte_contract.code}", {"projects": ["bravo-only"]})
    assert other_vendor.status_code == 400 and "projects" in other_vendor.json()["detail"]
    fte_contract.refresh_from_db()
    assert fte_contract.pricing_model == "per_fte"
    assert [p.code for p in fte_contract.projects.all()] == ["alpha-only"]
    assert call(client, "patch", "/api/contracts/nosuch", {"title": "X"}).status_code == 404


def test_rates_are_added_within_the_cap_and_removed(world, fte_contract):
    client = api_client(world.user("finance"))
    url = f"/api/contracts/{fte_contract.code}/rates"
    body = {"component": "fte_month", "amount": "9450", "effective_from": "2026-01-01"}
    added = call(client, "post", url, body, key="r-1")
    assert added.status_code == 201, added.content
    assert added.json()["amount"] == "9450.0000" and added.json()["component"] == "fte_month"
    assert call(client, "post", url, body, key="r-1")["Idempotent-Replayed"] == "true"
    assert ContractRate.objects.filter(contract=fte_contract).count() == 2
    over_cap = call(client, "post", url, {**body, "amount": "9922.51", "effective_from": "2027-01-01"})
    assert over_cap.status_code == 400 and "at most 9922.5" in over_cap.json()["detail"]
    wrong_model = call(client, "post", url, {**body, "component": "handled_contact"})
    assert wrong_model.status_code == 400 and wrong_model.json()["detail"].startswith("component:")
    same_day = call(client, "post", url, {**body, "amount": "9000"})
    assert same_day.status_code == 400 and "effective_from" in same_day.json()["detail"]
    negative = call(client, "post", url, {**body, "amount": "-1", "effective_from": "2028-01-01"})
    assert negative.status_code == 400 and "amount" in negative.json()["detail"]
    assert ContractRate.objects.filter(contract=fte_contract).count() == 2
    listed = client.get(f"/api/contracts/{fte_contract.code}").json()["rates"]
    assert [r["amount"] for r in listed] == ["9000.0000", "9450.0000"]
    removed = call(client, "delete", f"/api/contract-rates/{added.json()['id']}")
    assert removed.status_code == 204
    assert not ContractRate.objects.filter(pk=added.json()["id"]).exists()
    assert call(client, "delete", f"/api/contract-rates/{added.json()['id']}").status_code == 404


def test_responsibilities_are_added_ticked_and_removed(world, make_contract):
    contract = make_contract()
    client = api_client(world.user("outsourcing_manager"))
    url = f"/api/contracts/{contract.code}/responsibilities"
    body = {"category": "data_security", "description": "Encrypt recordings at rest"}
    added = call(client, "post", url, body, key="resp-1")
    assert added.status_code == 201, added.content
    assert added.json()["party"] == "vendor" and added.json()["fulfilled"] is False
    assert call(client, "post", url, body, key="resp-1")["Idempotent-Replayed"] == "true"
    assert Responsibility.objects.count() == 1
    assert call(client, "post", url, {**body, "category": "astrology"}).status_code == 400
    assert call(client, "post", url, {**body, "description": "  "}).status_code == 400
    pk = added.json()["id"]
    ticked = call(client, "patch", f"/api/contract-responsibilities/{pk}", {"fulfilled": True})
    assert ticked.status_code == 200 and ticked.json()["fulfilled"] is True
    assert Responsibility.objects.get(pk=pk).fulfilled
    assert call(client, "delete", f"/api/contract-responsibilities/{pk}").status_code == 204
    assert not Responsibility.objects.exists()


def test_roles_without_the_capability_are_refused(world, bravo_contract):
    rate = bravo_contract.rates.get()
    item = bravo_contract.responsibilities.get()
    for role in ("qa_analyst", "project_lead", "auditor", "a-manager", "b-manager", "a-agent1"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/contracts", {**NEW, "code": "x"}).status_code == 403
        assert call(client, "patch", "/api/contracts/bravo-2025", {"title": "Mine"}).status_code == 403
        assert call(client, "post", "/api/contracts/bravo-2025/rates",
                    {"component": "fte_month", "amount": "1", "effective_from": "2030-01-01"}).status_code == 403
        assert call(client, "delete", f"/api/contract-rates/{rate.pk}").status_code == 403
        assert call(client, "post", "/api/contracts/bravo-2025/responsibilities",
                    {"category": "reporting", "description": "X"}).status_code == 403
        assert call(client, "patch", f"/api/contract-responsibilities/{item.pk}",
                    {"fulfilled": True}).status_code == 403
        assert call(client, "delete", f"/api/contract-responsibilities/{item.pk}").status_code == 403
    bravo_contract.refresh_from_db()
    assert bravo_contract.title == "Bravo secret deal" and Contract.objects.count() == 1
    assert bravo_contract.rates.count() == 1 and not Responsibility.objects.get().fulfilled


def test_a_read_token_cannot_write(world):
    from django.test import Client

    from steward.core import services as core_services

    _, key = core_services.api_token_create(user=world.user("client_admin"), name="ro", scopes=["read"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    assert call(client, "post", "/api/contracts", NEW).status_code == 403
    assert not Contract.objects.exists()


def test_a_vendor_never_reaches_another_vendors_contract(world, bravo_contract):
    manager = api_client(world.user("a-manager"))
    assert manager.get("/api/contracts/bravo-2025").status_code == 404
    assert manager.get("/api/contracts").json() == []
    own = manager.get("/api/contracts/bravo-2025")
    assert "Bravo" not in own.content.decode()
    # The vendor's own manager sees its contract with the rate's and responsibility's ids.
    mine = api_client(world.user("b-manager")).get("/api/contracts/bravo-2025").json()
    assert mine["rates"][0]["id"] == bravo_contract.rates.get().pk
    assert mine["responsibilities"][0]["id"] == bravo_contract.responsibilities.get().pk


# --------------------------------------------------------------------------- invoice corrections, budgets

def test_adjust_recompute_remove_and_delete_a_draft_invoice(world, alpha):  # noqa: F811
    from steward.contracts.models import Invoice, InvoiceLine

    client = api_client(world.user("finance"))
    draft = services.invoice_generate(actor=world.user("finance"), contract=alpha, month=dt.date(2025, 3, 1))
    url = f"/api/invoices/{draft.pk}/adjustments"
    added = call(client, "post", url, {"label": "Extra training", "amount": "120.50"}, key="adj-1")
    assert added.status_code == 201, added.content
    assert added.json()["adjustments"] == "120.50" and added.json()["total"] == "149.30"  # 28.80 + 120.50
    assert call(client, "post", url, {"label": "Extra training", "amount": "120.50"},
                key="adj-1")["Idempotent-Replayed"] == "true"
    assert InvoiceLine.objects.filter(invoice=draft, kind="adjustment").count() == 1
    assert call(client, "post", url, {"label": "Zero", "amount": "0"}).status_code == 409  # the service's refusal
    assert call(client, "post", url, {"label": "", "amount": "5"}).status_code == 400  # the form's
    assert call(client, "post", url, {"label": "Big", "amount": "1e20"}).status_code == 400
    recomputed = call(client, "post", f"/api/invoices/{draft.pk}/recompute", {"fte": "3.5"})
    assert recomputed.status_code == 200 and recomputed.json()["fte"] == "3.50"
    assert recomputed.json()["adjustments"] == "120.50"  # kept through the recompute
    line = next(item for item in recomputed.json()["lines"] if item["kind"] == "adjustment")
    charge = next(item for item in recomputed.json()["lines"] if item["kind"] != "adjustment")
    assert call(client, "delete", f"/api/invoice-lines/{charge['id']}").status_code == 409  # computed
    removed = call(client, "delete", f"/api/invoice-lines/{line['id']}")
    assert removed.status_code == 200 and removed.json()["adjustments"] == "0.00"
    assert not InvoiceLine.objects.filter(invoice=draft, kind="adjustment").exists()
    services.invoice_send(actor=world.user("finance"), invoice=draft)
    assert call(client, "delete", f"/api/invoices/{draft.pk}").status_code == 409  # sent, not a draft
    assert call(client, "post", url, {"label": "Late", "amount": "5"}).status_code == 409
    Invoice.objects.filter(pk=draft.pk).update(status="draft")
    assert call(client, "delete", f"/api/invoices/{draft.pk}").status_code == 204
    assert not Invoice.objects.filter(pk=draft.pk).exists()


def test_invoice_corrections_need_the_capability_and_visibility(world, alpha, bravo_invoice):  # noqa: F811
    theirs = bravo_invoice
    line = theirs.lines.first()
    for role in ("a-manager", "qa_analyst", "auditor"):
        client = api_client(world.user(role))
        assert call(client, "post", f"/api/invoices/{theirs.pk}/adjustments",
                    {"label": "X", "amount": "1"}).status_code == 403
        assert call(client, "post", f"/api/invoices/{theirs.pk}/recompute", {}).status_code == 403
        assert call(client, "delete", f"/api/invoice-lines/{line.pk}").status_code == 403
        assert call(client, "delete", f"/api/invoices/{theirs.pk}").status_code == 403
    assert call(api_client(world.user("finance")), "delete", "/api/invoice-lines/999999").status_code == 404
    theirs.refresh_from_db()
    assert theirs.adjustments == 0 and theirs.lines.count() >= 1


def test_delete_a_budget(world):
    from steward.contracts.models import Budget

    budget = services.budget_set(actor=world.user("finance"), project_code="alpha-only", vendor_code=None,
                                 month=dt.date(2026, 1, 1), amount=Decimal("1000"), currency="CNY",
                                 target_cost_per_contact=None, note="")
    for role in ("outsourcing_manager", "a-manager"):
        assert call(api_client(world.user(role)), "delete", f"/api/budgets/{budget.pk}").status_code in (403, 404)
    finance = api_client(world.user("finance"))
    assert call(finance, "delete", f"/api/budgets/{budget.pk}").status_code == 204
    assert not Budget.objects.exists()
    assert call(finance, "delete", f"/api/budgets/{budget.pk}").status_code == 404
