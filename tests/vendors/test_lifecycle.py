import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from steward.core.models import Vendor
from steward.vendors import lifecycle, services
from steward.vendors.models import StatusChange


def test_every_status_has_a_way_out_and_is_reachable():
    assert set(lifecycle.TRANSITIONS) == set(Vendor.Status.values)
    reachable = {s for targets in lifecycle.TRANSITIONS.values() for s in targets}
    assert reachable == set(Vendor.Status.values)


def test_nothing_skips_onboarding():
    for status in (lifecycle.PROSPECT, lifecycle.SHORTLISTED, lifecycle.OFFBOARDED):
        assert not lifecycle.can_move(status, lifecycle.ACTIVE)


def test_full_lifecycle_is_recorded_with_actor_and_reason(world, make_vendor):
    admin = world.user("client_admin")
    vendor = make_vendor("delta", status="prospect")
    path = ["shortlisted", "onboarding", "active", "on_notice", "offboarded"]
    for target in path:
        services.vendor_transition(actor=admin, vendor=vendor, to_status=target, reason=f"to {target}")
    vendor.refresh_from_db()
    assert vendor.status == "offboarded"
    history = list(StatusChange.objects.filter(vendor=vendor).order_by("pk").values_list("from_status", "to_status"))
    assert history == list(zip(["prospect"] + path[:-1], path))
    assert StatusChange.objects.filter(vendor=vendor, changed_by=admin, reason="to active").exists()


def test_forbidden_transition_is_refused_and_nothing_is_written(world, make_vendor):
    vendor = make_vendor("echo", status="prospect")
    with pytest.raises(ValidationError) as error, translation.override("en"):
        services.vendor_transition(actor=world.user("client_admin"), vendor=vendor, to_status="active")
    assert "Shortlisted" in str(error.value)
    vendor.refresh_from_db()
    assert vendor.status == "prospect" and not StatusChange.objects.filter(vendor=vendor).exists()


def test_unknown_status_is_a_validation_error(world):
    with pytest.raises(ValidationError):
        services.vendor_transition(actor=world.user("client_admin"), vendor=world.vendor_a, to_status="gone")
