"""KPI dashboard and SLA policy pages. Thin: numbers come from selectors/engine, writes from
services; every read is scoped to the signed-in user."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from steward.core.decorators import permission_required
from steward.core.pages import SMALLINT_MAX, paginate, whole_number
from steward.metrics import compare as compare_mod
from steward.metrics import engine, formulas, selectors, services, sla
from steward.metrics.forms import (AlertChannelForm, AlertRuleForm, BacktestForm, CompareForm, EvaluateForm, HeatmapForm,
                                   HolidayYearForm, PeriodCompareForm, PeriodForm, PolicyForm)
from steward.metrics.heatmap import HEATMAP_METRICS
from steward.metrics.formulas import CATALOG, MetricResult
from steward.metrics.texts import period_verdict_sentence, verdict_sentence

DASHBOARD_METRICS = ["offered", "handled", "service_level", "asa_seconds", "abandon_rate", "aht_seconds",
                     "first_response_within", "resolution_within", "fcr", "csat", "nps", "ces",
                     "complaint_rate", "response_rate", "qa_score", "qa_pass_rate"]
LABELS = {
    "offered": gettext_lazy("Offered"),
    "handled": gettext_lazy("Handled"),
    "short_abandoned": gettext_lazy("Short abandons"),
    "service_level": gettext_lazy("Service level"),
    "asa_seconds": gettext_lazy("Average speed of answer"),
    "abandon_rate": gettext_lazy("Abandon rate"),
    "aht_seconds": gettext_lazy("Average handle time"),
    "first_response_within": gettext_lazy("First response in time"),
    "resolution_within": gettext_lazy("Resolved in time"),
    "fcr": gettext_lazy("First-contact resolution"),
    "csat": gettext_lazy("CSAT"),
    "nps": gettext_lazy("NPS"),
    "ces": gettext_lazy("Customer effort"),
    "complaint_rate": gettext_lazy("Complaint rate"),
    "qa_score": gettext_lazy("QA score"),
    "qa_pass_rate": gettext_lazy("QA pass rate"),
    "response_rate": gettext_lazy("Survey response rate"),
}
REASONS = {
    "zero_denominator": gettext_lazy("no contacts to measure"),
    "fcr_not_available": gettext_lazy("not available yet (needs stored repeat contacts)"),
    "qa_not_available": gettext_lazy("not available yet (needs QA evaluations)"),
    "no_business_calendar": gettext_lazy("needs the project's business calendar (none set, or its business "
                                         "minutes are still being recomputed after a change)"),
    "outside_business_calendar": gettext_lazy("some contacts fall on dates the business calendar has no "
                                              "holiday data for"),
    "calendar_mismatch": gettext_lazy("the policy counts business hours in another calendar than the "
                                      "project's"),
    "no_threshold_for_priority": gettext_lazy("no threshold for a priority that has contacts"),
    "score_outside_scale": gettext_lazy("answers outside the scale"),
    "surveyed_not_in_statistics": gettext_lazy("not available yet (survey counts not in the rollups)"),
}
TREND_METRICS = ("service_level", "csat")
SERIES_CLASSES = ("series-1", "series-2", "series-3", "series-4", "series-5")
SERIES_COLOURS = ("#1f6feb", "#d1242f", "#1a7f37", "#9a6700", "#8250df")


def reason_text(result: MetricResult) -> str:
    """Why a figure has no value, in words (a QA metric without evaluations says so)."""
    if result.reason == "zero_denominator" and CATALOG[result.key].source == "qa":
        return str(NO_EVALUATIONS)
    return str(REASONS.get(result.reason, result.reason or ""))


NO_EVALUATIONS = gettext_lazy("no QA evaluations of these contacts")


def label(key: str) -> str:
    return str(LABELS.get(key, key))


def format_value(key: str, value) -> str:
    if value is None:
        return "—"
    unit = CATALOG[key].unit
    if unit == "share":
        return f"{100 * value:.1f}%"
    if unit == "seconds":
        return f"{value:.1f} s"
    if unit == "contacts":
        return f"{int(value):,}"
    return f"{value:.2f}" if unit == "score" else f"{value:.1f}"


def cell(result: MetricResult, drill: str) -> dict:
    interval = None
    if result.interval_low is not None and result.interval_high is not None:
        interval = f"{format_value(result.key, result.interval_low)} – {format_value(result.key, result.interval_high)}"
    numerator = result.numerator
    if isinstance(numerator, float):
        numerator = f"{numerator:,.0f}"
    return {"value": format_value(result.key, result.value), "numerator": numerator,
            "denominator": result.denominator, "interval": interval, "n": result.n,
            "reason": reason_text(result), "url": drill}


def _project(request, code: str):
    try:
        return selectors.project_get(user=request.user, code=code)
    except ObjectDoesNotExist:
        raise Http404(_("No such project.")) from None


def _policy(request, project, pk: int):
    try:
        return selectors.policy_get(user=request.user, project=project, pk=pk)
    except ObjectDoesNotExist:
        raise Http404(_("No such SLA policy.")) from None


def drill_url(project, vendor_code: str, period: engine.Period, **filters) -> str:
    """The interactions explorer filtered to the contacts behind a figure (its parameters:
    project, vendor — empty: every vendor the reader sees —, date_from, date_to, queue, channel,
    agent, weekday, hour, direction)."""
    query = {"project": project.code, "vendor": vendor_code, "date_from": period.first.isoformat(),
             "date_to": period.last.isoformat(), **filters}
    if not vendor_code:
        del query["vendor"]
    return reverse("interactions:list") + "?" + urlencode(query)


HEAT_STEPS = 6


def _short(key: str, value) -> str:
    """A heatmap cell's compact figure (the full one is in its label)."""
    if value is None:
        return ""
    unit = CATALOG[key].unit
    if unit == "share":
        return f"{100 * value:.0f}"
    return f"{value:,.0f}"


