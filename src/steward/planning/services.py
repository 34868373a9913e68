"""Every write of the planning app. The rules live here (dependencies, the RACI matrix, the
go-live gate), so the pages, the API and the command line cannot get around them."""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from steward.core.models import Channel, Project, User
from steward.core.notifications import notify
from steward.planning import graph, raci as raci_rules, selectors, template
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

# The starter RACI matrix: (activity, accountable, responsible, consulted, informed); parties
# by key: lead, manager and security on the client's side, "vendor" = each vendor's operations manager.
DEFAULT_RACI_PARTIES = (
    ("lead", gettext_noop("Client project lead")),
    ("manager", gettext_noop("Client outsourcing manager")),
    ("security", gettext_noop("Client IT and security")),
)
DEFAULT_RACI = (
    (gettext_noop("Approve the needs assessment"), "manager", ("lead",), ("vendor",), ("security",)),
    (gettext_noop("Sign the contract and SLA"), "manager", ("lead",), ("vendor",), ()),
    (gettext_noop("Recruit and train the agents"), "lead", ("vendor",), (), ("manager",)),
    (gettext_noop("Grant system access"), "security", ("lead",), (), ("vendor",)),
    (gettext_noop("Decide go-live"), "manager", ("lead",), ("security", "vendor"), ()),
    (gettext_noop("Report KPIs weekly"), "lead", ("vendor",), (), ("manager",)),
)


def _client_only(actor: User, message: str) -> None:
    if not (actor.is_client_side or actor.is_superuser):
        raise ValidationError(message)


def _check_party(actor: User, project: Project) -> None:
    if not (actor.is_client_side or actor.is_superuser) and not project.vendors.filter(pk=actor.vendor_id).exists():
        raise ValidationError(_("This plan belongs to a project your company does not serve."))


def _check_assignee(assignee: User | None, project: Project) -> None:
    if assignee is None:
        return
    if not assignee.is_active or not (assignee.vendor_id is None
                                      or project.vendors.filter(pk=assignee.vendor_id).exists()):
        raise ValidationError({"assignee": _("The assignee must be client staff or staff of a vendor serving "
                                             "the project.")})


# --- plan and needs assessment -----------------------------------------------------------

@transaction.atomic
def plan_create(*, actor: User, project: Project, start_date: date, planned_headcount: int | None = None) -> Plan:
    """A plan from the standard template: nine phases back to back from `start_date`, their
    milestones, starter tasks (with their dependencies) and a starter RACI matrix."""
    _client_only(actor, _("Only the client's staff create project plans."))
    if Plan.objects.filter(project=project).exists():
        raise ValidationError(_("Project %(code)s already has a plan.") % {"code": project.code})
    plan = Plan(project=project, start_date=start_date, planned_headcount=planned_headcount,
                channels=list(project.channels), created_by=actor)
    plan.full_clean()
    plan.save()
    start = start_date
    by_key: dict[str, Task] = {}
    for order, spec in enumerate(template.PHASES, start=1):
        end = start + timedelta(days=spec.days - 1)
        phase = Phase.objects.create(plan=plan, key=spec.key, name=_(spec.name), order=order, start_date=start,
                                     end_date=end)
        for name in spec.milestones:
            Milestone.objects.create(phase=phase, name=_(name), due_date=end,
                                     is_go_live=name == template.GO_LIVE_MILESTONE)
        for task_spec in spec.tasks:
            task = Task.objects.create(phase=phase, title=_(task_spec.title), priority=task_spec.priority,
                                       effort=task_spec.effort, start_date=max(start, end - timedelta(days=task_spec.effort - 1)),
                                       due_date=end, created_by=actor)
            task.depends_on.set([by_key[k] for k in task_spec.after])
            by_key[task_spec.key] = task
        start = end + timedelta(days=1)
    parties = {key: [RaciParty.objects.create(plan=plan, name=_(name), order=i)]
               for i, (key, name) in enumerate(DEFAULT_RACI_PARTIES)}
    parties["vendor"] = [RaciParty.objects.create(plan=plan, name=_("Vendor operations manager"), vendor=vendor,
                                                  order=len(DEFAULT_RACI_PARTIES) + i)
                         for i, vendor in enumerate(project.vendors.order_by("code"))]
    for order, (name, accountable, responsible, consulted, informed) in enumerate(DEFAULT_RACI):
        activity = RaciActivity.objects.create(plan=plan, name=_(name), order=order)
        cells = [(accountable, "A")] + [(k, "R") for k in responsible] + [(k, "C") for k in consulted] + [
            (k, "I") for k in informed]
        RaciAssignment.objects.bulk_create(RaciAssignment(activity=activity, party=party, letter=letter)
                                           for key, letter in cells for party in parties[key])
    return plan


