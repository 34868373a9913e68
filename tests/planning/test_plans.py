"""Plans from the template, task dependencies, the board's moves, progress rollup, RACI and
overdue reminders, through the real services."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from steward.core.models import Notification
from steward.planning import selectors, services, template
from steward.planning.models import Milestone, Phase, RaciAssignment, Task

pytestmark = pytest.mark.django_db


def _task(plan, title):
    return Task.objects.get(phase__plan=plan, title=title)


def test_plan_from_template_has_nine_phases_back_to_back_with_milestones_and_tasks(plan):
    phases = list(plan.phases.order_by("order"))
    assert [p.key for p in phases] == ["needs", "sourcing", "contracting", "recruiting", "training", "pilot",
                                       "go_live", "steady_state", "review"]
    assert phases[0].start_date == dt.date(2025, 1, 6)
    for before, after in zip(phases, phases[1:]):
        assert after.start_date == before.end_date + dt.timedelta(days=1)
    assert all(p.milestones.exists() for p in phases)
    assert Milestone.objects.filter(phase__plan=plan, is_go_live=True).count() == 1
    assert Milestone.objects.get(phase__plan=plan, is_go_live=True).phase.key == template.GO_LIVE_PHASE
    assert Task.objects.filter(phase__plan=plan).count() == sum(len(p.tasks) for p in template.PHASES)
    train = _task(plan, "Train and certify the agents")
    assert {t.title for t in train.depends_on.all()} == {"Hire agents to the planned headcount",
                                                         "Hand over the knowledge base and product training"}
    assert plan.channels == ["email", "ticket"]


def test_a_project_gets_one_plan_and_only_the_client_creates_it(world, plan):
    with pytest.raises(ValidationError, match="already has a plan"):
        services.plan_create(actor=world.user("project_lead"), project=world.shared, start_date=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError, match="client"):
        services.plan_create(actor=world.user("a-manager"), project=world.project_a, start_date=dt.date(2025, 1, 1))


def test_needs_assessment_validates_channels_and_volumes(world, plan):
    lead = world.user("project_lead")
    services.needs_update(actor=lead, plan=plan, business_type="Online retail", channels=["email"],
                          monthly_volumes={"email": 12000}, presales_percent=30, planned_headcount=12,
                          languages="Mandarin, English", peak_seasons="11.11", service_hours="08:00–22:00")
    plan.refresh_from_db()
    assert plan.after_sales_percent == 70 and plan.monthly_volumes == {"email": 12000}
    with pytest.raises(ValidationError, match="not one of the chosen channels"):
        services.needs_update(actor=lead, plan=plan, monthly_volumes={"voice": 10})
    with pytest.raises(ValidationError, match="whole numbers"):
        services.needs_update(actor=lead, plan=plan, monthly_volumes={"email": -1})
    with pytest.raises(ValidationError):
        services.needs_update(actor=lead, plan=plan, presales_percent=101)
    with pytest.raises(ValidationError, match="client"):
        services.needs_update(actor=world.user("a-manager"), plan=plan, languages="x")


# --- dependencies -------------------------------------------------------------------------

def test_dependency_cycles_are_refused(world, plan):
    lead = world.user("project_lead")
    volumes, signoff = _task(plan, "Collect volumes, channels and service hours"), _task(plan, "Approve the needs assessment")
    rfp = _task(plan, "Issue the request for proposal")
    # signoff depends on volumes; rfp depends on signoff. volumes → rfp would close a loop of three.
    with pytest.raises(ValidationError, match="cycle") as error:
        services.dependency_add(actor=lead, task=volumes, prerequisite=rfp)
    assert "Collect volumes" in str(error.value) and "Issue the request" in str(error.value)
    with pytest.raises(ValidationError, match="cycle"):
        services.dependency_add(actor=lead, task=volumes, prerequisite=volumes)
    assert not volumes.depends_on.exists()
    services.dependency_add(actor=lead, task=rfp, prerequisite=volumes)  # a shortcut is fine
    assert rfp.depends_on.filter(pk=volumes.pk).exists()


def test_dependency_must_stay_in_the_plan_and_be_set_by_the_client(world, plan, plan_a):
    lead = world.user("project_lead")
    with pytest.raises(ValidationError, match="same plan"):
        services.dependency_add(actor=lead, task=_task(plan, "Sign the contract"),
                                prerequisite=_task(plan_a, "Sign the contract"))
    with pytest.raises(ValidationError, match="client"):
        services.dependency_add(actor=world.user("a-manager"), task=_task(plan, "Sign the contract"),
                                prerequisite=_task(plan, "Collect volumes, channels and service hours"))


def test_task_cannot_start_or_finish_before_its_dependencies_are_done(world, plan):
    lead = world.user("project_lead")
    volumes, signoff = _task(plan, "Collect volumes, channels and service hours"), _task(plan, "Approve the needs assessment")
    for status in ("in_progress", "done"):
        with pytest.raises(ValidationError, match="before its dependencies are done: Collect volumes"):
            services.task_move(actor=lead, task=signoff, status=status)
    services.task_move(actor=lead, task=signoff, status="blocked")  # waiting is allowed
    services.task_move(actor=lead, task=volumes, status="done")
    services.task_move(actor=lead, task=signoff, status="in_progress")
    # A done prerequisite cannot be reopened while its dependent has started.
    with pytest.raises(ValidationError, match="cannot be reopened"):
        services.task_move(actor=lead, task=volumes, status="todo")
    # And a started task cannot be given a new unfinished prerequisite.
    with pytest.raises(ValidationError, match="already started"):
        services.dependency_add(actor=lead, task=signoff,
                                prerequisite=_task(plan, "Hand over the knowledge base and product training"))
    volumes.refresh_from_db()
    assert volumes.completed_at is not None


def test_vendor_staff_move_only_their_own_companys_tasks(world, plan):
    lead, manager = world.user("project_lead"), world.user("a-manager")
    hire = _task(plan, "Hire agents to the planned headcount")
    with pytest.raises(ValidationError, match="own company"):
        services.task_move(actor=manager, task=_task(plan, "Collect volumes, channels and service hours"),
                           status="in_progress")
    services.task_update(actor=lead, task=hire, title=hire.title, assignee=world.user("a-agent1"), priority="high",
                         start_date=hire.start_date, due_date=hire.due_date, effort=hire.effort)
    hire.refresh_from_db()
    with pytest.raises(ValidationError, match="own company"):
        services.task_move(actor=world.user("b-manager"), task=hire, status="blocked")
    with pytest.raises(ValidationError, match="vendor serving"):
        services.task_create(actor=lead, phase=plan.phases.get(key="pilot"), title="x",
                             assignee=world.users["a-agent1"].__class__.objects.create_user(
                                 username="stranger", role="vendor_manager",
                                 vendor=world.vendor_a.__class__.objects.create(code="charlie", name="C")))
    task = services.task_create(actor=manager, phase=plan.phases.get(key="pilot"), title="Set up the floor",
                                assignee=world.user("a-agent2"), due_date=dt.date(2025, 6, 1))
    assert task.created_by == manager
    with pytest.raises(ValidationError, match="own company's people"):
        services.task_create(actor=manager, phase=plan.phases.get(key="pilot"), title="y",
                             assignee=world.user("b-agent1"))


def test_the_boards_move_returns_to_a_path_within_steward_only(client, world, plan):
    """`next` is the board the form was on; any other text leads to the task's page."""
    task = _task(plan, "Collect volumes, channels and service hours")
    client.force_login(world.user("project_lead"))
    board = f"/planning/projects/{plan.project.code}/board/"
    response = client.post(f"/planning/tasks/{task.pk}/move/", {"status": "in_progress", "next": board})
    assert response.status_code == 302 and response.url == board
    for typo in ("x", "²", "https://elsewhere.example/"):
        response = client.post(f"/planning/tasks/{task.pk}/move/", {"status": "in_progress", "next": typo})
        assert response.status_code == 302 and response.url == task.get_absolute_url()


