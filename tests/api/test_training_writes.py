"""API writes of training beyond articles, sessions and results: courses, assessments,
required training and QA rules from an article, with the pages' capabilities and services."""

import datetime as dt

from steward.training import services
from steward.training.models import Assessment, Course, Programme, RequiredTraining
from tests.api.test_core_writes import api_client, call
from tests.training import factories

COURSE = {"code": "onboard", "name": "Onboarding", "new_programme": "Basics", "refresher_months": 12}


def test_create_a_course_with_an_assessment_and_require_it(world):
    client = api_client(world.user("project_lead"))
    created = call(client, "post", "/api/training/courses", COURSE, key="c-1")
    assert created.status_code == 201, created.content
    assert created.json()["programme"] == "onboard-programme" and created.json()["refresher_months"] == 12
    assert call(client, "post", "/api/training/courses", COURSE, key="c-1")["Idempotent-Replayed"] == "true"
    assert Course.objects.count() == 1
    test = call(client, "post", "/api/training/courses/onboard/assessments",
                {"code": "t1", "name": "Written test", "pass_mark": "70"})
    assert test.status_code == 201 and test.json()["pass_mark"] == "70.00"
    required = call(client, "post", "/api/training/courses/onboard/require", {"project": "alpha-only"})
    assert required.status_code == 200 and required.json()["projects"] == ["alpha-only"]
    removed = call(client, "post", "/api/training/courses/onboard/require", {"project": "alpha-only", "remove": True})
    assert removed.json()["projects"] == [] and not RequiredTraining.objects.exists()


def test_bad_input_is_a_400(world):
    client = api_client(world.user("outsourcing_manager"))
    factories.course("onboard")
    assert call(client, "post", "/api/training/courses", {**COURSE, "articles": ["nosuch"]}).status_code == 400
    duplicate = call(client, "post", "/api/training/courses", {"code": "onboard", "name": "Again"})
    assert duplicate.status_code == 400
    # A duplicate course with a new programme leaves no programme behind (one transaction).
    programmes = Programme.objects.count()
    again = call(client, "post", "/api/training/courses", {"code": "onboard", "name": "Again", "new_programme": "P"})
    assert again.status_code == 400 and Programme.objects.count() == programmes
    above = call(client, "post", "/api/training/courses/onboard/assessments",
                 {"code": "t1", "name": "Test", "pass_mark": "90", "max_score": "50"})
    assert above.status_code == 400 and "cannot exceed" in above.json()["detail"]
    assert call(client, "post", "/api/training/courses/onboard/assessments",
                {"code": "t2", "name": "Test", "kind": "quiz"}).status_code == 400
    assert not Assessment.objects.exists()


def test_roles_without_the_capability_are_refused(world):
    factories.course("onboard")
    for role in ("qa_analyst", "finance", "a-manager", "a-agent1"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/training/courses", COURSE | {"code": "x"}).status_code == 403
        assert call(client, "post", "/api/training/courses/onboard/require",
                    {"project": "alpha-only"}).status_code == 403
    assert Course.objects.count() == 1 and not RequiredTraining.objects.exists()


def test_a_vendor_cannot_write_to_another_vendors_session(world):
    course = factories.course("onboard")
    factories.agent(world.vendor_b, "B-007", world.project_b)
    start = dt.datetime(2030, 1, 1, 9, tzinfo=dt.UTC)
    theirs = services.session_create(actor=world.user("outsourcing_manager"), course=course, vendor=world.vendor_b,
                                     starts_at=start, ends_at=start + dt.timedelta(hours=2))
    manager = api_client(world.user("a-manager"))
    refused = call(manager, "post", f"/api/training/sessions/{theirs.pk}/attendance",
                   {"agent": "B-007", "status": "attended"})
    assert refused.status_code == 404
    # The project of another vendor is not even there to require a course for.
    lead = api_client(world.user("project_lead"))
    assert call(lead, "post", "/api/training/courses/onboard/require", {"project": "nosuch"}).status_code == 404


def test_an_articles_phrases_become_qa_rules(world):
    lead = world.user("project_lead")
    article = services.article_create(actor=lead, code="greet", title="Greeting", kind="policy", body="Say hello",
                                      project=world.project_a, banned_phrases=["calm down"],
                                      required_phrases=["thank you for calling"])
    services.version_publish(actor=lead, version=article.versions.get())
    client = api_client(world.user("qa_analyst"))
    made = call(client, "post", "/api/training/articles/greet/rules", {})
    assert made.status_code == 200, made.content
    assert made.json()["count"] >= 2
    assert call(api_client(world.user("finance")), "post", "/api/training/articles/greet/rules", {}).status_code == 403