NEEDS_FIELDS = ("business_type", "scale", "channels", "monthly_volumes", "presales_percent", "service_hours",
                "languages", "peak_seasons", "planned_headcount", "needs_notes")


@transaction.atomic
def needs_update(*, actor: User, plan: Plan, **values) -> Plan:
    _client_only(actor, _("Only the client's staff edit the needs assessment."))
    unknown = set(values) - set(NEEDS_FIELDS)
    if unknown:
        raise ValidationError(_("Unknown field(s): %(fields)s.") % {"fields": ", ".join(sorted(unknown))})
    channels = list(values.get("channels", plan.channels) or [])
    bad = sorted(set(channels) - set(Channel.values))
    if bad:
        raise ValidationError({"channels": _("Unknown channel(s): %(unknown)s.") % {"unknown": ", ".join(bad)}})
    volumes = values.get("monthly_volumes", plan.monthly_volumes) or {}
    clean_volumes = {}
    for channel, volume in volumes.items():
        if channel not in channels:
            raise ValidationError({"monthly_volumes": _("A volume is given for %(channel)s, which is not one of the "
                                                        "chosen channels.") % {"channel": channel}})
        if not isinstance(volume, int) or isinstance(volume, bool) or volume < 0:
            raise ValidationError({"monthly_volumes": _("Volumes are whole numbers of contacts, 0 or more.")})
        clean_volumes[channel] = volume
    values["channels"], values["monthly_volumes"] = channels, clean_volumes
    for name, value in values.items():
        setattr(plan, name, value)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def phase_update(*, actor: User, phase: Phase, name: str, start_date: date, end_date: date) -> Phase:
    _client_only(actor, _("Only the client's staff change the phases."))
    phase.name, phase.start_date, phase.end_date = name.strip(), start_date, end_date
    phase.full_clean()
    phase.save()
    return phase


# --- tasks -------------------------------------------------------------------------------

def _check_may_move(actor: User, task: Task) -> None:
    project = task.phase.plan.project
    _check_party(actor, project)
    if actor.is_client_side or actor.is_superuser:
        return
    if task.assignee_id is None or task.assignee.vendor_id != actor.vendor_id:
        raise ValidationError(_("Vendor staff move only the tasks assigned to their own company."))


@transaction.atomic
def task_create(*, actor: User, phase: Phase, title: str, assignee: User | None = None,
                priority: str = Task.Priority.NORMAL, start_date: date | None = None, due_date: date | None = None,
                effort: int = 1, description: str = "", depends_on=()) -> Task:
    project = phase.plan.project
    _check_party(actor, project)
    _check_assignee(assignee, project)
    if not (actor.is_client_side or actor.is_superuser) and (assignee is None or assignee.vendor_id != actor.vendor_id):
        raise ValidationError({"assignee": _("Vendor staff add tasks for their own company's people.")})
    task = Task(phase=phase, title=title.strip(), assignee=assignee, priority=priority, start_date=start_date,
                due_date=due_date, effort=effort, description=description.strip(), created_by=actor)
    task.full_clean()
    task.save()
    for prerequisite in depends_on:
        dependency_add(actor=actor, task=task, prerequisite=prerequisite)
    return task


