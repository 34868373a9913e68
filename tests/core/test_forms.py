"""Setting Steward up in the UI: the same rules as the CLI, errors on the fields, no 500s."""

import pytest
from django.urls import reverse

from steward.core.models import Project, User, Vendor


def test_manager_registers_a_vendor(client, world):
    client.force_login(world.user("outsourcing_manager"))
    response = client.post(reverse("vendor-create"), {"code": "charlie", "name": "Charlie 客服", "status": "prospect"})
    assert response.status_code == 302 and response["Location"] == "/vendors/charlie/"
    assert Vendor.objects.get(code="charlie").status == "prospect"


@pytest.mark.parametrize("code,message", [("alpha", "already exists"), ("new", "reserved"), ("a b", "letters")])
def test_bad_vendor_code_is_shown_on_the_field(client, world, code, message):
    client.force_login(world.user("client_admin"))
    response = client.post(reverse("vendor-create"), {"code": code, "name": "X", "status": "active"},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and message in response.content.decode()
    assert Vendor.objects.count() == 2


def test_project_is_created_with_its_vendors(client, world):
    client.force_login(world.user("project_lead"))
    response = client.post(reverse("project-create"), {
        "code": "vip", "name": "VIP line", "time_zone": "Asia/Shanghai", "channels": ["voice", "chat"],
        "vendors": ["alpha", "bravo"], "status": "planning",
    })
    assert response.status_code == 302
    project = Project.objects.get(code="vip")
    assert project.channels == ["voice", "chat"] and project.vendors.count() == 2


def test_project_edit_changes_the_vendors(client, world):
    client.force_login(world.user("client_admin"))
    response = client.post(reverse("project-edit", kwargs={"code": "alpha-only"}), {
        "name": "Alpha Hotline", "time_zone": "Europe/Berlin", "channels": ["voice"], "vendors": ["bravo"],
        "status": "planning",
    })
    assert response.status_code == 302
    project = Project.objects.get(code="alpha-only")
    assert project.time_zone == "Europe/Berlin" and [v.code for v in project.vendors.all()] == ["bravo"]


def test_project_business_calendar_is_edited_and_shown(client, world):
    client.force_login(world.user("client_admin"))
    form = {"name": "Alpha Hotline", "time_zone": "Asia/Shanghai", "channels": ["voice"], "vendors": ["alpha"],
            "status": "planning"}
    response = client.post(reverse("project-edit", kwargs={"code": "alpha-only"}),
                           {**form, "business_calendar": "cn-9x19x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "cn-9x19x is not a known business calendar" in response.content.decode()
    assert Project.objects.get(code="alpha-only").business_calendar == ""
    response = client.post(reverse("project-edit", kwargs={"code": "alpha-only"}), {**form, "business_calendar": "cn-8x20"})
    assert response.status_code == 302
    assert Project.objects.get(code="alpha-only").business_calendar == "cn-8x20"
    page = client.get(reverse("project-edit", kwargs={"code": "alpha-only"})).content.decode()
    assert 'value="cn-8x20"' in page
    page = client.get(reverse("project-detail", kwargs={"code": "alpha-only"}), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="business-calendar">cn-8x20<' in page
    assert 'href="/metrics/holidays/"' in page  # the holiday years a cn-* calendar is built from
    response = client.post(reverse("project-create"), {**form, "code": "vip", "business_calendar": "24x7"})
    assert response.status_code == 302 and Project.objects.get(code="vip").business_calendar == "24x7"


def test_project_form_offers_only_known_time_zones(client, world):
    client.force_login(world.user("client_admin"))
    response = client.post(reverse("project-create"), {"code": "x", "name": "X", "time_zone": "Mars/Base",
                                                       "channels": ["voice"], "status": "live"})
    assert response.status_code == 200 and not Project.objects.filter(code="x").exists()


def test_admin_adds_an_agent_for_a_vendor(client, world):
    client.force_login(world.user("client_admin"))
    response = client.post(reverse("user-create"), {
        "username": "new-agent", "role": "agent", "vendor": "bravo", "password": "a-long-enough-passphrase",
    })
    assert response.status_code == 302
    user = User.objects.get(username="new-agent")
    assert user.vendor.code == "bravo" and user.check_password("a-long-enough-passphrase")


def test_agent_without_vendor_is_refused_on_the_form(client, world):
    client.force_login(world.user("client_admin"))
    response = client.post(reverse("user-create"), {"username": "lost", "role": "agent", "vendor": ""},
                           HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "must belong to a vendor" in response.content.decode()
    assert not User.objects.filter(username="lost").exists()


def test_weak_password_is_refused(client, world):
    client.force_login(world.user("client_admin"))
    response = client.post(reverse("user-create"), {"username": "weak", "role": "auditor", "password": "123"})
    assert response.status_code == 200 and not User.objects.filter(username="weak").exists()


@pytest.mark.parametrize("username", ["finance", "auditor", "qa_analyst", "a-manager", "a-agent1"])
@pytest.mark.parametrize("route,kwargs", [("vendor-create", {}), ("vendor-edit", {"code": "alpha"}),
                                          ("user-create", {})])
def test_roles_without_the_right_get_403(client, world, username, route, kwargs):
    client.force_login(world.user(username))
    url = reverse(route, kwargs=kwargs)
    assert client.get(url).status_code == 403
    assert client.post(url, {"code": "z", "name": "Z", "status": "active"}).status_code == 403
    assert not Vendor.objects.filter(code="z").exists()
