"""Forecast and staffing pages. Thin: reads through selectors (scoped with visible_to), writes
through services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.contracts.models import Contract
from steward.core.decorators import permission_required
from steward.core.pages import get_or_404
from steward.workforce import charts, selectors, services
from steward.workforce.forms import CommitmentForm, EventForm, PlanForm, ProfileForm


def _form_page(request, form, title: str, back_url: str):
    return render(request, "core/form.html", {"form": form, "title": title, "back_url": back_url})


def _plan_url(project) -> str:
    return reverse("workforce:plan", kwargs={"code": project.code})


@permission_required("workforce.view_forecast")
def index(request):
    return render(request, "workforce/index.html", {"projects": selectors.project_list(user=request.user)})


@permission_required("workforce.view_forecast")
def plan(request, code: str):
    project = get_or_404(selectors.project_get, request, code=code)
    vendors = selectors.vendors_of(user=request.user, project=project)
    form = PlanForm(request.GET or None, vendors=vendors)
    days, vendor, queue = 14, None, ""
    if form.is_bound and form.is_valid():
        days = form.cleaned_data["days"] or 14
        queue = form.cleaned_data["queue"].strip()
        code_ = form.cleaned_data["vendor"]
        vendor = next((v for v in vendors if v.code == code_), None)
    if vendor is None and not request.user.is_client_side and vendors:
        vendor = vendors[0]  # a vendor user plans its own share
    context = {"project": project, "form": form, "vendor": vendor, "vendors": vendors, "queue": queue,
               "days": days, "events": selectors.events(user=request.user, project=project),
               "commitments": selectors.commitments(user=request.user, project=project),
               "alerts": selectors.gap_alerts(user=request.user, project=project)[:10],
               "profile": selectors.profile_for(user=request.user, project=project)}
    if not form.is_bound or form.is_valid():
        try:
            p = selectors.staffing_plan(user=request.user, project=project, vendor=vendor, horizon_days=days,
                                        queue=queue)
        except selectors.PlanError as exc:
            context["error"] = str(exc)
        else:
            fc = p.pf.forecast
            context.update(plan=p, fc=fc, accuracy=fc.accuracy,
                           chart=charts.forecast_chart(fc.history_days, fc.history, fc.days, fc.daily, fc.low, fc.high),
                           effects=sorted(fc.effects.items()))
    return render(request, "workforce/plan.html", context)


@permission_required("workforce.change_forecast")
def event_create(request, code: str):
    project = get_or_404(selectors.project_get, request, code=code)
    form = EventForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if form.apply(services.event_create, actor=request.user, project=project, **form.cleaned_data):
            messages.success(request, _("Event saved."))
            return redirect(_plan_url(project))
    return _form_page(request, form, _("New forecast event"), _plan_url(project))


@require_POST
@permission_required("workforce.change_forecast")
def event_delete(request, pk: int):
    event = get_or_404(selectors.event_get, request, pk=pk)
    project = event.project
    services.event_delete(actor=request.user, event=event)
    messages.success(request, _("Event deleted."))
    return redirect(_plan_url(project))


@permission_required("workforce.change_forecast")
def commitment_create(request, code: str):
    project = get_or_404(selectors.project_get, request, code=code)
    vendors = selectors.vendors_of(user=request.user, project=project)
    contracts = list(Contract.objects.visible_to(request.user).filter(projects=project).order_by("code"))
    form = CommitmentForm(request.POST or None, vendors=vendors, contracts=contracts)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        vendor = next(v for v in vendors if v.code == data["vendor"])
        contract = next((c for c in contracts if c.code == data["contract"]), None)
        if form.apply(services.commitment_set, actor=request.user, vendor=vendor, project=project, seats=data["seats"],
                      effective_from=data["effective_from"], contract=contract):
            messages.success(request, _("Commitment saved."))
            return redirect(_plan_url(project))
    return _form_page(request, form, _("Committed headcount"), _plan_url(project))


@permission_required("workforce.change_forecast")
def profile_edit(request, code: str):
    project = get_or_404(selectors.project_get, request, code=code)
    instance = selectors.profile_for(user=request.user, project=project)
    form = ProfileForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        fields = {k: v for k, v in form.cleaned_data.items()}
        try:
            services.profile_save(actor=request.user, project=project, **fields)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(request, _("Staffing profile saved."))
            return redirect(_plan_url(project))
    return _form_page(request, form, _("Staffing profile"), _plan_url(project))
