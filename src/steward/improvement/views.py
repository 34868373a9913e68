"""Pages for corrective actions and the risk register. Thin: reads from selectors, writes
through services; every object is fetched through visible_to(user)."""


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.core import selectors as core_selectors
from steward.core.decorators import permission_required
from steward.core.exports import csv_response
from steward.core.models import User, Vendor
from steward.core.pages import paginate
from steward.improvement import scoring, selectors, services, workflow
from steward.improvement.forms import (
    CapaActionForm,
    CapaActionStatusForm,
    CapaForm,
    CapaStepForm,
    RespondForm,
    RiskEditForm,
    RiskForm,
)
from steward.improvement.models import CapaAction, CorrectiveAction, Risk



def _form_page(request, form, title: str, back_url: str):
    return render(request, "core/form.html", {"form": form, "title": title, "back_url": back_url})


def _capa_or_404(request, pk):
    try:
        return selectors.capa_get(user=request.user, pk=pk)
    except CorrectiveAction.DoesNotExist:
        raise Http404(_("Not found.")) from None


def _risk_or_404(request, pk):
    try:
        return selectors.risk_get(user=request.user, pk=pk)
    except Risk.DoesNotExist:
        raise Http404(_("Not found.")) from None


def _errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


# --- corrective actions ------------------------------------------------------------------

@permission_required("improvement.view_correctiveaction")
def capa_board(request):
    filters = {"vendor": request.GET.get("vendor", ""), "project": request.GET.get("project", "")}
    context = {"columns": selectors.capa_board(user=request.user, **filters), "filters": filters,
               "vendors": core_selectors.vendor_list(user=request.user),
               "projects": core_selectors.project_list(user=request.user),
               "overdue": selectors.capa_list(user=request.user, due="overdue", **filters).count()}
    return render(request, "improvement/capa_board.html", context)


@permission_required("improvement.view_correctiveaction")
def capa_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "vendor", "project", "source", "due", "q")}
    cases = selectors.capa_list(user=request.user, **filters)
    page = paginate(request, cases)
    selectors.with_urgency(page.object_list, finished=lambda c: c.status == "closed")
    context = {"page": page, "filters": filters, "q": filters["q"], "statuses": CorrectiveAction.Status.choices,
               "sources": CorrectiveAction.Source.choices}
    return render(request, "improvement/capa_list.html", context)


@permission_required("improvement.view_correctiveaction")
def capa_export(request):
    filters = {k: request.GET.get(k, "").strip() for k in ("status", "vendor", "project", "source", "due", "q")}
    cases = selectors.with_urgency(list(selectors.capa_list(user=request.user, **filters)),
                                   finished=lambda c: c.status == "closed")
    return csv_response(
        "corrective-actions.csv",
        ["reference", "vendor", "project", "title", "source", "source_reference", "status", "due_date",
         "urgency", "opened_at", "closed_at"],
        (
            [c.reference, c.vendor.code, c.project.code if c.project_id else "", c.title, c.source,
             c.source_reference, c.status, c.due_date, c.urgency, c.opened_at, c.closed_at]
            for c in cases
        ),
    )


@permission_required("improvement.view_correctiveaction")
def case_library(request):
    q = request.GET.get("q", "").strip()
    source = request.GET.get("source", "")
    cases = selectors.case_library(user=request.user, q=q, source=source)
    context = {"page": paginate(request, cases), "q": q, "source": source,
               "sources": CorrectiveAction.Source.choices}
    return render(request, "improvement/case_library.html", context)


@permission_required("improvement.add_correctiveaction")
def capa_create(request):
    vendors = core_selectors.vendor_list(user=request.user)
    projects = core_selectors.project_list(user=request.user)
    form = CapaForm(request.POST or None, vendors=vendors, projects=projects,
                    initial={k: request.GET.get(k, "") for k in ("vendor", "project", "source", "source_reference")})
    if form.is_valid():
        data = form.cleaned_data
        capa = form.apply(
            services.capa_open, actor=request.user, vendor=vendors.get(code=data["vendor"]),
            project=projects.filter(code=data["project"]).first() if data["project"] else None,
            title=data["title"], problem=data["problem"], due_date=data["due_date"], source=data["source"],
            source_reference=data["source_reference"],
        )
        if capa:
            messages.success(request, _("%(ref)s opened; %(vendor)s is asked to respond.")
                             % {"ref": capa.reference, "vendor": capa.vendor.name})
            return redirect(capa)
    return _form_page(request, form, _("Open a corrective action"), reverse("capa-board"))


