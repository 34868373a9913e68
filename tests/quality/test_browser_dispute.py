"""In a real browser: an analyst scores a contact (the score updates live as answers are
clicked), the agent sees the evaluation and disputes it, and a second analyst re-reviews it."""

import pytest
from playwright.sync_api import expect


pytestmark = pytest.mark.browser


def _setup():
    from steward.core import services as core_services
    from steward.core.demo import DEMO_PASSWORD
    from steward.core.models import Project, User, Vendor
    from steward.interactions import services as interaction_services
    from steward.interactions.models import Agent, Interaction
    from steward.quality import services
    from steward.quality.forms import EXAMPLE_SCORECARD

    qa = User.objects.get(username="qa")
    core_services.user_create(username="qa-second", role="qa_analyst", vendor_code=None, password=DEMO_PASSWORD,
                              first_name="Quinn")
    project, vendor = Project.objects.get(code="presales-chat"), Vendor.objects.get(code="aurora")
    interaction_services.import_records(actor=None, project=project, vendor=vendor, idempotency_key="browser-qa", records=[
        {"external_id": "QA-BROWSER-1", "channel": "chat", "agent_code": "AUR-01", "arrived_at": "2025-03-03T10:00:00+08:00",
         "transcript": "customer: Where is my parcel?\nagent: Let me check the tracking for you."}])
    Agent.objects.filter(vendor=vendor, code="AUR-01").update(user=User.objects.get(username="aurora-agent1"))
    scorecard = services.scorecard_create(actor=qa, project=project, code="chat", source=EXAMPLE_SCORECARD)
    services.version_publish(actor=qa, version=scorecard.versions.get())
    return services.evaluation_assign(actor=qa, interaction=Interaction.objects.get(external_id="QA-BROWSER-1"),
                                      analyst=qa, scorecard=scorecard)


def test_score_dispute_and_re_review(open_session):
    evaluation = _setup()
    url = evaluation.get_absolute_url()

    analyst = open_session("en")
    analyst.login("qa")
    analyst.goto("/quality/evaluations/")
    analyst.page.get_by_test_id("evaluation-link").first.click()
    page = analyst.page
    expect(page.get_by_test_id("transcript")).to_contain_text("Let me check the tracking for you.")
    page.get_by_test_id("criterion-greeting").get_by_label("No", exact=True).check()
    page.get_by_test_id("criterion-accuracy").get_by_label("3", exact=True).check()
    page.get_by_test_id("criterion-privacy").get_by_label("Yes", exact=True).check()
    expect(page.get_by_test_id("score-value")).to_have_text("58.33")  # live, through htmx
    page.get_by_test_id("criterion-greeting").locator("textarea").fill("No brand greeting.")
    page.get_by_test_id("submit").click()
    expect(page.get_by_test_id("status")).to_have_text("Submitted")
    analyst.assert_clean()

    agent = open_session("en")
    agent.login("aurora-agent1")
    agent.goto(url)
    expect(agent.page.get_by_test_id("final-score")).to_contain_text("58.33")
    expect(agent.page.get_by_test_id("answer-greeting")).to_contain_text("No brand greeting.")
    agent.page.get_by_label("Why do you dispute this evaluation?").fill("I greeted the customer in my first line.")
    agent.page.get_by_test_id("dispute").click()
    expect(agent.page.get_by_test_id("status")).to_have_text("Disputed")
    agent.assert_clean()

    reviewer = open_session("en")
    reviewer.login("qa-second")
    reviewer.goto("/quality/evaluations/?tab=reviews")
    reviewer.page.get_by_test_id("evaluation-link").first.click()
    page = reviewer.page
    expect(page.get_by_test_id("review-form")).to_be_visible()
    page.get_by_test_id("review-criterion-greeting").get_by_label("Yes", exact=True).check()
    page.get_by_test_id("review-criterion-accuracy").get_by_label("3", exact=True).check()
    page.get_by_test_id("review-criterion-privacy").get_by_label("Yes", exact=True).check()
    page.get_by_label("Re-review decision").fill("The greeting is in the first agent line.")
    page.get_by_test_id("review").click()
    expect(page.get_by_test_id("status")).to_have_text("Final after re-review")
    expect(page.get_by_test_id("final-score")).to_contain_text("75.00")
    expect(page.get_by_test_id("final-score")).to_contain_text("first scored 58.33")
    expect(page.get_by_test_id("history")).to_contain_text("Re-reviewed")
    reviewer.assert_clean()
