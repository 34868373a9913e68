"""Vendor submissions: only invited vendors, only while open and before the deadline, each
vendor reading only its own."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.sourcing import selectors, services
from steward.sourcing.models import Submission

from .conftest import submit


def test_an_invited_vendor_submits_and_revises_until_the_deadline(world, open_event):
    first = submit(world.user("a-manager"), open_event)
    again = submit(world.user("a-manager"), open_event, proposal="Revised proposal",
                   rates={"handled_contact": Decimal("4.20")})
    assert first.pk == again.pk and Submission.objects.count() == 1
    again.refresh_from_db()
    assert again.proposal == "Revised proposal" and again.rate_handled_contact == Decimal("4.20")


def test_a_vendor_not_invited_is_refused(world, open_event, make_vendor, make_user):
    outsider = make_user("c-manager", "vendor_manager", make_vendor("charlie"))
    with pytest.raises(PermissionDenied, match="not invited"):
        submit(outsider, open_event)
    with pytest.raises(PermissionDenied):  # client users do not submit proposals
        services.submission_save(actor=world.user("outsourcing_manager"), event=open_event, proposal="x",
                                 pricing_model="per_contact", rates={"handled_contact": Decimal(1)})


def test_after_the_deadline_or_before_opening_proposals_are_refused(world, event, monkeypatch):
    with pytest.raises(ValidationError, match="does not take proposals"):
        submit(world.user("a-manager"), event)  # still a draft
    services.event_open(actor=world.user("outsourcing_manager"), event=event)
    monkeypatch.setattr(services, "now", lambda: event.deadline)
    with pytest.raises(ValidationError, match="deadline has passed"):
        submit(world.user("a-manager"), event)
    assert not Submission.objects.exists()


@pytest.mark.parametrize("overrides, message", [
    (dict(rates={"fte_month": Decimal(9000)}), "do not belong"),
    (dict(pricing_model="per_fte", rates={"fte_month": Decimal(9000)}), "FTE"),
    (dict(rates={}), "at least one price"),
    (dict(rates={"handled_contact": Decimal(0)}), "zero"),
    (dict(rates={"handled_contact": Decimal(-1)}), "greater than or equal"),
    (dict(rates={"bitcoin": Decimal(1)}), "Unknown price"),
    (dict(pricing_model="barter"), "not a valid choice"),
    (dict(proposal="  "), "cannot be blank"),
])
def test_bad_proposals_are_refused_with_a_reason(world, open_event, overrides, message):
    with pytest.raises(ValidationError, match=message):
        submit(world.user("a-manager"), open_event, **overrides)
    assert not Submission.objects.exists()


def test_each_vendor_sees_only_its_own_submission(world, evaluation_event):
    for name, vendor in (("a-manager", world.vendor_a), ("b-manager", world.vendor_b), ("a-agent1", world.vendor_a)):
        user = world.user(name)
        assert [s.vendor for s in selectors.submissions(user=user, event=evaluation_event)] == [vendor]
        assert [i.vendor for i in selectors.invitations(user=user, event=evaluation_event)] == [vendor]
    assert selectors.submissions(user=world.user("auditor"), event=evaluation_event).count() == 2


def test_the_price_is_normalised_per_contact_at_the_stated_volumes(world, open_event):
    fte = submit(world.user("b-manager"), open_event, pricing_model="per_fte", rates={"fte_month": Decimal("9000")},
                 proposed_fte=Decimal("5"))
    price = services.normalised_price(fte, open_event)
    assert price.monthly_cost == Decimal("45000.00")  # 5 FTE × 9,000
    assert price.cost_per_contact == Decimal("4.5000")  # ÷ 10,000 contacts
    minute = submit(world.user("a-manager"), open_event, pricing_model="per_minute", rates={"minute": Decimal("0.8")})
    assert services.normalised_price(minute, open_event).monthly_cost == Decimal("48000.00")  # 10,000 × 6 × 0.8
