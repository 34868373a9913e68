"""A date and time in a body or a form (a meeting's start, a training session's, a tender's
deadline) lies in the years 1900–2199: near year 1 or 9999 an offset or the project's zone
overflowed the datetime (a 500) or stored a year PostgreSQL could not read back (every list a 500
afterwards). Such a time is refused (422 in the API, the form's error on the page), nothing is
stored, and the lists still answer."""

import datetime as dt

import pytest
from django.utils import timezone

from steward.collaboration.models import Meeting
from steward.sourcing.models import SourcingEvent
from steward.training.models import Session
from tests.api.test_core_writes import api_client, call
from tests.training import factories

OUT_OF_RANGE = ["9999-12-31T23:59:59-12:00", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00+08:00",
                "0001-01-01T00:00:00", "2200-01-01T00:00:00"]
MESSAGE = "Choose a date and time between the years 1900 and 2199."

MEETING = {"project": "shared-mail", "kind": "qbr", "title": "x", "starts_at": "2030-03-04T10:00"}
SESSION = {"course": "onboard", "vendor": "alpha", "starts_at": "2030-12-01T10:00:00",
           "ends_at": "2030-12-01T12:00:00"}


def _event(**changes):
    return {"title": "Mailbox tender", "project": "shared-mail",
            "deadline": (timezone.now() + dt.timedelta(days=7)).isoformat(), "volumes": {"email": 8000}} | changes


def _refused(response):
    assert response.status_code == 422, response.content
    assert MESSAGE in response.content.decode()


@pytest.mark.parametrize("moment", OUT_OF_RANGE)
def test_a_meeting_outside_the_years_is_refused(world, moment):
    client = api_client(world.user("project_lead"))
    _refused(call(client, "post", "/api/collaboration/meetings", MEETING | {"starts_at": moment}))
    assert not Meeting.objects.exists()
    created = call(client, "post", "/api/collaboration/meetings", MEETING)
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    _refused(call(client, "patch", f"/api/collaboration/meetings/{pk}", {"starts_at": moment}))
    assert Meeting.objects.get().starts_at == dt.datetime(2030, 3, 4, 2, tzinfo=dt.UTC)
    assert call(client, "get", "/api/collaboration/meetings").status_code == 200


def test_a_meeting_at_the_edges_of_the_years_is_kept(world):
    client = api_client(world.user("project_lead"))
    for moment in ("1900-01-02T00:00:00+14:00", "2199-12-30T23:59:59-12:00"):
        assert call(client, "post", "/api/collaboration/meetings",
                    MEETING | {"starts_at": moment}).status_code == 201
    # In the project's zone (Shanghai) this is 1899: the page's form refuses it, as on the page.
    early = call(client, "post", "/api/collaboration/meetings", MEETING | {"starts_at": "1900-01-01T00:00:00+14:00"})
    assert early.status_code == 400 and MESSAGE in early.json()["detail"]
    assert call(client, "get", "/api/collaboration/meetings").status_code == 200


@pytest.mark.parametrize("moment", OUT_OF_RANGE)
def test_a_session_outside_the_years_is_refused(world, moment):
    factories.course("onboard")
    client = api_client(world.user("outsourcing_manager"))
    _refused(call(client, "post", "/api/training/sessions", SESSION | {"starts_at": moment}))
    _refused(call(client, "post", "/api/training/sessions", SESSION | {"ends_at": moment}))
    assert not Session.objects.exists()
    assert call(client, "get", "/api/training/sessions").status_code == 200


def test_a_session_with_an_offset_postgresql_has_no_zone_for_is_kept_as_its_instant(world):
    factories.course("onboard")
    client = api_client(world.user("outsourcing_manager"))
    created = call(client, "post", "/api/training/sessions",
                   SESSION | {"starts_at": "2030-12-01T20:00:00+19:00", "ends_at": "2030-12-01T22:00:00+19:00"})
    assert created.status_code == 201, created.content
    assert Session.objects.get().starts_at == dt.datetime(2030, 12, 1, 1, tzinfo=dt.UTC)


def test_a_session_without_an_offset_is_read_in_stewards_time_zone(world):
    factories.course("onboard")
    client = api_client(world.user("outsourcing_manager"))
    created = call(client, "post", "/api/training/sessions", SESSION)
    assert created.status_code == 201, created.content
    session = Session.objects.get()
    assert session.starts_at == dt.datetime(2030, 12, 1, 2, tzinfo=dt.UTC)  # 10:00 in Shanghai, as on the page
    assert session.ends_at == dt.datetime(2030, 12, 1, 4, tzinfo=dt.UTC)
    assert call(client, "get", "/api/training/sessions").status_code == 200


@pytest.mark.parametrize("moment", OUT_OF_RANGE)
def test_a_tender_deadline_outside_the_years_is_refused(world, moment):
    client = api_client(world.user("outsourcing_manager"))
    _refused(call(client, "post", "/api/sourcing/events", _event(deadline=moment)))
    assert not SourcingEvent.objects.exists()
    created = call(client, "post", "/api/sourcing/events", _event())
    assert created.status_code == 201, created.content
    before = SourcingEvent.objects.get().deadline
    _refused(call(client, "patch", f"/api/sourcing/events/{created.json()['id']}", {"deadline": moment}))
    assert SourcingEvent.objects.get().deadline == before
    assert call(client, "get", "/api/sourcing/events").status_code == 200


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59"])
def test_the_pages_refuse_the_same_years(client, world, moment):
    factories.course("onboard")
    client.force_login(world.user("client_admin"))
    meeting = client.post("/collaboration/meetings/new/", {
        "project": "alpha-only", "kind": "qbr", "title": "x", "starts_at": moment, "duration_minutes": "60"},
        HTTP_ACCEPT_LANGUAGE="en")
    assert meeting.status_code == 200 and MESSAGE in meeting.content.decode()
    assert not Meeting.objects.exists()
    client.force_login(world.user("outsourcing_manager"))
    session = client.post("/training/sessions/new/", {
        "course": "onboard", "vendor": "alpha", "mode": "online", "starts_at": "2030-12-01T10:00",
        "ends_at": moment}, HTTP_ACCEPT_LANGUAGE="en")
    assert session.status_code == 200 and MESSAGE in session.content.decode()
    assert not Session.objects.exists()
    event = client.post("/sourcing/new/", {"title": "Tender", "project": "shared-mail", "handle_minutes": "5",
                                           "deadline": moment}, HTTP_ACCEPT_LANGUAGE="en")
    assert event.status_code == 200 and MESSAGE in event.content.decode()
    assert not SourcingEvent.objects.exists()
    for page in ("/collaboration/meetings/", "/training/sessions/", "/sourcing/"):
        assert client.get(page).status_code == 200
