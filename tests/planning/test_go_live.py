"""The go-live gate holds on every path: the service, the page's POST, the API and the model
(what any admin or shell writer validating the milestone would hit). Each unmet condition is
reported with its reason."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from steward.core.models import Project
from steward.planning import selectors, services
from steward.planning.models import Milestone
from steward.training import services as training_services
from tests.planning.conftest import add_agents, make_ready

pytestmark = pytest.mark.django_db


def _go_live_milestone(plan):
    return Milestone.objects.get(phase__plan=plan, is_go_live=True)


def _untrained_cohort(world, plan):
    """Agents assigned to the project while it requires a course none of them has passed."""
    admin = world.user("client_admin")
    course = training_services.course_create(actor=admin, code="onboarding", name="Onboarding")
    training_services.require_training(actor=admin, project=plan.project, course=course)


def test_nothing_ready_lists_every_reason(world, plan_a):
    with pytest.raises(services.GoLiveBlocked) as error:
        services.go_live(actor=world.user("project_lead"), plan=plan_a)
    reasons = error.value.messages
    assert reasons == [
        "Only 0 of the 2 planned agents are certified.",
        "No SLA policy is attached to the project.",
        "No signed, active contract covers the project for: alpha.",
        "The data handover has not been recorded as done.",
        "System access has not been recorded as granted.",
    ]
    assert _go_live_milestone(plan_a).done_at is None


def test_untrained_cohort_blocks_go_live_when_all_else_holds(world, plan_a):
    make_ready(world, plan_a)
    _untrained_cohort(world, plan_a)
    with pytest.raises(services.GoLiveBlocked) as error:
        services.go_live(actor=world.user("project_lead"), plan=plan_a)
    assert error.value.messages == ["Only 0 of the 2 planned agents are certified."]
    plan_a.refresh_from_db()
    assert plan_a.went_live_at is None


@pytest.mark.parametrize("missing,reason", [
    ("sla", "No SLA policy is attached to the project."),
    ("contract", "No signed, active contract covers the project for: alpha."),
    ("handover", "The data handover has not been recorded as done."),
    ("access", "System access has not been recorded as granted."),
    ("security", "System access lacks the security sign-off."),
])
def test_each_missing_condition_alone_blocks(world, plan_a, missing, reason):
    make_ready(world, plan_a, **{missing: False})
    with pytest.raises(services.GoLiveBlocked) as error:
        services.go_live(actor=world.user("project_lead"), plan=plan_a)
    assert error.value.messages == [reason]


def test_too_few_certified_agents_for_the_planned_headcount(world, plan_a):
    make_ready(world, plan_a, agents=False)
    add_agents(plan_a.project, world.vendor_a, 1)
    with pytest.raises(services.GoLiveBlocked, match="Only 1 of the 2"):
        services.go_live(actor=world.user("project_lead"), plan=plan_a)
    services.needs_update(actor=world.user("project_lead"), plan=plan_a, planned_headcount=1)
    services.go_live(actor=world.user("project_lead"), plan=plan_a)


def test_a_draft_contract_is_not_signed(world, plan_a):
    make_ready(world, plan_a, contract=False)
    from steward.contracts import services as contract_services

    contract_services.contract_create(actor=world.user("client_admin"), code="C-draft", vendor_code="alpha",
                                      project_codes=[plan_a.project.code], title="Draft", status="draft",
                                      start_date=dt.date(2025, 1, 1), pricing_model="per_fte")
    with pytest.raises(services.GoLiveBlocked, match="No signed, active contract"):
        services.go_live(actor=world.user("project_lead"), plan=plan_a)


def test_every_vendor_of_a_shared_project_needs_a_signed_contract(world, plan):
    make_ready(world, plan, contract=False)
    from steward.contracts import services as contract_services

    contract_services.contract_create(actor=world.user("client_admin"), code="C-a", vendor_code="alpha",
                                      project_codes=[plan.project.code], title="A", status="active",
                                      signed_on=dt.date(2024, 12, 1), start_date=dt.date(2025, 1, 1),
                                      pricing_model="per_fte")
    with pytest.raises(services.GoLiveBlocked, match="for: bravo"):
        services.go_live(actor=world.user("project_lead"), plan=plan)
    # Vendor A's manager reads the reason without learning who the other vendor is.
    unmet = [c for c in selectors.readiness(plan) if not c.met]
    assert selectors.reason_text(unmet[0], world.user("a-manager")).endswith("for: another vendor.")


def test_go_live_when_ready_reaches_the_milestone_and_sets_the_project_live(world, plan_a):
    Project.objects.filter(pk=plan_a.project_id).update(status=Project.Status.PLANNING)
    make_ready(world, plan_a)
    lead = world.user("project_lead")
    services.go_live(actor=lead, plan=plan_a)
    plan_a.refresh_from_db()
    milestone = _go_live_milestone(plan_a)
    assert plan_a.went_live_at and plan_a.went_live_by == lead
    assert milestone.done_at == plan_a.went_live_at and milestone.done_by == lead
    assert Project.objects.get(pk=plan_a.project_id).status == Project.Status.LIVE
    with pytest.raises(ValidationError, match="went live"):
        services.go_live(actor=lead, plan=plan_a)
    with pytest.raises(ValidationError, match="withdraw|went live"):
        services.signoff_withdraw(actor=lead, plan=plan_a, item="data_handover")


def test_only_the_client_goes_live_or_signs_off(world, plan_a):
    make_ready(world, plan_a, handover=False)
    with pytest.raises(ValidationError, match="client"):
        services.signoff_record(actor=world.user("a-manager"), plan=plan_a, item="data_handover")
    services.signoff_record(actor=world.user("project_lead"), plan=plan_a, item="data_handover")
    with pytest.raises(ValidationError, match="client"):
        services.go_live(actor=world.user("a-manager"), plan=plan_a)


def test_security_signoff_needs_system_access_first(world, plan_a):
    with pytest.raises(ValidationError, match="system access first"):
        services.signoff_record(actor=world.user("project_lead"), plan=plan_a, item="security_signoff")


def test_the_go_live_milestone_is_not_reached_by_hand(world, plan_a):
    with pytest.raises(ValidationError, match="only by going live"):
        services.milestone_reach(actor=world.user("project_lead"), milestone=_go_live_milestone(plan_a))
    other = Milestone.objects.filter(phase__plan=plan_a, is_go_live=False).first()
    services.milestone_reach(actor=world.user("project_lead"), milestone=other)
    assert Milestone.objects.get(pk=other.pk).done_at is not None


def test_model_validation_blocks_any_writer_that_bypasses_the_service(world, plan_a):
    """An admin form or a shell script validating the milestone meets the same gate."""
    _untrained_cohort(world, plan_a)
    milestone = _go_live_milestone(plan_a)
    milestone.done_at = dt.datetime(2025, 6, 1, tzinfo=dt.UTC)
    with pytest.raises(ValidationError, match="Go-live is blocked: Only 0 of the 2"):
        milestone.full_clean()


def test_page_post_is_stopped_with_the_reasons(client, world, plan_a):
    make_ready(world, plan_a)
    _untrained_cohort(world, plan_a)
    client.force_login(world.user("project_lead"))
    response = client.post(f"/planning/projects/{plan_a.project.code}/go-live/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    text = response.content.decode()
    assert "Go-live is blocked" in text and "Only 0 of the 2 planned agents are certified." in text
    assert _go_live_milestone(plan_a).done_at is None
    # A vendor manager cannot even try (403), and an agent neither.
    for name in ("a-manager", "a-agent1"):
        client.force_login(world.user(name))
        assert client.post(f"/planning/projects/{plan_a.project.code}/go-live/").status_code == 403
    assert _go_live_milestone(plan_a).done_at is None


def test_page_post_goes_live_when_ready(client, world, plan_a):
    make_ready(world, plan_a)
    client.force_login(world.user("project_lead"))
    response = client.post(f"/planning/projects/{plan_a.project.code}/go-live/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 302
    assert _go_live_milestone(plan_a).done_at is not None


def test_api_go_live_is_refused_with_409_and_reasons(client, world, plan_a):
    make_ready(world, plan_a, sla=False)
    _untrained_cohort(world, plan_a)
    client.force_login(world.user("project_lead"))
    url = f"/api/planning/plans/{plan_a.project.code}/go-live"
    response = client.post(url, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    body = response.json()
    assert body["reasons"] == ["Only 0 of the 2 planned agents are certified.",
                               "No SLA policy is attached to the project."]
    readiness = client.get(f"/api/planning/plans/{plan_a.project.code}/readiness", HTTP_ACCEPT_LANGUAGE="en").json()
    assert readiness["ready"] is False
    assert {c["key"]: c["met"] for c in readiness["conditions"]} == {
        "agents": False, "sla": False, "contract": True, "data_handover": True, "system_access": True}
    assert _go_live_milestone(plan_a).done_at is None
    client.force_login(world.user("a-manager"))
    assert client.post(url).status_code == 403


def test_api_go_live_when_ready(client, world, plan_a):
    make_ready(world, plan_a)
    client.force_login(world.user("client_admin"))
    response = client.post(f"/api/planning/plans/{plan_a.project.code}/go-live")
    assert response.status_code == 200, response.content
    assert response.json()["ready"] is True and response.json()["went_live_at"]


def test_readiness_page_shows_each_unmet_condition_with_its_reason(client, world, plan_a):
    make_ready(world, plan_a, contract=False)
    client.force_login(world.user("a-manager"))
    text = client.get(f"/planning/projects/{plan_a.project.code}/readiness/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No signed, active contract covers the project for: alpha." in text
    assert 'data-testid="go-live"' not in text  # vendor staff see the checklist, not the button
    assert "CRM export loaded" in text
