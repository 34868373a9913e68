"""Contracts API, scoped to the user (a vendor user sees only its own contracts and invoices):
contracts created and edited (terms, status, dated rates, responsibilities) with the pages' forms,
capabilities and services; invoices listed, generated, moved through the workflow and corrected by
credit notes. A refused transition (wrong step, approved invoice) answers 409."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Payload, apply_form, call_service, clean_form, form_data, visible
from steward.contracts import forms, selectors, services
from steward.contracts.models import Contract, Invoice, InvoiceLocked, Responsibility
from steward.core import selectors as core_selectors
from steward.core.forms import month_refusal

router = Router(tags=["contracts"])



class RateOut(Schema):
    id: int
    component: str
    amount: Decimal
    effective_from: dt.date


class ResponsibilityOut(Schema):
    id: int
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
    data["rounding_rule"] = contract.rounding_rule
    return data


@router.get("/contracts", response=list[ContractOut])
def contracts(request, q: str = "", vendor: str = "", status: str = ""):
    require_perm(request, "contracts.view_contract")
    return [_out(c) for c in selectors.contract_list(user=request.user, q=q, vendor=vendor, status=status)]


def _contract(request, code: str) -> Contract:
    return visible(selectors.contract_get, request, code=code)


def _contract_detail(request, code: str) -> dict:
    c = _contract(request, code)
    data = _out(c)
    data["sla_policy_text"] = c.sla_policy_text
    data["rates"] = list(selectors.rates(user=request.user, contract=c))
    data["responsibilities"] = list(selectors.responsibilities(user=request.user, contract=c))
    return data


@router.get("/contracts/{code}", response=ContractDetailOut)
def contract(request, code: str):
    require_perm(request, "contracts.view_contract")
    return _contract_detail(request, code)


# --------------------------------------------------------------------------- contract writes
#
# As the pages *New contract*, *Edit contract*, *New rate* and *New responsibility*: the same
# forms (their field limits and choices), capabilities and services; a refusal is a 400 with
# the form's message.

class ErrorOut(Schema):
    detail: str


class ContractTermsIn(Payload):
    """The contract's own terms, as on the page's form (its limits apply: a 400 names the field)."""

    title: str = Field(max_length=200)
    status: str = Contract.Status.DRAFT
    signed_on: dt.date | None = None
    start_date: dt.date
    end_date: dt.date | None = None
    auto_renew: bool = False
    renewal_term_months: int = 12
    notice_days: int = 90
    currency: str = Field("CNY", max_length=3)
    pricing_model: str
    rounding_mode: str | None = None
    rounding_unit: str | None = None
    flex_percent: Decimal = Decimal(0)
    flex_notice_days: int = 0
    price_adjustment_cap_percent: Decimal | None = None
    payment_terms_days: int = 30
    payment_terms_note: str = Field("", max_length=300)
    sla_policy_text: str = Field("", max_length=200_000)
    at_risk_percent: Decimal = Decimal(0)
    notes: str = Field("", max_length=20_000)
    projects: list[str] = Field([], max_length=200)


class ContractIn(ContractTermsIn):
    code: str = Field(max_length=32)
    vendor: str = Field(max_length=32)


class ContractPatch(Payload):
    """Only the terms sent change (null empties an optional one); the code and the vendor stay."""

    title: str | None = Field(None, max_length=200)
    status: str | None = None
    signed_on: dt.date | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    auto_renew: bool | None = None
    renewal_term_months: int | None = None
    notice_days: int | None = None
    currency: str | None = Field(None, max_length=3)
    pricing_model: str | None = None
    rounding_mode: str | None = None
    rounding_unit: str | None = None
    flex_percent: Decimal | None = None
    flex_notice_days: int | None = None
    price_adjustment_cap_percent: Decimal | None = None
    payment_terms_days: int | None = None
    payment_terms_note: str | None = Field(None, max_length=300)
    sla_policy_text: str | None = Field(None, max_length=200_000)
    at_risk_percent: Decimal | None = None
    notes: str | None = Field(None, max_length=20_000)
    projects: list[str] | None = Field(None, max_length=200)


class RateIn(Payload):
    component: str = Field(max_length=16)
    amount: Decimal
    effective_from: dt.date


class ResponsibilityIn(Payload):
    category: str = Field(max_length=16)
    party: str = Field(Responsibility.Party.VENDOR, max_length=8)
    description: str = Field(max_length=500)


class ResponsibilityPatch(Payload):
    fulfilled: bool


@router.post("/contracts", response={201: ContractDetailOut, 400: ErrorOut})
@idempotent
def contract_create(request, payload: ContractIn):
    """A new contract (as the page *New contract*); its projects must be served by its vendor.
    Honours an Idempotency-Key header."""
    require_perm(request, "contracts.add_contract")
    form = forms.ContractForm(form_data(payload.dict()), vendors=core_selectors.vendor_list(user=request.user),
                              projects=core_selectors.project_list(user=request.user))
    contract = apply_form(form, lambda **d: services.contract_create(
        actor=request.user, code=d["code"], vendor_code=d["vendor"], project_codes=d["projects"], **form.terms()))
    return 201, _contract_detail(request, contract.code)


@router.patch("/contracts/{code}", response={200: ContractDetailOut, 400: ErrorOut})
def contract_edit(request, code: str, payload: ContractPatch):
    """Change a contract's terms, status or projects (as the page *Edit contract*): only the
    fields sent change. A pricing model that the contract's rates do not fit is refused."""
    require_perm(request, "contracts.change_contract")
    contract = _contract(request, code)
    data = {name: getattr(contract, name) for name in services.TERM_FIELDS}
    data["projects"] = [p.code for p in contract.projects.all()]
    data.update(payload.dict(exclude_unset=True))
    projects = core_selectors.project_list(user=request.user).filter(vendors=contract.vendor)
    form = forms.ContractEditForm(form_data(data), vendors=[], projects=projects)
    apply_form(form, lambda **d: services.contract_update(
        actor=request.user, contract=contract, project_codes=d["projects"], **form.terms()))
    return 200, _contract_detail(request, code)


