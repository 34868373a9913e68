"""Rows for the isolation walker: meetings, action items, announcements, receipts and
feedback of both vendors, a shared meeting, and action items owned by each vendor-A agent."""

from datetime import date, datetime, timedelta, timezone

from steward.collaboration import services


def seed(world):
    admin = world.user("client_admin")
    start = datetime(2025, 3, 3, 2, 0, tzinfo=timezone.utc)
    a, b = world.vendor_a, world.vendor_b
    meetings = {
        "a": services.meeting_create(actor=admin, project=world.project_a, kind="weekly_ops",
                                     title="Alphaweekly operations", starts_at=start, vendors=[a],
                                     attendees=[world.user("a-manager")], agenda="Alphaagenda backlog"),
        "b": services.meeting_create(actor=admin, project=world.project_b, kind="monthly_review",
                                     title="Bravosecret monthly review", starts_at=start, vendors=[b],
                                     attendees=[world.user("b-manager"), world.user("b-agent1")],
                                     agenda="Bravosecret agenda: price cuts"),
        "shared_b": services.meeting_create(actor=admin, project=world.shared, kind="qbr",
                                            title="Bravosecret quarterly review on the shared mailbox",
                                            starts_at=start, vendors=[b], attendees=[world.user("b-manager")]),
        "both": services.meeting_create(actor=admin, project=world.shared, kind="weekly_ops",
                                        title="Joint mailbox stand-up", starts_at=start, vendors=[a, b],
                                        attendees=[world.user("a-manager"), world.user("b-manager")]),
    }
    meetings["b"].minutes = "Bravosecret minutes"
    meetings["b"].save()
    services.decision_add(actor=admin, meeting=meetings["b"], text="Bravosecret decision to renegotiate")
    services.decision_add(actor=admin, meeting=meetings["a"], text="Alphadecision to hire")
    due = date(2025, 3, 10)
    services.action_item_create(actor=admin, meeting=meetings["a"], title="Amyprivate action for agent one",
                                owner=world.user("a-agent1"), due_date=due)
    services.action_item_create(actor=admin, meeting=meetings["a"], title="Arloprivate action for agent two",
                                owner=world.user("a-agent2"), due_date=due + timedelta(days=30))
    services.action_item_create(actor=admin, meeting=meetings["b"], title="Bravosecret action item",
                                owner=world.user("b-manager"), due_date=due)
    # Visible to both vendors, owned by a person of vendor B: A must not learn who.
    services.action_item_create(actor=admin, meeting=meetings["both"], title="Joint action on macros",
                                owner=world.user("b-manager"), due_date=due)

    to_a = services.announcement_publish(actor=admin, kind="policy_update", title="Alphapolicy refund rules",
                                         body="Alphapolicy body", to_client=True, vendors=[a])
    to_b = services.announcement_publish(actor=admin, kind="announcement", title="Bravosecret notice",
                                         body="Bravosecret notice body", to_client=False, vendors=[b])
    everyone = services.announcement_publish(actor=admin, kind="announcement", title="Holiday schedule for all",
                                             body="Everyone reads this", all_vendors=True)
    for name in ("a-manager", "a-agent2"):
        services.announcement_mark_read(user=world.user(name), announcement=to_a)
    for name in ("b-manager", "b-agent1"):
        services.announcement_mark_read(user=world.user(name), announcement=to_b)
        services.announcement_mark_read(user=world.user(name), announcement=everyone)

    today = date(2025, 3, 4)
    services.feedback_submit(vendor=a, project=world.project_a, topic="workload",
                             body="Alphafeedback: breaks are too short", today=today)
    secret = services.feedback_submit(vendor=b, project=world.project_b, topic="conduct",
                                      body="Bravosecret feedback about the supervisor", today=today)
    services.feedback_answer(actor=admin, message=secret, answer="Bravosecret answer: we will look into it")
    services.feedback_submit(vendor=b, project=world.shared, topic="process",
                             body="Bravosecret feedback on the shared mailbox", today=today)
