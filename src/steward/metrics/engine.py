"""The metric engine: catalog metrics for a project, read from the interactions rollups.

Every read goes through ``visible_to(user)``, so a vendor user's numbers only ever contain its
own vendor's contacts, whatever vendors it asks for. The database does the adding up (one
grouped ``SUM`` over a rollup table and one over its histograms); Python only turns the grouped
sums into ``ContactStats`` (``formulas.contact_stats_from_rollups``) and results
(``formulas.compute``). Raw contacts are never scanned here.

Tables. ``IntervalRollup`` / ``IntervalBucket`` (no agent: hundreds of contacts per row in a
large project, one index range per period) answer every request except those grouped by agent
or scoped to agent codes, which read the per-agent ``Rollup`` / ``RollupBucket``. Both hold the
same sums, so the answers are identical (interactions' property test keeps them equal).

Calendar level. A request for whole local days of a project (``Period.whole_days``) that needs
no agent and no hour reads ``CalendarRollup`` / ``CalendarBucket`` instead: the interval rollup
summed per local day and per local month, so a month is one row per key (its histograms at
one-unit resolution: thousands of rows where the intervals hold millions). Whole months of the
period come from the month rows, the other days from the day rows. The calendar level is keyed
in the zone ``CalendarZone`` names; while that is not the project's zone (just changed, not yet
rebuilt by the next write) the engine reads the intervals, which give the same answer.

Business hours. Kinds 5/6 (working minutes to first response / resolution) are stored in the
calendar ``BusinessMinutes`` names; they are read — ``calendar=`` to
``contact_stats_from_rollups`` — only while that is the project's ``business_calendar``
(``business_calendar``); after a change, until the background rebuild, business-hours metrics
answer ``no_business_calendar``.

Periods. Rollups hold 30-minute UTC intervals of ``arrived_at``; a contact counts in the local
day (week, month) in which its interval *starts*. For every zone whose UTC offset is a multiple
of 30 minutes (all of mainland China, Europe, the Americas, India's +05:30) local midnights are
interval starts, so days, weeks and months are exact. In a zone such as Asia/Kathmandu
(+05:45) a local midnight falls inside an interval: that interval — up to the first 15 or 45
minutes around midnight — is counted whole in the day in which it starts, i.e. the boundary is
moved back to the previous interval start. ``Period.aligned`` says when this happened.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import EmptyResultSet
from django.db.models import F, Q, Sum
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils.translation import gettext as _

from steward.core.models import Project, Vendor
from steward.interactions.models import (
    CalendarBucket, CalendarGrain, CalendarRollup, CalendarZone, IntervalBucket, IntervalRollup, Rollup,
    RollupBucket, RollupVersion,
)
from steward.interactions.store import business_minutes_current, calendar_edition
from steward.metrics import formulas
from steward.metrics.calendars import wall_to_utc
from steward.metrics.formulas import CATALOG, ContactStats, MetricResult

INTERVAL = dt.timedelta(minutes=30)
GROUPINGS = ("total", "day", "week", "month", "vendor", "queue", "channel", "agent")
SCOPE_FIELDS = ("channel", "queue", "priority", "agent_code")
SUM_COLUMNS = (
    ["offered", "abandoned", "handle_sum", "handle_sq_sum", "complaints", "surveyed"]
    + [f"csat_{k}" for k in range(1, 6)]
    + [f"nps_{k}" for k in range(0, 11)]
    + [f"ces_{k}" for k in range(1, 8)]
)

logger = logging.getLogger(__name__)


def _sum_columns() -> list[str]:
    """The summed columns; ``surveyed`` (response_rate's numerator) once the rollups carry it —
    without it response_rate is empty with a reason rather than a guess."""
    has_surveyed = any(f.name == "surveyed" for f in Rollup._meta.get_fields())
    return [*SUM_COLUMNS, "surveyed"] if has_surveyed else list(SUM_COLUMNS)


# Reasons for metrics whose statistics are not in the rollups (see docs/metrics.md "Engine"):
# result_for gives these; measure() reads fcr (fcr_counts) and qa (metrics/qa.py) itself.
NOT_IN_ROLLUPS = {
    "fcr": "fcr_not_available",  # read by fcr_counts, not from ContactStats
    "qa_score": "qa_not_available",
    "qa_pass_rate": "qa_not_available",
}


class EngineError(ValueError):
    """A request the engine cannot answer (unknown grouping, metric, bad period)."""


PERIOD_YEARS = (1900, 2199)  # as core.forms.MOMENT_YEARS
# A longer period is a typo (1900…9999 would read ~97,000 month rows per query), not a question.
PERIOD_MAX_DAYS = 20 * 365 + 5


# A page measures many things of the same project (a table per period, a trend per vendor, a
# breakdown, comparisons; a board of vendor-months): inside ``one_page()`` the lookups every
# read repeats — whether a project's calendar level is ready, vendor codes' ids, a project's
# newest interval — are made once. Only the lookups: the statistics are read each time.
_PAGE: ContextVar[dict | None] = ContextVar("steward_engine_page", default=None)


@contextmanager
def one_page() -> Iterator[None]:
    """Within: the lookups named above are made once (for one request's reads; never around a
    write that could change them)."""
    token = _PAGE.set({})
    try:
        yield
    finally:
        _PAGE.reset(token)


def _looked_up(key: tuple, look_up):
    page = _PAGE.get()
    if page is None:
        return look_up()
    if key not in page:
        page[key] = look_up()
    return page[key]


@dataclass(frozen=True)
class Period:
    """[start, end) in UTC for the local dates first…last (inclusive) of a time zone."""

    first: dt.date
    last: dt.date
    time_zone: str
    start: dt.datetime
    end: dt.datetime

    @property
    def aligned(self) -> bool:
        return all(_is_interval_start(t) for t in (self.start, self.end))

    @property
    def whole_days(self) -> bool:
        """Whether the period is exactly its local dates (not, say, a day up to now)."""
        tz = zoneinfo.ZoneInfo(self.time_zone)
        return (self.start == wall_to_utc(self.first, 0, tz)
                and self.end == wall_to_utc(self.last + dt.timedelta(days=1), 0, tz))

    def day(self, date: dt.date) -> Period:
        """The whole local day ``date`` in this period's time zone."""
        return period(date, date, self.time_zone)


def _is_interval_start(t: dt.datetime) -> bool:
    t = t.astimezone(dt.UTC)
    return t.second == 0 and t.microsecond == 0 and t.minute % 30 == 0


def check_years(first: dt.date, last: dt.date) -> None:
    """Refuse dates outside PERIOD_YEARS: the calendar's ends have no UTC instant for their
    bounds, and a day or month beyond them overflows the date arithmetic of weeks, months and
    trends."""
    if first.year < PERIOD_YEARS[0] or last.year > PERIOD_YEARS[1]:
        raise EngineError(_("the period is outside the supported dates (%(first)s–%(last)s)")
                          % {"first": PERIOD_YEARS[0], "last": PERIOD_YEARS[1]})


def period(first: dt.date, last: dt.date, time_zone: str) -> Period:
    """The local dates first…last (both included) as UTC instants."""
    if last < first:
        raise EngineError(_("the period ends before it starts"))
    check_years(first, last)
    if (last - first).days >= PERIOD_MAX_DAYS:
        raise EngineError(_("the period is longer than the supported %(years)s years") % {"years": PERIOD_MAX_DAYS // 365})
    tz = zoneinfo.ZoneInfo(time_zone)
    return Period(first, last, time_zone, wall_to_utc(first, 0, tz),
                  wall_to_utc(last + dt.timedelta(days=1), 0, tz))



@dataclass(frozen=True)
class Scope:
    """Filters on the rollup key: each a tuple of allowed codes (empty: any)."""

    channel: tuple[str, ...] = ()
    queue: tuple[str, ...] = ()
    priority: tuple[str, ...] = ()
    agent_code: tuple[str, ...] = ()

    @classmethod
    def of(cls, values: Mapping[str, Any] | None) -> Scope:
        values = dict(values or {})
        unknown = set(values) - set(SCOPE_FIELDS)
        if unknown:
            raise EngineError(_("unknown scope field(s): %(fields)s") % {"fields": ", ".join(sorted(unknown))})
        clean = {}
        for k, v in values.items():
            if v in (None, "", (), []):
                continue
            clean[k] = tuple(v) if isinstance(v, list | tuple) else (str(v),)
        return cls(**clean)

    def q(self, prefix: str = "") -> Q:
        q = Q()
        for name in SCOPE_FIELDS:
            codes = getattr(self, name)
            if codes:
                q &= Q(**{f"{prefix}{name}__in": codes})
        return q


@dataclass
class Row:
    """One group of the answer: its key, statistics and results."""

    group: dict[str, Any]
    stats: ContactStats
    results: dict[str, MetricResult] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        group = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in self.group.items()}
        return {"group": group, "metrics": {k: r.as_dict() for k, r in self.results.items()}}


def _group_expressions(grouping: str, time_zone: str, prefix: str) -> dict[str, Any]:
    tz = zoneinfo.ZoneInfo(time_zone)
    column = f"{prefix}interval_start"
    return {
        "total": {},
        "day": {"g_day": TruncDay(column, tzinfo=tz)},
        "week": {"g_week": TruncWeek(column, tzinfo=tz)},
        "month": {"g_month": TruncMonth(column, tzinfo=tz)},
        "vendor": {"g_vendor": F(f"{prefix}vendor__code")},
        "queue": {"g_queue": F(f"{prefix}queue")},
        "channel": {"g_channel": F(f"{prefix}channel")},
        "agent": {"g_agent": F(f"{prefix}agent_code")},
    }[grouping]


def _group_value(grouping: str, row: Mapping[str, Any], time_zone: str):
    if grouping == "total":
        return ()
    value = row[f"g_{grouping}"]
    if isinstance(value, dt.datetime):
        # Truncations come back aware in the project's zone (SQLite may give UTC): local date.
        value = value.astimezone(zoneinfo.ZoneInfo(time_zone)).date()
    return (value,)


def tables(user, project: Project, period: Period, grouping: str, scope: Scope):
    """(sums, buckets, the buckets' lookup prefix to the key columns) of the inbound contacts of
    the period visible to ``user``, per 30-minute interval: the interval rollup unless the
    agent is needed."""
    if grouping != "agent" and not scope.agent_code:
        where = dict(project=project, direction="inbound",
                     interval_start__gte=period.start, interval_start__lt=period.end)
        return (IntervalRollup.objects.visible_to(user).filter(scope.q(), **where),
                IntervalBucket.objects.visible_to(user).filter(scope.q(), **where), "")
    rollups = Rollup.objects.visible_to(user).filter(
        scope.q(), project=project, direction="inbound",
        interval_start__gte=period.start, interval_start__lt=period.end)
    buckets = RollupBucket.objects.visible_to(user).filter(
        scope.q("rollup__"), rollup__project=project, rollup__direction="inbound",
        rollup__interval_start__gte=period.start, rollup__interval_start__lt=period.end)
    return rollups, buckets, "rollup__"


def calendar_ready(project: Project) -> bool:
    """Whether the project's calendar rollup is keyed in its current time zone."""
    return _looked_up(("calendar_ready", project.pk, project.time_zone), lambda: CalendarZone.objects.filter(
        project=project, time_zone=project.time_zone).exists())


def calendar_spans(first: dt.date, last: dt.date, *, months: bool = True) -> Q:
    """The calendar rows of the local dates first…last: each whole month as its month row
    (with ``months``), the other dates as day rows."""
    day, month = CalendarGrain.DAY, CalendarGrain.MONTH
    if not months:
        return Q(grain=day, period__gte=first, period__lte=last)
    q = Q(pk__in=[])
    cursor = first
    while cursor <= last:
        month_start = cursor.replace(day=1)
        month_end = (month_start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        if cursor == month_start and month_end <= last:
            q |= Q(grain=month, period=month_start)
        else:
            q |= Q(grain=day, period__gte=cursor, period__lte=min(month_end, last))
        cursor = month_end + dt.timedelta(days=1)
    return q


def business_calendar(project: Project, edition: str | None = None) -> str | None:
    """The project's business calendar when its stored business minutes (kinds 5/6) are in it;
    None otherwise — no calendar, or just changed and not yet rebuilt (``BusinessMinutes``): then
    business-hours metrics answer ``no_business_calendar``, never a figure in another calendar.
    ``edition``: the calendar's current edition, where the caller has read it already."""
    return project.business_calendar if business_minutes_current(project, edition) else None


def calendar_answers(project: Project, period: Period, grouping: str, scope: Scope) -> bool:
    """Whether the calendar rollup can answer: no agent needed, whole local days of the
    project's zone, and the level keyed in that zone."""
    return (grouping != "agent" and not scope.agent_code and period.whole_days
            and period.time_zone == project.time_zone and calendar_ready(project))


def calendar_tables(user, project: Project, period: Period, grouping: str, scope: Scope):
    """(sums, buckets) of the calendar rollup for the period, or None where it cannot answer
    (``calendar_answers``)."""
    if not calendar_answers(project, period, grouping, scope):
        return None
    spans = calendar_spans(period.first, period.last, months=grouping not in ("day", "week"))
    where = dict(project=project, direction="inbound")
    return (CalendarRollup.objects.visible_to(user).filter(spans, scope.q(), **where),
            CalendarBucket.objects.visible_to(user).filter(spans, scope.q(), **where))


def _calendar_groups(grouping: str) -> dict[str, Any]:
    """The calendar rows' grouping columns (day, week and month from the row's local date)."""
    if grouping in ("day", "week", "month"):
        return {"g_period": F("period")}
    return _group_expressions(grouping, "UTC", "")


def _calendar_group_value(grouping: str, row: Mapping[str, Any]):
    if grouping not in ("day", "week", "month"):
        return _group_value(grouping, row, "UTC")
    date = row["g_period"]
    if grouping == "week":  # ISO weeks start on Monday, as TruncWeek's
        return (date - dt.timedelta(days=date.weekday()),)
    return (date.replace(day=1),) if grouping == "month" else (date,)


def _rollup_token(project: Project) -> str | None:
    return RollupVersion.objects.filter(project=project).values_list("token", flat=True).first()


def _memo(name: str, user, project: Project, period: Period, arguments: tuple, compute):
    """``compute()``, cached under the project's rollup version, the reader's visibility and
    the arguments. The version is read before and after computing: a write committed in
    between (read-committed transactions see it mid-way) leaves the result uncached. An answer
    that depends on the business calendar names its edition among the arguments: a newer
    holiday year makes stored business minutes stale without a rollup write (and a shared cache
    outlives the restart that brings a newer holiday package)."""
    seconds = getattr(settings, "STEWARD_KPI_CACHE_SECONDS", 0)
    if not period.whole_days:  # a window up to now (alerts): asked once, never again
        return compute()
    token = _rollup_token(project) if seconds else None
    if token is None:  # caching off, or rollups written some other way: compute every time
        return compute()
    # Exactly the reader's visibility: the SQL visible_to(user) adds, with its parameters.
    try:
        sql, params = IntervalRollup.objects.visible_to(user).filter(project=project).query.sql_with_params()
    except EmptyResultSet:  # sees no rollups at all: nothing worth caching
        return compute()
    key = "steward:kpi:" + hashlib.sha256(repr((name, project.pk, project.time_zone,
                                                token, sql, params, arguments)).encode()).hexdigest()
    try:
        found = cache.get(key)
    except Exception as error:  # a shared cache (Redis) that is down must not take the pages with it
        logger.warning("KPI cache unavailable, computing: %s", error)
        return compute()
    if found is not None:
        return found
    value = compute()
    if _rollup_token(project) == token:
        try:
            cache.set(key, value, seconds)
        except Exception as error:
            logger.warning("KPI cache unavailable, not kept: %s", error)
    return value


def contact_stats(*, user, project: Project, period: Period, vendors: Iterable[str] | None = None,
                  grouping: str = "total", scope: Scope | Mapping | None = None,
                  bucket_kinds: Iterable[int] | None = None) -> dict[tuple, ContactStats]:
    """Grouped ``ContactStats`` of the inbound contacts visible to ``user`` (cached: ``_memo``).

    ``vendors``: vendor codes to include (None: every vendor the user may see). Keys are ``()``
    for ``total`` and ``(value,)`` otherwise (a local date for day/week/month).
    """
    scope = scope if isinstance(scope, Scope) else Scope.of(scope)
    vendors = None if vendors is None else sorted(vendors)
    kinds = None if bucket_kinds is None else sorted(bucket_kinds)
    edition = calendar_edition(project.business_calendar)  # read once: the key and the answer
    return _memo("contact_stats", user, project, period,
                 (period, vendors, grouping, scope, kinds, project.business_calendar, edition),
                 lambda: _contact_stats(user=user, project=project, period=period, vendors=vendors,
                                        grouping=grouping, scope=scope, bucket_kinds=kinds, edition=edition))


def _contact_stats(*, user, project: Project, period: Period, vendors: Iterable[str] | None,
                   grouping: str, scope: Scope, bucket_kinds: Iterable[int] | None,
                   edition: str) -> dict[tuple, ContactStats]:
    if grouping not in GROUPINGS:
        raise EngineError(_("unknown grouping %(grouping)r; known: %(known)s")
                          % {"grouping": grouping, "known": ", ".join(GROUPINGS)})
    tz_name = project.time_zone

    calendar = calendar_tables(user, project, period, grouping, scope)
    if calendar is not None:
        rollups, buckets = calendar
        b = ""
        groups = bgroups = _calendar_groups(grouping)
        key_of = partial(_calendar_group_value, grouping)
    else:
        rollups, buckets, b = tables(user, project, period, grouping, scope)
        groups = _group_expressions(grouping, tz_name, "")
        bgroups = _group_expressions(grouping, tz_name, b)
        key_of = partial(_group_value, grouping, time_zone=tz_name)
    if bucket_kinds is not None:
        # Only the histograms the caller's metrics read (a daily service-level trend needs waits).
        buckets = buckets.filter(kind__in=list(bucket_kinds))
    else:
        buckets = buckets.exclude(kind__in=[FCR_ANY, FCR_SAME_REASON, FCR_NO_CUSTOMER])  # fcr_counts reads those
    if vendors is not None:
        ids = vendor_ids(vendors)
        rollups = rollups.filter(vendor_id__in=ids)
        buckets = buckets.filter(**{f"{b}vendor_id__in": ids})

    columns = _sum_columns()
    sums = (rollups.annotate(**groups).values(*groups, "channel", "priority")
            .annotate(**{f"s_{c}": Sum(c) for c in columns}).order_by())
    # Tuples, not dicts: a month of daily wait histograms is thousands of rows per vendor.
    bucket_rows = (buckets.annotate(**bgroups, b_channel=F(f"{b}channel"), b_priority=F(f"{b}priority"))
                   .values_list(*bgroups, "b_channel", "b_priority", "kind", "value")
                   .annotate(n=Sum("count")).order_by())

    by_group_sums: dict[tuple, list[dict]] = defaultdict(list)
    for row in sums:
        by_group_sums[key_of(row)].append({
            "channel": row["channel"], "priority": row["priority"], "direction": "inbound",
            **{c: row[f"s_{c}"] or 0 for c in columns}})
    names, width = list(bgroups), len(bgroups)
    group_keys: dict[tuple, tuple] = {}  # the row's grouping columns → its group key
    by_group_buckets: dict[tuple, list[tuple]] = defaultdict(list)  # (channel, priority, kind, value, count)
    for row in bucket_rows:
        columns = row[:width]
        key = group_keys.get(columns)
        if key is None:
            key = group_keys[columns] = key_of(dict(zip(names, columns)))
        by_group_buckets[key].append(row[width:])
    keys = set(by_group_sums) | set(by_group_buckets)
    if grouping == "total":
        keys.add(())
    calendar = business_calendar(project, edition)
    return {k: formulas.contact_stats_from_rollups(
                by_group_sums.get(k, []), (), calendar=calendar,
                histograms=formulas.bucket_histograms(by_group_buckets.get(k, ())))
            for k in sorted(keys, key=lambda k: tuple("" if v is None else v for v in k))}


def result_for(key: str, stats: ContactStats, params: Mapping[str, Any] | None = None) -> MetricResult:
    """One catalog metric from rollup statistics; metrics the rollups cannot give come back
    empty with a reason (never a made-up value)."""
    spec = CATALOG.get(key)
    if spec is None:
        raise EngineError(_("unknown metric %(metric)r; known: %(known)s")
                          % {"metric": key, "known": ", ".join(CATALOG)})
    clean = spec.clean_params(params)
    if spec.source != "contacts":
        return MetricResult(key, None, None, None, None, None, clean, 0, reason=NOT_IN_ROLLUPS[key])
    return formulas.compute(key, stats, clean)


def measure(*, user, project: Project, period: Period, metrics: Mapping[str, Mapping | None] | Sequence[str],
            vendors: Iterable[str] | None = None, grouping: str = "total",
            scope: Scope | Mapping | None = None, bucket_kinds: Iterable[int] | None = None) -> list[Row]:
    """Results of ``metrics`` (key → params, or a list of keys for the defaults) per group."""
    wanted = dict(metrics) if isinstance(metrics, Mapping) else {k: None for k in metrics}
    for key in wanted:
        if key not in CATALOG:
            raise EngineError(_("unknown metric %(metric)r; known: %(known)s")
                          % {"metric": key, "known": ", ".join(CATALOG)})
    grouped = contact_stats(user=user, project=project, period=period, vendors=vendors,
                            grouping=grouping, scope=scope, bucket_kinds=bucket_kinds)
    fcr = None
    if "fcr" in wanted:
        p = CATALOG["fcr"].clean_params(wanted["fcr"])
        fcr = fcr_counts(user=user, project=project, period=period, vendors=vendors, grouping=grouping,
                         scope=scope, window_days=p["window_days"], same_reason=p["same_reason"])
    qa = None
    if any(CATALOG[k].source == "qa" for k in wanted):
        from steward.metrics.qa import qa_stats  # QA scores come from the evaluations (metrics/qa.py)

        qa = qa_stats(user=user, project=project, period=period, vendors=vendors, grouping=grouping, scope=scope)
        # A group with evaluations but no inbound contacts (e.g. only outbound calls) still gets a row.
        empty = contact_stats_from_nothing()
        grouped = {k: grouped.get(k, empty) for k in sorted(
            set(grouped) | set(qa), key=lambda k: tuple("" if v is None else v for v in k))}
    rows = []
    for key, stats in grouped.items():
        group = {grouping: key[0]} if key else {}
        results = {}
        for m, p in wanted.items():
            if m == "fcr":
                results[m] = fcr_result(fcr.get(key, formulas.FcrCounts()), p)
            elif qa is not None and CATALOG[m].source == "qa":
                results[m] = formulas.compute(m, qa.get(key, formulas.QaStats()), p)
            else:
                results[m] = result_for(m, stats, p)
        rows.append(Row(group, stats, results))
    return rows


def vendor_ids(codes: Iterable[str]) -> list[int]:
    """The ids of vendor codes, looked up first: a join on the vendor's code makes PostgreSQL
    misjudge how many rollup rows match and sort them instead of hashing (3× slower)."""
    codes = list(codes)
    return list(_looked_up(("vendor_ids", tuple(sorted(set(codes)))), lambda: tuple(
        Vendor.objects.filter(code__in=codes).values_list("pk", flat=True))))


def visible_vendors(*, user, project: Project) -> list[Vendor]:
    """The project's vendors the user may see, by code."""
    return list(Vendor.objects.visible_to(user).filter(pk__in=project.vendors.values("pk")).order_by("code"))


def contact_stats_from_nothing() -> ContactStats:
    """The statistics of no contacts (a vendor without rows in a period)."""
    return formulas.contact_stats_from_rollups([], [])


FCR_ANY, FCR_SAME_REASON, FCR_NO_CUSTOMER = 7, 8, 9  # RollupBucket kinds (interactions.rollups)


def newest_interval(project: Project) -> dt.datetime | None:
    """The start of the half-hour interval of the project's newest contact (any vendor: FCR's
    "window fully elapsed" is a property of the project's data, the same for every reader)."""
    return _looked_up(("newest_interval", project.pk), lambda: (
        IntervalRollup.objects.filter(project=project).order_by("-interval_start")
        .values_list("interval_start", flat=True).first()))


def fcr_counts(*, user, project: Project, period: Period, vendors: Iterable[str] | None = None,
               grouping: str = "total", scope: Scope | Mapping | None = None,
               window_days: int = 7, same_reason: bool = False) -> dict[tuple, formulas.FcrCounts]:
    """See ``_fcr_counts`` (cached: ``_memo``)."""
    scope = scope if isinstance(scope, Scope) else Scope.of(scope)
    vendors = None if vendors is None else sorted(vendors)
    return _memo("fcr_counts", user, project, period, (period, vendors, grouping, scope, window_days, same_reason),
                 lambda: _fcr_counts(user=user, project=project, period=period, vendors=vendors, grouping=grouping,
                                     scope=scope, window_days=window_days, same_reason=same_reason))


def _fcr_counts(*, user, project: Project, period: Period, vendors: Iterable[str] | None,
                grouping: str, scope: Scope, window_days: int, same_reason: bool) -> dict[tuple, formulas.FcrCounts]:
    """First-contact-resolution counts per group from the stored next-contact days.

    A resolved inbound contact (with a customer) is measured once the window after its
    half-hour interval has fully elapsed before the newest contact's interval starts
    (interval_start + window < newest interval start); it is a first-contact resolution when
    the customer's next contact came more than ``window_days`` whole days after it. Resolved
    contacts of later intervals are ``pending``; those without a customer are counted apart."""
    if grouping not in GROUPINGS:
        raise EngineError(_("unknown grouping %(grouping)r; known: %(known)s")
                          % {"grouping": grouping, "known": ", ".join(GROUPINGS)})
    kind = FCR_SAME_REASON if same_reason else FCR_ANY
    newest = newest_interval(project)
    if newest is None:  # no contacts at all
        return {(): formulas.FcrCounts()} if grouping == "total" else {}
    cutoff = newest - dt.timedelta(days=window_days)
    out: dict[tuple, formulas.FcrCounts] = defaultdict(formulas.FcrCounts)

    def add(rows, key_of) -> None:
        for row in rows:
            key = key_of(row)
            out[key] = out[key] + formulas.FcrCounts(row.get("eligible") or 0, row.get("fcr") or 0,
                                                     row.get("pending") or 0, row["without"] or 0)

    def grouped(buckets, groups, sums):
        if groups:
            return buckets.annotate(**groups).values(*groups).order_by().annotate(**sums)
        return [buckets.order_by().aggregate(**sums)]  # values() without fields would not group

    def by_intervals(part: Period) -> None:
        _sums, buckets, b = tables(user, project, part, grouping, scope)
        buckets = buckets.filter(kind__in=[kind, FCR_NO_CUSTOMER])
        if vendors is not None:
            buckets = buckets.filter(**{f"{b}vendor_id__in": vendor_ids(vendors)})
        elapsed = Q(**{f"{b}interval_start__lt": cutoff})
        sums = {"eligible": Sum("count", filter=Q(kind=kind) & elapsed),
                "fcr": Sum("count", filter=Q(kind=kind) & elapsed & Q(value__gt=window_days)),
                "pending": Sum("count", filter=Q(kind=kind) & ~elapsed),
                "without": Sum("count", filter=Q(kind=FCR_NO_CUSTOMER))}
        add(grouped(buckets, _group_expressions(grouping, project.time_zone, b), sums),
            lambda row: _group_value(grouping, row, project.time_zone))

    # A local day that ended by the cutoff is wholly elapsed, one that starts after it wholly
    # pending: both come from the calendar rollup. Only the cutoff's own day needs intervals.
    boundary = cutoff.astimezone(zoneinfo.ZoneInfo(project.time_zone)).date()
    if not calendar_answers(project, period, grouping, scope):
        by_intervals(period)
    else:
        def by_days(first: dt.date, last: dt.date, elapsed: bool) -> None:
            if first > last:
                return
            spans = calendar_spans(first, last, months=grouping not in ("day", "week"))
            buckets = CalendarBucket.objects.visible_to(user).filter(
                spans, scope.q(), project=project, direction="inbound", kind__in=[kind, FCR_NO_CUSTOMER])
            if vendors is not None:
                buckets = buckets.filter(vendor_id__in=vendor_ids(vendors))
            counted = {"eligible": Sum("count", filter=Q(kind=kind)),
                       "fcr": Sum("count", filter=Q(kind=kind) & Q(value__gt=window_days))}
            sums = {**(counted if elapsed else {"pending": Sum("count", filter=Q(kind=kind))}),
                    "without": Sum("count", filter=Q(kind=FCR_NO_CUSTOMER))}
            add(grouped(buckets, _calendar_groups(grouping), sums), lambda row: _calendar_group_value(grouping, row))

        by_days(period.first, min(period.last, boundary - dt.timedelta(days=1)), elapsed=True)
        if period.first <= boundary <= period.last:
            by_intervals(period.day(boundary))
        by_days(max(period.first, boundary + dt.timedelta(days=1)), period.last, elapsed=False)
    if grouping == "total":
        out.setdefault((), formulas.FcrCounts())
    return dict(out)


def fcr_result(counts: formulas.FcrCounts, params: Mapping[str, Any] | None = None) -> MetricResult:
    return formulas.compute("fcr", counts, params)
