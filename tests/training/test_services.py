from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from steward.core.models import Notification
from steward.interactions.models import Agent
from steward.training import selectors, services
from steward.training.models import ArticleVersion, Certification
from tests.training import factories as f


@pytest.fixture
def admin(world):
    return world.user("client_admin")


@pytest.fixture
def course_with_tests(admin):
    course = services.course_create(actor=admin, code="onboarding", name="Onboarding", refresher_months=1)
    written = services.assessment_create(actor=admin, course=course, code="quiz", name="Product quiz",
                                         pass_mark="80", max_score="100")
    roleplay = services.assessment_create(actor=admin, course=course, code="roleplay", name="Angry caller",
                                          kind="role_play", pass_mark="7", max_score="10",
                                          scenario="A customer whose parcel is late asks for a refund.")
    return course, written, roleplay


# --- knowledge base -------------------------------------------------------------------


def test_published_version_is_immutable_and_editing_creates_a_new_version(world, admin):
    article = services.article_create(actor=admin, code="brand", title="Brand manual", kind="brand_manual",
                                      project=world.project_a, body="Be kind.", banned_phrases="calm down\nCalm Down\nno",
                                      required_phrases=["您好"])
    v1 = article.versions.get()
    assert v1.banned_phrases == ["calm down", "no"]  # one per line, de-duplicated case-insensitively
    services.version_publish(actor=admin, version=v1)
    v1.refresh_from_db()
    v1.body = "changed"
    with pytest.raises(ValidationError):
        v1.save()
    assert ArticleVersion.objects.get(pk=v1.pk).body == "Be kind."
    v2 = services.article_revise(actor=admin, article=article, body="Be very kind.", change_note="tone")
    assert v2.number == 2 and not v2.is_published
    # A second edit changes the same draft, it does not pile up drafts.
    assert services.article_revise(actor=admin, article=article, body="Be very, very kind.").pk == v2.pk
    assert article.current_version == v1
    services.version_publish(actor=admin, version=v2)
    assert article.current_version.number == 2
    with pytest.raises(ValidationError):
        services.version_publish(actor=admin, version=v2)


def test_only_client_staff_write_articles(world):
    with pytest.raises(ValidationError):
        services.article_create(actor=world.user("a-manager"), code="x", title="X", kind="faq", body="b")


def test_acknowledgement_per_version_and_who_has_not(world, admin):
    amy = f.agent(world.vendor_a, "amy", world.project_a, user=world.user("a-agent1"))
    arlo = f.agent(world.vendor_a, "arlo", world.project_a, user=world.user("a-agent2"))
    bella = f.agent(world.vendor_b, "bella", world.project_b, user=world.user("b-agent1"))
    article = services.article_create(actor=admin, code="refunds", title="Refund policy", kind="policy",
                                      project=world.project_a, body="30 days.")
    v1 = article.versions.get()
    with pytest.raises(ValidationError, match="published"):
        services.acknowledge(actor=world.user("a-agent1"), version=v1)
    services.version_publish(actor=admin, version=v1)
    assert Notification.objects.filter(recipient=world.user("a-agent1")).exists()
    assert not Notification.objects.filter(recipient=world.user("b-agent1")).exists()
    services.acknowledge(actor=world.user("a-agent1"), version=v1)
    services.acknowledge(actor=world.user("a-agent1"), version=v1)  # repeating is harmless
    assert list(selectors.not_acknowledged(user=admin, version=v1)) == [arlo]
    with pytest.raises(ValidationError, match="not for your projects"):
        services.acknowledge(actor=world.user("b-agent1"), version=v1)
    v2 = services.article_revise(actor=admin, article=article, body="14 days.")
    services.version_publish(actor=admin, version=v2)
    # A new version must be acknowledged again; the old one can no longer be.
    assert set(selectors.not_acknowledged(user=admin, version=v2)) == {amy, arlo}
    with pytest.raises(ValidationError, match="newer version"):
        services.acknowledge(actor=world.user("a-agent2"), version=v1)
    # A vendor manager sees only its own agents in the list.
    assert set(selectors.not_acknowledged(user=world.user("b-manager"), version=v2)) == set()
    assert bella not in selectors.not_acknowledged(user=admin, version=v2)


# --- results, certification, refreshers -----------------------------------------------


