"""Knowledge base (articles with immutable published versions and per-version acknowledgements)
and training (programmes, courses, sessions with attendance, assessments with results,
certifications that expire unless refreshed, and the trainings each project requires).

An agent may be active only while certified for every training its projects require: the
check lives in `steward.training.gate` and is called from `interactions.Agent` itself (save,
clean, queryset update, project assignment), so no path can bypass it.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from steward.core.models import Project, Vendor, code_validator
from steward.core.visibility import Visibility, VisibleManager, VisibleQuerySet
from steward.interactions.models import Agent


class KnowledgeQuerySet(VisibleQuerySet):
    """Global articles (no project) are read by everyone signed in; a project's articles only by
    the client and the vendors working on that project. `project_path` leads to the article's
    project."""

    project_path = "project"

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.is_client_side:
            return self
        if user.vendor_id is None:
            return self.none()
        p = self.project_path
        rows = self.model._base_manager.filter(Q(**{f"{p}__isnull": True}) | Q(**{f"{p}__vendors": user.vendor_id}))
        return self.filter(pk__in=rows.values("pk"))


class VersionQuerySet(KnowledgeQuerySet):
    project_path = "article__project"


class Article(models.Model):
    class Kind(models.TextChoices):
        PRODUCT = "product", _("Product")
        POLICY = "policy", _("Policy")
        FAQ = "faq", _("FAQ")
        BRAND_MANUAL = "brand_manual", _("Brand manual")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, null=True, blank=True,
                                related_name="articles", verbose_name=_("project"),
                                help_text=_("Empty for an article every project uses."))
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.PRODUCT)
    title = models.CharField(_("title"), max_length=200)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    objects = models.Manager.from_queryset(KnowledgeQuerySet)()
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        ordering = ["code"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("training:article", kwargs={"code": self.code})

    @property
    def current_version(self) -> "ArticleVersion | None":
        return self.versions.filter(published_at__isnull=False).order_by("-number").first()


class ArticleVersion(models.Model):
    """One version of an article. A draft may be edited; once published it never changes (an
    edit creates the next draft)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions",
                                verbose_name=_("article"))
    number = models.PositiveIntegerField(_("version"))
    body = models.TextField(_("text"))
    sample_dialogues = models.TextField(_("sample dialogues"), blank=True,
                                        help_text=_("Lines `agent: ...` / `customer: ...`; dialogues separated by a blank line."))
    banned_phrases = models.JSONField(_("banned phrases"), default=list, blank=True)
    required_phrases = models.JSONField(_("required phrases"), default=list, blank=True)
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("published by"))
    history = HistoricalRecords()

    objects = models.Manager.from_queryset(VersionQuerySet)()
    visibility = Visibility(vendor="article__project__vendors")

    class Meta:
        ordering = ["article", "-number"]
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        constraints = [models.UniqueConstraint(fields=["article", "number"], name="article_version_number")]

    def __str__(self) -> str:
        return f"{self.article} v{self.number}"

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def save(self, *args, **kwargs):
        if self.pk:
            stored = ArticleVersion.objects.filter(pk=self.pk).values_list("published_at", flat=True).first()
            if stored is not None:
                raise ValidationError(_("A published version cannot be changed; edit the article to create a new version."))
        super().save(*args, **kwargs)


class Acknowledgement(models.Model):
    """An agent has read and acknowledged one published version."""

    version = models.ForeignKey(ArticleVersion, on_delete=models.PROTECT, related_name="acknowledgements",
                                verbose_name=_("version"))
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="acknowledgements",
                              verbose_name=_("agent"))
    acknowledged_at = models.DateTimeField(_("acknowledged"), auto_now_add=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="agent__vendor", agent="agent__user")

    class Meta:
        ordering = ["-acknowledged_at", "-pk"]
        verbose_name = _("acknowledgement")
        verbose_name_plural = _("acknowledgements")
        constraints = [models.UniqueConstraint(fields=["version", "agent"], name="acknowledge_once")]


class ClientContentQuerySet(VisibleQuerySet):
    """Programmes and courses are the client's curriculum: every signed-in user reads them."""

    def visible_to(self, user):
        if user is None or not user.is_authenticated or not user.is_active:
            return self.none()
        if user.is_superuser or user.is_client_side or user.vendor_id is not None:
            return self
        return self.none()


