"""Reads of the metrics app, scoped through visible_to(user): SLA policies, KPI tables and SLA
evaluations (the engine reads the rollups through visible_to as well)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace
from decimal import Decimal

from django.db.models import QuerySet

from steward.core.models import Project
from steward.metrics import business_calendars, calendars, engine, formulas, sla
from steward.metrics.models import HolidayYear, SlaPolicy

PERIOD_KINDS = ("month", "week", "day")


def project_list(*, user) -> QuerySet[Project]:
    return Project.objects.visible_to(user).order_by("code")


def project_get(*, user, code: str) -> Project:
    return Project.objects.visible_to(user).get(code=code)


def policy_list(*, user, project: Project) -> QuerySet[SlaPolicy]:
    return SlaPolicy.objects.visible_to(user).filter(project=project).select_related("created_by")


def policy_latest(*, user, project: Project) -> list[SlaPolicy]:
    """The newest version of each policy of the project."""
    seen, out = set(), []
    for p in policy_list(user=user, project=project).order_by("name", "-version"):
        if p.name not in seen:
            seen.add(p.name)
            out.append(p)
    return out


def policy_get(*, user, project: Project, pk: int) -> SlaPolicy:
    return policy_list(user=user, project=project).get(pk=pk)


def policy_by_name(*, user, project: Project, name: str, version: int | None = None) -> SlaPolicy:
    qs = policy_list(user=user, project=project).filter(name=name)
    if version is not None:
        return qs.get(version=version)
    latest = qs.order_by("-version").first()
    if latest is None:
        raise SlaPolicy.DoesNotExist(name)
    return latest


# ------------------------------------------------------------------ evaluation


_PERIOD_TEXT = {
    "month": re.compile(r"^(\d{4})-(\d{2})$"),
    "week": re.compile(r"^(\d{4})-W(\d{2})$"),
    "day": re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"),
}


def parse_period(text: str) -> tuple[str, dt.date]:
    """'2026-10' (month), '2026-W40' (ISO week) or '2026-10-05' (day) → (kind, a day in it)."""
    text = (text or "").strip()
    for kind, pattern in _PERIOD_TEXT.items():
        m = pattern.match(text)
        if not m:
            continue
        try:
            if kind == "month":
                return kind, dt.date(int(m[1]), int(m[2]), 1)
            if kind == "week":
                return kind, dt.date.fromisocalendar(int(m[1]), int(m[2]), 1)
            return kind, dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            break
    raise ValueError(f"expected a period like 2026-10, 2026-W40 or 2026-10-05, got {text!r}")


def period_label(kind: str, first: dt.date) -> str:
    if kind == "month":
        return f"{first:%Y-%m}"
    if kind == "week":
        year, week, _ = first.isocalendar()
        return f"{year}-W{week:02d}"
    return first.isoformat()


def results_by_vendor(*, user, project: Project, period: engine.Period, vendors: list[str], key: str,
                      params=None, scope=None, memo: dict | None = None) -> dict[str, formulas.MetricResult]:
    """One catalog metric for each of ``vendors`` from the statistics its source names: the
    rollups (contact metrics), the stored repeat-contact days (``fcr``) or the QA evaluations
    (``qa_score``, ``qa_pass_rate``, metrics/qa.py). A vendor without data (or one the user may
    not see) gets the result of no data — ``zero_denominator`` — never another's numbers.

    ``memo``: a dict the caller keeps while it measures many metrics for the same user (a board
    of vendor-months): the statistics read are kept there by what was read, so metrics of the
    same source, project, period, vendors and scope share one read."""
    from steward.metrics import qa

    source = formulas.CATALOG[key].source
    scope = engine.Scope.of(scope) if not isinstance(scope, engine.Scope) else scope
    common = {"user": user, "project": project, "period": period, "vendors": vendors, "grouping": "vendor",
              "scope": scope}

    def read(what: tuple, compute):
        if memo is None:
            return compute()
        k = (*what, getattr(user, "pk", None), project.pk, project.time_zone, period, tuple(vendors), scope)
        if k not in memo:
            memo[k] = compute()
        return memo[k]

    if source == "fcr":
        p = formulas.CATALOG["fcr"].clean_params(params)
        counts = read(("fcr", p["window_days"], p["same_reason"]), lambda: engine.fcr_counts(
            **common, window_days=p["window_days"], same_reason=p["same_reason"]))
        return {v: engine.fcr_result(counts.get((v,), formulas.FcrCounts()), p) for v in vendors}
    if source == "qa":
        grouped_qa = read(("qa",), lambda: qa.qa_stats(**common))
        return {v: formulas.compute(key, grouped_qa.get((v,), formulas.QaStats()), params) for v in vendors}
    grouped = read(("contacts",), lambda: engine.contact_stats(**common))
    empty = engine.contact_stats_from_nothing()
    return {v: engine.result_for(key, grouped.get((v,), empty), params) for v in vendors}


@dataclass(frozen=True)
class PeriodEvaluation:
    kind: str
    label: str
    period: engine.Period
    evaluation: sla.Evaluation
    skipped_terms: tuple[int, ...]  # terms whose declared period is another kind


def _local_period(kind: str, day: dt.date, time_zone: str) -> engine.Period:
    engine.check_years(day, day)  # before a week or month beyond the calendar's end overflows
    if kind == "day":
        first, nxt = day, day + dt.timedelta(days=1)
    elif kind == "week":
        first = day - dt.timedelta(days=day.weekday())
        nxt = first + dt.timedelta(days=7)
    else:
        first = day.replace(day=1)
        nxt = (first + dt.timedelta(days=32)).replace(day=1)
    return engine.period(first, nxt - dt.timedelta(days=1), time_zone)


def evaluate_period(*, user, project: Project, policy: sla.SlaPolicy, vendor: str, kind: str, day: dt.date,
                    fee: Decimal) -> PeriodEvaluation:
    """Evaluate the policy on one period of ``kind`` containing ``day`` for one vendor.

    Each term is measured through the engine with its own parameters and scope. Terms declared
    for another period kind are not judged on this one (no data, no credit); evaluate that kind
    to see them."""
    p = _local_period(kind, day, project.time_zone)
    evaluation, skipped = evaluate_on(user=user, project=project, policy=policy, vendor=vendor, kind=kind,
                                      period=p, fee=fee)
    return PeriodEvaluation(kind, period_label(kind, p.first), p, evaluation, skipped)


def evaluate_on(*, user, project: Project, policy: sla.SlaPolicy, vendor: str, kind: str, period: engine.Period,
                fee: Decimal) -> tuple[sla.Evaluation, tuple[int, ...]]:
    """The policy's terms of ``kind`` judged on ``period`` for one vendor (a whole period of that
    kind, or a contract's own days of a month), and the indexes of the terms of another kind,
    which are not judged (no data, no credit)."""
    results, skipped = [], []
    for i, term in enumerate(policy.terms):
        if term.period != kind:
            results.append(None)
            skipped.append(i)
            continue
        results.append(results_by_vendor(user=user, project=project, period=period, vendors=[vendor],
                                         key=term.metric, params=term.clean_params, scope=term.scope_values)[vendor])
    return sla.evaluate(policy, results, fee), tuple(skipped)


def evaluate_range(*, user, project: Project, policy: sla.SlaPolicy, vendor: str, first: dt.date,
                   last: dt.date, fee: Decimal, kind: str = "month") -> list[PeriodEvaluation]:
    """Every period of ``kind`` that overlaps first…last (a backtest), oldest first."""
    if kind not in PERIOD_KINDS:
        raise ValueError(f"unknown period kind {kind!r}")
    if last < first:
        raise ValueError("the range ends before it starts")
    if (last - first).days > 800:
        raise ValueError("a backtest covers at most about two years")
    out, day = [], first
    while day <= last:
        ev = evaluate_period(user=user, project=project, policy=policy, vendor=vendor, kind=kind, day=day, fee=fee)
        out.append(ev)
        day = ev.period.last + dt.timedelta(days=1)
    return out


def policy_kinds(policy: sla.SlaPolicy) -> list[str]:
    """The period kinds the policy's terms use, in month/week/day order."""
    used = {t.period for t in policy.terms}
    return [k for k in PERIOD_KINDS if k in used] or ["month"]