def test_due_date_before_start_is_refused(world, plan):
    with pytest.raises(ValidationError, match="before the start"):
        services.task_create(actor=world.user("project_lead"), phase=plan.phases.get(key="pilot"), title="x",
                             start_date=dt.date(2025, 5, 2), due_date=dt.date(2025, 5, 1))


# --- progress -----------------------------------------------------------------------------

def test_progress_rolls_up_by_effort_to_phase_and_project(world, plan):
    lead = world.user("project_lead")
    # needs: volumes (3 days) + approval (1 day); finishing volumes = 3/4 of the phase.
    services.task_move(actor=lead, task=_task(plan, "Collect volumes, channels and service hours"), status="done")
    overview = selectors.plan_overview(user=lead, plan=plan)
    needs = next(p for p in overview["phases"] if p.key == "needs")
    assert (needs.progress.done, needs.progress.total, needs.progress.percent) == (3, 4, Decimal("75.0"))
    total_effort = sum(t.effort for p in template.PHASES for t in p.tasks)
    assert (overview["progress"].done, overview["progress"].total) == (3, total_effort)
    # A cancelled task leaves the denominator.
    services.task_move(actor=lead, task=_task(plan, "Approve the needs assessment"), status="cancelled")
    overview = selectors.plan_overview(user=lead, plan=plan)
    needs = next(p for p in overview["phases"] if p.key == "needs")
    assert needs.progress.percent == Decimal("100.0")
    assert overview["progress"].total == total_effort - 1
    # A phase without tasks has no figure.
    empty = Phase.objects.create(plan=plan, key="extra", name="Extra", order=10, start_date=dt.date(2025, 9, 1),
                                 end_date=dt.date(2025, 9, 2))
    overview = selectors.plan_overview(user=lead, plan=plan)
    assert next(p for p in overview["phases"] if p.pk == empty.pk).progress.percent is None


