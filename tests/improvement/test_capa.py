"""Corrective actions: the workflow cannot be bypassed (services, pages, API), each side does
only its part, overdue cases are found, closed cases form the case library."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from hypothesis import given, settings as hsettings, strategies as st

from steward.collaboration.selectors import client_today
from steward.improvement import selectors, services, workflow
from steward.improvement.models import CorrectiveAction

# Well ahead of any day the suite runs on, so only the cases made late on purpose are late.
DUE = date(2099, 4, 30)


@pytest.fixture
def admin(world):
    return world.user("client_admin")


@pytest.fixture
def capa(world, admin):
    return services.capa_open(actor=admin, vendor=world.vendor_a, project=world.project_a, title="Slow answers",
                              problem="Service level 68% in February against 80%.", due_date=DUE,
                              source="kpi_breach", source_reference="service_level 2025-02")


# --- the workflow as data -----------------------------------------------------------------

@given(st.lists(st.tuples(st.sampled_from(list(workflow.Step)), st.sampled_from(list(workflow.Side))), max_size=30))
@hsettings(max_examples=200)
def test_only_the_client_closes_and_only_after_verification(moves):
    status = workflow.Status.OPEN
    for step, side in moves:
        try:
            new = workflow.next_status(status, step, side)
        except workflow.TransitionError:
            continue
        if new == workflow.Status.CLOSED:
            assert status == workflow.Status.VERIFICATION and side == workflow.Side.CLIENT
        if step == workflow.Step.RESPOND:
            assert side == workflow.Side.VENDOR
        status = new


def test_allowed_steps_per_side():
    assert workflow.allowed_steps(workflow.Status.OPEN, workflow.Side.CLIENT) == []
    assert workflow.allowed_steps(workflow.Status.OPEN, workflow.Side.VENDOR) == [workflow.Step.RESPOND]
    assert set(workflow.allowed_steps(workflow.Status.VERIFICATION, workflow.Side.CLIENT)) == {
        workflow.Step.ACCEPT, workflow.Step.REJECT}
    assert workflow.allowed_steps(workflow.Status.VERIFICATION, workflow.Side.VENDOR) == []


# --- services -----------------------------------------------------------------------------

def test_full_cycle_with_a_failed_verification(world, admin, capa):
    manager = world.user("a-manager")
    with pytest.raises(ValidationError):  # the client cannot answer for the vendor
        services.capa_respond(actor=admin, capa=capa, response="r", root_cause="c")
    with pytest.raises(ValidationError):  # nor the other vendor
        services.capa_respond(actor=world.user("b-manager"), capa=capa, response="r", root_cause="c")
    services.capa_respond(actor=manager, capa=capa, response="Add two agents at peak", root_cause="Understaffed",
                          whys=["Queue too long", "Too few agents at 10:00", "Forecast ignored promotions"])
    capa.refresh_from_db()
    assert capa.status == "vendor_responded" and len(capa.whys) == 3

    with pytest.raises(ValidationError):  # nothing planned yet
        services.capa_start(actor=manager, capa=capa)
    step = services.capa_action_add(actor=manager, capa=capa, description="Hire two agents",
                                    owner=world.user("a-manager"), due_date=DUE)
    with pytest.raises(ValidationError):  # owners come from the client or this vendor
        services.capa_action_add(actor=admin, capa=capa, description="x", owner=world.user("b-agent1"), due_date=DUE)
    services.capa_start(actor=manager, capa=capa)
    with pytest.raises(ValidationError):  # the step is not done
        services.capa_submit(actor=manager, capa=capa)
    services.capa_action_set_status(actor=manager, action=step, status="done")
    services.capa_submit(actor=manager, capa=capa, note="Both hired on 3 March")
    capa.refresh_from_db()
    assert capa.status == "verification"
    with pytest.raises(ValidationError):  # frozen while under verification
        services.capa_action_add(actor=manager, capa=capa, description="late", owner=manager, due_date=DUE)
    with pytest.raises(ValidationError):  # the vendor cannot close its own case
        services.capa_verify(actor=manager, capa=capa, effective=True, note="fine")
    with pytest.raises(ValidationError):  # a verdict needs its evidence
        services.capa_verify(actor=admin, capa=capa, effective=False, note=" ")

    services.capa_verify(actor=admin, capa=capa, effective=False, note="March SL still 72%")
    capa.refresh_from_db()
    assert capa.status == "reopened" and capa.closed_at is None
    services.capa_respond(actor=manager, capa=capa, response="Also fix the forecast", root_cause="Forecast")
    services.capa_action_add(actor=manager, capa=capa, description="Include promotions in forecast", owner=manager,
                             due_date=DUE)
    capa.refresh_from_db()
    services.capa_start(actor=admin, capa=capa)
    for action in capa.actions.exclude(status="done"):
        services.capa_action_set_status(actor=manager, action=action, status="done")
    services.capa_submit(actor=manager, capa=capa)
    services.capa_verify(actor=admin, capa=capa, effective=True, note="April SL 83% on 12,400 calls",
                         lessons="Staffing alone did not help; the forecast did.")
    capa.refresh_from_db()
    assert capa.status == "closed" and capa.closed_at and capa.verified_by == admin
    assert [e.to_status for e in capa.events.all()] == [
        "open", "vendor_responded", "in_progress", "verification", "reopened", "vendor_responded", "in_progress",
        "verification", "closed"]
    assert list(selectors.case_library(user=world.user("a-manager"))) == [capa]
    assert list(selectors.case_library(user=world.user("b-manager"))) == []

    services.capa_reopen(actor=admin, capa=capa, note="Relapsed in May")
    capa.refresh_from_db()
    assert capa.status == "reopened"


def test_only_the_client_opens_and_the_project_must_be_served(world, admin):
    with pytest.raises(ValidationError):
        services.capa_open(actor=world.user("a-manager"), vendor=world.vendor_a, title="t", problem="p", due_date=DUE)
    with pytest.raises(ValidationError):
        services.capa_open(actor=admin, vendor=world.vendor_a, project=world.project_b, title="t", problem="p",
                           due_date=DUE)
    assert not CorrectiveAction.objects.exists()


def test_overdue_cases_and_steps_are_found_in_the_projects_time_zone(world, admin, capa):
    today = client_today()
    late = services.capa_open(actor=admin, vendor=world.vendor_b, title="Late case", problem="p",
                              due_date=today - timedelta(days=1))
    manager = world.user("a-manager")
    services.capa_respond(actor=manager, capa=capa, response="r", root_cause="c")
    services.capa_action_add(actor=manager, capa=capa, description="Late step", owner=manager,
                             due_date=today - timedelta(days=3))
    found = selectors.capa_overdue()
    assert {c.pk for c in found} == {capa.pk, late.pk}
    assert {c.pk: c.urgency for c in found}[late.pk] == "overdue"
    assert list(selectors.capa_list(user=admin, due="overdue")) == [late]
    out = StringIO()
    call_command("capa", "overdue", stdout=out)
    assert f"CAPA-{late.pk}" in out.getvalue() and f"CAPA-{capa.pk}" in out.getvalue()
    assert "2 corrective action(s) need attention." in out.getvalue()


# --- pages and API ------------------------------------------------------------------------

def test_the_vendor_answers_through_the_page_and_the_client_verifies(client, world, admin, capa):
    client.force_login(world.user("b-manager"))
    assert client.get(capa.get_absolute_url()).status_code == 404
    assert client.post(f"/improvement/capa/{capa.pk}/respond/", {"root_cause": "x", "response": "y"}).status_code == 404

    client.force_login(world.user("a-manager"))
    page = client.get(capa.get_absolute_url()).content.decode()
    assert 'data-testid="capa-respond"' in page
    client.post(f"/improvement/capa/{capa.pk}/respond/", {"why1": "Queue too long", "root_cause": "Understaffed",
                                                          "response": "Hire"})
    client.post(f"/improvement/capa/{capa.pk}/actions/", {"description": "Hire two", "owner": world.user("a-manager").pk,
                                                          "due_date": "2025-04-01"})
    # A vendor cannot skip to closed by posting the step by hand.
    response = client.post(f"/improvement/capa/{capa.pk}/step/", {"step": "accept", "note": "done"})
    assert response.status_code == 302
    capa.refresh_from_db()
    assert capa.status == "vendor_responded"
    client.post(f"/improvement/capa/{capa.pk}/step/", {"step": "start"})
    step = capa.actions.get()
    client.post(f"/improvement/capa/steps/{step.pk}/status/", {"status": "done"})
    client.post(f"/improvement/capa/{capa.pk}/step/", {"step": "submit"})
    capa.refresh_from_db()
    assert capa.status == "verification"

    client.force_login(admin)
    client.post(f"/improvement/capa/{capa.pk}/step/", {"step": "accept", "note": "SL back to 82%",
                                                       "lessons": "Hiring helped"})
    capa.refresh_from_db()
    assert capa.status == "closed" and capa.lessons == "Hiring helped"
    board = client.get("/improvement/capa/").content.decode()
    assert "Slow answers" in board
    library = client.get("/improvement/capa/library/").content.decode()
    assert "Hiring helped" in library
    export = client.get("/improvement/capa/export.csv").content.decode("utf-8-sig")
    assert f"CAPA-{capa.pk}" in export


def test_the_api_scopes_corrective_actions_and_enforces_the_workflow(client, world, admin, capa):
    other = services.capa_open(actor=admin, vendor=world.vendor_b, title="B's case", problem="p", due_date=DUE)
    client.force_login(world.user("a-manager"))
    assert [row["title"] for row in client.get("/api/improvement/capas").json()] == ["Slow answers"]
    assert client.get(f"/api/improvement/capas/{other.pk}").status_code == 404
    detail = client.get(f"/api/improvement/capas/{capa.pk}").json()
    assert detail["next_steps"] == ["respond"]
    response = client.post(f"/api/improvement/capas/{capa.pk}/respond",
                           {"root_cause": "Understaffed", "response": "Hire", "whys": ["a", "b"]},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["status"] == "vendor_responded"
    client.force_login(admin)
    response = client.post(f"/api/improvement/capas/{capa.pk}/respond", {"root_cause": "x", "response": "y"},
                           content_type="application/json")
    assert response.status_code == 400


def test_agents_and_finance_cannot_change_corrective_actions(client, world, capa):
    client.force_login(world.user("a-agent1"))
    assert client.get("/improvement/capa/").status_code == 403
    client.force_login(world.user("finance"))
    assert client.get(capa.get_absolute_url()).status_code == 200
    assert client.post(f"/improvement/capa/{capa.pk}/step/", {"step": "start"}).status_code == 403
