"""Workforce API: a project's forecast and staffing plan (scoped to the caller's vendor for
vendor users), forecast events (create with an Idempotency-Key) and headcount commitments."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.core.models import Project, Vendor
from steward.workforce import selectors, services
from steward.workforce.models import Event

router = Router(tags=["workforce"])


class ErrorOut(Schema):
    detail: str


class PlanQuery(Schema):
    days: int = 14
    vendor: str = ""
    queue: str = ""


class EventIn(Schema):
    name: str
    first_day: date
    last_day: date
    multiplier: Decimal | None = None
    notes: str = ""


class EventOut(Schema):
    id: int
    name: str
    first_day: date
    last_day: date
    multiplier: Decimal | None
    notes: str


class CommitmentOut(Schema):
    vendor: str
    seats: Decimal
    effective_from: date
    contract: str | None

    @staticmethod
    def resolve_vendor(obj) -> str:
        return obj.vendor.code

    @staticmethod
    def resolve_contract(obj) -> str | None:
        return obj.contract.code if obj.contract_id else None


def _project(request, code: str) -> Project:
    try:
        return selectors.project_get(user=request.user, code=code)
    except Project.DoesNotExist:
        raise Http404(_("Not found.")) from None


def _vendor(request, project: Project, code: str) -> Vendor | None:
    vendors = selectors.vendors_of(user=request.user, project=project)
    if not code:
        return None if request.user.is_client_side else (vendors[0] if vendors else None)
    for v in vendors:
        if v.code == code:
            return v
    raise Http404(_("Not found."))


@router.get("/projects/{code}/forecast", response={200: dict, 400: ErrorOut})
def forecast(request, code: str, q: Query[PlanQuery]):
    """Contacts per day and half-hour for the next `days` days, with the 80 % band and the
    hold-out accuracy (MAPE, bias)."""
    require_perm(request, "workforce.view_forecast")
    project = _project(request, code)
    vendor = _vendor(request, project, q.vendor)
    try:
        pf = selectors.project_forecast(user=request.user, project=project, horizon_days=q.days, vendor=vendor,
                                        queue=q.queue)
    except selectors.PlanError as exc:
        return 400, {"detail": str(exc)}
    return 200, {"project": project.code, "vendor": vendor.code if vendor else None, **pf.forecast.as_dict()}


@router.get("/projects/{code}/staffing", response={200: dict, 400: ErrorOut})
def staffing_plan(request, code: str, q: Query[PlanQuery]):
    """Agents and scheduled FTE per day, committed and actual headcount, gap and scenarios."""
    require_perm(request, "workforce.view_forecast")
    project = _project(request, code)
    vendor = _vendor(request, project, q.vendor)
    try:
        plan = selectors.staffing_plan(user=request.user, project=project, vendor=vendor, horizon_days=q.days,
                                       queue=q.queue)
    except selectors.PlanError as exc:
        return 400, {"detail": str(exc)}
    return 200, plan.as_dict()


@router.get("/projects/{code}/events", response=list[EventOut])
def event_list(request, code: str):
    require_perm(request, "workforce.view_forecast")
    return list(selectors.events(user=request.user, project=_project(request, code)))


@router.post("/projects/{code}/events", response={201: EventOut, 400: ErrorOut})
@idempotent
def event_create(request, code: str, payload: EventIn):
    """Add a promotion or other known event (multiplier: a manual override). Honours an
    Idempotency-Key header."""
    require_perm(request, "workforce.change_forecast")
    project = _project(request, code)
    try:
        event = services.event_create(actor=request.user, project=project, **payload.dict())
    except ValidationError as exc:
        return 400, {"detail": " ".join(exc.messages)}
    return 201, event


@router.delete("/events/{pk}", response={204: None})
def event_delete(request, pk: int):
    require_perm(request, "workforce.change_forecast")
    try:
        event = selectors.event_get(user=request.user, pk=pk)
    except Event.DoesNotExist:
        raise Http404(_("Not found.")) from None
    services.event_delete(actor=request.user, event=event)
    return 204, None


@router.get("/projects/{code}/commitments", response=list[CommitmentOut])
def commitment_list(request, code: str):
    require_perm(request, "workforce.view_forecast")
    return list(selectors.commitments(user=request.user, project=_project(request, code)))