@router.post("/contracts/{code}/rates", response={201: RateOut, 400: ErrorOut})
@idempotent
def contract_rate_create(request, code: str, payload: RateIn):
    """A dated rate (as the page *New rate*): only the components of the contract's pricing
    model, within the price-adjustment cap. Honours an Idempotency-Key header."""
    require_perm(request, "contracts.change_contract")
    contract = _contract(request, code)
    form = forms.RateForm(form_data(payload.dict()), components=services.rate_components(contract))
    rate = apply_form(form, services.rate_add, actor=request.user, contract=contract)
    return 201, selectors.rate_get(user=request.user, pk=rate.pk)  # as stored (amounts to 4 places)


@router.delete("/contract-rates/{pk}", response={204: None, 400: ErrorOut})
def contract_rate_delete(request, pk: int):
    require_perm(request, "contracts.change_contract")
    rate = visible(selectors.rate_get, request, pk=pk)
    call_service(services.rate_delete, actor=request.user, rate=rate)
    return 204, None


@router.post("/contracts/{code}/responsibilities", response={201: ResponsibilityOut, 400: ErrorOut})
@idempotent
def contract_responsibility_create(request, code: str, payload: ResponsibilityIn):
    """An item of the contract's responsibilities checklist. Honours an Idempotency-Key header."""
    require_perm(request, "contracts.change_contract")
    contract = _contract(request, code)
    item = apply_form(forms.ResponsibilityForm(form_data(payload.dict())), services.responsibility_add,
                      actor=request.user, contract=contract)
    return 201, item


def _responsibility(request, pk: int) -> Responsibility:
    return visible(selectors.responsibility_get, request, pk=pk)


