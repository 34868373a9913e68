"""In a real browser: a project lead creates a project's plan from the template, moves a task
on the board (a plain form: no drag needed), is refused moving a task whose dependency is not
done, and is stopped at go-live by an untrained agent cohort, with the reason shown."""

import datetime as dt

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PROJECT = "support-email"


def _setup():
    """Everything for go-live holds except the agents' training: the SLA policy, signed
    contracts for both vendors, the data handover and system access with security sign-off
    are recorded when the plan exists; four agents are assigned but none passed the course the
    project requires."""
    from steward.contracts import services as contract_services
    from steward.core.models import Project, User
    from steward.metrics import services as metric_services
    from steward.training import services as training_services
    from tests.planning.conftest import SLA_TEXT, add_agents

    admin, project = User.objects.get(username="admin"), Project.objects.get(code=PROJECT)
    metric_services.sla_policy_save(actor=admin, project=project, text=SLA_TEXT.format(name="email-sla"))
    for vendor in project.vendors.all():
        contract_services.contract_create(
            actor=admin, code=f"B-{vendor.code}", vendor_code=vendor.code, project_codes=[PROJECT],
            title=f"Email support {vendor.code}", status="active", signed_on=dt.date(2024, 12, 1),
            start_date=dt.date(2025, 1, 1), pricing_model="per_fte")
        add_agents(project, vendor, 2, prefix="BRW")
    course = training_services.course_create(actor=admin, code="email-basics", name="Email basics")
    training_services.require_training(actor=admin, project=project, course=course)


def _record_checklist():
    from steward.core.models import User
    from steward.planning import services
    from steward.planning.models import Plan

    plan, admin = Plan.objects.get(project__code=PROJECT), User.objects.get(username="admin")
    for item in ("data_handover", "system_access", "security_signoff"):
        services.signoff_record(actor=admin, plan=plan, item=item)


def test_plan_board_timeline_and_go_live_gate(open_session):
    from steward.planning.models import Task

    _setup()
    lead = open_session("en")
    lead.login("lead")
    lead.goto(f"/projects/{PROJECT}/")
    lead.page.get_by_test_id("project-plan").click()
    page = lead.page
    # Started three weeks ago: the needs phase is behind schedule, the rest lies ahead.
    page.get_by_label("Plan starts on").fill((dt.date.today() - dt.timedelta(days=21)).isoformat())
    page.get_by_label("Planned headcount (agents)").fill("4")
    page.get_by_test_id("plan-create").click()
    expect(page.get_by_test_id("phases")).to_contain_text("Go-live")
    expect(page.get_by_test_id("phase-progress-needs")).to_contain_text("0.0%")

    page.get_by_test_id("tab-board").click()
    volumes = Task.objects.get(phase__plan__project__code=PROJECT, title="Collect volumes, channels and service hours")
    approval = Task.objects.get(phase__plan__project__code=PROJECT, title="Approve the needs assessment")
    expect(page.get_by_test_id("column-todo").get_by_test_id(f"task-{volumes.pk}")).to_be_visible()
    page.get_by_test_id(f"move-select-{volumes.pk}").select_option("in_progress")
    page.get_by_test_id(f"move-{volumes.pk}").click()
    expect(page.get_by_test_id("column-in_progress").get_by_test_id(f"task-{volumes.pk}")).to_be_visible()
    # Keyboard only: focus the approval's status list, pick "Done", press Enter on the button.
    page.get_by_test_id(f"move-select-{approval.pk}").focus()
    page.get_by_test_id(f"move-select-{approval.pk}").select_option("done")
    page.get_by_test_id(f"move-{approval.pk}").press("Enter")
    expect(page.locator("body")).to_contain_text("cannot be done before its dependencies are done")
    expect(page.get_by_test_id("column-todo").get_by_test_id(f"task-{approval.pk}")).to_be_visible()
    lead.screenshot("planning-board")

    page.get_by_test_id("tab-timeline").click()
    expect(page.get_by_test_id("timeline").locator("svg")).to_be_visible()
    lead.screenshot("planning-timeline")

    _record_checklist()
    page.get_by_test_id("tab-readiness").click()
    expect(page.get_by_test_id("condition-sla")).to_have_class("met")
    page.get_by_test_id("go-live").click()
    expect(page.get_by_test_id("go-live-blocked")).to_contain_text("Only 0 of the 4 planned agents are certified.")
    expect(page.get_by_test_id("condition-agents")).to_contain_text("Only 0 of the 4 planned agents are certified.")
    expect(page.get_by_test_id("live")).to_have_count(0)
    lead.screenshot("planning-readiness")
    lead.assert_clean()
    assert not Task.objects.get(pk=approval.pk).status == "done"
