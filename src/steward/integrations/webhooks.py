"""Outgoing webhooks: emit an event to every endpoint that wants it, deliver it signed, retry
with exponential back-off, replay on request. Writes happen here only.

Payload of every event (JSON, UTF-8)::

    {"id": "<event uuid>", "type": "dispute.opened", "created": "2026-11-23T21:50:00+00:00",
     "vendor": "alpha", "data": {...}}

Headers: Content-Type: application/json, Steward-Event, Steward-Delivery (the delivery id; a
replay has a new one, the same event id), Steward-Signature (see signing.py).
"""

import http.client
import json
import logging
import secrets
import urllib.error
import urllib.request
import uuid
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.integrations import signing
from steward.integrations.models import WebhookDelivery, WebhookEndpoint

logger = logging.getLogger(__name__)

EVENTS = {
    "sla.breach": _("SLA term missed"),
    "alert.opened": _("Alert opened"),
    "evaluation.completed": _("Evaluation completed"),
    "dispute.opened": _("Dispute opened"),
    "invoice.issued": _("Invoice issued"),
    "capa.overdue": _("Corrective action overdue"),
}
MAX_ATTEMPTS = 8  # 1 + 7 retries: 1, 2, 4, … 64 minutes apart (about two hours in all)
TIMEOUT_SECONDS = 10
# A delivery handed to the task queue belongs to it for this long; after that the scheduler
# hands it out again (a worker that died never loses a delivery).
LEASE = timedelta(minutes=5)


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _clean_events(events) -> list[str]:
    events = sorted(set(events or []))
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events:
        raise ValidationError({"events": _("Choose one or more of the known events.")})
    return events


@transaction.atomic
def endpoint_create(*, actor, name: str, url: str, events, vendor=None) -> WebhookEndpoint:
    endpoint = WebhookEndpoint(name=name, url=url, vendor=vendor, events=_clean_events(events),
                               secret=new_secret(), created_by=actor)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_update(*, endpoint: WebhookEndpoint, name: str, url: str, events, active: bool,
                    vendor=None) -> WebhookEndpoint:
    endpoint.name, endpoint.url, endpoint.vendor, endpoint.active = name, url, vendor, active
    endpoint.events = _clean_events(events)
    endpoint.full_clean()
    endpoint.save()
    return endpoint


@transaction.atomic
def endpoint_rotate_secret(*, endpoint: WebhookEndpoint) -> WebhookEndpoint:
    endpoint.secret = new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint


def _enqueue_after_commit(delivery_ids: list[int]) -> None:
    def enqueue():
        from steward.integrations.tasks import deliver_webhook

        for pk in delivery_ids:
            try:
                deliver_webhook.enqueue(pk)
            except Exception:  # the delivery stays in the database; the scheduler hands it out
                logger.exception("could not enqueue webhook delivery %s", pk)

    transaction.on_commit(enqueue)


def emit(event: str, *, vendor_id: int | None, data: dict, dedupe_key: str, vendor_code: str = "",
         now=None) -> list[WebhookDelivery]:
    """Record one delivery of `event` per active endpoint that wants it (the organisation's,
    and the event's vendor's own); each is delivered after the surrounding transaction commits.
    `dedupe_key` makes the event happen once per endpoint however often it is emitted."""
    assert event in EVENTS, event
    now = now or timezone.now()
    scope = Q(vendor__isnull=True) | (Q(vendor_id=vendor_id) if vendor_id else Q(pk__in=[]))
    endpoints = [e for e in WebhookEndpoint.objects.filter(scope, active=True) if event in e.events]
    if not endpoints:
        return []
    event_id = uuid.uuid4()
    payload = {"id": str(event_id), "type": event, "created": now.isoformat(), "vendor": vendor_code or None,
               "data": data}
    created = []
    for endpoint in endpoints:
        try:
            with transaction.atomic():
                created.append(WebhookDelivery.objects.create(
                    endpoint=endpoint, event=event, event_id=event_id, dedupe_key=dedupe_key[:200],
                    payload=payload, next_attempt_at=now + LEASE,
                ))
        except IntegrityError:
            continue  # already emitted to this endpoint
    _enqueue_after_commit([d.pk for d in created])
    return created