@router.patch("/contract-responsibilities/{pk}", response={200: ResponsibilityOut})
def contract_responsibility_edit(request, pk: int, payload: ResponsibilityPatch):
    """Mark a responsibility fulfilled or open again (the page's toggle, with the state named)."""
    require_perm(request, "contracts.change_contract")
    item = _responsibility(request, pk)
    return 200, services.responsibility_set_fulfilled(actor=request.user, responsibility=item,
                                                      fulfilled=payload.fulfilled)


@router.delete("/contract-responsibilities/{pk}", response={204: None})
def contract_responsibility_delete(request, pk: int):
    require_perm(request, "contracts.change_contract")
    services.responsibility_delete(actor=request.user, responsibility=_responsibility(request, pk))
    return 204, None


# --------------------------------------------------------------------------- invoices

class InvoiceLineOut(Schema):
    id: int
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


class InvoiceGenerateIn(Payload):
    contract: str
    month: str  # YYYY-MM
    fte: Decimal | None = None


class InvoiceDisputeIn(Payload):
    reason: str


class CreditNoteIn(Payload):
    amount: Decimal
    reason: str


def _invoice_out(invoice: Invoice) -> dict:
    data = {f: getattr(invoice, f) for f in InvoiceOut.model_fields if f not in ("contract", "vendor", "credit_of")}
    data["contract"] = invoice.contract.code
    data["vendor"] = invoice.contract.vendor.code
    data["credit_of"] = invoice.credit_of.number if invoice.credit_of_id else None
    data["rounding_rule"] = invoice.rounding_rule
    return data


def _invoice_detail(request, pk: int) -> dict:
    invoice = _invoice(request, pk)
    data = _invoice_out(invoice)
    data["lines"] = list(selectors.invoice_lines(user=request.user, invoice=invoice))
    return data


def _invoice(request, pk: int) -> Invoice:
    return visible(selectors.invoice_get, request, pk=pk)


def _error(error) -> tuple[int, dict]:
    if isinstance(error, InvoiceLocked):
        return 409, {"detail": _("An approved invoice cannot be changed; issue a credit note.")}
    return 409, {"detail": " ".join(error.messages)}


@router.get("/invoices", response=list[InvoiceOut])
def invoices(request, q: str = "", vendor: str = "", status: str = "", contract: str = "", kind: str = "",
             month: str = "", project: str = ""):
    require_perm(request, "contracts.view_invoice")
    return [_invoice_out(i) for i in selectors.invoice_list(user=request.user, q=q, vendor=vendor, status=status,
                                                             contract=contract, kind=kind, month=_month(month),
                                                             project=project)]


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
    created = call_service(services.invoice_generate, actor=request.user, contract=contract, month=month,
                           fte=payload.fte)
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
def invoice_dispute(request, pk: int, payload: InvoiceDisputeIn):
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


class AdjustmentIn(Payload):
    label: str = Field(max_length=200)
    amount: Decimal


class RecomputeIn(Payload):
    fte: Decimal | None = None


def _invoice_form_write(request, pk: int, form, write, status: int = 200):
    """As the page: the form refuses bad input (400); the service refuses a change the workflow
    does not allow (409: an approved invoice, a wrong step)."""
    invoice = _invoice(request, pk)
    data = clean_form(form)
    try:
        result = write(actor=request.user, invoice=invoice, **data)
    except (ValidationError, InvoiceLocked) as refusal:
        return _error(refusal)
    return status, _invoice_detail(request, result.pk)


@router.post("/invoices/{pk}/adjustments", response={201: InvoiceDetailOut, 400: ErrorOut, 409: ErrorOut})
@idempotent
def invoice_adjust(request, pk: int, payload: AdjustmentIn):
    """An extra charge (positive) or compensation (negative) on a draft or disputed invoice, as
    the page's *Add adjustment*; the invoice is recomputed. Honours an Idempotency-Key header."""
    require_perm(request, "contracts.add_invoice")
    return _invoice_form_write(request, pk, forms.AdjustmentForm(form_data(payload.dict())),
                               services.invoice_add_adjustment, status=201)


