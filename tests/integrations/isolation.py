"""Data for the isolation walker: a webhook endpoint and a delivery of each vendor."""

from steward.integrations import webhooks
from steward.integrations.models import WebhookDelivery


def seed(world):
    for vendor, name in ((world.vendor_a, "Alpha Hookendpoint"), (world.vendor_b, "Bravo Hooksecret")):
        endpoint = webhooks.endpoint_create(actor=world.user("client_admin"), name=name,
                                            url=f"https://{vendor.code}.example.org/hooks", events=["dispute.opened"],
                                            vendor=vendor)
        WebhookDelivery.objects.create(endpoint=endpoint, event="dispute.opened",
                                       event_id="00000000-0000-0000-0000-%012d" % endpoint.pk,
                                       dedupe_key=f"seed-{endpoint.pk}", payload={"data": {"note": f"{name} payload"}})
