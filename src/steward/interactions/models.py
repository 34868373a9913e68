"""Canonical contact records, the roster they refer to, imports and their rollups.

Field names of `Interaction` are exactly those of DESIGN.md's "canonical interaction".
Durations are whole seconds (sources with fractions are rounded half up at import), so every
rollup sum is an exact integer and a rollup always equals a recomputation from raw rows.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from steward.core.models import Channel, Project, Vendor, code_validator
from steward.core.visibility import Visibility, VisibleManager, VisibleQuerySet
from steward.interactions import reasons


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Inbound")
    OUTBOUND = "outbound", _("Outbound")


class Priority(models.TextChoices):
    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    NORMAL = "normal", _("Normal")
    LOW = "low", _("Low")


class Outcome(models.TextChoices):
    RESOLVED = "resolved", _("Resolved")
    ESCALATED = "escalated", _("Escalated")
    TRANSFERRED = "transferred", _("Transferred")
    PENDING = "pending", _("Pending")
    ABANDONED = "abandoned", _("Abandoned")


class Queue(models.Model):
    """A queue of one project (a skill group, a helpdesk group, a ticket category)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="queues",
                                verbose_name=_("project"))
    code = models.CharField(_("code"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, blank=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="project__vendors")

    class Meta:
        ordering = ["project", "code"]
        verbose_name = _("queue")
        verbose_name_plural = _("queues")
        constraints = [models.UniqueConstraint(fields=["project", "code"], name="queue_code_per_project")]

    def __str__(self) -> str:
        return self.name or self.code


class AgentQuerySet(VisibleQuerySet):
    def update(self, **kwargs):
        # A bulk status change to active passes the same training gate as save().
        if kwargs.get("status") == Agent.Status.ACTIVE:
            from steward.training.gate import ensure_may_be_active

            for agent in self.exclude(status=Agent.Status.ACTIVE):
                ensure_may_be_active(agent)
        return super().update(**kwargs)


class Agent(models.Model):
    """A vendor's agent as the vendor's systems name them (the workforce app extends this).

    New agents start "in training"; an agent becomes active only while certified for every
    training its projects require (steward.training.gate, checked here on save, clean, bulk
    update and project assignment, so every path — services, pages, API, shell — is gated).
    """

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        TRAINING = "training", _("In training")
        INACTIVE = "inactive", _("Inactive")
        LEFT = "left", _("Left")

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="agents",
                               verbose_name=_("vendor"))
    code = models.CharField(_("agent code"), max_length=64)
    name = models.CharField(_("name"), max_length=200, blank=True)
    projects = models.ManyToManyField(Project, related_name="agents", blank=True,
                                      verbose_name=_("projects"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices,
                              default=Status.TRAINING)
    # The agent's own login, so an agent sees only their own contacts.
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                blank=True, related_name="agent_profile", verbose_name=_("user"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = models.Manager.from_queryset(AgentQuerySet)()
    visibility = Visibility(vendor="vendor", agent="user")

    class Meta:
        ordering = ["vendor", "code"]
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        constraints = [models.UniqueConstraint(fields=["vendor", "code"], name="agent_code_per_vendor")]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})" if self.name else self.code

    def _becomes_active(self) -> bool:
        if self.status != self.Status.ACTIVE or self.pk is None:
            return False  # a new row has no projects yet; assigning them is gated below
        stored = type(self)._base_manager.filter(pk=self.pk).values_list("status", flat=True).first()
        return stored != self.Status.ACTIVE

    def clean(self):
        super().clean()
        if self._becomes_active():
            from steward.training.gate import ensure_may_be_active

            ensure_may_be_active(self)

    def save(self, *args, **kwargs):
        if self._becomes_active():
            from steward.training.gate import ensure_may_be_active

            ensure_may_be_active(self)
        super().save(*args, **kwargs)


def _gate_project_assignment(sender, instance, action, reverse, pk_set, **kwargs):
    """An active agent may join a project only when certified for the project's trainings."""
    if action != "pre_add" or not pk_set:
        return
    from steward.training.gate import ensure_may_be_active

    if reverse:  # project.agents.add(...)
        for agent in Agent._base_manager.filter(pk__in=pk_set, status=Agent.Status.ACTIVE):
            ensure_may_be_active(agent, projects=[instance])
    elif instance.status == Agent.Status.ACTIVE:
        ensure_may_be_active(instance, projects=list(Project.objects.filter(pk__in=pk_set)))


models.signals.m2m_changed.connect(_gate_project_assignment, sender=Agent.projects.through,
                                   dispatch_uid="training_gate_project_assignment")


