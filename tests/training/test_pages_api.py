import json
from datetime import timedelta

import pytest
from django.forms import modelform_factory
from django.utils import timezone

from steward.interactions.models import Agent
from steward.training import services
from steward.training.models import Acknowledgement, AssessmentResult, Session
from tests.training import factories as f

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def setup(world):
    admin = world.user("client_admin")
    course = services.course_create(actor=admin, code="onboarding", name="Onboarding")
    quiz = services.assessment_create(actor=admin, course=course, code="quiz", name="Product quiz")
    services.require_training(actor=admin, project=world.project_a, course=course)
    amy = f.agent(world.vendor_a, "amy", world.project_a, user=world.user("a-agent1"), name="Amy Wang")
    arlo = f.agent(world.vendor_a, "arlo", world.project_a, user=world.user("a-agent2"), name="Arlo Li")
    bella = f.agent(world.vendor_b, "bella", world.project_b, user=world.user("b-agent1"), name="Bella Hidden")
    return course, quiz, amy, arlo, bella


def _post_json(client, url, data, **extra):
    return client.post(url, json.dumps(data), content_type="application/json", **extra)


# --- the gate through the page and the API --------------------------------------------------


def test_gate_on_the_page(client, world, setup):
    course, quiz, amy, *_ = setup
    client.force_login(world.user("a-manager"))
    response = client.post(f"/training/agents/{amy.pk}/status/", {"status": "active"}, follow=True, **EN)
    assert "cannot be active before passing the required trainings" in response.content.decode()
    assert "Onboarding (onboarding)" in response.content.decode()
    amy.refresh_from_db()
    assert amy.status == Agent.Status.TRAINING
    services.result_record(actor=world.user("a-manager"), assessment=quiz, agent=amy, score="85",
                           taken_on=timezone.localdate())
    client.post(f"/training/agents/{amy.pk}/status/", {"status": "active"})
    amy.refresh_from_db()
    assert amy.status == Agent.Status.ACTIVE


def test_gate_through_the_api(client, world, setup):
    course, quiz, amy, *_ = setup
    client.force_login(world.user("a-manager"))
    response = client.post(f"/api/training/agents/{amy.pk}/activate")
    assert response.status_code == 400
    assert "onboarding" in response.json()["detail"]
    response = _post_json(client, f"/api/training/agents/{amy.pk}/status", {"status": "active"})
    assert response.status_code == 400
    state = client.get(f"/api/training/agents/{amy.pk}/activation").json()
    assert state["active"] is False and state["missing"] == [{"project": "alpha-only", "courses": ["onboarding"]}]
    response = _post_json(client, "/api/training/results", {"course": "onboarding", "assessment": "quiz",
                                                           "agent": "amy", "score": "90",
                                                           "taken_on": timezone.localdate().isoformat()},
                          HTTP_IDEMPOTENCY_KEY="result-1")
    assert response.status_code == 201 and response.json()["passed"] is True
    # The same key again replays and records nothing new.
    again = _post_json(client, "/api/training/results", {"course": "onboarding", "assessment": "quiz",
                                                        "agent": "amy", "score": "90",
                                                        "taken_on": timezone.localdate().isoformat()},
                       HTTP_IDEMPOTENCY_KEY="result-1")
    assert again.status_code == 201 and AssessmentResult.objects.count() == 1
    response = client.post(f"/api/training/agents/{amy.pk}/activate")
    assert response.status_code == 200 and response.json()["active"] is True


def test_gate_through_a_model_form_as_an_admin_site_would_use(world, setup):
    """There is no Django admin site; any ModelForm (what the admin uses) meets the model's check."""
    _, _, amy, _, _ = setup
    form_class = modelform_factory(Agent, fields=["status"])
    form = form_class({"status": "active"}, instance=amy)
    assert not form.is_valid()
    assert "required trainings" in str(form.errors)
    amy.refresh_from_db()
    assert amy.status == Agent.Status.TRAINING


