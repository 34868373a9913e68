"""Workforce planning: known events for the forecast, how each project's queues are staffed,
the headcount a vendor committed to, and the staffing-gap alerts already sent."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from steward.core.models import Project, Vendor
from steward.core.visibility import Visibility, VisibleManager


class Event(models.Model):
    """A promotion or other known event. Without a multiplier its effect is estimated from past
    promotions (one shared promotion effect); with one, that multiplier is applied as given
    (a manual override)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="forecast_events",
                                verbose_name=_("project"))
    name = models.CharField(_("name"), max_length=200)
    first_day = models.DateField(_("first day"))
    last_day = models.DateField(_("last day"))
    multiplier = models.DecimalField(
        _("volume multiplier"), max_digits=6, decimal_places=3, null=True, blank=True,
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("100"))],
        help_text=_("Leave empty to use the promotion effect estimated from history; 1.5 means 50 % more contacts."))
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        ordering = ["project", "first_day", "pk"]
        verbose_name = _("forecast event")
        verbose_name_plural = _("forecast events")
        constraints = [models.CheckConstraint(condition=Q(last_day__gte=models.F("first_day")),
                                              name="event_days_in_order")]

    def __str__(self) -> str:
        return f"{self.name} ({self.first_day:%Y-%m-%d}–{self.last_day:%Y-%m-%d})"


class StaffingProfile(models.Model):
    """How a project (optionally one queue) is staffed: the model, the service-level target
    and the planning assumptions. A project without one uses the defaults of staffing.Settings."""

    class Model(models.TextChoices):
        ERLANG_C = "erlang_c", _("Erlang C (voice)")
        ERLANG_A = "erlang_a", _("Erlang A (voice with abandonment)")
        CHAT = "chat", _("Chat with concurrency")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="staffing_profiles",
                                verbose_name=_("project"))
    queue = models.CharField(_("queue"), max_length=64, blank=True, help_text=_("Empty: the whole project."))
    model = models.CharField(_("model"), max_length=12, choices=Model.choices, default=Model.ERLANG_C)
    service_level = models.DecimalField(_("target service level"), max_digits=4, decimal_places=3,
                                        default=Decimal("0.8"),
                                        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("0.999"))])
    target_seconds = models.PositiveIntegerField(_("answered within (s)"), default=20)
    aht_seconds = models.PositiveIntegerField(_("AHT (s)"), null=True, blank=True,
                                              help_text=_("Empty: measured from the last 28 days."))
    max_occupancy = models.DecimalField(_("maximum occupancy"), max_digits=4, decimal_places=3, default=Decimal("0.85"),
                                        validators=[MinValueValidator(Decimal("0.1")), MaxValueValidator(Decimal("1"))])
    shrinkage = models.DecimalField(_("shrinkage"), max_digits=4, decimal_places=3, default=Decimal("0.3"),
                                    validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("0.9"))])
    patience_seconds = models.PositiveIntegerField(_("mean patience (s)"), null=True, blank=True,
                                                   help_text=_("Erlang A only."))
    concurrency = models.PositiveSmallIntegerField(_("concurrent chats"), default=1,
                                                   validators=[MinValueValidator(1), MaxValueValidator(10)])
    calendar = models.CharField(_("business calendar"), max_length=32, default="cn-9x18",
                                help_text=_("Holidays for the forecast: cn-9x18 (mainland China) or 24x7 (none)."))

    objects = VisibleManager()
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        ordering = ["project", "queue"]
        verbose_name = _("staffing profile")
        verbose_name_plural = _("staffing profiles")
        constraints = [models.UniqueConstraint(fields=["project", "queue"], name="staffing_profile_once")]

    def __str__(self) -> str:
        return f"{self.project.code} {self.queue or '*'}"


class Commitment(models.Model):
    """Seats a vendor committed to staff on a project (people logged in during opening hours),
    from the contract's date on. The contract itself is read only here."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="staffing_commitments",
                               verbose_name=_("vendor"))
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="staffing_commitments",
                                verbose_name=_("project"))
    contract = models.ForeignKey("contracts.Contract", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("contract"))
    seats = models.DecimalField(_("committed seats"), max_digits=7, decimal_places=1,
                                validators=[MinValueValidator(Decimal("0"))])
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["project", "vendor", "-effective_from"]
        verbose_name = _("headcount commitment")
        verbose_name_plural = _("headcount commitments")
        constraints = [models.UniqueConstraint(fields=["vendor", "project", "effective_from"],
                                               name="commitment_once_per_day")]

    def __str__(self) -> str:
        return f"{self.vendor.code}/{self.project.code}: {self.seats}"


class GapAlert(models.Model):
    """A staffing-gap warning already sent, so the same gap is not announced twice."""

    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="+", verbose_name=_("vendor"))
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project"))
    first_day = models.DateField(_("first day short"))
    expected_service_level = models.DecimalField(_("expected service level"), max_digits=5, decimal_places=4)
    shortfall = models.PositiveIntegerField(_("largest shortfall (people)"))
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("staffing-gap alert")
        verbose_name_plural = _("staffing-gap alerts")
        constraints = [models.UniqueConstraint(fields=["vendor", "project", "first_day"], name="gap_alert_once")]
