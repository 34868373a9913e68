"""Coaching after an evaluation: assign a note or a training to the agent, the agent acknowledges
and marks it done, the assigner verifies; permissions, isolation, evidence from the training
records, overdue lists and reminders, pages and API."""

from datetime import date, datetime, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from steward.core.models import Notification
from steward.quality import selectors, services
from steward.quality.models import Coaching, CoachingEvent, Evaluation
from steward.training import services as training

pytestmark = pytest.mark.django_db

GOOD = {"greeting": ("no", "no greeting"), "accuracy": ("4", ""), "privacy": ("yes", "")}


def evaluate(world, contacts, scorecard, external_id, submit=True) -> Evaluation:
    analyst = world.user("qa_analyst")
    evaluation = services.evaluation_assign(actor=analyst, interaction=contacts[external_id], analyst=analyst,
                                            scorecard=scorecard)
    return services.evaluation_save(actor=analyst, evaluation=evaluation, answers=GOOD, submit=submit)


def soon(days=7) -> date:
    return timezone.localdate() + timedelta(days=days)


@pytest.fixture
def amy_eval(world, contacts, published_scorecard):
    return evaluate(world, contacts, published_scorecard, "QA-amy-3")


@pytest.fixture
def course(world):
    return training.course_create(actor=world.user("client_admin"), code="greeting-101", name="Greeting refresher")


def test_note_workflow_from_assignment_to_verified_completion(world, amy_eval):
    analyst, amy = world.user("qa_analyst"), world.user("a-agent1")
    coaching = services.coaching_assign(actor=analyst, evaluation=amy_eval, kind="note",
                                        text="Greet with the brand greeting in your first turn.", due_on=soon())
    assert coaching.status == Coaching.Status.OPEN and coaching.agent.user == amy
    assert coaching.vendor == world.vendor_a
    # The agent and the vendor's team lead are told; the assigner is not.
    told = set(Notification.objects.filter(url=coaching.get_absolute_url()).values_list("recipient__username", flat=True))
    assert told == {"a-agent1", "a-manager"}
    assert services.coaching_actions(amy, coaching) == ["acknowledge", "done"]
    assert services.coaching_actions(analyst, coaching) == ["cancel"]
    with pytest.raises(ValidationError):  # the assigner cannot acknowledge for the agent
        services.coaching_transition(actor=analyst, coaching=coaching, action="acknowledge")
    with pytest.raises(ValidationError):  # nor verify before the agent is done
        services.coaching_transition(actor=analyst, coaching=coaching, action="verify")
    coaching = services.coaching_transition(actor=amy, coaching=coaching, action="acknowledge")
    assert coaching.status == Coaching.Status.IN_PROGRESS and coaching.acknowledged_at
    with pytest.raises(ValidationError) as info:  # done needs a completion note
        services.coaching_transition(actor=amy, coaching=coaching, action="done")
    assert "note" in info.value.message_dict
    coaching = services.coaching_transition(actor=amy, coaching=coaching, action="done",
                                            note="Practised the greeting with my team lead.")
    assert coaching.status == Coaching.Status.DONE and coaching.completion_note.startswith("Practised")
    assert Notification.objects.filter(recipient=analyst, url=coaching.get_absolute_url()).exists()
    with pytest.raises(ValidationError):  # an agent cannot verify their own coaching
        services.coaching_transition(actor=amy, coaching=coaching, action="verify")
    with pytest.raises(ValidationError):  # sending back needs a reason
        services.coaching_transition(actor=analyst, coaching=coaching, action="reopen")
    coaching = services.coaching_transition(actor=analyst, coaching=coaching, action="reopen", note="Also the closing.")
    assert coaching.status == Coaching.Status.IN_PROGRESS and coaching.done_at is None
    coaching = services.coaching_transition(actor=amy, coaching=coaching, action="done", note="Closing too.")
    coaching = services.coaching_transition(actor=analyst, coaching=coaching, action="verify")
    assert coaching.status == Coaching.Status.COMPLETED
    assert coaching.verified_by == analyst and coaching.verified_at is not None
    assert services.coaching_actions(amy, coaching) == services.coaching_actions(analyst, coaching) == []
    assert list(CoachingEvent.objects.filter(coaching=coaching).values_list("kind", flat=True)) == [
        "assigned", "acknowledged", "done", "reopened", "done", "verified"]
    assert coaching.history.count() >= 6  # the audit trail too


