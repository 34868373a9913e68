"""Every read of the interactions app, scoped through visible_to(user)."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import F, Q, QuerySet
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay, Left

from steward.core.models import Project, Vendor
from steward.core.pages import BIGINT_MAX
from steward.interactions import reasons
from steward.interactions.models import ImportBatch, Interaction, IntervalRollup, MappingProfile, RejectedRow


@dataclass
class InteractionFilter:
    project: str = ""
    vendor: str = ""
    queue: str = ""
    channel: str = ""
    agent: str = ""
    outcome: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    weekday: int | None = None  # ISO weekday of arrival (1 = Monday), project time zone
    hour: int | None = None  # hour of arrival, project time zone
    direction: str = ""
    complaint: bool = False
    low_csat: bool = False
    abandoned: bool = False
    q: str = ""
    batch: int | None = None  # the import that wrote the contacts last
    sort: str = "-arrived_at"


# The largest id a filter may name (a larger one is an error, not "none").
MAX_ID = BIGINT_MAX
# The dates a filter may name: a day's bounds stay representable in UTC in every time zone.
EARLIEST_DATE, LATEST_DATE = dt.date(1900, 1, 1), dt.date(9999, 12, 30)

SORTS = {"arrived_at", "-arrived_at", "wait_seconds", "-wait_seconds", "talk_seconds", "-talk_seconds",
         "csat", "-csat", "queue", "-queue", "agent_code", "-agent_code"}


def interaction_list(*, user, filters: InteractionFilter | None = None) -> QuerySet[Interaction]:
    f = filters or InteractionFilter()
    qs = Interaction.objects.visible_to(user).select_related("project", "vendor")
    if f.project:
        qs = qs.filter(project__code=f.project)
    if f.vendor:
        qs = qs.filter(vendor__code=f.vendor)
    if f.queue:
        qs = qs.filter(queue=f.queue)
    if f.channel:
        qs = qs.filter(channel=f.channel)
    if f.agent:
        qs = qs.filter(agent_code=f.agent)
    if f.outcome:
        qs = qs.filter(outcome=f.outcome)
    if f.complaint:
        qs = qs.filter(complaint=True)
    if f.low_csat:
        qs = qs.filter(csat__lte=2)
    if f.abandoned:
        qs = qs.filter(abandoned=True)
    if f.batch:
        qs = qs.filter(import_batch_id=f.batch)
    if f.q:
        # A contact id or its beginning, or a customer reference: both answered from an index
        # (a substring search would scan every contact: seconds at ten million).
        projects = list(Project.objects.visible_to(user).values_list("pk", flat=True))  # ids: an index range each
        # Ids are case-sensitive keys: SQLite's LIKE ignores ASCII case, so the prefix is also
        # compared exactly (PostgreSQL's LIKE, on the varchar_pattern_ops index, already does).
        qs = qs.alias(id_head=Left("external_id", len(f.q))).filter(
            Q(external_id__startswith=f.q, id_head=f.q) | Q(project__in=projects, customer_ref=f.q))
    # Dates are the project's days: with one project chosen, its time zone; else the server's.
    tz = zoneinfo.ZoneInfo(_time_zone(user, f.project))
    if f.date_from:
        qs = qs.filter(arrived_at__gte=dt.datetime.combine(f.date_from, dt.time.min, tz))
    if f.date_to:
        qs = qs.filter(arrived_at__lt=dt.datetime.combine(f.date_to + dt.timedelta(days=1), dt.time.min, tz))
    if f.direction:
        qs = qs.filter(direction=f.direction)
    if f.weekday is not None:
        qs = qs.alias(local_weekday=ExtractIsoWeekDay("arrived_at", tzinfo=tz)).filter(local_weekday=f.weekday)
    if f.hour is not None:
        qs = qs.alias(local_hour=ExtractHour("arrived_at", tzinfo=tz)).filter(local_hour=f.hour)
    sort = f.sort if f.sort in SORTS else "-arrived_at"
    return qs.order_by(_ordering(sort), "-id")


def _ordering(sort: str):
    """A nullable column's empty values last both ways (PostgreSQL puts them first when
    descending, SQLite last); the others as they are, so their indexes still serve the order."""
    name = sort.lstrip("-")
    if not Interaction._meta.get_field(name).null:
        return sort
    return F(name).desc(nulls_last=True) if sort.startswith("-") else F(name).asc(nulls_last=True)


def _time_zone(user, project_code: str) -> str:
    from django.conf import settings

    if project_code:
        project = Project.objects.visible_to(user).filter(code=project_code).first()
        if project:
            return project.time_zone
    return settings.TIME_ZONE


def interaction_get(*, user, pk: int) -> Interaction:
    return Interaction.objects.visible_to(user).select_related("project", "vendor", "agent").get(pk=pk)


def filter_choices(*, user) -> dict:
    # The queues that hold visible contacts, read from the interval rollup (thousands of rows
    # a month) rather than a DISTINCT over millions of contacts.
    # An agent's own contacts are few, and the rollup does not know whose they are.
    source = Interaction if user.is_agent else IntervalRollup
    queues = source.objects.visible_to(user).order_by().values_list("queue", flat=True).distinct()
    return {
        "projects": Project.objects.visible_to(user).order_by("code"),
        "vendors": Vendor.objects.visible_to(user).order_by("code"),
        "queues": sorted(set(queues) - {""})[:500],
    }


def batch_list(*, user) -> QuerySet[ImportBatch]:
    return ImportBatch.objects.visible_to(user).select_related("project", "vendor", "created_by")


def batch_get(*, user, pk: int) -> ImportBatch:
    return batch_list(user=user).get(pk=pk)


def batch_rejects(*, user, batch: ImportBatch) -> QuerySet[RejectedRow]:
    return RejectedRow.objects.visible_to(user).filter(batch=batch).order_by("line", "id")


EXPORT_COLUMNS = [
    "project", "vendor", "external_id", "queue", "channel", "direction", "agent_code", "customer_ref",
    "contact_reason", "priority", "arrived_at", "first_response_at", "ended_at", "resolved_at",
    "abandoned", "wait_seconds", "talk_seconds", "hold_seconds", "wrap_seconds", "outcome", "csat",
    "nps", "ces", "complaint", "recording_ref",
]
EXPORT_COLUMNS_WALL_CLOCK = [*EXPORT_COLUMNS, "time_zone"]


def export_rows(interactions: QuerySet[Interaction], *, wall_clock: bool = False) -> Iterator[list]:
    """Rows of EXPORT_COLUMNS, streamed, times in each contact's project zone as the pages show
    them (with the offset, so that no reader has to guess the zone). ``wall_clock`` (for XLSX,
    which has no time zones): the times without their offset, and each row ends with the zone's
    name (EXPORT_COLUMNS_WALL_CLOCK)."""
    zones: dict[str, zoneinfo.ZoneInfo] = {}
    for zone, *values in interactions.values_list("project__time_zone", "project__code", "vendor__code",
                                                  *EXPORT_COLUMNS[2:]).iterator(chunk_size=2000):
        tz = zones.get(zone) or zones.setdefault(zone, zoneinfo.ZoneInfo(zone))
        row = [v.astimezone(tz) if isinstance(v, dt.datetime) else v for v in values]
        if wall_clock:
            row = [v.replace(tzinfo=None) if isinstance(v, dt.datetime) else v for v in row] + [zone]
        yield row


REJECT_COLUMNS = ["line", "column", "reason", "raw"]


def reject_report(rejects: QuerySet[RejectedRow]) -> Iterator[tuple]:
    """Rows of REJECT_COLUMNS, each reason in the active language (the reader's), streamed."""
    for line, column, message, reason, raw in rejects.values_list(
            "line", "column", "message", "reason", "raw").iterator(chunk_size=2000):
        yield line, column, reasons.shown(message, reason), raw


def profile_list() -> QuerySet[MappingProfile]:
    """Profiles are shared configuration (no vendor's data): every importer may read them."""
    return MappingProfile.objects.order_by("name")