# --- RACI ---------------------------------------------------------------------------------

def test_template_raci_is_valid_and_names_each_vendor(plan):
    matrix = selectors.raci(user=plan.created_by, plan=plan)
    assert matrix["problems"] == {}
    assert sum(1 for p in matrix["parties"] if p.vendor_id) == 2
    for activity in plan.raci_activities.all():
        assert activity.assignments.filter(letter="A").count() == 1


def test_raci_save_refuses_zero_or_two_accountable_and_keeps_the_old_matrix(world, plan):
    lead = world.user("project_lead")
    activity = plan.raci_activities.first()
    parties = list(plan.raci_parties.all())
    before = set(RaciAssignment.objects.filter(activity__plan=plan).values_list("activity", "party", "letter"))
    cells = {(a, p): letter for a, p, letter in before}
    two_a = {**cells, (activity.pk, parties[-1].pk): "A"}
    with pytest.raises(ValidationError, match="more than one accountable"):
        services.raci_save(actor=lead, plan=plan, cells=two_a)
    no_a = {k: v for k, v in cells.items() if not (k[0] == activity.pk and v == "A")}
    with pytest.raises(ValidationError, match="no accountable"):
        services.raci_save(actor=lead, plan=plan, cells=no_a)
    with pytest.raises(ValidationError, match="not one of R, A, C, I"):
        services.raci_save(actor=lead, plan=plan, cells={**cells, (activity.pk, parties[-1].pk): "X"})
    assert set(RaciAssignment.objects.filter(activity__plan=plan).values_list("activity", "party", "letter")) == before
    # Moving the A to another party (and the R along) is fine.
    moved = {k: v for k, v in cells.items() if k[0] != activity.pk}
    moved[(activity.pk, parties[0].pk)] = "R"
    moved[(activity.pk, parties[1].pk)] = "A"
    services.raci_save(actor=lead, plan=plan, cells=moved)
    assert activity.assignments.get(letter="A").party == parties[1]
    with pytest.raises(ValidationError, match="client"):
        services.raci_save(actor=world.user("a-manager"), plan=plan, cells=moved)


