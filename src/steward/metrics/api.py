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
