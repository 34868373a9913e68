"""Contract pages. Thin: reads from selectors (scoped to the user), writes through services.
Another vendor's contract is a 404, so its existence is not confirmed."""

import datetime as dt
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.contracts import documents, forms, pricing, selectors, services
from steward.contracts.models import Contract, Invoice, InvoiceLine, InvoiceLocked, RateComponent
from steward.core import selectors as core_selectors
from steward.core.decorators import permission_required
from steward.core.exports import csv_response
from steward.core.models import Organisation
from steward.core.pages import get_or_404, paginate



def _contract(request, code: str) -> Contract:
    try:
        return selectors.contract_get(user=request.user, code=code)
    except Contract.DoesNotExist:
        raise Http404(_("No such contract.")) from None


def _get(read, request, pk):
    return get_or_404(read, request, pk=pk)


def _form_page(request, form, title: str, back: str):
    return render(request, "core/form.html", {"form": form, "title": title, "back_url": back})


def _filters(request):
    return (request.GET.get("q", "").strip(), request.GET.get("vendor", "").strip(),
            request.GET.get("status", "") if request.GET.get("status", "") in Contract.Status.values else "")


@permission_required("contracts.view_contract")
def contract_list(request):
    q, vendor, status = _filters(request)
    contracts = selectors.contract_list(user=request.user, q=q, vendor=vendor, status=status)
    context = {"page": paginate(request, contracts), "q": q,
               "vendor": vendor, "status": status, "statuses": Contract.Status.choices,
               "vendors": core_selectors.vendor_list(user=request.user),
               "notices": selectors.renewal_notices_due(user=request.user)}
    if request.htmx and request.htmx.target == "results":
        return render(request, "contracts/_contract_table.html", context)
    return render(request, "contracts/contract_list.html", context)


@permission_required("contracts.view_contract")
def contract_export(request):
    q, vendor, status = _filters(request)
    return csv_response(
        "contracts.csv",
        ["code", "title", "vendor", "status", "start_date", "end_date", "auto_renew", "notice_deadline",
         "pricing_model", "currency", "at_risk_percent", "sla_policy", "projects"],
        (
            [c.code, c.title, c.vendor.code, c.status, c.start_date, c.end_date or "", c.auto_renew,
             c.notice_deadline or "", c.pricing_model, c.currency, c.at_risk_percent,
             f"{c.sla_policy_name} v{c.sla_policy_version}" if c.has_sla else "",
             " ".join(p.code for p in c.projects.all())]
            for c in selectors.contract_list(user=request.user, q=q, vendor=vendor, status=status)
        ),
    )


def _estimate(request, contract):
    """The pricing of a period the user asked about on the detail page (GET, so it can be
    bookmarked); a bad period or a missing rate is shown as a message, never a 500."""
    if "start" not in request.GET:
        return forms.EstimateForm(), None, None
    form = forms.EstimateForm(request.GET)
    if not form.is_valid():
        return form, None, None
    data = form.cleaned_data
    usage = pricing.Usage(fte=data["fte"] or Decimal(0), handled_contacts=data["handled_contacts"] or 0,
                          minutes=data["minutes"] or Decimal(0), resolved_tickets=data["resolved_tickets"] or 0)
    try:
        charge = selectors.period_charge(user=request.user, contract=contract, start=data["start"],
                                         end=data["end"] + dt.timedelta(days=1), usage=usage)
    except pricing.PricingError as error:
        return form, None, str(error)
    return form, charge, None


def _line_label(line: pricing.ChargeLine) -> str:
    if line.component == pricing.Component.MINIMUM_MONTH:
        return _("Top-up to the minimum commitment")
    return str(RateComponent(line.component.value).label)


@permission_required("contracts.view_contract")
def contract_detail(request, code: str):
    contract = _contract(request, code)
    estimate_form, charge, estimate_error = _estimate(request, contract)
    context = {
        "contract": contract,
        "projects": contract.projects.all(),
        "rates": selectors.rates(user=request.user, contract=contract),
        "responsibilities": selectors.responsibilities(user=request.user, contract=contract),
        "today": selectors.today(),
        "estimate_form": estimate_form, "charge": charge, "estimate_error": estimate_error,
        "charge_lines": [(line, _line_label(line)) for line in charge.lines] if charge else [],
    }
    return render(request, "contracts/contract_detail.html", context)


