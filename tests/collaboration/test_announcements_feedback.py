"""Announcements with read receipts, and the anonymous feedback box: nothing stored links a
message to its sender; small groups' counts stay hidden; the client's answers reach everyone."""

from datetime import date

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection
from simple_history.models import registered_models

from steward.collaboration import selectors, services
from steward.collaboration.models import FeedbackMessage, ReadReceipt
from steward.core import services as core_services
from steward.core.roles import Role


@pytest.fixture
def admin(world):
    return world.user("client_admin")


def test_announcement_reaches_its_audience_and_the_author_sees_the_share_read(client, world, admin):
    notice = services.announcement_publish(actor=admin, kind="policy_update", title="New refund policy",
                                           body="Refunds within 7 days.", to_client=False, vendors=[world.vendor_a])
    # Vendor A has three active people; vendor B none of this.
    assert list(selectors.announcement_list(user=world.user("b-manager"))) == []
    client.force_login(world.user("a-agent1"))
    assert client.get(notice.get_absolute_url()).status_code == 200
    client.get(notice.get_absolute_url())  # a second reading keeps the first time
    assert ReadReceipt.objects.filter(announcement=notice).count() == 1

    share = selectors.announcement_read_share(user=admin, announcement=notice)
    assert (share.read, share.audience) == (1, 3) and round(share.percent) == 33
    client.force_login(admin)
    page = client.get(notice.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Read by 1 of 3 recipients (33%)" in page
    # The client's admin is not addressed (to_client=False): reading leaves no receipt.
    assert ReadReceipt.objects.filter(announcement=notice).count() == 1
    receipts = client.get(f"/collaboration/announcements/{notice.pk}/receipts/").content.decode()
    assert "Amy" in receipts and "Anna" in receipts  # Anna (a-manager) has not read it yet

    client.force_login(world.user("b-manager"))
    assert client.get(notice.get_absolute_url()).status_code == 404


def test_a_vendor_manager_sees_only_its_own_readers(world, admin):
    notice = services.announcement_publish(actor=admin, kind="announcement", title="Holiday hours",
                                           body="...", all_vendors=True, to_client=True)
    assert set(notice.vendors.all()) == {world.vendor_a, world.vendor_b}
    for name in ("a-agent1", "b-agent1", "b-manager", "client_admin"):
        services.announcement_mark_read(user=world.user(name), announcement=notice)
    share = selectors.announcement_read_share(user=world.user("a-manager"), announcement=notice)
    assert (share.read, share.audience) == (1, 3)
    readers = selectors.announcement_receipts(user=world.user("a-manager"), announcement=notice)
    assert [r.user.username for r in readers] == ["a-agent1"]
    everyone = selectors.announcement_read_share(user=admin, announcement=notice)
    assert everyone.read == 4


def test_an_announcement_needs_an_audience_and_only_client_staff_publish(world, admin):
    with pytest.raises(ValidationError):
        services.announcement_publish(actor=admin, kind="announcement", title="t", body="b", to_client=False)
    with pytest.raises(ValidationError):
        services.announcement_publish(actor=world.user("a-manager"), kind="announcement", title="t", body="b")
    with pytest.raises(ValidationError):
        services.announcement_publish(actor=admin, kind="announcement", title="t", body="b", project=world.project_a,
                                      vendors=[world.vendor_b])


def _snapshot() -> dict[str, set]:
    tables = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f'SELECT * FROM "{table}"')
            tables[table] = {tuple(map(str, row)) for row in cursor.fetchall()}
    return tables


def test_nothing_in_the_database_links_a_feedback_message_to_its_sender(client, world):
    sender = world.user("a-agent2")
    client.force_login(sender)
    client.get("/collaboration/feedback/")  # the session settles before the snapshot
    before = _snapshot()
    response = client.post("/collaboration/feedback/", {"topic": "conduct", "project": "alpha-only",
                                                        "body": "My supervisor shouts at us"})
    assert response.status_code == 302
    after = _snapshot()

    message = FeedbackMessage.objects.get()
    assert message.vendor == world.vendor_a and message.body == "My supervisor shouts at us"
    new_rows = {table: after[table] - before.get(table, set()) for table in after}
    new_rows = {table: rows for table, rows in new_rows.items() if rows}
    # Only the message itself was written; no audit history, no log, no session change names it.
    assert set(new_rows) == {FeedbackMessage._meta.db_table}
    identity = {str(sender.pk), sender.username, sender.first_name}
    for row in new_rows[FeedbackMessage._meta.db_table]:
        assert not identity & set(row)
    # And by construction: no field can hold the sender, no history is kept, the day is all.
    user_fields = [f.name for f in FeedbackMessage._meta.get_fields()
                   if f.is_relation and f.related_model is apps.get_model("core", "User")]
    assert user_fields == ["answered_by"]
    assert FeedbackMessage not in [m for m in registered_models.values()]
    assert not hasattr(FeedbackMessage, "history")
    date_fields = [f.get_internal_type() for f in FeedbackMessage._meta.concrete_fields
                   if f.get_internal_type() in ("DateField", "DateTimeField") and f.name != "answered_at"]
    assert date_fields == ["DateField"]


