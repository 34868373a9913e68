"""In a real browser: an evaluator opens a tender under evaluation, sees no ranking before
scoring, scores both proposals, submits, and then sees the ranking; the vendor manager reads
its own proposal in the portal."""

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import expect


pytestmark = pytest.mark.browser

HAND = ["qualification", "experience", "service_capability", "technology", "references", "site_visit"]


def _tender():
    from django.utils import timezone

    from steward.core.models import Project, User, Vendor
    from steward.sourcing import services

    manager, qa = User.objects.get(username="manager"), User.objects.get(username="qa")
    event = services.event_create(actor=manager, project=Project.objects.get(code="support-email"),
                                  title="Browser tender", deadline=timezone.now() + dt.timedelta(days=3),
                                  volumes={"email": 5000}, evaluators=[manager, qa])
    vendors = [Vendor.objects.get(code=c) for c in ("aurora", "cedar")]
    for vendor in vendors:
        services.vendor_invite(actor=manager, event=event, vendor=vendor)
    services.event_open(actor=manager, event=event)
    for vendor, rate in zip(vendors, ("5.10", "4.40")):
        services.submission_save(actor=User.objects.get(username=f"{vendor.code}-manager"), event=event,
                                 proposal=f"{vendor.code} email plan", pricing_model="per_contact",
                                 rates={"handled_contact": Decimal(rate)})
    services.event_start_evaluation(actor=manager, event=event)
    return event, vendors


def test_an_evaluator_scores_a_tender_and_then_sees_the_ranking(open_session):
    event, vendors = _tender()
    evaluator = open_session("en")
    evaluator.login("qa")
    evaluator.goto(f"/sourcing/{event.pk}/ranking/")
    expect(evaluator.page.get_by_test_id("ranking-hidden")).to_be_visible()
    evaluator.goto(f"/sourcing/{event.pk}/score/")
    page = evaluator.page
    for vendor, value in zip(vendors, ("5", "3")):
        for key in HAND:
            page.locator(f"#s-{vendor.pk}-{key}").select_option(value)
    page.locator(f"input[name='c-{vendors[0].pk}-experience']").fill("Strong e-mail references")
    with page.expect_navigation():
        page.get_by_test_id("submit-scores").click()
    expect(page.get_by_test_id("submitted")).to_be_visible()
    evaluator.goto(f"/sourcing/{event.pk}/ranking/")
    ranking = page.get_by_test_id("ranking")
    expect(ranking).to_be_visible()
    expect(ranking.locator("tbody tr").first).to_contain_text(vendors[0].name)
    expect(page.get_by_text("Strong e-mail references")).to_be_attached()

    vendor = open_session("zh-hans")
    vendor.login("cedar-manager")
    vendor.goto(f"/sourcing/portal/{event.pk}/")
    expect(vendor.page.get_by_test_id("own-submission")).to_be_visible()
    assert "aurora email plan" not in vendor.page.content()
