"""Continuous improvement: corrective actions (CAPA) raised against a vendor, and the risk
register per project with contingency plans."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from steward.core.models import Project, Vendor
from steward.core.visibility import Visibility, VisibleManager
from steward.improvement import scoring, workflow


class CorrectiveAction(models.Model):
    class Source(models.TextChoices):
        KPI_BREACH = "kpi_breach", _("KPI breach")
        QA_FINDING = "qa_finding", _("QA finding")
        COMPLAINT = "complaint", _("Complaint trend")
        AUDIT = "audit", _("Audit")
        FEEDBACK = "feedback", _("Agent feedback")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = workflow.Status.OPEN.value, _("Open")
        RESPONDED = workflow.Status.RESPONDED.value, _("Vendor responded")
        IN_PROGRESS = workflow.Status.IN_PROGRESS.value, _("Action in progress")
        VERIFICATION = workflow.Status.VERIFICATION.value, _("Verification")
        CLOSED = workflow.Status.CLOSED.value, _("Closed")
        REOPENED = workflow.Status.REOPENED.value, _("Reopened")

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="corrective_actions",
                               verbose_name=_("vendor"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="corrective_actions", verbose_name=_("project"))
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices, default=Source.OTHER)
    # Free text until the metrics and quality apps offer objects to link (breach id, evaluation).
    source_reference = models.CharField(_("source reference"), max_length=200, blank=True)
    problem = models.TextField(_("problem statement"))
    whys = models.JSONField(_("five whys"), default=list, blank=True)
    root_cause = models.TextField(_("root cause"), blank=True)
    vendor_response = models.TextField(_("vendor's response"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    due_date = models.DateField(_("due date"))
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("opened by"))
    opened_at = models.DateTimeField(_("opened"), auto_now_add=True)
    verification_note = models.TextField(_("verification"), blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("verified by"))
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    lessons = models.TextField(_("lessons learned"), blank=True,
                               help_text=_("What worked and what did not, for the case library."))
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["-opened_at", "-pk"]
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        permissions = [("verify_correctiveaction", _("Can verify and close corrective actions"))]

    def __str__(self) -> str:
        return f"CAPA-{self.pk}: {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("capa-detail", kwargs={"pk": self.pk})

    @property
    def reference(self) -> str:
        return f"CAPA-{self.pk}"


class CapaAction(models.Model):
    """One step of the plan that fixes the problem."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    FINISHED = (Status.DONE, Status.CANCELLED)

    capa = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="actions",
                             verbose_name=_("corrective action"))
    description = models.CharField(_("action"), max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="capa_actions",
                              verbose_name=_("owner"))
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="capa__vendor")

    class Meta:
        ordering = ["due_date", "pk"]
        verbose_name = _("corrective action step")
        verbose_name_plural = _("corrective action steps")

    def __str__(self) -> str:
        return self.description

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class CapaEvent(models.Model):
    """The case's path through the workflow: who moved it, when, and why."""

    capa = models.ForeignKey(CorrectiveAction, on_delete=models.CASCADE, related_name="events",
                             verbose_name=_("corrective action"))
    from_status = models.CharField(_("from"), max_length=16, choices=CorrectiveAction.Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=CorrectiveAction.Status.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="capa__vendor")

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("corrective action event")
        verbose_name_plural = _("corrective action events")


class Risk(models.Model):
    class Category(models.TextChoices):
        CUSTOMER_CHURN = "customer_churn", _("Customer churn")
        TECHNOLOGY = "technology", _("Technology failure")
        ATTRITION = "attrition", _("Agent attrition")
        DATA_BREACH = "data_breach", _("Data breach")
        VENDOR_FINANCIAL = "vendor_financial", _("Vendor financial health")
        PEAK_CAPACITY = "peak_capacity", _("Peak-season capacity")
        COMPLIANCE = "compliance", _("Compliance")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        MITIGATING = "mitigating", _("Being mitigated")
        ACCEPTED = "accepted", _("Accepted")
        OCCURRED = "occurred", _("Occurred: contingency running")
        CLOSED = "closed", _("Closed")

    SCALE = [MinValueValidator(1), MaxValueValidator(5)]

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="risks", verbose_name=_("project"))
    title = models.CharField(_("risk"), max_length=200)
    category = models.CharField(_("category"), max_length=20, choices=Category.choices, default=Category.OTHER)
    description = models.TextField(_("description"), blank=True)
    likelihood = models.PositiveSmallIntegerField(_("likelihood (1–5)"), validators=SCALE)
    impact = models.PositiveSmallIntegerField(_("impact (1–5)"), validators=SCALE)
    # likelihood × impact, kept by save() so lists can sort and filter on it.
    score = models.PositiveSmallIntegerField(_("score"), default=1, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_risks",
                              verbose_name=_("owner"))
    mitigation = models.TextField(_("mitigation"), blank=True)
    contingency_trigger = models.TextField(_("contingency trigger"), blank=True,
                                           help_text=_("What tells us the risk is happening."))
    contingency_plan = models.TextField(_("contingency plan"), blank=True,
                                        help_text=_("The steps to take when the trigger fires."))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN)
    review_date = models.DateField(_("next review"))
    # The vendors that see this risk; none keeps it internal to the client (e.g. a vendor's
    # financial health).
    vendors = models.ManyToManyField(Vendor, related_name="risks", blank=True, verbose_name=_("shared with vendors"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords(m2m_fields=[vendors])

    objects = VisibleManager()
    visibility = Visibility(vendor="vendors")

    class Meta:
        ordering = ["-score", "review_date", "pk"]
        verbose_name = _("risk")
        verbose_name_plural = _("risks")
        constraints = [
            models.CheckConstraint(condition=Q(likelihood__gte=1, likelihood__lte=5, impact__gte=1, impact__lte=5),
                                   name="risk_scales_one_to_five"),
            models.CheckConstraint(condition=Q(score=models.F("likelihood") * models.F("impact")),
                                   name="risk_score_is_likelihood_times_impact"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("risk-detail", kwargs={"pk": self.pk})

    def _sync_score(self) -> None:
        if self.likelihood in scoring.SCALE and self.impact in scoring.SCALE:
            self.score = scoring.score(self.likelihood, self.impact)

    def full_clean(self, *args, **kwargs):
        self._sync_score()  # before the constraint check compares it
        super().full_clean(*args, **kwargs)

    def save(self, *args, **kwargs):
        self._sync_score()
        super().save(*args, **kwargs)

    @property
    def band(self) -> str:
        return scoring.band(self.score)