def restrict(policy: sla.SlaPolicy, kind: str) -> sla.SlaPolicy:
    return replace(policy, terms=tuple(t for t in policy.terms if t.period == kind))


# ------------------------------------------------------------------ portfolio

CATALOG_SOURCE = {k: spec.source for k, spec in formulas.CATALOG.items()}
PORTFOLIO_METRICS = ("service_level", "asa_seconds", "abandon_rate", "fcr", "csat", "qa_score")
# A project served only by asynchronous channels (email, ticket, social) has no queue to answer
# in seconds: its tiles are the response and resolution shares instead.
ASYNC_PORTFOLIO_METRICS = ("first_response_within", "resolution_within", "complaint_rate", "fcr", "csat", "qa_score")


def portfolio_metrics(project: Project) -> tuple[str, ...]:
    channels = set(project.channels or ())
    if channels and channels <= formulas.ASYNC_CHANNELS:
        return ASYNC_PORTFOLIO_METRICS
    return PORTFOLIO_METRICS


@dataclass(frozen=True)
class Tile:
    project: Project
    vendor: object  # core.Vendor
    metric: str
    result: object  # formulas.MetricResult
    target: sla.Target | None
    term: sla.Term | None  # the SLA term the target comes from (its params and scope are measured)
    policy: str  # "name vN" of that policy, "" without one
    colour: str  # sla.RAG
    spark: tuple  # ((local date, value or None), …) per day of the period
    period: engine.Period


