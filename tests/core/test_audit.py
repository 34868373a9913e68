from django.urls import reverse
from django.utils import translation

from steward.core import selectors, services
from steward.core.models import Project, Vendor


def entry_for(record) -> dict:
    with translation.override("en"):
        entry = next(e for e in selectors.audit_trail() if e["record"] == record)
        entry["changes"] = [(str(field), old, new) for field, old, new in entry["changes"]]
    return entry


def test_changes_record_who_when_and_what(client, world):
    admin = world.user("client_admin")
    client.force_login(admin)
    # a change made through a web request is attributed to the signed-in user
    response = client.post(
        reverse("vendor-edit", kwargs={"code": "alpha"}), {"name": "Alpha CX"}
    )
    assert response.status_code == 302
    record = Vendor.history.filter(code="alpha").latest("history_date")
    assert record.history_user == admin and record.history_type == "~"
    entry = entry_for(record)
    assert ("name", "Alpha Callcenter", "Alpha CX") in entry["changes"]
    assert [field for field, _, _ in entry["changes"]] == ["name"]


def test_vendor_assignments_are_shown_by_code(world):
    services.project_update(project=world.project_a, name="Alpha Hotline", time_zone="Asia/Shanghai",
                            channels=["voice"], status="planning", vendor_codes=["alpha", "bravo"])
    record = Project.history.filter(code="alpha-only").latest("history_date")
    entry = entry_for(record)
    assert ("vendors", "alpha", "alpha, bravo") in entry["changes"]


def test_passwords_are_not_kept_in_history(world):
    user = world.user("finance")
    user.set_password("another-long-password")
    user.save()
    assert not hasattr(user.history.model, "password")


def test_only_client_admins_and_auditors_see_the_trail(client, world):
    for username, status in [("client_admin", 200), ("auditor", 200), ("outsourcing_manager", 403),
                             ("a-manager", 403), ("a-agent1", 403)]:
        client.force_login(world.user(username))
        assert client.get(reverse("audit-trail")).status_code == status, username



def test_many_to_many_rows_without_a_code_are_named_by_their_own_name(world):
    from django.contrib.auth.models import Group

    from steward.core.models import User

    group = Group.objects.create(name="night shift")
    field = User._meta.get_field("groups")
    assert selectors._m2m_names(field, [{"user": 1, "group": group.pk}, {"user": 1, "group": 999}]) == "night shift, 999"


def test_the_trail_shows_a_meeting_with_attendees(client, world):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from steward.collaboration import services as collaboration

    admin = world.user("client_admin")
    collaboration.meeting_create(
        actor=admin, project=world.shared, kind="weekly_ops", title="Weekly ops",
        starts_at=datetime(2026, 1, 5, 10, tzinfo=ZoneInfo("Asia/Shanghai")),
        vendors=[world.vendor_a], attendees=[admin, world.user("a-manager")],
    )
    client.force_login(admin)
    response = client.get(reverse("audit-trail"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200 and "Weekly ops" in response.content.decode()


def _queries_for_trail() -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        selectors.audit_trail()
    return len(captured)


def test_the_trail_costs_the_same_queries_for_many_changes_as_for_few(world):
    vendor = Vendor.objects.get(code="alpha")
    for n in range(3):
        services.vendor_update(vendor=vendor, name=f"Alpha {n}", status=vendor.status)
    few = _queries_for_trail()
    for n in range(40):
        services.vendor_update(vendor=vendor, name=f"Alpha again {n}", status=vendor.status)
    assert _queries_for_trail() == few
    # ... and each change still shows its own previous value.
    latest = Vendor.history.filter(code="alpha").latest("history_date")
    assert ("name", "Alpha again 38", "Alpha again 39") in entry_for(latest)["changes"]
