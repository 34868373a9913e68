"""API writes of improvement: a corrective action's plan and steps, and the risk register,
with the pages' capabilities and services; another vendor's case is a 404."""

import datetime as dt

from steward.improvement import services
from steward.improvement.models import CapaAction, Risk
from tests.api.test_core_writes import api_client, call

RISK = {"project": "shared-mail", "title": "Attrition in peak", "likelihood": 4, "impact": 3,
        "owner": "project-lead", "review_date": "2030-02-01", "category": "other", "vendors": ["alpha"]}


def _case(world, vendor=None):
    return services.capa_open(actor=world.user("outsourcing_manager"), vendor=vendor or world.vendor_a,
                              title="Late callbacks", problem="Callbacks missed", due_date=dt.date(2030, 1, 31))


def test_a_case_is_planned_worked_and_verified_through_the_api(world):
    case = _case(world)
    vendor = api_client(world.user("a-manager"))
    assert call(vendor, "post", f"/api/improvement/capas/{case.pk}/respond",
                {"root_cause": "Rota", "response": "New rota"}).status_code == 200
    body = {"description": "New rota", "owner": "a-agent1", "due_date": "2030-01-20"}
    added = call(vendor, "post", f"/api/improvement/capas/{case.pk}/actions", body, key="a-1")
    assert added.status_code == 201, added.content
    replay = call(vendor, "post", f"/api/improvement/capas/{case.pk}/actions", body, key="a-1")
    assert replay["Idempotent-Replayed"] == "true" and CapaAction.objects.count() == 1
    step = added.json()["id"]
    started = call(vendor, "post", f"/api/improvement/capas/{case.pk}/step", {"step": "start"})
    assert started.status_code == 200 and started.json()["status"] == "in_progress"
    early = call(vendor, "post", f"/api/improvement/capas/{case.pk}/step", {"step": "submit"})
    assert early.status_code == 400 and "Finish or cancel" in early.json()["detail"]
    done = call(vendor, "post", f"/api/improvement/capa-actions/{step}/status", {"status": "done"})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert call(vendor, "post", f"/api/improvement/capas/{case.pk}/step", {"step": "submit"}).status_code == 200
    # Only the client verifies.
    refused = call(vendor, "post", f"/api/improvement/capas/{case.pk}/step", {"step": "accept", "note": "ok"})
    assert refused.status_code == 400
    client = api_client(world.user("outsourcing_manager"))
    silent = call(client, "post", f"/api/improvement/capas/{case.pk}/step", {"step": "accept"})
    assert silent.status_code == 400
    closed = call(client, "post", f"/api/improvement/capas/{case.pk}/step",
                  {"step": "accept", "note": "Callbacks on time for 4 weeks", "lessons": "Rota first"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_bad_input_is_a_400(world):
    case = _case(world)
    client = api_client(world.user("outsourcing_manager"))
    assert call(client, "post", f"/api/improvement/capas/{case.pk}/actions",
                {"description": "X", "owner": "b-manager", "due_date": "2030-01-20"}).status_code == 400
    assert call(client, "post", f"/api/improvement/capas/{case.pk}/step", {"step": "fly"}).status_code == 400
    assert call(client, "post", "/api/improvement/risks", {**RISK, "owner": "b-manager"}).status_code == 400
    assert call(client, "post", "/api/improvement/risks", {**RISK, "category": "weather"}).status_code == 400


def test_a_vendor_cannot_reach_another_vendors_case(world):
    theirs = _case(world, world.vendor_b)
    action = services.capa_action_add(actor=world.user("outsourcing_manager"), capa=theirs, description="B plan",
                                      owner=world.user("b-manager"), due_date=dt.date(2030, 1, 20))
    vendor = api_client(world.user("a-manager"))
    assert call(vendor, "post", f"/api/improvement/capas/{theirs.pk}/actions",
                {"description": "X", "owner": "a-manager", "due_date": "2030-01-20"}).status_code == 404
    assert call(vendor, "post", f"/api/improvement/capa-actions/{action.pk}/status",
                {"status": "cancelled"}).status_code == 404
    assert call(vendor, "post", f"/api/improvement/capas/{theirs.pk}/step", {"step": "start"}).status_code == 404
    action.refresh_from_db()
    assert action.status == "open" and CapaAction.objects.count() == 1


def test_register_and_edit_a_risk(world):
    client = api_client(world.user("project_lead"))
    created = call(client, "post", "/api/improvement/risks", RISK, key="r-1")
    assert created.status_code == 201, created.content
    assert created.json()["score"] == 12
    again = call(client, "post", "/api/improvement/risks", RISK, key="r-1")
    assert again["Idempotent-Replayed"] == "true" and Risk.objects.count() == 1
    pk = created.json()["id"]
    edited = call(client, "patch", f"/api/improvement/risks/{pk}", {"impact": 5, "status": "mitigating"})
    assert edited.status_code == 200, edited.content
    assert edited.json()["score"] == 20 and edited.json()["title"] == "Attrition in peak"
    assert list(Risk.objects.get().vendors.values_list("code", flat=True)) == ["alpha"]
    # Shared with alpha: alpha's manager reads it, bravo's does not.
    assert call(api_client(world.user("a-manager")), "get", f"/api/improvement/risks/{pk}").status_code == 200
    assert call(api_client(world.user("b-manager")), "get", f"/api/improvement/risks/{pk}").status_code == 404


def test_roles_without_the_capability_are_refused(world):
    case = _case(world)
    for role in ("finance", "auditor"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/improvement/risks", RISK).status_code == 403
        assert call(client, "post", f"/api/improvement/capas/{case.pk}/actions",
                    {"description": "X", "owner": "a-manager", "due_date": "2030-01-20"}).status_code == 403
    assert call(api_client(world.user("qa_analyst")), "post", "/api/improvement/risks", RISK).status_code == 403
    assert call(api_client(world.user("a-manager")), "post", "/api/improvement/risks", RISK).status_code == 403
    assert not Risk.objects.exists() and not CapaAction.objects.exists()
