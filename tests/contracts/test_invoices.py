"""Stored invoices: generation from the rollups and the SLA evaluation, the workflow, the
immutability of an approved invoice (services, model, pages), credit notes, notifications,
vendor scoping (pages, exports) and the XLSX/PDF documents."""

import datetime as dt
import io
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook

from steward.contracts import documents, services
from steward.contracts.models import Invoice, InvoiceLine, InvoiceLocked
from steward.core.models import Notification
from steward.interactions import services as interactions

SLA = """sla: alpha-sl
version: 1
at_risk_percent: 10
terms:
  - metric: service_level
    params: {threshold_seconds: 20, short_abandon_seconds: 5}
    target: ">= 0.80"
    allocation_percent: 100
"""


def contacts(prefix, n_answered, n_abandoned, *, day="2025-03-10", resolved=0):
    rows = []
    for i in range(n_answered):
        row = {"external_id": f"{prefix}-{i}", "channel": "voice", "arrived_at": f"{day}T10:00:00+08:00",
               "abandoned": "false", "wait_seconds": 60, "talk_seconds": 240, "hold_seconds": 0,
               "wrap_seconds": 60, "agent_code": "a1"}
        if i < resolved:
            row["outcome"] = "resolved"
        rows.append(row)
    for i in range(n_abandoned):
        rows.append({"external_id": f"{prefix}-x{i}", "channel": "voice", "arrived_at": f"{day}T11:00:00+08:00",
                     "abandoned": "true", "wait_seconds": 60})
    return rows


@pytest.fixture
def alpha(world, make_contract):
    """Alpha's per-contact contract (4.00 a contact, 10 % at risk) and March 2025's contacts:
    8 handled (5 minutes each, 5 resolved), 2 abandoned, all answered after 60 s → the service
    level is 0, below 0.80: the term forfeits its whole allocation of the pool. A contact on
    1 April 00:30 Shanghai (31 March UTC) belongs to April."""
    contract = make_contract(pricing_model="per_contact", sla_policy_text=SLA)
    services.rate_add(actor=world.user("finance"), contract=contract, component="handled_contact",
                      amount=D("4.00"), effective_from=dt.date(2025, 1, 1))
    rows = contacts("A", 8, 2, resolved=5)
    rows.append({"external_id": "A-april", "channel": "voice", "arrived_at": "2025-04-01T00:30:00+08:00",
                 "abandoned": "false", "wait_seconds": 5, "talk_seconds": 100, "agent_code": "a1"})
    interactions.import_records(actor=None, project=world.project_a, vendor=world.vendor_a, records=rows,
                                idempotency_key="invoice-test-a", allow_rejects=False)
    return contract


@pytest.fixture
def bravo_invoice(world, make_contract):
    contract = make_contract(code="bravo-2025", vendor=world.vendor_b, projects=[world.project_b],
                             pricing_model="fixed", title="Bravo Secretdeal")
    services.rate_add(actor=world.user("finance"), contract=contract, component="fixed_month",
                      amount=D("31000"), effective_from=dt.date(2025, 1, 1))
    return services.invoice_generate(actor=world.user("finance"), contract=contract, month=dt.date(2025, 3, 1))


def approved(world, contract):
    finance = world.user("finance")
    invoice = services.invoice_generate(actor=finance, contract=contract, month=dt.date(2025, 3, 1))
    services.invoice_send(actor=finance, invoice=invoice)
    services.invoice_confirm(actor=world.user("a-manager"), invoice=invoice)
    return services.invoice_approve(actor=finance, invoice=invoice)


