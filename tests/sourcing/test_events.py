"""The event's life: draft → open → evaluation → decided → closed, enforced in services."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.core.models import Vendor
from steward.sourcing import services
from steward.sourcing.models import Criterion, SourcingEvent

from .conftest import future, submit

Status = SourcingEvent.Status


def test_a_new_event_is_a_draft_with_default_criteria_summing_to_100(event):
    assert event.status == Status.DRAFT
    weights = {c.key: c.weight for c in event.criteria.all()}
    assert set(weights) == set(Criterion.Key.values)
    assert sum(weights.values()) == 100
    assert event.site_visit_items.count() >= 5
    assert event.contacts_per_month == 10000


def test_bad_requirements_are_refused_cleanly(world):
    manager = world.user("outsourcing_manager")
    with pytest.raises(ValidationError):
        services.event_create(actor=manager, project=world.shared, title="x", deadline=future(),
                              volumes={"fax": 10})
    with pytest.raises(ValidationError):
        services.event_create(actor=manager, project=world.shared, title="x", deadline=future(),
                              volumes={"email": -3})
    assert not SourcingEvent.objects.exists()


def test_a_vendor_user_cannot_create_an_event(world):
    with pytest.raises(PermissionDenied):
        services.event_create(actor=world.user("a-manager"), project=world.shared, title="x", deadline=future(),
                              volumes={"email": 1})


def test_weights_are_editable_and_must_sum_to_100(world, event):
    manager = world.user("outsourcing_manager")
    weights = {k: 0 for k in Criterion.Key.values}
    weights.update(price=40, service_capability=30, experience=30)
    services.criteria_set(actor=manager, event=event, weights=weights)
    assert event.criteria.get(key="price").weight == 40
    weights["price"] = 41
    with pytest.raises(ValidationError, match="101"):
        services.criteria_set(actor=manager, event=event, weights=weights)
    with pytest.raises(ValidationError):
        services.criteria_set(actor=manager, event=event, weights={"price": 100})
    assert event.criteria.get(key="price").weight == 40  # nothing half-written


def test_opening_needs_invitations_evaluators_volume_and_a_future_deadline(world):
    manager = world.user("outsourcing_manager")
    bare = services.event_create(actor=manager, project=world.shared, title="Bare", deadline=future(),
                                 volumes={"email": 0})
    with pytest.raises(ValidationError) as error:
        services.event_open(actor=manager, event=bare)
    message = " ".join(error.value.messages)
    assert "invite" in message and "evaluator" in message and "volumes" in message


def test_the_status_moves_only_forward_in_order(world, event, monkeypatch):
    manager = world.user("outsourcing_manager")
    with pytest.raises(ValidationError):
        services.event_start_evaluation(actor=manager, event=event)  # still a draft
    services.event_open(actor=manager, event=event)
    with pytest.raises(ValidationError):
        services.event_open(actor=manager, event=event)
    submit(world.user("a-manager"), event)
    with pytest.raises(ValidationError, match="deadline"):  # B may still be working on it
        services.event_start_evaluation(actor=manager, event=event)
    monkeypatch.setattr(services, "now", lambda: event.deadline + dt.timedelta(minutes=1))
    services.event_start_evaluation(actor=manager, event=event)
    event.refresh_from_db()
    assert event.status == Status.EVALUATION
    with pytest.raises(ValidationError):
        services.event_close(actor=manager, event=event)  # not decided yet
    with pytest.raises(ValidationError):
        services.criteria_set(actor=manager, event=event, weights={c.key: c.weight for c in event.criteria.all()})


def test_an_open_event_only_extends_its_deadline(world, open_event):
    manager = world.user("outsourcing_manager")
    later = open_event.deadline + dt.timedelta(days=3)
    services.event_update(actor=manager, event=open_event, deadline=later)
    with pytest.raises(ValidationError):
        services.event_update(actor=manager, event=open_event, deadline=later - dt.timedelta(days=1))
    with pytest.raises(ValidationError):
        services.event_update(actor=manager, event=open_event, volumes={"email": 1})
    open_event.refresh_from_db()
    assert open_event.deadline == later and open_event.volumes == {"email": 8000, "ticket": 2000}


def test_inviting_a_prospect_shortlists_it(world, event, make_vendor):
    prospect = make_vendor("newco", status=Vendor.Status.PROSPECT)
    services.vendor_invite(actor=world.user("outsourcing_manager"), event=event, vendor=prospect)
    prospect.refresh_from_db()
    assert prospect.status == Vendor.Status.SHORTLISTED
    assert prospect.status_changes.get().reason.startswith("Invited")
    with pytest.raises(ValidationError):  # twice
        services.vendor_invite(actor=world.user("outsourcing_manager"), event=event, vendor=prospect)


def test_evaluators_must_be_client_users_who_may_score(world, event):
    with pytest.raises(ValidationError):
        services.event_update(actor=world.user("outsourcing_manager"), event=event,
                              evaluators=[world.user("auditor")])
    with pytest.raises(ValidationError):
        services.event_update(actor=world.user("outsourcing_manager"), event=event,
                              evaluators=[world.user("a-manager")])
