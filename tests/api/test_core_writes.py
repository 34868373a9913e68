"""API writes of core: register/rename vendors, create/edit projects. Also the helpers the other
tests/api/test_<app>_writes.py files share (a token client, JSON calls)."""

import json

from django.test import Client
from django.utils import translation

from steward.core import services as core_services
from steward.core.models import Project, Vendor


def api_client(user) -> Client:
    """A read-write token client of `user`, answering in English."""
    record, key = core_services.api_token_create(user=user, name="writes", scopes=["read", "write"])
    record.rate_limit_per_minute = 1_000_000
    record.save(update_fields=["rate_limit_per_minute"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")


def call(client, method: str, url: str, body=None, key: str | None = None):
    extra = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    with translation.override("en"):
        return getattr(client, method)(url, json.dumps(body) if body is not None else None,
                                       content_type="application/json", **extra)


def test_register_a_vendor_with_an_idempotency_key(world):
    client = api_client(world.user("client_admin"))
    body = {"code": "charlie", "name": "Charlie Contact"}
    first = call(client, "post", "/api/vendors", body, key="v-1")
    assert first.status_code == 201, first.content
    assert first.json() == {"code": "charlie", "name": "Charlie Contact", "status": "active"}
    again = call(client, "post", "/api/vendors", body, key="v-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert Vendor.objects.filter(code="charlie").count() == 1


def test_a_duplicate_or_bad_vendor_is_a_400_with_the_forms_message(world):
    client = api_client(world.user("client_admin"))
    duplicate = call(client, "post", "/api/vendors", {"code": "alpha", "name": "Again"})
    assert duplicate.status_code == 400 and "code" in duplicate.json()["detail"]
    bad = call(client, "post", "/api/vendors", {"code": "x", "name": "X", "status": "nonsense"})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("status:")


def test_roles_without_the_capability_are_refused(world):
    for role in ("qa_analyst", "a-manager", "a-agent1"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/vendors", {"code": "x", "name": "X"}).status_code == 403
        assert call(client, "patch", "/api/projects/alpha-only", {"name": "Mine"}).status_code == 403
    assert not Vendor.objects.filter(code="x").exists()


def test_rename_a_vendor_keeps_its_status(world):
    client = api_client(world.user("outsourcing_manager"))
    response = call(client, "patch", "/api/vendors/alpha", {"name": "Alpha Renamed"})
    assert response.status_code == 200 and response.json()["name"] == "Alpha Renamed"
    assert call(client, "patch", "/api/vendors/nosuch", {"name": "X"}).status_code == 404


def test_create_and_edit_a_project(world):
    client = api_client(world.user("project_lead"))
    created = call(client, "post", "/api/projects",
                   {"code": "new-line", "name": "New Line", "channels": ["voice"], "vendors": ["alpha"]}, key="p")
    assert created.status_code == 201, created.content
    assert created.json()["status"] == "planning" and created.json()["vendors"] == ["alpha"]
    edited = call(client, "patch", "/api/projects/new-line", {"name": "Renamed", "vendors": ["alpha", "bravo"]})
    assert edited.status_code == 200 and edited.json()["name"] == "Renamed"
    assert sorted(edited.json()["vendors"]) == ["alpha", "bravo"]
    assert Project.objects.get(code="new-line").channels == ["voice"]
    # Going live is gated by the plan, exactly as on the page.
    live = call(client, "patch", "/api/projects/new-line", {"status": "live"})
    assert live.status_code == 400 and "go-live" in live.json()["detail"]
    bad = call(client, "post", "/api/projects", {"code": "z", "name": "Z", "channels": ["pigeon"]})
    assert bad.status_code == 400 and "channels" in bad.json()["detail"]


def test_a_projects_business_calendar_through_the_api(world):
    client = api_client(world.user("project_lead"))
    created = call(client, "post", "/api/projects", {"code": "biz", "name": "Biz", "channels": ["email"],
                                                     "business_calendar": "cn-9x18"}, key="biz")
    assert created.status_code == 201 and created.json()["business_calendar"] == "cn-9x18"
    assert call(client, "patch", "/api/projects/biz", {"name": "Biz 2"}).json()["business_calendar"] == "cn-9x18"
    changed = call(client, "patch", "/api/projects/biz", {"business_calendar": "cn-8x20"})
    assert changed.status_code == 200 and Project.objects.get(code="biz").business_calendar == "cn-8x20"
    bad = call(client, "patch", "/api/projects/biz", {"business_calendar": "mars-9x18"})
    assert bad.status_code == 400 and "business_calendar" in bad.json()["detail"]
    assert Project.objects.get(code="biz").business_calendar == "cn-8x20"
    cleared = call(client, "patch", "/api/projects/biz", {"business_calendar": ""})
    assert cleared.status_code == 200 and cleared.json()["business_calendar"] == ""


# --------------------------------------------------------------------------- people

def test_add_a_person_once_with_an_idempotency_key(world):
    from steward.core.models import User

    client = api_client(world.user("client_admin"))
    body = {"username": "a-agent9", "role": "agent", "vendor": "alpha", "first_name": "Nine",
            "email": "nine@alpha.example", "password": "correct horse battery 9"}
    created = call(client, "post", "/api/users", body, key="u-1")
    assert created.status_code == 201, created.content
    assert created.json() == {"username": "a-agent9", "first_name": "Nine", "last_name": "",
                              "email": "nine@alpha.example", "role": "agent", "vendor": "alpha", "is_active": True}
    assert "password" not in created.content.decode() and "correct horse" not in created.content.decode()
    again = call(client, "post", "/api/users", body, key="u-1")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    person = User.objects.get(username="a-agent9")
    assert person.vendor == world.vendor_a and person.check_password("correct horse battery 9")
    # Without a password the account exists but cannot log in (as on the page).
    quiet = call(client, "post", "/api/users", {"username": "auditor-2", "role": "auditor"})
    assert quiet.status_code == 201 and not User.objects.get(username="auditor-2").has_usable_password()
    assert client.get("/api/users/a-agent9").json()["vendor"] == "alpha"


def test_a_bad_person_is_a_400_with_the_forms_message(world):
    from steward.core.models import User

    client = api_client(world.user("client_admin"))
    cases = [
        ({"username": "x1", "role": "agent"}, "vendor:"),  # a vendor role needs its vendor
        ({"username": "x2", "role": "finance", "vendor": "alpha"}, "vendor:"),  # a client role has none
        ({"username": "x3", "role": "wizard"}, "role:"),
        ({"username": "x4", "role": "agent", "vendor": "nosuch"}, "vendor:"),
        ({"username": "x5", "role": "finance", "password": "123"}, "password:"),  # the password rules
        ({"username": "x6", "role": "finance", "email": "not-an-email"}, "email:"),
        ({"username": "has space!", "role": "finance"}, "username:"),
        ({"username": "a-manager", "role": "finance"}, "username:"),  # taken
    ]
    for body, expected in cases:
        answer = call(client, "post", "/api/users", body, key=f"k-{body['username']}")
        assert answer.status_code == 400, (body, answer.content)
        assert expected in answer.json()["detail"], answer.json()
    assert not User.objects.filter(username__startswith="x").exists()


def test_only_a_client_administrator_adds_people(world):
    from django.test import Client

    from steward.core.models import User

    body = {"username": "a-agent9", "role": "agent", "vendor": "alpha"}
    # A vendor manager may not add people, not even to its own vendor (the page does not let it).
    for role in ("outsourcing_manager", "finance", "auditor", "a-manager", "a-agent1"):
        assert call(api_client(world.user(role)), "post", "/api/users", body).status_code == 403
    _, key = core_services.api_token_create(user=world.user("client_admin"), name="ro", scopes=["read"])
    read_only = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    assert call(read_only, "post", "/api/users", body).status_code == 403
    assert not User.objects.filter(username="a-agent9").exists()


def test_a_vendor_manager_reads_only_its_own_people(world):
    manager = api_client(world.user("a-manager"))
    names = {u["username"] for u in manager.get("/api/users").json()}
    assert "a-manager" in names and "a-agent1" in names
    assert not names & {"b-manager", "b-agent1", "client-admin"}
    assert manager.get("/api/users/b-manager").status_code == 404
    assert manager.get("/api/users/client-admin").status_code == 404
    assert manager.get("/api/users/a-agent1").json()["vendor"] == "alpha"
    admin = {u["username"] for u in api_client(world.user("client_admin")).get("/api/users?q=b-").json()}
    assert {"b-manager", "b-agent1"} <= admin
    assert api_client(world.user("qa_analyst")).get("/api/users").status_code == 403
