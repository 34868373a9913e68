"""Metrics API: the same JSON as `steward kpi --json`, a project's SLA policies, the portfolio
and alerts. Vendor users get their own vendor's numbers only (the engine reads through
visible_to). Writes — SLA policy versions, a draft policy's backtest, alert rules, acknowledging
or resolving an alert, alert channels — go through the pages' capabilities, forms and services."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Payload, call_service, clean_form, form_detail, visible
from steward.metrics import engine, formulas, selectors, services
from steward.metrics.forms import AlertChannelForm, BacktestForm, PolicyForm

router = Router(tags=["metrics"])

DEFAULT_METRICS = ["offered", "handled", "service_level", "asa_seconds", "abandon_rate", "aht_seconds",
                   "first_response_within", "resolution_within", "csat", "nps", "ces", "complaint_rate"]



def _project(request, code: str):
    return visible(selectors.project_get, request, code=code)


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
    try:
        blocks = selectors.portfolio(user=request.user, first=q.date_from, last=q.date_to)
    except engine.EngineError as exc:  # dates with no UTC instant (year 1 or 9999)
        raise HttpError(400, str(exc)) from None
    out = []
    for block in blocks:
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
    acknowledged_at: dt.datetime | None
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


# --- writes (the pages' capabilities, forms and services) ----------------------------------

class ErrorOut(Schema):
    detail: str


class PolicyErrorItem(Schema):
    line: int | None = Field(description="The policy text's line (1-based), when the parser knows it.")
    field: str = Field(description="The policy field, e.g. terms[1].target; empty for the text as a whole.")
    message: str


class PolicyErrorOut(Schema):
    detail: str
    errors: list[PolicyErrorItem] = Field([], description="The parser's errors, one per problem found.")


class PolicyIn(Payload):
    yaml_text: str = Field(description="The policy as YAML (docs/metrics.md); its `sla:` field names it.")


def _policy_error(exc: ValidationError) -> dict:
    """A refused policy text as the API answers it: the page's messages as `detail`, and each
    parser error's line, field and message."""
    found = getattr(exc, "sla_errors", [])
    messages = exc.message_dict.get("yaml_text", exc.messages) if hasattr(exc, "error_dict") else exc.messages
    return {"detail": "\n".join(str(m) for m in messages),
            "errors": [{"line": e.line, "field": e.path, "message": e.message} for e in found]}


@router.post("/metrics/{code}/sla-policies", response={201: PolicyOut, 400: PolicyErrorOut})
@idempotent
def sla_policy_create(request, code: str, payload: PolicyIn):
    """Save a policy for the project: version 1 of a new name, or the next version of the policy
    its `sla:` field names (versions are never edited). A text the parser refuses is a 400 whose
    `errors` give each problem's line and field; an unchanged text is refused too. Honours an
    Idempotency-Key header."""
    require_perm(request, "metrics.add_slapolicy")
    project = _project(request, code)
    form = PolicyForm({"yaml_text": payload.yaml_text})
    if not form.is_valid():
        return 400, {"detail": form_detail(form), "errors": []}
    try:
        row = services.sla_policy_save(actor=request.user, project=project, text=form.cleaned_data["yaml_text"])
    except ValidationError as exc:
        return 400, _policy_error(exc)
    return 201, row


class BacktestIn(Payload):
    yaml_text: str = Field(description="A draft policy (YAML); nothing is saved.")
    vendor: str = Field(description="The vendor's code (one of the project's vendors you may see).")
    date_from: dt.date
    date_to: dt.date = Field(description="Inclusive; at most about two years after date_from.")
    kind: str = Field("month", description="Evaluate per month, week or day.")
    fee: str = Field("100000", description="The fee of each period (decimal), for credits and bonuses.")


class TermOutcomeOut(Schema):
    index: int
    metric: str
    target: str
    status: str = Field(description="met, missed or no_data; skipped terms (another period kind) are no_data.")
    skipped: bool
    credit_percent: Decimal
    credit: Decimal
    bonus: Decimal
    result: dict | None = Field(description="As `steward kpi --json`: value, numerator, denominator, ci_low, "
                                            "ci_high, params, n (and reason when there is no value).")


