"""API writes of quality: scorecards (create, edit a draft, publish, next draft), evaluations
(assign, score, submit), the agent's acknowledgement, disputes and their re-review, sampling plans
and draws, calibration sessions, compliance rule edits, imports and re-scans, and a coaching's
training session — with the pages' capabilities, forms and services; another vendor's (or another
agent's) evaluation is a 404."""

import pytest
from django.test import Client

from steward.core import services as core_services
from steward.core.roles import Role
from steward.quality import services
from steward.quality.forms import EXAMPLE_SCORECARD
from steward.quality.models import (
    CalibrationScore,
    CalibrationSession,
    ComplianceHit,
    ComplianceRule,
    Dispute,
    Evaluation,
    SamplingPlan,
    Scorecard,
    ScorecardVersion,
)
from tests.api.test_core_writes import api_client, call
from tests.quality.conftest import contacts, published_scorecard  # noqa: F401 (fixtures)

GOOD = [{"criterion": "greeting", "answer": "yes", "comment": "warm"}, {"criterion": "accuracy", "answer": "5"},
        {"criterion": "privacy", "answer": "yes"}]
GOOD_SERVICE = {"greeting": ("yes", ""), "accuracy": ("5", ""), "privacy": ("yes", "")}


@pytest.fixture
def second_analyst(make_user):
    return make_user("qa-second", Role.QA_ANALYST, first_name="Quinn")


def _submitted(world, contacts, external_id, scorecard):  # noqa: F811
    analyst = world.user("qa_analyst")
    evaluation = services.evaluation_assign(actor=analyst, interaction=contacts[external_id], analyst=analyst,
                                            scorecard=scorecard)
    return services.evaluation_save(actor=analyst, evaluation=evaluation, answers=GOOD_SERVICE, submit=True)