def test_generation_reads_volumes_and_sla_credits(world, alpha):
    invoice = services.invoice_generate(actor=world.user("finance"), contract=alpha, month=dt.date(2025, 3, 15))
    # 8 handled × 4.00 = 32.00; pool 10 % = 3.20; service level 0 < 0.80 → credit 100 % of the
    # pool = 3.20; total 28.80. 8 × 300 s = 40 minutes; 5 resolved. April's contact is not here.
    assert (invoice.period_start, invoice.period_end) == (dt.date(2025, 3, 1), dt.date(2025, 4, 1))
    assert (invoice.handled_contacts, invoice.minutes, invoice.resolved_tickets) == (8, D("40.00"), 5)
    assert (invoice.fees, invoice.at_risk_pool, invoice.credits, invoice.total) == (
        D("32.00"), D("3.20"), D("3.20"), D("28.80"))
    lines = list(invoice.lines.values_list("kind", "amount"))
    assert lines == [("charge", D("32.00")), ("credit", D("-3.20"))]
    credit = invoice.lines.get(kind="credit")
    assert "alpha-only" in credit.label and "0.80" in credit.explanation
    assert invoice.status == Invoice.Status.DRAFT and invoice.number == "INV-alpha-2025-2025-03"
    with pytest.raises(ValidationError):
        services.invoice_generate(actor=world.user("finance"), contract=alpha, month=dt.date(2025, 3, 1))


@pytest.mark.parametrize("month", [dt.date(9999, 12, 1), dt.date(1, 1, 1), dt.date(1999, 12, 1)])
def test_invoice_month_outside_the_supported_years_is_refused(world, alpha, month, english):
    with pytest.raises(ValidationError) as error:
        services.invoice_generate(actor=world.user("finance"), contract=alpha, month=month)
    assert error.value.message_dict == {"month": ["Choose a month between 2000 and 2100."]}


def test_per_fte_contract_needs_the_fte(world, fte_contract):
    with pytest.raises(ValidationError) as error:
        services.invoice_generate(actor=world.user("finance"), contract=fte_contract, month=dt.date(2025, 3, 1))
    assert "fte" in error.value.error_dict
    # 12.5 FTE × 9,000 for March = 112,500.00
    invoice = services.invoice_generate(actor=world.user("finance"), contract=fte_contract,
                                        month=dt.date(2025, 3, 1), fte=D("12.5"))
    assert invoice.total == D("112500.00")


def test_adjustments_on_a_draft_then_the_workflow_with_notifications(world, alpha):
    finance, manager = world.user("finance"), world.user("a-manager")
    invoice = services.invoice_generate(actor=finance, contract=alpha, month=dt.date(2025, 3, 1))
    invoice = services.invoice_add_adjustment(actor=finance, invoice=invoice, label="Extra training",
                                              amount=D("150"))
    assert invoice.total == D("178.80") and invoice.adjustments == D("150.00")
    with pytest.raises(ValidationError):
        services.invoice_confirm(actor=manager, invoice=invoice)  # not sent yet
    services.invoice_send(actor=finance, invoice=invoice)
    assert Notification.objects.filter(recipient=manager, params__number=invoice.number).exists()
    assert not Notification.objects.filter(recipient=world.user("b-manager")).exists()
    with pytest.raises(PermissionDenied):
        services.invoice_confirm(actor=world.user("b-manager"), invoice=invoice)
    with pytest.raises(ValidationError):
        services.invoice_dispute(actor=manager, invoice=invoice, reason="  ")
    services.invoice_dispute(actor=manager, invoice=invoice, reason="Training was cancelled")
    assert Notification.objects.filter(recipient=finance, params__reason="Training was cancelled").exists()
    invoice.refresh_from_db()
    line = invoice.lines.get(kind="adjustment")
    invoice = services.invoice_remove_adjustment(actor=finance, line=line)
    assert invoice.total == D("28.80")
    services.invoice_send(actor=finance, invoice=invoice)
    services.invoice_confirm(actor=manager, invoice=invoice)
    assert Notification.objects.filter(recipient=finance, message__contains="confirmed").exists()
    with pytest.raises(PermissionDenied):
        services.invoice_approve(actor=manager, invoice=invoice)
    invoice = services.invoice_approve(actor=finance, invoice=invoice)
    assert invoice.status == Invoice.Status.APPROVED and invoice.approved_by == finance