@permission_required("contracts.add_contract")
def contract_create(request):
    vendors = core_selectors.vendor_list(user=request.user)
    projects = core_selectors.project_list(user=request.user)
    form = forms.ContractForm(request.POST or None, vendors=vendors, projects=projects)
    if form.is_valid():
        contract = form.apply(services.contract_create, actor=request.user, code=form.cleaned_data["code"],
                              vendor_code=form.cleaned_data["vendor"], project_codes=form.cleaned_data["projects"],
                              **form.terms())
        if contract:
            messages.success(request, _("Contract %(code)s created.") % {"code": contract.code})
            return redirect(contract)
    return _form_page(request, form, _("New contract"), reverse("contract-list"))


@permission_required("contracts.change_contract")
def contract_edit(request, code: str):
    contract = _contract(request, code)
    initial = {name: getattr(contract, name) for name in services.TERM_FIELDS}
    initial["projects"] = [p.code for p in contract.projects.all()]
    projects = core_selectors.project_list(user=request.user).filter(vendors=contract.vendor)
    form = forms.ContractEditForm(request.POST or None, initial=initial, vendors=[], projects=projects)
    if form.is_valid() and form.apply(services.contract_update, actor=request.user, contract=contract,
                                      project_codes=form.cleaned_data["projects"], **form.terms()):
        messages.success(request, _("Contract %(code)s saved.") % {"code": contract.code})
        return redirect(contract)
    return _form_page(request, form, _("Edit contract %(code)s") % {"code": contract.code},
                      contract.get_absolute_url())


@permission_required("contracts.change_contract")
def rate_create(request, code: str):
    contract = _contract(request, code)
    form = forms.RateForm(request.POST or None, components=services.rate_components(contract))
    if form.is_valid() and form.apply(services.rate_add, actor=request.user, contract=contract, **form.cleaned_data):
        messages.success(request, _("Rate added."))
        return redirect(contract)
    return _form_page(request, form, _("New rate for %(code)s") % {"code": contract.code},
                      contract.get_absolute_url())


@require_POST
@permission_required("contracts.change_contract")
def rate_delete(request, pk: int):
    rate = _get(selectors.rate_get, request, pk)
    try:
        services.rate_delete(actor=request.user, rate=rate)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Rate removed."))
    return redirect(rate.contract)


@permission_required("contracts.change_contract")
def responsibility_create(request, code: str):
    contract = _contract(request, code)
    form = forms.ResponsibilityForm(request.POST or None)
    if form.is_valid() and form.apply(services.responsibility_add, actor=request.user, contract=contract,
                                      **form.cleaned_data):
        messages.success(request, _("Responsibility added."))
        return redirect(contract)
    return _form_page(request, form, _("New responsibility for %(code)s") % {"code": contract.code},
                      contract.get_absolute_url())


@require_POST
@permission_required("contracts.change_contract")
def responsibility_toggle(request, pk: int):
    item = _get(selectors.responsibility_get, request, pk)
    services.responsibility_set_fulfilled(actor=request.user, responsibility=item, fulfilled=not item.fulfilled)
    return redirect(item.contract)


@require_POST
@permission_required("contracts.change_contract")
def responsibility_delete(request, pk: int):
    item = _get(selectors.responsibility_get, request, pk)
    services.responsibility_delete(actor=request.user, responsibility=item)
    messages.success(request, _("Responsibility removed."))
    return redirect(item.contract)


# --------------------------------------------------------------------------- invoices

def _invoice(request, pk: int) -> Invoice:
    return get_or_404(selectors.invoice_get, request, pk=pk)


