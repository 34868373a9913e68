"""Workforce API: a project's forecast and staffing plan (scoped to the caller's vendor for
vendor users), forecast events (create with an Idempotency-Key), headcount commitments and the
staffing profile. Writes go through the pages' forms and services."""

from datetime import date
from decimal import Decimal

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Payload, apply_form, call_service, clean_form, visible
from steward.contracts.models import Contract
from steward.core.models import Project, Vendor
from steward.workforce import forms, selectors, services
from steward.workforce.models import StaffingProfile

router = Router(tags=["workforce"])


class ErrorOut(Schema):
    detail: str


class PlanQuery(Schema):
    days: int = 14
    vendor: str = ""
    queue: str = ""


class WorkforceEventIn(Payload):
    name: str = Field(min_length=1, max_length=200)
    first_day: date
    last_day: date
    multiplier: Decimal | None = Field(None, ge=Decimal("0.01"), le=100, decimal_places=3)
    notes: str = Field("", max_length=5000)


class WorkforceEventOut(Schema):
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
    return visible(selectors.project_get, request, code=code)


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


@router.get("/projects/{code}/events", response=list[WorkforceEventOut])
def event_list(request, code: str):
    require_perm(request, "workforce.view_forecast")
    return list(selectors.events(user=request.user, project=_project(request, code)))


@router.post("/projects/{code}/events", response={201: WorkforceEventOut, 400: ErrorOut})
@idempotent
def event_create(request, code: str, payload: WorkforceEventIn):
    """Add a promotion or other known event (multiplier: a manual override). Honours an
    Idempotency-Key header."""
    require_perm(request, "workforce.change_forecast")
    project = _project(request, code)
    form = forms.EventForm({k: v for k, v in payload.dict().items() if v is not None})
    event = apply_form(form, services.event_create, actor=request.user, project=project)
    return 201, event


@router.delete("/events/{pk}", response={204: None})
def event_delete(request, pk: int):
    require_perm(request, "workforce.change_forecast")
    event = visible(selectors.event_get, request, pk=pk)
    services.event_delete(actor=request.user, event=event)
    return 204, None


@router.get("/projects/{code}/commitments", response=list[CommitmentOut])
def commitment_list(request, code: str):
    require_perm(request, "workforce.view_forecast")
    return list(selectors.commitments(user=request.user, project=_project(request, code)))


class CommitmentIn(Payload):
    vendor: str = Field(max_length=32)
    seats: Decimal = Field(ge=0, max_digits=7, decimal_places=1)
    effective_from: date
    contract: str | None = Field(None, max_length=64)


class WorkforceProfileIn(Payload):
    model: str = Field(StaffingProfile.Model.ERLANG_C, max_length=12)
    service_level: Decimal = Field(Decimal("0.8"), max_digits=4, decimal_places=3)
    target_seconds: int = Field(20, ge=0, le=86400)
    aht_seconds: int | None = Field(None, ge=0, le=86400)
    max_occupancy: Decimal = Field(Decimal("0.85"), max_digits=4, decimal_places=3)
    shrinkage: Decimal = Field(Decimal("0.3"), max_digits=4, decimal_places=3)
    patience_seconds: int | None = Field(None, ge=0, le=86400)
    concurrency: int = Field(1, ge=1, le=10)
    calendar: str = Field("cn-9x18", max_length=32)


class WorkforceProfileOut(WorkforceProfileIn):
    queue: str


@router.post("/projects/{code}/commitments", response={201: CommitmentOut, 400: ErrorOut})
@idempotent
def commitment_create(request, code: str, payload: CommitmentIn):
    """Record the seats a vendor commits from a date (the same date again replaces that entry).
    Honours an Idempotency-Key header."""
    require_perm(request, "workforce.change_forecast")
    project = _project(request, code)
    vendors = selectors.vendors_of(user=request.user, project=project)
    contracts = list(Contract.objects.visible_to(request.user).filter(projects=project).order_by("code"))
    form = forms.CommitmentForm({k: v for k, v in payload.dict().items() if v is not None}, vendors=vendors,
                                contracts=contracts)
    commitment = apply_form(form, lambda **d: services.commitment_set(
        actor=request.user, vendor=next(v for v in vendors if v.code == d["vendor"]), project=project,
        seats=d["seats"], effective_from=d["effective_from"],
        contract=next((c for c in contracts if c.code == d["contract"]), None)))
    return 201, commitment


def _profile_out(profile: StaffingProfile | None) -> dict:
    if profile is None:
        return {"queue": "", **WorkforceProfileIn().dict()}
    return {"queue": profile.queue, **{f: getattr(profile, f) for f in WorkforceProfileIn.model_fields}}


@router.get("/projects/{code}/profile", response=WorkforceProfileOut)
def profile(request, code: str):
    """The project's staffing profile (the defaults when none is saved)."""
    require_perm(request, "workforce.view_forecast")
    return _profile_out(selectors.profile_for(user=request.user, project=_project(request, code)))


@router.put("/projects/{code}/profile", response={200: WorkforceProfileOut, 400: ErrorOut})
def profile_edit(request, code: str, payload: WorkforceProfileIn):
    """Replace the project's staffing profile (model, service-level target, assumptions)."""
    require_perm(request, "workforce.change_forecast")
    project = _project(request, code)
    instance = selectors.profile_for(user=request.user, project=project)
    form = forms.ProfileForm({k: v for k, v in payload.dict().items() if v is not None}, instance=instance)
    clean_form(form)
    saved = call_service(services.profile_save, actor=request.user, project=project, **form.cleaned_data)
    saved.refresh_from_db()  # the stored (quantised) values
    return 200, _profile_out(saved)
