"""Budgets: set by client finance (pages and API, idempotent), a year split into months to the
cent, actual against budget with variance, year to date and drill-down to the invoices, and
never visible to vendors."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from steward.contracts import selectors, services
from steward.contracts.models import Budget
from tests.contracts.test_invoices import alpha  # noqa: F401 (fixture)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_set_replace_and_split_a_year(world):
    finance = world.user("finance")
    b = services.budget_set(actor=finance, project_code="alpha-only", month=dt.date(2025, 3, 17),
                            amount=D("25"), note="Alpha plan")
    assert (b.month, b.amount, b.vendor, b.currency) == (dt.date(2025, 3, 1), D("25"), None, "CNY")
    again = services.budget_set(actor=finance, project_code="alpha-only", month=dt.date(2025, 3, 1), amount=D("30"))
    assert again.pk == b.pk and Budget.objects.count() == 1 and again.amount == D("30")
    # 100,000.05 / 12 = 8,333.3375: 8,333.33 each (99,999.96) and the 9 cents left to the first 9 months
    months = services.budget_set_year(actor=finance, project_code="alpha-only", vendor_code="alpha", year=2025,
                                      amount=D("100000.05"), target_cost_per_contact=D("3.5"))
    assert [m.amount for m in months] == [D("8333.34")] * 9 + [D("8333.33")] * 3
    assert sum(m.amount for m in months) == D("100000.05")
    assert Budget.objects.count() == 13  # the vendor's months sit beside the whole-project one
    with pytest.raises(ValidationError):
        services.budget_set(actor=finance, project_code="alpha-only", vendor_code="bravo", month=dt.date(2025, 1, 1),
                            amount=D(1))  # bravo does not serve alpha-only
    with pytest.raises(ValidationError):
        services.budget_set(actor=finance, project_code="alpha-only", month=dt.date(2025, 1, 1), amount=D(1),
                            currency="yuan")
    with pytest.raises(PermissionDenied):
        services.budget_set(actor=world.user("a-manager"), project_code="alpha-only", month=dt.date(2025, 1, 1),
                            amount=D(1))
    with pytest.raises(PermissionDenied):
        services.budget_set(actor=world.user("auditor"), project_code="alpha-only", month=dt.date(2025, 1, 1),
                            amount=D(1))


def _approve(world, invoice):
    finance = world.user("finance")
    services.invoice_send(actor=finance, invoice=invoice)
    services.invoice_confirm(actor=world.user("a-manager"), invoice=invoice)
    return services.invoice_approve(actor=finance, invoice=invoice)


def test_actual_against_budget_with_variance_and_year_to_date(world, alpha):  # noqa: F811
    finance = world.user("finance")
    invoice = _approve(world, services.invoice_generate(actor=finance, contract=alpha, month=dt.date(2025, 3, 1)))
    services.credit_note_create(actor=finance, invoice=invoice, amount=D("1.80"), reason="goodwill")
    services.budget_set(actor=finance, project_code="alpha-only", month=dt.date(2025, 2, 1), amount=D("10"))
    services.budget_set(actor=finance, project_code="alpha-only", month=dt.date(2025, 3, 1), amount=D("25"),
                        target_cost_per_contact=D("3"))
    months = selectors.budget_vs_actual(user=finance, year=2025, project="alpha-only")
    feb, mar, apr = months[1], months[2], months[3]
    # February: budget 10, nothing invoiced → variance −10 (−100 %)
    assert (feb.budget, feb.actual, feb.variance, feb.variance_percent) == (D("10"), D("0"), D("-10"), D("-100.0"))
    # March: invoice 28.80 − credit note 1.80 = 27.00 against 25 → +2.00, +8.0 %; 27 / 8 handled = 3.38
    assert (mar.budget, mar.actual, mar.variance, mar.variance_percent) == (D("25"), D("27.00"), D("2.00"),
                                                                            D("8.0"))
    assert (mar.handled, mar.per_contact, mar.target_per_contact, mar.per_resolved) == (8, D("3.38"), D("3"),
                                                                                        D("5.40"))
    # year to date at March: budget 35, actual 27 → −8.00 (−22.9 %)
    assert (mar.ytd_budget, mar.ytd_actual, mar.ytd_variance, mar.ytd_variance_percent) == (
        D("35"), D("27.00"), D("-8.00"), D("-22.9"))
    assert (apr.budget, apr.variance, apr.ytd_budget) == (None, None, D("35"))
    assert {a.invoice.number for a in mar.allocations} == {invoice.number, f"CN-{alpha.code}-2025-03-1"}
    # A vendor's own budget is chosen when the vendor is: none for bravo on this project.
    assert all(m.budget is None for m in selectors.budget_vs_actual(user=finance, year=2025, vendor="bravo"))


def test_cost_page_shows_budget_chart_and_drills_down_to_invoices(client, world, alpha):  # noqa: F811
    finance = world.user("finance")
    invoice = _approve(world, services.invoice_generate(actor=finance, contract=alpha, month=dt.date(2025, 3, 1)))
    services.budget_set_year(actor=finance, project_code="alpha-only", year=2025, amount=D("120"))
    client.force_login(finance)
    page = client.get("/costs/?year=2025&project=alpha-only", **EN)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="budget-chart"' in html and "<svg" in html
    mar = page.context["budget_months"][2]
    assert (mar.budget, mar.actual, mar.variance) == (D("10.00"), D("28.80"), D("18.80"))
    drill = "/invoices/?month=2025-03&amp;project=alpha-only"
    assert drill in html and f"/invoices/{invoice.pk}/" in html
    listed = client.get("/invoices/?month=2025-03&project=alpha-only", **EN).content.decode()
    assert invoice.number in listed
    assert invoice.number not in client.get("/invoices/?month=2025-02&project=alpha-only", **EN).content.decode()
    assert invoice.number not in client.get("/invoices/?month=2025-03&project=bravo-only", **EN).content.decode()
    budgets = client.get("/budgets/?year=2025", **EN)
    assert budgets.status_code == 200 and len(budgets.context["page"].object_list) == 12


def test_budget_pages_and_api_for_finance(client, world):
    client.force_login(world.user("finance"))
    response = client.post("/budgets/set/", {"project": "alpha-only", "vendor": "alpha", "month": "2026-02",
                                             "amount": "5000", "currency": "CNY", "target_cost_per_contact": "4.2",
                                             "note": "Alpha February"})
    assert response.status_code == 302
    budget = Budget.objects.get()
    assert (budget.vendor.code, budget.month, budget.amount) == ("alpha", dt.date(2026, 2, 1), D("5000"))
    assert client.post("/budgets/year/", {"project": "shared-mail", "year": "2026", "amount": "1200",
                                          "currency": "CNY"}).status_code == 302
    assert Budget.objects.filter(project__code="shared-mail").count() == 12
    export = client.get("/budgets/export.csv?year=2026").content.decode("utf-8-sig")
    assert "Alpha February" in export and "shared-mail" in export
    assert client.post("/budgets/delete/", {"budget": budget.pk}).status_code == 302
    assert not Budget.objects.filter(pk=budget.pk).exists()
    assert client.post("/budgets/delete/", {"budget": "999999"}).status_code == 404

    body = {"project": "alpha-only", "month": "2026-03", "amount": "700.50", "note": "api"}
    first = client.post("/api/budgets", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="budget-1")
    assert first.status_code == 201, first.content
    again = client.post("/api/budgets", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="budget-1")
    assert again.json()["id"] == first.json()["id"]
    assert Budget.objects.filter(project__code="alpha-only").count() == 1
    year = client.post("/api/budgets/year", {"project": "bravo-only", "year": 2026, "amount": "12"},
                       content_type="application/json", HTTP_IDEMPOTENCY_KEY="budget-2")
    assert year.status_code == 201 and [D(str(m["amount"])) for m in year.json()] == [D("1.00")] * 12
    assert client.post("/api/budgets", dict(body, month="March"), content_type="application/json",
                       HTTP_IDEMPOTENCY_KEY="budget-3").status_code == 400
    listed = client.get("/api/budgets?year=2026&project=alpha-only").json()
    assert [(b["month"], D(str(b["amount"]))) for b in listed] == [("2026-03", D("700.50"))]
    report = client.get("/api/costs/budget?year=2026&project=alpha-only").json()
    assert D(str(report[2]["budget"])) == D("700.50") and len(report) == 12


def test_vendors_never_see_budgets(client, world):
    finance = world.user("finance")
    for project, vendor in (("alpha-only", "alpha"), ("bravo-only", "bravo")):
        services.budget_set(actor=finance, project_code=project, vendor_code=vendor, month=dt.date(2026, 1, 1),
                            amount=D("99999"), note=f"{vendor} budget secret")
    for name in ("a-manager", "a-agent1", "b-manager"):
        user = world.user(name)
        assert not Budget.objects.visible_to(user).exists()  # not even the rows naming its own vendor
        client.force_login(user)
        for url in ("/budgets/", "/budgets/export.csv", "/budgets/set/", "/budgets/year/", "/costs/",
                    "/costs/compare/", "/api/budgets", "/api/costs/budget?year=2026",
                    "/api/costs/comparison?project=alpha-only&month=2026-01"):
            response = client.get(url)
            assert response.status_code in (403, 404), (name, url, response.status_code)
            assert b"budget secret" not in response.content
        assert client.post("/budgets/delete/", {"budget": Budget.objects.first().pk}).status_code in (403, 404)
        assert client.post("/api/budgets", {"project": "alpha-only", "month": "2026-01", "amount": "1"},
                           content_type="application/json").status_code == 403
    assert Budget.objects.count() == 2
    with translation.override("en"):
        client.force_login(world.user("auditor"))  # client roles read budgets without changing them
        assert client.get("/budgets/").status_code == 200
        assert client.get("/budgets/set/").status_code == 403


def test_a_month_saved_twice_at_once_is_replaced_not_a_500(world, monkeypatch):
    """Two saves of the same new month race: the row the other request inserted between this
    one's look-up and its insert is replaced (the unique index answers, not a 500)."""
    finance = world.user("finance")
    other = services.budget_set(actor=finance, project_code="alpha-only", month=dt.date(2025, 4, 1), amount=D("10"))
    real_first = type(Budget.objects.all()).first
    calls = []

    def first_misses_once(qs):  # the budget look-up ran before the other request's insert
        if qs.model is Budget:
            calls.append(1)
            if len(calls) == 1:
                return None
        return real_first(qs)

    monkeypatch.setattr(type(Budget.objects.all()), "first", first_misses_once)
    mine = services.budget_set(actor=finance, project_code="alpha-only", month=dt.date(2025, 4, 9), amount=D("12"))
    assert mine.pk == other.pk and Budget.objects.get().amount == D("12")
