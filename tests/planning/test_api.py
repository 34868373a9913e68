"""The planning API: create a plan and tasks (idempotent), move tasks under the dependency
rules, read plans and phases."""

import json

import pytest

from steward.planning.models import Plan, Task

pytestmark = pytest.mark.django_db


def _post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_ACCEPT_LANGUAGE="en", **headers)


def test_create_plan_then_tasks_and_move_them(client, world):
    client.force_login(world.user("project_lead"))
    response = _post(client, "/api/planning/plans", {"project": "alpha-only", "start_date": "2025-01-06",
                                                     "planned_headcount": 5})
    assert response.status_code == 201, response.content
    plan = response.json()
    assert [p["key"] for p in plan["phases"]][:2] == ["needs", "sourcing"]
    assert plan["needs"]["planned_headcount"] == 5 and plan["progress_percent"] == "0.0"
    assert _post(client, "/api/planning/plans", {"project": "alpha-only", "start_date": "2025-01-06"}).status_code == 400
    assert _post(client, "/api/planning/plans", {"project": "nope", "start_date": "2025-01-06"}).status_code == 404

    first = Task.objects.get(phase__plan__project__code="alpha-only", title="Collect volumes, channels and service hours")
    body = {"phase": "pilot", "title": "Set up the floor", "assignee_id": world.user("a-manager").pk,
            "due_date": "2025-05-01", "effort": 2, "depends_on": [first.pk]}
    created = _post(client, "/api/planning/plans/alpha-only/tasks", body, HTTP_IDEMPOTENCY_KEY="floor-1")
    assert created.status_code == 201, created.content
    again = _post(client, "/api/planning/plans/alpha-only/tasks", body, HTTP_IDEMPOTENCY_KEY="floor-1")
    assert again.status_code == 201 and again.json()["id"] == created.json()["id"]
    assert Task.objects.filter(title="Set up the floor").count() == 1
    task_id = created.json()["id"]
    assert created.json()["depends_on"] == [first.pk]

    refused = _post(client, f"/api/planning/tasks/{task_id}/move", {"status": "done"})
    assert refused.status_code == 400 and "Collect volumes" in refused.json()["detail"]
    assert _post(client, f"/api/planning/tasks/{first.pk}/move", {"status": "done"}).status_code == 200
    moved = _post(client, f"/api/planning/tasks/{task_id}/move", {"status": "done"})
    assert moved.status_code == 200 and moved.json()["status"] == "done"
    assert _post(client, f"/api/planning/tasks/{task_id}/move", {"status": "nonsense"}).status_code == 400

    bad = _post(client, "/api/planning/plans/alpha-only/tasks", {"phase": "nope", "title": "x"})
    assert bad.status_code == 400
    cycle = _post(client, "/api/planning/plans/alpha-only/tasks",
                  {"phase": "pilot", "title": "Late", "due_date": "2025-05-01", "start_date": "2025-05-02"})
    assert cycle.status_code == 400 and "before the start" in cycle.json()["detail"]

    phases = client.get("/api/planning/plans/alpha-only/phases").json()
    needs = next(p for p in phases if p["key"] == "needs")
    assert (needs["effort_done"], needs["effort_total"]) == (3, 4)
    overdue = client.get("/api/planning/plans/alpha-only/tasks?due=overdue").json()
    assert overdue and all(t["overdue"] for t in overdue)


def test_vendor_manager_adds_tasks_for_its_own_people_only(client, world):
    client.force_login(world.user("project_lead"))
    _post(client, "/api/planning/plans", {"project": "shared-mail", "start_date": "2025-01-06"})
    client.force_login(world.user("a-manager"))
    assert _post(client, "/api/planning/plans", {"project": "alpha-only", "start_date": "2025-01-06"}).status_code == 403
    other = _post(client, "/api/planning/plans/shared-mail/tasks",
                  {"phase": "pilot", "title": "x", "assignee_id": world.user("b-agent1").pk})
    assert other.status_code == 400
    own = _post(client, "/api/planning/plans/shared-mail/tasks",
                {"phase": "pilot", "title": "Alpha floor setup", "assignee_id": world.user("a-agent1").pk})
    assert own.status_code == 201
    assert Plan.objects.get(project__code="shared-mail").phases.get(key="pilot").tasks.filter(
        title="Alpha floor setup").exists()