class Programme(models.Model):
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    history = HistoricalRecords()

    objects = models.Manager.from_queryset(ClientContentQuerySet)()
    visibility = Visibility(vendor="pk")

    class Meta:
        ordering = ["code"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="courses", verbose_name=_("programme"))
    code = models.CharField(_("code"), max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Months a certification stays valid; 0 = never expires. 1 = a monthly refresher.
    refresher_months = models.PositiveSmallIntegerField(
        _("refresher every (months)"), default=0, validators=[MaxValueValidator(60)],
        help_text=_("0 means the certification does not expire."))
    articles = models.ManyToManyField(Article, blank=True, related_name="courses",
                                      verbose_name=_("reading"))
    history = HistoricalRecords()

    objects = models.Manager.from_queryset(ClientContentQuerySet)()
    visibility = Visibility(vendor="pk")

    class Meta:
        ordering = ["code"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("training:course", kwargs={"code": self.code})


class RequiredTraining(models.Model):
    """A course every agent of the project must have passed (and kept valid) to be active."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="required_trainings",
                                verbose_name=_("project"))
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="required_by",
                               verbose_name=_("course"))
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        ordering = ["project", "course__code"]
        verbose_name = _("required training")
        verbose_name_plural = _("required trainings")
        constraints = [models.UniqueConstraint(fields=["project", "course"], name="required_training_once")]


class Assessment(models.Model):
    class Kind(models.TextChoices):
        WRITTEN = "written", _("Written test")
        ROLE_PLAY = "role_play", _("Role-play exercise")
        PRACTICAL = "practical", _("Practical (live contacts)")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assessments",
                               verbose_name=_("course"))
    code = models.CharField(_("code"), max_length=64, validators=[code_validator])
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.WRITTEN)
    # For role-plays: the customer's persona, the situation and what a good answer shows.
    scenario = models.TextField(_("scenario"), blank=True)
    max_score = models.DecimalField(_("maximum score"), max_digits=6, decimal_places=2, default=Decimal("100"),
                                    validators=[MinValueValidator(Decimal("0.01"))])
    pass_mark = models.DecimalField(_("pass mark"), max_digits=6, decimal_places=2, default=Decimal("80"),
                                    validators=[MinValueValidator(Decimal("0"))])
    history = HistoricalRecords()

    objects = models.Manager.from_queryset(ClientContentQuerySet)()
    visibility = Visibility(vendor="pk")

    class Meta:
        ordering = ["course", "code"]
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        constraints = [
            models.UniqueConstraint(fields=["course", "code"], name="assessment_code_per_course"),
            models.CheckConstraint(condition=Q(pass_mark__lte=models.F("max_score")), name="pass_mark_within_max"),
        ]

    def __str__(self) -> str:
        return f"{self.course.code}/{self.code}"


class Session(models.Model):
    """One sitting of a course for one vendor's agents, online or on site."""

    class Mode(models.TextChoices):
        ONLINE = "online", _("Online")
        ON_SITE = "on_site", _("On site")

    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="sessions",
                               verbose_name=_("course"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="training_sessions",
                               verbose_name=_("vendor"))
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices, default=Mode.ONLINE)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    location = models.CharField(_("location or link"), max_length=300, blank=True)
    trainer = models.CharField(_("trainer"), max_length=200, blank=True)
    refresher = models.BooleanField(_("refresher"), default=False)
    notes = models.TextField(_("notes"), blank=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["-starts_at", "-pk"]
        verbose_name = _("training session")
        verbose_name_plural = _("training sessions")
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                              name="session_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.course} {self.starts_at:%Y-%m-%d}"

    def get_absolute_url(self) -> str:
        return reverse("training:session", kwargs={"pk": self.pk})


class Attendance(models.Model):
    class Status(models.TextChoices):
        REGISTERED = "registered", _("Registered")
        ATTENDED = "attended", _("Attended")
        ABSENT = "absent", _("Absent")
        EXCUSED = "excused", _("Excused")

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendances",
                                verbose_name=_("session"))
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="attendances",
                              verbose_name=_("agent"))
    status = models.CharField(_("attendance"), max_length=12, choices=Status.choices, default=Status.REGISTERED)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="agent__vendor", agent="agent__user")

    class Meta:
        ordering = ["session", "agent__code"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [models.UniqueConstraint(fields=["session", "agent"], name="attend_once")]


class AssessmentResult(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="results",
                                   verbose_name=_("assessment"))
    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="assessment_results",
                              verbose_name=_("agent"))
    session = models.ForeignKey(Session, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="results", verbose_name=_("session"))
    taken_on = models.DateField(_("taken on"))
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2,
                                validators=[MinValueValidator(Decimal("0"))])
    # The pass mark in force when the result was recorded (a later change does not rewrite it).
    pass_mark = models.DecimalField(_("pass mark"), max_digits=6, decimal_places=2)
    passed = models.BooleanField(_("passed"))
    assessor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("assessor"))
    notes = models.TextField(_("notes"), blank=True)
    recorded_at = models.DateTimeField(_("recorded"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="agent__vendor", agent="agent__user")

    class Meta:
        ordering = ["-taken_on", "-pk"]
        verbose_name = _("assessment result")
        verbose_name_plural = _("assessment results")

    def get_absolute_url(self) -> str:
        return reverse("training:result", kwargs={"pk": self.pk})


class Certification(models.Model):
    """An agent passed every assessment of a course on `certified_on`; valid until `expires_on`
    (inclusive; empty = no expiry). A refresher passed later moves both dates forward."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="certifications",
                              verbose_name=_("agent"))
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="certifications",
                               verbose_name=_("course"))
    certified_on = models.DateField(_("certified on"))
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="agent__vendor", agent="agent__user")

    class Meta:
        ordering = ["agent", "course"]
        verbose_name = _("certification")
        verbose_name_plural = _("certifications")
        constraints = [models.UniqueConstraint(fields=["agent", "course"], name="certification_once")]

    def valid_on(self, day: date) -> bool:
        return self.certified_on <= day and (self.expires_on is None or self.expires_on >= day)


class TrainingReminder(models.Model):
    """A reminder that was sent, so the daily run never repeats one (see send_training_reminders)."""

    agent = models.ForeignKey(Agent, on_delete=models.CASCADE, related_name="+")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    stage = models.CharField(max_length=16)  # missing, due-14, due-7, due-1, expired
    key = models.CharField(max_length=16)  # the ISO week (missing) or the expiry date
    sent_on = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["agent", "course", "stage", "key"], name="reminder_once")]
