"""Meetings, decisions and action items: who may take part, who may update, what is overdue
(in each project's own time zone), the reminder command, and what each vendor sees."""

import json
from datetime import date, datetime, timezone
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from steward.collaboration import selectors, services
from steward.collaboration.deadlines import Urgency, today_in, urgency
from steward.collaboration.models import ActionItem, Meeting

START = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)


@pytest.fixture
def admin(world):
    return world.user("client_admin")


def _meeting(world, admin, project=None, vendors=None, **kwargs):
    project = project or world.shared
    return services.meeting_create(
        actor=admin, project=project, kind=kwargs.pop("kind", "weekly_ops"), title=kwargs.pop("title", "Stand-up"),
        starts_at=START, vendors=vendors if vendors is not None else [world.vendor_a], **kwargs,
    )


def test_a_meeting_involves_only_vendors_serving_its_project(world, admin):
    with pytest.raises(ValidationError) as error:
        _meeting(world, admin, project=world.project_a, vendors=[world.vendor_b])
    assert "bravo" in str(error.value)
    assert not Meeting.objects.exists()


def test_attendees_are_client_staff_or_staff_of_vendors_taking_part(world, admin):
    with pytest.raises(ValidationError) as error:
        _meeting(world, admin, attendees=[world.user("b-manager")])
    assert "b-manager" in str(error.value)
    meeting = _meeting(world, admin, attendees=[world.user("a-manager"), world.user("qa_analyst")])
    assert set(meeting.attendees.values_list("username", flat=True)) == {"a-manager", "qa-analyst"}


def test_vendor_staff_cannot_plan_meetings(world):
    with pytest.raises(ValidationError):
        _meeting(world, world.user("a-manager"))


def test_action_owner_must_take_part_and_status_is_updated_by_the_right_people(world, admin):
    meeting = _meeting(world, admin, vendors=[world.vendor_a, world.vendor_b])
    with pytest.raises(ValidationError):
        services.action_item_create(actor=admin, meeting=_meeting(world, admin), title="x",
                                    owner=world.user("b-manager"), due_date=date(2025, 3, 10))
    item = services.action_item_create(actor=admin, meeting=meeting, title="Fix macros",
                                       owner=world.user("a-agent1"), due_date=date(2025, 3, 10))
    # Another vendor's manager (who sees the shared meeting) may not touch A's item.
    with pytest.raises(ValidationError):
        services.action_item_set_status(actor=world.user("b-manager"), item=item, status="done")
    # A colleague who is not the owner may not either.
    with pytest.raises(ValidationError):
        services.action_item_set_status(actor=world.user("a-agent2"), item=item, status="done")
    services.action_item_set_status(actor=world.user("a-agent1"), item=item, status="in_progress")
    services.action_item_set_status(actor=world.user("a-manager"), item=item, status="done")
    item.refresh_from_db()
    assert item.status == "done" and item.completed_at is not None
    services.action_item_set_status(actor=admin, item=item, status="open")
    item.refresh_from_db()
    assert item.completed_at is None
    with pytest.raises(ValidationError):
        services.action_item_set_status(actor=admin, item=item, status="finished")


def test_removing_a_vendor_with_open_actions_is_refused(world, admin):
    meeting = _meeting(world, admin, vendors=[world.vendor_a, world.vendor_b])
    services.action_item_create(actor=admin, meeting=meeting, title="B's task", owner=world.user("b-manager"),
                                due_date=date(2025, 3, 10))
    with pytest.raises(ValidationError) as error:
        services.meeting_update(actor=admin, meeting=meeting, kind="weekly_ops", title="t", starts_at=START,
                                vendors=[world.vendor_a], attendees=[], duration_minutes=30, location="",
                                agenda="", minutes="", status="held")
    assert "B's task" in str(error.value)
    assert meeting.vendors.count() == 2


def test_urgency_is_pure_and_exact_at_the_edges():
    today = date(2025, 3, 10)
    assert urgency(due=date(2025, 3, 9), today=today, finished=False, soon_days=3) == Urgency.OVERDUE
    assert urgency(due=today, today=today, finished=False, soon_days=3) == Urgency.DUE_SOON
    assert urgency(due=date(2025, 3, 13), today=today, finished=False, soon_days=3) == Urgency.DUE_SOON
    assert urgency(due=date(2025, 3, 14), today=today, finished=False, soon_days=3) == Urgency.ON_TRACK
    assert urgency(due=date(2025, 3, 1), today=today, finished=True, soon_days=3) == Urgency.FINISHED
    with pytest.raises(ValueError):
        today_in("Asia/Shanghai", datetime(2025, 3, 10))


def test_overdue_is_judged_in_each_projects_time_zone(world, admin, make_project):
    """At 2025-03-10 17:00 UTC it is already the 11th in Shanghai but still the 10th in Los Angeles."""
    la = make_project("la-voice", [world.vendor_a], time_zone="America/Los_Angeles")
    now = datetime(2025, 3, 10, 17, 0, tzinfo=timezone.utc)
    due = date(2025, 3, 10)
    shanghai_item = services.action_item_create(actor=admin, meeting=_meeting(world, admin, project=world.project_a),
                                                title="Shanghai", owner=admin, due_date=due)
    la_item = services.action_item_create(actor=admin, meeting=_meeting(world, admin, project=la),
                                          title="Los Angeles", owner=admin, due_date=due)
    overdue = selectors.action_items(user=admin, due="overdue", now=now)
    assert list(overdue) == [shanghai_item]
    attention = {i.pk: i.urgency for i in selectors.action_reminders(now=now, soon_days=3)}
    assert attention == {shanghai_item.pk: Urgency.OVERDUE, la_item.pk: Urgency.DUE_SOON}


