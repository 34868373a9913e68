"""API of integrations: webhook endpoints (create, edit, rotate the secret), delivery replay and
job retry, for client administrators only; the secret is answered only when it is made."""

from steward.integrations import webhooks
from steward.integrations.models import JobRun, WebhookDelivery, WebhookEndpoint
from tests.api.test_core_writes import api_client, call

ENDPOINT = {"name": "ERP", "url": "https://erp.example.org/hooks", "events": ["invoice.issued", "dispute.opened"]}


def test_create_edit_and_rotate_an_endpoint(world):
    client = api_client(world.user("client_admin"))
    created = call(client, "post", "/api/integrations/webhooks", ENDPOINT, key="w-1")
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    assert secret.startswith("whsec_") and created.json()["vendor"] is None
    replay = call(client, "post", "/api/integrations/webhooks", ENDPOINT, key="w-1")
    assert replay["Idempotent-Replayed"] == "true" and WebhookEndpoint.objects.count() == 1
    pk = created.json()["id"]
    read = call(client, "get", f"/api/integrations/webhooks/{pk}").json()
    assert "secret" not in read
    edited = call(client, "patch", f"/api/integrations/webhooks/{pk}", {"vendor": "alpha", "active": False})
    assert edited.status_code == 200 and edited.json()["vendor"] == "alpha" and edited.json()["active"] is False
    assert sorted(edited.json()["events"]) == sorted(ENDPOINT["events"])
    rotated = call(client, "post", f"/api/integrations/webhooks/{pk}/rotate")
    assert rotated.status_code == 200 and rotated.json()["secret"] != secret
    assert WebhookEndpoint.objects.get().secret == rotated.json()["secret"]


def test_bad_input_is_a_400(world):
    client = api_client(world.user("client_admin"))
    assert call(client, "post", "/api/integrations/webhooks", {**ENDPOINT, "events": ["nonsense"]}).status_code == 400
    assert call(client, "post", "/api/integrations/webhooks", {**ENDPOINT, "url": "not a url"}).status_code == 400
    assert call(client, "post", "/api/integrations/webhooks", {**ENDPOINT, "vendor": "nosuch"}).status_code == 400
    assert not WebhookEndpoint.objects.exists()


def test_replay_a_delivery_and_retry_a_job(world):
    client = api_client(world.user("client_admin"))
    endpoint = webhooks.endpoint_create(actor=None, name="ERP", url="https://erp.example.org/h",
                                        events=["dispute.opened"], vendor=world.vendor_a)
    [delivery] = webhooks.emit("dispute.opened", vendor_id=world.vendor_a.pk, data={"n": 1}, dedupe_key="d-1")
    listed = call(client, "get", f"/api/integrations/webhooks/{endpoint.pk}/deliveries").json()
    assert [d["id"] for d in listed] == [delivery.pk]
    again = call(client, "post", f"/api/integrations/deliveries/{delivery.pk}/replay", key="r-1")
    assert again.status_code == 201 and again.json()["replay_of"] == delivery.pk
    assert call(client, "post", f"/api/integrations/deliveries/{delivery.pk}/replay", key="r-1").json() == again.json()
    assert WebhookDelivery.objects.count() == 2
    run = JobRun.objects.create(job="housekeeping", period="2030-01-01", status=JobRun.Status.DEAD, attempts=5)
    retried = call(client, "post", f"/api/integrations/jobs/{run.pk}/retry")
    assert retried.status_code == 200 and retried.json()["status"] == "queued" and retried.json()["attempts"] == 0
    assert call(client, "post", "/api/integrations/jobs/999999/retry").status_code == 404


def test_other_roles_are_refused(world):
    endpoint = webhooks.endpoint_create(actor=None, name="Bravo hook", url="https://b.example.org/h",
                                        events=["dispute.opened"], vendor=world.vendor_b)
    auditor = api_client(world.user("auditor"))
    assert call(auditor, "get", f"/api/integrations/webhooks/{endpoint.pk}").status_code == 200
    assert call(auditor, "post", f"/api/integrations/webhooks/{endpoint.pk}/rotate").status_code == 403
    for role in ("outsourcing_manager", "a-manager"):
        client = api_client(world.user(role))
        assert call(client, "post", "/api/integrations/webhooks", ENDPOINT).status_code == 403
        assert call(client, "get", f"/api/integrations/webhooks/{endpoint.pk}").status_code == 403
        assert call(client, "post", f"/api/integrations/webhooks/{endpoint.pk}/rotate").status_code == 403
    assert WebhookEndpoint.objects.count() == 1