def test_who_may_assign(world, contacts, published_scorecard, amy_eval):
    for name in ("a-manager", "outsourcing_manager", "client_admin"):
        assert services.coaching_assign(actor=world.user(name), evaluation=amy_eval, kind="note",
                                        text=f"From {name}", due_on=soon()).assigned_by == world.user(name)
    for name in ("a-agent1", "finance", "auditor", "project_lead"):
        with pytest.raises(ValidationError):
            services.coaching_assign(actor=world.user(name), evaluation=amy_eval, kind="note", text="x", due_on=soon())
    with pytest.raises(ValidationError):  # another vendor's team lead does not even see the evaluation
        services.coaching_assign(actor=world.user("b-manager"), evaluation=amy_eval, kind="note", text="x",
                                 due_on=soon())
    draft = evaluate(world, contacts, published_scorecard, "QA-amy-4", submit=False)
    with pytest.raises(ValidationError):  # not before the evaluation is submitted
        services.coaching_assign(actor=world.user("qa_analyst"), evaluation=draft, kind="note", text="x",
                                 due_on=soon())


def test_assignment_checks_its_input(world, amy_eval, course):
    analyst = world.user("qa_analyst")
    with pytest.raises(ValidationError) as info:
        services.coaching_assign(actor=analyst, evaluation=amy_eval, kind="training", text=" ",
                                 due_on=timezone.localdate() - timedelta(days=30))
    assert set(info.value.message_dict) == {"text", "due_on", "course"}
    with pytest.raises(ValidationError):
        services.coaching_assign(actor=analyst, evaluation=amy_eval, kind="lecture", text="x", due_on=soon())
    note = services.coaching_assign(actor=analyst, evaluation=amy_eval, kind="note", text="x", due_on=soon(),
                                    course=course)
    assert note.course is None  # a note carries no course


def test_only_the_assigner_verifies_or_cancels_unless_they_left(world, amy_eval, make_user):
    from steward.core.roles import Role

    other = make_user("qa-other", Role.QA_ANALYST)
    coaching = services.coaching_assign(actor=world.user("a-manager"), evaluation=amy_eval, kind="note",
                                        text="Slow down", due_on=soon())
    with pytest.raises(ValidationError):
        services.coaching_transition(actor=other, coaching=coaching, action="cancel", note="not mine")
    with pytest.raises(ValidationError):  # a reason is needed
        services.coaching_transition(actor=world.user("a-manager"), coaching=coaching, action="cancel")
    manager = world.user("a-manager")
    manager.is_active = False
    manager.save()
    coaching.refresh_from_db()
    # Another vendor's staff still sees nothing, but client QA staff may take over.
    with pytest.raises(ValidationError):
        services.coaching_transition(actor=world.user("b-manager"), coaching=coaching, action="cancel", note="x")
    coaching = services.coaching_transition(actor=other, coaching=coaching, action="cancel", note="Agent moved team")
    assert coaching.status == Coaching.Status.CANCELLED
    assert Notification.objects.filter(recipient=world.user("a-agent1"), message__contains="cancelled").exists()


def test_visibility_agent_sees_only_own_and_other_vendor_nothing(world, contacts, published_scorecard, amy_eval):
    arlo_eval = evaluate(world, contacts, published_scorecard, "QA-arlo-3")
    bella_eval = evaluate(world, contacts, published_scorecard, "QA-BELLA-1")
    analyst = world.user("qa_analyst")
    mine = services.coaching_assign(actor=analyst, evaluation=amy_eval, kind="note", text="Amy note", due_on=soon())
    arlos = services.coaching_assign(actor=analyst, evaluation=arlo_eval, kind="note", text="Arlo note", due_on=soon())
    bellas = services.coaching_assign(actor=world.user("b-manager"), evaluation=bella_eval, kind="note",
                                      text="Bella note", due_on=soon())

    def seen(name):
        return set(selectors.coaching_list(user=world.user(name)))

    assert seen("a-agent1") == {mine}
    assert seen("a-agent2") == {arlos}
    assert seen("a-manager") == {mine, arlos}
    assert seen("b-manager") == seen("b-agent1") == {bellas}
    assert seen("auditor") == {mine, arlos, bellas}
    with pytest.raises(ValidationError):  # the colleague cannot touch it
        services.coaching_transition(actor=world.user("a-agent2"), coaching=mine, action="acknowledge")
    with pytest.raises(ValidationError):  # nor the other vendor's manager
        services.coaching_transition(actor=world.user("b-manager"), coaching=mine, action="cancel", note="x")
    assert list(selectors.coaching_list(user=world.user("a-manager"), mine=True)) == []
    assert list(selectors.coaching_list(user=world.user("a-agent1"), mine=True)) == [mine]


