"""Project plans: the needs assessment, phases from the standard template with milestones,
tasks with dependencies, the RACI matrix, and the go-live readiness sign-offs.

Every row reaches its vendors through the project (`project__vendors`): a vendor's staff see
the plans of the projects they serve; agents additionally see only tasks assigned to them.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from steward.core.models import Project, Vendor
from steward.core.visibility import Visibility, VisibleManager


class Plan(models.Model):
    """A project's plan, with its needs assessment (one per project)."""

    class Scale(models.TextChoices):
        SMALL = "small", _("Small (up to 20 agents)")
        MEDIUM = "medium", _("Medium (21–100 agents)")
        LARGE = "large", _("Large (over 100 agents)")

    project = models.OneToOneField(Project, on_delete=models.PROTECT, related_name="plan", verbose_name=_("project"))
    start_date = models.DateField(_("plan start"))
    # Needs assessment
    business_type = models.CharField(_("business type"), max_length=200, blank=True,
                                     help_text=_("E.g. online retail, consumer electronics, insurance."))
    scale = models.CharField(_("scale"), max_length=16, choices=Scale.choices, blank=True)
    channels = models.JSONField(_("channels"), default=list, blank=True)
    monthly_volumes = models.JSONField(_("expected contacts per month, per channel"), default=dict, blank=True)
    presales_percent = models.PositiveSmallIntegerField(
        _("pre-sales share (%)"), null=True, blank=True, validators=[MaxValueValidator(100)],
        help_text=_("The rest is after-sales."))
    service_hours = models.CharField(_("service hours"), max_length=200, blank=True,
                                     help_text=_("E.g. Mon–Sun 08:00–22:00, holidays included."))
    languages = models.CharField(_("languages"), max_length=200, blank=True, help_text=_("E.g. Mandarin, English."))
    peak_seasons = models.CharField(_("peak seasons"), max_length=300, blank=True,
                                    help_text=_("E.g. 618 in June, Singles' Day in November, Spring Festival."))
    planned_headcount = models.PositiveIntegerField(_("planned headcount (agents)"), null=True, blank=True)
    needs_notes = models.TextField(_("notes"), blank=True)
    # Go-live
    went_live_at = models.DateTimeField(_("went live"), null=True, blank=True, editable=False)
    went_live_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", editable=False, verbose_name=_("taken live by"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        ordering = ["project__code"]
        verbose_name = _("project plan")
        verbose_name_plural = _("project plans")

    def __str__(self) -> str:
        return str(self.project)

    def get_absolute_url(self) -> str:
        return reverse("planning:plan-detail", kwargs={"code": self.project.code})

    @property
    def after_sales_percent(self) -> int | None:
        return None if self.presales_percent is None else 100 - self.presales_percent


class Phase(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="phases", verbose_name=_("plan"))
    key = models.CharField(_("template phase"), max_length=32)
    name = models.CharField(_("name"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"))
    start_date = models.DateField(_("start"))
    end_date = models.DateField(_("end"))
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="plan__project__vendors")

    class Meta:
        ordering = ["plan", "order"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        constraints = [
            models.UniqueConstraint(fields=["plan", "key"], name="planning_phase_key_once"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="planning_phase_dates"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("A phase cannot end before it starts.")})


class Milestone(models.Model):
    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="milestones", verbose_name=_("phase"))
    name = models.CharField(_("milestone"), max_length=200)
    due_date = models.DateField(_("due date"))
    is_go_live = models.BooleanField(_("go-live milestone"), default=False, editable=False)
    done_at = models.DateTimeField(_("reached"), null=True, blank=True, editable=False)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", editable=False, verbose_name=_("reached by"))
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="phase__plan__project__vendors")

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")

    def __str__(self) -> str:
        return self.name

    def clean(self):
        # The go-live gate holds for every writer that validates (forms, services, admin):
        # the go-live milestone is reached only when the readiness checklist holds.
        if self.is_go_live and self.done_at and self.pk:
            was_done = Milestone.objects.filter(pk=self.pk, done_at__isnull=False).exists()
            if not was_done:
                from steward.planning import selectors

                unmet = [c for c in selectors.readiness(self.phase.plan) if not c.met]
                if unmet:
                    raise ValidationError(_("Go-live is blocked: %(reasons)s")
                                          % {"reasons": " ".join(selectors.reason_text(c) for c in unmet)})