@permission_required("improvement.view_correctiveaction")
def capa_detail(request, pk: int):
    capa = _capa_or_404(request, pk)
    steps = selectors.capa_steps(user=request.user, capa=capa)
    may_plan = (request.user.has_perm("improvement.change_correctiveaction")
                and workflow.Status(capa.status) in workflow.PLANNING
                and (request.user.is_client_side or request.user.vendor_id == capa.vendor_id))
    today_whys = list(capa.whys) + [""] * (5 - len(capa.whys))
    context = {
        "capa": capa, "steps": steps, "may_plan": may_plan,
        "may_change": request.user.has_perm("improvement.change_correctiveaction"),
        "may_verify": request.user.has_perm("improvement.verify_correctiveaction"),
        "actions": selectors.capa_actions(user=request.user, capa=capa),
        "events": capa.events.select_related("actor__vendor"),
        "action_statuses": CapaAction.Status.choices,
        "action_form": CapaActionForm(people=selectors.capa_owner_choices(capa=capa)) if may_plan else None,
        "respond_form": RespondForm(initial={"root_cause": capa.root_cause, "response": capa.vendor_response,
                                             **{f"why{i + 1}": w for i, w in enumerate(today_whys)}})
        if "respond" in steps else None,
    }
    return render(request, "improvement/capa_detail.html", context)


@require_POST
@permission_required("improvement.change_correctiveaction")
def capa_respond(request, pk: int):
    capa = _capa_or_404(request, pk)
    form = RespondForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if form.apply(services.capa_respond, actor=request.user, capa=capa, response=data["response"],
                      root_cause=data["root_cause"], whys=[data[f"why{i}"] for i in range(1, 6)]):
            messages.success(request, _("Response sent to the client."))
            return redirect(capa)
    messages.error(request, _("The response was not sent: %(errors)s") % {"errors": _errors(form)})
    return redirect(capa)


@require_POST
@permission_required("improvement.change_correctiveaction")
def capa_action_add(request, pk: int):
    capa = _capa_or_404(request, pk)
    people = selectors.capa_owner_choices(capa=capa)
    form = CapaActionForm(request.POST, people=people)
    if form.is_valid():
        data = form.cleaned_data
        if form.apply(services.capa_action_add, actor=request.user, capa=capa, description=data["description"],
                      owner=people.get(pk=data["owner"]), due_date=data["due_date"]):
            messages.success(request, _("Action added to the plan."))
            return redirect(capa)
    messages.error(request, _("The action was not added: %(errors)s") % {"errors": _errors(form)})
    return redirect(capa)


