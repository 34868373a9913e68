"""Vendor users see only the plans and tasks of the projects their company serves; agents have
no plan pages; another vendor's people are never named."""

import pytest

from steward.planning.models import Plan, Task
from tests.planning import isolation

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeded(world):
    isolation.seed(world)
    return world


def test_vendor_manager_sees_only_plans_of_projects_it_serves(client, seeded):
    world = seeded
    manager = world.user("a-manager")
    assert set(Plan.objects.visible_to(manager).values_list("project__code", flat=True)) == {"alpha-only",
                                                                                             "shared-mail"}
    assert not Task.objects.visible_to(manager).filter(title__startswith="Bravosecret").exists()
    client.force_login(manager)
    assert client.get("/planning/projects/bravo-only/").status_code == 404
    assert client.get("/planning/projects/bravo-only/board/").status_code == 404
    assert client.get("/api/planning/plans/bravo-only").status_code == 404
    assert client.get("/api/planning/plans/bravo-only/tasks").status_code == 404
    hidden = Task.objects.get(title="Bravosecret task for the floor")
    assert client.get(f"/planning/tasks/{hidden.pk}/").status_code == 404
    assert client.get(f"/api/planning/tasks/{hidden.pk}").status_code == 404
    assert client.post(f"/api/planning/tasks/{hidden.pk}/move", {"status": "done"},
                       content_type="application/json").status_code == 404
    assert client.post(f"/planning/tasks/{hidden.pk}/move/", {"status": "done"}).status_code == 404
    assert Task.objects.get(pk=hidden.pk).status == "todo"
    listing = client.get("/api/planning/plans").json()
    assert {p["project"] for p in listing} == {"alpha-only", "shared-mail"}


def test_shared_plan_hides_the_other_vendors_people(client, seeded):
    world = seeded
    client.force_login(world.user("a-manager"))
    board = client.get("/planning/projects/shared-mail/board/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Sharedtask held at the other vendor" in board
    assert "Bella" not in board and "b-agent1" not in board and "Staff of another vendor" in board
    raci = client.get("/planning/projects/shared-mail/raci/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Bravo Secretcorp" not in raci and "Role at another vendor" in raci
    tasks = client.get("/api/planning/plans/shared-mail/tasks").json()
    held = next(t for t in tasks if t["title"] == "Sharedtask held at the other vendor")
    assert held["assignee_id"] is None and "Bella" not in held["assignee"]
    # The assignee list offers only the client's staff and vendor A's own people.
    form = client.get("/planning/projects/shared-mail/tasks/new/").content.decode()
    assert "b-manager" not in form and "Bella" not in form and "Anna" in form


def test_agents_have_no_plan_pages_and_see_only_their_own_tasks(client, seeded):
    world = seeded
    agent = world.user("a-agent1")
    titles = set(Task.objects.visible_to(agent).values_list("title", flat=True))
    assert titles == {"Alphatask for agent one"}
    client.force_login(agent)
    assert client.get("/planning/").status_code == 403
    assert client.get("/api/planning/plans").status_code == 403


def test_client_roles_see_every_plan(seeded):
    assert Plan.objects.visible_to(seeded.user("auditor")).count() == 3
