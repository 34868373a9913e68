"""In a real browser: a vendor manager tries to put an untrained agent on the line and is told
which trainings are missing, reads the certification matrix; an agent reads and acknowledges the
brand manual. Screenshots of the main pages go to docs/screenshots/."""

import io

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser


def _setup():
    from steward.core.models import Project, User, Vendor
    from steward.interactions import services as interaction_services
    from steward.interactions.models import Agent
    from steward.training import demo

    project, vendor = Project.objects.get(code="presales-chat"), Vendor.objects.get(code="aurora")
    rows = [{"external_id": f"TRAIN-{agent}", "channel": "chat", "agent_code": agent,
             "arrived_at": "2025-03-20T10:00:00+08:00"} for agent in ("AUR-01", "AUR-02", "AUR-03", "AUR-04")]
    interaction_services.import_records(actor=None, project=project, vendor=vendor, records=rows,
                                        idempotency_key="browser-training")
    Agent.objects.filter(vendor=vendor, code="AUR-03").update(user=User.objects.get(username="aurora-agent1"))
    demo.load(io.StringIO())
    return Agent.objects.get(vendor=vendor, code="AUR-04")


def test_untrained_agent_is_stopped_and_the_matrix_shows_why(open_session):
    untrained = _setup()

    manager = open_session("en")
    manager.login("aurora-manager")
    manager.goto("/training/agents/?project=presales-chat")
    row = manager.page.locator(f"tr[data-agent='{untrained.code}']")
    expect(row).to_contain_text("Product basics")
    row.locator("select[name=status]").select_option("active")
    row.get_by_role("button").click()
    expect(manager.page.locator(".messages")).to_contain_text(
        "cannot be active before passing the required trainings")
    expect(manager.page.locator(f"tr[data-agent='{untrained.code}']")).to_contain_text("In training")
    manager.screenshot("training-agents")
    manager.goto("/training/matrix/?project=presales-chat")
    expect(manager.page.get_by_test_id("certified")).to_contain_text("2 of 4 agents")
    manager.screenshot("training-matrix")
    manager.assert_clean()

    agent = open_session("en")
    agent.login("aurora-agent1")  # AUR-03: untrained, has not acknowledged the brand manual
    agent.goto("/training/my/")
    expect(agent.page.get_by_test_id("pending")).to_contain_text("Brand manual")
    agent.goto("/training/articles/brand-manual/")
    expect(agent.page.get_by_test_id("banned")).to_contain_text("calm down")
    agent.page.get_by_test_id("acknowledge").click()
    expect(agent.page.get_by_test_id("acknowledged")).to_be_visible()
    agent.screenshot("training-brand-manual")
    agent.assert_clean()
