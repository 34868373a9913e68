"""Parties (the client organisation, vendors), projects and people."""

import hashlib
import secrets
import zoneinfo

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from steward.core.roles import CLIENT_ROLES, VENDOR_ROLES, Role
from steward.core.visibility import Visibility, VisibleManager

code_validator = RegexValidator(
    r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$",
    _("Use 1–32 letters, digits, '-' or '_', starting with a letter or digit."),
)


# Path words that sit beside a vendor or project code in some URL (/vendors/new/,
# /metrics/alerts/, /reviews/weights/) and so cannot be codes.
RESERVED_CODES = frozenset({"new", "edit", "export", "alerts", "holidays", "weights"})


def validate_code_not_reserved(value: str) -> None:
    if value.lower() in RESERVED_CODES:
        raise ValidationError(_("%(code)s is reserved; choose another code."), params={"code": value})


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(tz)s is not a known time zone (e.g. Asia/Shanghai)."), params={"tz": value})


def validate_business_calendar(value: str) -> None:
    """A built-in calendar name (metrics.calendars.builtin_calendar: cn-9x18 style, cn-24x7, 24x7)."""
    from steward.metrics.calendars import CalendarError, builtin_calendar  # pure, loaded on use

    if not value:
        return
    try:
        builtin_calendar(value)
    except CalendarError:
        raise ValidationError(
            _("%(name)s is not a known business calendar: use cn-9x18 style (mainland China, "
              "09:00–18:00), cn-24x7 or 24x7."), params={"name": value}) from None


class Channel(models.TextChoices):
    VOICE = "voice", _("Voice")
    CHAT = "chat", _("Chat")
    EMAIL = "email", _("Email")
    SOCIAL = "social", _("Social")
    TICKET = "ticket", _("Ticket")


def validate_channels(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(_("Choose at least one channel."))
    unknown = sorted(set(value) - set(Channel.values))
    if unknown:
        raise ValidationError(
            _("Unknown channel(s): %(unknown)s. Known: %(known)s."),
            params={"unknown": ", ".join(map(str, unknown)), "known": ", ".join(Channel.values)},
        )


class Organisation(models.Model):
    """The client: one per installation."""

    name = models.CharField(_("name"), max_length=200)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("client organisation")
        verbose_name_plural = _("client organisations")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="single_organisation")]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> "Organisation":
        return cls.objects.get_or_create(pk=1, defaults={"name": "Client"})[0]


class Vendor(models.Model):
    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        SHORTLISTED = "shortlisted", _("Shortlisted")
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        ON_NOTICE = "on_notice", _("On notice")
        OFFBOARDED = "offboarded", _("Offboarded")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator, validate_code_not_reserved])
    name = models.CharField(_("name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.ACTIVE
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="pk")

    class Meta:
        ordering = ["code"]
        verbose_name = _("vendor")
        verbose_name_plural = _("vendors")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("vendor-detail", kwargs={"code": self.code})


class Project(models.Model):
    """An engagement: a service the client outsources to one or more vendors."""

    class Status(models.TextChoices):
        PLANNING = "planning", _("Planning")
        LIVE = "live", _("Live")
        CLOSED = "closed", _("Closed")

    code = models.CharField(_("code"), max_length=32, unique=True, validators=[code_validator, validate_code_not_reserved])
    name = models.CharField(_("name"), max_length=200)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[validate_time_zone]
    )
    channels = models.JSONField(_("channels"), default=list, validators=[validate_channels])
    business_calendar = models.CharField(
        _("business calendar"), max_length=32, blank=True, validators=[validate_business_calendar],
        help_text=_("Working hours and holidays in which business-hours metrics count, e.g. cn-9x18 "
                    "(mainland China, 09:00–18:00 on working days), cn-24x7 or 24x7. Empty: none."),
    )
    vendors = models.ManyToManyField(
        Vendor, related_name="projects", blank=True, verbose_name=_("vendors")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLANNING
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[vendors])

    objects = VisibleManager()
    visibility = Visibility(vendor="vendors")

    class Meta:
        ordering = ["code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("project-detail", kwargs={"code": self.code})

    def channel_labels(self) -> list[str]:
        return [str(Channel(c).label) for c in self.channels if c in Channel.values]


ROLE_LABELS = {
    Role.CLIENT_ADMIN: _("Client administrator"),
    Role.OUTSOURCING_MANAGER: _("Outsourcing manager"),
    Role.QA_ANALYST: _("QA analyst"),
    Role.FINANCE: _("Finance"),
    Role.PROJECT_LEAD: _("Project lead"),
    Role.AUDITOR: _("Auditor"),
    Role.VENDOR_MANAGER: _("Vendor manager"),
    Role.AGENT: _("Agent"),
}
ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]


