"""Rows for the isolation walker: a contract with an SLA and a month of contacts for each
vendor, so both have scorecards and packs (the workforce seed adds recent history)."""

from steward.reviews import selectors
from tests.reviews import helpers


def seed(world):
    helpers.contract(world, world.vendor_b, world.project_b, code="bravosecret-2026")
    helpers.month_of_contacts(world, world.vendor_b, world.shared, seed=21, base=50)
    helpers.capa(world, world.vendor_b, world.shared, "Bravosecret late answers")
    selectors.weights_dict()