def test_feedback_through_the_api_is_anonymous_too(client, world):
    client.force_login(world.user("a-agent1"))
    response = client.post("/api/collaboration/feedback", {"topic": "workload", "body": "Too many chats at once"},
                           content_type="application/json")
    assert response.status_code == 201 and "id" not in response.json()
    assert FeedbackMessage.objects.get().vendor == world.vendor_a
    response = client.post("/api/collaboration/feedback", {"body": "x", "project": "bravo-only"},
                           content_type="application/json")
    assert response.status_code == 400 and FeedbackMessage.objects.count() == 1


def _agents(make_user, vendor, count, prefix):
    return [make_user(f"{prefix}{i}", Role.AGENT, vendor) for i in range(count)]


def test_group_counts_are_hidden_below_the_minimum_group_size(client, world, make_user, settings):
    settings.STEWARD_FEEDBACK_MIN_GROUP_SIZE = 5
    today = date(2025, 3, 4)
    # Vendor A: 2 agents in the world + 3 more = 5, enough. Vendor B: 1 agent, too few.
    _agents(make_user, world.vendor_a, 3, "a-extra")
    for body in ("one", "two"):
        services.feedback_submit(vendor=world.vendor_a, project=None, topic="other", body=body, today=today)
    services.feedback_submit(vendor=world.vendor_b, project=None, topic="other", body="lonely", today=today)
    groups = {g.vendor.code: g for g in selectors.feedback_groups(user=world.user("client_admin"))}
    assert groups["alpha"].count == 2 and groups["alpha"].headcount == 5
    assert groups["bravo"].count is None and groups["bravo"].headcount == 1
    # The message of the small group does not name its vendor either.
    shown = {m.body: m.shown_vendor for m in selectors.feedback_list(user=world.user("client_admin"))}
    assert shown == {"one": world.vendor_a, "two": world.vendor_a, "lonely": None}

    client.force_login(world.user("client_admin"))
    table = client.get("/collaboration/feedback/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "fewer than 5 people" in table
    # "Open a corrective action" names the vendor only where the group is large enough.
    assert "vendor=alpha" in table and "vendor=bravo" not in table

    settings.STEWARD_FEEDBACK_MIN_GROUP_SIZE = 1
    groups = {g.vendor.code: g for g in selectors.feedback_groups(user=world.user("client_admin"))}
    assert groups["bravo"].count == 1


def test_team_counts_need_enough_people_on_the_project(world, make_user, settings):
    from steward.interactions.models import Agent

    settings.STEWARD_FEEDBACK_MIN_GROUP_SIZE = 3
    extra = _agents(make_user, world.vendor_a, 3, "a-team")
    for user in extra[:2]:
        agent = Agent.objects.create(vendor=world.vendor_a, code=user.username, user=user)
        agent.projects.add(world.project_a)
    today = date(2025, 3, 4)
    services.feedback_submit(vendor=world.vendor_a, project=world.project_a, topic="other", body="team", today=today)
    groups = selectors.feedback_groups(user=world.user("client_admin"))
    team = next(g for g in groups if g.project)
    assert team.headcount == 2 and team.count is None
    (message,) = selectors.feedback_list(user=world.user("client_admin"))
    assert message.shown_vendor == world.vendor_a and message.shown_project is None
    third = extra[2]
    Agent.objects.create(vendor=world.vendor_a, code=third.username, user=third).projects.add(world.project_a)
    team = next(g for g in selectors.feedback_groups(user=world.user("client_admin")) if g.project)
    assert team.headcount == 3 and team.count == 1


def test_answers_are_visible_to_every_agent_of_the_vendor_and_to_no_other_vendor(client, world):
    message = services.feedback_submit(vendor=world.vendor_a, project=None, topic="training",
                                       body="We need product training", today=date(2025, 3, 4))
    with pytest.raises(ValidationError):
        services.feedback_answer(actor=world.user("a-manager"), message=message, answer="no")
    client.force_login(world.user("client_admin"))
    client.post(f"/collaboration/feedback/{message.pk}/answer/", {"answer": "Sessions start on Monday"})
    for name in ("a-agent1", "a-agent2", "a-manager"):
        client.force_login(world.user(name))
        page = client.get("/collaboration/feedback/").content.decode()
        assert "We need product training" in page and "Sessions start on Monday" in page
    client.force_login(world.user("b-agent1"))
    page = client.get("/collaboration/feedback/").content.decode()
    assert "We need product training" not in page
    assert client.post(f"/collaboration/feedback/{message.pk}/answer/", {"answer": "x"}).status_code == 403


def test_a_feedback_project_must_be_served_by_the_senders_vendor(world):
    with pytest.raises(ValidationError):
        services.feedback_submit(vendor=world.vendor_a, project=world.project_b, topic="other", body="x",
                                 today=date(2025, 3, 4))
    with pytest.raises(ValidationError):
        services.feedback_submit(vendor=world.vendor_a, project=None, topic="other", body="   ", today=date(2025, 3, 4))
    assert not FeedbackMessage.objects.exists()


def test_an_inactive_agent_does_not_count_towards_the_group(world, settings):
    settings.STEWARD_FEEDBACK_MIN_GROUP_SIZE = 2
    assert selectors.vendor_headcount(world.vendor_a.pk) == 2
    agent = world.user("a-agent2")
    agent.is_active = False
    agent.save()
    assert selectors.vendor_headcount(world.vendor_a.pk) == 1
    core_services.user_create(username="a-agent3", role="agent", vendor_code="alpha")
    assert selectors.vendor_headcount(world.vendor_a.pk) == 2
