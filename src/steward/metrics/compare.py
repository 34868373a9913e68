"""Fair comparison of one metric between two sides: two vendors in one period, or one vendor
(or all the reader sees) in two periods — or any two (vendor, period) pairs.

Each side is measured by the same definition and parameters; shares (service level, abandon
rate, CSAT top box, FCR, QA pass rate, …) are compared by the two-proportion z test, means
(ASA, AHT, CES, QA score) by Welch's t test from (n, Σx, Σx²) — the statistics the rollups and
the QA histogram hold, never raw rows. ``difference`` is B − A. Reads go through
``visible_to(user)``: a vendor user comparing another vendor gets the statistics of no contacts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from steward.core.models import Project
from steward.metrics import engine, formulas, stats

# Means: (n, Σx, Σx²) of each statistic (QA scores: the histogram holds hundredths of a point).
MEAN_SAMPLES = {
    "asa_seconds": lambda s: (s.answered_wait.n, s.answered_wait.total, s.answered_wait.sum_squares),
    "aht_seconds": lambda s: (s.handled, s.handle_sum, s.handle_sumsq),
    "ces": lambda s: (s.ces.n, s.ces.total, s.ces.sum_squares),
    "qa_score": lambda q: (q.scores_centi.n, q.scores_centi.total / 100, q.scores_centi.sum_squares / 10000),
}
PROPORTIONS = ("service_level", "abandon_rate", "csat", "complaint_rate", "first_response_within",
               "resolution_within", "fcr", "qa_pass_rate", "response_rate")
COMPARABLE = (*PROPORTIONS[:6], "asa_seconds", "aht_seconds", "ces", "fcr", "qa_score", "qa_pass_rate",
              "response_rate")


class CompareError(ValueError):
    """A comparison that cannot be asked (metric without a test, bad period)."""


def period_label(period: engine.Period) -> str:
    """'2025-03' for a whole calendar month, else '2025-03-01 – 2025-03-15' (a single day: the day)."""
    first, last = period.first, period.last
    if first.day == 1 and last == first.replace(day=calendar.monthrange(first.year, first.month)[1]):
        return f"{first:%Y-%m}"
    if first == last:
        return first.isoformat()
    return f"{first.isoformat()} – {last.isoformat()}"


@dataclass(frozen=True)
class Side:
    period: engine.Period
    vendor: str = ""  # a vendor code; "": every vendor the reader may see


@dataclass(frozen=True)
class Compared:
    metric: str
    params: Mapping[str, Any]
    a: Side
    b: Side
    result_a: formulas.MetricResult
    result_b: formulas.MetricResult
    comparison: stats.Comparison

    @property
    def kind(self) -> str:
        """'vendors' (same period), 'periods' (same vendor) or 'mixed'."""
        same_period = (self.a.period.first, self.a.period.last) == (self.b.period.first, self.b.period.last)
        if same_period and self.a.vendor != self.b.vendor:
            return "vendors"
        if self.a.vendor == self.b.vendor:
            return "periods"
        return "mixed"

    def as_dict(self) -> dict[str, Any]:
        c = self.comparison

        def side(s: Side, r: formulas.MetricResult) -> dict:
            return {"vendor": s.vendor or None, "date_from": s.period.first.isoformat(),
                    "date_to": s.period.last.isoformat(), "label": period_label(s.period), **r.as_dict()}

        return {"metric": self.metric, "params": dict(self.params), "kind": self.kind,
                "a": side(self.a, self.result_a), "b": side(self.b, self.result_b),
                "test": c.test, "estimate_a": c.estimate_a, "estimate_b": c.estimate_b, "n_a": c.n_a, "n_b": c.n_b,
                "difference": c.difference, "ci_low": c.interval.low, "ci_high": c.interval.high,
                "statistic": c.statistic, "p_value": c.p_value, "df": c.df, "confidence": c.confidence,
                "verdict": str(c.verdict)}


def _measure(*, user, project: Project, side: Side, metric: str, params: Mapping) -> tuple[Any, formulas.MetricResult]:
    """(the side's statistics — ContactStats, FcrCounts or QaStats —, its result)."""
    from steward.metrics import qa

    vendors = [side.vendor] if side.vendor else None
    source = formulas.CATALOG[metric].source
    if source == "fcr":
        data = engine.fcr_counts(user=user, project=project, period=side.period, vendors=vendors,
                                 window_days=params["window_days"], same_reason=params["same_reason"])[()]
    elif source == "qa":
        data = qa.qa_stats(user=user, project=project, period=side.period, vendors=vendors)[()]
    else:
        data = engine.contact_stats(user=user, project=project, period=side.period, vendors=vendors)[()]
    return data, formulas.compute(metric, data, params)


def compare(*, user, project: Project, metric: str, a: Side, b: Side, params: Mapping | None = None) -> Compared:
    """Measure ``metric`` on both sides and test B against A."""
    if metric not in COMPARABLE:
        raise CompareError(_("%(metric)r has no comparison test; comparable: %(known)s")
                           % {"metric": metric, "known": ", ".join(COMPARABLE)})
    clean = formulas.CATALOG[metric].clean_params(params)
    data_a, ra = _measure(user=user, project=project, side=a, metric=metric, params=clean)
    data_b, rb = _measure(user=user, project=project, side=b, metric=metric, params=clean)
    if metric in MEAN_SAMPLES:
        comparison = stats.welch_t_test(*MEAN_SAMPLES[metric](data_a), *MEAN_SAMPLES[metric](data_b))
    else:
        na, nb = ra.denominator or 0, rb.denominator or 0
        # complaint/response rates per handled contact can exceed 1 on odd data: capped for the test
        comparison = stats.two_proportion_test(min(ra.numerator or 0, na), na, min(rb.numerator or 0, nb), nb)
    return Compared(metric, clean, a, b, ra, rb, comparison)


def month_periods(today: dt.date, time_zone: str) -> tuple[engine.Period, engine.Period]:
    """(last month, this month to ``today``): the default period comparison."""
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    return (engine.period(last_month, this_month - dt.timedelta(days=1), time_zone),
            engine.period(this_month, today, time_zone))


def from_request(*, user, project: Project, metric: str, a_from: dt.date, a_to: dt.date,
                 b_from: dt.date | None = None, b_to: dt.date | None = None, a_vendor: str = "",
                 b_vendor: str | None = None, param_pairs=()) -> Compared:
    """A comparison as the API and the CLI ask for it: side A's dates and vendor; B's dates
    default to A's (two vendors), B's vendor to A's (two periods); ``param_pairs`` are
    ``key=value`` texts as on the command line. Raises CompareError / ParamError / EngineError
    (all ValueErrors) with a message for the caller, KeyError for an unknown metric."""
    if metric not in formulas.CATALOG:
        raise CompareError(_("unknown metric %(metric)r; comparable: %(known)s")
                           % {"metric": metric, "known": ", ".join(COMPARABLE)})
    if metric not in COMPARABLE:
        raise CompareError(_("%(metric)r has no comparison test; comparable: %(known)s")
                           % {"metric": metric, "known": ", ".join(COMPARABLE)})
    params = formulas.params_from_text([metric], param_pairs)[metric]
    visible = {v.code for v in engine.visible_vendors(user=user, project=project)}
    b_from, b_to = b_from or a_from, b_to or a_to
    b_vendor = a_vendor if b_vendor is None else b_vendor
    for code in (a_vendor, b_vendor):
        if code and code not in visible:
            raise CompareError(_("project %(project)s has no vendor %(vendor)s") % {"project": project.code, "vendor": code})
    if (a_from, a_to, a_vendor) == (b_from, b_to, b_vendor):
        raise CompareError(_("both sides are the same: give B another vendor or other dates"))
    for first, last in ((a_from, a_to), (b_from, b_to)):
        if last < first or (last - first).days > 800:
            raise CompareError(_("each period must end on or after its start and last at most about two years"))
    a = Side(engine.period(a_from, a_to, project.time_zone), a_vendor)
    b = Side(engine.period(b_from, b_to, project.time_zone), b_vendor)
    return compare(user=user, project=project, metric=metric, a=a, b=b, params=params)
