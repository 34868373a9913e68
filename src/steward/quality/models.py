"""Quality assurance: scorecards (versioned), evaluations of contacts, disputes and their history.

A scorecard belongs to a project; its content lives in numbered versions. A draft version may
change; a published one never does (services refuse, and evaluations point at the exact
version they used, so an old score always reads against the criteria it was given on).

Visibility: scorecards reach a vendor through the project's vendors. Evaluations carry the
contact's vendor, and reach an agent through the contact's agent (the roster row's user), so an
agent sees the evaluations of their own contacts only.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from steward.core.models import Project, Vendor, code_validator
from steward.core.visibility import Visibility, VisibleManager
from steward.interactions.models import Interaction
from steward.quality import compliance, scoring


def _localised(en: str, zh: str) -> str:
    return zh if zh and (get_language() or "").startswith("zh") else en


class Scorecard(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="scorecards",
                                verbose_name=_("project"))
    code = models.CharField(_("code"), max_length=32, validators=[code_validator])
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        ordering = ["project", "code"]
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="scorecard_code_per_project")]

    def __str__(self) -> str:
        return self.code

    def get_absolute_url(self) -> str:
        return reverse("quality:scorecard-detail", kwargs={"pk": self.pk})

    @property
    def current(self) -> "ScorecardVersion | None":
        """The newest published version: the one new evaluations use."""
        return self.versions.filter(status=ScorecardVersion.Status.PUBLISHED).order_by("-number").first()


class ScorecardVersion(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        RETIRED = "retired", _("Retired")

    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="versions",
                                  verbose_name=_("scorecard"))
    number = models.PositiveIntegerField(_("version"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    name = models.CharField(_("name"), max_length=200)
    name_zh = models.CharField(_("name (Chinese)"), max_length=200, blank=True)
    pass_mark = models.DecimalField(_("pass mark"), max_digits=5, decimal_places=2,
                                    validators=[MinValueValidator(0), MaxValueValidator(100)])
    dispute_days = models.PositiveIntegerField(_("days to dispute"), default=7,
                                               validators=[MaxValueValidator(365)])
    source = models.TextField(_("YAML"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("published by"))
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="scorecard__project__vendors")

    class Meta:
        ordering = ["scorecard", "-number"]
        verbose_name = _("scorecard version")
        verbose_name_plural = _("scorecard versions")
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "number"], name="scorecard_version_number"),
            # At most one draft at a time, so "the draft" is unambiguous.
            models.UniqueConstraint(fields=["scorecard"], condition=models.Q(status="draft"),
                                    name="scorecard_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("quality:version-detail", kwargs={"pk": self.pk})

    @property
    def display_name(self) -> str:
        return _localised(self.name, self.name_zh)

    @property
    def is_draft(self) -> bool:
        return self.status == self.Status.DRAFT

    def ordered_criteria(self) -> list["Criterion"]:
        return list(Criterion.objects.filter(section__version=self).select_related("section")
                    .order_by("section__position", "position"))

    def specs(self) -> list[scoring.CriterionSpec]:
        return [c.spec() for c in self.ordered_criteria()]


class Section(models.Model):
    version = models.ForeignKey(ScorecardVersion, on_delete=models.CASCADE, related_name="sections",
                                verbose_name=_("version"))
    position = models.PositiveIntegerField(_("position"))
    title = models.CharField(_("title"), max_length=200)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200, blank=True)

    class Meta:
        ordering = ["version", "position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        return _localised(self.title, self.title_zh)


class Criterion(models.Model):
    class Scale(models.TextChoices):
        YES_NO = scoring.YES_NO, _("Yes / no / N.A.")
        ONE_TO_FIVE = scoring.ONE_TO_FIVE, _("1 to 5")

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="criteria",
                                verbose_name=_("section"))
    position = models.PositiveIntegerField(_("position"))
    key = models.CharField(_("key"), max_length=64)
    label = models.CharField(_("label"), max_length=500)
    label_zh = models.CharField(_("label (Chinese)"), max_length=500, blank=True)
    weight = models.DecimalField(_("weight"), max_digits=8, decimal_places=2,
                                 validators=[MinValueValidator(0)])
    scale = models.CharField(_("scale"), max_length=8, choices=Scale.choices, default=Scale.YES_NO)
    na_allowed = models.BooleanField(_("N.A. allowed"), default=True)
    auto_fail = models.BooleanField(_("auto-fail"), default=False)
    guidance = models.TextField(_("guidance"), blank=True)
    guidance_zh = models.TextField(_("guidance (Chinese)"), blank=True)

    class Meta:
        ordering = ["section", "position"]
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return _localised(self.label, self.label_zh)

    @property
    def display_guidance(self) -> str:
        return _localised(self.guidance, self.guidance_zh)

    def spec(self) -> scoring.CriterionSpec:
        return scoring.CriterionSpec(key=self.key, weight=self.weight, scale=self.scale,
                                     auto_fail=self.auto_fail, na_allowed=self.na_allowed)

    def choices(self) -> list[tuple[str, str]]:
        labels = {scoring.YES: _("Yes"), scoring.NO: _("No"), scoring.NA: _("N.A.")}
        return [(v, labels.get(v, v)) for v in scoring.allowed_answers(self.spec())]


class Evaluation(models.Model):
    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("To evaluate")
        SUBMITTED = "submitted", _("Submitted")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DISPUTED = "disputed", _("Disputed")
        FINAL = "final", _("Final after re-review")

    interaction = models.ForeignKey(Interaction, on_delete=models.PROTECT, related_name="evaluations",
                                    verbose_name=_("contact"))
    # The contact's vendor, copied for fast scoping (a contact never changes vendor).
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="evaluations",
                               verbose_name=_("vendor"))
    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="evaluations",
                                verbose_name=_("scorecard version"))
    analyst = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="evaluations",
                                verbose_name=_("analyst"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    comment = models.TextField(_("overall comment"), blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    auto_failed = models.BooleanField(_("auto-failed"), default=False)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    # The score first submitted, kept when a re-review changes `score`.
    original_score = models.DecimalField(_("original score"), max_digits=5, decimal_places=2, null=True, blank=True)
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    dispute_until = models.DateTimeField(_("dispute until"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                        related_name="+", verbose_name=_("acknowledged by"))
    # Set when a sampling plan drew the contact.
    plan = models.ForeignKey("SamplingPlan", on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="evaluations", verbose_name=_("sampling plan"))
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor", agent="interaction__agent__user")

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        constraints = [
            models.UniqueConstraint(fields=["interaction", "version"], name="evaluation_once_per_version"),
        ]
        indexes = [models.Index(fields=["analyst", "status"], name="evaluation_queue")]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("quality:evaluation-detail", kwargs={"pk": self.pk})

    @property
    def is_submitted(self) -> bool:
        return self.status != self.Status.ASSIGNED


class EvaluationAnswer(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers",
                                   verbose_name=_("evaluation"))
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="answers",
                                  verbose_name=_("criterion"))
    value = models.CharField(_("answer"), max_length=4)
    comment = models.TextField(_("comment"), blank=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="evaluation__vendor", agent="evaluation__interaction__agent__user")

    class Meta:
        ordering = ["evaluation", "criterion__section__position", "criterion__position"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [models.UniqueConstraint(fields=["evaluation", "criterion"], name="answer_once")]

    def __str__(self) -> str:
        return f"{self.criterion.key}={self.value}"


class Dispute(models.Model):
    class Decision(models.TextChoices):
        PENDING = "pending", _("Awaiting re-review")
        UPHELD = "upheld", _("Score upheld")
        AMENDED = "amended", _("Score amended")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="disputes",
                                   verbose_name=_("evaluation"))
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("raised by"))
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    reason = models.TextField(_("reason"))
    # A different analyst from the evaluator; empty until one is available to take it.
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="disputes_to_review", verbose_name=_("reviewer"))
    decision = models.CharField(_("decision"), max_length=12, choices=Decision.choices, default=Decision.PENDING)
    review_comment = models.TextField(_("re-review comment"), blank=True)
    reviewed_at = models.DateTimeField(_("re-reviewed"), null=True, blank=True)
    score_before = models.DecimalField(_("score before"), max_digits=5, decimal_places=2, null=True, blank=True)
    score_after = models.DecimalField(_("score after"), max_digits=5, decimal_places=2, null=True, blank=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="evaluation__vendor", agent="evaluation__interaction__agent__user")

    class Meta:
        ordering = ["-raised_at", "-pk"]
        verbose_name = _("dispute")
        verbose_name_plural = _("disputes")

    def __str__(self) -> str:
        return f"{self.evaluation} · {self.get_decision_display()}"


class EvaluationEvent(models.Model):
    """The evaluation's timeline: who did what, the score at that moment and the answers given."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        SUBMITTED = "submitted", _("Submitted")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DISPUTED = "disputed", _("Disputed")
        REVIEWED = "reviewed", _("Re-reviewed")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="events",
                                   verbose_name=_("evaluation"))
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    # {criterion key: [answer, comment]} as they stood after this event.
    answers = models.JSONField(_("answers"), default=dict, blank=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="evaluation__vendor", agent="evaluation__interaction__agent__user")

    class Meta:
        ordering = ["evaluation", "at", "pk"]
        verbose_name = _("evaluation event")
        verbose_name_plural = _("evaluation events")

    def __str__(self) -> str:
        return f"{self.evaluation} {self.get_kind_display()}"


