"""The decision: a memo, the chosen vendor moves to onboarding, the others are not selected."""

import pytest
from django.core.exceptions import ValidationError

from steward.core.models import Vendor
from steward.sourcing import selectors, services
from steward.sourcing.models import DecisionMemo, Invitation, SourcingEvent
from steward.vendors.models import StatusChange

from .test_scoring import full_scores


@pytest.fixture
def scored_event(world, evaluation_event, evaluators):
    for evaluator in evaluators:
        services.scores_save(actor=evaluator, event=evaluation_event, scores=full_scores(world, 4, 3), submit=True)
    return evaluation_event


def decide(world, event, vendor):
    return services.event_decide(actor=world.user("outsourcing_manager"), event=event, chosen_vendor=vendor,
                                 memo="Award the mailbox to the best-ranked vendor.",
                                 rationale="Highest weighted score and the lowest cost per contact.")


def test_the_chosen_vendor_moves_to_onboarding_and_the_others_are_not_selected(world, scored_event):
    Vendor.objects.filter(pk=world.vendor_a.pk).update(status=Vendor.Status.SHORTLISTED)
    world.vendor_a.refresh_from_db()
    memo = decide(world, scored_event, world.vendor_a)
    scored_event.refresh_from_db()
    world.vendor_a.refresh_from_db()
    assert scored_event.status == SourcingEvent.Status.DECIDED
    assert world.vendor_a.status == Vendor.Status.ONBOARDING
    change = StatusChange.objects.get(vendor=world.vendor_a)
    assert (change.from_status, change.to_status, change.changed_by) == (
        "shortlisted", "onboarding", world.user("outsourcing_manager"))
    outcomes = dict(Invitation.objects.values_list("vendor__code", "outcome"))
    assert outcomes == {"alpha": "selected", "bravo": "not_selected"}
    assert selectors.decision(user=world.user("auditor"), event=scored_event) == memo
    assert selectors.decision(user=world.user("a-manager"), event=scored_event) is None
    services.event_close(actor=world.user("outsourcing_manager"), event=scored_event)
    scored_event.refresh_from_db()
    assert scored_event.status == SourcingEvent.Status.CLOSED


def test_an_active_vendor_chosen_again_stays_active(world, scored_event):
    decide(world, scored_event, world.vendor_b)
    world.vendor_b.refresh_from_db()
    assert world.vendor_b.status == Vendor.Status.ACTIVE
    assert not StatusChange.objects.exists()


def test_a_vendor_the_lifecycle_cannot_onboard_rolls_everything_back(world, scored_event):
    Vendor.objects.filter(pk=world.vendor_a.pk).update(status=Vendor.Status.ON_NOTICE)
    world.vendor_a.refresh_from_db()
    with pytest.raises(ValidationError, match="cannot move"):
        decide(world, scored_event, world.vendor_a)
    scored_event.refresh_from_db()
    assert scored_event.status == SourcingEvent.Status.EVALUATION
    assert not DecisionMemo.objects.exists()
    assert set(Invitation.objects.values_list("outcome", flat=True)) == {"pending"}


def test_deciding_needs_submitted_scores_a_proposal_and_a_memo(world, evaluation_event, make_vendor):
    with pytest.raises(ValidationError, match="No evaluator"):
        decide(world, evaluation_event, world.vendor_a)
    for evaluator in evaluation_event.evaluators.all():
        services.scores_save(actor=evaluator, event=evaluation_event, scores=full_scores(world, 4, 3), submit=True)
    with pytest.raises(ValidationError):
        decide(world, evaluation_event, make_vendor("nobid"))
    with pytest.raises(ValidationError):
        services.event_decide(actor=world.user("outsourcing_manager"), event=evaluation_event,
                              chosen_vendor=world.vendor_a, memo=" ", rationale="")
    assert not DecisionMemo.objects.exists()
