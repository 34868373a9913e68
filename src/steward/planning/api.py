"""Planning API: plans (with the needs assessment and phases), tasks (list, detail, create,
move), go-live readiness and the go-live action. Every route starts from a scoped selector,
so another vendor's plan or task is a 404; the rules are the services' (dependencies, the
go-live gate)."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Payload, Refused, apply_form, form_detail, visible
from steward.collaboration.people import label_for
from steward.core import selectors as core_selectors
from steward.core.models import Channel
from steward.planning import forms, selectors, services
from steward.planning.models import Phase, RaciParty, Task
from steward.planning.views import party_label

router = Router(tags=["planning"])


class PlanningErrorOut(Schema):
    detail: str
    reasons: list[str] = []


class MilestoneOut(Schema):
    id: int
    name: str
    due_date: date
    is_go_live: bool
    reached_at: datetime | None

    @staticmethod
    def resolve_reached_at(m) -> datetime | None:
        return m.done_at


class PhaseOut(Schema):
    id: int
    key: str
    name: str
    order: int
    start_date: date
    end_date: date
    progress_percent: Decimal | None
    effort_done: int
    effort_total: int
    overdue_tasks: int
    milestones: list[MilestoneOut]

    @staticmethod
    def resolve_progress_percent(p) -> Decimal | None:
        return p.progress.percent

    @staticmethod
    def resolve_effort_done(p) -> int:
        return p.progress.done

    @staticmethod
    def resolve_effort_total(p) -> int:
        return p.progress.total

    @staticmethod
    def resolve_overdue_tasks(p) -> int:
        return p.overdue

    @staticmethod
    def resolve_milestones(p):
        return list(p.milestones.all())


class PlanOut(Schema):
    project: str
    start_date: date
    progress_percent: Decimal | None
    overdue_tasks: int
    went_live_at: datetime | None


class NeedsOut(Schema):
    business_type: str
    scale: str
    channels: list[str]
    monthly_volumes: dict[str, int]
    presales_percent: int | None
    service_hours: str
    languages: str
    peak_seasons: str
    planned_headcount: int | None


class PlanDetailOut(PlanOut):
    needs: NeedsOut
    phases: list[PhaseOut]


class PlanIn(Payload):
    project: str
    start_date: date
    planned_headcount: int | None = None


class TaskOut(Schema):
    id: int
    project: str
    phase: str
    title: str
    description: str
    assignee: str
    assignee_id: int | None
    priority: str
    status: str
    start_date: date | None
    due_date: date | None
    effort: int
    overdue: bool
    depends_on: list[int]

    @staticmethod
    def resolve_project(t) -> str:
        return t.phase.plan.project.code

    @staticmethod
    def resolve_phase(t) -> str:
        return t.phase.key

    @staticmethod
    def resolve_assignee(t, context) -> str:
        return label_for(t.assignee, context["request"].user) if t.assignee_id else ""

    @staticmethod
    def resolve_assignee_id(t, context) -> int | None:
        viewer = context["request"].user
        if t.assignee_id and (viewer.is_client_side or t.assignee.vendor_id in (None, viewer.vendor_id)):
            return t.assignee_id
        return None

    @staticmethod
    def resolve_overdue(t) -> bool:
        return getattr(t, "urgency", "") == "overdue"

    @staticmethod
    def resolve_depends_on(t) -> list[int]:
        return [d.pk for d in t.depends_on.all()]


class TaskIn(Payload):
    phase: str
    title: str
    description: str = ""
    assignee_id: int | None = None
    priority: str = Task.Priority.NORMAL
    start_date: date | None = None
    due_date: date | None = None
    effort: int = 1
    depends_on: list[int] = []


class MoveIn(Payload):
    status: str


class ConditionOut(Schema):
    key: str
    label: str
    met: bool
    reason: str


class ReadinessOut(Schema):
    project: str
    ready: bool
    went_live_at: datetime | None
    conditions: list[ConditionOut]


def _plan(request, code: str):
    return visible(selectors.plan_get, request, code=code)


def _task(request, pk: int) -> Task:
    task = visible(selectors.task_get, request, pk=pk)
    return selectors.with_urgency([task], plan=task.phase.plan)[0]


def _summary(request, plan):
    overview = selectors.plan_overview(user=request.user, plan=plan)
    plan.progress_percent = overview["progress"].percent
    plan.overdue_tasks = overview["overdue"]
    plan.phases_list = overview["phases"]
    return plan


def _plan_out(plan) -> dict:
    return {"project": plan.project.code, "start_date": plan.start_date, "progress_percent": plan.progress_percent,
            "overdue_tasks": plan.overdue_tasks, "went_live_at": plan.went_live_at}


def _detail_out(plan) -> dict:
    needs = {f: getattr(plan, f) for f in ("business_type", "scale", "channels", "monthly_volumes", "presales_percent",
                                           "service_hours", "languages", "peak_seasons", "planned_headcount")}
    return {**_plan_out(plan), "needs": needs, "phases": plan.phases_list}


# Planning's 400 body also lists `reasons` (a service's messages one by one; none for a form's
# errors), so its routes keep their own refusal handling rather than steward.api.writes' Refused.

def _error(error: ValidationError):
    return 400, {"detail": " ".join(error.messages), "reasons": error.messages}


def _form_write(form, write, **kwargs):
    """apply_form as (result, None), or (None, the 400 answer with planning's body)."""
    try:
        return apply_form(form, write, **kwargs), None
    except Refused as refused:
        return None, (400, {"detail": refused.detail, "reasons": []})


@router.get("/plans", response=list[PlanOut])
def plans(request):
    require_perm(request, "planning.view_plan")
    return [_plan_out(_summary(request, p)) for p in selectors.plan_list(user=request.user)[:500]]


@router.post("/plans", response={201: PlanDetailOut, 400: PlanningErrorOut})
@idempotent
def plan_create(request, payload: PlanIn):
    """Create a project's plan from the standard template."""
    require_perm(request, "planning.change_plan")
    project = visible(selectors.project_get, request, code=payload.project)
    try:
        plan = services.plan_create(actor=request.user, project=project, start_date=payload.start_date,
                                    planned_headcount=payload.planned_headcount)
    except ValidationError as error:
        return _error(error)
    return 201, _detail_out(_summary(request, _plan(request, plan.project.code)))


@router.get("/plans/{code}", response=PlanDetailOut)
def plan(request, code: str):
    require_perm(request, "planning.view_plan")
    return _detail_out(_summary(request, _plan(request, code)))


@router.get("/plans/{code}/phases", response=list[PhaseOut])
def phases(request, code: str):
    require_perm(request, "planning.view_plan")
    return selectors.plan_overview(user=request.user, plan=_plan(request, code))["phases"]


@router.get("/plans/{code}/tasks", response=list[TaskOut])
def tasks(request, code: str, status: str = "", phase: str = "", assignee: str = "", due: str = "", q: str = ""):
    """Tasks of the plan; `due=overdue` for overdue ones, `assignee=me` for your own."""
    require_perm(request, "planning.view_plan")
    return selectors.tasks(user=request.user, plan=_plan(request, code), status=status, phase=phase,
                           assignee=assignee, due=due, q=q)[:2000]


@router.post("/plans/{code}/tasks", response={201: TaskOut, 400: PlanningErrorOut})
@idempotent
def task_create(request, code: str, payload: TaskIn):
    require_perm(request, "planning.change_task")
    plan = _plan(request, code)
    phase = Phase.objects.visible_to(request.user).filter(plan=plan, key=payload.phase).first()
    if phase is None:
        return 400, {"detail": f"Unknown phase {payload.phase!r}.", "reasons": []}
    assignee = None
    if payload.assignee_id is not None:
        assignee = selectors.assignee_choices(user=request.user, project=plan.project).filter(
            pk=payload.assignee_id).first()
        if assignee is None:
            return 400, {"detail": "The assignee must be client staff or your own company's staff.", "reasons": []}
    prerequisites = list(Task.objects.visible_to(request.user).filter(phase__plan=plan, pk__in=payload.depends_on))
    if len(prerequisites) != len(set(payload.depends_on)):
        return 400, {"detail": "depends_on names tasks that are not in this plan.", "reasons": []}
    if payload.priority not in Task.Priority.values:
        return 400, {"detail": f"Unknown priority {payload.priority!r}.", "reasons": []}
    try:
        task = services.task_create(actor=request.user, phase=phase, title=payload.title, assignee=assignee,
                                    priority=payload.priority, start_date=payload.start_date,
                                    due_date=payload.due_date, effort=payload.effort,
                                    description=payload.description, depends_on=prerequisites)
    except ValidationError as error:
        return _error(error)
    return 201, _task(request, task.pk)


@router.get("/tasks/{pk}", response=TaskOut)
def task(request, pk: int):
    require_perm(request, "planning.view_plan")
    return _task(request, pk)


@router.post("/tasks/{pk}/move", response={200: TaskOut, 400: PlanningErrorOut})
def task_move(request, pk: int, payload: MoveIn):
    """Move a task to another status; refused while a dependency is not done."""
    require_perm(request, "planning.change_task")
    current = _task(request, pk)
    try:
        services.task_move(actor=request.user, task=current, status=payload.status)
    except ValidationError as error:
        return _error(error)
    return 200, _task(request, pk)


def _readiness_out(request, plan) -> dict:
    conditions = selectors.readiness(plan)
    return {"project": plan.project.code, "ready": all(c.met for c in conditions), "went_live_at": plan.went_live_at,
            "conditions": [{"key": c.key, "label": selectors.label_text(c), "met": c.met,
                            "reason": selectors.reason_text(c, request.user)} for c in conditions]}


@router.get("/plans/{code}/readiness", response=ReadinessOut)
def readiness(request, code: str):
    require_perm(request, "planning.view_plan")
    return _readiness_out(request, _plan(request, code))


@router.post("/plans/{code}/go-live", response={200: ReadinessOut, 409: PlanningErrorOut, 400: PlanningErrorOut})
def go_live(request, code: str):
    """Take the project live. Refused (409) with every unmet readiness condition's reason."""
    require_perm(request, "planning.golive_plan")
    plan = _plan(request, code)
    try:
        services.go_live(actor=request.user, plan=plan)
    except services.GoLiveBlocked as error:
        return 409, {"detail": " ".join(error.messages), "reasons": error.messages}
    except ValidationError as error:
        return _error(error)
    return 200, _readiness_out(request, _plan(request, code))


# --- more writes: needs, phases, task edits, dependencies, milestones, RACI, sign-offs ------

class NeedsPatch(Payload):
    business_type: str | None = Field(None, max_length=200)
    scale: str | None = Field(None, max_length=32)
    channels: list[str] | None = Field(None, max_length=10)
    monthly_volumes: dict[str, int] | None = None
    presales_percent: int | None = Field(None, ge=0, le=100)
    service_hours: str | None = Field(None, max_length=200)
    languages: str | None = Field(None, max_length=200)
    peak_seasons: str | None = Field(None, max_length=300)
    planned_headcount: int | None = Field(None, ge=1, le=100000)
    needs_notes: str | None = Field(None, max_length=10000)


class PhasePatch(Payload):
    name: str | None = Field(None, min_length=1, max_length=200)
    start_date: date | None = None
    end_date: date | None = None


class TaskPatch(Payload):
    title: str | None = Field(None, min_length=1, max_length=200)
    phase: str | None = Field(None, max_length=32, description="The phase's key.")
    assignee_id: int | None = Field(None, description="null unassigns.")
    priority: str | None = Field(None, max_length=16)
    start_date: date | None = None
    due_date: date | None = None
    effort: int | None = Field(None, ge=1, le=365)
    description: str | None = Field(None, max_length=20000)


class DependencyIn(Payload):
    prerequisite: int = Field(ge=1, description="The id of a task of the same plan.")


class SignoffIn(Payload):
    item: str = Field(max_length=32)
    note: str = Field("", max_length=300)


class SignoffWithdrawIn(Payload):
    item: str = Field(max_length=32)


class RaciPartyIn(Payload):
    name: str = Field(min_length=1, max_length=100)
    vendor: str | None = Field(None, max_length=32, description="Empty for a role on the client's side.")


class RaciActivityIn(Payload):
    name: str = Field(min_length=1, max_length=200)
    accountable: int = Field(description="The id of the accountable role (A).")
    responsible: int = Field(description="The id of the responsible role (R).")


class RaciCellIn(Payload):
    activity: int
    party: int
    letter: str = Field("", max_length=1, description="R, A, C, I or empty.")


class RaciIn(Payload):
    cells: list[RaciCellIn] = Field(max_length=10000)


class RaciPartyOut(Schema):
    id: int
    label: str


class RaciCellOut(Schema):
    party: int
    letter: str


class RaciRowOut(Schema):
    id: int
    activity: str
    problem: str
    cells: list[RaciCellOut]


class RaciOut(Schema):
    parties: list[RaciPartyOut]
    rows: list[RaciRowOut]


def _raci_out(request, plan) -> dict:
    matrix = selectors.raci(user=request.user, plan=plan)
    return {"parties": [{"id": p.pk, "label": party_label(p, request.user)} for p in matrix["parties"]],
            "rows": [{"id": r["activity"].pk, "activity": r["activity"].name, "problem": r["problem"],
                      "cells": [{"party": c["party"].pk, "letter": c["letter"]} for c in r["cells"]]}
                     for r in matrix["rows"]]}


@router.patch("/plans/{code}/needs", response={200: PlanDetailOut, 400: PlanningErrorOut})
def needs_edit(request, code: str, payload: NeedsPatch):
    """Change the needs assessment; only the fields sent change (volumes by channel)."""
    require_perm(request, "planning.change_plan")
    current = _plan(request, code)
    data = {f: getattr(current, f) for f in services.NEEDS_FIELDS if f != "monthly_volumes"}
    volumes = dict(current.monthly_volumes)
    changes = payload.dict(exclude_unset=True)
    if changes.get("monthly_volumes") is not None:
        volumes = changes.pop("monthly_volumes")
        unknown = sorted(set(volumes) - set(Channel.values))
        if unknown:
            return 400, {"detail": _("Unknown channel(s): %(unknown)s.") % {"unknown": ", ".join(unknown)},
                         "reasons": []}
    changes.pop("monthly_volumes", None)
    data.update(changes)
    data.update({f"volume_{c}": v for c, v in volumes.items()})
    form = forms.NeedsForm({k: v for k, v in data.items() if v is not None})
    if not form.is_valid():
        return 400, {"detail": form_detail(form), "reasons": []}
    # The page's form drops a volume of a channel that is not chosen; the API hands the volumes
    # to the service as sent, so such a volume is refused (by the service's rule) and not lost.
    _result, refusal = _form_write(form, lambda **_d: services.needs_update(
        actor=request.user, plan=current, **{**form.values(), "monthly_volumes": {
            c: form.cleaned_data[f"volume_{c}"] for c in volumes if form.cleaned_data.get(f"volume_{c}") is not None}}))
    if refusal:
        return refusal
    return 200, _detail_out(_summary(request, _plan(request, code)))


@router.patch("/phases/{pk}", response={200: PhaseOut, 400: PlanningErrorOut})
def phase_edit(request, pk: int, payload: PhasePatch):
    """Rename or reschedule a phase (client staff)."""
    require_perm(request, "planning.change_plan")
    phase = visible(selectors.phase_get, request, pk=pk)
    data = {"name": phase.name, "start_date": phase.start_date, "end_date": phase.end_date}
    data.update(payload.dict(exclude_unset=True, exclude_none=True))
    _result, refusal = _form_write(forms.PhaseForm(data), services.phase_update, actor=request.user, phase=phase)
    if refusal:
        return refusal
    overview = selectors.plan_overview(user=request.user, plan=phase.plan)
    return 200, next(p for p in overview["phases"] if p.pk == pk)


@router.patch("/tasks/{pk}", response={200: TaskOut, 400: PlanningErrorOut})
def task_edit(request, pk: int, payload: TaskPatch):
    """Change a task; only the fields sent change (its status moves through /move)."""
    require_perm(request, "planning.change_task")
    current = _task(request, pk)
    plan = current.phase.plan
    phases = selectors.phases(user=request.user, plan=plan)
    people = selectors.assignee_choices(user=request.user, project=plan.project)
    data = {"title": current.title, "phase": str(current.phase_id), "assignee": current.assignee_id or "",
            "priority": current.priority, "start_date": current.start_date, "due_date": current.due_date,
            "effort": current.effort, "description": current.description}
    changes = payload.dict(exclude_unset=True)
    if "phase" in changes:
        key = changes.pop("phase")
        phase = next((p for p in phases if p.key == key), None)
        if phase is None:
            return 400, {"detail": _("Unknown phase."), "reasons": []}
        data["phase"] = str(phase.pk)
    if "assignee_id" in changes:
        data["assignee"] = changes.pop("assignee_id") or ""
    data.update({k: v for k, v in changes.items() if v is not None or k in ("start_date", "due_date")})
    form = forms.TaskForm({k: v for k, v in data.items() if v is not None}, phases=phases, people=people)
    _result, refusal = _form_write(form, lambda **d: services.task_update(
        actor=request.user, task=current, title=d["title"],
        assignee=people.filter(pk=d["assignee"]).first() if d["assignee"] else None, priority=d["priority"],
        start_date=d["start_date"], due_date=d["due_date"], effort=d["effort"], description=d["description"],
        phase=Phase.objects.visible_to(request.user).filter(plan=plan, pk=d["phase"]).first()))
    if refusal:
        return refusal
    return 200, _task(request, pk)


def _dependency(request, pk: int, payload: DependencyIn, write):
    require_perm(request, "planning.change_plan")
    current = visible(selectors.task_get, request, pk=pk)
    prerequisite = visible(selectors.task_get, request, pk=payload.prerequisite)
    try:
        write(actor=request.user, task=current, prerequisite=prerequisite)
    except ValidationError as error:
        return _error(error)
    return 200, _task(request, pk)


@router.post("/tasks/{pk}/dependencies/add", response={200: TaskOut, 400: PlanningErrorOut})
def dependency_add(request, pk: int, payload: DependencyIn):
    """Make the task wait for another task of the plan (no cycles)."""
    return _dependency(request, pk, payload, services.dependency_add)


@router.post("/tasks/{pk}/dependencies/remove", response={200: TaskOut, 400: PlanningErrorOut})
def dependency_remove(request, pk: int, payload: DependencyIn):
    return _dependency(request, pk, payload, services.dependency_remove)


def _milestone(request, pk: int, write):
    require_perm(request, "planning.change_plan")
    milestone = visible(selectors.milestone_get, request, pk=pk)
    try:
        write(actor=request.user, milestone=milestone)
    except ValidationError as error:
        return _error(error)
    return 200, visible(selectors.milestone_get, request, pk=pk)


@router.post("/milestones/{pk}/reach", response={200: MilestoneOut, 400: PlanningErrorOut})
def milestone_reach(request, pk: int):
    """Mark a milestone reached (the go-live milestone only through go-live)."""
    return _milestone(request, pk, services.milestone_reach)


@router.post("/milestones/{pk}/reopen", response={200: MilestoneOut, 400: PlanningErrorOut})
def milestone_reopen(request, pk: int):
    return _milestone(request, pk, services.milestone_reopen)


@router.get("/plans/{code}/raci", response=RaciOut)
def raci(request, code: str):
    """The RACI matrix; a role at another vendor reads as such to a vendor's staff."""
    require_perm(request, "planning.view_plan")
    return _raci_out(request, _plan(request, code))


@router.put("/plans/{code}/raci", response={200: RaciOut, 400: PlanningErrorOut})
def raci_save(request, code: str, payload: RaciIn):
    """Replace the whole matrix: every activity needs exactly one A and at least one R."""
    require_perm(request, "planning.change_plan")
    current = _plan(request, code)
    cells = {(c.activity, c.party): c.letter for c in payload.cells}
    try:
        services.raci_save(actor=request.user, plan=current, cells=cells)
    except ValidationError as error:
        return _error(error)
    return 200, _raci_out(request, current)


@router.post("/plans/{code}/raci/parties", response={201: RaciPartyOut, 400: PlanningErrorOut})
@idempotent
def raci_party_add(request, code: str, payload: RaciPartyIn):
    """Add a role (a column) on the client's side or at one of the project's vendors. Honours an
    Idempotency-Key header."""
    require_perm(request, "planning.change_plan")
    current = _plan(request, code)
    vendors = core_selectors.project_vendors(user=request.user, project=current.project)
    form = forms.RaciPartyForm({"name": payload.name, "vendor": payload.vendor or ""}, vendors=vendors)
    party, refusal = _form_write(form, lambda name, vendor: services.raci_party_add(
        actor=request.user, plan=current, name=name, vendor=vendors.filter(code=vendor).first() if vendor else None))
    if refusal:
        return refusal
    return 201, {"id": party.pk, "label": party_label(party, request.user)}


@router.post("/plans/{code}/raci/activities", response={201: RaciRowOut, 400: PlanningErrorOut})
@idempotent
def raci_activity_add(request, code: str, payload: RaciActivityIn):
    """Add an activity (a row) with its accountable and responsible roles. Honours an
    Idempotency-Key header."""
    require_perm(request, "planning.change_plan")
    current = _plan(request, code)
    parties = list(RaciParty.objects.visible_to(request.user).filter(plan=current))
    by_pk = {str(p.pk): p for p in parties}
    form = forms.RaciActivityForm({"name": payload.name, "accountable": str(payload.accountable),
                                   "responsible": str(payload.responsible)}, parties=parties)
    activity, refusal = _form_write(form, lambda name, accountable, responsible: services.raci_activity_add(
        actor=request.user, plan=current, name=name, accountable=by_pk[accountable],
        responsible=by_pk[responsible]))
    if refusal:
        return refusal
    return 201, next(r for r in _raci_out(request, current)["rows"] if r["id"] == activity.pk)


@router.post("/plans/{code}/signoffs", response={201: ReadinessOut, 400: PlanningErrorOut})
@idempotent
def signoff(request, code: str, payload: SignoffIn):
    """Record a go-live checklist item (data handover, system access, then the security sign-off).
    Honours an Idempotency-Key header."""
    require_perm(request, "planning.signoff_plan")
    current = _plan(request, code)
    form = forms.SignoffForm(payload.dict())
    if not form.is_valid():
        return 400, {"detail": _("Choose a checklist item."), "reasons": []}
    try:
        services.signoff_record(actor=request.user, plan=current, item=form.cleaned_data["item"],
                                note=form.cleaned_data["note"])
    except ValidationError as error:
        return _error(error)
    return 201, _readiness_out(request, _plan(request, code))


@router.post("/plans/{code}/signoffs/withdraw", response={200: ReadinessOut, 400: PlanningErrorOut})
def signoff_withdraw(request, code: str, payload: SignoffWithdrawIn):
    require_perm(request, "planning.signoff_plan")
    current = _plan(request, code)
    form = forms.SignoffForm(payload.dict())
    if not form.is_valid():
        return 400, {"detail": _("Choose a checklist item."), "reasons": []}
    try:
        services.signoff_withdraw(actor=request.user, plan=current, item=form.cleaned_data["item"])
    except ValidationError as error:
        return _error(error)
    return 200, _readiness_out(request, _plan(request, code))