def _invoice_filters(request):
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    try:
        month = dt.datetime.strptime(request.GET.get("month", ""), "%Y-%m").date()
    except ValueError:
        month = None
    return {"q": request.GET.get("q", "").strip(), "vendor": request.GET.get("vendor", "").strip(),
            "status": status if status in Invoice.Status.values else "",
            "contract": request.GET.get("contract", "").strip(),
            "kind": kind if kind in Invoice.Kind.values else "", "month": month,
            "project": request.GET.get("project", "").strip()}


@permission_required("contracts.view_invoice")
def invoice_list(request):
    filters = _invoice_filters(request)
    invoices = selectors.invoice_list(user=request.user, **filters)
    return render(request, "contracts/invoice_list.html", {
        "page": paginate(request, invoices), "filters": filters, "statuses": Invoice.Status.choices,
        "vendors": core_selectors.vendor_list(user=request.user), "query": request.GET.urlencode()})


@permission_required("contracts.view_invoice")
def invoice_export(request):
    return csv_response(
        "invoices.csv",
        ["number", "kind", "contract", "vendor", "period_start", "period_end", "status", "currency", "fees",
         "adjustments", "at_risk_pool", "credits", "bonuses", "total", "handled_contacts", "resolved_tickets",
         "corrects"],
        ([i.number, i.kind, i.contract.code, i.contract.vendor.code, i.period_start, i.period_last, i.status,
          i.currency, i.fees, i.adjustments, i.at_risk_pool, i.credits, i.bonuses, i.total, i.handled_contacts,
          i.resolved_tickets, i.credit_of.number if i.credit_of else ""]
         for i in selectors.invoice_list(user=request.user, **_invoice_filters(request))),
    )


@permission_required("contracts.add_invoice")
def invoice_generate(request):
    contracts = selectors.contract_list(user=request.user)
    initial = {"contract": request.GET.get("contract", "")}
    form = forms.InvoiceGenerateForm(request.POST or None, initial=initial, contracts=contracts)
    if form.is_valid():
        contract = contracts.get(code=form.cleaned_data["contract"])
        invoice = form.apply(services.invoice_generate, actor=request.user, contract=contract,
                             month=form.cleaned_data["month"], fte=form.cleaned_data["fte"])
        if invoice:
            messages.success(request, _("Invoice %(number)s drafted.") % {"number": invoice.number})
            return redirect(invoice)
    return _form_page(request, form, _("Generate an invoice"), reverse("invoice-list"))


def _invoice_page(request, invoice, *, status=200, adjust_form=None, dispute_form=None, credit_form=None,
                  recompute_form=None):
    user = request.user
    can_edit = invoice.editable and user.has_perm("contracts.add_invoice")
    vendor_turn = (invoice.status == Invoice.Status.SENT and user.has_perm("contracts.confirm_invoice")
                   and user.vendor_id == invoice.contract.vendor_id)
    context = {
        "invoice": invoice, "lines": selectors.invoice_lines(user=user, invoice=invoice),
        "credit_notes": selectors.invoice_list(user=user).filter(credit_of=invoice),
        "can_edit": can_edit, "vendor_turn": vendor_turn,
        "can_send": can_edit, "can_delete": can_edit and invoice.status == Invoice.Status.DRAFT,
        "can_approve": invoice.status == Invoice.Status.CONFIRMED and user.has_perm("contracts.approve_invoice"),
        "can_pay": invoice.status == Invoice.Status.APPROVED and invoice.kind == Invoice.Kind.INVOICE
        and user.has_perm("contracts.approve_invoice"),
        "can_credit": invoice.locked and invoice.kind == Invoice.Kind.INVOICE
        and user.has_perm("contracts.approve_invoice"),
        "adjust_form": adjust_form or forms.AdjustmentForm(),
        "recompute_form": recompute_form or forms.RecomputeForm(initial={"fte": invoice.fte}),
        "dispute_form": dispute_form or forms.DisputeForm(),
        "credit_form": credit_form or forms.CreditNoteForm(),
    }
    return render(request, "contracts/invoice_detail.html", context, status=status)


@permission_required("contracts.view_invoice")
def invoice_detail(request, pk: int):
    return _invoice_page(request, _invoice(request, pk))