class SamplingPlan(models.Model):
    """Draws up to N contacts per agent per week for evaluation; the seed is stored, so the same
    plan over the same contacts always draws the same ones (see drawing.py)."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="sampling_plans",
                                  verbose_name=_("scorecard"))
    name = models.CharField(_("name"), max_length=200)
    per_agent_per_week = models.PositiveIntegerField(_("contacts per agent per week"), default=5,
                                                     validators=[MinValueValidator(1), MaxValueValidator(500)])
    # When set, each agent-week gives this percentage of its contacts (rounded up) instead of N.
    share_percent = models.DecimalField(_("share of contacts (%)"), max_digits=5, decimal_places=2, null=True,
                                        blank=True, validators=[MinValueValidator(Decimal("0.01")),
                                                                MaxValueValidator(100)])
    seed = models.BigIntegerField(_("seed"), validators=[MinValueValidator(0)])
    # Draw N (or the share) separately in each channel / queue / outcome of an agent-week.
    stratify_by = models.CharField(_("stratify by"), max_length=12, blank=True, choices=[
        ("channel", _("Channel")), ("queue", _("Queue")), ("outcome", _("Outcome"))])
    # Targeted rules: contacts matching any of them are drawn in addition, up to N per agent-week.
    targets = models.JSONField(_("targeted contacts"), default=list, blank=True)
    long_handle_seconds = models.PositiveIntegerField(_("long handle time (s)"), default=900,
                                                      validators=[MinValueValidator(60), MaxValueValidator(86400)])
    # Negative customer sentiment: at least this many negative-emotion terms (emotion.py).
    negative_sentiment_min = models.PositiveSmallIntegerField(
        _("negative customer sentiment from (terms)"), default=2,
        validators=[MinValueValidator(1), MaxValueValidator(20)])
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="scorecard__project__vendors")

    TARGETS = {"low_csat": _("Low CSAT (1–2)"), "complaint": _("Complaint"),
               "long_handle": _("Long handle time"), "compliance_hit": _("Compliance hit"),
               "negative_sentiment": _("Negative customer sentiment")}

    def target_labels(self) -> list[str]:
        return [str(self.TARGETS[t]) for t in self.targets if t in self.TARGETS]

    class Meta:
        ordering = ["scorecard", "name"]
        verbose_name = _("sampling plan")
        verbose_name_plural = _("sampling plans")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("quality:plan-detail", kwargs={"pk": self.pk})


class ComplianceRule(models.Model):
    """One brand-manual rule of a project, applied to every transcript by compliance.Scanner."""

    class Kind(models.TextChoices):
        BANNED = compliance.BANNED, _("Banned phrase")
        REQUIRED = compliance.REQUIRED, _("Required phrase")
        REGEX = compliance.REGEX, _("Regular expression")
        PII = compliance.PII, _("Personal data")

    class Speaker(models.TextChoices):
        ANY = compliance.ANY, _("Anyone")
        AGENT = compliance.AGENT, _("Agent")
        CUSTOMER = compliance.CUSTOMER, _("Customer")

    class Scope(models.TextChoices):
        ANYWHERE = compliance.ANYWHERE, _("Anywhere")
        OPENING = compliance.OPENING, _("Opening (first turns)")
        CLOSING = compliance.CLOSING, _("Closing (last turns)")

    class PiiKind(models.TextChoices):
        RESIDENT_ID = compliance.RESIDENT_ID, _("Resident ID number")
        BANK_CARD = compliance.BANK_CARD, _("Bank card number")
        MOBILE = compliance.MOBILE, _("Mobile number")
        LANDLINE = compliance.LANDLINE, _("Landline number")
        EMAIL = compliance.EMAIL, _("E-mail address")

    class Severity(models.TextChoices):
        LOW = "low", _("Low")
        MEDIUM = "medium", _("Medium")
        HIGH = "high", _("High")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="compliance_rules",
                                verbose_name=_("project"))
    code = models.CharField(_("code"), max_length=64, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    phrases = models.TextField(_("phrases"), blank=True, help_text=_("One per line; any of them counts."))
    pattern = models.CharField(_("regular expression"), max_length=500, blank=True)
    pii_kind = models.CharField(_("personal data"), max_length=16, choices=PiiKind.choices, blank=True)
    speaker = models.CharField(_("said by"), max_length=12, choices=Speaker.choices, default=Speaker.ANY)
    scope = models.CharField(_("where"), max_length=12, choices=Scope.choices, default=Scope.ANYWHERE)
    turns = models.PositiveSmallIntegerField(_("turns (opening / closing)"), default=2,
                                             validators=[MinValueValidator(1), MaxValueValidator(50)])
    whole_word = models.BooleanField(_("whole words only"), default=False)
    severity = models.CharField(_("severity"), max_length=8, choices=Severity.choices, default=Severity.MEDIUM)
    active = models.BooleanField(_("active"), default=True)
    source = models.CharField(_("source"), max_length=200, blank=True,
                              help_text=_("Where the rule comes from, e.g. the brand manual's section."))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        ordering = ["project", "code"]
        verbose_name = _("compliance rule")
        verbose_name_plural = _("compliance rules")
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="compliance_rule_code")]

    def __str__(self) -> str:
        return f"{self.code} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("quality:rule-detail", kwargs={"pk": self.pk})

    def spec(self) -> compliance.RuleSpec:
        return compliance.RuleSpec(key=self.pk, kind=self.kind, phrases=compliance.parse_phrases(self.phrases),
                                   pattern=self.pattern, pii=self.pii_kind, speaker=self.speaker,
                                   scope=self.scope, turns=self.turns, whole_word=self.whole_word)

    def phrase_list(self) -> tuple[str, ...]:
        return compliance.parse_phrases(self.phrases)


class ComplianceHit(models.Model):
    """A rule's hit in one contact's transcript; the excerpt and matched text are PII-masked."""

    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="compliance_hits",
                                    verbose_name=_("contact"))
    rule = models.ForeignKey(ComplianceRule, on_delete=models.CASCADE, related_name="hits",
                             verbose_name=_("rule"))
    # Copied from the contact for fast filters and scoping (a contact never changes them).
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="+", verbose_name=_("project"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+", verbose_name=_("vendor"))
    agent_code = models.CharField(_("agent code"), max_length=64, blank=True)
    arrived_at = models.DateTimeField(_("arrived"))
    kind = models.CharField(_("kind"), max_length=12, choices=ComplianceRule.Kind.choices)
    turn = models.PositiveIntegerField(_("turn"), null=True, blank=True)
    speaker = models.CharField(_("said by"), max_length=12, blank=True, choices=[
        (compliance.AGENT, _("Agent")), (compliance.CUSTOMER, _("Customer")), ("system", _("System")),
        ("bot", _("Bot")), ("", _("Unknown"))])
    start = models.PositiveIntegerField(_("from"), null=True, blank=True)
    end = models.PositiveIntegerField(_("to"), null=True, blank=True)
    matched = models.CharField(_("matched"), max_length=500, blank=True)
    excerpt = models.CharField(_("excerpt"), max_length=1000, blank=True)
    excerpt_at = models.PositiveIntegerField(default=0)
    detail = models.CharField(_("detail"), max_length=200, blank=True)
    found_at = models.DateTimeField(_("found"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor", agent="interaction__agent__user")

    class Meta:
        ordering = ["-arrived_at", "interaction", "start", "pk"]
        verbose_name = _("compliance hit")
        verbose_name_plural = _("compliance hits")
        indexes = [models.Index(fields=["project", "vendor", "arrived_at"], name="compliance_hit_period"),
                   models.Index(fields=["rule", "arrived_at"], name="compliance_hit_rule")]

    def __str__(self) -> str:
        return f"{self.rule.code} @ {self.interaction_id}"

    def excerpt_parts(self) -> tuple[str, str, str]:
        """(before, match, after) for highlighting; the whole excerpt in `before` for a missing phrase."""
        if self.start is None:
            return self.excerpt, "", ""
        length = self.end - self.start
        return (self.excerpt[:self.excerpt_at], self.excerpt[self.excerpt_at:self.excerpt_at + length],
                self.excerpt[self.excerpt_at + length:])


class ComplianceScan(models.Model):
    """The last scan of a contact: the fingerprint of its transcript and of the project's active
    rules. A scan with the same fingerprint is skipped, so scanning is idempotent."""

    interaction = models.OneToOneField(Interaction, on_delete=models.CASCADE, related_name="compliance_scan",
                                       verbose_name=_("contact"))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    hits = models.PositiveIntegerField(_("hits"), default=0)
    scanned_at = models.DateTimeField(_("scanned"), auto_now=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="interaction__vendor", agent="interaction__agent__user")

    class Meta:
        verbose_name = _("compliance scan")
        verbose_name_plural = _("compliance scans")

    def __str__(self) -> str:
        return f"{self.interaction_id}: {self.hits}"


class CalibrationSession(models.Model):
    """Several evaluators score the same contacts on one scorecard version, blind: nobody sees
    another's scores before submitting their own for every contact (or the session closing)."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    version = models.ForeignKey(ScorecardVersion, on_delete=models.PROTECT, related_name="calibrations",
                                verbose_name=_("scorecard version"))
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    evaluators = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="calibration_sessions",
                                        verbose_name=_("evaluators"))
    contacts = models.ManyToManyField(Interaction, related_name="+", verbose_name=_("contacts"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="contacts__vendor")

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("calibration session")
        verbose_name_plural = _("calibration sessions")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quality:calibration-detail", kwargs={"pk": self.pk})


class CalibrationScore(models.Model):
    """One evaluator's answers on one contact of a session; final once submitted."""

    session = models.ForeignKey(CalibrationSession, on_delete=models.CASCADE, related_name="scores",
                                verbose_name=_("calibration session"))
    interaction = models.ForeignKey(Interaction, on_delete=models.CASCADE, related_name="+",
                                    verbose_name=_("contact"))
    evaluator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                  verbose_name=_("evaluator"))
    answers = models.JSONField(_("answers"), default=dict)  # {criterion key: answer}
    comment = models.TextField(_("comment"), blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=2, null=True, blank=True)
    auto_failed = models.BooleanField(_("auto-failed"), default=False)
    submitted_at = models.DateTimeField(_("submitted"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="interaction__vendor")

    class Meta:
        ordering = ["session", "interaction", "evaluator"]
        verbose_name = _("calibration score")
        verbose_name_plural = _("calibration scores")
        constraints = [models.UniqueConstraint(fields=["session", "interaction", "evaluator"],
                                               name="calibration_score_once")]

    def __str__(self) -> str:
        return f"{self.session} · {self.interaction_id} · {self.evaluator_id}"


class Coaching(models.Model):
    """Coaching that follows an evaluation: a note to take to heart, or a training course to take,
    assigned to the contact's agent and tracked to completion.

    open → in progress (the agent acknowledges) → done (the agent marks it done, with a note) →
    completed (the assigner verifies it; or sends it back to in progress); cancelled by the
    assigner at any point before completion. Every step is a CoachingEvent."""

    class Kind(models.TextChoices):
        NOTE = "note", _("Coaching note")
        TRAINING = "training", _("Training")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done, to verify")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")

    ACTIVE = (Status.OPEN, Status.IN_PROGRESS)  # may be overdue

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="coachings",
                                   verbose_name=_("evaluation"))
    # The contact's vendor and agent, copied for scoping (a contact never changes them).
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="+", verbose_name=_("vendor"))
    agent = models.ForeignKey("interactions.Agent", on_delete=models.PROTECT, related_name="coachings",
                              verbose_name=_("agent"))
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("assigned by"))
    assigned_at = models.DateTimeField(_("assigned"), auto_now_add=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.NOTE)
    course = models.ForeignKey("training.Course", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name=_("course"))
    text = models.TextField(_("coaching"))
    due_on = models.DateField(_("due"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.OPEN)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    done_at = models.DateTimeField(_("marked done"), null=True, blank=True)
    completion_note = models.TextField(_("completion note"), blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("verified by"))
    verified_at = models.DateTimeField(_("verified"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # The day an overdue reminder last went out (the daily run reminds once a week).
    reminded_on = models.DateField(null=True, blank=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor", agent="agent__user")

    class Meta:
        ordering = ["-assigned_at", "-pk"]
        verbose_name = _("coaching")
        verbose_name_plural = _("coachings")
        constraints = [
            models.CheckConstraint(condition=~models.Q(kind="training") | models.Q(course__isnull=False),
                                   name="coaching_training_has_course"),
        ]
        indexes = [models.Index(fields=["status", "due_on"], name="coaching_due")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("quality:coaching-detail", kwargs={"pk": self.pk})

    def is_overdue(self, today) -> bool:
        return self.status in self.ACTIVE and self.due_on < today


class CoachingEvent(models.Model):
    """A coaching's timeline: who moved it where, when, with what note."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        DONE = "done", _("Marked done")
        VERIFIED = "verified", _("Completion verified")
        REOPENED = "reopened", _("Sent back")
        CANCELLED = "cancelled", _("Cancelled")
        REMINDED = "reminded", _("Overdue reminder")

    coaching = models.ForeignKey(Coaching, on_delete=models.CASCADE, related_name="events",
                                 verbose_name=_("coaching"))
    kind = models.CharField(_("event"), max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="coaching__vendor", agent="coaching__agent__user")

    class Meta:
        ordering = ["coaching", "at", "pk"]
        verbose_name = _("coaching event")
        verbose_name_plural = _("coaching events")

    def __str__(self) -> str:
        return f"{self.coaching} {self.get_kind_display()}"