@transaction.atomic
def task_update(*, actor: User, task: Task, title: str, assignee: User | None, priority: str,
                start_date: date | None, due_date: date | None, effort: int, description: str = "",
                phase: Phase | None = None) -> Task:
    task = Task.objects.select_for_update(of=("self",)).select_related("phase__plan__project", "assignee").get(pk=task.pk)
    _check_may_move(actor, task)
    project = task.phase.plan.project
    _check_assignee(assignee, project)
    if not (actor.is_client_side or actor.is_superuser) and (assignee is None or assignee.vendor_id != actor.vendor_id):
        raise ValidationError({"assignee": _("Vendor staff assign tasks to their own company's people.")})
    if phase is not None:
        if phase.plan_id != task.phase.plan_id:
            raise ValidationError({"phase": _("The phase belongs to another plan.")})
        task.phase = phase
    task.title, task.assignee, task.priority = title.strip(), assignee, priority
    task.start_date, task.due_date, task.effort, task.description = start_date, due_date, effort, description.strip()
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def task_move(*, actor: User, task: Task, status: str, now: datetime | None = None) -> Task:
    """Move a task to another column of the board. It cannot start or finish while any of its
    dependencies is not done; a done task cannot be reopened while a task that depends on it
    has started or finished."""
    task = Task.objects.select_for_update(of=("self",)).select_related("phase__plan__project", "assignee").get(pk=task.pk)
    _check_may_move(actor, task)
    if status not in Task.Status.values:
        raise ValidationError({"status": _("Unknown status %(status)s.") % {"status": status}})
    if status in Task.NEEDS_DEPENDENCIES:
        waiting = list(task.depends_on.exclude(status=Task.Status.DONE).order_by("pk"))
        if waiting:
            raise ValidationError(_("“%(task)s” cannot be %(status)s before its dependencies are done: "
                                    "%(waiting)s.") % {"task": task.title, "status": Task.Status(status).label.lower(),
                                                        "waiting": "; ".join(t.title for t in waiting)})
    if task.status == Task.Status.DONE and status != Task.Status.DONE:
        started = list(task.dependents.filter(status__in=Task.NEEDS_DEPENDENCIES).order_by("pk"))
        if started:
            raise ValidationError(_("“%(task)s” cannot be reopened: %(started)s already started or finished "
                                    "on the strength of it.") % {"task": task.title,
                                                                  "started": "; ".join(t.title for t in started)})
    task.status = status
    task.completed_at = (now or timezone.now()) if status == Task.Status.DONE else None
    task.full_clean()
    task.save()
    return task


@transaction.atomic
def dependency_add(*, actor: User, task: Task, prerequisite: Task) -> Task:
    task = Task.objects.select_for_update(of=("self",)).select_related("phase__plan__project").get(pk=task.pk)
    _check_party(actor, task.phase.plan.project)
    if not (actor.is_client_side or actor.is_superuser):
        raise ValidationError(_("Only the client's staff change dependencies."))
    if prerequisite.phase.plan_id != task.phase.plan_id:
        raise ValidationError({"depends_on": _("A task can depend only on tasks of the same plan.")})
    edges: dict[int, list[int]] = {}
    for a, b in Task.depends_on.through.objects.filter(from_task__phase__plan_id=task.phase.plan_id).values_list(
            "from_task_id", "to_task_id"):
        edges.setdefault(a, []).append(b)
    loop = graph.creates_cycle(edges, task.pk, prerequisite.pk)
    if loop:
        titles = dict(Task.objects.filter(pk__in=loop).values_list("pk", "title"))
        raise ValidationError({"depends_on": _("This dependency would make a cycle: %(cycle)s.")
                               % {"cycle": " → ".join(titles[pk] for pk in loop)}})
    if task.status in Task.NEEDS_DEPENDENCIES and prerequisite.status != Task.Status.DONE:
        raise ValidationError({"depends_on": _("“%(task)s” has already started; it cannot wait for “%(other)s”, "
                                               "which is not done.") % {"task": task.title, "other": prerequisite.title}})
    task.depends_on.add(prerequisite)
    return task


@transaction.atomic
def dependency_remove(*, actor: User, task: Task, prerequisite: Task) -> Task:
    _check_party(actor, task.phase.plan.project)
    if not (actor.is_client_side or actor.is_superuser):
        raise ValidationError(_("Only the client's staff change dependencies."))
    task.depends_on.remove(prerequisite)
    return task


# --- milestones and go-live --------------------------------------------------------------

