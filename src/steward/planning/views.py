"""Pages of project plans. Thin: reads from selectors, writes through services; every object
is fetched through visible_to(user), so another vendor's plan is a 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from steward.collaboration.people import label_for
from steward.core import selectors as core_selectors
from steward.core.decorators import permission_required
from steward.core.exports import csv_response
from steward.core.pages import get_or_404, local_url
from steward.planning import selectors, services, timeline
from steward.planning.forms import (
    DependencyForm,
    MoveForm,
    NeedsForm,
    PhaseForm,
    PlanCreateForm,
    RaciActivityForm,
    RaciPartyForm,
    SignoffForm,
    TaskForm,
)
from steward.planning.models import Phase, RaciParty, ReadinessSignoff, Task


def _form_page(request, form, title: str, back_url: str, intro: str = ""):
    return render(request, "core/form.html", {"form": form, "title": title, "back_url": back_url, "intro": intro})


def _errors(error: ValidationError) -> str:
    return " ".join(error.messages)


def _back(request, default: str) -> str:
    return local_url(request, request.POST.get("next", ""), default)


def party_label(party: RaciParty, viewer) -> str:
    """A RACI column's heading; another vendor's role reads as such to a vendor's staff."""
    if party.vendor_id is None:
        return party.name
    if viewer.is_client_side or viewer.is_superuser or party.vendor_id == viewer.vendor_id:
        return f"{party.name} · {party.vendor.name}"
    return _("Role at another vendor")


def _label_tasks(rows, viewer):
    for task in rows:
        task.assignee_label = label_for(task.assignee, viewer) if task.assignee_id else ""
    return rows


@permission_required("planning.view_plan")
def plan_list(request):
    projects = list(selectors.project_list(user=request.user))
    plans = {p.project_id: p for p in selectors.plan_list(user=request.user)}
    rows = []
    for project in projects:
        plan = plans.get(project.pk)
        overview = selectors.plan_overview(user=request.user, plan=plan) if plan else None
        rows.append({"project": project, "plan": plan, "overview": overview})
    return render(request, "planning/plan_list.html", {"rows": rows})


@permission_required("planning.view_plan")
def plan_detail(request, code: str):
    project = get_or_404(selectors.project_get, request, code=code)
    plan = selectors.plan_for(user=request.user, project=project)
    if plan is None:
        form = PlanCreateForm() if request.user.has_perm("planning.change_plan") else None
        return render(request, "planning/plan_missing.html", {"project": project, "form": form})
    overview = selectors.plan_overview(user=request.user, plan=plan)
    conditions = selectors.readiness(plan)
    context = {"plan": plan, "project": project, "tab": "overview", **overview,
               "ready": all(c.met for c in conditions), "unmet": sum(1 for c in conditions if not c.met),
               "go_live": selectors.go_live_milestone(plan)}
    return render(request, "planning/plan_detail.html", context)


@require_POST
@permission_required("planning.change_plan")
def plan_create(request, code: str):
    project = get_or_404(selectors.project_get, request, code=code)
    form = PlanCreateForm(request.POST)
    if form.is_valid():
        plan = form.apply(services.plan_create, actor=request.user, project=project,
                          start_date=form.cleaned_data["start_date"],
                          planned_headcount=form.cleaned_data["planned_headcount"])
        if plan:
            messages.success(request, _("Plan created from the standard template: nine phases with milestones and "
                                        "starter tasks."))
            return redirect(plan)
    messages.error(request, _("The plan was not created: %(errors)s")
                   % {"errors": " ".join(str(e) for errors in form.errors.values() for e in errors)})
    return redirect("planning:plan-detail", code=project.code)