class Interaction(models.Model):
    """One contact: a call, chat, email or ticket, in the canonical shape.

    Its references (project, vendor, agent, import) have no database constraint: PostgreSQL
    would check each inserted row's four references one by one at commit (a third of an
    import's time). The import checks them once per chunk instead (it locks the referenced rows
    FOR KEY SHARE, as the constraint would), and deletions go through Django, which protects,
    nulls or cascades as on_delete says. The rollup tables' references likewise.
    """

    # No index of its own: the composite indexes below start with the project.
    project = models.ForeignKey(Project, on_delete=models.PROTECT, db_constraint=False, related_name="interactions",
                                verbose_name=_("project"), db_index=False)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, db_constraint=False, related_name="interactions",
                               verbose_name=_("vendor"))
    # "<project>/<vendor>/<system>": ids are unique per source, and a source never spans two
    # projects or vendors, so one vendor's re-import can never overwrite another's rows.
    source = models.CharField(_("source"), max_length=200)
    external_id = models.CharField(_("external id"), max_length=128)
    queue = models.CharField(_("queue"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices,
                                 default=Direction.INBOUND)
    agent_code = models.CharField(_("agent code"), max_length=64, blank=True)
    agent = models.ForeignKey(Agent, on_delete=models.SET_NULL, db_constraint=False, null=True, blank=True,
                              related_name="interactions", verbose_name=_("agent"))
    customer_ref = models.CharField(_("customer"), max_length=128, blank=True)
    contact_reason = models.CharField(_("contact reason"), max_length=128, blank=True)
    priority = models.CharField(_("priority"), max_length=8, choices=Priority.choices,
                                default=Priority.NORMAL)
    arrived_at = models.DateTimeField(_("arrived"))
    first_response_at = models.DateTimeField(_("first response"), null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    abandoned = models.BooleanField(_("abandoned"), default=False)
    wait_seconds = models.IntegerField(_("wait (s)"), null=True, blank=True)
    talk_seconds = models.IntegerField(_("talk (s)"), default=0)
    hold_seconds = models.IntegerField(_("hold (s)"), default=0)
    wrap_seconds = models.IntegerField(_("wrap (s)"), default=0)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    csat = models.SmallIntegerField(_("CSAT"), null=True, blank=True,
                                    validators=[MinValueValidator(1), MaxValueValidator(5)])
    nps = models.SmallIntegerField(_("NPS"), null=True, blank=True,
                                   validators=[MinValueValidator(0), MaxValueValidator(10)])
    ces = models.SmallIntegerField(_("CES"), null=True, blank=True,
                                   validators=[MinValueValidator(1), MaxValueValidator(7)])
    complaint = models.BooleanField(_("complaint"), default=False)
    transcript = models.TextField(_("transcript"), blank=True)
    recording_ref = models.CharField(_("recording"), max_length=500, blank=True)
    attributes = models.JSONField(_("attributes"), default=dict, blank=True)
    # The import that last wrote this row (for import history and undo).
    import_batch = models.ForeignKey("ImportBatch", on_delete=models.SET_NULL, db_constraint=False, null=True,
                                     blank=True, related_name="+", verbose_name=_("import"))

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor", agent="agent__user")

    class Meta:
        ordering = ["-arrived_at", "-id"]
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        constraints = [
            models.UniqueConstraint(fields=["source", "external_id"], name="interaction_source_id"),
        ]
        indexes = [
            # The explorer's newest-first pages (LIMIT 50 read off the index, no sort of
            # millions), a project's or all visible projects'; vendor filters apply on the way.
            models.Index(fields=["project", "-arrived_at"], name="interaction_project_newest"),
            models.Index(fields=["-arrived_at"], name="interaction_newest"),
            # Repeat-contact (FCR) look-ups: the same customer's later contacts.
            models.Index(fields=["project", "customer_ref", "arrived_at"], name="interaction_customer"),
            # The explorer's search by contact id or its beginning (LIKE 'abc%' on PostgreSQL
            # needs the pattern operator class in a non-C collation).
            models.Index(fields=["external_id"], name="interaction_external_id", opclasses=["varchar_pattern_ops"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} {self.external_id}"

    def get_absolute_url(self) -> str:
        return reverse("interactions:detail", kwargs={"pk": self.pk})

    def transcript_turns(self) -> list[tuple[str, str]]:
        """Chat turns as (speaker, text): lines `agent: ...` / `customer: ...`."""
        turns: list[tuple[str, str]] = []
        for line in self.transcript.splitlines():
            speaker, sep, text = line.partition(":")
            if sep and speaker.strip().lower() in {"agent", "customer", "system", "bot"}:
                turns.append((speaker.strip().lower(), text.strip()))
            elif turns:
                turns[-1] = (turns[-1][0], f"{turns[-1][1]}\n{line}")
            elif line.strip():
                turns.append(("", line))
        return turns


class MappingProfile(models.Model):
    """How a source file's columns become canonical fields (see profiles.py for the format)."""

    name = models.CharField(_("name"), max_length=64, unique=True, validators=[code_validator])
    description = models.TextField(_("description"), blank=True)
    definition = models.JSONField(_("definition"), default=dict)
    builtin = models.BooleanField(_("built-in"), default=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mapping profile")
        verbose_name_plural = _("mapping profiles")

    def __str__(self) -> str:
        return self.name


class ImportBatch(models.Model):
    """One import (a file or an API batch) and its report."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        REJECTED = "rejected", _("Rejected (nothing stored)")
        FAILED = "failed", _("Failed (nothing stored)")
        UNDONE = "undone", _("Undone")

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="import_batches",
                                verbose_name=_("project"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="import_batches",
                               verbose_name=_("vendor"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True,
                                   blank=True, related_name="+", verbose_name=_("imported by"))
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    profile = models.CharField(_("profile"), max_length=64)
    file_name = models.CharField(_("file"), max_length=255, blank=True)
    file = models.FileField(_("uploaded file"), upload_to="imports/", blank=True)
    file_format = models.CharField(_("format"), max_length=8, blank=True)
    allow_rejects = models.BooleanField(_("store valid rows when some are rejected"), default=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices,
                              default=Status.QUEUED)
    total_bytes = models.BigIntegerField(_("size (bytes)"), default=0)
    rows_read = models.IntegerField(_("rows read"), default=0)
    inserted = models.IntegerField(_("inserted"), default=0)
    updated = models.IntegerField(_("updated"), default=0)
    rejected = models.IntegerField(_("rejected"), default=0)
    skipped = models.IntegerField(_("skipped"), default=0)
    # Rows replaced by a later row with the same id in the same file (last wins; reported).
    duplicates = models.IntegerField(_("duplicates"), default=0)
    error = models.TextField(_("error"), blank=True)  # as written in the importer's language
    # The error as a message and its parameters (reasons.Reason), shown in each reader's language
    error_message = models.JSONField(null=True, blank=True)
    # API batches: the same key from the same vendor returns the first result.
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, null=True, blank=True)
    # SHA-256 of an API batch's request, so that its key repeated with another request is refused
    request_digest = models.CharField(max_length=64, blank=True, default="")
    # The importer's language: the reasons of its rejects and errors are written in it
    language = models.CharField(max_length=16, blank=True, default="")

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.UniqueConstraint(fields=["vendor", "idempotency_key"], name="import_idempotency"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.file_name or self.profile}"

    def get_absolute_url(self) -> str:
        return reverse("interactions:batch", kwargs={"pk": self.pk})

    @property
    def is_finished(self) -> bool:
        return self.status not in {self.Status.QUEUED, self.Status.RUNNING}

    @property
    def shown_error(self) -> str:
        """The error in the active language (the reader's, not the importer's)."""
        return reasons.shown(self.error_message, self.error)


class RejectedRow(models.Model):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rejected_rows",
                              verbose_name=_("import"))
    line = models.IntegerField(_("line"))
    column = models.CharField(_("column"), max_length=200, blank=True)
    reason = models.TextField(_("reason"))  # as written in the importer's language
    # The reason as a message and its parameters (reasons.Reason), shown in each reader's language
    message = models.JSONField(null=True, blank=True)
    raw = models.TextField(_("raw row"), blank=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="batch__vendor")

    class Meta:
        ordering = ["batch", "line", "id"]
        verbose_name = _("rejected row")
        verbose_name_plural = _("rejected rows")

    @property
    def shown_reason(self) -> str:
        """The reason in the active language (the reader's, not the importer's)."""
        return reasons.shown(self.message, self.reason)


class InteractionRevision(models.Model):
    """What an import changed, so the import can be undone: `previous` is the row as it was
    before (null when the import created it)."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="revisions")
    interaction_id = models.BigIntegerField()
    previous = models.JSONField(null=True)

    objects = VisibleManager()
    visibility = Visibility(vendor="batch__vendor")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["batch", "interaction_id"],
                                               name="revision_once_per_batch")]


class RollupStatistics(models.Model):
    """The sums both rollup tables carry (see docs/DESIGN.md "Scale")."""

    offered = models.IntegerField(default=0)
    abandoned = models.IntegerField(default=0)
    answered = models.IntegerField(default=0)  # not abandoned (= handled)
    wait_sum = models.BigIntegerField(default=0)  # of answered
    wait_sq_sum = models.BigIntegerField(default=0)
    handle_sum = models.BigIntegerField(default=0)  # talk + hold + wrap of answered
    handle_sq_sum = models.BigIntegerField(default=0)
    talk_sum = models.BigIntegerField(default=0)
    hold_sum = models.BigIntegerField(default=0)
    wrap_sum = models.BigIntegerField(default=0)
    complaints = models.IntegerField(default=0)
    responded = models.IntegerField(default=0)  # with first_response_at
    resolved = models.IntegerField(default=0)  # with resolved_at
    surveyed = models.IntegerField(default=0)  # with any survey answer (csat, nps or ces)
    outcome_resolved = models.IntegerField(default=0)
    outcome_escalated = models.IntegerField(default=0)
    outcome_transferred = models.IntegerField(default=0)
    outcome_pending = models.IntegerField(default=0)
    outcome_abandoned = models.IntegerField(default=0)
    csat_1 = models.IntegerField(default=0)
    csat_2 = models.IntegerField(default=0)
    csat_3 = models.IntegerField(default=0)
    csat_4 = models.IntegerField(default=0)
    csat_5 = models.IntegerField(default=0)
    nps_0 = models.IntegerField(default=0)
    nps_1 = models.IntegerField(default=0)
    nps_2 = models.IntegerField(default=0)
    nps_3 = models.IntegerField(default=0)
    nps_4 = models.IntegerField(default=0)
    nps_5 = models.IntegerField(default=0)
    nps_6 = models.IntegerField(default=0)
    nps_7 = models.IntegerField(default=0)
    nps_8 = models.IntegerField(default=0)
    nps_9 = models.IntegerField(default=0)
    nps_10 = models.IntegerField(default=0)
    ces_1 = models.IntegerField(default=0)
    ces_2 = models.IntegerField(default=0)
    ces_3 = models.IntegerField(default=0)
    ces_4 = models.IntegerField(default=0)
    ces_5 = models.IntegerField(default=0)
    ces_6 = models.IntegerField(default=0)
    ces_7 = models.IntegerField(default=0)

    class Meta:
        abstract = True


class Rollup(RollupStatistics):
    """Sufficient statistics of the contacts of one key and one 30-minute interval.

    See docs/DESIGN.md "Scale". Maintained by the import (delta = new rows − old rows), never
    edited by hand; `steward rollups rebuild` recomputes them from raw rows.
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, db_constraint=False, related_name="+", db_index=False)
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, db_constraint=False, related_name="+")
    queue = models.CharField(max_length=64)
    channel = models.CharField(max_length=16)
    direction = models.CharField(max_length=8)
    priority = models.CharField(max_length=8)
    agent_code = models.CharField(max_length=64)
    interval_start = models.DateTimeField()  # UTC, a multiple of 30 minutes

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        verbose_name = _("rollup")
        verbose_name_plural = _("rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "vendor", "queue", "channel", "direction", "priority",
                        "agent_code", "interval_start"],
                name="rollup_key",
            )
        ]
        indexes = [models.Index(fields=["project", "vendor", "interval_start"], name="rollup_period")]


class RollupBucket(models.Model):
    """Histograms at one-unit resolution under a rollup, so any threshold is exact:
    kind `wait_answered` / `wait_abandoned` (seconds, wait ≤ T counts buckets ≤ T),
    `first_response` / `resolution` (whole minutes after arrival, rounded up)."""

    class Kind(models.IntegerChoices):
        WAIT_ANSWERED = 1
        WAIT_ABANDONED = 2
        FIRST_RESPONSE_MINUTES = 3
        RESOLUTION_MINUTES = 4
        # Kinds 3 and 4 in working minutes of the project's business calendar (BusinessMinutes;
        # -1: a contact outside the calendar's holiday data)
        FIRST_RESPONSE_BUSINESS_MINUTES = 5
        RESOLUTION_BUSINESS_MINUTES = 6
        # First-contact resolution (rollups.fcr_buckets): days to the customer's next contact
        FCR_NEXT_ANY_DAYS = 7
        FCR_NEXT_SAME_REASON_DAYS = 8
        FCR_NO_CUSTOMER = 9

    # Indexed by the unique (rollup, kind, value) constraint; every index slows the import.
    rollup = models.ForeignKey(Rollup, on_delete=models.CASCADE, db_constraint=False, related_name="buckets", db_index=False)
    kind = models.SmallIntegerField(choices=Kind.choices)
    value = models.IntegerField()
    count = models.IntegerField(default=0)

    objects = VisibleManager()
    visibility = Visibility(vendor="rollup__vendor")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rollup", "kind", "value"], name="bucket_key")]


class CoarseKey(models.Model):
    """The key columns the interval and calendar tables share (no agent); each table adds its
    time column (and a histogram's kind and value) and its unique index."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, db_constraint=False, related_name="+", db_index=False)
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, db_constraint=False, related_name="+", db_index=False)
    queue = models.CharField(max_length=64)
    channel = models.CharField(max_length=16)
    direction = models.CharField(max_length=8)
    priority = models.CharField(max_length=8)

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        abstract = True


class IntervalRollup(RollupStatistics, CoarseKey):
    """The coarse rollup: the same sums per project, vendor, queue, channel, direction,
    priority and 30-minute interval, without the agent. Dashboards, KPI pages and SLA periods
    read it (an interval of a large project holds hundreds of contacts per key here, about one
    in `Rollup`); `Rollup` keeps the per-agent statistics for agent breakdowns and scopes.
    Maintained by the same delta as `Rollup` (the agent delta summed over agents)."""

    interval_start = models.DateTimeField()  # UTC, a multiple of 30 minutes

    class Meta:
        verbose_name = _("interval rollup")
        verbose_name_plural = _("interval rollups")
        constraints = [
            # Also the index of every read: a project's period is one range of it.
            models.UniqueConstraint(
                fields=["project", "interval_start", "vendor", "queue", "channel", "direction", "priority"],
                name="interval_rollup_key",
            )
        ]


class IntervalBucket(CoarseKey):
    """`RollupBucket`'s histograms for the coarse rollup, keyed by the same columns (no join:
    a project's period is one range of the unique index)."""

    interval_start = models.DateTimeField()
    kind = models.SmallIntegerField(choices=RollupBucket.Kind.choices)
    value = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "interval_start", "vendor", "queue", "channel", "direction", "priority",
                        "kind", "value"],
                name="interval_bucket_key",
            )
        ]