def test_an_approved_invoice_cannot_be_changed(world, alpha):
    finance = world.user("finance")
    invoice = approved(world, alpha)
    for write in (lambda: services.invoice_add_adjustment(actor=finance, invoice=invoice, label="x", amount=D(1)),
                  lambda: services.invoice_recompute(actor=finance, invoice=invoice),
                  lambda: services.invoice_send(actor=finance, invoice=invoice),
                  lambda: services.invoice_approve(actor=finance, invoice=invoice),
                  lambda: services.invoice_delete(actor=finance, invoice=invoice),
                  lambda: services.invoice_remove_adjustment(actor=finance, line=invoice.lines.first())):
        with pytest.raises(ValidationError):
            write()
    # the model refuses too, whoever calls it
    invoice.total = D("1.00")
    with pytest.raises(InvoiceLocked):
        invoice.save()
    with pytest.raises(InvoiceLocked):
        invoice.delete()
    line = InvoiceLine.objects.filter(invoice=invoice).first()
    line.amount = D("0")
    with pytest.raises(InvoiceLocked):
        line.save()
    with pytest.raises(InvoiceLocked):
        line.delete()
    with pytest.raises(InvoiceLocked):
        InvoiceLine.objects.create(invoice=invoice, position=9, kind="adjustment", label="sneak", amount=D(5))
    invoice.refresh_from_db()
    assert invoice.total == D("28.80") and invoice.lines.count() == 2
    # being paid is the one change it accepts; after that nothing
    invoice = services.invoice_mark_paid(actor=finance, invoice=invoice)
    assert invoice.status == Invoice.Status.PAID
    invoice.total = D("0")
    with pytest.raises(InvoiceLocked):
        invoice.save(update_fields=["total"])


def test_credit_notes_correct_an_approved_invoice_without_editing_it(world, alpha):
    finance = world.user("finance")
    invoice = approved(world, alpha)
    with pytest.raises(ValidationError):
        services.credit_note_create(actor=finance, invoice=invoice, amount=D("30.00"), reason="too much")
    with pytest.raises(ValidationError):
        services.credit_note_create(actor=finance, invoice=invoice, amount=D("5"), reason="")
    note = services.credit_note_create(actor=finance, invoice=invoice, amount=D("8.80"), reason="2 contacts billed twice")
    assert (note.kind, note.credit_of, note.total, note.status) == ("credit_note", invoice, D("-8.80"), "approved")
    assert note.lines.get().amount == D("-8.80")
    with pytest.raises(ValidationError):  # 8.80 + 20.01 > 28.80
        services.credit_note_create(actor=finance, invoice=invoice, amount=D("20.01"), reason="more")
    invoice.refresh_from_db()
    assert invoice.total == D("28.80")
    with pytest.raises(InvoiceLocked):
        note.delete()
    draft = services.invoice_generate(actor=finance, contract=alpha, month=dt.date(2025, 4, 1))
    with pytest.raises(ValidationError):
        services.credit_note_create(actor=finance, invoice=draft, amount=D("1"), reason="draft")


