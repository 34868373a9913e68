"""Contract pages. Thin: reads from selectors (scoped to the user), writes through services.
Another vendor's contract is a 404, so its existence is not confirmed."""

import datetime as dt
from decimal import Decimal

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.contracts import forms, pricing, selectors, services
from steward.contracts.models import Contract, RateComponent
from steward.core import selectors as core_selectors
from steward.core.decorators import permission_required
from steward.core.exports import csv_response
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
    components = [c.value for c in pricing.MODEL_COMPONENTS[pricing.Model(contract.pricing_model)]]
    components.sort(key=[c.value for c in pricing.Component].index)
    form = forms.RateForm(request.POST or None, components=components)
    if form.is_valid() and form.apply(services.rate_add, actor=request.user, contract=contract, **form.cleaned_data):
        messages.success(request, _("Rate added."))
        return redirect(contract)
    return _form_page(request, form, _("New rate for %(code)s") % {"code": contract.code},
                      contract.get_absolute_url())


@require_POST
@permission_required("contracts.change_contract")
def rate_delete(request, pk: int):
    rate = _get(selectors.rate_get, request, pk)
    services.rate_delete(actor=request.user, rate=rate)
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
