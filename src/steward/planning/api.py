"""Planning API: plans (with the needs assessment and phases), tasks (list, detail, create,
move), go-live readiness and the go-live action. Every route starts from a scoped selector,
so another vendor's plan or task is a 404; the rules are the services' (dependencies, the
go-live gate)."""

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404
from ninja import Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.collaboration.people import label_for
from steward.planning import selectors, services
from steward.planning.models import Phase, Task

router = Router(tags=["planning"])


class ErrorOut(Schema):
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


class PlanIn(Schema):
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


class TaskIn(Schema):
    phase: str
    title: str
    description: str = ""
    assignee_id: int | None = None
    priority: str = Task.Priority.NORMAL
    start_date: date | None = None
    due_date: date | None = None
    effort: int = 1
    depends_on: list[int] = []


class MoveIn(Schema):
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
    try:
        return selectors.plan_get(user=request.user, code=code)
    except ObjectDoesNotExist:
        raise Http404 from None


def _task(request, pk: int) -> Task:
    try:
        task = selectors.task_get(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404 from None
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


def _error(error: ValidationError):
    return 400, {"detail": " ".join(error.messages), "reasons": error.messages}


@router.get("/plans", response=list[PlanOut])
def plans(request):
    require_perm(request, "planning.view_plan")
    return [_plan_out(_summary(request, p)) for p in selectors.plan_list(user=request.user)[:500]]


@router.post("/plans", response={201: PlanDetailOut, 400: ErrorOut})
@idempotent
def plan_create(request, payload: PlanIn):
    """Create a project's plan from the standard template."""
    require_perm(request, "planning.change_plan")
    try:
        project = selectors.project_get(user=request.user, code=payload.project)
    except ObjectDoesNotExist:
        raise Http404 from None
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


@router.post("/plans/{code}/tasks", response={201: TaskOut, 400: ErrorOut})
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


@router.post("/tasks/{pk}/move", response={200: TaskOut, 400: ErrorOut})
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


@router.post("/plans/{code}/go-live", response={200: ReadinessOut, 409: ErrorOut, 400: ErrorOut})
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
