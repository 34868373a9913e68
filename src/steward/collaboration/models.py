"""Communication between the client and its vendors: meetings with decisions and action items,
announcements with read receipts, and the anonymous feedback box.

Visibility: a meeting or an announcement names the vendors it involves (many-to-many), so a
meeting of a shared project held with one vendor stays invisible to the other. Feedback
messages carry the sender's vendor (for scoping) and never the sender.
"""

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from steward.core.models import Project, Vendor
from steward.core.visibility import Visibility, VisibleManager


class Meeting(models.Model):
    class Kind(models.TextChoices):
        WEEKLY_OPERATIONS = "weekly_ops", _("Weekly operations")
        MONTHLY_REVIEW = "monthly_review", _("Monthly review")
        QUARTERLY_BUSINESS_REVIEW = "qbr", _("Quarterly business review")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        HELD = "held", _("Held")
        CANCELLED = "cancelled", _("Cancelled")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="meetings",
                                verbose_name=_("project"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    starts_at = models.DateTimeField(_("starts at"))
    duration_minutes = models.PositiveIntegerField(_("duration (minutes)"), default=60)
    location = models.CharField(_("location or link"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PLANNED)
    # The vendors taking part: each sees the meeting; a vendor not named never does.
    vendors = models.ManyToManyField(Vendor, related_name="meetings", blank=True, verbose_name=_("vendors"))
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="meetings", blank=True,
                                       verbose_name=_("attendees"))
    agenda = models.TextField(_("agenda"), blank=True)
    minutes = models.TextField(_("minutes"), blank=True)
    organiser = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                  related_name="organised_meetings", verbose_name=_("organiser"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[vendors, attendees])

    objects = VisibleManager()
    visibility = Visibility(vendor="vendors")

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        constraints = [
            models.CheckConstraint(condition=models.Q(duration_minutes__gt=0, duration_minutes__lte=24 * 60),
                                   name="meeting_duration_within_a_day"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meeting-detail", kwargs={"pk": self.pk})


class Decision(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="decisions",
                                verbose_name=_("meeting"))
    text = models.TextField(_("decision"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="meeting__vendors")

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")

    def __str__(self) -> str:
        return self.text[:80]


class ActionItem(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = (Status.DONE, Status.CANCELLED)

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items",
                                verbose_name=_("meeting"))
    title = models.CharField(_("action"), max_length=300)
    notes = models.TextField(_("notes"), blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="action_items", verbose_name=_("owner"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    # Agents see only the items they own; vendor managers every item of their meetings.
    visibility = Visibility(vendor="meeting__vendors", agent="owner")

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("action item")
        verbose_name_plural = _("action items")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meeting-detail", kwargs={"pk": self.meeting_id}) + f"#action-{self.pk}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class Announcement(models.Model):
    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("Announcement")
        POLICY_UPDATE = "policy_update", _("Policy update")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.ANNOUNCEMENT)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="announcements", verbose_name=_("project"),
                                help_text=_("Empty for an announcement about the whole engagement."))
    to_client = models.BooleanField(_("to the client's staff"), default=True)
    # "All vendors" is resolved to the vendors registered when it is published, so a vendor
    # that joins later does not read old notices addressed to others.
    vendors = models.ManyToManyField(Vendor, related_name="announcements", blank=True,
                                     verbose_name=_("vendors"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="announcements", verbose_name=_("author"))
    published_at = models.DateTimeField(_("published"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[vendors])

    objects = VisibleManager()
    visibility = Visibility(vendor="vendors")

    class Meta:
        ordering = ["-published_at", "-pk"]
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("announcement-detail", kwargs={"pk": self.pk})


class ReadReceipt(models.Model):
    """Who opened an announcement, and when (the first time)."""

    announcement = models.ForeignKey(Announcement, on_delete=models.CASCADE, related_name="receipts",
                                     verbose_name=_("announcement"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="read_receipts",
                             verbose_name=_("reader"))
    read_at = models.DateTimeField(_("read at"))

    objects = VisibleManager()
    # A vendor manager sees who of their own company read; an agent only their own receipt.
    visibility = Visibility(vendor="user__vendor", agent="user")

    class Meta:
        ordering = ["read_at", "pk"]
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["announcement", "user"], name="one_receipt_per_reader")]


class FeedbackMessage(models.Model):
    """A frontline agent's anonymous message to the client.

    Deliberately holds no user, no timestamp finer than the day, and no audit history: nothing
    stored can lead back to the sender. The vendor (and optionally the project) is kept for
    scoping and for the group counts, which are shown only for groups large enough.
    """

    class Topic(models.TextChoices):
        PROCESS = "process", _("Process or tools")
        WORKLOAD = "workload", _("Workload and scheduling")
        TRAINING = "training", _("Training and knowledge")
        CUSTOMERS = "customers", _("Customer issues")
        CONDUCT = "conduct", _("Conduct or ethics")
        OTHER = "other", _("Other")

    # A random key, so that neither the id nor its order says who wrote when.
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="feedback_messages",
                               verbose_name=_("vendor"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="feedback_messages", verbose_name=_("project"))
    topic = models.CharField(_("topic"), max_length=16, choices=Topic.choices, default=Topic.OTHER)
    body = models.TextField(_("message"))
    received_on = models.DateField(_("received on"))
    answer = models.TextField(_("answer from the client"), blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("answered by"))
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)

    objects = VisibleManager()
    # No agent path: a message has no owner, and every agent of the vendor reads the answers.
    visibility = Visibility(vendor="vendor")

    class Meta:
        # Newest day first; within a day the order says nothing about who wrote when.
        ordering = ["-received_on", "topic", "body"]
        verbose_name = _("feedback message")
        verbose_name_plural = _("feedback messages")

    def __str__(self) -> str:
        return self.body[:80]
