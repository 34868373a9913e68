"""Improvement API: corrective actions and the risk register, read through scoped selectors;
the vendor's response to a corrective action can be sent through it as well."""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.collaboration.people import label_for
from steward.core.models import Project, Vendor
from steward.improvement import selectors, services
from steward.improvement.models import CorrectiveAction, Risk

router = Router(tags=["improvement"])



class CapaStepOut(Schema):
    id: int
    description: str
    owner: str
    due_date: date
    status: str
    urgency: str

    @staticmethod
    def resolve_owner(action, context) -> str:
        return label_for(action.owner, context["request"].user)


class CapaOut(Schema):
    id: int
    reference: str
    vendor: str
    project: str | None
    title: str
    source: str
    source_reference: str
    status: str
    due_date: date
    urgency: str
    opened_at: datetime
    closed_at: datetime | None

    @staticmethod
    def resolve_vendor(capa) -> str:
        return capa.vendor.code

    @staticmethod
    def resolve_project(capa) -> str | None:
        return capa.project.code if capa.project_id else None


class CapaDetailOut(CapaOut):
    problem: str
    whys: list[str]
    root_cause: str
    vendor_response: str
    verification_note: str
    lessons: str
    next_steps: list[str]
    actions: list[CapaStepOut]


class RespondIn(Schema):
    root_cause: str
    response: str
    whys: list[str] = []


class ErrorOut(Schema):
    detail: str


class CapaIn(Schema):
    vendor: str
    title: str
    problem: str
    due_date: date
    project: str | None = None
    source: str = "other"
    source_reference: str = ""


class RiskOut(Schema):
    id: int
    project: str
    title: str
    category: str
    likelihood: int
    impact: int
    score: int
    band: str
    status: str
    owner: str
    review_date: date
    mitigation: str
    contingency_trigger: str
    contingency_plan: str

    @staticmethod
    def resolve_project(risk) -> str:
        return risk.project.code

    @staticmethod
    def resolve_owner(risk, context) -> str:
        return label_for(risk.owner, context["request"].user)


class HeatCellOut(Schema):
    likelihood: int
    impact: int
    score: int
    band: str
    count: int


def _capa(request, pk: int) -> CorrectiveAction:
    try:
        return selectors.capa_get(user=request.user, pk=pk)
    except CorrectiveAction.DoesNotExist:
        raise Http404 from None


def _detail(request, capa):
    selectors.with_urgency([capa], finished=lambda c: c.status == "closed")
    capa.next_steps = selectors.capa_steps(user=request.user, capa=capa)
    capa.actions_list = selectors.capa_actions(user=request.user, capa=capa)
    return capa


class _CapaDetail(CapaDetailOut):
    @staticmethod
    def resolve_actions(capa):
        return capa.actions_list


@router.get("/capas", response=list[CapaOut])
def capas(request, status: str = "", vendor: str = "", project: str = "", source: str = "", due: str = ""):
    require_perm(request, "improvement.view_correctiveaction")
    rows = list(selectors.capa_list(user=request.user, status=status, vendor=vendor, project=project, source=source,
                                    due=due)[:1000])
    return selectors.with_urgency(rows, finished=lambda c: c.status == "closed")


@router.get("/capas/{pk}", response=_CapaDetail)
def capa(request, pk: int):
    require_perm(request, "improvement.view_correctiveaction")
    return _detail(request, _capa(request, pk))


@router.post("/capas", response={201: _CapaDetail, 400: ErrorOut})
@idempotent
def capa_create(request, payload: CapaIn):
    """Open a corrective action (client staff). Honours an Idempotency-Key header."""
    require_perm(request, "improvement.add_correctiveaction")
    vendor = Vendor.objects.visible_to(request.user).filter(code=payload.vendor).first()
    if vendor is None:
        return 400, {"detail": _("Unknown vendor %(code)s.") % {"code": payload.vendor}}
    project = None
    if payload.project:
        project = Project.objects.visible_to(request.user).filter(code=payload.project).first()
        if project is None:
            return 400, {"detail": _("Unknown project %(code)s.") % {"code": payload.project}}
    try:
        created = services.capa_open(actor=request.user, vendor=vendor, project=project, title=payload.title,
                                     problem=payload.problem, due_date=payload.due_date, source=payload.source,
                                     source_reference=payload.source_reference)
    except ValidationError as error:
        return 400, {"detail": " ".join(error.messages)}
    return 201, _detail(request, _capa(request, created.pk))


@router.post("/capas/{pk}/respond", response={200: _CapaDetail, 400: ErrorOut})
def capa_respond(request, pk: int, payload: RespondIn):
    require_perm(request, "improvement.change_correctiveaction")
    case = _capa(request, pk)
    try:
        services.capa_respond(actor=request.user, capa=case, response=payload.response,
                              root_cause=payload.root_cause, whys=payload.whys)
    except ValidationError as error:
        return 400, {"detail": " ".join(error.messages)}
    return 200, _detail(request, _capa(request, pk))


@router.get("/risks", response=list[RiskOut])
def risks(request, project: str = "", status: str = "", category: str = "", likelihood: str = "", impact: str = ""):
    require_perm(request, "improvement.view_risk")
    return list(selectors.risk_list(user=request.user, project=project, status=status, category=category,
                                    likelihood=likelihood, impact=impact)[:1000])


@router.get("/risks/heatmap", response=list[HeatCellOut])
def heatmap(request, project: str = "", status: str = "active"):
    require_perm(request, "improvement.view_risk")
    return [cell for row in selectors.risk_heatmap(user=request.user, project=project, status=status) for cell in row]


@router.get("/risks/{pk}", response=RiskOut)
def risk(request, pk: int):
    require_perm(request, "improvement.view_risk")
    try:
        return selectors.risk_get(user=request.user, pk=pk)
    except Risk.DoesNotExist:
        raise Http404 from None
