"""API writes of planning beyond create/move: needs, phases, task edits, dependencies,
milestones, the RACI matrix and the go-live sign-offs; another vendor's task is a 404."""

import datetime as dt

from steward.planning import services
from steward.planning.models import Milestone, RaciActivity, RaciParty, ReadinessSignoff, Task
from tests.api.test_core_writes import api_client, call


def _plan(world, project=None):
    return services.plan_create(actor=world.user("project_lead"), project=project or world.shared,
                                start_date=dt.date(2025, 1, 6), planned_headcount=2)


def test_needs_phases_milestones_and_signoffs(world):
    plan = _plan(world)
    client = api_client(world.user("project_lead"))
    needs = call(client, "patch", "/api/planning/plans/shared-mail/needs",
                 {"channels": ["email"], "monthly_volumes": {"email": 9000}, "business_type": "Retail"})
    assert needs.status_code == 200, needs.content
    assert needs.json()["needs"]["monthly_volumes"] == {"email": 9000}
    assert needs.json()["needs"]["planned_headcount"] == 2  # untouched
    stray = call(client, "patch", "/api/planning/plans/shared-mail/needs", {"monthly_volumes": {"voice": 5}})
    assert stray.status_code == 400
    unknown = call(client, "patch", "/api/planning/plans/shared-mail/needs", {"monthly_volumes": {"fax": 5}})
    assert unknown.status_code == 400 and "fax" in unknown.json()["detail"]
    phase = plan.phases.order_by("order").first()
    renamed = call(client, "patch", f"/api/planning/phases/{phase.pk}", {"name": "Discovery"})
    assert renamed.status_code == 200 and renamed.json()["name"] == "Discovery"
    backwards = call(client, "patch", f"/api/planning/phases/{phase.pk}",
                     {"start_date": "2025-03-01", "end_date": "2025-02-01"})
    assert backwards.status_code == 400
    milestone = Milestone.objects.filter(phase__plan=plan, is_go_live=False).first()
    reached = call(client, "post", f"/api/planning/milestones/{milestone.pk}/reach")
    assert reached.status_code == 200 and reached.json()["reached_at"] is not None
    assert call(client, "post", f"/api/planning/milestones/{milestone.pk}/reopen").json()["reached_at"] is None
    early = call(client, "post", "/api/planning/plans/shared-mail/signoffs", {"item": "security_signoff"})
    assert early.status_code == 400
    body = {"item": "system_access", "note": "Accounts ready"}
    recorded = call(client, "post", "/api/planning/plans/shared-mail/signoffs", body, key="s-1")
    assert recorded.status_code == 201, recorded.content
    assert call(client, "post", "/api/planning/plans/shared-mail/signoffs", body, key="s-1").status_code == 201
    assert ReadinessSignoff.objects.count() == 1
    withdrawn = call(client, "post", "/api/planning/plans/shared-mail/signoffs/withdraw", {"item": "system_access"})
    assert withdrawn.status_code == 200 and not ReadinessSignoff.objects.exists()


def test_task_edit_and_dependencies(world):
    plan = _plan(world)
    first, second = Task.objects.filter(phase__plan=plan).order_by("pk")[:2]
    client = api_client(world.user("project_lead"))
    edited = call(client, "patch", f"/api/planning/tasks/{second.pk}",
                  {"title": "Renamed", "assignee_id": world.user("a-manager").pk, "effort": 3})
    assert edited.status_code == 200, edited.content
    assert edited.json()["title"] == "Renamed" and edited.json()["effort"] == 3
    stranger = call(client, "patch", f"/api/planning/tasks/{second.pk}", {"assignee_id": 999999})
    assert stranger.status_code == 400
    nowhere = call(client, "patch", f"/api/planning/tasks/{second.pk}", {"phase": "no-such-phase"})
    assert nowhere.status_code == 400 and nowhere.json()["detail"]
    assert call(client, "patch", f"/api/planning/tasks/{second.pk}", {"phase": None}).status_code == 400
    moved = call(client, "patch", f"/api/planning/tasks/{second.pk}", {"phase": "sourcing"})  # not the first
    assert moved.status_code == 200, moved.content
    assert Task.objects.get(pk=second.pk).phase.key == "sourcing"
    second.depends_on.clear()
    first.depends_on.clear()
    linked = call(client, "post", f"/api/planning/tasks/{second.pk}/dependencies/add", {"prerequisite": first.pk})
    assert linked.status_code == 200 and first.pk in linked.json()["depends_on"]
    cycle = call(client, "post", f"/api/planning/tasks/{first.pk}/dependencies/add", {"prerequisite": second.pk})
    assert cycle.status_code == 400
    unlinked = call(client, "post", f"/api/planning/tasks/{second.pk}/dependencies/remove", {"prerequisite": first.pk})
    assert unlinked.status_code == 200 and first.pk not in unlinked.json()["depends_on"]