def test_course_is_passed_when_every_assessment_is_passed(world, admin, course_with_tests):
    course, written, roleplay = course_with_tests
    agent = f.agent(world.vendor_a, "amy", world.project_a, user=world.user("a-agent1"))
    day = timezone.localdate() - timedelta(days=3)
    r = services.result_record(actor=admin, assessment=written, agent=agent, score="79.5", taken_on=day)
    assert not r.passed and r.pass_mark == Decimal("80")
    services.result_record(actor=admin, assessment=written, agent=agent, score="80", taken_on=day)
    assert not Certification.objects.exists()  # the role-play is still missing
    services.result_record(actor=world.user("a-manager"), assessment=roleplay, agent=agent, score="8", taken_on=day)
    cert = Certification.objects.get(agent=agent, course=course)
    assert cert.certified_on == day
    assert cert.expires_on == services.add_months(day, 1) - timedelta(days=1)


def test_result_validation(world, admin, course_with_tests):
    _, written, _ = course_with_tests
    agent = f.agent(world.vendor_a, "amy", world.project_a)
    today = timezone.localdate()
    for score in ("101", "-1", "abc", "NaN"):
        with pytest.raises(ValidationError):
            services.result_record(actor=admin, assessment=written, agent=agent, score=score, taken_on=today)
    with pytest.raises(ValidationError):
        services.result_record(actor=admin, assessment=written, agent=agent, score="90",
                               taken_on=today + timedelta(days=1))
    with pytest.raises(ValidationError, match="another company"):
        services.result_record(actor=world.user("b-manager"), assessment=written, agent=agent, score="90",
                               taken_on=today)
    with pytest.raises(ValidationError):
        services.assessment_create(actor=admin, course=written.course, code="bad", name="Bad", pass_mark="120")


def test_monthly_refresher_renews_and_an_old_pass_does_not_count(world, admin):
    course = services.course_create(actor=admin, code="refresh", name="Monthly refresher", refresher_months=1)
    quiz = services.assessment_create(actor=admin, course=course, code="q", name="Quiz")
    agent = f.agent(world.vendor_a, "amy", world.project_a)
    today = timezone.localdate()
    services.result_record(actor=admin, assessment=quiz, agent=agent, score="90", taken_on=today - timedelta(days=60))
    cert = Certification.objects.get()
    assert cert.expires_on < today
    services.result_record(actor=admin, assessment=quiz, agent=agent, score="95", taken_on=today)
    cert.refresh_from_db()
    assert cert.certified_on == today and cert.valid_on(today)


def test_attending_a_course_without_assessments_certifies(world, admin):
    course = services.course_create(actor=admin, code="safety", name="Data safety")
    agent = f.agent(world.vendor_a, "amy", world.project_a)
    start = datetime(2026, 3, 2, 1, 0, tzinfo=dt_timezone.utc)
    session = services.session_create(actor=world.user("a-manager"), course=course, vendor=world.vendor_a,
                                      starts_at=start, ends_at=start + timedelta(hours=2), agents=[agent])
    assert not Certification.objects.exists()
    services.attendance_record(actor=world.user("a-manager"), session=session, agent=agent, status="attended")
    assert Certification.objects.get().certified_on == date(2026, 3, 2)


def test_sessions_are_per_vendor(world, admin):
    course = services.course_create(actor=admin, code="c1", name="C1")
    start = timezone.now()
    with pytest.raises(ValidationError, match="another company"):
        services.session_create(actor=world.user("a-manager"), course=course, vendor=world.vendor_b,
                                starts_at=start, ends_at=start + timedelta(hours=1))
    bella = f.agent(world.vendor_b, "bella", world.project_b)
    with pytest.raises(ValidationError, match="does not work for"):
        services.session_create(actor=admin, course=course, vendor=world.vendor_a, starts_at=start,
                                ends_at=start + timedelta(hours=1), agents=[bella])
    with pytest.raises(ValidationError):
        services.session_create(actor=admin, course=course, vendor=world.vendor_a, starts_at=start, ends_at=start)


# --- the activation gate: service and model paths ----------------------------------------


@pytest.fixture
def gated(world, admin, course_with_tests):
    course, written, roleplay = course_with_tests
    services.require_training(actor=admin, project=world.project_a, course=course)
    agent = f.agent(world.vendor_a, "newbie", world.project_a, user=world.user("a-agent1"))
    return course, written, roleplay, agent


def test_new_agents_start_in_training():
    assert Agent._meta.get_field("status").default == Agent.Status.TRAINING


def test_gate_service_refuses_then_allows(world, admin, gated):
    course, written, roleplay, agent = gated
    with pytest.raises(ValidationError) as refused:
        services.agent_activate(actor=world.user("a-manager"), agent=agent)
    assert "Onboarding (onboarding)" in str(refused.value) and "alpha-only" in str(refused.value)
    day = timezone.localdate()
    services.result_record(actor=admin, assessment=written, agent=agent, score="90", taken_on=day)
    services.result_record(actor=admin, assessment=roleplay, agent=agent, score="9", taken_on=day)
    assert services.agent_activate(actor=world.user("a-manager"), agent=agent).status == Agent.Status.ACTIVE
    with pytest.raises(ValidationError):
        services.agent_activate(actor=world.user("b-manager"), agent=agent)