def replay(*, delivery: WebhookDelivery, now=None) -> WebhookDelivery:
    """Send a delivery's event again (same event id and payload, a new delivery)."""
    now = now or timezone.now()
    with transaction.atomic():
        copy = WebhookDelivery.objects.create(
            endpoint=delivery.endpoint, event=delivery.event, event_id=delivery.event_id,
            dedupe_key=delivery.dedupe_key, payload=delivery.payload, next_attempt_at=now + LEASE,
            replay_of=delivery.replay_of or delivery,
        )
        _enqueue_after_commit([copy.pk])
    return copy


def _post(url: str, body: bytes, headers: dict) -> tuple[int, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 (admin-set URL)
            return response.status, response.read(500).decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(500).decode("utf-8", "replace")


def deliver(delivery_id: int, *, now=None) -> WebhookDelivery | None:
    """One attempt. Claimed by compare-and-set on `attempts`, so two workers never both send
    one attempt; a failure schedules the next with back-off until MAX_ATTEMPTS."""
    now = now or timezone.now()
    delivery = WebhookDelivery.objects.select_related("endpoint").filter(pk=delivery_id).first()
    if delivery is None or delivery.status in (WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.DEAD):
        return delivery
    attempt = delivery.attempts + 1
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, attempts=delivery.attempts,
        status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING],
    ).update(attempts=attempt, next_attempt_at=now + LEASE)
    if not claimed:
        return None
    endpoint = delivery.endpoint
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = int(now.timestamp())
    headers = {
        "Content-Type": "application/json", "User-Agent": "Steward-Webhooks/1",
        "Steward-Event": delivery.event, "Steward-Delivery": str(delivery.pk),
        signing.HEADER: signing.header_value(endpoint.secret, timestamp, body),
    }
    code, error = None, ""
    if not endpoint.active:
        error = "endpoint deactivated"
    else:
        try:
            code, text = _post(endpoint.url, body, headers)
            if not 200 <= code < 300:
                error = f"HTTP {code}: {text}"
        # Refused, timed out, DNS, bad URL; or a receiver that does not answer HTTP (BadStatusLine,
        # IncompleteRead, a URL http.client refuses): all are failed attempts, never an exception
        # that would leave the delivery claimed and unsettled, handed out again for ever.
        except (OSError, ValueError, http.client.HTTPException) as exc:
            error = f"{type(exc).__name__}: {exc}"
    # The receiver's text may hold NUL, which PostgreSQL refuses in a text column: the update
    # would fail and leave the attempt unsettled.
    fields = {"last_status_code": code, "last_error": error.replace("\x00", "\ufffd")[:2000]}
    if not error:
        fields.update(status=WebhookDelivery.Status.DELIVERED, delivered_at=timezone.now(), next_attempt_at=None)
    elif attempt >= MAX_ATTEMPTS or not endpoint.active:
        fields.update(status=WebhookDelivery.Status.DEAD, next_attempt_at=None)
    else:
        fields.update(status=WebhookDelivery.Status.RETRYING,
                      next_attempt_at=now + timedelta(seconds=signing.backoff_seconds(attempt)))
    WebhookDelivery.objects.filter(pk=delivery.pk).update(**fields)
    delivery.refresh_from_db()
    return delivery


def hand_out_due(now=None) -> int:
    """The scheduler's sweep: enqueue every delivery whose next attempt is due (after a back-off,
    or because the worker it was handed to never finished it)."""
    from steward.integrations.tasks import deliver_webhook

    now = now or timezone.now()
    count = 0
    due = WebhookDelivery.objects.filter(
        status__in=[WebhookDelivery.Status.PENDING, WebhookDelivery.Status.RETRYING], next_attempt_at__lte=now,
    ).values_list("pk", "next_attempt_at")[:500]
    for pk, at in due:
        if WebhookDelivery.objects.filter(pk=pk, next_attempt_at=at).update(next_attempt_at=now + LEASE):
            deliver_webhook.enqueue(pk)
            count += 1
    return count
