"""QA statistics for the metric engine: ``qa_score`` and ``qa_pass_rate`` from the quality app's
evaluations, grouped like every other metric (total, day, week, month, vendor, queue, channel,
agent) and narrowed by the same scopes (channel, queue, priority, agent).

Which evaluations count (docs/metrics.md, "QA metrics"): every *submitted* evaluation with a
score — status submitted, acknowledged, disputed or final — at its current score, which after a
re-review is the amended (final) score. An evaluation under dispute keeps counting at its
submitted score until the re-review replaces it: leaving it out would let a vendor lift its QA
score by disputing every low one. Unsubmitted drafts (status assigned) and calibration scores
never count. An auto-failed evaluation scores 0 (quality.scoring gives it 0.00).

Which period: the *contact's* arrival in the project's time zone (the same instants as
``engine.Period``: ``arrived_at`` in ``[start, end)``), so a month's QA score describes the
contacts handled that month, whenever they were evaluated, and can sit next to the month's
service level. The same rule as ``quality.selectors.qa_scores``. Every direction counts (an
outbound call can be evaluated too).

Evaluations are few (a sample of a few per agent and week), so they are aggregated straight
from their rows by one grouped ``COUNT`` per (group, score): the database returns each group's
histogram of scores in hundredths of a point, from which ``formulas.QaStats`` gives n, Σ, Σ²
(the t interval of the mean) and the pass rate at any pass mark.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, F
from django.db.models.functions import TruncDay, TruncMonth, TruncWeek
from django.utils.translation import gettext as _

from steward.core.models import Project
from steward.metrics import engine, formulas

# Evaluation.Status values that count (see the module docstring).
COUNTED_STATUSES = ("submitted", "acknowledged", "disputed", "final")


def _evaluations(user, project: Project, period: engine.Period, vendors: Iterable[str] | None,
                 scope: engine.Scope):
    from steward.quality.models import Evaluation

    qs = Evaluation.objects.visible_to(user).filter(
        scope.q("interaction__"), interaction__project=project, status__in=COUNTED_STATUSES,
        score__isnull=False, interaction__arrived_at__gte=period.start, interaction__arrived_at__lt=period.end)
    if vendors is not None:
        qs = qs.filter(vendor__code__in=list(vendors))
    return qs


def _group_expression(grouping: str, time_zone: str) -> dict[str, Any]:
    tz = zoneinfo.ZoneInfo(time_zone)
    column = "interaction__arrived_at"
    return {
        "total": {},
        "day": {"g": TruncDay(column, tzinfo=tz)},
        "week": {"g": TruncWeek(column, tzinfo=tz)},
        "month": {"g": TruncMonth(column, tzinfo=tz)},
        "vendor": {"g": F("vendor__code")},
        "queue": {"g": F("interaction__queue")},
        "channel": {"g": F("interaction__channel")},
        "agent": {"g": F("interaction__agent_code")},
    }[grouping]


def centi(score: Decimal | float | int) -> int:
    """A 0–100 score in whole hundredths of a point (the histogram's unit)."""
    return int(Decimal(str(score)).scaleb(2).quantize(Decimal(1), ROUND_HALF_UP))


def qa_stats(*, user, project: Project, period: engine.Period, vendors: Iterable[str] | None = None,
             grouping: str = "total", scope: engine.Scope | Mapping | None = None) -> dict[tuple, formulas.QaStats]:
    """Grouped ``QaStats`` of the evaluations visible to ``user`` (keys as ``engine.contact_stats``:
    ``()`` for total, ``(value,)`` otherwise, a local date for day/week/month)."""
    if grouping not in engine.GROUPINGS:
        raise engine.EngineError(_("unknown grouping %(grouping)r; known: %(known)s")
                                 % {"grouping": grouping, "known": ", ".join(engine.GROUPINGS)})
    scope = scope if isinstance(scope, engine.Scope) else engine.Scope.of(scope)
    groups = _group_expression(grouping, project.time_zone)
    rows = (_evaluations(user, project, period, vendors, scope).annotate(**groups)
            .values(*groups, "score").annotate(n=Count("pk")).order_by())
    hist: dict[tuple, Counter] = defaultdict(Counter)
    tz = zoneinfo.ZoneInfo(project.time_zone)
    for row in rows:
        if grouping == "total":
            key: tuple = ()
        else:
            value = row["g"]
            if isinstance(value, dt.datetime):
                value = value.astimezone(tz).date()
            key = (value,)
        hist[key][centi(row["score"])] += row["n"]
    out = {k: formulas.QaStats(formulas.Histogram.of(c)) for k, c in hist.items()}
    if grouping == "total":
        out.setdefault((), formulas.QaStats())
    return out


def qa_stats_from_rows(evaluations: Iterable[Mapping[str, Any]]) -> formulas.QaStats:
    """The reference: ``QaStats`` of evaluation dicts {score: Decimal, ...} (already selected)."""
    return formulas.QaStats(formulas.Histogram.of(centi(e["score"]) for e in evaluations))
