"""Demo communication for the three demo projects: a past monthly review with minutes,
decisions and actions (one done, one overdue, one due soon), upcoming weekly operations and a
quarterly business review, announcements with some read receipts, and feedback messages.

Idempotent: each object is looked up by its title first.
"""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from steward.collaboration import selectors, services
from steward.collaboration.models import Announcement, FeedbackMessage, Meeting
from steward.core.models import Project, User, Vendor


def _at(day, hour: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour, 0), tzinfo=ZoneInfo(zone))


def _meeting(actor, project, vendors, kind, title, when, agenda, attendees, minutes="", held=False):
    meeting = Meeting.objects.filter(title=title, project=project).first()
    if meeting:
        return meeting, False
    meeting = services.meeting_create(actor=actor, project=project, kind=kind, title=title, starts_at=when,
                                      vendors=vendors, attendees=attendees, agenda=agenda, duration_minutes=60)
    if held:
        services.meeting_update(actor=actor, meeting=meeting, kind=kind, title=title, starts_at=when, vendors=vendors,
                                attendees=attendees, duration_minutes=60, location="Teams", agenda=agenda,
                                minutes=minutes, status=Meeting.Status.HELD)
    return meeting, True


def load(stdout) -> None:
    manager = User.objects.get(username="manager")
    lead = User.objects.get(username="lead")
    qa = User.objects.get(username="qa")
    today = selectors.client_today()
    created = 0
    for project in Project.objects.filter(code__in=["presales-chat", "aftersales-voice", "support-email"]):
        vendors = list(project.vendors.order_by("code"))
        managers = [User.objects.get(username=f"{v.code}-manager") for v in vendors]
        zone = project.time_zone
        review_day = today.replace(day=1) - timedelta(days=24)
        review, new = _meeting(
            manager, project, vendors, Meeting.Kind.MONTHLY_REVIEW,
            f"{project.name} — monthly review {review_day:%Y-%m}", _at(review_day, 14, zone),
            "1. KPIs against SLA\n2. QA findings\n3. Staffing for next month\n4. Open actions",
            [manager, qa, *managers],
            minutes="Service level below target on two days; QA found scripting gaps in refunds. "
                    "Vendors to present recovery plans.", held=True,
        )
        if new:
            created += 1
            services.decision_add(actor=manager, meeting=review, text="Refund script to be updated by the client "
                                                                      "and retrained by every vendor.")
            services.decision_add(actor=manager, meeting=review, text="Weekly staffing forecast shared every Friday.")
            first = managers[0]
            done = services.action_item_create(actor=manager, meeting=review, title="Send the updated refund script",
                                               owner=lead, due_date=review_day + timedelta(days=5))
            services.action_item_set_status(actor=manager, item=done, status="done")
            services.action_item_create(actor=manager, meeting=review, title="Retrain all agents on refunds",
                                        owner=first, due_date=today - timedelta(days=3))
            services.action_item_create(actor=manager, meeting=review, title="Share next month's staffing forecast",
                                        owner=managers[-1], due_date=today + timedelta(days=2),
                                        notes="Include the promotion week.")
        weekly_day = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
        _, new = _meeting(manager, project, vendors, Meeting.Kind.WEEKLY_OPERATIONS,
                          f"{project.name} — weekly operations {weekly_day:%m-%d}", _at(weekly_day, 10, zone),
                          "Last week's figures, incidents, actions due", [manager, *managers])
        created += new
    support = Project.objects.filter(code="support-email").first()
    if support:
        _, new = _meeting(manager, support, list(support.vendors.all()), Meeting.Kind.QUARTERLY_BUSINESS_REVIEW,
                          "Support — quarterly business review", _at(today + timedelta(days=20), 15, support.time_zone),
                          "Quarter scorecard, invoices and credits, improvement plan, next quarter's volumes",
                          [manager, lead])
        created += new

    if not Announcement.objects.filter(title="Refund policy: 14 days from delivery").exists():
        policy = services.announcement_publish(
            actor=manager, kind=Announcement.Kind.POLICY_UPDATE, title="Refund policy: 14 days from delivery",
            body="From the 1st, customers may return goods within 14 days of delivery (was 7). "
                 "Use the updated refund script; escalate exceptions to the client's team lead.",
            to_client=True, all_vendors=True)
        for username in ("aurora-manager", "aurora-agent1", "bamboo-manager", "qa", "lead"):
            services.announcement_mark_read(user=User.objects.get(username=username), announcement=policy)
        created += 1
    bamboo = Vendor.objects.filter(code="bamboo").first()
    if bamboo and not Announcement.objects.filter(title="Bamboo: new night-shift login procedure").exists():
        services.announcement_publish(actor=lead, kind=Announcement.Kind.ANNOUNCEMENT,
                                      title="Bamboo: new night-shift login procedure",
                                      body="Night-shift agents log in through the new VPN from Monday.",
                                      to_client=False, vendors=[bamboo])
        created += 1

    if not FeedbackMessage.objects.exists():
        samples = [
            ("aurora", "presales-chat", "workload", "Three chats at once during the evening peak is too many."),
            ("aurora", None, "training", "The new product range came without any training material."),
            ("bamboo", "aftersales-voice", "process", "Refund approvals take two days; customers call back angry."),
            ("cedar", "aftersales-voice", "workload", "Shifts are changed at one day's notice."),
            ("cedar", "support-email", "conduct", "We are told to close tickets before the customer confirms."),
        ]
        for code, project_code, topic, body in samples:
            vendor = Vendor.objects.get(code=code)
            project = Project.objects.filter(code=project_code).first() if project_code else None
            message = services.feedback_submit(vendor=vendor, project=project, topic=topic, body=body,
                                               today=today - timedelta(days=len(body) % 9))
            if "Refund approvals" in body:
                services.feedback_answer(actor=manager, message=message,
                                         answer="Approvals under 500 CNY no longer need the client from next week.")
            created += 1
    stdout.write(f"Collaboration: {created} new meetings, announcements and feedback messages.")