class BacktestPeriodOut(Schema):
    label: str
    kind: str
    date_from: dt.date
    date_to: dt.date
    fee: Decimal
    pool: Decimal
    total_credit: Decimal
    total_bonus: Decimal
    net: Decimal
    capped: bool
    terms: list[TermOutcomeOut]


class BacktestOut(Schema):
    sla: str
    version: int
    vendor: str
    periods: list[BacktestPeriodOut]
    total_credit: Decimal
    total_bonus: Decimal


@router.post("/metrics/{code}/sla-backtest", response={200: BacktestOut, 400: PolicyErrorOut})
def sla_backtest(request, code: str, payload: BacktestIn):
    """What a draft policy would have credited and paid for one vendor on past periods (every
    period of `kind` overlapping the dates). Saves nothing; as the backtest page."""
    require_perm(request, "metrics.view_slapolicy")
    project = _project(request, code)
    vendors = engine.visible_vendors(user=request.user, project=project)
    form = BacktestForm({**payload.dict(), "date_from": payload.date_from.isoformat(),
                         "date_to": payload.date_to.isoformat()}, vendors=vendors)
    if not form.is_valid():
        return 400, {"detail": form_detail(form), "errors": []}
    d = form.cleaned_data
    try:
        policy = services.parse_or_errors(d["yaml_text"])
    except ValidationError as exc:
        return 400, _policy_error(exc)
    try:
        evs = selectors.evaluate_range(user=request.user, project=project, policy=policy, vendor=d["vendor"],
                                       first=d["date_from"], last=d["date_to"], fee=d["fee"], kind=d["kind"])
    except (ValueError, OverflowError):  # dates at the calendar's ends: no period around them
        detail = _("These periods cannot be measured: choose dates in a sensible range, each period ending after it "
                   "starts.")
        return 400, {"detail": detail, "errors": []}
    periods = [{
        "label": ev.label, "kind": ev.kind, "date_from": ev.period.first, "date_to": ev.period.last,
        "fee": ev.evaluation.fee, "pool": ev.evaluation.pool, "total_credit": ev.evaluation.total_credit,
        "total_bonus": ev.evaluation.total_bonus, "net": ev.evaluation.net, "capped": ev.evaluation.capped,
        "terms": [{"index": o.index, "metric": o.metric, "target": o.target, "status": o.status,
                   "skipped": o.index in ev.skipped_terms, "credit_percent": o.credit_percent, "credit": o.credit,
                   "bonus": o.bonus, "result": o.result.as_dict() if o.result is not None else None}
                  for o in ev.evaluation.terms]} for ev in evs]
    return 200, {"sla": policy.sla, "version": policy.version, "vendor": d["vendor"], "periods": periods,
                 "total_credit": sum((ev.evaluation.total_credit for ev in evs), Decimal(0)),
                 "total_bonus": sum((ev.evaluation.total_bonus for ev in evs), Decimal(0))}


class AlertRuleIn(Payload):
    project: str = Field(max_length=32)
    metric: str = Field(max_length=40, description="A contacts metric of the catalog (not a count).")
    target: str = Field(max_length=40, description='What is acceptable, e.g. ">= 0.80" or "<= 30".')
    vendor: str = Field("", max_length=32, description="One vendor's code; empty: each of the project's vendors.")
    window: str = Field("day", description="intervals (the last N half-hours), day or month (so far).")
    intervals: int = Field(4, description="N for the intervals window (1–96).")
    min_contacts: int = Field(20, description="No alert on fewer measured contacts than this.")
    channel: str = Field("", max_length=32, description="Only this channel.")
    queue: str = Field("", max_length=64, description="Only this queue.")
    params: str = Field("", max_length=500, description="key=value, separated by commas, e.g. threshold_seconds=30.")


class AlertRuleOut(Schema):
    id: int
    project: str
    vendor: str | None
    metric: str
    params: dict
    scope: dict
    target: str
    window: str
    intervals: int
    min_contacts: int
    active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_project(rule):
        return rule.project.code

    @staticmethod
    def resolve_vendor(rule):
        return rule.vendor.code if rule.vendor_id else None