class Task(models.Model):
    class Status(models.TextChoices):
        TODO = "todo", _("To do")
        IN_PROGRESS = "in_progress", _("In progress")
        BLOCKED = "blocked", _("Blocked")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    class Priority(models.TextChoices):
        URGENT = "urgent", _("Urgent")
        HIGH = "high", _("High")
        NORMAL = "normal", _("Normal")
        LOW = "low", _("Low")

    # Statuses that need every dependency done first.
    NEEDS_DEPENDENCIES = (Status.IN_PROGRESS, Status.DONE)
    FINISHED = (Status.DONE, Status.CANCELLED)

    phase = models.ForeignKey(Phase, on_delete=models.CASCADE, related_name="tasks", verbose_name=_("phase"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="planning_tasks", verbose_name=_("assignee"))
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.TODO)
    start_date = models.DateField(_("start"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    effort = models.PositiveSmallIntegerField(_("effort (days)"), default=1,
                                              validators=[MinValueValidator(1), MaxValueValidator(365)])
    depends_on = models.ManyToManyField("self", symmetrical=False, related_name="dependents", blank=True,
                                        verbose_name=_("depends on"))
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True, editable=False)
    last_reminded_on = models.DateField(_("last reminded"), null=True, blank=True, editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[depends_on])

    objects = VisibleManager()
    visibility = Visibility(vendor="phase__plan__project__vendors", agent="assignee")

    class Meta:
        ordering = ["phase__order", "due_date", "pk"]
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        constraints = [
            models.CheckConstraint(condition=Q(effort__gte=1), name="planning_task_effort_positive"),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True) | Q(due_date__isnull=True) | Q(due_date__gte=models.F("start_date")),
                name="planning_task_dates"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("planning:task-detail", kwargs={"pk": self.pk})

    def clean(self):
        if self.start_date and self.due_date and self.due_date < self.start_date:
            raise ValidationError({"due_date": _("The due date cannot come before the start.")})

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class RaciParty(models.Model):
    """A column of the RACI matrix: a role on the client's side or at one of the project's vendors."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="raci_parties", verbose_name=_("plan"))
    name = models.CharField(_("role"), max_length=100)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("vendor"), help_text=_("Empty for a role on the client's side."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="plan__project__vendors")

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("RACI party")
        verbose_name_plural = _("RACI parties")
        constraints = [models.UniqueConstraint(fields=["plan", "name", "vendor"], name="planning_raci_party_once",
                                               nulls_distinct=False)]

    def __str__(self) -> str:
        return self.name


class RaciActivity(models.Model):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="raci_activities", verbose_name=_("plan"))
    name = models.CharField(_("activity"), max_length=200)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="plan__project__vendors")

    class Meta:
        ordering = ["plan", "order", "pk"]
        verbose_name = _("RACI activity")
        verbose_name_plural = _("RACI activities")
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="planning_raci_activity_once")]

    def __str__(self) -> str:
        return self.name


class RaciAssignment(models.Model):
    class Letter(models.TextChoices):
        RESPONSIBLE = "R", _("Responsible")
        ACCOUNTABLE = "A", _("Accountable")
        CONSULTED = "C", _("Consulted")
        INFORMED = "I", _("Informed")

    activity = models.ForeignKey(RaciActivity, on_delete=models.CASCADE, related_name="assignments",
                                 verbose_name=_("activity"))
    party = models.ForeignKey(RaciParty, on_delete=models.CASCADE, related_name="assignments",
                              verbose_name=_("party"))
    letter = models.CharField(_("RACI"), max_length=1, choices=Letter.choices)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="activity__plan__project__vendors")

    class Meta:
        verbose_name = _("RACI assignment")
        verbose_name_plural = _("RACI assignments")
        constraints = [
            models.UniqueConstraint(fields=["activity", "party"], name="planning_raci_cell_once"),
            # At most one A per activity in the database too; "exactly one" is checked on save.
            models.UniqueConstraint(fields=["activity"], condition=Q(letter="A"), name="planning_raci_one_accountable"),
        ]


class ReadinessSignoff(models.Model):
    """A go-live checklist item recorded by a client user: who said so, and when."""

    class Item(models.TextChoices):
        DATA_HANDOVER = "data_handover", _("Data handover done")
        SYSTEM_ACCESS = "system_access", _("System access granted")
        SECURITY = "security_signoff", _("Security sign-off")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="signoffs", verbose_name=_("plan"))
    item = models.CharField(_("item"), max_length=20, choices=Item.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="plan__project__vendors")

    class Meta:
        ordering = ["plan", "item"]
        verbose_name = _("readiness sign-off")
        verbose_name_plural = _("readiness sign-offs")
        constraints = [models.UniqueConstraint(fields=["plan", "item"], name="planning_signoff_once")]
