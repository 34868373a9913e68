"""Improvement API: corrective actions and the risk register, read through scoped selectors;
the vendor's response to a corrective action can be sent through it as well."""

from datetime import date, datetime

from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Payload, Refused, apply_form, call_service, project_named, visible
from steward.collaboration.people import label_for
from steward.core import selectors as core_selectors
from steward.core.models import Vendor
from steward.improvement import forms, selectors, services
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


class RespondIn(Payload):
    root_cause: str
    response: str
    whys: list[str] = []


class ErrorOut(Schema):
    detail: str


class CapaIn(Payload):
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
    return visible(selectors.capa_get, request, pk=pk)


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
        project = project_named(request, payload.project)
    created = call_service(services.capa_open, actor=request.user, vendor=vendor, project=project,
                           title=payload.title, problem=payload.problem, due_date=payload.due_date,
                           source=payload.source, source_reference=payload.source_reference)
    return 201, _detail(request, _capa(request, created.pk))


@router.post("/capas/{pk}/respond", response={200: _CapaDetail, 400: ErrorOut})
def capa_respond(request, pk: int, payload: RespondIn):
    require_perm(request, "improvement.change_correctiveaction")
    case = _capa(request, pk)
    call_service(services.capa_respond, actor=request.user, capa=case, response=payload.response,
                 root_cause=payload.root_cause, whys=payload.whys)
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
    return visible(selectors.risk_get, request, pk=pk)


# --- writes (the pages' capabilities, forms and services) ----------------------------------

class CapaActionIn(Payload):
    description: str = Field(min_length=1, max_length=300)
    owner: str = Field(max_length=150, description="Username of client staff or of the vendor's staff.")
    due_date: date


class CapaActionStatusIn(Payload):
    status: str = Field(max_length=32)


class CapaStepIn(Payload):
    step: str = Field(description="start, submit, accept, reject or reopen")
    note: str = Field("", max_length=5000)
    lessons: str = Field("", max_length=20000)


class RiskIn(Payload):
    project: str = Field(max_length=32)
    title: str = Field(min_length=1, max_length=200)
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    owner: str = Field(max_length=150, description="Username.")
    review_date: date
    category: str = Field(Risk.Category.OTHER, max_length=32)
    description: str = Field("", max_length=20000)
    mitigation: str = Field("", max_length=20000)
    contingency_trigger: str = Field("", max_length=20000)
    contingency_plan: str = Field("", max_length=20000)
    status: str = Field(Risk.Status.OPEN, max_length=32)
    vendors: list[str] = Field(default=[], max_length=100, description="Vendors who see the risk.")


class RiskPatch(Payload):
    title: str | None = Field(None, min_length=1, max_length=200)
    likelihood: int | None = Field(None, ge=1, le=5)
    impact: int | None = Field(None, ge=1, le=5)
    owner: str | None = Field(None, max_length=150)
    review_date: date | None = None
    category: str | None = Field(None, max_length=32)
    description: str | None = Field(None, max_length=20000)
    mitigation: str | None = Field(None, max_length=20000)
    contingency_trigger: str | None = Field(None, max_length=20000)
    contingency_plan: str | None = Field(None, max_length=20000)
    status: str | None = Field(None, max_length=32)
    vendors: list[str] | None = Field(None, max_length=100)


def _step_out(request, capa, pk: int):
    return next(a for a in selectors.capa_actions(user=request.user, capa=capa) if a.pk == pk)


@router.post("/capas/{pk}/actions", response={201: CapaStepOut, 400: ErrorOut})
@idempotent
def capa_action_add(request, pk: int, payload: CapaActionIn):
    """Add an action to the case's plan. Honours an Idempotency-Key header."""
    require_perm(request, "improvement.change_correctiveaction")
    case = _capa(request, pk)
    people = selectors.capa_owner_choices(capa=case)
    owner = people.filter(username=payload.owner).first()
    if owner is None:
        return 400, {"detail": _("The owner must be client staff or staff of the vendor concerned.")}
    form = forms.CapaActionForm({**payload.dict(), "owner": str(owner.pk)}, people=people)
    action = apply_form(form, lambda **d: services.capa_action_add(
        actor=request.user, capa=case, description=d["description"], owner=owner, due_date=d["due_date"]))
    return 201, _step_out(request, case, action.pk)