def heatmap_view(user, project, vendors, period: engine.Period, metric: str, vendor_code: str = "",
                 scope: dict | None = None, targets: dict | None = None) -> dict:
    """The 7 × 24 grid of ``metric`` (local weekday × hour), each cell shaded on the grid's own
    min…max and linked to its inbound contacts in the explorer. ``targets``: the project's
    ``selectors.policy_targets``, where the caller has read them already."""
    from django.utils.dates import WEEKDAYS

    from steward.metrics import heatmap

    if targets is None:
        targets = selectors.policy_targets(user=user, project=project)
    term = targets.get(metric, (None, ""))[0]
    params = term.clean_params if term is not None and not term.scope_values else None
    codes = [vendor_code] if vendor_code else [v.code for v in vendors]
    grid = heatmap.heatmap(user=user, project=project, period=period, metric=metric, params=params,
                           vendors=codes, scope=scope)
    values = grid.values()
    low, high = (min(values), max(values)) if values else (0.0, 0.0)
    rows = []
    for wd in heatmap.WEEKDAYS:
        day = str(WEEKDAYS[wd - 1])
        cells = []
        for hr in heatmap.HOURS:
            r = grid.cells[(wd, hr)]
            figure = format_value(metric, r.value) if r.value is not None else str(
                REASONS.get(r.reason, r.reason or "—"))
            text = _("%(day)s %(hour)s: %(metric)s %(value)s (n = %(n)s)") % {
                "day": day, "hour": f"{hr:02d}:00–{hr:02d}:59", "metric": label(metric), "value": figure, "n": r.n}
            cells.append({"hour": hr, "short": _short(metric, r.value), "label": text, "n": r.n,
                          "shade": heatmap.shade(r.value, low, high, HEAT_STEPS),
                          "url": drill_url(project, vendor_code, period, weekday=wd, hour=hr, direction="inbound",
                                           **(scope or {}))})
        rows.append({"weekday": wd, "label": day, "cells": cells})
    steps = [{"shade": i, "low": format_value(metric, low + (high - low) * i / HEAT_STEPS),
              "high": format_value(metric, low + (high - low) * (i + 1) / HEAT_STEPS)} for i in range(HEAT_STEPS)]
    return {"metric": metric, "label": label(metric), "rows": rows, "hours": [f"{h:02d}" for h in heatmap.HOURS],
            "legend": steps if values else [], "params": grid.params, "policy_params": params is not None,
            "unit": CATALOG[metric].unit}


BREAKDOWNS = {"queue": gettext_lazy("Queue"), "agent": gettext_lazy("Agent"), "channel": gettext_lazy("Channel")}
BREAKDOWN_METRICS = ["offered", "service_level", "asa_seconds", "abandon_rate", "aht_seconds", "csat", "qa_score"]
DASHBOARD_SCOPE = ("channel", "queue")  # the explorer filters a drill-down can carry
DRILL_FILTER = {"queue": "queue", "agent": "agent", "channel": "channel"}


def breakdown(user, project, vendors, period: engine.Period, by: str) -> dict:
    """Per vendor and queue (agent, channel): the main metrics, each linked to its contacts."""
    rows = []
    for v in vendors:
        for r in engine.measure(user=user, project=project, period=period, metrics=BREAKDOWN_METRICS,
                                vendors=[v.code], grouping=by):
            value = r.group[by]
            url = drill_url(project, v.code, period, **({DRILL_FILTER[by]: value} if value else {}))
            rows.append({"vendor": v, "value": value or "—",
                         "cells": [cell(r.results[k], url) for k in BREAKDOWN_METRICS]})
    return {"by": by, "by_label": BREAKDOWNS[by], "headers": [label(k) for k in BREAKDOWN_METRICS],
            "rows": rows}


def default_periods(time_zone: str) -> list[tuple[str, engine.Period]]:
    today = dt.datetime.now(zoneinfo.ZoneInfo(time_zone)).date()
    this_month = today.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    return [(_("Last month (%(month)s)") % {"month": f"{last_month:%Y-%m}"},
             engine.period(last_month, this_month - dt.timedelta(days=1), time_zone)),
            (_("Month to date (%(month)s)") % {"month": f"{this_month:%Y-%m}"},
             engine.period(this_month, today, time_zone))]


