"""Metrics API (read-only): the same JSON as `steward kpi --json`, and a project's SLA policies.
Vendor users get their own vendor's numbers only (the engine reads through visible_to)."""

import datetime as dt

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from steward.api.permissions import require_perm
from steward.metrics import engine, formulas, selectors

router = Router(tags=["metrics"])

DEFAULT_METRICS = ["offered", "handled", "service_level", "asa_seconds", "abandon_rate", "aht_seconds",
                   "first_response_within", "resolution_within", "csat", "nps", "ces", "complaint_rate"]



def _project(request, code: str):
    try:
        return selectors.project_get(user=request.user, code=code)
    except ObjectDoesNotExist:
        raise Http404 from None


class KpiQuery(Schema):
    date_from: dt.date
    date_to: dt.date
    by: str = "total"
    vendor: str = ""
    metrics: str = ""  # comma-separated catalog keys
    param: list[str] = []  # key=value, as on the command line


@router.get("/metrics/{code}/kpi")
def kpi(request, code: str, q: Query[KpiQuery]):
    require_perm(request, "metrics.view_kpi")
    project = _project(request, code)
    keys = [k.strip() for k in q.metrics.split(",") if k.strip()] or DEFAULT_METRICS
    vendors = [q.vendor] if q.vendor else None
    try:
        params = formulas.params_from_text(keys, q.param)
        period = engine.period(q.date_from, q.date_to, project.time_zone)
        rows = engine.measure(user=request.user, project=project, period=period, metrics=params,
                              vendors=vendors, grouping=q.by)
    except (KeyError, ValueError) as exc:
        raise HttpError(400, str(exc).strip("'\"")) from None
    return [r.as_dict() for r in rows]


class CompareQuery(Schema):
    metric: str
    a_from: dt.date
    a_to: dt.date
    b_from: dt.date | None = None  # default: A's dates (two vendors)
    b_to: dt.date | None = None
    a_vendor: str = ""  # "": every vendor the caller may see
    b_vendor: str | None = None  # default: A's vendor (two periods)
    param: list[str] = []  # key=value, as on the command line


@router.get("/metrics/{code}/compare")
def compare(request, code: str, q: Query[CompareQuery]):
    """One metric for two sides — two vendors in one period, or one vendor (or all) in two
    periods — with the two-proportion or Welch test, B − A, and the plain-language verdict."""
    from steward.metrics import compare as compare_mod
    from steward.metrics.views import comparison_view

    require_perm(request, "metrics.view_kpi")
    project = _project(request, code)
    try:
        compared = compare_mod.from_request(user=request.user, project=project, metric=q.metric, a_from=q.a_from,
                                            a_to=q.a_to, b_from=q.b_from, b_to=q.b_to, a_vendor=q.a_vendor,
                                            b_vendor=q.b_vendor, param_pairs=q.param)
    except (KeyError, ValueError) as exc:
        raise HttpError(400, str(exc).strip("'\"")) from None
    names = {v.code: v.name for v in engine.visible_vendors(user=request.user, project=project)}
    return {**compared.as_dict(), "sentence": comparison_view(compared, names)["sentence"]}


class PolicyOut(Schema):
    id: int
    name: str
    version: int
    yaml_text: str
    created_at: dt.datetime


@router.get("/metrics/{code}/sla-policies", response=list[PolicyOut])
def sla_policies(request, code: str):
    require_perm(request, "metrics.view_slapolicy")
    project = _project(request, code)
    return list(selectors.policy_list(user=request.user, project=project).order_by("name", "-version"))


class PortfolioQuery(Schema):
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@router.get("/metrics/portfolio")
def portfolio(request, q: Query[PortfolioQuery]):
    """Every visible project × vendor × key metric: the result (as `steward kpi --json`), the SLA
    target it is coloured against and the colour (green, amber, red, none)."""
    require_perm(request, "metrics.view_kpi")
    if bool(q.date_from) != bool(q.date_to):
        raise HttpError(400, "give both date_from and date_to, or neither for the month to date")
    if q.date_from and q.date_to and (q.date_to < q.date_from or (q.date_to - q.date_from).days > 800):
        raise HttpError(400, "date_to must not be before date_from, and the period at most about two years")
    out = []
    for block in selectors.portfolio(user=request.user, first=q.date_from, last=q.date_to):
        out.append({
            "project": block["project"].code, "date_from": block["period"].first, "date_to": block["period"].last,
            "vendors": [{"vendor": row["vendor"].code, "tiles": [{
                "metric": t.metric, "colour": t.colour, "target": str(t.target) if t.target else None,
                "policy": t.policy or None, "scope": t.term.scope_values if t.term else {},
                "result": t.result.as_dict()} for t in row["tiles"]]} for row in block["vendors"]]})
    return out


class AlertOut(Schema):
    id: int
    project: str
    vendor: str
    metric: str
    target: str
    window: str
    status: str
    value: float | None
    numerator: float | None
    denominator: int | None
    ci_low: float | None
    ci_high: float | None
    opened_at: dt.datetime
    last_seen_at: dt.datetime
    resolved_at: dt.datetime | None
    window_start: dt.datetime
    window_end: dt.datetime

    @staticmethod
    def resolve_project(obj):
        return obj.project.code

    @staticmethod
    def resolve_vendor(obj):
        return obj.vendor.code

    @staticmethod
    def resolve_metric(obj):
        return obj.rule.metric

    @staticmethod
    def resolve_target(obj):
        return obj.rule.target

    @staticmethod
    def resolve_window(obj):
        return obj.rule.window


class AlertQuery(Schema):
    status: str = "active"  # active (open or acknowledged), open, acknowledged, resolved, or "" for all
    project: str = ""


@router.get("/metrics/alerts", response=list[AlertOut])
def alerts(request, q: Query[AlertQuery]):
    require_perm(request, "metrics.view_alert")
    if q.status not in ("", "active", "open", "acknowledged", "resolved"):
        raise HttpError(400, "status must be active, open, acknowledged, resolved or empty")
    return list(selectors.alert_list(user=request.user, status=q.status, project=q.project)[:500])
