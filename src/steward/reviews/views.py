"""Vendor scorecards (board, one vendor's drill-down), weights, and the review pack downloads.
Reads through selectors (visible_to), so a vendor user sees only its own vendor."""

import datetime as dt

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from steward.core.decorators import permission_required
from steward.core.pages import get_or_404
from steward.reviews import pack, scoring, selectors, services
from steward.reviews.forms import MonthForm, WeightForm


def _month(request) -> tuple[dt.date, MonthForm, str]:
    text = (request.GET.get("month") or "").strip()
    form = MonthForm(request.GET or None, initial={"month": f"{selectors.last_month():%Y-%m}"})
    if not text:
        return selectors.last_month(), form, ""
    try:
        return selectors.parse_month(text), form, ""
    except selectors.PeriodError as exc:
        return selectors.last_month(), form, str(exc)


def _trend_svg(trend, width=160, height=36):
    values = [float(t) for _m, t in trend if t is not None]
    if not values:
        return ""
    points = []
    for i, (_m, t) in enumerate(trend):
        if t is None:
            continue
        x = 4 + (width - 8) * i / max(len(trend) - 1, 1)
        y = height - 4 - (height - 8) * float(t) / 100
        points.append(f"{x:.1f},{y:.1f}")
    return " ".join(points)


@permission_required("reviews.view_scorecard")
def board(request):
    month, form, error = _month(request)
    weights = selectors.weights_dict()
    rows = selectors.scoreboard(user=request.user, month=month, weights=weights)
    for r in rows:
        r.points = _trend_svg(r.trend)
    return render(request, "reviews/board.html", {
        "month": month, "form": form, "error": error, "rows": rows,
        "weight_rows": [(pack.component_label(k), w) for k, w in weights.items()],
        "labels": [pack.component_label(k) for k in selectors.DEFAULT_WEIGHTS]})


@permission_required("reviews.view_scorecard")
def vendor(request, code: str):
    v = get_or_404(selectors.vendor_get, request, code=code)
    month, form, error = _month(request)
    reads = selectors.Reads(user=request.user, vendors=[v])
    results = selectors.sla_results(user=request.user, vendor=v, month=month, reads=reads)
    comps = selectors.components(user=request.user, vendor=v, month=month, results=results, reads=reads)
    score = scoring.combine(comps, selectors.weights_dict())
    parts = [{"part": p, "label": pack.component_label(p.component.key)} for p in score.parts]
    return render(request, "reviews/vendor.html", {
        "vendor": v, "month": month, "form": form, "error": error, "score": score, "parts": parts,
        "sla": results, "compliance_included": selectors.compliance_model() is not None})


@permission_required("reviews.change_weights")
def weights(request):
    instance = selectors.weights_get()
    form = WeightForm(request.POST or None, instance=instance,
                      initial=None if instance else selectors.DEFAULT_WEIGHTS)
    if request.method == "POST" and form.is_valid():
        services.weights_save(actor=request.user, **{k: form.cleaned_data[k] for k in WeightForm.Meta.fields})
        messages.success(request, _("Weights saved."))
        return redirect("reviews:board")
    return render(request, "core/form.html", {"form": form, "title": _("Scorecard weights"),
                                              "back_url": reverse("reviews:board")})


def _download(request, code: str, kind: str):
    v = get_or_404(selectors.vendor_get, request, code=code)
    month, _form, error = _month(request)
    if error:
        messages.error(request, error)
        return redirect(reverse("reviews:vendor", kwargs={"code": v.code}))
    data = pack.gather(user=request.user, vendor=v, month=month)
    name = f"review-{v.code}-{month:%Y-%m}"
    if kind == "pdf":
        response = HttpResponse(pack.render_pdf(data), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    else:
        response = HttpResponse(pack.render_xlsx(data),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


@permission_required("reviews.view_scorecard")
def pack_pdf(request, code: str):
    return _download(request, code, "pdf")


@permission_required("reviews.view_scorecard")
def pack_xlsx(request, code: str):
    return _download(request, code, "xlsx")