def test_raci_activity_comes_with_its_a_and_r(world, plan):
    lead = world.user("project_lead")
    parties = list(plan.raci_parties.all())
    activity = services.raci_activity_add(actor=lead, plan=plan, name="Run calibration", accountable=parties[0],
                                          responsible=parties[-1])
    assert set(activity.assignments.values_list("letter", flat=True)) == {"A", "R"}
    with pytest.raises(ValidationError, match="one letter per activity"):
        services.raci_activity_add(actor=lead, plan=plan, name="Other", accountable=parties[0],
                                   responsible=parties[0])
    assert not plan.raci_activities.filter(name="Other").exists()
    with pytest.raises(ValidationError, match="does not serve"):
        services.raci_party_add(actor=lead, plan=plan, name="Ops", vendor=world.vendor_b.__class__.objects.create(
            code="delta", name="Delta"))


# --- overdue reminders --------------------------------------------------------------------

def test_overdue_reminders_reach_assignees_once_a_day(world, plan):
    lead, agent = world.user("project_lead"), world.user("a-agent1")
    volumes = _task(plan, "Collect volumes, channels and service hours")  # due 2025-01-19
    services.task_update(actor=lead, task=volumes, title=volumes.title, assignee=agent, priority="high",
                         start_date=volumes.start_date, due_date=dt.date(2025, 1, 19), effort=3)
    hire = _task(plan, "Hire agents to the planned headcount")
    services.task_update(actor=lead, task=hire, title=hire.title, assignee=world.user("b-manager"), priority="high",
                         start_date=None, due_date=dt.date(2025, 1, 19), effort=10)
    services.task_move(actor=lead, task=hire, status="cancelled")  # finished: no reminder
    assert services.send_overdue_reminders(dt.date(2025, 1, 19)) == 0  # due today is not overdue
    assert services.send_overdue_reminders(dt.date(2025, 1, 20)) == 1
    assert services.send_overdue_reminders(dt.date(2025, 1, 20)) == 0  # once a day
    note = Notification.objects.get(recipient=agent)
    assert "Collect volumes" in note.text and "2025-01-19" in note.text and note.url == volumes.get_absolute_url()
    assert services.send_overdue_reminders(dt.date(2025, 1, 21)) == 1
    services.task_move(actor=lead, task=volumes, status="done")
    assert services.send_overdue_reminders(dt.date(2025, 1, 22)) == 0
    assert not Notification.objects.filter(recipient=world.user("b-manager")).exists()


def test_overdue_tasks_are_flagged_in_the_projects_time_zone(world, plan):
    lead = world.user("project_lead")
    task = _task(plan, "Collect volumes, channels and service hours")
    # 2025-01-19 16:30 UTC is already the 20th in Shanghai: a task due on the 19th is overdue.
    now = dt.datetime(2025, 1, 19, 16, 30, tzinfo=dt.UTC)
    rows = selectors.tasks(user=lead, plan=plan, due="overdue", now=now)
    assert task in rows
    assert all(t.urgency == "overdue" for t in rows)
    earlier = dt.datetime(2025, 1, 19, 15, 30, tzinfo=dt.UTC)  # 23:30 on the 19th in Shanghai
    assert task not in selectors.tasks(user=lead, plan=plan, due="overdue", now=earlier)


def test_reminder_command(world, plan):
    import io

    from django.core.management import CommandError, call_command

    lead = world.user("project_lead")
    task = _task(plan, "Collect volumes, channels and service hours")
    services.task_update(actor=lead, task=task, title=task.title, assignee=world.user("a-manager"), priority="high",
                         start_date=None, due_date=dt.date(2025, 1, 19), effort=3)
    out = io.StringIO()
    call_command("plan_reminders", "--date", "2025-01-25", stdout=out)
    assert out.getvalue().startswith("1 overdue-task reminder(s) sent.")
    with pytest.raises(CommandError, match="not a date"):
        call_command("plan_reminders", "--date", "tomorrow")
