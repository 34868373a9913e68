"""Every read of the planning app, scoped through visible_to(user)."""

from datetime import date, datetime

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from steward.collaboration.deadlines import Urgency, today_in, urgency
from steward.core.models import Project, User
from steward.core.pages import whole_number
from steward.planning import progress, readiness as rules
from steward.planning.models import (
    Milestone,
    Phase,
    Plan,
    RaciActivity,
    RaciAssignment,
    RaciParty,
    ReadinessSignoff,
    Task,
)

DUE_SOON_DAYS = 3


def project_list(*, user) -> QuerySet[Project]:
    return Project.objects.visible_to(user).select_related("plan").order_by("code")


def project_get(*, user, code: str) -> Project:
    return Project.objects.visible_to(user).get(code=code)


def plan_list(*, user) -> QuerySet[Plan]:
    return Plan.objects.visible_to(user).select_related("project").order_by("project__code")


def plan_get(*, user, code: str) -> Plan:
    return Plan.objects.visible_to(user).select_related("project", "went_live_by").get(project__code=code)


def plan_for(*, user, project: Project) -> Plan | None:
    return Plan.objects.visible_to(user).filter(project=project).first()


def phases(*, user, plan: Plan) -> list[Phase]:
    return list(Phase.objects.visible_to(user).filter(plan=plan).prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.visible_to(user).select_related("done_by"))))


def phase_get(*, user, pk: int) -> Phase:
    return Phase.objects.visible_to(user).select_related("plan__project").get(pk=pk)


def milestone_get(*, user, pk: int) -> Milestone:
    return Milestone.objects.visible_to(user).select_related("phase__plan__project").get(pk=pk)


def go_live_milestone(plan: Plan) -> Milestone | None:
    return Milestone.objects.filter(phase__plan=plan, is_go_live=True).select_related("done_by").first()


def today_for(plan: Plan, now: datetime | None = None) -> date:
    return today_in(plan.project.time_zone, now or timezone.now())


def tasks(*, user, plan: Plan, status: str = "", assignee: str = "", phase: str = "", due: str = "",
          q: str = "", now: datetime | None = None) -> list[Task]:
    """The plan's tasks the user may see, with `urgency` set (overdue in the project's time zone)."""
    qs = (Task.objects.visible_to(user).filter(phase__plan=plan)
          .select_related("phase", "assignee__vendor")
          .prefetch_related(Prefetch("depends_on", queryset=Task.objects.visible_to(user).only("pk", "title", "status"))))
    if status:
        qs = qs.filter(status=status)
    if assignee == "me":
        qs = qs.filter(assignee=user)
    elif (assignee_id := whole_number(assignee)) is not None:
        qs = qs.filter(assignee_id=assignee_id)
    if phase:
        qs = qs.filter(phase__key=phase)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(description__icontains=q))
    rows = with_urgency(list(qs), plan=plan, now=now)
    if due == "overdue":
        rows = [t for t in rows if t.urgency == Urgency.OVERDUE]
    return rows


def with_urgency(rows: list[Task], *, plan: Plan, now: datetime | None = None) -> list[Task]:
    today = today_for(plan, now)
    for task in rows:
        task.urgency = urgency(due=task.due_date, today=today, finished=task.is_finished, soon_days=DUE_SOON_DAYS)
        task.blocked_by = [d for d in task.depends_on.all() if d.status != Task.Status.DONE]
    return rows


def task_get(*, user, pk: int) -> Task:
    return (Task.objects.visible_to(user).select_related("phase__plan__project", "assignee__vendor", "created_by")
            .get(pk=pk))


def task_dependencies(*, user, task: Task) -> list[Task]:
    return list(Task.objects.visible_to(user).filter(dependents=task).select_related("phase"))


def task_dependents(*, user, task: Task) -> list[Task]:
    return list(Task.objects.visible_to(user).filter(depends_on=task).select_related("phase"))


def dependency_choices(*, user, task: Task) -> list[Task]:
    """Tasks of the same plan that this task could depend on (not itself, not already)."""
    return list(Task.objects.visible_to(user).filter(phase__plan_id=task.phase.plan_id)
                .exclude(pk=task.pk).exclude(dependents=task).select_related("phase"))


def assignee_choices(*, user, project: Project) -> QuerySet[User]:
    """Client staff and the staff of the project's vendors; a vendor user is offered only the
    client's staff and their own colleagues (never another vendor's people)."""
    qs = User.objects.filter(is_active=True)
    if user.is_client_side or user.is_superuser:
        qs = qs.filter(Q(vendor__isnull=True) | Q(vendor__in=project.vendors.all()))
    else:
        qs = qs.filter(Q(vendor__isnull=True) | Q(vendor_id=user.vendor_id))
    return qs.select_related("vendor").order_by("vendor__code", "username")


def phase_progress(plan: Plan, visible_tasks: list[Task]) -> dict[int, progress.Progress]:
    by_phase: dict[int, list] = {}
    for t in visible_tasks:
        by_phase.setdefault(t.phase_id, []).append(
            progress.TaskWeight(effort=t.effort, done=t.status == Task.Status.DONE,
                                cancelled=t.status == Task.Status.CANCELLED))
    return {phase_id: progress.of_tasks(weights) for phase_id, weights in by_phase.items()}