@require_POST
@permission_required("improvement.change_correctiveaction")
def capa_action_status(request, pk: int):
    try:
        action = selectors.capa_action_get(user=request.user, pk=pk)
    except CapaAction.DoesNotExist:
        raise Http404(_("Not found.")) from None
    form = CapaActionStatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a valid status."))
        services.capa_action_set_status(actor=request.user, action=action, status=form.cleaned_data["status"])
        messages.success(request, _("Action updated."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(action.capa)


@require_POST
@permission_required("improvement.change_correctiveaction")
def capa_step(request, pk: int):
    capa = _capa_or_404(request, pk)
    form = CapaStepForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Unknown step."))
        services.capa_step(actor=request.user, capa=capa, **form.cleaned_data)
        capa.refresh_from_db()
        messages.success(request, _("%(ref)s is now: %(status)s.") % {"ref": capa.reference,
                                                                      "status": capa.get_status_display()})
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect(capa)


# --- risks -------------------------------------------------------------------------------

RISK_FILTERS = ("project", "status", "category", "likelihood", "impact", "band", "review", "q")


@permission_required("improvement.view_risk")
def risk_list(request):
    filters = {k: request.GET.get(k, "").strip() for k in RISK_FILTERS}
    if "status" not in request.GET:
        filters["status"] = "active"
    risks = selectors.risk_list(user=request.user, **filters)
    page = paginate(request, risks)
    for risk in page.object_list:
        risk.review_overdue = selectors.review_overdue(risk)
    context = {"page": page, "filters": filters, "q": filters["q"], "statuses": Risk.Status.choices,
               "categories": Risk.Category.choices, "projects": core_selectors.project_list(user=request.user),
               "bands": [name for _floor, name in scoring.BANDS]}
    return render(request, "improvement/risk_list.html", context)


@permission_required("improvement.view_risk")
def risk_heatmap(request):
    project = request.GET.get("project", "")
    status = request.GET.get("status", "active")
    context = {"grid": selectors.risk_heatmap(user=request.user, project=project, status=status),
               "project": project, "status": status, "statuses": Risk.Status.choices,
               "projects": core_selectors.project_list(user=request.user), "impacts": list(scoring.SCALE)}
    return render(request, "improvement/risk_heatmap.html", context)


@permission_required("improvement.view_risk")
def risk_detail(request, pk: int):
    risk = _risk_or_404(request, pk)
    risk.review_overdue = selectors.review_overdue(risk)
    vendors = Vendor.objects.visible_to(request.user).filter(risks=risk)
    return render(request, "improvement/risk_detail.html", {"risk": risk, "vendors": vendors})


def _risk_people(request, project):
    if project is not None:
        return selectors.risk_owner_choices(project=project)
    vendors = core_selectors.vendor_list(user=request.user)
    return (User.objects.filter(is_active=True).filter(Q(vendor__isnull=True) | Q(vendor__in=vendors))
            .select_related("vendor").order_by("vendor__code", "username"))


@permission_required("improvement.add_risk")
def risk_create(request):
    projects = core_selectors.project_list(user=request.user)
    project = projects.filter(code=request.POST.get("project") or request.GET.get("project", "")).first()
    vendors = (core_selectors.project_vendors(user=request.user, project=project) if project
               else core_selectors.vendor_list(user=request.user))
    people = _risk_people(request, project)
    form = RiskForm(request.POST or None, projects=projects, vendors=vendors, people=people,
                    initial={"project": project.code if project else ""})
    if form.is_valid():
        data = form.cleaned_data
        project = projects.get(code=data["project"])
        risk = form.apply(
            services.risk_create, actor=request.user, project=project, title=data["title"],
            likelihood=data["likelihood"], impact=data["impact"], owner=people.get(pk=data["owner"]),
            review_date=data["review_date"], category=data["category"], description=data["description"],
            mitigation=data["mitigation"], contingency_trigger=data["contingency_trigger"],
            contingency_plan=data["contingency_plan"], status=data["status"],
            vendors=vendors.filter(code__in=data["vendors"]),
        )
        if risk:
            messages.success(request, _("Risk %(title)s registered.") % {"title": risk.title})
            return redirect(risk)
    return _form_page(request, form, _("Register a risk"), reverse("risk-list"))


@permission_required("improvement.change_risk")
def risk_edit(request, pk: int):
    risk = _risk_or_404(request, pk)
    vendors = core_selectors.project_vendors(user=request.user, project=risk.project)
    people = selectors.risk_owner_choices(project=risk.project)
    initial = {f: getattr(risk, f) for f in ("title", "category", "description", "likelihood", "impact",
                                             "mitigation", "contingency_trigger", "contingency_plan", "status",
                                             "review_date")}
    initial.update(owner=risk.owner_id, vendors=[v.code for v in risk.vendors.all()])
    form = RiskEditForm(request.POST or None, initial=initial, projects=[], vendors=vendors, people=people)
    if form.is_valid():
        data = form.cleaned_data
        saved = form.apply(
            services.risk_update, actor=request.user, risk=risk, title=data["title"], likelihood=data["likelihood"],
            impact=data["impact"], owner=people.get(pk=data["owner"]), review_date=data["review_date"],
            category=data["category"], description=data["description"], mitigation=data["mitigation"],
            contingency_trigger=data["contingency_trigger"], contingency_plan=data["contingency_plan"],
            status=data["status"], vendors=vendors.filter(code__in=data["vendors"]),
        )
        if saved:
            messages.success(request, _("Risk saved."))
            return redirect(risk)
    return _form_page(request, form, _("Edit risk"), risk.get_absolute_url())