def test_training_coaching_shows_the_evidence_and_registers_in_a_session(world, amy_eval, course):
    admin, manager = world.user("client_admin"), world.user("a-manager")
    quiz = training.assessment_create(actor=admin, course=course, code="quiz", name="Greeting quiz")
    amy_agent = amy_eval.interaction.agent
    # A result before the assignment is no evidence.
    training.result_record(actor=manager, assessment=quiz, agent=amy_agent, score="95",
                           taken_on=timezone.localdate() - timedelta(days=40))
    start = timezone.now() + timedelta(days=2)
    session = training.session_create(actor=manager, course=course, vendor=world.vendor_a, starts_at=start,
                                      ends_at=start + timedelta(hours=2))
    with pytest.raises(ValidationError):  # a QA analyst may not register agents in sessions
        services.coaching_assign(actor=world.user("qa_analyst"), evaluation=amy_eval, kind="training",
                                 text="Take it", due_on=soon(14), course=course, session=session)
    assert not Coaching.objects.exists()  # all or nothing
    coaching = services.coaching_assign(actor=manager, evaluation=amy_eval, kind="training",
                                        text="Take the greeting refresher", due_on=soon(14), course=course,
                                        session=session)
    assert session.attendances.get().agent == amy_agent  # registered through training's service
    evidence = selectors.coaching_evidence(user=manager, coaching=coaching)
    assert [a.status for a in evidence.attendances] == ["registered"] and not evidence.results
    assert not evidence.passed
    training.result_record(actor=manager, assessment=quiz, agent=amy_agent, score="60", taken_on=timezone.localdate())
    evidence = selectors.coaching_evidence(user=manager, coaching=coaching)
    assert [r.score for r in evidence.results] == [60] and not evidence.passed
    training.result_record(actor=manager, assessment=quiz, agent=amy_agent, score="90", taken_on=timezone.localdate())
    evidence = selectors.coaching_evidence(user=world.user("a-agent1"), coaching=coaching)
    assert evidence.passed and evidence.certification is not None
    # The colleague's evidence reader sees none of it (and not the coaching either).
    assert not selectors.coaching_list(user=world.user("a-agent2")).exists()
    note = services.coaching_assign(actor=manager, evaluation=amy_eval, kind="note", text="x", due_on=soon())
    assert selectors.coaching_evidence(user=manager, coaching=note) is None


def test_overdue_list_and_weekly_reminders(world, amy_eval):
    analyst = world.user("qa_analyst")
    late = services.coaching_assign(actor=analyst, evaluation=amy_eval, kind="note", text="late", due_on=soon(1))
    on_time = services.coaching_assign(actor=analyst, evaluation=amy_eval, kind="note", text="fine", due_on=soon(30))
    done = services.coaching_assign(actor=analyst, evaluation=amy_eval, kind="note", text="done", due_on=soon(1))
    services.coaching_transition(actor=world.user("a-agent1"), coaching=done, action="done", note="did it")
    later = timezone.localdate() + timedelta(days=3)
    assert list(selectors.coaching_list(user=analyst, overdue=True, today=later)) == [late]
    assert late.is_overdue(later) and not on_time.is_overdue(later)
    Notification.objects.all().delete()
    assert services.send_coaching_reminders(later) == {"overdue": 1, "reminded": 1}
    assert set(Notification.objects.values_list("recipient__username", flat=True)) == {"a-agent1", "a-manager"}
    assert services.send_coaching_reminders(later + timedelta(days=1)) == {"overdue": 1, "reminded": 0}
    assert services.send_coaching_reminders(later + timedelta(days=7)) == {"overdue": 1, "reminded": 1}
    assert CoachingEvent.objects.filter(coaching=late, kind="reminded").count() == 2