def plan_overview(*, user, plan: Plan, now: datetime | None = None) -> dict:
    """Phases with progress and milestones, the project's progress, overdue counts."""
    phase_rows = phases(user=user, plan=plan)
    # Progress counts every task of the plan, also those an agent cannot open, so that all
    # readers see the same figure.
    all_tasks = list(Task.objects.filter(phase__plan=plan).only("pk", "phase_id", "effort", "status", "due_date"))
    per_phase = phase_progress(plan, all_tasks)
    today = today_for(plan, now)
    for phase in phase_rows:
        phase.progress = per_phase.get(phase.pk, progress.Progress(0, 0))
        phase.overdue = sum(1 for t in all_tasks if t.phase_id == phase.pk and t.due_date and t.due_date < today
                            and t.status not in Task.FINISHED)
        phase.is_current = phase.start_date <= today <= phase.end_date
        for m in phase.milestones.all():
            m.overdue = m.done_at is None and m.due_date < today
    total = progress.rollup(list(per_phase.values()))
    return {"phases": phase_rows, "progress": total, "today": today,
            "overdue": sum(p.overdue for p in phase_rows)}


def board(*, user, plan: Plan, assignee: str = "", now: datetime | None = None) -> list[dict]:
    rows = tasks(user=user, plan=plan, assignee=assignee, now=now)
    return [{"status": value, "label": label, "tasks": [t for t in rows if t.status == value]}
            for value, label in Task.Status.choices]


# --- RACI --------------------------------------------------------------------------------

def raci(*, user, plan: Plan) -> dict:
    parties = list(RaciParty.objects.visible_to(user).filter(plan=plan).select_related("vendor"))
    activities = list(RaciActivity.objects.visible_to(user).filter(plan=plan))
    cells = {(a.activity_id, a.party_id): a.letter
             for a in RaciAssignment.objects.visible_to(user).filter(activity__plan=plan)}
    from steward.planning import raci as rules_raci

    problems = rules_raci.problems({a.pk: a.name for a in activities}, cells)
    rows = [{"activity": a, "problem": problems.get(a.pk, ""),
             "cells": [{"party": p, "letter": cells.get((a.pk, p.pk), "")} for p in parties]} for a in activities]
    return {"parties": parties, "rows": rows, "problems": problems}


# --- readiness ---------------------------------------------------------------------------

def readiness_facts(plan: Plan) -> rules.Facts:
    from steward.contracts.models import Contract
    from steward.metrics.models import SlaPolicy
    from steward.training.selectors import certified_agent_count

    project = plan.project
    vendors = tuple(project.vendors.order_by("code").values_list("code", flat=True))
    signed = tuple(Contract.objects.filter(projects=project, status=Contract.Status.ACTIVE, signed_on__isnull=False)
                   .values_list("vendor__code", flat=True).distinct())
    items = set(ReadinessSignoff.objects.filter(plan=plan).values_list("item", flat=True))
    return rules.Facts(
        planned_headcount=plan.planned_headcount,
        certified_agents=int(certified_agent_count(project)),
        sla_policies=SlaPolicy.objects.filter(project=project).count(),
        vendors=vendors,
        vendors_with_signed_contract=signed,
        data_handover=ReadinessSignoff.Item.DATA_HANDOVER in items,
        system_access=ReadinessSignoff.Item.SYSTEM_ACCESS in items,
        security_signoff=ReadinessSignoff.Item.SECURITY in items,
    )


def readiness(plan: Plan) -> list[rules.Condition]:
    return rules.evaluate(readiness_facts(plan))


CONDITION_LABELS = {
    "agents": gettext_noop("Enough certified agents for the planned headcount"),
    "sla": gettext_noop("SLA policy attached"),
    "contract": gettext_noop("Contract signed"),
    "data_handover": gettext_noop("Data handover done"),
    "system_access": gettext_noop("System access granted with a security sign-off"),
}


def reason_text(condition: rules.Condition, viewer: User | None = None) -> str:
    """The unmet condition's reason in the reader's language. A vendor's reader never learns
    which other vendors serve the project: their codes read as "another vendor"."""
    if condition.met:
        return ""
    text = gettext(condition.reason)
    if not condition.params:
        return text
    params = dict(condition.params)
    if "vendors" in params:
        own = None
        if viewer is not None and not (viewer.is_client_side or viewer.is_superuser):
            own = viewer.vendor.code if viewer.vendor_id else ""
        names = [code if own is None or code == own else gettext("another vendor") for code in params["vendors"]]
        params["vendors"] = ", ".join(dict.fromkeys(names))
    return text % params


def label_text(condition: rules.Condition) -> str:
    return gettext(CONDITION_LABELS[condition.key])


def signoffs(*, user, plan: Plan) -> dict[str, ReadinessSignoff]:
    return {s.item: s for s in ReadinessSignoff.objects.visible_to(user).filter(plan=plan).select_related("recorded_by")}


# --- reminders ---------------------------------------------------------------------------

def overdue_tasks(today_of) -> list[Task]:
    """Unfinished tasks with an assignee, due before `today_of(project)` (all vendors: for the
    reminder job)."""
    rows = (Task.objects.exclude(status__in=Task.FINISHED).filter(assignee__isnull=False, due_date__isnull=False)
            .select_related("phase__plan__project", "assignee"))
    return [t for t in rows if t.due_date < today_of(t.phase.plan.project)]