def test_raci_matrix(world):
    _plan(world)
    client = api_client(world.user("outsourcing_manager"))
    lead = call(client, "post", "/api/planning/plans/shared-mail/raci/parties", {"name": "Ops lead"}, key="p-1")
    assert lead.status_code == 201, lead.content
    assert call(client, "post", "/api/planning/plans/shared-mail/raci/parties", {"name": "Ops lead"},
                key="p-1")["Idempotent-Replayed"] == "true"
    assert RaciParty.objects.filter(name="Ops lead").count() == 1
    team = call(client, "post", "/api/planning/plans/shared-mail/raci/parties",
                {"name": "Team lead", "vendor": "bravo"}).json()
    activity = call(client, "post", "/api/planning/plans/shared-mail/raci/activities",
                    {"name": "Daily report", "accountable": lead.json()["id"], "responsible": team["id"]})
    assert activity.status_code == 201, activity.content
    row = activity.json()["id"]
    no_a = call(client, "put", "/api/planning/plans/shared-mail/raci",
                {"cells": [{"activity": row, "party": team["id"], "letter": "R"}]})
    assert no_a.status_code == 400 and "accountable" in no_a.json()["detail"]
    # The whole matrix is replaced: send every row as read, with the new row's letters swapped.
    matrix = call(client, "get", "/api/planning/plans/shared-mail/raci").json()
    cells = [{"activity": r["id"], "party": c["party"], "letter": c["letter"]}
             for r in matrix["rows"] if r["id"] != row for c in r["cells"] if c["letter"]]
    cells += [{"activity": row, "party": lead.json()["id"], "letter": "R"},
              {"activity": row, "party": team["id"], "letter": "A"}]
    saved = call(client, "put", "/api/planning/plans/shared-mail/raci", {"cells": cells})
    assert saved.status_code == 200, saved.content
    mine = next(r for r in saved.json()["rows"] if r["id"] == row)
    assert {c["party"]: c["letter"] for c in mine["cells"] if c["letter"]} == {lead.json()["id"]: "R", team["id"]: "A"}
    # alpha's manager reads the matrix of the shared project, without bravo's role named.
    seen = call(api_client(world.user("a-manager")), "get", "/api/planning/plans/shared-mail/raci").json()
    assert "Team lead" not in str(seen) and "Ops lead" in str(seen)
    assert RaciActivity.objects.filter(name="Daily report").count() == 1


def test_roles_without_the_capability_are_refused(world):
    plan = _plan(world)
    task = Task.objects.filter(phase__plan=plan).first()
    for role in ("finance", "auditor"):
        client = api_client(world.user(role))
        assert call(client, "patch", f"/api/planning/tasks/{task.pk}", {"title": "X"}).status_code == 403
        assert call(client, "post", "/api/planning/plans/shared-mail/signoffs",
                    {"item": "data_handover"}).status_code == 403
    manager = api_client(world.user("a-manager"))  # may edit tasks, not the plan
    assert call(manager, "patch", "/api/planning/plans/shared-mail/needs", {"business_type": "X"}).status_code == 403
    assert call(manager, "post", "/api/planning/plans/shared-mail/raci/parties", {"name": "X"}).status_code == 403
    assert not ReadinessSignoff.objects.exists() and not RaciParty.objects.filter(name="X").exists()


def test_a_vendor_cannot_edit_another_vendors_task(world):
    plan_b = _plan(world, world.project_b)
    theirs = Task.objects.filter(phase__plan=plan_b).first()
    manager = api_client(world.user("a-manager"))
    assert call(manager, "patch", f"/api/planning/tasks/{theirs.pk}", {"title": "Mine now"}).status_code == 404
    theirs.refresh_from_db()
    assert theirs.title != "Mine now"