def _refused(request, invoice, error):
    """A change the workflow does not allow (an approved invoice, a wrong step): 409 with the
    reason on the invoice page, nothing written."""
    for message in (error.messages if isinstance(error, ValidationError) else [str(error)]):
        messages.error(request, message)
    return _invoice_page(request, invoice, status=409)


def _invoice_post(request, pk: int, write, success: str, form_class=None, form_slot=None):
    invoice = _invoice(request, pk)
    kwargs = {}
    if form_class is not None:
        form = form_class(request.POST)
        if not form.is_valid():
            return _invoice_page(request, invoice, status=400, **{form_slot: form})
        kwargs = {k: v for k, v in form.cleaned_data.items()}
    try:
        result = write(actor=request.user, invoice=invoice, **kwargs)
    except ValidationError as error:
        return _refused(request, invoice, error)
    except InvoiceLocked:
        return _refused(request, invoice, ValidationError(_("An approved invoice cannot be changed; "
                                                            "issue a credit note.")))
    messages.success(request, success)
    return redirect(result if isinstance(result, Invoice) else invoice)


@require_POST
@permission_required("contracts.add_invoice")
def invoice_adjust(request, pk: int):
    return _invoice_post(request, pk, services.invoice_add_adjustment, _("Adjustment added."),
                         forms.AdjustmentForm, "adjust_form")


@require_POST
@permission_required("contracts.add_invoice")
def invoice_recompute(request, pk: int):
    return _invoice_post(request, pk, services.invoice_recompute, _("Invoice recomputed."),
                         forms.RecomputeForm, "recompute_form")


@require_POST
@permission_required("contracts.add_invoice")
def invoice_line_remove(request, pk: int):
    line = get_or_404(selectors.invoice_line_get, request, pk=pk)
    return _invoice_post(request, line.invoice_id, lambda actor, invoice: services.invoice_remove_adjustment(
        actor=actor, line=line), _("Adjustment removed."))


@require_POST
@permission_required("contracts.add_invoice")
def invoice_delete(request, pk: int):
    invoice = _invoice(request, pk)
    try:
        services.invoice_delete(actor=request.user, invoice=invoice)
    except (ValidationError, InvoiceLocked) as error:
        return _refused(request, invoice, error)
    messages.success(request, _("Draft invoice %(number)s deleted.") % {"number": invoice.number})
    return redirect("invoice-list")


@require_POST
@permission_required("contracts.add_invoice")
def invoice_send(request, pk: int):
    return _invoice_post(request, pk, services.invoice_send, _("Invoice sent to the vendor for confirmation."))


@require_POST
@permission_required("contracts.confirm_invoice")
def invoice_confirm(request, pk: int):
    return _invoice_post(request, pk, services.invoice_confirm, _("Invoice confirmed."))


@require_POST
@permission_required("contracts.confirm_invoice")
def invoice_dispute(request, pk: int):
    return _invoice_post(request, pk, services.invoice_dispute, _("Invoice disputed; the client has been told."),
                         forms.DisputeForm, "dispute_form")


@require_POST
@permission_required("contracts.approve_invoice")
def invoice_approve(request, pk: int):
    return _invoice_post(request, pk, services.invoice_approve, _("Invoice approved and issued."))


@require_POST
@permission_required("contracts.approve_invoice")
def invoice_paid(request, pk: int):
    return _invoice_post(request, pk, services.invoice_mark_paid, _("Invoice marked paid."))


@require_POST
@permission_required("contracts.approve_invoice")
def invoice_credit_note(request, pk: int):
    return _invoice_post(request, pk, services.credit_note_create, _("Credit note issued."),
                         forms.CreditNoteForm, "credit_form")


KIND_LABELS = dict(InvoiceLine.Kind.choices)