def test_other_vendor_cannot_activate_or_see_an_agent(client, world, setup):
    *_, amy, _, bella = setup
    client.force_login(world.user("b-manager"))
    assert client.post(f"/training/agents/{amy.pk}/status/", {"status": "active"}).status_code == 404
    assert client.post(f"/api/training/agents/{amy.pk}/activate").status_code == 404
    assert client.get(f"/api/training/agents/{amy.pk}/activation").status_code == 404
    client.force_login(world.user("a-agent1"))  # agents may not activate anyone
    assert client.post(f"/api/training/agents/{amy.pk}/activate").status_code == 403


# --- matrix -----------------------------------------------------------------------------------


def test_matrix_page_csv_and_api(client, world, setup):
    course, quiz, amy, arlo, bella = setup
    admin = world.user("client_admin")
    services.result_record(actor=admin, assessment=quiz, agent=amy, score="85", taken_on=timezone.localdate())
    client.force_login(world.user("a-manager"))
    page = client.get("/training/matrix/?project=alpha-only", **EN).content.decode()
    assert "1 of 2 agents hold every required training" in page
    assert "Bella Hidden" not in page
    csv = client.get("/training/matrix/?project=alpha-only&format=csv").content.decode("utf-8-sig")
    lines = csv.strip().splitlines()
    assert lines[0] == "agent,name,vendor,status,onboarding,certified"
    assert lines[1].startswith("amy,Amy Wang,alpha,training,passed ") and lines[1].endswith(",yes")
    assert lines[2] == "arlo,Arlo Li,alpha,training,missing,no"
    data = client.get("/api/training/matrix?project=alpha-only").json()
    assert data["certified"] == 1 and [r["agent"] for r in data["rows"]] == ["amy", "arlo"]
    result_id = data["rows"][0]["cells"][0]["latest_result"]
    # Drill-down to the result behind the cell.
    assert client.get(f"/training/results/{result_id}/").status_code == 200
    assert client.get("/api/training/matrix?project=bravo-only").status_code == 404
    # An agent sees only their own row.
    client.force_login(world.user("a-agent2"))
    data = client.get("/api/training/matrix?project=alpha-only").json()
    assert [r["agent"] for r in data["rows"]] == ["arlo"]
    assert client.get(f"/training/results/{result_id}/").status_code == 404


def test_expired_certification_shows_as_expired(client, world, setup):
    course, quiz, amy, *_ = setup
    f.certify(amy, course, timezone.localdate() - timedelta(days=90), timezone.localdate() - timedelta(days=1))
    client.force_login(world.user("client_admin"))
    data = client.get("/api/training/matrix?project=alpha-only").json()
    assert data["rows"][0]["cells"][0]["state"] == "expired"


# --- knowledge base pages and API -----------------------------------------------------------


def test_article_flow_through_the_api(client, world, setup):
    client.force_login(world.user("client_admin"))
    body = {"code": "brand", "title": "Brand manual", "kind": "brand_manual", "project": "alpha-only",
            "body": "Be kind.", "banned_phrases": ["calm down"], "required_phrases": ["thank you"]}
    created = _post_json(client, "/api/training/articles", body, HTTP_IDEMPOTENCY_KEY="a1")
    assert created.status_code == 201
    version_id = created.json()["versions"][0]["id"]
    assert _post_json(client, "/api/training/articles", body).status_code == 400  # duplicate code
    assert client.post(f"/api/training/versions/{version_id}/publish").status_code == 200
    assert client.post(f"/api/training/versions/{version_id}/publish").status_code == 400
    revised = _post_json(client, "/api/training/articles/brand/revise", {"body": "Be kinder."})
    assert revised.status_code == 200 and revised.json()["number"] == 2
    missing = client.get(f"/api/training/versions/{version_id}/not-acknowledged").json()
    assert [a["code"] for a in missing] == ["amy", "arlo"]

    client.force_login(world.user("a-agent1"))
    listed = client.get("/api/training/articles/brand").json()
    assert [v["number"] for v in listed["versions"]] == [1]  # drafts are not shown to agents
    ack = client.post(f"/api/training/versions/{version_id}/acknowledge")
    assert ack.status_code == 200 and ack.json()["agent"] == "amy"
    client.force_login(world.user("b-agent1"))
    assert client.get("/api/training/articles/brand").status_code == 404
    assert client.post(f"/api/training/versions/{version_id}/acknowledge").status_code == 404