@permission_required("planning.change_plan")
def needs_edit(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    initial = {f: getattr(plan, f) for f in services.NEEDS_FIELDS if f != "monthly_volumes"}
    initial.update({f"volume_{c}": v for c, v in plan.monthly_volumes.items()})
    form = NeedsForm(request.POST or None, initial=initial)
    if form.is_valid():
        if form.apply(services.needs_update, actor=request.user, plan=plan, **form.values()):
            messages.success(request, _("Needs assessment saved."))
            return redirect(plan)
    return _form_page(request, form, _("Needs assessment of %(project)s") % {"project": plan.project.name},
                      plan.get_absolute_url())


@permission_required("planning.change_plan")
def phase_edit(request, pk: int):
    phase = get_or_404(selectors.phase_get, request, pk=pk)
    form = PhaseForm(request.POST or None, initial={"name": phase.name, "start_date": phase.start_date,
                                                    "end_date": phase.end_date})
    if form.is_valid():
        if form.apply(services.phase_update, actor=request.user, phase=phase, **form.cleaned_data):
            messages.success(request, _("Phase saved."))
            return redirect(phase.plan)
    return _form_page(request, form, _("Edit phase"), phase.plan.get_absolute_url())


@permission_required("planning.view_plan")
def board(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    assignee = "me" if request.GET.get("assignee") == "me" else ""
    columns = selectors.board(user=request.user, plan=plan, assignee=assignee)
    for column in columns:
        _label_tasks(column["tasks"], request.user)
    context = {"plan": plan, "project": plan.project, "columns": columns, "tab": "board", "assignee": assignee,
               "statuses": Task.Status.choices,
               "overdue": sum(1 for c in columns for t in c["tasks"] if t.urgency == "overdue")}
    return render(request, "planning/board.html", context)


@permission_required("planning.view_plan")
def task_export(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    rows = _label_tasks(selectors.tasks(user=request.user, plan=plan), request.user)
    return csv_response(
        f"tasks-{plan.project.code}.csv",
        ["id", "phase", "title", "assignee", "priority", "status", "start_date", "due_date", "effort", "urgency",
         "depends_on"],
        ([t.pk, t.phase.name, t.title, t.assignee_label, t.priority, t.status, t.start_date, t.due_date, t.effort,
          t.urgency, " ".join(str(d.pk) for d in t.depends_on.all())] for t in rows),
    )


@permission_required("planning.view_plan")
def timeline_view(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    overview = selectors.plan_overview(user=request.user, plan=plan)
    task_rows = selectors.tasks(user=request.user, plan=plan)
    rows = []
    for phase in overview["phases"]:
        pct = phase.progress.percent
        rows.append(timeline.Row(label=phase.name, start=phase.start_date, end=phase.end_date, kind="phase",
                                 title=f"{phase.name}: {phase.start_date} – {phase.end_date}"
                                       + (f" · {pct}%" if pct is not None else "")))
        for task in (t for t in task_rows if t.phase_id == phase.pk):
            rows.append(timeline.Row(label=task.title, start=task.start_date, end=task.due_date, kind="task",
                                     css=task.urgency if task.urgency == "overdue" else task.status,
                                     url=task.get_absolute_url(),
                                     title=f"{task.title}: {task.get_status_display()}"
                                           + (f", {_('due')} {task.due_date}" if task.due_date else "")))
        for milestone in phase.milestones.all():
            rows.append(timeline.Row(label="◆ " + milestone.name, start=milestone.due_date, end=milestone.due_date,
                                     kind="milestone", css="done" if milestone.done_at else
                                     ("overdue" if milestone.overdue else ""),
                                     title=f"{milestone.name}: {milestone.due_date}"))
    chart = timeline.layout(rows, overview["today"])
    return render(request, "planning/timeline.html", {"plan": plan, "project": plan.project, "chart": chart,
                                                      "tab": "timeline", **overview})


def _task_form(request, plan, *, data=None, initial=None, task=None):
    candidates = None
    if request.user.has_perm("planning.change_plan") and task is None:
        candidates = list(Task.objects.visible_to(request.user).filter(phase__plan=plan).select_related("phase"))
    return TaskForm(data, initial=initial, phases=selectors.phases(user=request.user, plan=plan),
                    people=selectors.assignee_choices(user=request.user, project=plan.project),
                    candidates=candidates)


@permission_required("planning.change_task")
def task_create(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    initial = {"phase": request.GET.get("phase", "")}
    form = _task_form(request, plan, data=request.POST or None, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        people = selectors.assignee_choices(user=request.user, project=plan.project)
        phase = Phase.objects.visible_to(request.user).get(plan=plan, pk=data["phase"])
        prerequisites = Task.objects.visible_to(request.user).filter(phase__plan=plan,
                                                                     pk__in=data.get("depends_on") or [])
        task = form.apply(services.task_create, actor=request.user, phase=phase, title=data["title"],
                          assignee=people.filter(pk=data["assignee"]).first() if data["assignee"] else None,
                          priority=data["priority"], start_date=data["start_date"], due_date=data["due_date"],
                          effort=data["effort"], description=data["description"], depends_on=list(prerequisites))
        if task:
            messages.success(request, _("Task added."))
            return redirect(task)
    return _form_page(request, form, _("New task"), reverse("planning:board", kwargs={"code": plan.project.code}))


@permission_required("planning.view_plan")
def task_detail(request, pk: int):
    task = get_or_404(selectors.task_get, request, pk=pk)
    plan = task.phase.plan
    selectors.with_urgency([task], plan=plan)
    _label_tasks([task], request.user)
    may_link = request.user.has_perm("planning.change_plan")
    context = {"task": task, "plan": plan, "project": plan.project, "statuses": Task.Status.choices,
               "dependencies": selectors.task_dependencies(user=request.user, task=task),
               "dependents": selectors.task_dependents(user=request.user, task=task),
               "candidates": selectors.dependency_choices(user=request.user, task=task) if may_link else [],
               "may_link": may_link, "created_by": label_for(task.created_by, request.user),
               "history": _task_history(task, request.user)}
    return render(request, "planning/task_detail.html", context)


def _task_history(task, viewer) -> list[dict]:
    """Each change of status: when, to what, by whom (named as the viewer may know them)."""
    out, previous = [], None
    for record in task.history.select_related("history_user__vendor").order_by("history_date", "history_id")[:500]:
        if previous is None or previous != record.status:
            out.append({"at": record.history_date, "status": Task.Status(record.status).label,
                        "by": label_for(record.history_user, viewer) if record.history_user_id else ""})
        previous = record.status
    return out


@permission_required("planning.change_task")
def task_edit(request, pk: int):
    task = get_or_404(selectors.task_get, request, pk=pk)
    plan = task.phase.plan
    initial = {"title": task.title, "phase": str(task.phase_id), "assignee": task.assignee_id or "",
               "priority": task.priority, "start_date": task.start_date, "due_date": task.due_date,
               "effort": task.effort, "description": task.description}
    form = _task_form(request, plan, data=request.POST or None, initial=initial, task=task)
    if form.is_valid():
        data = form.cleaned_data
        people = selectors.assignee_choices(user=request.user, project=plan.project)
        phase = Phase.objects.visible_to(request.user).filter(plan=plan, pk=data["phase"]).first()
        saved = form.apply(services.task_update, actor=request.user, task=task, title=data["title"],
                           assignee=people.filter(pk=data["assignee"]).first() if data["assignee"] else None,
                           priority=data["priority"], start_date=data["start_date"], due_date=data["due_date"],
                           effort=data["effort"], description=data["description"], phase=phase)
        if saved:
            messages.success(request, _("Task saved."))
            return redirect(task)
    return _form_page(request, form, _("Edit task"), task.get_absolute_url())


@require_POST
@permission_required("planning.change_task")
def task_move(request, pk: int):
    task = get_or_404(selectors.task_get, request, pk=pk)
    form = MoveForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a valid status."))
        services.task_move(actor=request.user, task=task, status=form.cleaned_data["status"])
        task.refresh_from_db()
        messages.success(request, _("“%(task)s” is now: %(status)s.") % {"task": task.title,
                                                                          "status": task.get_status_display()})
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect(_back(request, task.get_absolute_url()))


@require_POST
@permission_required("planning.change_plan")
def dependency_add(request, pk: int):
    task = get_or_404(selectors.task_get, request, pk=pk)
    form = DependencyForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a task."))
        prerequisite = get_or_404(selectors.task_get, request, pk=form.cleaned_data["prerequisite"])
        services.dependency_add(actor=request.user, task=task, prerequisite=prerequisite)
        messages.success(request, _("Dependency added."))
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect(task)


@require_POST
@permission_required("planning.change_plan")
def dependency_remove(request, pk: int):
    task = get_or_404(selectors.task_get, request, pk=pk)
    form = DependencyForm(request.POST)
    if form.is_valid():
        prerequisite = get_or_404(selectors.task_get, request, pk=form.cleaned_data["prerequisite"])
        try:
            services.dependency_remove(actor=request.user, task=task, prerequisite=prerequisite)
            messages.success(request, _("Dependency removed."))
        except ValidationError as error:
            messages.error(request, _errors(error))
    return redirect(task)


@require_POST
@permission_required("planning.change_plan")
def milestone_toggle(request, pk: int):
    milestone = get_or_404(selectors.milestone_get, request, pk=pk)
    try:
        if milestone.done_at:
            services.milestone_reopen(actor=request.user, milestone=milestone)
        else:
            services.milestone_reach(actor=request.user, milestone=milestone)
        messages.success(request, _("Milestone updated."))
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect(milestone.phase.plan)


# --- RACI --------------------------------------------------------------------------------

@permission_required("planning.view_plan")
def raci(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    may_edit = request.user.has_perm("planning.change_plan")
    if request.method == "POST":
        if not may_edit:
            return redirect("planning:raci", code=code)
        cells = {}
        for key, value in request.POST.items():
            if key.startswith("cell-"):
                try:
                    activity_id, party_id = (int(part) for part in key[5:].split("-", 1))
                except ValueError:
                    continue
                cells[(activity_id, party_id)] = value
        try:
            services.raci_save(actor=request.user, plan=plan, cells=cells)
            messages.success(request, _("RACI matrix saved."))
            return redirect("planning:raci", code=code)
        except ValidationError as error:
            messages.error(request, _("The matrix was not saved: %(errors)s") % {"errors": _errors(error)})
            matrix = selectors.raci(user=request.user, plan=plan)
            for row in matrix["rows"]:  # show what was typed
                for cell in row["cells"]:
                    cell["letter"] = cells.get((row["activity"].pk, cell["party"].pk), "").strip().upper()[:1]
    else:
        matrix = selectors.raci(user=request.user, plan=plan)
    for party in matrix["parties"]:
        party.label = party_label(party, request.user)
    vendors = core_selectors.project_vendors(user=request.user, project=plan.project)
    context = {"plan": plan, "project": plan.project, "tab": "raci", "may_edit": may_edit, **matrix,
               "party_form": RaciPartyForm(vendors=vendors) if may_edit else None,
               "activity_form": RaciActivityForm(parties=matrix["parties"]) if may_edit and matrix["parties"] else None,
               "letters": ["", "R", "A", "C", "I"]}
    return render(request, "planning/raci.html", context)


@require_POST
@permission_required("planning.change_plan")
def raci_party_add(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    vendors = core_selectors.project_vendors(user=request.user, project=plan.project)
    form = RaciPartyForm(request.POST, vendors=vendors)
    if form.is_valid():
        vendor = vendors.filter(code=form.cleaned_data["vendor"]).first() if form.cleaned_data["vendor"] else None
        if form.apply(services.raci_party_add, actor=request.user, plan=plan, name=form.cleaned_data["name"],
                      vendor=vendor):
            messages.success(request, _("Role added to the matrix."))
            return redirect("planning:raci", code=code)
    messages.error(request, _("The role was not added: %(errors)s")
                   % {"errors": " ".join(str(e) for errors in form.errors.values() for e in errors)})
    return redirect("planning:raci", code=code)


@require_POST
@permission_required("planning.change_plan")
def raci_activity_add(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    parties = list(RaciParty.objects.visible_to(request.user).filter(plan=plan))
    form = RaciActivityForm(request.POST, parties=parties)
    if form.is_valid():
        by_pk = {str(p.pk): p for p in parties}
        if form.apply(services.raci_activity_add, actor=request.user, plan=plan, name=form.cleaned_data["name"],
                      accountable=by_pk[form.cleaned_data["accountable"]],
                      responsible=by_pk[form.cleaned_data["responsible"]]):
            messages.success(request, _("Activity added to the matrix."))
            return redirect("planning:raci", code=code)
    messages.error(request, _("The activity was not added: %(errors)s")
                   % {"errors": " ".join(str(e) for errors in form.errors.values() for e in errors)})
    return redirect("planning:raci", code=code)


# --- readiness and go-live ---------------------------------------------------------------

def _readiness_context(request, plan):
    conditions = selectors.readiness(plan)
    rows = [{"key": c.key, "label": selectors.label_text(c), "met": c.met,
             "reason": selectors.reason_text(c, request.user)} for c in conditions]
    return {"plan": plan, "project": plan.project, "tab": "readiness", "conditions": rows,
            "ready": all(c.met for c in conditions), "signoffs": selectors.signoffs(user=request.user, plan=plan),
            "items": ReadinessSignoff.Item.choices, "go_live": selectors.go_live_milestone(plan)}


@permission_required("planning.view_plan")
def readiness(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    return render(request, "planning/readiness.html", _readiness_context(request, plan))


@require_POST
@permission_required("planning.signoff_plan")
def signoff(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    form = SignoffForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose a checklist item."))
        if request.POST.get("withdraw"):
            services.signoff_withdraw(actor=request.user, plan=plan, item=form.cleaned_data["item"])
            messages.success(request, _("Checklist item withdrawn."))
        else:
            services.signoff_record(actor=request.user, plan=plan, item=form.cleaned_data["item"],
                                    note=form.cleaned_data["note"])
            messages.success(request, _("Checklist item recorded."))
    except ValidationError as error:
        messages.error(request, _errors(error))
    return redirect("planning:readiness", code=code)


@require_POST
@permission_required("planning.golive_plan")
def go_live(request, code: str):
    plan = get_or_404(selectors.plan_get, request, code=code)
    try:
        services.go_live(actor=request.user, plan=plan)
    except ValidationError as error:
        context = _readiness_context(request, plan)
        context["blocked"] = error.messages
        return render(request, "planning/readiness.html", context)
    messages.success(request, _("%(project)s is live.") % {"project": plan.project.name})
    return redirect("planning:readiness", code=code)