def kpi_table(user, project, vendors, period: engine.Period, scope: dict | None = None,
              params: dict | None = None) -> list[dict]:
    """Metric × vendor cells; ``scope`` (channel/queue) narrows the contacts, ``params`` gives
    metric parameters (the portfolio passes the SLA term's, so a drill-down shows its number)."""
    params = params or {}
    rows = engine.measure(user=user, project=project, period=period,
                          metrics={k: params.get(k) for k in DASHBOARD_METRICS},
                          vendors=[v.code for v in vendors], grouping="vendor", scope=scope)
    by_vendor = {r.group["vendor"]: r for r in rows}
    empty = engine.contact_stats_from_nothing()
    table = []
    for key in DASHBOARD_METRICS:
        cells = []
        for v in vendors:
            row = by_vendor.get(v.code)
            if row:
                result = row.results[key]
            elif key == "fcr":
                result = engine.fcr_result(formulas.FcrCounts(), params.get(key))
            elif CATALOG[key].source == "qa":
                result = formulas.compute(key, formulas.QaStats(), params.get(key))
            else:
                result = engine.result_for(key, empty, params.get(key))
            cells.append({**cell(result, drill_url(project, v.code, period, **(scope or {}))), "vendor": v.code})
        table.append({"key": key, "label": label(key), "cells": cells})
    return table


def trend_charts(user, project, vendors, period: engine.Period, targets: dict | None = None) -> list[dict]:
    """Daily lines per vendor of service level and CSAT for inline SVGs (no script, no external
    asset), each with its 95% interval as a shaded band and the SLA target as a dashed line
    (the project's newest policy term for the metric, measured with that term's parameters
    when it has no scope). One grouped query per vendor, reading only the histograms needed.
    ``targets``: the project's ``selectors.policy_targets``, where the caller has read them."""
    width, height, pad = 640, 180, 30
    days = (period.last - period.first).days + 1
    if targets is None:
        targets = selectors.policy_targets(user=user, project=project)
    terms = {key: targets[key][0] for key in TREND_METRICS if key in targets}
    params = {key: t.clean_params for key, t in terms.items() if not t.scope_values}
    points = {key: [] for key in TREND_METRICS}
    bands = {key: [] for key in TREND_METRICS}

    def xy(day, value):
        x = pad + (width - 2 * pad) * ((day - period.first).days / max(days - 1, 1))
        return f"{x:.1f},{height - pad - (height - 2 * pad) * min(max(value, 0.0), 1.0):.1f}"

    for v in vendors:
        rows = engine.measure(user=user, project=project, period=period,
                              metrics={k: params.get(k) for k in TREND_METRICS}, vendors=[v.code],
                              grouping="day", bucket_kinds=(formulas.WAIT_ANSWERED, formulas.WAIT_ABANDONED))
        for key in TREND_METRICS:
            line, upper, lower = [], [], []
            for r in rows:
                result = r.results[key]
                if result.value is None:
                    continue
                line.append(xy(r.group["day"], result.value))
                if result.interval_low is not None and result.interval_high is not None:
                    upper.append(xy(r.group["day"], result.interval_high))
                    lower.append(xy(r.group["day"], result.interval_low))
            points[key].append(line)
            bands[key].append(" ".join(upper + lower[::-1]) if len(upper) >= 2 else "")
    grid = [{"y": height - pad - (height - 2 * pad) * f, "label": f"{int(100 * f)}%"} for f in (0, 0.5, 1)]
    charts = []
    for key in TREND_METRICS:
        series = [{"vendor": v, "points": " ".join(line), "count": len(line), "band": band,
                   "colour": SERIES_COLOURS[i % len(SERIES_COLOURS)]}
                  for i, (v, line, band) in enumerate(zip(vendors, points[key], bands[key], strict=True))]
        target = None
        term = terms.get(key)
        if term is not None and 0 <= float(term.target.threshold) <= 1:
            y = height - pad - (height - 2 * pad) * float(term.target.threshold)
            target = {"y": f"{y:.1f}", "label": f"{term.target.op} {format_value(key, float(term.target.threshold))}",
                      "scoped": bool(term.scope_values)}
        charts.append({"key": key, "label": label(key), "series": series, "width": width, "height": height,
                       "grid": grid, "first": period.first, "last": period.last, "x_end": width - pad, "pad": pad,
                       "target": target})
    return charts


