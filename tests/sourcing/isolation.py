"""A tender inviting both walked vendors, each with a submission, a site-visit check and the
client's scores on it; vendor B's proposal, price assumptions and the client's notes on B are
markers that must never reach vendor A."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from steward.sourcing import services


def seed(world):
    manager = world.user("outsourcing_manager")
    event = services.event_create(
        actor=manager, project=world.shared, title="Shared mailbox tender", deadline=timezone.now() + dt.timedelta(days=5),
        volumes={"email": 6000, "ticket": 1500}, languages=["Mandarin"], service_hours="Mon–Fri 09:00–18:00",
        draft_sla="Reply within one business day", evaluators=[manager])
    for vendor in (world.vendor_a, world.vendor_b):
        services.vendor_invite(actor=manager, event=event, vendor=vendor)
    services.event_open(actor=manager, event=event)
    for user, word, rate in ((world.user("a-manager"), "Alphabid", "4.10"), (world.user("b-manager"), "Bravobid", "7.77")):
        services.submission_save(actor=user, event=event, proposal=f"{word} staffing plan with night shift",
                                 cases=f"{word} reference: regional bank", pricing_model="per_contact",
                                 rates={"handled_contact": Decimal(rate)},
                                 price_notes=f"{word} price {rate} per contact, volume band 7,500")
    item = event.site_visit_items.first()
    for vendor, word in ((world.vendor_a, "Alphasite"), (world.vendor_b, "Bravosite")):
        services.site_visit_record(actor=manager, item=item, vendor=vendor, met=True, note=f"{word} badge readers")
    # Both submitted, so proposals close before the deadline and scores exist for the walk.
    services.event_start_evaluation(actor=manager, event=event)
    hand = [c.key for c in event.criteria.all() if c.key != "price"]
    scores = {(v.pk, k): (4, f"{word} evaluator note") for v, word in ((world.vendor_a, "Alphanote"),
                                                                         (world.vendor_b, "Bravonote")) for k in hand}
    services.scores_save(actor=manager, event=event, scores=scores, submit=True)
