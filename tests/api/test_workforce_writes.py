"""API writes of workforce: forecast events through the page's form, headcount commitments
and the staffing profile."""

from decimal import Decimal

from steward.workforce.models import Commitment, Event, StaffingProfile
from tests.api.test_core_writes import api_client, call

COMMITMENT = {"vendor": "alpha", "seats": "12.5", "effective_from": "2030-01-01"}


def test_commit_seats_with_replay(world):
    client = api_client(world.user("project_lead"))
    first = call(client, "post", "/api/workforce/projects/shared-mail/commitments", COMMITMENT, key="c-1")
    assert first.status_code == 201, first.content
    assert first.json() == {"vendor": "alpha", "seats": "12.5", "effective_from": "2030-01-01", "contract": None}
    again = call(client, "post", "/api/workforce/projects/shared-mail/commitments", COMMITMENT, key="c-1")
    assert again["Idempotent-Replayed"] == "true"
    changed = call(client, "post", "/api/workforce/projects/shared-mail/commitments", {**COMMITMENT, "seats": "14"})
    assert changed.status_code == 201
    assert Commitment.objects.get().seats == Decimal("14")  # the same date replaces the entry


def test_bad_input_is_a_400(world):
    client = api_client(world.user("outsourcing_manager"))
    # bravo does not serve alpha-only
    assert call(client, "post", "/api/workforce/projects/alpha-only/commitments",
                {**COMMITMENT, "vendor": "bravo"}).status_code == 400
    assert call(client, "post", "/api/workforce/projects/shared-mail/commitments",
                {**COMMITMENT, "contract": "nosuch"}).status_code == 400
    backwards = call(client, "post", "/api/workforce/projects/shared-mail/events",
                     {"name": "Promo", "first_day": "2030-01-10", "last_day": "2030-01-01"})
    assert backwards.status_code == 400
    erlang_a = call(client, "put", "/api/workforce/projects/shared-mail/profile", {"model": "erlang_a"})
    assert erlang_a.status_code == 400 and "patience" in erlang_a.json()["detail"]
    assert call(client, "put", "/api/workforce/projects/shared-mail/profile",
                {"service_level": "1.5"}).status_code == 400


def test_staffing_profile_read_and_replace(world):
    client = api_client(world.user("outsourcing_manager"))
    assert call(client, "get", "/api/workforce/projects/shared-mail/profile").json()["model"] == "erlang_c"
    saved = call(client, "put", "/api/workforce/projects/shared-mail/profile",
                 {"model": "erlang_a", "patience_seconds": 90, "service_level": "0.9", "target_seconds": 30})
    assert saved.status_code == 200, saved.content
    assert saved.json()["patience_seconds"] == 90 and saved.json()["service_level"] == "0.900"
    assert StaffingProfile.objects.get().model == "erlang_a"
    event = call(client, "post", "/api/workforce/projects/shared-mail/events",
                 {"name": "Promo", "first_day": "2030-01-01", "last_day": "2030-01-03", "multiplier": "1.5"})
    assert event.status_code == 201 and Event.objects.count() == 1


def test_roles_without_the_capability_are_refused(world):
    for role in ("finance", "auditor", "a-manager"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/workforce/projects/shared-mail/commitments", COMMITMENT).status_code == 403
        assert call(client, "put", "/api/workforce/projects/shared-mail/profile", {}).status_code == 403
    assert not Commitment.objects.exists() and not StaffingProfile.objects.exists()


def test_a_vendor_reads_no_other_vendors_project(world):
    client = api_client(world.user("a-manager"))
    assert call(client, "get", "/api/workforce/projects/bravo-only/profile").status_code == 404
    assert call(client, "get", "/api/workforce/projects/alpha-only/profile").status_code == 200