def comparison_view(compared: compare_mod.Compared, names: dict[str, str], project=None) -> dict:
    """The verdict sentence and figures of a comparison: vendors by name, periods by label; with
    ``project``, each side's figure links to its contacts."""
    key, c = compared.metric, compared.comparison
    fmt = (lambda x: format_value(key, x)) if key in compare_mod.MEAN_SAMPLES else None
    def name(code: str) -> str:
        return names.get(code, code) if code else _("All vendors")
    pa, pb = compare_mod.period_label(compared.a.period), compare_mod.period_label(compared.b.period)
    if compared.kind == "vendors":
        la, lb = name(compared.a.vendor), name(compared.b.vendor)
        sentence = verdict_sentence(c, metric_label=label(key), label_a=la, label_b=lb, format_value=fmt)
    elif compared.kind == "periods":
        la, lb = pa, pb
        sentence = period_verdict_sentence(c, metric_label=label(key), subject=name(compared.a.vendor),
                                           label_a=la, label_b=lb, format_value=fmt)
    else:
        la, lb = f"{name(compared.a.vendor)} ({pa})", f"{name(compared.b.vendor)} ({pb})"
        sentence = verdict_sentence(c, metric_label=label(key), label_a=la, label_b=lb, format_value=fmt)
    return {"comparison": c, "sentence": sentence, "a": la, "b": lb, "metric": label(key), "compared": compared,
            "cell_a": cell(compared.result_a, drill_url(project, compared.a.vendor, compared.a.period) if project else ""),
            "cell_b": cell(compared.result_b, drill_url(project, compared.b.vendor, compared.b.period) if project else "")}


SPARK_W, SPARK_H = 110, 22


def sparkline(spark) -> str:
    """SVG polyline points of a tile's daily values (0…1 for shares, scaled to the day range's
    own min…max otherwise); days without a value are skipped."""
    values = [v for _d, v in spark if v is not None]
    if len(values) < 2:
        return ""
    lo, hi = min(values), max(values)
    if 0 <= lo and hi <= 1 and all(isinstance(v, float) for v in values):
        lo, hi = 0.0, 1.0
    span = (hi - lo) or 1.0
    step = SPARK_W / max(len(spark) - 1, 1)
    return " ".join(f"{i * step:.1f},{SPARK_H - 2 - (SPARK_H - 4) * (v - lo) / span:.1f}"
                    for i, (_d, v) in enumerate(spark) if v is not None)


COLOUR_LABELS = {"green": gettext_lazy("meets target"), "amber": gettext_lazy("misses, within noise"),
                 "red": gettext_lazy("misses target"), "none": gettext_lazy("no target or no data")}


def tile_view(tile: selectors.Tile) -> dict:
    r = tile.result
    scope = {k: v[0] for k, v in (tile.term.scope_values.items() if tile.term else ())
             if k in DASHBOARD_SCOPE and len(v) == 1}
    query = {"date_from": tile.period.first.isoformat(), "date_to": tile.period.last.isoformat(),
             "focus": tile.metric, **scope}
    url = reverse("metrics:dashboard", kwargs={"code": tile.project.code}) + "?" + urlencode(query)
    interval = None
    if r.interval_low is not None and r.interval_high is not None:
        interval = f"{format_value(r.key, r.interval_low)} – {format_value(r.key, r.interval_high)}"
    target = ""
    if tile.target is not None:
        threshold = float(tile.target.threshold)
        target = f"{tile.target.op} {format_value(tile.metric, threshold)}"
    return {"metric": tile.metric, "label": label(tile.metric), "value": format_value(tile.metric, r.value),
            "n": r.n, "interval": interval, "target": target, "colour": tile.colour,
            "colour_label": COLOUR_LABELS[tile.colour], "policy": tile.policy,
            "reason": reason_text(r) if r.value is None else "",
            "scope": ", ".join(f"{k}={'|'.join(v)}" for k, v in tile.term.scope_values.items()) if tile.term else "",
            "url": url, "spark": sparkline(tile.spark), "spark_w": SPARK_W, "spark_h": SPARK_H}


@permission_required("metrics.view_kpi")
def index(request):
    """The portfolio: every visible project × vendor × key metric as a tile against its SLA
    target, and the project list."""
    form = PeriodForm(request.GET or None)
    first = last = None
    if form.is_valid() and form.cleaned_data.get("date_from"):
        first, last = form.cleaned_data["date_from"], form.cleaned_data["date_to"]
    projects = selectors.project_list(user=request.user)
    blocks = []
    for block in selectors.portfolio(user=request.user, first=first, last=last, projects=projects):
        blocks.append({**block, "headers": [label(k) for k in block["metrics"]],
                       "vendors": [{"vendor": v["vendor"], "tiles": [tile_view(t) for t in v["tiles"]]}
                                   for v in block["vendors"]]})
    return render(request, "metrics/index.html", {
        "projects": projects, "blocks": blocks, "form": form,
        "legend": [(k, v) for k, v in COLOUR_LABELS.items()],
        "open_alerts": selectors.alert_list(user=request.user, status="active").count()})


