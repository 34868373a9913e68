"""SLA policies as versioned YAML (docs/metrics.md "SLA policies as code").

A policy version is never edited: saving writes a new row with the next version number, so the
versions themselves are the history (no simple-history table is needed)."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from steward.core.models import Project
from steward.core.visibility import Visibility, VisibleManager
from steward.metrics.calendars import YearSchedule


class SlaPolicy(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="sla_policies",
                                verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=100)  # the YAML's `sla:` field
    version = models.PositiveIntegerField(_("version"))  # 1, 2, … per project and name
    yaml_text = models.TextField(_("policy (YAML)"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = VisibleManager()
    # Vendors read the policies of the projects they serve: the standard they are measured by.
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["project", "name", "-version"]
        constraints = [models.UniqueConstraint(fields=["project", "name", "version"], name="sla_policy_version")]

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"

    def get_absolute_url(self) -> str:
        return reverse("metrics:sla-detail", kwargs={"code": self.project.code, "pk": self.pk})


class AlertRule(models.Model):
    """Watch one metric of a project (optionally one vendor, one scope) against a threshold over
    a window: the last N half-hour intervals, the local day so far, or the local month so far.
    ``metrics.services.evaluate_alerts(now)`` evaluates every active rule."""

    class Window(models.TextChoices):
        INTERVALS = "intervals", _("last N half-hour intervals")
        DAY = "day", _("day so far")
        MONTH = "month", _("month so far")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="alert_rules",
                                verbose_name=_("project"))
    vendor = models.ForeignKey("core.Vendor", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("vendor"),
                               help_text=_("Empty: each of the project's vendors separately."))
    metric = models.CharField(_("metric"), max_length=40)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    scope = models.JSONField(_("scope"), default=dict, blank=True)  # channel/queue/priority → code(s)
    target = models.CharField(_("target"), max_length=40, help_text=_('What is acceptable, e.g. ">= 0.80".'))
    window = models.CharField(_("window"), max_length=12, choices=Window.choices, default=Window.DAY)
    intervals = models.PositiveSmallIntegerField(_("intervals"), default=4,
                                                 help_text=_("For the last-N-intervals window."))
    min_contacts = models.PositiveIntegerField(_("minimum contacts"), default=20,
                                               help_text=_("No alert on fewer measured contacts than this."))
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = VisibleManager()
    # Vendors see the rules their projects are watched by (the standard, not other vendors' numbers).
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["project", "metric", "pk"]

    def __str__(self) -> str:
        return f"{self.project.code}: {self.metric} {self.target} ({self.get_window_display()})"


class Alert(models.Model):
    """One breach of a rule for one vendor. While it lasts it stays one row (de-duplicated): later
    evaluations update its numbers; it is resolved when the window is back within target."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACKNOWLEDGED = "acknowledged", _("acknowledged")
        RESOLVED = "resolved", _("resolved")

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts", verbose_name=_("rule"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project"))
    vendor = models.ForeignKey("core.Vendor", on_delete=models.PROTECT, related_name="+", verbose_name=_("vendor"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(_("opened"))
    last_seen_at = models.DateTimeField(_("last seen"))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("acknowledged by"))
    window_start = models.DateTimeField(_("window start"))
    window_end = models.DateTimeField(_("window end"))
    value = models.FloatField(_("value"), null=True)
    numerator = models.FloatField(_("numerator"), null=True)
    denominator = models.IntegerField(_("denominator"), null=True)
    ci_low = models.FloatField(null=True)
    ci_high = models.FloatField(null=True)
    worst_value = models.FloatField(_("worst value"), null=True)
    # breach: the window is over and missed, or can no longer reach the target; at_risk: it can,
    # but misses so far or the recent trend says it will miss (metrics/outlook.py)
    severity = models.CharField(_("severity"), max_length=8, default="breach",
                                choices=[("breach", _("breach")), ("at_risk", _("at risk"))])
    reason = models.CharField(_("reason"), max_length=20, blank=True)
    projected = models.FloatField(_("projected value"), null=True, blank=True)
    # Where the opening (and resolution) was sent: [{"channel", "kind", "ok", "error", "at"}, …]
    deliveries = models.JSONField(_("deliveries"), default=list, blank=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-last_seen_at", "-pk"]
        constraints = [
            # De-duplication: at most one unresolved alert per rule and vendor.
            models.UniqueConstraint(fields=["rule", "vendor"], condition=~models.Q(status="resolved"),
                                    name="alert_one_unresolved"),
        ]
        indexes = [models.Index(fields=["status", "-last_seen_at"], name="alert_status")]

    def __str__(self) -> str:
        return f"{self.rule.metric} {self.vendor.code} {self.status}"

    def get_absolute_url(self) -> str:
        return reverse("metrics:alert-detail", kwargs={"pk": self.pk})


class AlertChannel(models.Model):
    """Where a project's alerts go besides the in-app notification: email addresses, or a
    Feishu, DingTalk or WeCom group bot's webhook (each in its own message format)."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        FEISHU = "feishu", _("Feishu group bot")
        DINGTALK = "dingtalk", _("DingTalk group bot")
        WECOM = "wecom", _("WeCom group bot")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="alert_channels",
                                verbose_name=_("project"))
    kind = models.CharField(_("channel"), max_length=12, choices=Kind.choices)
    target = models.CharField(_("addresses or webhook URL"), max_length=1000)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor=None)  # webhook URLs carry the bots' secrets: client side only

    class Meta:
        verbose_name = _("alert channel")
        verbose_name_plural = _("alert channels")
        ordering = ["project", "kind", "pk"]

    def __str__(self) -> str:
        return f"{self.project.code} {self.kind}"


class HolidayYear(models.Model):
    """Mainland China's statutory holidays and make-up working days of one year, entered by an
    administrator from the State Council's notice: for a year the ``chinese_calendar`` package
    has no data for yet (it is published each winter for the next year, and a release follows
    weeks later), or to correct one. The ``cn-*`` business calendars use it for that year
    (metrics.business_calendars)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    holidays = models.JSONField(_("holidays"), default=list)  # ISO dates, weekend days included
    workdays = models.JSONField(_("make-up working days"), default=list)  # ISO dates, weekend days
    source = models.CharField(_("source"), max_length=300, blank=True)  # e.g. the notice's address
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("entered by"))
    updated_at = models.DateTimeField(_("entered"), auto_now=True)

    objects = VisibleManager()
    visibility = Visibility(vendor=None)  # the client's settings
    history = HistoricalRecords()  # the audit trail: these dates change SLA figures

    class Meta:
        verbose_name = _("holiday year")
        verbose_name_plural = _("holiday years")
        ordering = ["-year"]

    def __str__(self) -> str:
        return str(self.year)

    def schedule(self) -> YearSchedule:
        return YearSchedule(self.year, frozenset(map(dt.date.fromisoformat, self.holidays)),
                            frozenset(map(dt.date.fromisoformat, self.workdays)))
