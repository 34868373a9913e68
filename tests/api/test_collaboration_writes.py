"""API writes of collaboration: meetings, decisions, action items, announcements and answers
to the feedback box, with the pages' capabilities and services."""

import datetime as dt

from steward.collaboration import selectors, services
from steward.collaboration.models import ActionItem, Announcement, Meeting
from tests.api.test_core_writes import api_client, call

MEETING = {"project": "shared-mail", "kind": "weekly_ops", "title": "Weekly ops", "starts_at": "2030-03-04T10:00",
           "vendors": ["alpha"], "attendees": ["outsourcing-manager", "a-manager"]}


def test_plan_edit_and_follow_up_a_meeting(world):
    client = api_client(world.user("project_lead"))
    created = call(client, "post", "/api/collaboration/meetings", MEETING, key="m-1")
    assert created.status_code == 201, created.content
    again = call(client, "post", "/api/collaboration/meetings", MEETING, key="m-1")
    assert again["Idempotent-Replayed"] == "true" and Meeting.objects.count() == 1
    pk = created.json()["id"]
    meeting = Meeting.objects.get(pk=pk)
    assert meeting.starts_at.isoformat() == "2030-03-04T02:00:00+00:00"  # 10:00 in Shanghai
    edited = call(client, "patch", f"/api/collaboration/meetings/{pk}", {"status": "held", "minutes": "All fine"})
    assert edited.status_code == 200 and edited.json()["status"] == "held" and edited.json()["minutes"] == "All fine"
    assert edited.json()["vendors"] == ["alpha"]
    decision = call(client, "post", f"/api/collaboration/meetings/{pk}/decisions", {"text": "Add two agents"})
    assert decision.status_code == 201 and decision.json()["text"] == "Add two agents"
    item = call(client, "post", f"/api/collaboration/meetings/{pk}/action-items",
                {"title": "Hire two agents", "owner": "a-manager", "due_date": "2030-03-20"})
    assert item.status_code == 201, item.content
    assert item.json()["meeting"] == pk and ActionItem.objects.get().owner == world.user("a-manager")
    # bravo does not take part: its staff cannot own the action.
    stranger = call(client, "post", f"/api/collaboration/meetings/{pk}/action-items",
                    {"title": "X", "owner": "b-manager", "due_date": "2030-03-20"})
    assert stranger.status_code == 400


def test_bad_input_is_a_400(world):
    client = api_client(world.user("project_lead"))
    assert call(client, "post", "/api/collaboration/meetings", {**MEETING, "kind": "party"}).status_code == 400
    assert call(client, "post", "/api/collaboration/meetings", {**MEETING, "project": "nosuch"}).status_code == 400
    assert call(client, "post", "/api/collaboration/meetings",
                {**MEETING, "vendors": ["alpha"], "attendees": ["b-manager"]}).status_code == 400
    nobody = call(client, "post", "/api/collaboration/announcements",
                  {"kind": "announcement", "title": "T", "body": "B", "to_client": False})
    assert nobody.status_code == 400 and "Choose who receives" in nobody.json()["detail"]


def test_publish_an_announcement_to_chosen_vendors(world):
    client = api_client(world.user("outsourcing_manager"))
    body = {"kind": "policy_update", "title": "New script", "body": "Use it from Monday", "to_client": False,
            "audience": "chosen", "vendors": ["alpha"]}
    created = call(client, "post", "/api/collaboration/announcements", body, key="a-1")
    assert created.status_code == 201, created.content
    assert list(Announcement.objects.get().vendors.values_list("code", flat=True)) == ["alpha"]
    a_titles = [a["title"] for a in call(api_client(world.user("a-manager")), "get",
                                         "/api/collaboration/announcements").json()]
    b_titles = [a["title"] for a in call(api_client(world.user("b-manager")), "get",
                                         "/api/collaboration/announcements").json()]
    assert "New script" in a_titles and "New script" not in b_titles


def test_answer_the_feedback_box(world):
    message = services.feedback_submit(vendor=world.vendor_a, project=None, topic="other", body="Breaks too short",
                                       today=dt.date(2030, 1, 1))
    client = api_client(world.user("outsourcing_manager"))
    answered = call(client, "post", f"/api/collaboration/feedback/{message.pk}/answer", {"answer": "We will look."})
    assert answered.status_code == 200 and answered.json()["answer"] == "We will look."
    blank = call(client, "post", f"/api/collaboration/feedback/{message.pk}/answer", {"answer": "   "})
    assert blank.status_code == 400
    assert call(api_client(world.user("a-manager")), "post", f"/api/collaboration/feedback/{message.pk}/answer",
                {"answer": "Mine"}).status_code == 403


def test_roles_without_the_capability_are_refused(world):
    for role in ("qa_analyst", "auditor", "a-manager", "a-agent1"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/collaboration/meetings", MEETING).status_code == 403
        assert call(client, "post", "/api/collaboration/announcements",
                    {"kind": "announcement", "title": "T", "body": "B"}).status_code == 403
    assert not Meeting.objects.exists() and not Announcement.objects.exists()


def test_a_vendor_cannot_reach_another_vendors_meeting_or_action(world):
    lead = world.user("project_lead")
    theirs = services.meeting_create(actor=lead, project=world.project_b, kind="weekly_ops", title="Bravo weekly",
                                     starts_at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC), vendors=[world.vendor_b])
    item = services.action_item_create(actor=lead, meeting=theirs, title="Bravo task", owner=world.user("b-manager"),
                                       due_date=dt.date(2030, 1, 9))
    client = api_client(world.user("a-manager"))
    assert call(client, "post", f"/api/collaboration/action-items/{item.pk}/status", {"status": "done"}).status_code == 404
    assert call(client, "get", f"/api/collaboration/meetings/{theirs.pk}").status_code == 404
    item.refresh_from_db()
    assert item.status == "open"
    assert not selectors.action_items(user=world.user("a-manager")).exists()