@permission_required("metrics.view_kpi")
@engine.one_page()
def dashboard(request, code: str):
    project = _project(request, code)
    vendors = engine.visible_vendors(user=request.user, project=project)
    form = PeriodForm(request.GET or None)
    if form.is_valid() and form.cleaned_data.get("date_from"):
        d = form.cleaned_data
        periods = [(_("%(first)s to %(last)s") % {"first": d["date_from"], "last": d["date_to"]},
                    engine.period(d["date_from"], d["date_to"], project.time_zone))]
    else:
        periods = default_periods(project.time_zone)
    scope = {k: request.GET[k] for k in DASHBOARD_SCOPE if request.GET.get(k)}
    params = {}
    focus = request.GET.get("focus", "")
    targets = selectors.policy_targets(user=request.user, project=project)  # read once for the page
    if scope or focus in CATALOG:
        # Arriving from a portfolio tile: measure as that metric's SLA term does.
        term = targets.get(focus, (None, ""))[0]
        if term is not None and term.scope_values == {k: (v,) for k, v in scope.items()}:
            params = {focus: term.clean_params}
    try:
        sections = [{"title": title, "period": p,
                     "table": kpi_table(request.user, project, vendors, p, scope or None, params)}
                    for title, p in periods]
    except (engine.EngineError, formulas.ParamError) as exc:
        raise Http404(str(exc)) from None
    main_period = periods[0][1]
    charts = trend_charts(request.user, project, vendors, main_period, targets)
    by = request.GET.get("by", "queue")
    by = by if by in BREAKDOWNS else "queue"
    table_by = breakdown(request.user, project, vendors, main_period, by)
    heat_form = HeatmapForm(request.GET if "hm_metric" in request.GET else None, vendors=vendors,
                            metrics=[(k, label(k)) for k in HEATMAP_METRICS])
    heat = None
    if heat_form.is_bound and heat_form.is_valid():
        heat = heatmap_view(request.user, project, vendors, main_period, heat_form.cleaned_data["hm_metric"],
                            heat_form.cleaned_data["hm_vendor"], scope or None, targets)
    elif not heat_form.is_bound:
        heat = heatmap_view(request.user, project, vendors, main_period, "offered", "", scope or None, targets)
    comparison, compare_form = None, None
    names = {v.code: v.name for v in vendors}
    choices = [(k, label(k)) for k in compare_mod.COMPARABLE]
    if len(vendors) >= 2:
        initial = {"a": vendors[0].code, "b": vendors[1].code, "metric": "service_level"}
        data = request.GET if "metric" in request.GET else None
        compare_form = CompareForm(data, initial=initial, vendors=vendors, metrics=choices)
        if data is None or compare_form.is_valid():
            c = compare_form.cleaned_data if data is not None else initial
            comparison = comparison_view(compare_mod.compare(
                user=request.user, project=project, metric=c["metric"],
                a=compare_mod.Side(main_period, c["a"]), b=compare_mod.Side(main_period, c["b"])), names, project)
    today = dt.datetime.now(zoneinfo.ZoneInfo(project.time_zone)).date()
    last_month, this_month = compare_mod.month_periods(today, project.time_zone)
    period_initial = {"pc_metric": "service_level", "pc_vendor": "", "pc_a_from": last_month.first,
                      "pc_a_to": last_month.last, "pc_b_from": this_month.first, "pc_b_to": this_month.last}
    period_data = request.GET if "pc_metric" in request.GET else None
    period_form = PeriodCompareForm(period_data, initial=period_initial, vendors=vendors, metrics=choices)
    period_comparison = None
    if period_data is None or period_form.is_valid():
        c = period_form.cleaned_data if period_data is not None else period_initial
        try:
            sides = [compare_mod.Side(engine.period(c[f"pc_{s}_from"], c[f"pc_{s}_to"], project.time_zone),
                                      c["pc_vendor"]) for s in ("a", "b")]
        except engine.EngineError:
            period_form.add_error(None, _("These periods cannot be measured: choose dates in a sensible range, each period ending after it starts."))
        else:
            period_comparison = comparison_view(compare_mod.compare(
                user=request.user, project=project, metric=c["pc_metric"], a=sides[0], b=sides[1]), names, project)
    return render(request, "metrics/dashboard.html", {
        "project": project, "vendors": vendors, "form": form, "sections": sections, "charts": charts,
        "compare_form": compare_form, "comparison": comparison, "main_period": main_period,
        "aligned": all(p.aligned for _t, p in periods), "breakdown": table_by,
        "breakdowns": [(k, str(v)) for k, v in BREAKDOWNS.items()], "scope": scope, "focus": focus,
        "heat_form": heat_form, "heatmap": heat, "period_form": period_form, "period_comparison": period_comparison,
    })


# ------------------------------------------------------------------ SLA policies

EXAMPLE_POLICY = """sla: {code}-sla
version: 1
at_risk_percent: 10
terms:
  - metric: service_level
    params: {{threshold_seconds: 20, short_abandon_seconds: 5}}
    target: ">= 0.80"
    allocation_percent: 60
    credit_tiers: [{{below: 0.80, credit_percent: 50}}, {{below: 0.75, credit_percent: 100}}]
  - metric: csat
    params: {{scale: 5, top_box: 2}}
    target: ">= 0.85"
    allocation_percent: 40
    bonus: {{at_or_above: 0.92, bonus_percent: 2}}
"""