def _read_only(user) -> Client:
    record, key = core_services.api_token_create(user=user, name="reader", scopes=["read"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")


# --- scorecards ----------------------------------------------------------------------------------

def test_a_scorecard_is_created_edited_published_and_versioned(world):
    client = api_client(world.user("qa_analyst"))
    body = {"project": "shared-mail", "code": "chat-std", "source": EXAMPLE_SCORECARD}
    created = call(client, "post", "/api/quality/scorecards", body, key="s-1")
    assert created.status_code == 201, created.content
    assert call(client, "post", "/api/quality/scorecards", body, key="s-1")["Idempotent-Replayed"] == "true"
    assert Scorecard.objects.count() == 1
    card = created.json()
    assert card["code"] == "chat-std" and [v["status"] for v in card["versions"]] == ["draft"]
    first = card["versions"][0]["id"]
    edited = call(client, "put", f"/api/quality/versions/{first}",
                  {"source": EXAMPLE_SCORECARD.replace("pass_mark: 80", "pass_mark: 75")})
    assert edited.status_code == 200, edited.content
    assert ScorecardVersion.objects.get(pk=first).pass_mark == 75 and "pass_mark: 75" in edited.json()["yaml"]
    published = call(client, "post", f"/api/quality/versions/{first}/publish")
    assert published.status_code == 200 and published.json()["status"] == "published"
    # A published version never changes; the next one starts as a draft copy.
    frozen = call(client, "put", f"/api/quality/versions/{first}", {"source": EXAMPLE_SCORECARD})
    assert frozen.status_code == 400 and "start a new draft" in frozen.json()["detail"]
    assert call(client, "post", f"/api/quality/versions/{first}/publish").status_code == 400
    draft = call(client, "post", f"/api/quality/scorecards/{card['id']}/drafts", key="d-1")
    assert draft.status_code == 201 and draft.json()["number"] == 2 and draft.json()["status"] == "draft"
    assert call(client, "post", f"/api/quality/scorecards/{card['id']}/drafts", key="d-1").status_code == 201
    again = call(client, "post", f"/api/quality/scorecards/{card['id']}/drafts")
    assert again.status_code == 400 and "already has a draft" in again.json()["detail"]
    assert ScorecardVersion.objects.filter(scorecard_id=card["id"]).count() == 2
    assert call(client, "post", f"/api/quality/versions/{draft.json()['id']}/publish").status_code == 200
    statuses = dict(ScorecardVersion.objects.filter(scorecard_id=card["id"]).values_list("number", "status"))
    assert statuses == {1: "retired", 2: "published"}
    detail = call(client, "get", f"/api/quality/scorecards/{card['id']}").json()
    assert [(v["number"], v["status"]) for v in detail["versions"]] == [(2, "published"), (1, "retired")]


def test_a_bad_scorecard_is_a_400_naming_the_problem(world):
    client = api_client(world.user("qa_analyst"))
    broken = call(client, "post", "/api/quality/scorecards",
                  {"project": "shared-mail", "code": "x", "source": "name: X\npass_mark: 80\nsections: []\n"})
    assert broken.status_code == 400 and broken.json()["detail"].startswith("source:")
    unknown = call(client, "post", "/api/quality/scorecards",
                   {"project": "nosuch", "code": "x", "source": EXAMPLE_SCORECARD})
    assert unknown.status_code == 400 and unknown.json()["detail"].startswith("project:")
    bad_code = call(client, "post", "/api/quality/scorecards",
                    {"project": "shared-mail", "code": "no spaces!", "source": EXAMPLE_SCORECARD})
    assert bad_code.status_code == 400 and "code" in bad_code.json()["detail"]
    assert not Scorecard.objects.exists()
    scorecard = services.scorecard_create(actor=world.user("qa_analyst"), project=world.shared, code="s",
                                          source=EXAMPLE_SCORECARD)
    version = scorecard.versions.get()
    bad_yaml = call(client, "put", f"/api/quality/versions/{version.pk}", {"source": "sections: [oops"})
    assert bad_yaml.status_code == 400 and bad_yaml.json()["detail"].startswith("source:")
    assert services.version_yaml(ScorecardVersion.objects.get(pk=version.pk)) == services.version_yaml(version)


def test_scorecard_writes_need_the_capability(world, published_scorecard):  # noqa: F811
    version = published_scorecard.versions.get()
    body = {"project": "shared-mail", "code": "mine", "source": EXAMPLE_SCORECARD}
    for role in ("finance", "auditor", "a-manager", "a-agent1"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/quality/scorecards", body).status_code == 403
        assert call(client, "post", f"/api/quality/scorecards/{published_scorecard.pk}/drafts").status_code == 403
        assert call(client, "put", f"/api/quality/versions/{version.pk}",
                    {"source": EXAMPLE_SCORECARD}).status_code == 403
    # A read-only token of QA staff cannot write either.
    reader = _read_only(world.user("qa_analyst"))
    assert reader.post("/api/quality/scorecards", body, content_type="application/json").status_code == 403
    assert Scorecard.objects.count() == 1 and published_scorecard.versions.count() == 1


def test_a_vendor_cannot_read_another_vendors_scorecard(world):
    theirs = services.scorecard_create(actor=world.user("qa_analyst"), project=world.project_b, code="bravo",
                                       source=EXAMPLE_SCORECARD)
    manager = api_client(world.user("a-manager"))
    assert call(manager, "get", f"/api/quality/scorecards/{theirs.pk}").status_code == 404
    assert call(manager, "get", f"/api/quality/versions/{theirs.versions.get().pk}").status_code == 404
    assert call(api_client(world.user("b-manager")), "get", f"/api/quality/scorecards/{theirs.pk}").status_code == 200


# --- evaluations ---------------------------------------------------------------------------------

def test_assign_score_and_submit_an_evaluation(world, contacts, published_scorecard):  # noqa: F811
    client = api_client(world.user("qa_analyst"))
    body = {"scorecard": published_scorecard.pk, "analyst": "qa-analyst", "contacts": ["QA-amy-3", "QA-amy-4"]}
    assigned = call(client, "post", "/api/quality/evaluations", body, key="e-1")
    assert assigned.status_code == 201, assigned.content
    assert sorted(e["contact"] for e in assigned.json()) == ["QA-amy-3", "QA-amy-4"]
    assert call(client, "post", "/api/quality/evaluations", body, key="e-1")["Idempotent-Replayed"] == "true"
    assert Evaluation.objects.count() == 2
    pk = next(e["id"] for e in assigned.json() if e["contact"] == "QA-amy-3")
    # The agent sees nothing of the analyst's draft.
    assert call(api_client(world.user("a-agent1")), "get", f"/api/quality/evaluations/{pk}").status_code == 404
    draft = call(client, "post", f"/api/quality/evaluations/{pk}/score",
                 {"answers": [GOOD[0]], "comment": "so far so good"})
    assert draft.status_code == 200, draft.content
    assert draft.json()["status"] == "assigned" and draft.json()["answers"] == [
        {"criterion": "greeting", "answer": "yes", "comment": "warm"}]
    assert Evaluation.objects.get(pk=pk).comment == "so far so good"
    early = call(client, "post", f"/api/quality/evaluations/{pk}/score", {"answers": [GOOD[0]], "submit": True})
    assert early.status_code == 400 and "accuracy: Answer every criterion" in early.json()["detail"]
    wrong = call(client, "post", f"/api/quality/evaluations/{pk}/score",
                 {"answers": [{"criterion": "greeting", "answer": "maybe"}]})
    assert wrong.status_code == 400 and wrong.json()["detail"].startswith("greeting:")
    unknown = call(client, "post", f"/api/quality/evaluations/{pk}/score",
                   {"answers": [{"criterion": "charm", "answer": "yes"}]})
    assert unknown.status_code == 400 and "charm" in unknown.json()["detail"]
    assert Evaluation.objects.get(pk=pk).status == "assigned"
    submitted = call(client, "post", f"/api/quality/evaluations/{pk}/score",
                     {"answers": GOOD, "comment": "Well done", "submit": True})
    assert submitted.status_code == 200, submitted.content
    evaluation = Evaluation.objects.get(pk=pk)
    assert evaluation.status == "submitted" and evaluation.score == 100 and evaluation.dispute_until is not None
    again = call(client, "post", f"/api/quality/evaluations/{pk}/score", {"answers": GOOD, "submit": True})
    assert again.status_code == 400 and "already submitted" in again.json()["detail"]


def test_assign_is_all_or_nothing_and_checks_its_input(world, contacts, published_scorecard):  # noqa: F811
    client = api_client(world.user("qa_analyst"))
    body = {"scorecard": published_scorecard.pk, "analyst": "qa-analyst", "contacts": ["QA-amy-3", "NOPE-1"]}
    missing = call(client, "post", "/api/quality/evaluations", body)
    assert missing.status_code == 400 and "NOPE-1" in missing.json()["detail"]
    not_analyst = call(client, "post", "/api/quality/evaluations", {**body, "analyst": "a-manager",
                                                                      "contacts": ["QA-amy-3"]})
    assert not_analyst.status_code == 400 and "not an active QA analyst" in not_analyst.json()["detail"]
    no_card = call(client, "post", "/api/quality/evaluations", {**body, "scorecard": 999999, "contacts": ["QA-amy-3"]})
    assert no_card.status_code == 400 and no_card.json()["detail"].startswith("scorecard:")
    empty = call(client, "post", "/api/quality/evaluations", {**body, "contacts": []})
    assert empty.status_code == 400 and empty.json()["detail"].startswith("external_ids:")
    assert not Evaluation.objects.exists()
    for role in ("finance", "a-manager", "a-agent1"):
        refused = call(api_client(world.user(role)), "post", "/api/quality/evaluations",
                       {**body, "contacts": ["QA-amy-3"]})
        assert refused.status_code == 403
    assert not Evaluation.objects.exists()


def test_only_the_assigned_analyst_scores(world, contacts, published_scorecard, second_analyst):  # noqa: F811
    evaluation = services.evaluation_assign(actor=world.user("qa_analyst"), interaction=contacts["QA-amy-3"],
                                            analyst=world.user("qa_analyst"), scorecard=published_scorecard)
    url = f"/api/quality/evaluations/{evaluation.pk}/score"
    assert call(api_client(second_analyst), "post", url, {"answers": GOOD, "submit": True}).status_code == 403
    assert call(api_client(world.user("outsourcing_manager")), "post", url, {"answers": GOOD}).status_code == 403
    assert call(api_client(world.user("a-manager")), "post", url, {"answers": GOOD}).status_code == 404
    evaluation.refresh_from_db()
    assert evaluation.status == "assigned" and not evaluation.answers.exists()


def test_the_agent_acknowledges_only_their_own_evaluation(world, contacts, published_scorecard):  # noqa: F811
    amy = _submitted(world, contacts, "QA-amy-3", published_scorecard)
    url = f"/api/quality/evaluations/{amy.pk}/acknowledge"
    assert call(api_client(world.user("a-agent2")), "post", url).status_code == 404  # a colleague's
    assert call(api_client(world.user("b-agent1")), "post", url).status_code == 404  # another vendor's
    assert call(api_client(world.user("a-manager")), "post", url).status_code == 403  # not an agent
    amy.refresh_from_db()
    assert amy.acknowledged_at is None
    done = call(api_client(world.user("a-agent1")), "post", url)
    assert done.status_code == 200, done.content
    assert done.json()["status"] == "acknowledged" and done.json()["acknowledged_at"]
    amy.refresh_from_db()
    assert amy.status == "acknowledged" and amy.acknowledged_by == world.user("a-agent1")
    twice = call(api_client(world.user("a-agent1")), "post", url)
    assert twice.status_code == 400 and "nothing to acknowledge" in twice.json()["detail"]


def test_dispute_and_re_review(world, contacts, published_scorecard, second_analyst):  # noqa: F811
    amy = _submitted(world, contacts, "QA-amy-3", published_scorecard)
    url = f"/api/quality/evaluations/{amy.pk}/dispute"
    agent = api_client(world.user("a-agent1"))
    silent = call(agent, "post", url, {"reason": "   "})
    assert silent.status_code == 400 and silent.json()["detail"].startswith("reason:")
    assert call(api_client(world.user("a-agent2")), "post", url, {"reason": "Not mine"}).status_code == 404
    assert call(api_client(world.user("b-manager")), "post", url, {"reason": "Not ours"}).status_code == 404
    assert call(api_client(world.user("finance")), "post", url, {"reason": "No"}).status_code == 403
    # Nothing to re-review yet.
    review_url = f"/api/quality/evaluations/{amy.pk}/review"
    nothing = call(api_client(second_analyst), "post", review_url, {"answers": GOOD, "comment": "ok"})
    assert nothing.status_code == 400 and "no dispute" in nothing.json()["detail"]
    raised = call(agent, "post", url, {"reason": "I did greet the customer"}, key="x-1")
    assert raised.status_code == 201, raised.content
    assert raised.json()["decision"] == "pending" and raised.json()["reviewer"] == "qa-second"
    assert call(agent, "post", url, {"reason": "I did greet the customer"}, key="x-1")["Idempotent-Replayed"] == "true"
    assert Dispute.objects.count() == 1 and Evaluation.objects.get(pk=amy.pk).status == "disputed"
    again = call(agent, "post", url, {"reason": "Again"})
    assert again.status_code == 400 and Dispute.objects.count() == 1
    # The evaluator does not re-review their own evaluation; vendor staff cannot at all.
    own = call(api_client(world.user("qa_analyst")), "post", review_url, {"answers": GOOD, "comment": "Fine"})
    assert own.status_code == 400 and "another analyst" in own.json()["detail"]
    assert call(api_client(world.user("a-manager")), "post", review_url,
                {"answers": GOOD, "comment": "Fine"}).status_code == 403
    reviewer = api_client(second_analyst)
    unexplained = call(reviewer, "post", review_url, {"answers": GOOD, "comment": ""})
    assert unexplained.status_code == 400 and unexplained.json()["detail"].startswith("review_comment:")
    partial = call(reviewer, "post", review_url, {"answers": GOOD[:2], "comment": "Checked"})
    assert partial.status_code == 400 and "privacy" in partial.json()["detail"]
    amended = [{**GOOD[0], "answer": "no"}, *GOOD[1:]]
    decided = call(reviewer, "post", review_url, {"answers": amended, "comment": "The greeting was missing"})
    assert decided.status_code == 200, decided.content
    assert decided.json()["decision"] == "amended" and decided.json()["score_before"] == "100.00"
    amy.refresh_from_db()
    assert amy.status == "final" and amy.score < 100 and amy.original_score == 100


def test_a_vendor_manager_disputes_only_their_vendors_evaluation(world, contacts, published_scorecard):  # noqa: F811
    arlo = _submitted(world, contacts, "QA-arlo-3", published_scorecard)
    bella = _submitted(world, contacts, "QA-BELLA-1", published_scorecard)
    manager = api_client(world.user("a-manager"))
    assert call(manager, "post", f"/api/quality/evaluations/{bella.pk}/dispute", {"reason": "x"}).status_code == 404
    assert call(manager, "post", f"/api/quality/evaluations/{arlo.pk}/dispute",
                {"reason": "Arlo followed the script"}).status_code == 201
    assert list(Dispute.objects.values_list("evaluation_id", flat=True)) == [arlo.pk]


# --- sampling plans --------------------------------------------------------------------------------

def test_create_a_plan_and_draw_it(world, contacts, published_scorecard):  # noqa: F811
    client = api_client(world.user("qa_analyst"))
    body = {"scorecard": published_scorecard.pk, "name": "Weekly", "per_agent_per_week": 1, "seed": 7,
            "targets": ["complaint"]}
    created = call(client, "post", "/api/quality/plans", body, key="p-1")
    assert created.status_code == 201, created.content
    assert created.json()["seed"] == 7 and created.json()["targets"] == ["complaint"]
    assert call(client, "post", "/api/quality/plans", body, key="p-1")["Idempotent-Replayed"] == "true"
    assert SamplingPlan.objects.count() == 1
    pk = created.json()["id"]
    draw = {"analyst": "qa-analyst", "date_from": "2025-03-01", "date_to": "2025-03-09"}
    drawn = call(client, "post", f"/api/quality/plans/{pk}/draw", draw, key="w-1")
    assert drawn.status_code == 200, drawn.content
    # One contact per agent and week: Amy, Arlo and Bella.
    assert drawn.json()["candidates"] == 5 and drawn.json()["drawn"] == 3
    assert sorted(drawn.json()["created"]) == sorted(Evaluation.objects.filter(plan_id=pk).values_list("pk", flat=True))
    replay = call(client, "post", f"/api/quality/plans/{pk}/draw", draw, key="w-1")
    assert replay["Idempotent-Replayed"] == "true" and replay.json() == drawn.json()
    again = call(client, "post", f"/api/quality/plans/{pk}/draw", draw)
    assert again.status_code == 200 and again.json()["created"] == [] and Evaluation.objects.count() == 3
    assert call(client, "get", f"/api/quality/plans/{pk}").json()["name"] == "Weekly"


def test_plan_and_draw_refuse_bad_input(world, contacts, published_scorecard):  # noqa: F811
    client = api_client(world.user("qa_analyst"))
    body = {"scorecard": published_scorecard.pk, "name": "Weekly"}
    targets = call(client, "post", "/api/quality/plans", {**body, "targets": ["moon_phase"]})
    assert targets.status_code == 400 and targets.json()["detail"].startswith("targets:")
    many = call(client, "post", "/api/quality/plans", {**body, "per_agent_per_week": 10**30})
    assert many.status_code == 400 and "per_agent_per_week" in many.json()["detail"]
    share = call(client, "post", "/api/quality/plans", {**body, "share_percent": "150"})
    assert share.status_code == 400 and "share_percent" in share.json()["detail"]
    assert not SamplingPlan.objects.exists()
    plan = services.plan_create(actor=world.user("qa_analyst"), scorecard=published_scorecard, name="P",
                                per_agent_per_week=1, seed=1)
    url = f"/api/quality/plans/{plan.pk}/draw"
    backwards = call(client, "post", url, {"analyst": "qa-analyst", "date_from": "2025-03-09", "date_to": "2025-03-01"})
    assert backwards.status_code == 400 and backwards.json()["detail"].startswith("date_to:")
    edge = call(client, "post", url, {"analyst": "qa-analyst", "date_from": "9999-12-31", "date_to": "9999-12-31"})
    assert edge.status_code == 400 and edge.json()["detail"].startswith("date_to:")
    first = call(client, "post", url, {"analyst": "qa-analyst", "date_from": "0001-01-01", "date_to": "0001-01-02"})
    assert first.status_code == 400
    nobody = call(client, "post", url, {"analyst": "a-agent1", "date_from": "2025-03-01", "date_to": "2025-03-09"})
    assert nobody.status_code == 400 and "not an active QA analyst" in nobody.json()["detail"]
    assert not Evaluation.objects.exists()
    for role in ("finance", "a-manager", "a-agent1"):
        other = api_client(world.user(role))
        assert call(other, "post", "/api/quality/plans", body).status_code == 403
        assert call(other, "post", url, {"analyst": "qa-analyst", "date_from": "2025-03-01",
                                         "date_to": "2025-03-09"}).status_code == 403
    assert SamplingPlan.objects.count() == 1 and not Evaluation.objects.exists()


# --- calibration ---------------------------------------------------------------------------------

def test_a_calibration_session_is_created_scored_and_closed(world, contacts, published_scorecard,  # noqa: F811
                                                            second_analyst):
    lead = api_client(world.user("qa_analyst"))
    body = {"scorecard": published_scorecard.pk, "title": "March calibration",
            "evaluators": ["qa-analyst", "qa-second"], "contacts": ["QA-amy-3", "QA-BELLA-1"]}
    created = call(lead, "post", "/api/quality/calibrations", body, key="c-1")
    assert created.status_code == 201, created.content
    assert sorted(created.json()["contacts"]) == sorted(["QA-amy-3", "QA-BELLA-1"])
    session = CalibrationSession.objects.get()
    assert session.status == "open" and session.evaluators.count() == 2 and session.contacts.count() == 2
    assert created.json()["evaluators"] == ["qa-analyst", "qa-second"]
    assert call(lead, "post", "/api/quality/calibrations", body, key="c-1")["Idempotent-Replayed"] == "true"
    assert CalibrationSession.objects.count() == 1
    pk = created.json()["id"]
    answers = [{"criterion": a["criterion"], "answer": a["answer"]} for a in GOOD]
    score = {"contact": "QA-amy-3", "answers": answers, "comment": "clear"}
    scored = call(lead, "post", f"/api/quality/calibrations/{pk}/scores", score, key="k-1")
    assert scored.status_code == 201, scored.content
    assert scored.json()["score"] == "100.00" and scored.json()["answers"]["accuracy"] == "5"
    assert call(lead, "post", f"/api/quality/calibrations/{pk}/scores", score, key="k-1").status_code == 201
    assert CalibrationScore.objects.count() == 1
    twice = call(lead, "post", f"/api/quality/calibrations/{pk}/scores", score)
    assert twice.status_code == 400 and "already scored" in twice.json()["detail"]
    partial = call(api_client(second_analyst), "post", f"/api/quality/calibrations/{pk}/scores",
                   {**score, "answers": answers[:1]})
    assert partial.status_code == 400 and "accuracy" in partial.json()["detail"]
    outsider = call(api_client(world.user("outsourcing_manager")), "post", f"/api/quality/calibrations/{pk}/scores",
                    score)
    assert outsider.status_code == 400 and "not an evaluator" in outsider.json()["detail"]
    stranger = call(api_client(second_analyst), "post", f"/api/quality/calibrations/{pk}/scores",
                    {**score, "contact": "QA-arlo-3"})
    assert stranger.status_code == 400 and "not part of this session" in stranger.json()["detail"]
    assert CalibrationScore.objects.count() == 1
    assert call(api_client(world.user("a-manager")), "post", f"/api/quality/calibrations/{pk}/close").status_code == 403
    closed = call(lead, "post", f"/api/quality/calibrations/{pk}/close")
    assert closed.status_code == 200 and closed.json()["status"] == "closed" and closed.json()["results_visible"]
    assert CalibrationSession.objects.get(pk=pk).closed_at is not None
    late = call(api_client(second_analyst), "post", f"/api/quality/calibrations/{pk}/scores",
                {**score, "contact": "QA-BELLA-1"})
    assert late.status_code == 400 and "closed" in late.json()["detail"]
    assert call(lead, "post", f"/api/quality/calibrations/{pk}/close").status_code == 400


def test_a_calibration_refuses_bad_input(world, contacts, published_scorecard, second_analyst):  # noqa: F811
    client = api_client(world.user("qa_analyst"))
    body = {"scorecard": published_scorecard.pk, "title": "T", "evaluators": ["qa-analyst", "qa-second"],
            "contacts": ["QA-amy-3"]}
    unknown = call(client, "post", "/api/quality/calibrations", {**body, "contacts": ["QA-amy-3", "GHOST-9"]})
    assert unknown.status_code == 400
    assert unknown.json()["detail"] == "contacts: Unknown contacts in project shared-mail: GHOST-9"
    alone = call(client, "post", "/api/quality/calibrations", {**body, "evaluators": ["qa-analyst"]})
    assert alone.status_code == 400 and alone.json()["detail"].startswith("evaluators:")
    vendor = call(client, "post", "/api/quality/calibrations", {**body, "evaluators": ["qa-analyst", "a-manager"]})
    assert vendor.status_code == 400 and "a-manager" in vendor.json()["detail"]
    untitled = call(client, "post", "/api/quality/calibrations", {**body, "title": ""})
    assert untitled.status_code == 400 and untitled.json()["detail"].startswith("title:")
    for role in ("finance", "a-manager", "a-agent1"):
        assert call(api_client(world.user(role)), "post", "/api/quality/calibrations", body).status_code == 403
    assert not CalibrationSession.objects.exists()


# --- compliance rules ----------------------------------------------------------------------------

def _rule(world, project, code="rude", phrases=("shut up",)):
    return services.create_compliance_rule(actor=world.user("qa_analyst"), project=project, code=code,
                                           name="Rudeness", kind="banned", phrases=list(phrases), speaker="agent")


def test_create_a_rule_through_the_pages_form(world):
    client = api_client(world.user("qa_analyst"))
    body = {"project": "shared-mail", "code": "bye", "name": "Closing", "kind": "required", "phrases": ["再见", "bye"],
            "speaker": "agent", "scope": "closing", "severity": "low"}
    created = call(client, "post", "/api/quality/compliance/rules", body, key="r-1")
    assert created.status_code == 201, created.content
    assert created.json()["phrases"] == ["再见", "bye"] and created.json()["scope"] == "closing"
    assert call(client, "post", "/api/quality/compliance/rules", body, key="r-1")["Idempotent-Replayed"] == "true"
    assert ComplianceRule.objects.filter(code="bye").count() == 1
    regex = call(client, "post", "/api/quality/compliance/rules", {**body, "code": "re", "kind": "regex",
                                                                   "pattern": "("})
    assert regex.status_code == 400 and "pattern" in regex.json()["detail"]
    nowhere = call(client, "post", "/api/quality/compliance/rules", {**body, "code": "x", "project": "nosuch"})
    assert nowhere.status_code == 400 and nowhere.json()["detail"].startswith("project:")
    clash = call(client, "post", "/api/quality/compliance/rules", body)
    assert clash.status_code == 400 and clash.json()["detail"].startswith("code:")
    assert call(api_client(world.user("a-manager")), "post", "/api/quality/compliance/rules",
                {**body, "code": "v"}).status_code == 403
    assert ComplianceRule.objects.count() == 1


def test_edit_a_rule_and_scan_again(world, contacts):  # noqa: F811
    rule = _rule(world, world.shared)
    client = api_client(world.user("qa_analyst"))
    edited = call(client, "patch", f"/api/quality/compliance/rules/{rule.pk}",
                  {"phrases": ["how can I help", "闭嘴"], "severity": "high"})
    assert edited.status_code == 200, edited.content
    assert edited.json()["phrases"] == ["how can I help", "闭嘴"] and edited.json()["name"] == "Rudeness"
    rule.refresh_from_db()
    assert rule.severity == "high" and rule.active and rule.speaker == "agent"
    scanned = call(client, "post", "/api/quality/compliance/rules/rescan", {"project": "shared-mail"})
    assert scanned.status_code == 202 and "started" in scanned.json()["detail"]
    # The test settings run tasks at once: every vendor-A agent said the phrase.
    assert ComplianceHit.objects.filter(rule=rule).count() == 4
    off = call(client, "patch", f"/api/quality/compliance/rules/{rule.pk}", {"active": False})
    assert off.status_code == 200 and off.json()["active"] is False
    assert call(client, "post", "/api/quality/compliance/rules/rescan", {"project": "nosuch"}).status_code == 400


def test_a_bad_rule_edit_is_a_400_and_changes_nothing(world):
    rule = _rule(world, world.shared)
    client = api_client(world.user("qa_analyst"))
    kind = call(client, "patch", f"/api/quality/compliance/rules/{rule.pk}", {"kind": "telepathy"})
    assert kind.status_code == 400 and kind.json()["detail"].startswith("kind:")
    regex = call(client, "patch", f"/api/quality/compliance/rules/{rule.pk}", {"kind": "regex", "pattern": "("})
    assert regex.status_code == 400 and "pattern" in regex.json()["detail"]
    turns = call(client, "patch", f"/api/quality/compliance/rules/{rule.pk}", {"turns": 99})
    assert turns.status_code == 400 and turns.json()["detail"].startswith("turns:")
    rule.refresh_from_db()
    assert rule.kind == "banned" and rule.turns == 2
    for role in ("finance", "a-manager", "a-agent1"):
        refused = call(api_client(world.user(role)), "patch", f"/api/quality/compliance/rules/{rule.pk}",
                       {"active": False})
        assert refused.status_code == 403
        assert call(api_client(world.user(role)), "post", "/api/quality/compliance/rules/rescan",
                    {"project": "shared-mail"}).status_code == 403
    rule.refresh_from_db()
    assert rule.active


def test_a_vendor_reads_only_its_projects_rules(world):
    theirs = _rule(world, world.project_b, code="bravo-rude")
    assert call(api_client(world.user("a-manager")), "get",
                f"/api/quality/compliance/rules/{theirs.pk}").status_code == 404
    assert call(api_client(world.user("b-manager")), "get",
                f"/api/quality/compliance/rules/{theirs.pk}").json()["code"] == "bravo-rude"


def test_import_rules_from_a_brand_manual(world):
    client = api_client(world.user("qa_analyst"))
    body = {"project": "shared-mail", "kind": "required", "scope": "opening", "source": "Manual §2",
            "text": "# greetings\ngreet: hello | 您好\nthank you for calling"}
    imported = call(client, "post", "/api/quality/compliance/rules/import", body, key="i-1")
    assert imported.status_code == 201, imported.content
    assert sorted(r["code"] for r in imported.json()) == ["greet", "required-2"]
    replay = call(client, "post", "/api/quality/compliance/rules/import", body, key="i-1")
    assert replay["Idempotent-Replayed"] == "true" and ComplianceRule.objects.count() == 2
    assert ComplianceRule.objects.get(code="greet").phrases == "hello\n您好"
    clash = call(client, "post", "/api/quality/compliance/rules/import", {**body, "text": "new: hi\ngreet: hey"})
    assert clash.status_code == 400 and "Line 2" in clash.json()["detail"]
    empty = call(client, "post", "/api/quality/compliance/rules/import", {**body, "text": "  "})
    assert empty.status_code == 400 and "Paste the phrases" in empty.json()["detail"]
    pii = call(client, "post", "/api/quality/compliance/rules/import", {**body, "kind": "pii"})
    assert pii.status_code == 400 and pii.json()["detail"].startswith("kind:")
    nowhere = call(client, "post", "/api/quality/compliance/rules/import", {**body, "project": "bravo-nope"})
    assert nowhere.status_code == 400 and nowhere.json()["detail"].startswith("project:")
    assert ComplianceRule.objects.count() == 2  # all or nothing
    for role in ("auditor", "a-manager"):
        assert call(api_client(world.user(role)), "post", "/api/quality/compliance/rules/import",
                    body).status_code == 403
    assert ComplianceRule.objects.count() == 2


# --- coaching: registering the agent in a training session, as the page offers ----------------

def test_coaching_registers_the_agent_in_a_session(world, contacts, published_scorecard):  # noqa: F811
    import datetime as dt

    from django.utils import timezone

    from steward.quality.models import Coaching
    from steward.training import services as training
    from steward.training.models import Attendance
    from tests.training import factories

    amy = _submitted(world, contacts, "QA-amy-3", published_scorecard)
    course = factories.course("coach-101")
    start = timezone.now() + dt.timedelta(days=3)
    ours = training.session_create(actor=world.user("outsourcing_manager"), course=course, vendor=world.vendor_a,
                                   starts_at=start, ends_at=start + dt.timedelta(hours=2))
    theirs = training.session_create(actor=world.user("outsourcing_manager"), course=course, vendor=world.vendor_b,
                                     starts_at=start, ends_at=start + dt.timedelta(hours=2))
    body = {"evaluation": amy.pk, "kind": "training", "text": "Take the refresher", "course": "coach-101",
            "due_on": (timezone.localdate() + dt.timedelta(days=10)).isoformat()}
    # QA analysts assign coaching but do not run sessions: the page offers them no session either.
    assert call(api_client(world.user("qa_analyst")), "post", "/api/quality/coachings",
                {**body, "session": ours.pk}).status_code == 403
    manager = api_client(world.user("a-manager"))
    wrong = call(manager, "post", "/api/quality/coachings", {**body, "session": theirs.pk})
    assert wrong.status_code == 400 and "session" in wrong.json()["detail"]
    assert not Coaching.objects.exists() and not Attendance.objects.exists()
    created = call(manager, "post", "/api/quality/coachings", {**body, "session": ours.pk}, key="cs-1")
    assert created.status_code == 201, created.content
    assert call(manager, "post", "/api/quality/coachings", {**body, "session": ours.pk}, key="cs-1").status_code == 201
    assert Coaching.objects.count() == 1
    attendance = Attendance.objects.get()
    assert attendance.session == ours and attendance.agent.code == "amy-code" and attendance.status == "registered"
