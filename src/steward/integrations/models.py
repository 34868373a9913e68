"""Integrations: API idempotency records, outgoing webhooks, scheduled-job runs."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from steward.core.visibility import Visibility, VisibleManager


class IdempotencyRecord(models.Model):
    """The first successful answer to a create POST sent with an `Idempotency-Key` header,
    kept per user, route and key so that a repeat returns it without creating again
    (steward.api.idempotency). Internal: no page or API shows these rows."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    route = models.CharField(max_length=300)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    status_code = models.PositiveSmallIntegerField()
    content_type = models.CharField(max_length=100)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "route", "key"], name="idempotency_once")]

    def __str__(self) -> str:
        return f"{self.route} {self.key}"


class JobRun(models.Model):
    """One run of a periodic job for one period (a local day or hour), created once by the
    scheduler (the unique constraint makes a restart or a second scheduler harmless) and run by
    a task worker. A failure is kept with its error and retried with back-off until MAX tries."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        RETRYING = "retrying", _("failed, will retry")
        DEAD = "dead", _("failed, gave up")

    job = models.CharField(_("job"), max_length=60)
    period = models.CharField(_("period"), max_length=40)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    # When the scheduler next hands the run to a worker: the back-off after a failure, or the
    # end of the lease of a run handed out (a worker that died never loses the run).
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    last_error = models.TextField(_("last error"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job run")
        verbose_name_plural = _("job runs")
        constraints = [models.UniqueConstraint(fields=["job", "period"], name="job_run_once_per_period")]

    def __str__(self) -> str:
        return f"{self.job} {self.period}"


class WebhookEndpoint(models.Model):
    """A URL that receives events, signed with its secret. An endpoint of a vendor receives only
    that vendor's events; an endpoint without a vendor receives the whole organisation's."""

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    vendor = models.ForeignKey("core.Vendor", on_delete=models.CASCADE, null=True, blank=True,
                               related_name="webhook_endpoints", verbose_name=_("vendor"),
                               help_text=_("Empty: the whole organisation's events."))
    events = models.JSONField(_("events"), default=list)
    secret = models.CharField(_("signing secret"), max_length=80, editable=False)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("webhook endpoint")
        verbose_name_plural = _("webhook endpoints")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("integrations:webhook-detail", kwargs={"pk": self.pk})


class WebhookDelivery(models.Model):
    """One event sent (or to be sent) to one endpoint, with every attempt's outcome."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        DELIVERED = "delivered", _("delivered")
        RETRYING = "retrying", _("failed, will retry")
        DEAD = "dead", _("failed, gave up")

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries",
                                 verbose_name=_("endpoint"))
    event = models.CharField(_("event"), max_length=40)
    event_id = models.UUIDField(_("event id"))
    # What makes an event happen once (e.g. "dispute.opened:12"): one delivery per endpoint.
    dedupe_key = models.CharField(max_length=200)
    payload = models.JSONField(_("payload"))
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True, db_index=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)
    replay_of = models.ForeignKey("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                                  verbose_name=_("replay of"))

    objects = VisibleManager()
    visibility = Visibility(vendor="endpoint__vendor")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["endpoint", "dedupe_key"], condition=models.Q(replay_of__isnull=True),
                                    name="webhook_event_once_per_endpoint"),
        ]

    def __str__(self) -> str:
        return f"{self.event} → {self.endpoint}"