class CalendarGrain(models.TextChoices):
    DAY = "D", _("day")
    MONTH = "M", _("month")


class CalendarRollup(RollupStatistics, CoarseKey):
    """The interval rollup summed per local day and per local month of the project's time zone
    (``CalendarZone``): a month of KPIs is a few rows whatever the volume. A contact counts in
    the local day in which its 30-minute interval starts, the engine's day rule. Maintained by
    the same delta as the interval rollup; rebuilt from it when the project's zone changes."""

    grain = models.CharField(max_length=1, choices=CalendarGrain.choices)
    period = models.DateField()  # the local day, or the first day of the local month

    class Meta:
        verbose_name = _("calendar rollup")
        verbose_name_plural = _("calendar rollups")
        constraints = [
            models.UniqueConstraint(
                fields=["project", "grain", "period", "vendor", "queue", "channel", "direction", "priority"],
                name="calendar_rollup_key",
            )
        ]


class CalendarBucket(CoarseKey):
    """`RollupBucket`'s histograms for the calendar rollup, keyed by the same columns."""

    grain = models.CharField(max_length=1, choices=CalendarGrain.choices)
    period = models.DateField()
    kind = models.SmallIntegerField(choices=RollupBucket.Kind.choices)
    value = models.IntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["project", "grain", "period", "vendor", "queue", "channel", "direction", "priority",
                        "kind", "value"],
                name="calendar_bucket_key",
            )
        ]


