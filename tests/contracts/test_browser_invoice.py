"""In a real browser: the vendor manager confirms an invoice sent for confirmation, finance
approves it; afterwards the edit controls are gone and a POST that would change it is refused."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _sent_invoice():
    from steward.contracts import services
    from steward.core.models import User

    admin, finance = User.objects.get(username="finance"), User.objects.get(username="finance")
    month = (dt.date.today().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    contract = services.contract_create(
        actor=admin, code="aurora-browser", vendor_code="aurora", project_codes=[],
        title="极光 固定费用协议 Aurora fixed fee", status="active", start_date=month - dt.timedelta(days=365),
        pricing_model="fixed", at_risk_percent=Decimal("10"))
    services.rate_add(actor=finance, contract=contract, component="fixed_month", amount=Decimal("30000"),
                      effective_from=contract.start_date)
    invoice = services.invoice_generate(actor=finance, contract=contract, month=month,
                                        adjustments=[("新人培训附加费 Extra training fee", Decimal("2400"))])
    services.invoice_send(actor=finance, invoice=invoice)
    return invoice


def test_vendor_confirms_then_finance_approves_and_the_invoice_is_frozen(open_session):
    invoice = _sent_invoice()
    path = f"/invoices/{invoice.pk}/"

    vendor = open_session("zh-hans")
    vendor.login("aurora-manager")
    vendor.goto(path)
    expect(vendor.page.get_by_test_id("invoice-total")).to_have_text("32,400.00")
    expect(vendor.page.get_by_test_id("approve")).to_have_count(0)
    with vendor.page.expect_navigation():
        vendor.page.get_by_test_id("confirm").click()
    expect(vendor.page.get_by_test_id("confirm")).to_have_count(0)
    vendor.assert_clean()
    vendor.close()

    finance = open_session("en")
    finance.login("finance")
    finance.goto(path)
    page = finance.page
    expect(page.get_by_test_id("invoice-status")).to_have_text("Confirmed by vendor")
    expect(page.get_by_test_id("edit-controls")).to_have_count(0)  # confirmed: no longer editable
    with page.expect_navigation():
        page.get_by_test_id("approve").click()
    expect(page.get_by_test_id("invoice-status")).to_have_text("Approved (issued)")
    expect(page.get_by_test_id("locked")).to_be_visible()
    expect(page.get_by_test_id("edit-controls")).to_have_count(0)
    expect(page.get_by_test_id("send")).to_have_count(0)
    expect(page.get_by_test_id("credit-note-form")).to_be_visible()
    finance.screenshot("invoice-approved")

    token = page.locator("input[name=csrfmiddlewaretoken]").first.get_attribute("value")
    refused = page.request.post(finance.url(f"{path}adjust/"), form={
        "csrfmiddlewaretoken": token, "label": "sneaky change", "amount": "999"}, headers={"Accept-Language": "en"})
    assert refused.status == 409
    assert "cannot be changed" in refused.text()
    finance.goto(path)
    expect(page.get_by_test_id("invoice-total")).to_have_text("32,400.00")
    assert "sneaky change" not in page.content()
    finance.assert_clean()