def _document(request, invoice) -> documents.Document:
    c = invoice.contract
    facts = [
        (_("Number"), invoice.number), (_("Kind"), invoice.get_kind_display()),
        (_("Status"), invoice.get_status_display()),
        (_("Client"), Organisation.current().name), (_("Vendor"), c.vendor.name),
        (_("Contract"), f"{c.title} ({c.code})"), (_("Pricing model"), invoice.get_pricing_model_display()),
        (_("Period"), f"{invoice.period_start:%Y-%m-%d} – {invoice.period_last:%Y-%m-%d}"),
        (_("Currency"), invoice.currency), (_("Rounding rule"), invoice.rounding_rule),
    ]
    if invoice.kind == Invoice.Kind.INVOICE:
        facts += [(_("Handled contacts"), str(invoice.handled_contacts)),
                  (_("Billable minutes"), str(invoice.minutes)), (_("Resolved tickets"), str(invoice.resolved_tickets)),
                  (_("FTE billed"), str(invoice.fte))]
    else:
        facts += [(_("Corrects invoice"), invoice.credit_of.number), (_("Reason"), invoice.reason)]
    if invoice.approved_at:
        facts.append((_("Approved"), f"{timezone.localtime(invoice.approved_at):%Y-%m-%d %H:%M}"))
    lines = [(str(KIND_LABELS.get(l.kind, l.kind)), l.label, l.explanation, l.amount)
             for l in selectors.invoice_lines(user=request.user, invoice=invoice)]
    totals = [(_("Fees"), invoice.fees), (_("Adjustments"), invoice.adjustments),
              (_("SLA credits (at-risk pool %(pool)s)") % {"pool": invoice.at_risk_pool}, -invoice.credits),
              (_("SLA bonuses"), invoice.bonuses), (_("Total"), invoice.total)]
    if invoice.kind == Invoice.Kind.CREDIT_NOTE:
        totals = [(_("Total"), invoice.total)]
    title = _("Credit note %(number)s") if invoice.kind == Invoice.Kind.CREDIT_NOTE else _("Invoice %(number)s")
    return documents.Document(title % {"number": invoice.number}, facts,
                              [_("Kind"), _("Item"), _("Explanation"), _("Amount")], lines, totals)


