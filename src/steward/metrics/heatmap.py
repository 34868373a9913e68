"""Hour-of-day × weekday heatmap of one metric for the project KPI page, from the rollups.

Each rollup row is a 30-minute UTC interval. The database turns the interval's start into the
project's local ISO weekday (1 = Monday) and hour (``ExtractIsoWeekDay`` / ``ExtractHour`` with
the project's zone), so daylight saving is exact: on the spring-forward night the skipped local
hour simply has no intervals, and on the fall-back night both instances of the repeated hour
land in that hour's cell. A contact counts in the cell of its interval's start; in zones whose
offset is a multiple of 30 minutes that is the contact's own local arrival hour (the explorer's
``weekday``/``hour`` filters then return exactly the cell's contacts). In a zone such as
Asia/Kathmandu (+05:45) an interval starting at :15 or :45 local belongs to that hour, so up to
15 minutes of contacts sit in the previous hour's cell (as for days, see engine's docstring).

Values are totals over the period (``offered`` is the number of contacts that arrived in that
hour on all such weekdays of the period), each cell a full ``MetricResult`` with n and interval.
"""

from __future__ import annotations

import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import F, Sum
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils.translation import gettext as _

from steward.core.models import Project
from steward.metrics import engine, formulas

HEATMAP_METRICS = ("offered", "service_level", "asa_seconds", "abandon_rate", "aht_seconds", "handled")
SUMS = ("offered", "abandoned", "handle_sum", "handle_sq_sum", "complaints")
WEEKDAYS = tuple(range(1, 8))  # ISO: 1 = Monday … 7 = Sunday
HOURS = tuple(range(24))


@dataclass(frozen=True)
class Heatmap:
    metric: str
    params: Mapping[str, Any]
    cells: dict[tuple[int, int], formulas.MetricResult]  # (ISO weekday, hour) → result, all 168

    def values(self) -> list[float]:
        return [r.value for r in self.cells.values() if r.value is not None]


def heatmap(*, user, project: Project, period: engine.Period, metric: str, params: Mapping | None = None,
            vendors: Iterable[str] | None = None, scope: engine.Scope | Mapping | None = None) -> Heatmap:
    """``metric`` per local (weekday, hour) of the period, from the rollups visible to ``user``."""
    if metric not in HEATMAP_METRICS:
        raise engine.EngineError(_("no heatmap for %(metric)r; choose one of %(known)s")
                                 % {"metric": metric, "known": ", ".join(HEATMAP_METRICS)})
    clean = formulas.CATALOG[metric].clean_params(params)
    scope = scope if isinstance(scope, engine.Scope) else engine.Scope.of(scope)
    tz = zoneinfo.ZoneInfo(project.time_zone)
    rollups, buckets, b = engine.tables(user, project, period, "total", scope)
    if vendors is not None:
        codes = list(vendors)
        ids = engine.vendor_ids(codes)
        rollups = rollups.filter(vendor_id__in=ids)
        buckets = buckets.filter(**{f"{b}vendor_id__in": ids})
    local = {"wd": ExtractIsoWeekDay("interval_start", tzinfo=tz), "hr": ExtractHour("interval_start", tzinfo=tz)}
    sums: dict[tuple, list[dict]] = defaultdict(list)
    for row in (rollups.annotate(**local).values("wd", "hr", "channel", "priority")
                .annotate(**{f"s_{c}": Sum(c) for c in SUMS}).order_by()):
        sums[(row["wd"], row["hr"])].append({"channel": row["channel"], "priority": row["priority"],
                                             **{c: row[f"s_{c}"] or 0 for c in SUMS}})
    hists: dict[tuple, list[dict]] = defaultdict(list)
    kinds = formulas.histogram_kinds([metric])
    if kinds:
        blocal = {"wd": ExtractIsoWeekDay(f"{b}interval_start", tzinfo=tz),
                  "hr": ExtractHour(f"{b}interval_start", tzinfo=tz)}
        rows = (buckets.filter(kind__in=kinds)
                .annotate(**blocal, b_channel=F(f"{b}channel"), b_priority=F(f"{b}priority"))
                .values("wd", "hr", "b_channel", "b_priority", "kind", "value").annotate(n=Sum("count")).order_by())
        for row in rows:
            hists[(row["wd"], row["hr"])].append({"channel": row["b_channel"], "priority": row["b_priority"],
                                                  "kind": row["kind"], "value": row["value"], "count": row["n"] or 0})
    cells = {}
    for wd in WEEKDAYS:
        for hr in HOURS:
            stats = formulas.contact_stats_from_rollups(sums.get((wd, hr), []), hists.get((wd, hr), []))
            cells[(wd, hr)] = formulas.compute(metric, stats, clean)
    return Heatmap(metric, clean, cells)


def shade(value: float | None, low: float, high: float, steps: int = 6) -> int | None:
    """The colour step 0…steps−1 of ``value`` on the scale low…high (None: no value)."""
    if value is None:
        return None
    if high <= low:
        return steps // 2
    step = int((value - low) / (high - low) * steps)
    return min(max(step, 0), steps - 1)