def policy_targets(*, user, project: Project) -> dict[str, tuple[sla.Term, str]]:
    """metric → (the first term measuring it in the project's newest policy versions, "name vN").
    Policies stored under an older parser that no longer parse are skipped."""
    out: dict[str, tuple[sla.Term, str]] = {}
    for row in policy_latest(user=user, project=project):
        try:
            parsed = sla.parse_policy(row.yaml_text)
        except sla.SlaValidationError:
            continue
        for term in parsed.terms:
            out.setdefault(term.metric, (term, str(row)))
    return out


def portfolio_period(project: Project, first: dt.date | None, last: dt.date | None) -> engine.Period:
    """The given dates, or the month to date in the project's time zone."""
    if first is None or last is None:
        import zoneinfo

        today = dt.datetime.now(zoneinfo.ZoneInfo(project.time_zone)).date()
        first, last = today.replace(day=1), today
    return engine.period(first, last, project.time_zone)


def portfolio(*, user, first: dt.date | None = None, last: dt.date | None = None,
              metrics=None, projects=None) -> list[dict]:
    """Per visible project: its visible vendors, each with one tile per key metric measured with
    the parameters and scope of the project's SLA term for that metric (catalog defaults
    without one) and coloured against the term's target (``sla.rag``).

    One daily grouped query per project, vendor and distinct scope; the period's value is the
    sum of the days (the same rollups), so a tile and its sparkline never disagree."""
    out = []
    for project in projects if projects is not None else project_list(user=user):
        period = portfolio_period(project, first, last)
        targets = policy_targets(user=user, project=project)
        keys_here = tuple(metrics) if metrics else portfolio_metrics(project)
        scopes: dict[tuple, list[str]] = {}
        for key in keys_here:
            term = targets.get(key, (None, ""))[0]
            scope = tuple(sorted(term.scope_values.items())) if term else ()
            scopes.setdefault(scope, []).append(key)
        days = [period.first + dt.timedelta(days=i) for i in range((period.last - period.first).days + 1)]
        vendors = engine.visible_vendors(user=user, project=project)
        # FCR and the QA metrics: one grouped query for all the vendors.
        by_vendor = {
            key: results_by_vendor(user=user, project=project, period=period, vendors=[v.code for v in vendors],
                                   key=key, params=targets[key][0].clean_params if key in targets else None,
                                   scope=dict(scope))
            for scope, keys in scopes.items() for key in keys if vendors and CATALOG_SOURCE[key] != "contacts"}
        vendor_rows = []
        for vendor in vendors:
            tiles = {}
            for scope, keys in scopes.items():
                daily = engine.contact_stats(user=user, project=project, period=period, vendors=[vendor.code],
                                             grouping="day", scope=dict(scope),
                                             bucket_kinds=formulas.histogram_kinds(keys))
                total = formulas.sum_stats(daily.values()) if daily else engine.contact_stats_from_nothing()
                for key in keys:
                    term, policy = targets.get(key, (None, ""))
                    params = term.clean_params if term else None
                    if CATALOG_SOURCE[key] != "contacts":
                        result = by_vendor[key][vendor.code]
                    else:
                        result = engine.result_for(key, total, params)
                    spark = tuple((d, engine.result_for(key, daily[(d,)], params).value if (d,) in daily else None)
                                  for d in days) if CATALOG_SOURCE[key] == "contacts" else ()
                    target = term.target if term else None
                    tiles[key] = Tile(project, vendor, key, result, target, term, policy,
                                      sla.rag(target, result), spark, period)
            vendor_rows.append({"vendor": vendor, "tiles": [tiles[k] for k in keys_here]})
        out.append({"project": project, "period": period, "vendors": vendor_rows, "metrics": keys_here})
    return out