@router.post("/invoices/{pk}/recompute", response={200: InvoiceDetailOut, 400: ErrorOut, 409: ErrorOut})
def invoice_recompute(request, pk: int, payload: RecomputeIn):
    """Recompute a draft or disputed invoice from the current volumes and SLA results (with a
    new FTE figure if given)."""
    require_perm(request, "contracts.add_invoice")
    return _invoice_form_write(request, pk, forms.RecomputeForm(form_data(payload.dict())),
                               services.invoice_recompute)


@router.delete("/invoice-lines/{pk}", response={200: InvoiceDetailOut, 409: ErrorOut})
def invoice_line_remove(request, pk: int):
    """Remove an adjustment line (charges and SLA lines are computed: 409); the invoice, recomputed."""
    require_perm(request, "contracts.add_invoice")
    line = visible(selectors.invoice_line_get, request, pk=pk)
    try:
        invoice = services.invoice_remove_adjustment(actor=request.user, line=line)
    except (ValidationError, InvoiceLocked) as refusal:
        return _error(refusal)
    return 200, _invoice_detail(request, invoice.pk)


@router.delete("/invoices/{pk}", response={204: None, 409: ErrorOut})
def invoice_delete(request, pk: int):
    """Delete a draft invoice (any other status: 409)."""
    require_perm(request, "contracts.add_invoice")
    invoice = _invoice(request, pk)
    try:
        services.invoice_delete(actor=request.user, invoice=invoice)
    except (ValidationError, InvoiceLocked) as refusal:
        return _error(refusal)
    return 204, None


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


# --------------------------------------------------------------------------- budgets and costs
#
# Budgets are the client's own figures: the capabilities are client-side only and the rows
# are invisible to vendor users (Visibility(vendor=None) on the model).

class BudgetOut(Schema):
    id: int
    project: str
    vendor: str | None
    month: str  # YYYY-MM
    amount: Decimal
    currency: str
    target_cost_per_contact: Decimal | None
    note: str


MAX_AMOUNT = Decimal("999999999999.99")


class BudgetIn(Payload):
    project: str = Field(max_length=32)
    vendor: str | None = Field(None, max_length=32)
    month: str = Field(max_length=7)  # YYYY-MM
    amount: Decimal = Field(ge=0, le=MAX_AMOUNT, decimal_places=2)
    currency: str = Field("CNY", min_length=3, max_length=3)
    target_cost_per_contact: Decimal | None = Field(None, ge=0, le=Decimal("999999"), decimal_places=4)
    note: str = Field("", max_length=300)


class BudgetYearIn(Payload):
    project: str = Field(max_length=32)
    vendor: str | None = Field(None, max_length=32)
    year: int = Field(ge=2000, le=2100)
    amount: Decimal = Field(ge=0, le=MAX_AMOUNT, decimal_places=2)
    currency: str = Field("CNY", min_length=3, max_length=3)
    target_cost_per_contact: Decimal | None = Field(None, ge=0, le=Decimal("999999"), decimal_places=4)
    note: str = Field("", max_length=300)


def _budget_out(b) -> dict:
    return {"id": b.pk, "project": b.project.code, "vendor": b.vendor.code if b.vendor_id else None,
            "month": f"{b.month:%Y-%m}", "amount": b.amount, "currency": b.currency,
            "target_cost_per_contact": b.target_cost_per_contact, "note": b.note}


def _month(text: str) -> dt.date | None:
    """YYYY-MM within core.forms.MONTH_YEARS, else None."""
    try:
        month = dt.datetime.strptime(text, "%Y-%m").date()
    except (TypeError, ValueError):
        return None
    return None if month_refusal(month) else month


@router.get("/budgets", response=list[BudgetOut])
def budgets(request, year: int | None = Query(None, ge=2000, le=2100), project: str = "", vendor: str = ""):
    require_perm(request, "contracts.view_budget")
    return [_budget_out(b) for b in selectors.budget_list(user=request.user, year=year, project=project,
                                                          vendor=vendor)]


