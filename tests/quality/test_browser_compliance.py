"""In a real browser: an analyst adds a banned-phrase rule, scans, filters the compliance hits,
drills down to the contact with the span highlighted, and reads a calibration session's results;
the agent sees only their own hits."""

import io

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _setup():
    from steward.core.models import Project, User, Vendor
    from steward.interactions import services as interaction_services
    from steward.interactions.models import Agent

    project, vendor = Project.objects.get(code="presales-chat"), Vendor.objects.get(code="aurora")
    interaction_services.import_records(actor=None, project=project, vendor=vendor, idempotency_key="browser-cmp", records=[
        {"external_id": "CMP-BROWSER-1", "channel": "chat", "agent_code": "AUR-01", "arrived_at": "2025-03-04T10:00:00+08:00",
         "transcript": "customer: 我的快递呢？\nagent: 您好，不关我的事，请打13812345678问快递"},
        {"external_id": "CMP-BROWSER-2", "channel": "chat", "agent_code": "AUR-02", "arrived_at": "2025-03-04T11:00:00+08:00",
         "transcript": "customer: hi\nagent: Hello, not my problem"}])
    interaction_services.import_records(actor=None, project=project, vendor=vendor, idempotency_key="browser-cal", records=[
        {"external_id": f"CAL-{n}", "channel": "chat", "agent_code": "AUR-02", "arrived_at": f"2025-03-0{n % 5 + 1}T09:00:00+08:00",
         "transcript": f"customer: 问题 {n}\nagent: 您好，我来帮您处理"} for n in range(8)])
    Agent.objects.filter(vendor=vendor, code="AUR-01").update(user=User.objects.get(username="aurora-agent1"))
    # The quality demo: scorecards, the brand-manual rules (scanning these contacts) and two
    # calibration sessions with three analysts.
    from steward.quality import demo as quality_demo

    quality_demo.load(io.StringIO())
    return project


def test_rules_hits_drill_down_and_calibration(open_session):
    project = _setup()
    analyst = open_session("en")
    analyst.login("qa")
    analyst.goto(f"/quality/compliance/rules/?project={project.code}")
    analyst.page.get_by_test_id("scan-now").click()
    page = analyst.page
    page.get_by_label("Rule").select_option(label=f"{project.code} · rudeness")
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("hit-row").filter(has_text="CMP-BROWSER-1")).to_contain_text("不关我的事")
    analyst.screenshot("quality-compliance-hits")
    page.get_by_role("link", name="CMP-BROWSER-1").first.click()
    expect(page.get_by_test_id("highlight").first).to_be_visible()
    expect(page.get_by_test_id("transcript")).to_contain_text("138****5678")  # masked
    expect(page.get_by_test_id("transcript")).not_to_contain_text("13812345678")
    analyst.screenshot("quality-compliance-contact")
    analyst.goto("/quality/calibration/")
    page.get_by_test_id("calibration-row").first.get_by_role("link").click()
    expect(page.get_by_test_id("score-alpha")).to_be_visible()
    expect(page.get_by_test_id("deviation-row")).to_have_count(3)
    analyst.screenshot("quality-calibration")
    analyst.assert_clean()

    agent = open_session("en")
    agent.login("aurora-agent1")
    agent.goto("/quality/compliance/hits/")
    expect(agent.page.get_by_test_id("hit-row").filter(has_text="CMP-BROWSER-1").first).to_be_visible()
    expect(agent.page.get_by_test_id("hit-row").filter(has_text="CMP-BROWSER-2")).to_have_count(0)
    agent.assert_clean()
