"""Rows for the isolation walker: forecast history, events, profiles and commitments of both
vendors, on their own projects and the shared one."""

import datetime as dt
from decimal import Decimal

from steward.workforce import services
from tests.workforce import rollups


def seed(world):
    end = dt.date.today() - dt.timedelta(days=1)
    rollups.load(world.project_a, world.vendor_a, end=end, days=21, base=60, seed=11)
    rollups.load(world.project_b, world.vendor_b, end=end, days=21, base=60, seed=12, queue="bravosecret")
    rollups.load(world.shared, world.vendor_b, end=end, days=21, base=60, seed=13, queue="bravosecretq")
    services.event_create(actor=None, project=world.project_b, name="Bravosecret flash sale", first_day=end,
                          last_day=end, multiplier=Decimal("1.5"))
    services.event_create(actor=None, project=world.project_a, name="Alphaevent promo", first_day=end, last_day=end)
    services.commitment_set(actor=None, vendor=world.vendor_b, project=world.shared, seats=Decimal("977"),
                            effective_from=end - dt.timedelta(days=30))
    services.commitment_set(actor=None, vendor=world.vendor_a, project=world.project_a, seats=Decimal("1"),
                            effective_from=end - dt.timedelta(days=30))
    services.commitment_set(actor=None, vendor=world.vendor_b, project=world.project_b, seats=Decimal("1"),
                            effective_from=end - dt.timedelta(days=30))
    services.gap_check_all()