def outcome_rows(evaluation: sla.Evaluation, skipped=()) -> list[dict]:
    rows = []
    for o in evaluation.terms:
        r = o.result
        rows.append({"outcome": o, "label": label(o.metric), "skipped": o.index in skipped,
                     "cell": cell(r, "") if r is not None else None})
    return rows


@permission_required("metrics.view_slapolicy")
def sla_list(request, code: str):
    project = _project(request, code)
    return render(request, "metrics/sla_list.html", {
        "project": project, "policies": selectors.policy_latest(user=request.user, project=project)})


def _save(request, project, initial_text: str, title: str):
    if request.method == "POST":
        form = PolicyForm(request.POST)
        if form.is_valid():
            try:
                row = services.sla_policy_save(actor=request.user, project=project, text=form.cleaned_data["yaml_text"])
            except ValidationError as exc:
                for message in exc.message_dict.get("yaml_text", exc.messages):
                    form.add_error("yaml_text", message)
            else:
                messages.success(request, _("Saved %(policy)s.") % {"policy": row})
                return redirect(row.get_absolute_url())
    else:
        form = PolicyForm(initial={"yaml_text": initial_text})
    return render(request, "metrics/sla_edit.html", {"project": project, "form": form, "title": title})


@permission_required("metrics.add_slapolicy")
def sla_new(request, code: str):
    project = _project(request, code)
    return _save(request, project, EXAMPLE_POLICY.format(code=project.code), _("New SLA policy"))


@permission_required("metrics.add_slapolicy")
def sla_edit(request, code: str, pk: int):
    project = _project(request, code)
    policy = _policy(request, project, pk)
    return _save(request, project, policy.yaml_text,
                 _("Edit %(policy)s (saves a new version)") % {"policy": policy})


@permission_required("metrics.view_slapolicy")
def sla_detail(request, code: str, pk: int):
    project = _project(request, code)
    row = _policy(request, project, pk)
    versions = selectors.policy_list(user=request.user, project=project).filter(name=row.name).order_by("-version")
    vendors = engine.visible_vendors(user=request.user, project=project)
    parsed, parse_errors = None, []
    try:
        parsed = sla.parse_policy(row.yaml_text)
    except sla.SlaValidationError as exc:  # stored under an older parser: still shown, not evaluated
        parse_errors = [str(e) for e in exc.errors]
    today = dt.datetime.now(zoneinfo.ZoneInfo(project.time_zone)).date()
    last_month = (today.replace(day=1) - dt.timedelta(days=1))
    initial = {"vendor": vendors[0].code if vendors else "", "period": f"{last_month:%Y-%m}", "fee": "100000"}
    form = EvaluateForm(request.GET if "period" in request.GET else None, initial=initial, vendors=vendors)
    result = None
    if parsed is not None and vendors:
        if form.is_bound and form.is_valid():
            (kind, day), vendor, fee = form.cleaned_data["period"], form.cleaned_data["vendor"], form.cleaned_data["fee"]
        elif not form.is_bound:
            kind, day, vendor, fee = "month", last_month, initial["vendor"], Decimal("100000")
        else:
            kind = None
        if kind:
            ev = selectors.evaluate_period(user=request.user, project=project, policy=parsed, vendor=vendor,
                                           kind=kind, day=day, fee=fee)
            result = {"period": ev, "rows": outcome_rows(ev.evaluation, ev.skipped_terms), "vendor": vendor}
    return render(request, "metrics/sla_detail.html", {
        "project": project, "policy": row, "versions": versions, "form": form, "result": result,
        "parse_errors": parse_errors})


@permission_required("metrics.view_slapolicy")
def sla_diff(request, code: str, pk: int):
    project = _project(request, code)
    new = _policy(request, project, pk)
    versions = selectors.policy_list(user=request.user, project=project).filter(name=new.name).order_by("-version")
    other_pk = whole_number(request.GET.get("other", ""))
    old = None
    if other_pk is not None:
        old = versions.filter(pk=other_pk).first()
    if old is None:
        old = versions.filter(version__lt=new.version).first()
    changes, error = [], None
    if old is not None:
        try:
            changes = sla.diff_policies(sla.parse_policy(old.yaml_text), sla.parse_policy(new.yaml_text))
        except sla.SlaValidationError as exc:
            error = str(exc)
    return render(request, "metrics/sla_diff.html", {"project": project, "policy": new, "old": old,
                                                      "versions": versions, "changes": changes, "error": error})


