"""Demo plan: the pre-sales chat project in its pilot phase. The phases before the pilot are
done; in the pilot, system access is granted, the data handover is late, the pilot run waits
for it, and two extra tasks are overdue. The readiness checklist has system access and the
security sign-off recorded; the RACI matrix comes from the template.

Idempotent: a project that already has a plan is left as it is.
"""

from datetime import timedelta

from django.utils import translation

from steward.collaboration.deadlines import today_in
from steward.core.models import Project, User
from steward.planning import graph, services, template
from steward.planning.models import Milestone, Plan, Task

PROJECT = "presales-chat"
DAYS_INTO_PILOT = 5

EXTRA_TASKS = [
    # title, assignee, status, due (days from today), priority, effort
    ("Fix the chat routing rule for VIP customers", "bamboo-manager", "in_progress", -3, "urgent", 2),
    ("Translate the returns FAQ into English", "aurora-manager", "todo", -1, "high", 1),
    ("Review the first 50 pilot chats with QA", "qa", "todo", 4, "normal", 2),
]


def load(stdout) -> None:
    project = Project.objects.filter(code=PROJECT).first()
    lead = User.objects.filter(username="lead").first()
    if project is None or lead is None:
        stdout.write("Planning: demo projects missing; nothing loaded.")
        return
    if Plan.objects.filter(project=project).exists():
        stdout.write("Planning: demo plan already there.")
        return
    with translation.override("zh-hans"):
        _load(project, lead)
    stdout.write(f"Planning: plan of {PROJECT} in its pilot phase, {Task.objects.filter(phase__plan__project=project).count()} tasks.")


def _load(project: Project, lead: User) -> None:
    today = today_in(project.time_zone, _now())
    days_before_pilot = sum(p.days for p in template.PHASES[: [p.key for p in template.PHASES].index("pilot")])
    start = today - timedelta(days=days_before_pilot + DAYS_INTO_PILOT)
    plan = services.plan_create(actor=lead, project=project, start_date=start, planned_headcount=6)
    services.needs_update(
        actor=lead, plan=plan, business_type="线上零售 Online retail (apparel, home)", scale="small",
        channels=["chat"], monthly_volumes={"chat": 42000}, presales_percent=80,
        service_hours="每天 08:00–24:00 Daily 08:00–24:00", languages="普通话, English",
        peak_seasons="618 (六月 June), 双十一 Singles' Day (November), 春节 Spring Festival", planned_headcount=6,
        needs_notes="Two vendors share the volume 60/40; pilot on 20% of chats.")
    tasks = {t.pk: t for t in Task.objects.filter(phase__plan=plan).select_related("phase")}
    edges = {pk: list(t.depends_on.values_list("pk", flat=True)) for pk, t in tasks.items()}
    before_pilot = {p.key for p in template.PHASES[:5]}
    for pk in graph.topological_order(tasks, edges):
        task = tasks[pk]
        if task.phase.key in before_pilot:
            services.task_move(actor=lead, task=task, status="done")
    people = {u.username: u for u in User.objects.filter(username__in=["lead", "qa", "aurora-manager",
                                                                        "bamboo-manager", "admin"])}
    by_title = {str(t.title): t for t in Task.objects.filter(phase__plan=plan)}
    pilot = plan.phases.get(key="pilot")
    with translation.override("zh-hans"):
        access = by_title[translation.gettext("Grant system access and pass the security review")]
        handover = by_title[translation.gettext("Hand over customer data and routing")]
    _assign(lead, access, people["admin"], pilot.start_date + timedelta(days=1))
    services.task_move(actor=lead, task=access, status="done")
    _assign(lead, handover, people["lead"], pilot.start_date + timedelta(days=3))  # overdue
    services.task_move(actor=lead, task=handover, status="in_progress")
    for title, username, status, due, priority, effort in EXTRA_TASKS:
        task = services.task_create(actor=lead, phase=pilot, title=title, assignee=people.get(username),
                                    priority=priority, start_date=today + timedelta(days=min(due, 0) - effort),
                                    due_date=today + timedelta(days=due), effort=effort)
        if status != "todo":
            services.task_move(actor=lead, task=task, status=status)
    services.signoff_record(actor=people["admin"], plan=plan, item="system_access",
                            note="VPN and chat console accounts for 12 agents")
    services.signoff_record(actor=people["admin"], plan=plan, item="security_signoff",
                            note="Penetration test and DLP review passed")
    for milestone in Milestone.objects.filter(phase__plan=plan, phase__key__in=before_pilot):
        services.milestone_reach(actor=lead, milestone=milestone,
                                 now=_now() - timedelta(days=(today - milestone.due_date).days))


def _assign(actor, task, person, due):
    services.task_update(actor=actor, task=task, title=task.title, assignee=person, priority=task.priority,
                         start_date=min(task.start_date or due, due), due_date=due, effort=task.effort)


def _now():
    from django.utils import timezone

    return timezone.now()