@router.post("/budgets", response={201: BudgetOut, 400: ErrorOut})
@idempotent
def budget_set(request, payload: BudgetIn):
    """Set one month's budget (created, or replaced when the month already has one)."""
    require_perm(request, "contracts.add_budget")
    month = _month(payload.month)
    if month is None:
        return 400, {"detail": _("month: expected YYYY-MM, e.g. 2026-10.")}
    budget = call_service(services.budget_set, actor=request.user, project_code=payload.project,
                          vendor_code=payload.vendor, month=month, amount=payload.amount, currency=payload.currency,
                          target_cost_per_contact=payload.target_cost_per_contact, note=payload.note)
    return 201, _budget_out(budget)


@router.post("/budgets/year", response={201: list[BudgetOut], 400: ErrorOut})
@idempotent
def budget_set_year(request, payload: BudgetYearIn):
    """A year's budget split evenly into twelve months (to the cent, adding up exactly)."""
    require_perm(request, "contracts.add_budget")
    months = call_service(services.budget_set_year, actor=request.user, project_code=payload.project,
                          vendor_code=payload.vendor, year=payload.year, amount=payload.amount,
                          currency=payload.currency,
                          target_cost_per_contact=payload.target_cost_per_contact, note=payload.note)
    return 201, [_budget_out(b) for b in months]


@router.delete("/budgets/{pk}", response={204: None})
def budget_delete(request, pk: int):
    """Remove one month's budget (ids in GET /budgets)."""
    require_perm(request, "contracts.delete_budget")
    services.budget_delete(actor=request.user, budget=visible(selectors.budget_get, request, pk=pk))
    return 204, None


class BudgetMonthOut(Schema):
    month: str
    currency: str
    budget: Decimal | None
    actual: Decimal
    variance: Decimal | None
    variance_percent: Decimal | None
    handled_contacts: int
    resolved: int
    cost_per_contact: Decimal | None
    cost_per_resolved: Decimal | None
    target_cost_per_contact: Decimal | None
    ytd_budget: Decimal
    ytd_actual: Decimal
    ytd_variance: Decimal
    provisional: bool
    invoices: list[str]


@router.get("/costs/budget", response=list[BudgetMonthOut])
def budget_vs_actual(request, year: int = Query(..., ge=2000, le=2100), project: str = "", vendor: str = ""):
    """Actual cost against budget for each month of the year, with the invoices behind it."""
    require_perm(request, "contracts.view_costs")
    require_perm(request, "contracts.view_budget")
    return [{"month": f"{m.month:%Y-%m}", "currency": m.currency, "budget": m.budget, "actual": m.actual,
             "variance": m.variance, "variance_percent": m.variance_percent, "handled_contacts": m.handled,
             "resolved": m.resolved, "cost_per_contact": m.per_contact, "cost_per_resolved": m.per_resolved,
             "target_cost_per_contact": m.target_per_contact, "ytd_budget": m.ytd_budget,
             "ytd_actual": m.ytd_actual, "ytd_variance": m.ytd_variance, "provisional": m.provisional,
             "invoices": list(dict.fromkeys(a.invoice.number for a in m.allocations))}
            for m in selectors.budget_vs_actual(user=request.user, year=year, project=project, vendor=vendor)]


MAX_CONTACTS = 100_000_000
MAX_MINUTES = Decimal(10_000_000_000)


class ComparisonMonthOut(Schema):
    month: str
    has_data: bool
    credit: Decimal
    pool: Decimal
    bonus: Decimal
    missed: list[str]


class ComparisonRowOut(Schema):
    contract: str
    vendor: str
    status: str
    pricing_model: str
    currency: str
    priced: bool
    error: str
    base_price: Decimal | None
    usage_total: Decimal | None
    minimum_commitment: Decimal | None
    minimum_top_up: Decimal | None
    at_risk_pool: Decimal | None
    expected_credit_share_percent: Decimal | None
    expected_credit: Decimal
    expected_bonus: Decimal
    expected_net_cost: Decimal | None
    cost_per_handled_contact: Decimal | None
    performance_project: str
    performance_months: list[ComparisonMonthOut]
    notes: list[str]