@permission_required("metrics.view_slapolicy")
def sla_backtest(request, code: str):
    """Evaluate a draft policy on a past range; nothing is saved."""
    project = _project(request, code)
    vendors = engine.visible_vendors(user=request.user, project=project)
    results, totals = None, None
    if request.method == "POST":
        form = BacktestForm(request.POST, vendors=vendors)
        if form.is_valid():
            d = form.cleaned_data
            try:
                policy = services.parse_or_errors(d["yaml_text"])
            except ValidationError as exc:
                for message in exc.message_dict.get("yaml_text", exc.messages):
                    form.add_error("yaml_text", message)
            else:
                evs = selectors.evaluate_range(user=request.user, project=project, policy=policy, vendor=d["vendor"],
                                               first=d["date_from"], last=d["date_to"], fee=d["fee"], kind=d["kind"])
                results = [{"period": ev, "rows": outcome_rows(ev.evaluation, ev.skipped_terms)} for ev in evs]
                totals = {"credit": sum(ev.evaluation.total_credit for ev in evs),
                          "bonus": sum(ev.evaluation.total_bonus for ev in evs)}
    else:
        latest = selectors.policy_latest(user=request.user, project=project)
        today = dt.datetime.now(zoneinfo.ZoneInfo(project.time_zone)).date()
        first = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        first = (first - dt.timedelta(days=1)).replace(day=1)
        form = BacktestForm(vendors=vendors, initial={
            "yaml_text": latest[0].yaml_text if latest else EXAMPLE_POLICY.format(code=project.code),
            "date_from": first, "date_to": today.replace(day=1) - dt.timedelta(days=1), "kind": "month",
            "fee": "100000"})
    return render(request, "metrics/sla_backtest.html", {"project": project, "form": form, "results": results,
                                                          "totals": totals})


# ------------------------------------------------------------------ alerts

ALERT_TABS = (("active", gettext_lazy("Active")), ("resolved", gettext_lazy("Resolved")), ("", gettext_lazy("All")))


def alert_rule_form(user, data=None) -> AlertRuleForm:
    """The alert rule form with the user's projects and vendors (the page and the API)."""
    from steward.core.models import Vendor
    from steward.metrics.models import AlertRule

    projects = list(selectors.project_list(user=user))
    vendors = Vendor.objects.visible_to(user).filter(projects__in=projects).distinct().order_by("code")
    metrics_ = [(k, label(k)) for k, spec in CATALOG.items() if spec.source == "contacts" and spec.kind != "count"]
    return AlertRuleForm(data, projects=projects, vendors=vendors, metrics=metrics_,
                         windows=AlertRule.Window.choices)


def alert_rule_save(user, form: AlertRuleForm):
    """Create the rule a bound form describes through ``services.alert_rule_create``: the rule,
    or None with the errors on the form (the service's on their fields). The page and the API
    call it. A chosen vendor that does not serve the project is refused (not widened to every
    vendor)."""
    from steward.core.models import Vendor

    if not form.is_valid():
        return None
    d = form.cleaned_data
    project = selectors.project_get(user=user, code=d["project"])  # a choice of the user's projects
    vendor = Vendor.objects.visible_to(user).filter(code=d["vendor"]).first() if d["vendor"] else None
    try:
        return services.alert_rule_create(
            actor=user, project=project, vendor=vendor, metric=d["metric"], target=d["target"],
            window=d["window"], intervals=d["intervals"], min_contacts=d["min_contacts"], params=d["params"],
            scope={"channel": d["channel"], "queue": d["queue"]})
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return None


@permission_required("metrics.view_alert")
def alert_list(request):
    status = request.GET.get("status", "active")
    status = status if status in {k for k, _l in ALERT_TABS} | {"open", "acknowledged"} else "active"
    project = request.GET.get("project", "")
    page = paginate(request, selectors.alert_list(user=request.user, status=status, project=project))
    form = None
    if request.user.has_perm("metrics.add_alertrule"):
        form = alert_rule_form(request.user)
    return render(request, "metrics/alert_list.html", {
        "page": page, "status": status, "tabs": ALERT_TABS, "rules": selectors.rule_list(user=request.user),
        "form": form})


@permission_required("metrics.add_alertrule")
@require_POST
def alert_rule_new(request):
    form = alert_rule_form(request.user, request.POST)
    rule = alert_rule_save(request.user, form)
    if rule is not None:
        messages.success(request, _("Alert rule saved: %(rule)s.") % {"rule": rule})
        return redirect("metrics:alerts")
    page = paginate(request, selectors.alert_list(user=request.user, status="active"))
    return render(request, "metrics/alert_list.html", {
        "page": page, "status": "active", "tabs": ALERT_TABS, "rules": selectors.rule_list(user=request.user),
        "form": form}, status=400)


