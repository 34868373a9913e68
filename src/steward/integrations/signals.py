"""Webhook events from other apps, caught with post_save so that those apps need not know
about webhooks. Connected in IntegrationsConfig.ready() for the models that exist.

A receiver never breaks the save it observes: a failure to record the event is logged (in its
own savepoint) and the app's own write stands."""

import logging

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_save

from steward.integrations import webhooks

logger = logging.getLogger(__name__)


def _emit(event: str, **kwargs) -> None:
    try:
        with transaction.atomic():
            webhooks.emit(event, **kwargs)
    except Exception:
        logger.exception("could not record the %s webhook event", event)


def _vendor(obj_vendor) -> dict:
    return {"vendor_id": obj_vendor.pk, "vendor_code": obj_vendor.code}


def on_evaluation_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:  # loaddata (a restore) replays rows; the events happened long ago
        return
    if instance.status not in ("submitted", "final"):
        return
    suffix = ":final" if instance.status == "final" else ""
    _emit("evaluation.completed", dedupe_key=f"evaluation.completed:{instance.pk}{suffix}", **_vendor(instance.vendor),
          data={"id": instance.pk, "status": instance.status, "score": str(instance.score) if instance.score is not None
                else None, "passed": instance.passed, "auto_failed": instance.auto_failed,
                "contact_id": instance.interaction_id, "url": instance.get_absolute_url()})


def on_dispute_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:  # loaddata (a restore) replays rows; the events happened long ago
        return
    if not created:
        return
    evaluation = instance.evaluation
    _emit("dispute.opened", dedupe_key=f"dispute.opened:{instance.pk}", **_vendor(evaluation.vendor),
          data={"id": instance.pk, "evaluation_id": evaluation.pk, "score_before": str(evaluation.score)
                if evaluation.score is not None else None, "url": evaluation.get_absolute_url()})


def on_alert_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:  # loaddata (a restore) replays rows; the events happened long ago
        return
    if not created:
        return
    rule = instance.rule
    _emit("alert.opened", dedupe_key=f"alert.opened:{instance.pk}", **_vendor(instance.vendor),
          data={"id": instance.pk, "project": instance.project.code, "metric": rule.metric, "target": rule.target,
                "value": instance.value, "window_start": instance.window_start.isoformat(),
                "window_end": instance.window_end.isoformat()})


ISSUED_INVOICE_STATUSES = ("approved",)


def on_invoice_saved(sender, instance, created, raw=False, **kwargs) -> None:
    if raw:  # loaddata (a restore) replays rows; the events happened long ago
        return
    if instance.status not in ISSUED_INVOICE_STATUSES:
        return
    contract = instance.contract
    _emit("invoice.issued", dedupe_key=f"invoice.issued:{instance.pk}", **_vendor(contract.vendor),
          data={"id": instance.pk, "number": instance.number, "kind": instance.kind, "contract": contract.code,
                "currency": instance.currency, "total": str(getattr(instance, "total", "")) or None,
                "period_start": instance.period_start.isoformat(), "period_end": instance.period_end.isoformat()})


RECEIVERS = {
    "quality.Evaluation": on_evaluation_saved,
    "quality.Dispute": on_dispute_saved,
    "metrics.Alert": on_alert_saved,
    "contracts.Invoice": on_invoice_saved,
}


def connect() -> list[str]:
    """Connect the receivers of the models that exist; returns their labels."""
    connected = []
    for label, receiver in RECEIVERS.items():
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        post_save.connect(receiver, sender=model, dispatch_uid=f"integrations-webhook-{label}")
        connected.append(label)
    return connected