class ComparisonOut(Schema):
    project: str
    month: str
    source: str
    offered: int
    handled_contacts: int
    minutes: Decimal
    resolved_tickets: int
    fte: Decimal
    volumes_explanation: str
    rows: list[ComparisonRowOut]


@router.get("/costs/comparison", response={200: ComparisonOut, 400: ErrorOut})
def pricing_comparison(request, project: str, month: str, source: str = "entered",
                       handled_contacts: int = Query(0, ge=0, le=MAX_CONTACTS),
                       offered: int | None = Query(None, ge=0, le=MAX_CONTACTS),
                       minutes: Decimal = Query(Decimal(0), ge=0, le=MAX_MINUTES, decimal_places=2),
                       resolved_tickets: int = Query(0, ge=0, le=MAX_CONTACTS),
                       fte: Decimal = Query(Decimal(0), ge=0, le=Decimal(100000), decimal_places=2),
                       months_back: int = Query(selectors.DEFAULT_PERFORMANCE_MONTHS, ge=1, le=12),
                       include_ended: bool = False):
    """Every candidate contract priced for the month's volumes (entered, or source=forecast for
    the workforce forecast), with its expected SLA credit at the vendor's recent performance;
    cheapest expected net cost first."""
    require_perm(request, "contracts.view_costs")
    from steward.core import selectors as core_selectors

    the_project = core_selectors.project_list(user=request.user).filter(code=project).first()
    the_month = _month(month)
    if the_project is None or the_month is None:
        return 400, {"detail": _("Give a known project and a month as YYYY-MM.")}
    if not 1 <= months_back <= 12 or min(handled_contacts, resolved_tickets, minutes, fte, offered or 0) < 0:
        return 400, {"detail": _("Volumes cannot be negative; months_back is 1 to 12.")}
    if source == "forecast":
        try:
            volumes = selectors.forecast_volumes(user=request.user, project=the_project, month=the_month)
        except selectors.ForecastUnavailable as error:
            return 400, {"detail": str(error)}
    else:
        volumes = selectors.Volumes(offered if offered is not None else handled_contacts, handled_contacts, minutes,
                                    resolved_tickets, fte, "entered", _("Volumes as entered."))
    result = selectors.pricing_comparison(user=request.user, project=the_project, month=the_month, volumes=volumes,
                                          months_back=months_back, include_ended=include_ended)
    rows = []
    for row in result["rows"]:
        c, est = row.candidate, row.candidate.estimate
        rows.append({
            "contract": row.contract.code, "vendor": row.contract.vendor.code, "status": row.contract.status,
            "pricing_model": row.contract.pricing_model, "currency": row.contract.currency,
            "priced": c.base is not None, "error": c.error, "base_price": c.base,
            "usage_total": c.usage_total if c.base is not None else None,
            "minimum_commitment": c.minimum if c.base is not None else None,
            "minimum_top_up": c.top_up if c.base is not None else None,
            "at_risk_pool": est.pool if est else None,
            "expected_credit_share_percent": est.credit_percent if est else None,
            "expected_credit": c.credit, "expected_bonus": c.bonus, "expected_net_cost": c.net,
            "cost_per_handled_contact": c.per_contact, "performance_project": row.performance_project,
            "performance_months": [{"month": f"{m.month:%Y-%m}", "has_data": m.has_data, "credit": m.credit,
                                    "pool": m.pool, "bonus": m.bonus, "missed": list(m.missed)}
                                   for m in (est.months if est else ())],
            "notes": list(c.notes)})
    v = result["volumes"]
    return 200, {"project": the_project.code, "month": f"{result['start']:%Y-%m}", "source": v.source,
                 "offered": v.offered, "handled_contacts": v.handled_contacts, "minutes": v.minutes,
                 "resolved_tickets": v.resolved_tickets, "fte": v.fte, "volumes_explanation": v.explanation,
                 "rows": rows}