def test_pages_refuse_changes_to_an_approved_invoice(client, world, alpha):
    invoice = approved(world, alpha)
    client.force_login(world.user("finance"))
    page = client.get(invoice.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="edit-controls"' not in html and 'data-testid="locked"' in html
    response = client.post(f"/invoices/{invoice.pk}/adjust/", {"label": "sneak", "amount": "99"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "cannot be changed" in response.content.decode()
    assert client.post(f"/invoices/{invoice.pk}/delete/").status_code == 409
    invoice.refresh_from_db()
    assert invoice.total == D("28.80") and not invoice.lines.filter(label="sneak").exists()


def test_page_workflow_vendor_confirms_then_finance_approves(client, world, alpha):
    finance = world.user("finance")
    client.force_login(finance)
    response = client.post("/invoices/new/", {"contract": alpha.code, "month": "2025-03"})
    invoice = Invoice.objects.get()
    assert response.status_code == 302 and response["Location"] == invoice.get_absolute_url()
    assert client.post(f"/invoices/{invoice.pk}/adjust/", {"label": "Overtime", "amount": "abc"}).status_code == 400
    assert client.post(f"/invoices/{invoice.pk}/send/").status_code == 302
    client.force_login(world.user("a-manager"))
    assert client.post(f"/invoices/{invoice.pk}/approve/").status_code == 403
    assert client.post(f"/invoices/{invoice.pk}/confirm/").status_code == 302
    client.force_login(finance)
    assert client.post(f"/invoices/{invoice.pk}/approve/").status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "approved"


def test_a_vendor_sees_only_its_own_invoices_also_in_exports(client, world, alpha, bravo_invoice):
    own = services.invoice_generate(actor=world.user("finance"), contract=alpha, month=dt.date(2025, 3, 1))
    client.force_login(world.user("a-manager"))
    listing = client.get("/invoices/").content.decode()
    assert own.number in listing and bravo_invoice.number not in listing
    export = client.get("/invoices/export.csv").content.decode()
    assert own.number in export and bravo_invoice.number not in export
    for suffix in ("", "invoice.xlsx", "invoice.pdf"):
        assert client.get(f"/invoices/{bravo_invoice.pk}/{suffix}").status_code == 404
    assert client.get(f"/invoices/{own.pk}/invoice.xlsx").status_code == 200
    client.force_login(world.user("a-agent1"))
    assert client.get("/invoices/").status_code == 403
    client.force_login(world.user("finance"))
    export = client.get("/invoices/export.csv").content.decode()
    assert own.number in export and bravo_invoice.number in export


def test_xlsx_and_pdf_documents(client, world, alpha):
    invoice = approved(world, alpha)
    client.force_login(world.user("finance"))
    response = client.get(f"/invoices/{invoice.pk}/invoice.xlsx", HTTP_ACCEPT_LANGUAGE="zh-hans")
    sheet = load_workbook(io.BytesIO(response.content)).active
    cells = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert any(invoice.number in str(c) for c in cells)
    assert D("28.80") in [D(str(c)) for c in cells if isinstance(c, (int, float))] or 28.8 in cells
    pdf = client.get(f"/invoices/{invoice.pk}/invoice.pdf", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    import pypdfium2
    doc = pypdfium2.PdfDocument(pdf.content)
    text = doc[0].get_textpage().get_text_range()
    assert invoice.number in text and "28.80" in text


def test_pdf_falls_back_to_the_builtin_cid_font(monkeypatch, tmp_path):
    monkeypatch.setattr(documents, "_font_name", None)
    assert documents.cjk_font(tmp_path / "missing.ttc") == documents.FALLBACK_FONT
    doc = documents.Document("发票 INV-1", [("供应商", "雪松服务")], ["k", "l", "e", "a"],
                             [("charge", "座席", "9000 × 20", D("180000.00"))], [("合计", D("180000.00"))])
    assert documents.pdf(doc).startswith(b"%PDF")
    monkeypatch.setattr(documents, "_font_name", None)  # the next caller registers the real font again


def test_cost_analytics_and_pricing_comparison(client, world, alpha, make_contract):
    finance = world.user("finance")
    fte_contract = make_contract(code="alpha-seats", pricing_model="per_fte")
    services.rate_add(actor=finance, contract=fte_contract, component="fte_month", amount=D("9000"),
                      effective_from=dt.date(2025, 1, 1))
    invoice = services.invoice_generate(actor=finance, contract=alpha, month=dt.date(2025, 3, 1))
    services.invoice_send(actor=finance, invoice=invoice)
    client.force_login(finance)
    page = client.get("/costs/?first=2025-01&last=2025-12", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    rows = page.context["rows"]
    # 28.80 / 8 handled = 3.60; / 5 resolved = 5.76
    assert [(r.vendor.code, r.cost, r.per_contact, r.per_resolved, r.provisional) for r in rows] == [
        ("alpha", D("28.80"), D("3.60"), D("5.76"), True)]
    assert f"/invoices/{invoice.pk}/" in page.content.decode()
    page = client.get("/costs/compare/?project=alpha-only&month=2025-03&source=entered&handled_contacts=8"
                      "&minutes=40&resolved_tickets=5&fte=2", HTTP_ACCEPT_LANGUAGE="en")
    rows = {r.contract.code: r for r in page.context["comparison"]["rows"]}
    # 8 handled under alpha's per-contact rate: 8 × 4 = 32.00; under the per-FTE contract with
    # 2 FTE entered: 2 × 9,000 = 18,000.00
    assert rows["alpha-2025"].candidate.base == D("32.00")
    assert rows[fte_contract.code].candidate.base == D("18000.00")
    client.force_login(world.user("a-manager"))
    assert client.get("/costs/").status_code == 403