@router.post("/metrics/alert-rules", response={201: AlertRuleOut, 400: ErrorOut})
@idempotent
def alert_rule_create(request, payload: AlertRuleIn):
    """Watch a metric of a project against a target (client rule authors), as the alerts page's
    form. Honours an Idempotency-Key header."""
    from steward.metrics.views import alert_rule_form, alert_rule_save

    require_perm(request, "metrics.add_alertrule")
    form = alert_rule_form(request.user, {k: str(v) for k, v in payload.dict().items()})
    rule = alert_rule_save(request.user, form)
    if rule is None:
        return 400, {"detail": form_detail(form)}
    return 201, rule


class AlertTransitionIn(Payload):
    to: str = Field(description="acknowledged (an open alert) or resolved (an open or acknowledged one).")


@router.post("/metrics/alerts/{pk}/transition", response={200: AlertOut, 400: ErrorOut})
def alert_transition(request, pk: int, payload: AlertTransitionIn):
    """Acknowledge an alert, or resolve it by hand. A vendor's managers act on their own vendor's
    alerts only (another vendor's is not found)."""
    require_perm(request, "metrics.change_alert")
    alert = visible(selectors.alert_get, request, pk=pk)
    call_service(services.alert_transition, actor=request.user, alert=alert, to=payload.to)
    return 200, selectors.alert_get(user=request.user, pk=pk)


class AlertChannelIn(Payload):
    project: str = Field(max_length=32)
    kind: str = Field(description="email, feishu, dingtalk or wecom.")
    target: str = Field(max_length=1000, description="Email: addresses separated by commas. A bot: its webhook "
                                                     "URL (https, on the bot service's own host).")


class AlertChannelOut(Schema):
    id: int
    project: str
    kind: str
    target: str
    active: bool
    created_at: dt.datetime

    @staticmethod
    def resolve_project(channel):
        return channel.project.code


class AlertChannelPatch(Payload):
    active: bool


def _channel_author(request):
    """Alert channels are client-side configuration (webhook URLs carry the bots' secrets): rule
    authors of the client only, as the page."""
    require_perm(request, "metrics.add_alertrule")
    if not request.user.is_client_side:
        raise PermissionDenied


def _channels(request):
    from steward.metrics.models import AlertChannel

    return (AlertChannel.objects.visible_to(request.user)
            .filter(project__in=selectors.project_list(user=request.user)).select_related("project"))


@router.get("/metrics/alert-channels", response=list[AlertChannelOut])
def alert_channels(request, project: str = ""):
    """Where each project's alerts are sent besides the in-app notification (client rule authors only)."""
    _channel_author(request)
    rows = _channels(request)
    if project:
        rows = rows.filter(project__code=project)
    return list(rows.order_by("project__code", "kind", "pk")[:1000])


@router.post("/metrics/alert-channels", response={201: AlertChannelOut, 400: ErrorOut})
@idempotent
def alert_channel_create(request, payload: AlertChannelIn):
    """Add an email or group-bot channel to a project, as the channels page. Honours an
    Idempotency-Key header."""
    _channel_author(request)
    projects = selectors.project_list(user=request.user)
    form = AlertChannelForm(payload.dict(), projects=projects)
    d = clean_form(form)
    try:
        channel = services.alert_channel_create(actor=request.user, project=projects.get(code=d["project"]),
                                                kind=d["kind"], target=d["target"])
    except ValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
        for field, messages in errors.items():
            form.add_error(field if field in form.fields else None, messages)
        return 400, {"detail": form_detail(form)}
    return 201, channel


@router.patch("/metrics/alert-channels/{pk}", response={200: AlertChannelOut, 400: ErrorOut})
def alert_channel_edit(request, pk: int, payload: AlertChannelPatch):
    """Pause (`active: false`) or resume a channel, as the page's toggle."""
    _channel_author(request)
    channel = _channels(request).filter(pk=pk).first()
    if channel is None:
        raise Http404
    if channel.active != payload.active:
        channel = services.alert_channel_toggle(actor=request.user, channel=channel)
    return 200, channel