class CalendarZone(models.Model):
    """The time zone in which a project's calendar rollup is keyed. The engine reads the
    calendar rollup only while it equals the project's zone (otherwise the interval rollup);
    the next write into the project rebuilds it in the new zone."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, primary_key=True, related_name="+")
    time_zone = models.CharField(max_length=64)


class BusinessMinutes(models.Model):
    """The business calendar in which a project's stored kinds 5 and 6 were computed ("": none;
    no row: none either). Imports compute in this calendar, so the stored kinds stay in one; the
    engine reads them only while it is the project's ``business_calendar``. A change of the
    project's calendar is followed by a rebuild of the kinds (tasks.rebuild_business_minutes),
    which records the new one."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, primary_key=True, related_name="+")
    calendar = models.CharField(max_length=32, blank=True)
    # BusinessCalendar.edition when computed: the same name with newer holiday data is stale too
    edition = models.CharField(max_length=16, blank=True, default="")


class RollupVersion(models.Model):
    """A new random token each time a project's rollups change (import, undo, rebuild, a
    calendar refresh). KPI results are cached under it (metrics.engine): a result is never
    served for rollups other than those it was computed from, and a token from a rolled-back
    write never comes back."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, primary_key=True, related_name="+")
    token = models.CharField(max_length=32)
