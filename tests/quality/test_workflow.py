"""The evaluation workflow: queue, scoring, submit, acknowledge, dispute, re-review, history."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.core.roles import Role
from steward.quality import services
from steward.quality.models import Dispute, Evaluation, EvaluationEvent

pytestmark = pytest.mark.django_db

GOOD = {"greeting": ("yes", "warm"), "accuracy": ("5", ""), "privacy": ("yes", "")}
MIXED = {"greeting": ("no", "skipped the greeting"), "accuracy": ("3", "half right"), "privacy": ("yes", "")}


@pytest.fixture
def second_analyst(make_user):
    return make_user("qa-second", Role.QA_ANALYST, first_name="Quinn")


def assign(world, contacts, external_id, published_scorecard):
    return services.evaluation_assign(actor=world.user("qa_analyst"), interaction=contacts[external_id],
                                      analyst=world.user("qa_analyst"), scorecard=published_scorecard)


def test_assign_checks_its_input(world, contacts, published_scorecard, make_project):
    analyst = world.user("qa_analyst")
    evaluation = assign(world, contacts, "QA-amy-3", published_scorecard)
    assert evaluation.version == published_scorecard.current and evaluation.vendor == world.vendor_a
    with pytest.raises(ValidationError):  # twice on the same version
        assign(world, contacts, "QA-amy-3", published_scorecard)
    with pytest.raises(ValidationError):  # not an analyst
        services.evaluation_assign(actor=analyst, interaction=contacts["QA-amy-4"],
                                   analyst=world.user("finance"), scorecard=published_scorecard)
    with pytest.raises(ValidationError):  # a vendor manager may not assign
        services.evaluation_assign(actor=world.user("a-manager"), interaction=contacts["QA-amy-4"],
                                   analyst=analyst, scorecard=published_scorecard)


def test_only_the_assigned_analyst_scores_and_a_submission_needs_every_answer(world, contacts, published_scorecard,
                                                                             second_analyst):
    evaluation = assign(world, contacts, "QA-amy-3", published_scorecard)
    with pytest.raises(ValidationError):
        services.evaluation_save(actor=second_analyst, evaluation=evaluation, answers=GOOD)
    draft = services.evaluation_save(actor=world.user("qa_analyst"), evaluation=evaluation,
                                     answers={"greeting": ("yes", "")})
    assert draft.status == Evaluation.Status.ASSIGNED and draft.score == Decimal("100.00")
    with pytest.raises(ValidationError) as info:
        services.evaluation_save(actor=world.user("qa_analyst"), evaluation=evaluation,
                                 answers={"greeting": ("yes", "")}, submit=True)
    assert set(info.value.message_dict) == {"accuracy", "privacy"}
    with pytest.raises(ValidationError):  # not an allowed answer: accuracy has no N.A.
        services.evaluation_save(actor=world.user("qa_analyst"), evaluation=evaluation,
                                 answers={**GOOD, "accuracy": ("na", "")}, submit=True)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.ASSIGNED and evaluation.answers.count() == 1


def test_submit_acknowledge_dispute_and_re_review(world, contacts, published_scorecard, second_analyst):
    analyst, agent = world.user("qa_analyst"), world.user("a-agent1")
    evaluation = assign(world, contacts, "QA-amy-3", published_scorecard)
    # 10 greeting "no" (0) + 30 accuracy "3" (15) + 20 privacy "yes" (20) = 35 of 60
    evaluation = services.evaluation_save(actor=analyst, evaluation=evaluation, answers=MIXED, submit=True)
    assert evaluation.status == Evaluation.Status.SUBMITTED
    assert evaluation.score == evaluation.original_score == Decimal("58.33") and evaluation.passed is False
    assert evaluation.dispute_until - evaluation.submitted_at == timedelta(days=7)

    with pytest.raises(ValidationError):  # another agent's evaluation
        services.evaluation_acknowledge(actor=world.user("a-agent2"), evaluation=evaluation)
    with pytest.raises(ValidationError):
        services.evaluation_dispute(actor=agent, evaluation=evaluation, reason="  ")
    dispute = services.evaluation_dispute(actor=agent, evaluation=evaluation, reason="I did greet, see line 2")
    assert dispute.reviewer == second_analyst  # never the evaluator
    with pytest.raises(ValidationError):  # one dispute per evaluation
        services.evaluation_dispute(actor=world.user("a-manager"), evaluation=evaluation, reason="again")
    with pytest.raises(ValidationError):  # the evaluator may not re-review their own work
        services.dispute_review(actor=analyst, dispute=dispute, answers=GOOD, comment="fine")
    with pytest.raises(ValidationError):  # a decision needs a reason
        services.dispute_review(actor=second_analyst, dispute=dispute, answers=GOOD, comment="")

    dispute = services.dispute_review(actor=second_analyst, dispute=dispute,
                                      answers={**MIXED, "greeting": ("yes", "greeted in turn 2")},
                                      comment="The greeting is there.")
    evaluation.refresh_from_db()
    assert dispute.decision == Dispute.Decision.AMENDED
    assert (dispute.score_before, dispute.score_after) == (Decimal("58.33"), Decimal("75.00"))
    assert evaluation.status == Evaluation.Status.FINAL and evaluation.score == Decimal("75.00")
    assert evaluation.original_score == Decimal("58.33")
    services.evaluation_acknowledge(actor=agent, evaluation=evaluation)
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.ACKNOWLEDGED and evaluation.acknowledged_by == agent

    kinds = list(evaluation.events.values_list("kind", flat=True))
    assert kinds == ["assigned", "submitted", "disputed", "reviewed", "acknowledged"]
    submitted = evaluation.events.get(kind=EvaluationEvent.Kind.SUBMITTED)
    assert submitted.answers["greeting"] == ["no", "skipped the greeting"]  # the original answers are kept
    assert submitted.score == Decimal("58.33")


def test_upheld_when_nothing_changes(world, contacts, published_scorecard, second_analyst):
    evaluation = assign(world, contacts, "QA-amy-4", published_scorecard)
    services.evaluation_save(actor=world.user("qa_analyst"), evaluation=evaluation, answers=GOOD, submit=True)
    dispute = services.evaluation_dispute(actor=world.user("a-manager"), evaluation=evaluation, reason="too kind?")
    dispute = services.dispute_review(actor=second_analyst, dispute=dispute, answers=GOOD, comment="Stands.")
    assert dispute.decision == Dispute.Decision.UPHELD and dispute.score_after == Decimal("100.00")


def test_no_dispute_after_the_window(world, contacts, published_scorecard):
    evaluation = assign(world, contacts, "QA-amy-4", published_scorecard)
    services.evaluation_save(actor=world.user("qa_analyst"), evaluation=evaluation, answers=GOOD, submit=True)
    Evaluation.objects.filter(pk=evaluation.pk).update(dispute_until=timezone.now() - timedelta(seconds=1))
    evaluation.refresh_from_db()
    with pytest.raises(ValidationError):
        services.evaluation_dispute(actor=world.user("a-agent1"), evaluation=evaluation, reason="late")
    assert not evaluation.disputes.exists()


def test_auto_fail_submits_zero(world, contacts, published_scorecard):
    evaluation = assign(world, contacts, "QA-arlo-3", published_scorecard)
    evaluation = services.evaluation_save(actor=world.user("qa_analyst"), evaluation=evaluation,
                                          answers={**GOOD, "privacy": ("no", "read out the card number")}, submit=True)
    assert evaluation.score == Decimal("0.00") and evaluation.auto_failed and evaluation.passed is False


def test_the_pages_end_to_end(client, world, contacts, published_scorecard, second_analyst):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    analyst = world.user("qa_analyst")
    client.force_login(analyst)
    assign_url = reverse("quality:evaluation-assign")
    assert client.get(assign_url).status_code == 200
    data = {"scorecard": published_scorecard.pk, "analyst": analyst.pk, "external_ids": "QA-amy-3\nNOPE"}
    assert "NOPE" in client.post(assign_url, data).content.decode()
    assert client.post(assign_url, {**data, "external_ids": "QA-amy-3\nQA-BELLA-1"}).status_code == 302
    queue = client.get(reverse("quality:evaluation-list")).content.decode()
    assert "QA-amy-3" in queue and "QA-BELLA-1" in queue

    evaluation = Evaluation.objects.get(interaction=contacts["QA-amy-3"])
    url = evaluation.get_absolute_url()
    page = client.get(url).content.decode()
    assert "Steward Bank, how can I help?" in page and 'hx-post="' in page
    preview = client.post(reverse("quality:evaluation-preview", kwargs={"pk": evaluation.pk}),
                          {"c_greeting": "no", "c_accuracy": "3", "c_privacy": "yes"})
    assert "58.33" in preview.content.decode()
    assert "0.00" in client.post(reverse("quality:evaluation-preview", kwargs={"pk": evaluation.pk}),
                                 {"c_privacy": "no"}).content.decode()
    assert client.post(reverse("quality:evaluation-preview", kwargs={"pk": evaluation.pk}),
                       {"c_accuracy": "<script>"}).status_code == 200
    form = {"c_greeting": "no", "n_greeting": "no greeting", "c_accuracy": "3", "c_privacy": "yes", "comment": "ok"}
    # the agent does not see the evaluation before it is submitted
    client.force_login(world.user("a-agent1"))
    assert client.get(url).status_code == 404
    client.force_login(analyst)
    assert client.post(url, {**form, "c_privacy": "", "action": "submit"}).status_code == 200  # incomplete
    assert client.post(url, {**form, "action": "submit"}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.SUBMITTED and evaluation.score == Decimal("58.33")

    for name, status in (("a-agent1", 200), ("a-manager", 200), ("a-agent2", 404), ("b-manager", 404)):
        client.force_login(world.user(name))
        assert client.get(url).status_code == status, name
    client.force_login(world.user("a-agent1"))
    page = client.get(url).content.decode()
    assert "no greeting" in page and 'data-testid="dispute"' in page and 'data-testid="acknowledge"' in page
    assert client.post(reverse("quality:evaluation-dispute", kwargs={"pk": evaluation.pk}), {"reason": ""}).status_code == 302
    assert not evaluation.disputes.exists()
    client.post(reverse("quality:evaluation-dispute", kwargs={"pk": evaluation.pk}), {"reason": "I greeted"})
    dispute = evaluation.disputes.get()
    assert dispute.reviewer == second_analyst

    client.force_login(analyst)  # the evaluator sees no review form
    assert 'data-testid="review-form"' not in client.get(url).content.decode()
    client.force_login(second_analyst)
    assert "QA-amy-3" in client.get(reverse("quality:evaluation-list") + "?tab=reviews").content.decode()
    assert 'data-testid="review-form"' in client.get(url).content.decode()
    review_url = reverse("quality:evaluation-review", kwargs={"pk": evaluation.pk})
    assert client.post(review_url, {**form, "c_greeting": "yes", "review_comment": ""}).status_code == 400
    assert client.post(review_url, {**form, "c_greeting": "yes", "review_comment": "Greeting found"}).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.FINAL and evaluation.score == Decimal("75.00")

    client.force_login(world.user("a-agent1"))
    history = client.get(url).content.decode()
    # the first answers stay visible beside the re-reviewed ones
    assert "<code>greeting</code>: no — no greeting" in history and "<code>greeting</code>: yes" in history
    assert client.post(reverse("quality:evaluation-acknowledge", kwargs={"pk": evaluation.pk})).status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == Evaluation.Status.ACKNOWLEDGED
    listing = client.get(reverse("quality:evaluation-list")).content.decode()
    assert "QA-amy-3" in listing and "QA-BELLA-1" not in listing


def test_bad_input_never_500s(client, world, contacts, published_scorecard):
    client.force_login(world.user("qa_analyst"))
    for query in ("?tab=<x>", "?status=nope&page=abc"):
        assert client.get(reverse("quality:evaluation-list") + query).status_code == 200
    assert client.get(reverse("quality:evaluation-list") + "?q=%00").status_code == 400
    assert client.post(reverse("quality:evaluation-assign"), {"scorecard": "x", "analyst": "-1"}).status_code == 200
    assert client.get(reverse("quality:evaluation-detail", kwargs={"pk": 999999})).status_code == 404
    assert client.get(reverse("quality:evaluation-preview", kwargs={"pk": 1})).status_code == 405


def test_notifications_on_submit_and_dispute(world, contacts, published_scorecard, second_analyst):
    from steward.core.models import Notification

    evaluation = assign(world, contacts, "QA-amy-3", published_scorecard)
    services.evaluation_save(actor=world.user("qa_analyst"), evaluation=evaluation, answers=MIXED, submit=True)
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert told == {"a-agent1", "a-manager"}  # the agent and the vendor's manager; nobody at vendor B
    services.evaluation_dispute(actor=world.user("a-agent1"), evaluation=evaluation, reason="I did greet")
    reviewer_note = Notification.objects.get(recipient=second_analyst)
    assert reviewer_note.params["ref"] == "QA-amy-3" and reviewer_note.url.endswith(f"/{evaluation.pk}/")
