"""Invoice API: scoped lists and details, generate (idempotent), the workflow, 409 on an
approved invoice, credit notes."""

import datetime as dt
from decimal import Decimal as D

from steward.contracts.models import Invoice
from tests.contracts.test_invoices import alpha, approved, bravo_invoice  # noqa: F401 (fixtures)


def test_generate_confirm_approve_and_refuse_changes(client, world, alpha):  # noqa: F811
    client.force_login(world.user("finance"))
    body = {"contract": alpha.code, "month": "2025-03"}
    first = client.post("/api/invoices", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="gen-1")
    assert first.status_code == 201, first.content
    data = first.json()
    assert (D(str(data["total"])), D(str(data["credits"])), data["status"]) == (D("28.80"), D("3.20"), "draft")
    again = client.post("/api/invoices", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY="gen-1")
    assert again.status_code == 201 and again.json()["id"] == data["id"] and Invoice.objects.count() == 1
    assert client.post("/api/invoices", {"contract": alpha.code, "month": "March"},
                       content_type="application/json").status_code == 400
    assert client.post("/api/invoices", {"contract": "nope", "month": "2025-03"},
                       content_type="application/json").status_code == 400
    pk = data["id"]
    assert client.post(f"/api/invoices/{pk}/approve").status_code == 409  # not confirmed yet
    assert client.post(f"/api/invoices/{pk}/send").json()["status"] == "sent"
    client.force_login(world.user("b-manager"))
    assert client.post(f"/api/invoices/{pk}/confirm").status_code == 404
    client.force_login(world.user("a-manager"))
    assert client.post(f"/api/invoices/{pk}/approve").status_code == 403
    assert client.post(f"/api/invoices/{pk}/confirm").json()["status"] == "confirmed"
    client.force_login(world.user("finance"))
    assert client.post(f"/api/invoices/{pk}/approve").json()["status"] == "approved"
    assert client.post(f"/api/invoices/{pk}/send").status_code == 409
    note = client.post(f"/api/invoices/{pk}/credit-notes", {"amount": "1.80", "reason": "rounding"},
                       content_type="application/json")
    assert note.status_code == 201 and note.json()["credit_of"] == data["number"]
    assert D(str(note.json()["total"])) == D("-1.80")
    assert client.post(f"/api/invoices/{pk}/credit-notes", {"amount": "100", "reason": "too much"},
                       content_type="application/json").status_code == 400
    assert D(str(client.get(f"/api/invoices/{pk}").json()["total"])) == D("28.80")


def test_dispute_needs_a_reason(client, world, alpha):  # noqa: F811
    from steward.contracts import services
    invoice = services.invoice_generate(actor=world.user("finance"), contract=alpha, month=dt.date(2025, 3, 1))
    services.invoice_send(actor=world.user("finance"), invoice=invoice)
    client.force_login(world.user("a-manager"))
    assert client.post(f"/api/invoices/{invoice.pk}/dispute", {"reason": " "},
                       content_type="application/json").status_code == 409
    answer = client.post(f"/api/invoices/{invoice.pk}/dispute", {"reason": "Volumes too high"},
                         content_type="application/json")
    assert answer.json()["status"] == "disputed" and answer.json()["dispute_reason"] == "Volumes too high"


def test_vendor_lists_only_its_own_invoices(client, world, alpha, bravo_invoice):  # noqa: F811
    from steward.contracts import services
    own = services.invoice_generate(actor=world.user("finance"), contract=alpha, month=dt.date(2025, 3, 1))
    client.force_login(world.user("a-manager"))
    assert [i["number"] for i in client.get("/api/invoices").json()] == [own.number]
    assert client.get(f"/api/invoices/{bravo_invoice.pk}").status_code == 404
    detail = client.get(f"/api/invoices/{own.pk}").json()
    assert [line["kind"] for line in detail["lines"]] == ["charge", "credit"]
    assert client.post("/api/invoices", {"contract": alpha.code, "month": "2025-04"},
                       content_type="application/json").status_code == 403