@permission_required("contracts.view_invoice")
def invoice_xlsx(request, pk: int):
    invoice = _invoice(request, pk)
    response = HttpResponse(documents.xlsx(_document(request, invoice)),
                            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.xlsx"'
    return response


@permission_required("contracts.view_invoice")
def invoice_pdf(request, pk: int):
    invoice = _invoice(request, pk)
    response = HttpResponse(documents.pdf(_document(request, invoice)), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{invoice.number}.pdf"'
    return response


# --------------------------------------------------------------------------- cost analytics

CHART_W, CHART_H, CHART_PAD = 640, 200, 40


def _cost_chart(rows) -> dict:
    """Cost per handled contact by month, one line per vendor (inline SVG points)."""
    months = sorted({r.month for r in rows})
    values = [r.per_contact for r in rows if r.per_contact is not None]
    top = max(values, default=Decimal(1)) or Decimal(1)
    top = top * Decimal("1.1")
    vendors = {}
    for r in rows:
        if r.per_contact is None:
            continue
        i = months.index(r.month)
        x = CHART_PAD + (CHART_W - 2 * CHART_PAD) * (i / max(len(months) - 1, 1))
        y = CHART_H - CHART_PAD - (CHART_H - 2 * CHART_PAD) * float(r.per_contact / top)
        vendors.setdefault(r.vendor.code, {"vendor": r.vendor, "points": []})["points"].append(f"{x:.1f},{y:.1f}")
    colours = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df")
    series = [{"vendor": v["vendor"], "points": " ".join(v["points"]), "colour": colours[i % len(colours)]}
              for i, v in enumerate(vendors.values())]
    grid = [{"y": CHART_H - CHART_PAD - (CHART_H - 2 * CHART_PAD) * f, "label": f"{top * Decimal(f):.2f}"}
            for f in (0, 0.5, 1)]
    return {"series": series, "grid": grid, "width": CHART_W, "height": CHART_H, "pad": CHART_PAD,
            "x_end": CHART_W - CHART_PAD, "months": months}


BUDGET_CHART_H = 220


def _budget_chart(months) -> dict:
    """Budget (grey) against actual (blue: within budget, red: over) bars for each month, and the
    year-to-date actual as a share of the year-to-date budget (inline SVG, no script)."""
    values = [m.budget for m in months if m.budget is not None] + [m.actual for m in months]
    top = max(values, default=Decimal(0))
    if top <= 0:
        return {}
    top = top * Decimal("1.1")
    inner_w, inner_h = CHART_W - 2 * CHART_PAD, BUDGET_CHART_H - 2 * CHART_PAD
    slot = inner_w / len(months)
    bar = slot * 0.38
    bars = []
    for i, m in enumerate(months):
        x = CHART_PAD + slot * i + slot * 0.1
        base_y = BUDGET_CHART_H - CHART_PAD
        b_h = inner_h * float((m.budget or 0) / top)
        a_h = inner_h * float(m.actual / top)
        over = m.budget is not None and m.actual > m.budget
        bars.append({"month": m.month, "label": f"{m.month:%m}", "bx": f"{x:.1f}", "by": f"{base_y - b_h:.1f}",
                     "bh": f"{b_h:.1f}", "ax": f"{x + bar:.1f}", "ay": f"{base_y - a_h:.1f}", "ah": f"{a_h:.1f}",
                     "w": f"{bar:.1f}", "tx": f"{x + bar:.1f}", "budget": m.budget, "actual": m.actual,
                     "colour": "#d1242f" if over else "#1f6feb", "has_budget": m.budget is not None})
    grid = [{"y": f"{BUDGET_CHART_H - CHART_PAD - inner_h * f:.1f}", "label": f"{top * Decimal(f):,.0f}"}
            for f in (0, 0.5, 1)]
    return {"bars": bars, "grid": grid, "width": CHART_W, "height": BUDGET_CHART_H, "pad": CHART_PAD,
            "x_end": CHART_W - CHART_PAD, "label_y": BUDGET_CHART_H - CHART_PAD + 14}


@permission_required("contracts.view_costs")
def cost_analytics(request):
    projects = core_selectors.project_list(user=request.user)
    vendors = core_selectors.vendor_list(user=request.user)
    form = forms.CostForm(request.GET or None, projects=projects, vendors=vendors)
    data = form.cleaned_data if form.is_valid() else {}
    rows = selectors.cost_rows(user=request.user, first=data.get("first"), last=data.get("last"))
    context = {"form": form, "rows": rows, "chart": _cost_chart(rows)}
    if request.user.has_perm("contracts.view_budget"):
        year = data.get("year") or selectors.today().year
        project, vendor = data.get("project") or "", data.get("vendor") or ""
        months = selectors.budget_vs_actual(user=request.user, year=year, project=project, vendor=vendor)
        drill = {"project": project, "vendor": vendor}
        context.update({"budget_year": year, "budget_months": months, "budget_chart": _budget_chart(months),
                        "budget_drill": urlencode({k: v for k, v in drill.items() if v}),
                        "budget_has_any": any(m.budget is not None for m in months)})
    return render(request, "contracts/costs.html", context)


# --------------------------------------------------------------------------- budgets

def _budget_filters(request) -> dict:
    try:
        year = int(request.GET.get("year", "")) if request.GET.get("year") else None
    except ValueError:
        year = None
    return {"year": year if year and 2000 <= year <= 2100 else None,
            "project": request.GET.get("project", "").strip(), "vendor": request.GET.get("vendor", "").strip()}


@permission_required("contracts.view_budget")
def budget_list(request):
    filters = _budget_filters(request)
    budgets = selectors.budget_list(user=request.user, **filters)
    return render(request, "contracts/budget_list.html", {
        "page": paginate(request, budgets), "filters": filters,
        "projects": core_selectors.project_list(user=request.user),
        "vendors": core_selectors.vendor_list(user=request.user), "query": request.GET.urlencode()})


@permission_required("contracts.view_budget")
def budget_export(request):
    return csv_response(
        "budgets.csv", ["project", "vendor", "month", "amount", "currency", "target_cost_per_contact", "note"],
        ([b.project.code, b.vendor.code if b.vendor_id else "", f"{b.month:%Y-%m}", b.amount, b.currency,
          b.target_cost_per_contact if b.target_cost_per_contact is not None else "", b.note]
         for b in selectors.budget_list(user=request.user, **_budget_filters(request))))


def _budget_form_kwargs(request):
    return {"projects": core_selectors.project_list(user=request.user),
            "vendors": core_selectors.vendor_list(user=request.user)}


@permission_required("contracts.add_budget")
def budget_set(request):
    """Set (create or replace) one month's budget; the list's edit links prefill this form."""
    initial = {k: request.GET[k] for k in ("project", "vendor", "month", "amount", "currency",
                                           "target_cost_per_contact", "note") if request.GET.get(k)}
    form = forms.BudgetForm(request.POST or None, initial=initial, **_budget_form_kwargs(request))
    if form.is_valid():
        d = form.cleaned_data
        budget = form.apply(services.budget_set, actor=request.user, project_code=d["project"],
                            vendor_code=d["vendor"] or None, month=d["month"], amount=d["amount"],
                            currency=d["currency"], target_cost_per_contact=d["target_cost_per_contact"],
                            note=d["note"])
        if budget:
            messages.success(request, _("Budget for %(month)s saved.") % {"month": f"{budget.month:%Y-%m}"})
            return redirect(f"{reverse('budget-list')}?year={budget.month.year}")
    return _form_page(request, form, _("Set a monthly budget"), reverse("budget-list"))


@permission_required("contracts.add_budget")
def budget_year(request):
    form = forms.BudgetYearForm(request.POST or None, initial={"year": selectors.today().year},
                                **_budget_form_kwargs(request))
    if form.is_valid():
        d = form.cleaned_data
        months = form.apply(services.budget_set_year, actor=request.user, project_code=d["project"],
                            vendor_code=d["vendor"] or None, year=d["year"], amount=d["amount"],
                            currency=d["currency"], target_cost_per_contact=d["target_cost_per_contact"],
                            note=d["note"])
        if months:
            messages.success(request, _("Budget for %(year)s saved as twelve months.") % {"year": d["year"]})
            return redirect(f"{reverse('budget-list')}?year={d['year']}")
    return _form_page(request, form, _("Set a year's budget"), reverse("budget-list"))


@require_POST
@permission_required("contracts.delete_budget")
def budget_delete(request):
    """Delete the budget named in the POST body (budgets have no page of their own)."""
    try:
        pk = int(request.POST.get("budget", ""))
    except ValueError:
        raise Http404(_("No such budget.")) from None
    budget = get_or_404(selectors.budget_get, request, pk=pk)
    services.budget_delete(actor=request.user, budget=budget)
    messages.success(request, _("Budget removed."))
    return redirect(f"{reverse('budget-list')}?year={budget.month.year}")


# --------------------------------------------------------------------------- pricing comparison

def _comparison_volumes(request, form, project):
    d = form.cleaned_data
    if d["source"] == forms.ComparisonForm.SOURCE_FORECAST:
        return selectors.forecast_volumes(user=request.user, project=project, month=d["month"])
    handled = d.get("handled_contacts") or 0
    return selectors.Volumes(d.get("offered") or handled, handled, d.get("minutes") or Decimal(0),
                             d.get("resolved_tickets") or 0, d.get("fte") or Decimal(0), "entered",
                             _("Volumes as entered."))


@permission_required("contracts.view_costs")
def pricing_comparison(request):
    projects = core_selectors.project_list(user=request.user)
    form = forms.ComparisonForm(request.GET or None, projects=projects)
    comparison, error = None, ""
    if form.is_valid():
        project = projects.get(code=form.cleaned_data["project"])
        try:
            volumes = _comparison_volumes(request, form, project)
        except selectors.ForecastUnavailable as exc:
            error = str(exc)
        else:
            comparison = selectors.pricing_comparison(
                user=request.user, project=project, month=form.cleaned_data["month"], volumes=volumes,
                months_back=form.cleaned_data.get("months_back") or selectors.DEFAULT_PERFORMANCE_MONTHS,
                include_ended=form.cleaned_data.get("include_ended", False))
            comparison["project"] = project
    return render(request, "contracts/comparison.html", {"form": form, "comparison": comparison, "error": error})
