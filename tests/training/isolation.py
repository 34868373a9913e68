"""Rows for the isolation walker: articles of each vendor's own project (and one global), agents
of both vendors with sessions, attendance, results, certifications and acknowledgements, so each
vendor-A agent owns rows the other must not see."""

from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

from steward.interactions.models import Agent
from steward.training import services


def _agent(world, vendor, code, user=None, project=None):
    agent = Agent.objects.filter(user=user).first() if user else None
    if agent is None:
        agent = Agent.objects.create(vendor=vendor, code=code, name=f"{code} person", user=user)
    agent.projects.add(project)
    return agent


def seed(world):
    admin = world.user("client_admin")
    amy = _agent(world, world.vendor_a, "amy-train", world.user("a-agent1"), world.project_a)
    arlo = _agent(world, world.vendor_a, "arlo-train", world.user("a-agent2"), world.project_a)
    bella = _agent(world, world.vendor_b, "bravosecret-trainee", world.user("b-agent1"), world.project_b)

    common = services.article_create(actor=admin, code="common-faq", title="Common questions", kind="faq",
                                     body="Opening hours are 9 to 18.")
    alpha = services.article_create(actor=admin, code="alpha-brand", title="Alphaonly brand manual",
                                    kind="brand_manual", project=world.project_a, body="Alphaonly tone of voice",
                                    banned_phrases=["alphaonly banned"])
    bravo = services.article_create(actor=admin, code="bravosecret-policy", title="Bravosecret refund policy",
                                    kind="policy", project=world.project_b, body="Bravosecret policy text",
                                    change_note="Bravosecret first edition")
    for article in (common, alpha, bravo):
        services.version_publish(actor=admin, version=article.versions.get())
    services.acknowledge(actor=world.user("a-agent1"), version=alpha.current_version)
    services.acknowledge(actor=world.user("b-agent1"), version=bravo.current_version)

    course = services.course_create(actor=admin, code="walker-course", name="Walker onboarding", refresher_months=1)
    quiz = services.assessment_create(actor=admin, course=course, code="quiz", name="Walker quiz")
    services.require_training(actor=admin, project=world.project_a, course=course)
    services.require_training(actor=admin, project=world.project_b, course=course)
    start = datetime(2025, 3, 3, 2, 0, tzinfo=dt_timezone.utc)
    session_a = services.session_create(actor=world.user("a-manager"), course=course, vendor=world.vendor_a,
                                        starts_at=start, ends_at=start + timedelta(hours=2), agents=[amy, arlo],
                                        location="Alpharoom 3", trainer="Alphatrainer Li")
    session_b = services.session_create(actor=world.user("b-manager"), course=course, vendor=world.vendor_b,
                                        starts_at=start, ends_at=start + timedelta(hours=2), agents=[bella],
                                        location="Bravosecret room", trainer="Bravosecret trainer",
                                        notes="Bravosecret session notes")
    services.attendance_record(actor=world.user("a-manager"), session=session_a, agent=amy, status="attended")
    services.result_record(actor=world.user("a-manager"), assessment=quiz, agent=amy, score="91",
                           taken_on=date(2025, 3, 3), session=session_a, notes="Amyprivate result notes")
    services.result_record(actor=world.user("a-manager"), assessment=quiz, agent=arlo, score="55",
                           taken_on=date(2025, 3, 3), session=session_a, notes="Arloprivate result notes")
    services.result_record(actor=world.user("b-manager"), assessment=quiz, agent=bella, score="88",
                           taken_on=date(2025, 3, 3), session=session_b, notes="Bravosecret result notes")