# ------------------------------------------------------------------ alerts


def alert_list(*, user, status: str = "", project: str = "") -> QuerySet:
    """Alerts visible to the user (a vendor user: its own vendor's), newest first. ``status``:
    open, acknowledged, resolved, or ``active`` (open or acknowledged)."""
    from steward.metrics.models import Alert

    qs = Alert.objects.visible_to(user).select_related("rule", "project", "vendor", "acknowledged_by")
    if status == "active":
        qs = qs.exclude(status=Alert.Status.RESOLVED)
    elif status:
        qs = qs.filter(status=status)
    if project:
        qs = qs.filter(project__code=project)
    return qs.filter(project__in=project_list(user=user))


def alert_get(*, user, pk: int):
    return alert_list(user=user).get(pk=pk)


def rule_list(*, user) -> QuerySet:
    from steward.metrics.models import AlertRule

    return (AlertRule.objects.visible_to(user).filter(project__in=project_list(user=user))
            .select_related("project", "vendor").order_by("project__code", "metric", "pk"))


@dataclass(frozen=True)
class HolidayCoverage:
    package: tuple[int, int]  # the years the installed holiday package has
    covered: tuple[int, int]  # the years the cn-* calendars cover with the entered ones
    package_version: str
    recomputing: int  # projects whose business minutes wait for their rebuild in the current holidays


def holiday_years(*, user) -> QuerySet[HolidayYear]:
    return HolidayYear.objects.visible_to(user).select_related("updated_by").order_by("-year")


def holiday_coverage() -> HolidayCoverage:
    """For the holiday page, whose readers are client-side (they see every project)."""
    import chinese_calendar

    from steward.interactions.services import business_minutes_stale  # the rollups' owner

    calendar = business_calendars.business_calendar("cn-9x18")
    return HolidayCoverage(calendars.chinese_package_years(), (calendar.valid_from.year, calendar.valid_to.year),
                           chinese_calendar.__version__, len(business_minutes_stale()))