@permission_required("metrics.add_alertrule")
def alert_channels(request):
    """Where each project's alerts are sent besides the in-app notification: email addresses
    and Feishu / DingTalk / WeCom group bots. Client-side rule authors only."""
    from steward.metrics.models import AlertChannel

    if not request.user.is_client_side:
        raise PermissionDenied
    projects = selectors.project_list(user=request.user)
    form = AlertChannelForm(request.POST or None, projects=projects)
    if request.method == "POST" and "toggle" in request.POST:
        pk = whole_number(request.POST.get("toggle", ""))
        channel = AlertChannel.objects.visible_to(request.user).filter(pk=pk).first() if pk is not None else None
        if channel is None:
            raise Http404(_("No such channel."))
        services.alert_channel_toggle(actor=request.user, channel=channel)
        return redirect("metrics:alert-channels")
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            channel = services.alert_channel_create(actor=request.user, project=_project(request, d["project"]),
                                                    kind=d["kind"], target=d["target"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, _("Alert channel saved: %(c)s.") % {"c": channel.get_kind_display()})
            return redirect("metrics:alert-channels")
    channels = (AlertChannel.objects.visible_to(request.user).filter(project__in=projects)
                .select_related("project").order_by("project__code", "kind", "pk"))
    return render(request, "metrics/alert_channels.html", {"form": form, "channels": channels},
                  status=400 if form.errors else 200)


@permission_required("metrics.view_alert")
def alert_detail(request, pk: int):
    try:
        alert = selectors.alert_get(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404(_("No such alert.")) from None
    tz = zoneinfo.ZoneInfo(alert.project.time_zone)
    first = alert.window_start.astimezone(tz).date()
    last = (alert.window_end - dt.timedelta(microseconds=1)).astimezone(tz).date()
    scope = {k: v for k, v in alert.rule.scope.items() if k in DASHBOARD_SCOPE and isinstance(v, str)}
    period = engine.period(first, max(first, last), alert.project.time_zone)
    return render(request, "metrics/alert_detail.html", {
        "alert": alert, "label": label(alert.rule.metric),
        "value": format_value(alert.rule.metric, alert.value),
        "worst": format_value(alert.rule.metric, alert.worst_value),
        "interval": (f"{format_value(alert.rule.metric, alert.ci_low)} – {format_value(alert.rule.metric, alert.ci_high)}"
                     if alert.ci_low is not None and alert.ci_high is not None else ""),
        "contacts_url": drill_url(alert.project, alert.vendor.code, period, **scope),
        "dashboard_url": reverse("metrics:dashboard", kwargs={"code": alert.project.code}) + "?" + urlencode(
            {"date_from": period.first.isoformat(), "date_to": period.last.isoformat(), "focus": alert.rule.metric,
             **scope}),
        "local_start": alert.window_start.astimezone(tz), "local_end": alert.window_end.astimezone(tz)})


@permission_required("metrics.change_alert")
@require_POST
def alert_transition(request, pk: int):
    try:
        alert = selectors.alert_get(user=request.user, pk=pk)
    except ObjectDoesNotExist:
        raise Http404(_("No such alert.")) from None
    to = request.POST.get("to", "")
    try:
        services.alert_transition(actor=request.user, alert=alert, to=to)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Alert updated."))
    return redirect(alert.get_absolute_url())


@permission_required("metrics.view_holidayyear")
def holiday_years(request):
    """Mainland China's holiday years entered by administrators, beside what the installed
    holiday package covers; ?year=N fills the form with an entered year to correct it."""
    can_edit = request.user.has_perm("metrics.change_holidayyear")
    if request.method == "POST" and not can_edit:
        raise PermissionDenied
    entries = selectors.holiday_years(user=request.user)
    if request.method == "POST" and "delete" in request.POST:
        year = whole_number(request.POST["delete"], limit=SMALLINT_MAX)
        entry = entries.filter(year=year).first() if year is not None else None
        if entry is None:
            raise Http404(_("No such holiday year."))
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the confirmation to remove a year."))
            return redirect(f"{reverse('metrics:holidays')}?year={entry.year}")
        services.holiday_year_delete(actor=request.user, entry=entry)
        messages.success(request, _("The holidays of %(year)s were removed.") % {"year": entry.year})
        return redirect("metrics:holidays")
    year = whole_number(request.GET.get("year", ""), limit=SMALLINT_MAX)
    editing = entries.filter(year=year).first() if year is not None else None
    initial = {"year": editing.year, "holidays": "\n".join(editing.holidays), "workdays": "\n".join(editing.workdays),
               "source": editing.source} if editing else {}
    form = HolidayYearForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            entry = services.holiday_year_save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            first, last = selectors.holiday_coverage().covered
            if first <= entry.year <= last:
                messages.success(request, _("The holidays of %(year)s were saved; the cn-* business calendars "
                                            "use them now.") % {"year": entry.year})
            else:
                messages.warning(request, _(
                    "The holidays of %(year)s were saved, but the calendars do not use them yet: they cover "
                    "%(first)s–%(last)s, and take a year only when it follows the years they cover. Enter "
                    "the years between first.") % {"year": entry.year, "first": first, "last": last})
            return redirect("metrics:holidays")
    return render(request, "metrics/holiday_years.html", {
        "form": form, "entries": entries, "coverage": selectors.holiday_coverage(), "can_edit": can_edit,
        "editing": editing}, status=400 if form.errors else 200)