def test_article_pages(client, world, setup):
    admin = world.user("client_admin")
    article = services.article_create(actor=admin, code="faq", title="Delivery FAQ", kind="faq",
                                      project=world.project_a, body="Parcels arrive in 3 days.",
                                      sample_dialogues="customer: where is it?\nagent: let me check")
    client.force_login(admin)
    page = client.get("/training/articles/faq/", **EN).content.decode()
    assert "Publish this version" in page
    version = article.versions.get()
    client.post(f"/training/versions/{version.pk}/publish/")
    response = client.post("/training/articles/faq/edit/", {"title": "Delivery FAQ", "body": "4 days now."})
    assert response.status_code == 302
    assert article.versions.count() == 2
    client.force_login(world.user("a-agent1"))
    page = client.get("/training/articles/faq/", **EN).content.decode()
    assert "Parcels arrive in 3 days." in page and "4 days now." not in page
    assert "I have read and understood" in page
    client.post(f"/training/versions/{version.pk}/acknowledge/")
    assert Acknowledgement.objects.filter(agent__code="amy", version=version).exists()
    assert "Nothing to acknowledge." in client.get("/training/my/", **EN).content.decode()
    client.force_login(world.user("b-manager"))
    assert client.get("/training/articles/faq/").status_code == 404


def test_session_pages(client, world, setup):
    course, quiz, amy, arlo, bella = setup
    client.force_login(world.user("a-manager"))
    start = timezone.localtime().replace(second=0, microsecond=0) + timedelta(days=2)
    response = client.post("/training/sessions/new/", {
        "course": "onboarding", "vendor": "alpha", "mode": "on_site", "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"), "location": "Room 1",
        "agents": [str(amy.pk), str(arlo.pk)]})
    assert response.status_code == 302, response.content.decode()[:2000]
    session = Session.objects.get()
    client.post(f"/training/sessions/{session.pk}/attendance/", {"agent": amy.pk, "status": "attended"})
    assert session.attendances.get(agent=amy).status == "attended"
    response = client.post(f"/training/sessions/{session.pk}/results/new/", {
        "assessment": quiz.pk, "agent": amy.pk, "score": "120", "taken_on": timezone.localdate().isoformat()})
    assert response.status_code == 200  # the form again, with the error
    client.post(f"/training/sessions/{session.pk}/results/new/", {
        "assessment": quiz.pk, "agent": amy.pk, "score": "90", "taken_on": timezone.localdate().isoformat()})
    assert AssessmentResult.objects.get().passed
    # Another vendor sees neither the session nor may schedule for vendor A.
    client.force_login(world.user("b-manager"))
    assert client.get(f"/training/sessions/{session.pk}/").status_code == 404
    bad = _post_json(client, "/api/training/sessions", {
        "course": "onboarding", "vendor": "alpha", "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=1)).isoformat()})
    assert bad.status_code == 400
    # The agent sees the session they attend, and only their own result.
    client.force_login(world.user("a-agent2"))
    assert client.get(f"/training/sessions/{session.pk}/").status_code == 200
    assert client.get("/api/training/results").json() == []


@pytest.mark.parametrize("url", ["/training/my/", "/training/articles/", "/training/courses/", "/training/courses/onboarding/",
                                 "/training/sessions/", "/training/results/", "/training/results/?format=csv",
                                 "/training/matrix/", "/training/agents/", "/training/articles/new/",
                                 "/training/courses/new/", "/training/sessions/new/",
                                 "/training/courses/onboarding/assessments/new/"])
def test_pages_render_for_the_client(client, world, setup, url):
    client.force_login(world.user("client_admin"))
    assert client.get(url).status_code == 200
