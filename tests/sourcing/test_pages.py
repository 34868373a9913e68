"""The tender pages end to end through the test client: client pages, the scoring page, the
ranking, the decision and the vendor portal; bad input never answers 500."""

import datetime as dt

import pytest
from django.urls import reverse

from steward.core.models import Vendor
from steward.sourcing import services
from steward.sourcing.models import Score, SourcingEvent, Submission

from .test_scoring import HAND, full_scores


def test_every_client_role_lists_tenders_and_vendor_users_do_not(client, world, event):
    for role in ("client_admin", "outsourcing_manager", "qa_analyst", "finance", "project_lead", "auditor"):
        client.force_login(world.user(role))
        assert event.title in client.get(reverse("sourcing:event-list")).content.decode()
        assert client.get(reverse("sourcing:event-detail", kwargs={"pk": event.pk})).status_code == 200
    for name in ("a-manager", "a-agent1"):
        client.force_login(world.user(name))
        assert client.get(reverse("sourcing:event-list")).status_code == 403
        assert client.get(reverse("sourcing:event-detail", kwargs={"pk": event.pk})).status_code == 403


def test_create_a_tender_from_the_form_in_the_projects_time_zone(client, world, evaluators):
    client.force_login(world.user("outsourcing_manager"))
    response = client.post(reverse("sourcing:event-create"), {
        "title": "Hotline tender", "project": world.project_a.code, "volume_voice": "12000", "volume_chat": "",
        "handle_minutes": "5.5", "languages": "Mandarin, Cantonese", "service_hours": "24/7", "draft_sla": "SL 80/20",
        "deadline": "2031-03-01T18:00", "evaluators": [str(u.pk) for u in evaluators]})
    event = SourcingEvent.objects.get(title="Hotline tender")
    assert response.status_code == 302 and response["Location"].endswith(f"/sourcing/{event.pk}/")
    assert event.volumes == {"voice": 12000} and event.languages == ["Mandarin", "Cantonese"]
    assert event.deadline == dt.datetime(2031, 3, 1, 10, 0, tzinfo=dt.UTC)  # 18:00 in Asia/Shanghai
    assert set(event.evaluators.all()) == set(evaluators)


@pytest.mark.parametrize("data", [
    {},
    {"title": "x", "project": "nope", "deadline": "tomorrow", "handle_minutes": "-1"},
    {"title": "x", "project": "alpha-only", "deadline": "2031-03-01T18:00", "handle_minutes": "5",
     "volume_voice": "1e9", "evaluators": ["999999"]},
])
def test_bad_tender_input_is_a_form_error(client, world, data):
    client.force_login(world.user("outsourcing_manager"))
    response = client.post(reverse("sourcing:event-create"), data)
    assert response.status_code == 200
    assert not data or 'role="alert"' in response.content.decode()
    assert not SourcingEvent.objects.exists()


def test_weights_page_refuses_a_total_other_than_100(client, world, event):
    client.force_login(world.user("outsourcing_manager"))
    url = reverse("sourcing:event-weights", kwargs={"pk": event.pk})
    data = {c.key: c.weight for c in event.criteria.all()}
    data["price"] += 5
    response = client.post(url, data)
    assert response.status_code == 200 and "105" in response.content.decode()
    data["price"] -= 5
    data["technology"], data["references"] = 5, 15
    assert client.post(url, data).status_code == 302
    assert event.criteria.get(key="technology").weight == 5
    assert client.post(url, {**data, "price": "abc"}).status_code == 200


def test_status_buttons_and_unknown_actions(client, world, event):
    client.force_login(world.user("outsourcing_manager"))
    url = reverse("sourcing:event-status", kwargs={"pk": event.pk})
    assert client.post(url, {"action": "explode"}).status_code == 302
    client.post(url, {"action": "evaluate"})  # refused: still a draft
    event.refresh_from_db()
    assert event.status == "draft"
    client.post(url, {"action": "open"})
    event.refresh_from_db()
    assert event.status == "open"
    client.force_login(world.user("qa_analyst"))  # may read, not run
    assert client.post(url, {"action": "evaluate"}).status_code == 403


def test_vendor_portal_submission_and_its_refusals(client, world, open_event, monkeypatch):
    manager = world.user("a-manager")
    client.force_login(manager)
    assert open_event.title in client.get(reverse("sourcing:portal")).content.decode()
    url = reverse("sourcing:portal-event", kwargs={"pk": open_event.pk})
    page = client.get(url).content.decode()
    assert 'data-testid="submission-form"' in page
    response = client.post(url, {"proposal": "Alpha plan", "pricing_model": "per_contact",
                                 "rate_handled_contact": "4.25", "price_notes": "Alpha assumption"})
    assert response.status_code == 302
    submission = Submission.objects.get(vendor=world.vendor_a)
    assert submission.rate_handled_contact == 4.25 and submission.submitted_by == manager
    # A bad price is a form error, nothing written.
    response = client.post(url, {"proposal": "Alpha plan", "pricing_model": "per_contact", "rate_minute": "1"})
    assert response.status_code == 200 and 'role="alert"' in response.content.decode()
    assert Submission.objects.get().rate_handled_contact == 4.25
    # After the deadline: a clear refusal, and a forged POST changes nothing.
    monkeypatch.setattr(services, "now", lambda: open_event.deadline + dt.timedelta(seconds=1))
    page = client.get(url).content.decode()
    assert 'data-testid="refusal"' in page and 'data-testid="submission-form"' not in page
    response = client.post(url, {"proposal": "Late", "pricing_model": "per_contact", "rate_handled_contact": "1"})
    assert "deadline" in response.content.decode().lower() or "截止" in response.content.decode()
    assert Submission.objects.get().proposal == "Alpha plan"