@transaction.atomic
def milestone_reach(*, actor: User, milestone: Milestone, now: datetime | None = None) -> Milestone:
    _client_only(actor, _("Only the client's staff mark milestones as reached."))
    if milestone.is_go_live:
        raise ValidationError(_("The go-live milestone is reached only by going live, after the readiness "
                                "checklist holds."))
    milestone.done_at, milestone.done_by = now or timezone.now(), actor
    milestone.full_clean()
    milestone.save()
    return milestone


@transaction.atomic
def milestone_reopen(*, actor: User, milestone: Milestone) -> Milestone:
    _client_only(actor, _("Only the client's staff reopen milestones."))
    if milestone.is_go_live:
        raise ValidationError(_("A project that went live is not taken back by reopening the milestone."))
    milestone.done_at, milestone.done_by = None, None
    milestone.save()
    return milestone


class GoLiveBlocked(ValidationError):
    """Raised with one message per unmet readiness condition."""


@transaction.atomic
def go_live(*, actor: User, plan: Plan, now: datetime | None = None) -> Plan:
    """The one go-live action: reaches the go-live milestone, records who and when, and sets
    the project live, only when every readiness condition holds."""
    _client_only(actor, _("Only the client's staff take a project live."))
    plan = Plan.objects.select_for_update(of=("self",)).select_related("project").get(pk=plan.pk)
    if plan.went_live_at:
        raise ValidationError(_("Project %(code)s went live on %(date)s.")
                              % {"code": plan.project.code, "date": plan.went_live_at.date().isoformat()})
    unmet = [c for c in selectors.readiness(plan) if not c.met]
    if unmet:
        raise GoLiveBlocked([selectors.reason_text(c) for c in unmet])
    now = now or timezone.now()
    milestone = selectors.go_live_milestone(plan)
    if milestone is not None:
        milestone.done_at, milestone.done_by = now, actor
        milestone.full_clean()
        milestone.save()
    plan.went_live_at, plan.went_live_by = now, actor
    plan.save()
    if plan.project.status != Project.Status.LIVE:
        plan.project.status = Project.Status.LIVE
        plan.project.save(update_fields=["status"])
    return plan


@transaction.atomic
def signoff_record(*, actor: User, plan: Plan, item: str, note: str = "") -> ReadinessSignoff:
    _client_only(actor, _("Only the client's staff record readiness items."))
    if item not in ReadinessSignoff.Item.values:
        raise ValidationError({"item": _("Unknown checklist item %(item)s.") % {"item": item}})
    if item == ReadinessSignoff.Item.SECURITY and not ReadinessSignoff.objects.filter(
            plan=plan, item=ReadinessSignoff.Item.SYSTEM_ACCESS).exists():
        raise ValidationError({"item": _("Record the system access first; the security sign-off approves it.")})
    if ReadinessSignoff.objects.filter(plan=plan, item=item).exists():
        raise ValidationError({"item": _("This item is already recorded.")})
    signoff = ReadinessSignoff(plan=plan, item=item, note=note.strip(), recorded_by=actor)
    signoff.full_clean()
    signoff.save()
    return signoff


@transaction.atomic
def signoff_withdraw(*, actor: User, plan: Plan, item: str) -> None:
    _client_only(actor, _("Only the client's staff record readiness items."))
    if plan.went_live_at:
        raise ValidationError(_("The project went live; its checklist is kept as it was."))
    if item == ReadinessSignoff.Item.SYSTEM_ACCESS:
        ReadinessSignoff.objects.filter(plan=plan, item=ReadinessSignoff.Item.SECURITY).delete()
    ReadinessSignoff.objects.filter(plan=plan, item=item).delete()


# --- RACI --------------------------------------------------------------------------------

@transaction.atomic
def raci_party_add(*, actor: User, plan: Plan, name: str, vendor=None) -> RaciParty:
    _client_only(actor, _("Only the client's staff edit the RACI matrix."))
    if vendor is not None and not plan.project.vendors.filter(pk=vendor.pk).exists():
        raise ValidationError({"vendor": _("%(vendor)s does not serve this project.") % {"vendor": vendor.name}})
    party = RaciParty(plan=plan, name=name.strip(), vendor=vendor, order=plan.raci_parties.count())
    party.full_clean()
    try:
        with transaction.atomic():
            party.save()
    except IntegrityError:
        raise ValidationError({"name": _("This role is already in the matrix.")}) from None
    return party


