"""Reviews API: the vendor scoreboard and one vendor's scorecard with its drill-down numbers
(a vendor user sees only its own vendor); the scorecard weights (read, and replace with the
page's form and service)."""

from decimal import Decimal

from ninja import Field, Router
from ninja.errors import HttpError

from steward.api.permissions import require_perm
from steward.api.writes import Payload, clean_form, visible
from steward.core.api import ErrorOut
from steward.reviews import scoring, selectors, services
from steward.reviews.forms import WeightForm

router = Router(tags=["reviews"])


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _score(score: scoring.Score) -> dict:
    return {
        "total": _jsonable(score.total), "weight_used": str(score.weight_used), "missing": list(score.missing),
        "components": [{"key": p.component.key, "score": _jsonable(p.component.score), "weight": str(p.weight),
                        "points": str(p.contribution), "numerator": _jsonable(p.component.numerator),
                        "denominator": _jsonable(p.component.denominator), "detail": p.component.detail,
                        "rows": _jsonable(list(p.component.rows))} for p in score.parts],
    }


def _month(text: str):
    try:
        return selectors.parse_month(text) if text else selectors.last_month()
    except selectors.PeriodError as exc:  # the caller's mistake, as a 400 like every other API route's
        raise HttpError(400, str(exc)) from None


@router.get("/scorecards", response=dict)
def scoreboard(request, month: str = ""):
    """Every visible vendor's score for the month (YYYY-MM, default last month), rank and trend."""
    require_perm(request, "reviews.view_scorecard")
    m = _month(month)
    rows = selectors.scoreboard(user=request.user, month=m)
    return {"month": f"{m:%Y-%m}", "weights": {k: str(v) for k, v in selectors.weights_dict().items()},
            "vendors": [{"vendor": r.vendor.code, "rank": r.rank, "change": _jsonable(r.change),
                         "trend": [{"month": f"{tm:%Y-%m}", "total": _jsonable(t)} for tm, t in r.trend],
                         **_score(r.score)} for r in rows]}


@router.get("/scorecards/{code}", response=dict)
def scorecard(request, code: str, month: str = ""):
    require_perm(request, "reviews.view_scorecard")
    vendor = visible(selectors.vendor_get, request, code=code)
    m = _month(month)
    return {"vendor": vendor.code, "month": f"{m:%Y-%m}",
            **_score(selectors.scorecard(user=request.user, vendor=vendor, month=m))}


_WEIGHT = Field(ge=0, le=100, max_digits=5, decimal_places=2)


class ReviewWeightsIn(Payload):
    """The weights need not add up to 100: a score divides by the weights of the components
    that have data. At least one must be above zero."""

    sla: Decimal = _WEIGHT
    qa: Decimal = _WEIGHT
    csat: Decimal = _WEIGHT
    capa: Decimal = _WEIGHT
    compliance: Decimal = _WEIGHT


@router.get("/weights", response=ReviewWeightsIn)
def weights(request):
    require_perm(request, "reviews.view_scorecard")
    return selectors.weights_dict()


@router.put("/weights", response={200: ReviewWeightsIn, 400: ErrorOut})
def weights_edit(request, payload: ReviewWeightsIn):
    """Replace the scorecard weights every page, pack and API answer uses."""
    require_perm(request, "reviews.change_weights")
    form = WeightForm(payload.dict(), instance=selectors.weights_get())
    clean_form(form)
    services.weights_save(actor=request.user, **{k: form.cleaned_data[k] for k in WeightForm.Meta.fields})
    return 200, selectors.weights_dict()