class StewardUserManager(VisibleManager, UserManager):
    pass


class User(AbstractUser):
    """A person: on the client side (vendor empty) or on exactly one vendor's side."""

    role = models.CharField(
        _("role"), max_length=32, choices=ROLE_CHOICES, default=Role.CLIENT_ADMIN.value
    )
    vendor = models.ForeignKey(
        Vendor,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("vendor"),
    )
    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    objects = StewardUserManager()
    # Agents see only themselves; vendor managers see their vendor's people.
    visibility = Visibility(vendor="vendor", agent="pk")

    class Meta:
        ordering = ["username"]
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="vendor_roles_have_a_vendor",
                condition=(
                    Q(role__in=sorted(r.value for r in VENDOR_ROLES), vendor__isnull=False)
                    | Q(role__in=sorted(r.value for r in CLIENT_ROLES), vendor__isnull=True)
                ),
                violation_error_message=_(
                    "Vendor managers and agents belong to exactly one vendor; "
                    "client roles belong to no vendor."
                ),
            )
        ]

    def get_full_name(self) -> str:
        """Chinese names read family name first with no space (林安); others "given family"."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\u4e00" <= ch <= "\u9fff" for ch in first + last):
            return f"{last}{first}"
        return f"{first} {last}".strip()

    @property
    def is_client_side(self) -> bool:
        return self.role in CLIENT_ROLES

    @property
    def is_agent(self) -> bool:
        return self.role == Role.AGENT

    @property
    def party_name(self) -> str:
        if self.vendor_id:
            return self.vendor.name
        return Organisation.current().name


class ApiToken(models.Model):
    """A personal API token: acts as its user, limited to its scopes, until it expires or is
    revoked. Only a SHA-256 of the key is stored; the key is shown once, at creation."""

    class Scope(models.TextChoices):
        READ = "read", pgettext_lazy("API token scope", "Read")
        WRITE = "write", pgettext_lazy("API token scope", "Write")

    KEY_PREFIX = "stw_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user"))
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_hint = models.CharField(_("key starts with"), max_length=12, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    rate_limit_per_minute = models.PositiveIntegerField(_("requests per minute"), default=600)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    # The current one-minute rate-limit window, counted in the database so that every web
    # process shares one exact count.
    window_start = models.DateTimeField(null=True, blank=True, editable=False)
    window_count = models.PositiveIntegerField(default=0, editable=False)

    objects = VisibleManager()
    visibility = Visibility(vendor="user__vendor", agent="user")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.key_hint}…)"

    @classmethod
    def new_key(cls) -> str:
        return cls.KEY_PREFIX + secrets.token_urlsafe(32)

    @staticmethod
    def hash_key(key: str) -> str:
        return hashlib.sha256(key.encode()).hexdigest()

    def is_active_at(self, moment) -> bool:
        return self.revoked_at is None and (self.expires_at is None or moment < self.expires_at)


class Notification(models.Model):
    """A message to one person, shown on their notifications page.

    The text is stored as an untranslated msgid plus parameters and rendered in the reader's
    language when shown, so a message written by a Chinese-speaking actor reads in English for
    an English-speaking recipient.
    """

    recipient = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("recipient")
    )
    message = models.CharField(_("message"), max_length=300)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    url = models.CharField(_("link"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)

    objects = VisibleManager()
    # Personal rows: selectors also filter on the recipient, so even a client administrator
    # reads only their own notifications.
    visibility = Visibility(vendor="recipient__vendor", agent="recipient")

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"])]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")

    def __str__(self) -> str:
        return self.text

    @property
    def text(self) -> str:
        from django.utils.translation import gettext

        try:
            return gettext(self.message) % self.params if self.params else gettext(self.message)
        except (KeyError, TypeError, ValueError):
            # A translation that lost a placeholder must not break the page.
            return self.message
