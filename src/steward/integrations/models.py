"""Integrations: API idempotency records, outgoing webhooks, scheduled-job runs."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