def test_portal_is_closed_to_agents_outsiders_and_client_users(client, world, open_event, make_vendor, make_user):
    url = reverse("sourcing:portal-event", kwargs={"pk": open_event.pk})
    client.force_login(world.user("a-agent1"))
    assert client.get(url).status_code == 403
    client.force_login(make_user("c-manager", "vendor_manager", make_vendor("charlie")))
    assert client.get(url).status_code == 404
    assert client.post(url, {"proposal": "x", "pricing_model": "per_contact",
                             "rate_handled_contact": "1"}).status_code == 404
    client.force_login(world.user("outsourcing_manager"))
    assert client.get(url).status_code == 403
    assert not Submission.objects.exists()


def test_scoring_page_is_blind_until_submitted(client, world, evaluation_event, evaluators):
    manager, qa, _ = evaluators
    services.scores_save(actor=qa, event=evaluation_event,
                         scores={(world.vendor_a.pk, k): (2, "QA private remark") for k in HAND}
                         | {(world.vendor_b.pk, k): (5, "") for k in HAND}, submit=True)
    client.force_login(manager)
    score_url = reverse("sourcing:event-score", kwargs={"pk": evaluation_event.pk})
    ranking_url = reverse("sourcing:event-ranking", kwargs={"pk": evaluation_event.pk})
    assert "QA private remark" not in client.get(score_url).content.decode()
    page = client.get(ranking_url).content.decode()
    assert 'data-testid="ranking-hidden"' in page and "QA private remark" not in page
    # Scores are posted as the form does; a bad value is an error message, not a 500.
    form = {f"s-{world.vendor_a.pk}-{k}": "4" for k in HAND} | {f"s-{world.vendor_b.pk}-{k}": "3" for k in HAND}
    assert client.post(score_url, {**form, f"s-{world.vendor_a.pk}-experience": "9", "submit": "1"}).status_code == 200
    assert not Score.objects.filter(scorecard__evaluator=manager).exists()
    assert client.post(score_url, {**form, "submit": "1"}).status_code == 302
    page = client.get(ranking_url).content.decode()
    assert 'data-testid="ranking"' in page and "QA private remark" in page
    # Not an evaluator: the scoring page is refused.
    client.force_login(world.user("project_lead"))
    assert client.get(score_url).status_code == 403


def test_decide_from_the_page(client, world, evaluation_event, evaluators):
    for evaluator in evaluators:
        services.scores_save(actor=evaluator, event=evaluation_event, scores=full_scores(world, 5, 3), submit=True)
    Vendor.objects.filter(pk=world.vendor_a.pk).update(status="shortlisted")
    client.force_login(world.user("outsourcing_manager"))
    url = reverse("sourcing:event-decide", kwargs={"pk": evaluation_event.pk})
    page = client.get(url).content.decode()
    assert f'value="{world.vendor_a.code}" selected' in page  # the best ranked is proposed
    assert client.post(url, {"chosen_vendor": "nobody", "memo": "m", "rationale": "r"}).status_code == 200
    response = client.post(url, {"chosen_vendor": world.vendor_a.code, "memo": "Award to Alpha",
                                 "rationale": "Best score and price"})
    assert response.status_code == 302
    world.vendor_a.refresh_from_db()
    assert world.vendor_a.status == "onboarding"
    client.force_login(world.user("b-manager"))
    page = client.get(reverse("sourcing:portal-event", kwargs={"pk": evaluation_event.pk})).content.decode()
    assert 'data-testid="outcome"' in page and "Award to Alpha" not in page
    client.force_login(world.user("qa_analyst"))
    assert client.get(url).status_code == 403


def test_site_visit_form(client, world, evaluation_event, evaluators):
    item = evaluation_event.site_visit_items.first()
    client.force_login(evaluators[0])
    url = reverse("sourcing:site-visit-record", kwargs={"pk": item.pk})
    assert client.post(url, {"vendor": world.vendor_b.code, "met": "1", "note": "Good"}).status_code == 302
    assert item.checks.get().met
    assert client.post(url, {"vendor": "ghost", "met": "1"}).status_code == 302
    assert item.checks.count() == 1