@router.post("/capa-actions/{pk}/status", response={200: CapaStepOut, 400: ErrorOut})
def capa_action_status(request, pk: int, payload: CapaActionStatusIn):
    """Set an action's status (open, in progress, done, cancelled) while the case is being planned or worked."""
    require_perm(request, "improvement.change_correctiveaction")
    action = visible(selectors.capa_action_get, request, pk=pk)
    form = forms.CapaActionStatusForm(payload.dict())
    if not form.is_valid():
        return 400, {"detail": _("Choose a valid status.")}
    call_service(services.capa_action_set_status, actor=request.user, action=action, status=form.cleaned_data["status"])
    return 200, _step_out(request, action.capa, action.pk)


@router.post("/capas/{pk}/step", response={200: _CapaDetail, 400: ErrorOut})
def capa_step(request, pk: int, payload: CapaStepIn):
    """Move the case: `start`, `submit` for verification, `accept` / `reject` (verification, client
    staff only, with `lessons` on acceptance) or `reopen` (client staff only)."""
    require_perm(request, "improvement.change_correctiveaction")
    case = _capa(request, pk)
    form = forms.CapaStepForm(payload.dict())
    if not form.is_valid():
        raise Refused(_("Unknown step."))
    call_service(services.capa_step, actor=request.user, capa=case, **form.cleaned_data)
    return 200, _detail(request, _capa(request, pk))


def _risk_form_data(values: dict, people) -> dict | str:
    data = {k: v for k, v in values.items() if v is not None}
    if "owner" in data:
        owner = people.filter(username=data["owner"]).first()
        if owner is None:
            return _("The owner must be client staff or staff of a vendor the risk is shared with.")
        data["owner"] = str(owner.pk)
    return data


def _risk_write(request, form, people, vendors, write, **kwargs):
    return apply_form(form, lambda **d: write(
        actor=request.user, title=d["title"], likelihood=d["likelihood"], impact=d["impact"],
        owner=people.get(pk=d["owner"]), review_date=d["review_date"], category=d["category"],
        description=d["description"], mitigation=d["mitigation"], contingency_trigger=d["contingency_trigger"],
        contingency_plan=d["contingency_plan"], status=d["status"], vendors=vendors.filter(code__in=d["vendors"]),
        **kwargs))


@router.post("/risks", response={201: RiskOut, 400: ErrorOut})
@idempotent
def risk_create(request, payload: RiskIn):
    """Register a risk (client staff). Honours an Idempotency-Key header."""
    require_perm(request, "improvement.add_risk")
    projects = core_selectors.project_list(user=request.user)
    project = project_named(request, payload.project)
    vendors = core_selectors.project_vendors(user=request.user, project=project)
    people = selectors.risk_owner_choices(project=project)
    data = _risk_form_data(payload.dict(), people)
    if isinstance(data, str):
        return 400, {"detail": data}
    form = forms.RiskForm(data, projects=projects, vendors=vendors, people=people)
    created = _risk_write(request, form, people, vendors, services.risk_create, project=project)
    return 201, selectors.risk_get(user=request.user, pk=created.pk)


@router.patch("/risks/{pk}", response={200: RiskOut, 400: ErrorOut})
def risk_edit(request, pk: int, payload: RiskPatch):
    """Change a risk; only the fields sent change (`vendors` replaces the list it is shared with)."""
    require_perm(request, "improvement.change_risk")
    risk_row = visible(selectors.risk_get, request, pk=pk)
    vendors = core_selectors.project_vendors(user=request.user, project=risk_row.project)
    people = selectors.risk_owner_choices(project=risk_row.project)
    data = {f: getattr(risk_row, f) for f in ("title", "category", "description", "likelihood", "impact",
                                              "mitigation", "contingency_trigger", "contingency_plan", "status",
                                              "review_date")}
    data.update(owner=risk_row.owner.username, vendors=[v.code for v in risk_row.vendors.all()])
    data.update(payload.dict(exclude_unset=True, exclude_none=True))
    data = _risk_form_data(data, people)
    if isinstance(data, str):
        return 400, {"detail": data}
    form = forms.RiskEditForm(data, projects=[], vendors=vendors, people=people)
    _risk_write(request, form, people, vendors, services.risk_update, risk=risk_row)
    return 200, selectors.risk_get(user=request.user, pk=pk)
