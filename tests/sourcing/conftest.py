import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from steward.core.roles import Role
from steward.sourcing import services


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English; the page language is tested in test_pages."""
    with translation.override("en"):
        yield


def future(days=7):
    return timezone.now() + dt.timedelta(days=days)


@pytest.fixture
def evaluators(world, make_user):
    return [world.user("outsourcing_manager"), world.user("qa_analyst"), make_user("eva-three", Role.FINANCE)]


@pytest.fixture
def event(world, evaluators):
    """A draft tender for the shared project, both vendors invited."""
    ev = services.event_create(
        actor=world.user("outsourcing_manager"), project=world.shared, title="Mailbox tender 2026",
        deadline=future(), volumes={"email": 8000, "ticket": 2000}, handle_minutes=Decimal("6"),
        languages=["Mandarin", "English"], service_hours="Mon–Sun 08:00–22:00",
        draft_sla="First response within 4 business hours for 95 % of emails.", evaluators=evaluators)
    for vendor in (world.vendor_a, world.vendor_b):
        services.vendor_invite(actor=world.user("outsourcing_manager"), event=ev, vendor=vendor)
    return ev


@pytest.fixture
def open_event(world, event):
    return services.event_open(actor=world.user("outsourcing_manager"), event=event)


def submit(user, event, **overrides):
    data = dict(proposal=f"Proposal of {user.vendor.name}", cases="Bank helpdesk since 2019",
                pricing_model="per_contact", rates={"handled_contact": Decimal("4.50")},
                price_notes=f"{user.vendor.name} assumes 6 minutes per contact")
    data.update(overrides)
    return services.submission_save(actor=user, event=event, **data)


@pytest.fixture
def evaluation_event(world, open_event):
    """Both vendors submitted (A at 4.50, B at 5.00 per contact); the evaluation has started."""
    submit(world.user("a-manager"), open_event)
    submit(world.user("b-manager"), open_event, rates={"handled_contact": Decimal("5.00")})
    return services.event_start_evaluation(actor=world.user("outsourcing_manager"), event=open_event)