@transaction.atomic
def raci_activity_add(*, actor: User, plan: Plan, name: str, accountable: RaciParty, responsible: RaciParty) -> RaciActivity:
    """An activity comes with its accountable and responsible parties, so the matrix stays valid."""
    _client_only(actor, _("Only the client's staff edit the RACI matrix."))
    if accountable.plan_id != plan.pk or responsible.plan_id != plan.pk:
        raise ValidationError(_("Choose roles of this plan's matrix."))
    if responsible.pk == accountable.pk:
        raise ValidationError({"responsible": _("A role holds one letter per activity: name a responsible role "
                                                "other than the accountable one.")})
    activity = RaciActivity(plan=plan, name=name.strip(), order=plan.raci_activities.count())
    activity.full_clean()
    activity.save()
    RaciAssignment.objects.create(activity=activity, party=accountable, letter="A")
    RaciAssignment.objects.create(activity=activity, party=responsible, letter="R")
    return activity


@transaction.atomic
def raci_save(*, actor: User, plan: Plan, cells: dict[tuple[int, int], str]) -> None:
    """Replace the whole matrix. Every activity needs exactly one A and at least one R; one
    letter per cell. Nothing is saved when any activity breaks a rule."""
    _client_only(actor, _("Only the client's staff edit the RACI matrix."))
    activities = {a.pk: a.name for a in plan.raci_activities.all()}
    parties = set(plan.raci_parties.values_list("pk", flat=True))
    clean: dict[tuple[int, int], str] = {}
    for (activity_id, party_id), value in cells.items():
        if activity_id not in activities or party_id not in parties:
            raise ValidationError(_("The matrix names an activity or role that is not in this plan."))
        try:
            letter = raci_rules.clean_letter(value)
        except ValueError:
            raise ValidationError(_("“%(value)s” is not one of R, A, C, I.") % {"value": value}) from None
        if letter:
            clean[(activity_id, party_id)] = letter
    found = raci_rules.problems(activities, clean)
    if found:
        raise ValidationError([_raci_problem(activities[a], kind) for a, kind in found.items()])
    RaciAssignment.objects.filter(activity__plan=plan).delete()
    RaciAssignment.objects.bulk_create(RaciAssignment(activity_id=a, party_id=p, letter=letter)
                                       for (a, p), letter in clean.items())


def _raci_problem(activity: str, kind: str) -> str:
    messages = {
        "no_accountable": _("“%(activity)s” has no accountable (A) role; exactly one is needed."),
        "many_accountable": _("“%(activity)s” has more than one accountable (A) role; exactly one is allowed."),
        "no_responsible": _("“%(activity)s” has nobody responsible (R)."),
    }
    return messages[kind] % {"activity": activity}


@transaction.atomic
def raci_activity_delete(*, actor: User, activity: RaciActivity) -> None:
    _client_only(actor, _("Only the client's staff edit the RACI matrix."))
    activity.delete()


# --- reminders ---------------------------------------------------------------------------

def send_overdue_reminders(today: date | None = None) -> int:
    """Tell the assignee of every unfinished task past its due date, once a day per task.
    `today` is taken in each project's time zone when not given. Returns how many reminders
    were sent."""
    def today_of(project):
        return today or selectors.today_in(project.time_zone, timezone.now())

    sent = 0
    for task in selectors.overdue_tasks(today_of):
        day = today_of(task.phase.plan.project)
        with transaction.atomic():
            updated = Task.objects.filter(pk=task.pk).exclude(last_reminded_on=day).update(last_reminded_on=day)
            if not updated:
                continue
            notify([task.assignee], gettext_noop("Task “%(task)s” of project %(project)s was due on %(due)s and is "
                                                 "not done."),
                   {"task": task.title, "project": task.phase.plan.project.code, "due": task.due_date.isoformat()},
                   url=task.get_absolute_url())
            sent += 1
    return sent