def test_pages(client, world, contacts, published_scorecard, amy_eval, course):
    client.force_login(world.user("qa_analyst"))
    page = client.get(amy_eval.get_absolute_url())
    assert page.status_code == 200 and b'data-testid="coaching-form"' in page.content
    response = client.post(reverse("quality:coaching-create", kwargs={"pk": amy_eval.pk}), {
        "kind": "training", "text": "Take the greeting refresher", "course": course.code,
        "due_on": soon(10).isoformat()})
    coaching = Coaching.objects.get()
    assert response.status_code == 302 and response["Location"] == coaching.get_absolute_url()
    bad = client.post(reverse("quality:coaching-create", kwargs={"pk": amy_eval.pk}),
                      {"kind": "training", "text": "x", "due_on": soon().isoformat()})
    assert bad.status_code == 400 and Coaching.objects.count() == 1
    assert client.get(reverse("quality:coaching-list") + "?status=open&agent=amy-code").context["page"].paginator.count == 1
    assert client.get(reverse("quality:coaching-list") + "?overdue=on").context["page"].paginator.count == 0

    client.force_login(world.user("a-agent1"))
    detail = client.get(coaching.get_absolute_url())
    assert detail.status_code == 200 and b'data-testid="action-acknowledge"' in detail.content
    assert b'data-testid="evidence"' in detail.content
    assert b'data-testid="coaching-form"' not in client.get(amy_eval.get_absolute_url()).content
    client.post(coaching.get_absolute_url(), {"action": "acknowledge"})
    with override("en"):
        refused = client.post(coaching.get_absolute_url(), {"action": "done", "note": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and b"completion note" in refused.content
    client.post(coaching.get_absolute_url(), {"action": "done", "note": "Passed the quiz"})
    coaching.refresh_from_db()
    assert coaching.status == Coaching.Status.DONE
    mine = client.get(reverse("quality:coaching-mine"))
    assert [c.pk for c in mine.context["page"]] == [coaching.pk]

    client.force_login(world.user("a-agent2"))  # a colleague
    assert client.get(coaching.get_absolute_url()).status_code == 404
    assert client.get(reverse("quality:coaching-list")).context["page"].paginator.count == 0
    client.force_login(world.user("b-manager"))  # another vendor
    assert client.get(coaching.get_absolute_url()).status_code == 404
    assert client.post(reverse("quality:coaching-create", kwargs={"pk": amy_eval.pk}),
                       {"kind": "note", "text": "x", "due_on": soon().isoformat()}).status_code == 404
    client.force_login(world.user("finance"))  # no coaching rights at all
    assert client.get(reverse("quality:coaching-list")).status_code == 403

    client.force_login(world.user("qa_analyst"))
    client.post(coaching.get_absolute_url(), {"action": "verify"})
    coaching.refresh_from_db()
    assert coaching.status == Coaching.Status.COMPLETED


def test_api(client, world, contacts, published_scorecard, amy_eval, course):
    client.force_login(world.user("a-manager"))
    body = {"evaluation": amy_eval.pk, "kind": "training", "text": "Refresher", "due_on": soon().isoformat(),
            "course": course.code}
    created = client.post("/api/quality/coachings", body, content_type="application/json",
                          HTTP_IDEMPOTENCY_KEY="coach-1")
    assert created.status_code == 201, created.content
    again = client.post("/api/quality/coachings", body, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="coach-1")
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"] and Coaching.objects.count() == 1
    data = created.json()
    assert data["agent_code"] == "amy-code" and data["course"] == "greeting-101" and data["status"] == "open"
    assert data["training_evidence"]["passed"] is False and data["actions"] == ["cancel"]
    unknown = client.post("/api/quality/coachings", {**body, "course": "nope"}, content_type="application/json")
    assert unknown.status_code == 400

    client.force_login(world.user("a-agent1"))
    rows = client.get("/api/quality/coachings").json()
    assert [r["id"] for r in rows] == [data["id"]]
    moved = client.post(f"/api/quality/coachings/{data['id']}/transition", {"action": "done", "note": "Taken"},
                        content_type="application/json")
    assert moved.status_code == 200 and moved.json()["status"] == "done"
    assert [e["kind"] for e in moved.json()["history"]] == ["assigned", "done"]
    assert client.post(f"/api/quality/coachings/{data['id']}/transition", {"action": "verify"},
                       content_type="application/json").status_code == 400

    client.force_login(world.user("b-manager"))
    assert client.get("/api/quality/coachings").json() == []
    assert client.get(f"/api/quality/coachings/{data['id']}").status_code == 404
    assert client.post(f"/api/quality/coachings/{data['id']}/transition", {"action": "cancel", "note": "x"},
                       content_type="application/json").status_code == 404
    assert client.post("/api/quality/coachings", body, content_type="application/json").status_code == 404

    client.force_login(world.user("a-manager"))
    verified = client.post(f"/api/quality/coachings/{data['id']}/transition", {"action": "verify"},
                           content_type="application/json")
    assert verified.json()["status"] == "completed" and verified.json()["verified_by"] == "a-manager"
    overdue = client.get("/api/quality/coachings?overdue=true").json()
    assert overdue == []


def test_remind_command(world, amy_eval):
    from io import StringIO

    from django.core.management import call_command

    services.coaching_assign(actor=world.user("qa_analyst"), evaluation=amy_eval, kind="note", text="late",
                             due_on=soon(1))
    out = StringIO()
    with override("en"):
        call_command("qa", "remind-coaching", "--date", soon(5).isoformat(), stdout=out)
    assert "1 overdue coachings, 1 reminded." in out.getvalue()
