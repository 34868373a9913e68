"""Contracts API, scoped to the user (a vendor user sees only its own contracts and invoices):
contracts read-only; invoices listed, generated, moved through the workflow and corrected by
credit notes. A refused transition (wrong step, approved invoice) answers 409."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.contracts import selectors, services
from steward.contracts.models import Contract, Invoice, InvoiceLocked

router = Router(tags=["contracts"])



class RateOut(Schema):
    component: str
    amount: Decimal
    effective_from: dt.date


class ResponsibilityOut(Schema):
    category: str
    party: str
    description: str
    fulfilled: bool


class ContractOut(Schema):
    code: str
    title: str
    vendor: str
    projects: list[str]
    status: str
    signed_on: dt.date | None
    start_date: dt.date
    end_date: dt.date | None
    auto_renew: bool
    renewal_term_months: int
    notice_days: int
    notice_deadline: dt.date | None
    currency: str
    pricing_model: str
    flex_percent: Decimal
    flex_notice_days: int
    price_adjustment_cap_percent: Decimal | None
    payment_terms_days: int
    at_risk_percent: Decimal
    sla_policy_name: str
    sla_policy_version: int | None
    rounding_mode: str
    rounding_unit: str
    rounding_rule: str


class ContractDetailOut(ContractOut):
    sla_policy_text: str
    rates: list[RateOut]
    responsibilities: list[ResponsibilityOut]


def _out(contract: Contract) -> dict:
    data = {f: getattr(contract, f) for f in ContractOut.model_fields if f not in ("vendor", "projects")}
    data["vendor"] = contract.vendor.code
    data["projects"] = [p.code for p in contract.projects.all()]  # prefetched through visible_to
    return data


@router.get("/contracts", response=list[ContractOut])
def contracts(request, q: str = "", vendor: str = "", status: str = ""):
    require_perm(request, "contracts.view_contract")
    return [_out(c) for c in selectors.contract_list(user=request.user, q=q, vendor=vendor, status=status)]


@router.get("/contracts/{code}", response=ContractDetailOut)
def contract(request, code: str):
    require_perm(request, "contracts.view_contract")
    try:
        c = selectors.contract_get(user=request.user, code=code)
    except Contract.DoesNotExist:
        raise Http404 from None
    data = _out(c)
    data["sla_policy_text"] = c.sla_policy_text
    data["rates"] = list(selectors.rates(user=request.user, contract=c))
    data["responsibilities"] = list(selectors.responsibilities(user=request.user, contract=c))
    return data


# --------------------------------------------------------------------------- invoices

class ErrorOut(Schema):
    detail: str


class InvoiceLineOut(Schema):
    position: int
    kind: str
    label: str
    explanation: str
    amount: Decimal


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str
    contract: str
    vendor: str
    credit_of: str | None
    period_start: dt.date
    period_end: dt.date
    status: str
    currency: str
    pricing_model: str
    fte: Decimal
    handled_contacts: int
    minutes: Decimal
    resolved_tickets: int
    fees: Decimal
    adjustments: Decimal
    at_risk_percent: Decimal
    at_risk_pool: Decimal
    credits_claimed: Decimal
    credits: Decimal
    bonuses: Decimal
    total: Decimal
    dispute_reason: str
    reason: str
    rounding_mode: str
    rounding_unit: str
    rounding_rule: str


class InvoiceDetailOut(InvoiceOut):
    lines: list[InvoiceLineOut]


class InvoiceGenerateIn(Schema):
    contract: str
    month: str  # YYYY-MM
    fte: Decimal | None = None


class DisputeIn(Schema):
    reason: str


class CreditNoteIn(Schema):
    amount: Decimal
    reason: str


def _invoice_out(invoice: Invoice) -> dict:
    data = {f: getattr(invoice, f) for f in InvoiceOut.model_fields if f not in ("contract", "vendor", "credit_of")}
    data["contract"] = invoice.contract.code
    data["vendor"] = invoice.contract.vendor.code
    data["credit_of"] = invoice.credit_of.number if invoice.credit_of_id else None
    return data


def _invoice_detail(request, pk: int) -> dict:
    invoice = _invoice(request, pk)
    data = _invoice_out(invoice)
    data["lines"] = list(selectors.invoice_lines(user=request.user, invoice=invoice))
    return data


def _invoice(request, pk: int) -> Invoice:
    try:
        return selectors.invoice_get(user=request.user, pk=pk)
    except Invoice.DoesNotExist:
        raise Http404 from None


def _error(error) -> tuple[int, dict]:
    if isinstance(error, InvoiceLocked):
        return 409, {"detail": _("An approved invoice cannot be changed; issue a credit note.")}
    return 409, {"detail": " ".join(error.messages)}


@router.get("/invoices", response=list[InvoiceOut])
def invoices(request, q: str = "", vendor: str = "", status: str = "", contract: str = "", kind: str = ""):
    require_perm(request, "contracts.view_invoice")
    return [_invoice_out(i) for i in selectors.invoice_list(user=request.user, q=q, vendor=vendor, status=status,
                                                             contract=contract, kind=kind)]


@router.get("/invoices/{pk}", response=InvoiceDetailOut)
def invoice(request, pk: int):
    require_perm(request, "contracts.view_invoice")
    return _invoice_detail(request, pk)


@router.post("/invoices", response={201: InvoiceDetailOut, 400: ErrorOut})
@idempotent
def invoice_generate(request, payload: InvoiceGenerateIn):
    require_perm(request, "contracts.add_invoice")
    try:
        contract = selectors.contract_get(user=request.user, code=payload.contract)
    except Contract.DoesNotExist:
        return 400, {"detail": _("Unknown contract %(code)s.") % {"code": payload.contract}}
    try:
        month = dt.datetime.strptime(payload.month, "%Y-%m").date()
    except ValueError:
        return 400, {"detail": _("month: expected YYYY-MM, e.g. 2026-10.")}
    try:
        created = services.invoice_generate(actor=request.user, contract=contract, month=month, fte=payload.fte)
    except ValidationError as error:
        return 400, {"detail": " ".join(error.messages)}
    return 201, _invoice_detail(request, created.pk)


def _transition(request, pk: int, write, **kwargs):
    invoice = _invoice(request, pk)
    try:
        result = write(actor=request.user, invoice=invoice, **kwargs)
    except (ValidationError, InvoiceLocked) as error:
        return _error(error)
    return 200, _invoice_detail(request, result.pk)


TRANSITION = {200: InvoiceDetailOut, 409: ErrorOut}


@router.post("/invoices/{pk}/send", response=TRANSITION)
def invoice_send(request, pk: int):
    require_perm(request, "contracts.add_invoice")
    return _transition(request, pk, services.invoice_send)


@router.post("/invoices/{pk}/confirm", response=TRANSITION)
def invoice_confirm(request, pk: int):
    require_perm(request, "contracts.confirm_invoice")
    return _transition(request, pk, services.invoice_confirm)


@router.post("/invoices/{pk}/dispute", response=TRANSITION)
def invoice_dispute(request, pk: int, payload: DisputeIn):
    require_perm(request, "contracts.confirm_invoice")
    return _transition(request, pk, services.invoice_dispute, reason=payload.reason)


@router.post("/invoices/{pk}/approve", response=TRANSITION)
def invoice_approve(request, pk: int):
    require_perm(request, "contracts.approve_invoice")
    return _transition(request, pk, services.invoice_approve)


@router.post("/invoices/{pk}/paid", response=TRANSITION)
def invoice_paid(request, pk: int):
    require_perm(request, "contracts.approve_invoice")
    return _transition(request, pk, services.invoice_mark_paid)


@router.post("/invoices/{pk}/credit-notes", response={201: InvoiceDetailOut, 400: ErrorOut})
@idempotent
def credit_note_create(request, pk: int, payload: CreditNoteIn):
    require_perm(request, "contracts.approve_invoice")
    invoice = _invoice(request, pk)
    try:
        note = services.credit_note_create(actor=request.user, invoice=invoice, amount=payload.amount,
                                           reason=payload.reason)
    except (ValidationError, InvoiceLocked) as error:
        return 400, _error(error)[1]
    return 201, _invoice_detail(request, note.pk)