@pytest.mark.parametrize("path", ["save", "clean", "bulk_update", "assign_forward", "assign_reverse", "set"])
def test_gate_cannot_be_bypassed_below_the_service(world, gated, path):
    """The model refuses whatever the caller (a page, the API, a shell, an admin form) does."""
    _, _, _, agent = gated
    with pytest.raises(ValidationError, match="required trainings"):
        if path == "save":
            agent.status = Agent.Status.ACTIVE
            agent.save()
        elif path == "clean":
            agent.status = Agent.Status.ACTIVE
            agent.full_clean()
        elif path == "bulk_update":
            Agent.objects.filter(pk=agent.pk).update(status=Agent.Status.ACTIVE)
        else:
            # An active agent without trainings may not join a project that requires them.
            other = Agent.objects.create(vendor=world.vendor_a, code="veteran", status=Agent.Status.ACTIVE)
            with transaction.atomic():  # Django adds many-to-many rows without a savepoint of its own
                if path == "assign_forward":
                    other.projects.add(world.project_a)
                elif path == "assign_reverse":
                    world.project_a.agents.add(other)
                else:
                    other.projects.set([world.project_a])
    agent.refresh_from_db()
    assert agent.status == Agent.Status.TRAINING
    assert not Agent.objects.filter(code="veteran", projects=world.project_a).exists()


def test_agent_without_required_trainings_on_its_projects_activates(world, admin):
    agent = f.agent(world.vendor_b, "bella", world.project_b)
    assert services.agent_activate(actor=world.user("b-manager"), agent=agent).status == Agent.Status.ACTIVE
    agent.projects.add(world.shared)  # nothing required there either


def test_lapsed_agents_go_back_to_training(world, admin, gated):
    course, written, roleplay, agent = gated
    day = timezone.localdate() - timedelta(days=40)
    services.result_record(actor=admin, assessment=written, agent=agent, score="90", taken_on=day)
    services.result_record(actor=admin, assessment=roleplay, agent=agent, score="9", taken_on=day)
    Certification.objects.filter(agent=agent).update(expires_on=timezone.localdate() + timedelta(days=5))
    services.agent_activate(actor=admin, agent=agent)
    assert services.suspend_lapsed_agents(timezone.localdate()) == []
    lapsed = services.suspend_lapsed_agents(timezone.localdate() + timedelta(days=6))
    assert lapsed == [agent]
    agent.refresh_from_db()
    assert agent.status == Agent.Status.TRAINING
    assert Notification.objects.filter(recipient=world.user("a-manager"), params__agent="newbie").exists()


# --- reminders --------------------------------------------------------------------------


def test_reminders_for_missing_and_expiring_are_sent_once(world, admin):
    course = f.course("monthly", refresher_months=1)
    basics = f.course("basics")
    f.require(world.project_a, course, basics)
    amy = f.agent(world.vendor_a, "amy", world.project_a, user=world.user("a-agent1"))
    f.agent(world.vendor_a, "arlo", world.project_a, user=world.user("a-agent2"))
    today = date(2026, 11, 23)
    f.certify(amy, basics, date(2026, 1, 1))
    f.certify(amy, course, date(2026, 10, 31), today + timedelta(days=7))
    report = services.send_training_reminders(today)
    # amy: refresher due in 7 days; arlo: two trainings missing.
    assert report.reminders == 3 and report.agents_notified == 3 and report.managers_notified == 1
    amy_notes = Notification.objects.filter(recipient=world.user("a-agent1"))
    assert amy_notes.get().params == {"course": "Course monthly", "day": "2026-11-30"}
    assert Notification.objects.filter(recipient=world.user("a-agent2")).count() == 2
    assert Notification.objects.filter(recipient=world.user("a-manager")).get().params == {"count": 3}
    assert not Notification.objects.filter(recipient=world.user("b-manager")).exists()
    # Running again the same day (or the next) repeats nothing.
    assert services.send_training_reminders(today).reminders == 0
    assert services.send_training_reminders(today + timedelta(days=1)).reminders == 0
    # Six days later the 1-day reminder goes out; after expiry the "expired" one; a new week
    # brings the missing trainings up again.
    assert services.send_training_reminders(today + timedelta(days=6)).reminders == 1
    assert services.send_training_reminders(today + timedelta(days=8)).reminders == 3


def test_reminders_with_nothing_required_send_nothing(world):
    assert services.send_training_reminders(date(2026, 11, 23)).reminders == 0