def test_reminders_command_lists_overdue_and_due_soon_per_owner(world, admin):
    meeting = _meeting(world, admin)
    today = selectors.client_today()
    from datetime import timedelta

    late = services.action_item_create(actor=admin, meeting=meeting, title="Late report",
                                       owner=world.user("a-manager"), due_date=today - timedelta(days=2))
    services.action_item_create(actor=admin, meeting=meeting, title="Soon report", owner=world.user("a-agent1"),
                                due_date=today + timedelta(days=1))
    services.action_item_create(actor=admin, meeting=meeting, title="Far report", owner=world.user("a-agent1"),
                                due_date=today + timedelta(days=30))
    done = services.action_item_create(actor=admin, meeting=meeting, title="Done report", owner=admin,
                                       due_date=today - timedelta(days=5))
    services.action_item_set_status(actor=admin, item=done, status="done")

    out = StringIO()
    call_command("reminders", "actions", stdout=out)
    text = out.getvalue()
    assert "Late report" in text and "OVERDUE by 2 day(s)" in text and "Soon report" in text
    assert "Far report" not in text and "Done report" not in text
    assert "2 action item(s): 1 overdue, 1 due soon." in text

    out = StringIO()
    call_command("reminders", "actions", "--json", "--days", "0", stdout=out)
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows == [{"id": late.pk, "title": "Late report", "owner": "a-manager", "email": "",
                     "project": "shared-mail", "meeting": "Stand-up", "due_date": late.due_date.isoformat(),
                     "status": "open", "urgency": "overdue", "days_late": 2}]


def test_each_vendor_sees_its_own_meetings_and_agents_only_their_actions(world, admin):
    only_b = _meeting(world, admin, vendors=[world.vendor_b], title="With B only")
    both = _meeting(world, admin, vendors=[world.vendor_a, world.vendor_b], title="With both")
    services.action_item_create(actor=admin, meeting=both, title="Amy's", owner=world.user("a-agent1"),
                                due_date=date(2025, 3, 10))
    services.action_item_create(actor=admin, meeting=both, title="Arlo's", owner=world.user("a-agent2"),
                                due_date=date(2025, 3, 10))
    assert list(selectors.meeting_list(user=world.user("a-manager"))) == [both]
    assert set(selectors.meeting_list(user=world.user("b-manager"))) == {only_b, both}
    titles = lambda user: sorted(selectors.action_items(user=user).values_list("title", flat=True))  # noqa: E731
    assert titles(world.user("a-manager")) == ["Amy's", "Arlo's"]
    assert titles(world.user("a-agent1")) == ["Amy's"]


def test_pages_work_and_another_vendors_meeting_is_a_404(client, world, admin):
    meeting = _meeting(world, admin, vendors=[world.vendor_b], title="Bravo only meeting")
    client.force_login(admin)
    response = client.post("/collaboration/meetings/new/", {
        "project": "alpha-only", "kind": "monthly_review", "title": "March review", "starts_at": "2025-03-31T10:00",
        "duration_minutes": "90", "vendors": ["alpha"], "attendees": [str(world.user("a-manager").pk)],
        "agenda": "1. KPIs",
    })
    assert response.status_code == 302
    created = Meeting.objects.get(title="March review")
    # 10:00 typed for a Shanghai project is 02:00 UTC.
    assert created.starts_at == datetime(2025, 3, 31, 2, 0, tzinfo=timezone.utc)
    client.post(f"/collaboration/meetings/{created.pk}/decisions/", {"text": "Add two agents"})
    client.post(f"/collaboration/meetings/{created.pk}/actions/", {
        "title": "Recruit", "owner": str(world.user("a-manager").pk), "due_date": "2025-04-15"})
    assert created.decisions.get().text == "Add two agents"
    item = ActionItem.objects.get(title="Recruit")

    client.force_login(world.user("a-manager"))
    page = client.get(created.get_absolute_url()).content.decode()
    assert "March review" in page and "Add two agents" in page and "Recruit" in page
    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.get(f"/api/collaboration/meetings/{meeting.pk}").status_code == 404
    assert client.post(f"/collaboration/meetings/{created.pk}/decisions/", {"text": "x"}).status_code == 403
    response = client.post(f"/collaboration/actions/{item.pk}/status/", {"status": "done"})
    assert response.status_code == 302
    for typo in ("x", "²", "https://elsewhere.example/"):  # not a path within Steward: the item's page
        response = client.post(f"/collaboration/actions/{item.pk}/status/", {"status": "done", "next": typo})
        assert response.status_code == 302 and response.url == item.get_absolute_url()
    item.refresh_from_db()
    assert item.status == "done"
    api = client.get("/api/collaboration/action-items?status=done").json()
    assert [row["title"] for row in api] == ["Recruit"]


def test_a_bad_meeting_form_is_a_clear_error_not_a_500(client, world, admin):
    client.force_login(admin)
    response = client.post("/collaboration/meetings/new/", {"project": "alpha-only", "kind": "qbr", "title": "",
                                                            "starts_at": "tomorrow", "duration_minutes": "0"})
    assert response.status_code == 200 and not Meeting.objects.exists()
    assert b"error" in response.content
    created = _meeting(world, admin)
    response = client.post(f"/collaboration/meetings/{created.pk}/actions/", {"title": "x", "owner": "999999",
                                                                              "due_date": "nope"})
    assert response.status_code == 302 and not ActionItem.objects.exists()


def test_agents_may_not_open_meetings(client, world, admin):
    meeting = _meeting(world, admin)
    client.force_login(world.user("a-agent1"))
    assert client.get("/collaboration/meetings/").status_code == 403
    assert client.get(meeting.get_absolute_url()).status_code == 403
    assert client.get("/collaboration/actions/").status_code == 200
