"""Tenders API, scoped. Client users read tenders with every proposal and, subject to evaluator
blindness, the ranking; a vendor manager reads the tenders it is invited to with its own
proposal and outcome only. Writes mirror the pages: the same capabilities, forms and services;
an evaluator writes and reads back only its own scores, a vendor only its own proposal."""

import datetime as dt
import zoneinfo
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Moment, Payload, Refused, apply_form, call_service, clean_form, project_named, visible
from steward.core import selectors as core_selectors
from steward.core.api import ErrorOut
from steward.core.models import Channel, User
from steward.sourcing import forms, ranking, selectors, services
from steward.sourcing.models import RATE_FIELDS, SourcingEvent

router = Router(tags=["sourcing"])


def _reader(request) -> None:
    if not (request.user.has_perm("sourcing.view_event") or request.user.has_perm("sourcing.view_portal")):
        raise PermissionDenied


class CriterionOut(Schema):
    key: str
    weight: int


class SubmissionOut(Schema):
    vendor: str
    pricing_model: str
    rates: dict[str, Decimal]
    proposed_fte: Decimal | None
    monthly_cost: Decimal | None
    cost_per_contact: Decimal | None
    outcome: str


class RankOut(Schema):
    vendor: str
    rank: int
    score: Decimal
    lowest: Decimal
    highest: Decimal
    std_dev: Decimal
    evaluators: int
    tie: str


class EventOut(Schema):
    id: int
    title: str
    project: str
    status: str
    deadline: dt.datetime
    volumes: dict[str, int]
    handle_minutes: Decimal
    languages: list[str]
    service_hours: str


class EventDetailOut(EventOut):
    draft_sla: str
    criteria: list[CriterionOut]
    submissions: list[SubmissionOut]
    ranking: list[RankOut] | None


def _out(event: SourcingEvent) -> dict:
    return {"id": event.pk, "title": event.title, "project": event.project.code, "status": event.status,
            "deadline": event.deadline, "volumes": event.volumes, "handle_minutes": event.handle_minutes,
            "languages": event.languages, "service_hours": event.service_hours}


@router.get("/sourcing/events", response=list[EventOut])
def events(request, status: str = ""):
    _reader(request)
    return [_out(e) for e in selectors.event_list(user=request.user, status=status)]


@router.get("/sourcing/events/{pk}", response=EventDetailOut)
def event(request, pk: int):
    _reader(request)
    e = _event(request, pk)
    outcomes = {i.vendor_id: i.outcome for i in selectors.invitations(user=request.user, event=e)}
    subs = []
    for s in selectors.submissions(user=request.user, event=e):  # a vendor's own only
        try:
            price = services.normalised_price(s, e)
        except ranking.RankingError:
            price = None
        subs.append({"vendor": s.vendor.code, "pricing_model": s.pricing_model, "rates": s.rates(),
                     "proposed_fte": s.proposed_fte, "monthly_cost": price.monthly_cost if price else None,
                     "cost_per_contact": price.cost_per_contact if price else None,
                     "outcome": outcomes.get(s.vendor_id, "")})
    table = selectors.ranking_table(user=request.user, event=e)
    data = _out(e)
    data.update(draft_sla=e.draft_sla, submissions=subs,
                criteria=[{"key": c.key, "weight": c.weight} for c in selectors.criteria(user=request.user, event=e)],
                ranking=None if table is None else [
                    {"vendor": r.vendor.code, "rank": r.result.rank, "score": r.result.score_display,
                     "lowest": r.result.minimum_display, "highest": r.result.maximum_display,
                     "std_dev": r.result.std_dev_display, "evaluators": r.result.evaluators,
                     "tie": r.result.tie_note} for r in table.rows])
    return data


# --- writes -------------------------------------------------------------------------------

class EventIn(Payload):
    title: str = Field(min_length=1, max_length=200)
    project: str = Field(max_length=32)
    deadline: Moment = Field(description="Local time in the project's time zone; an offset, if sent, is "
                                         "converted to it.")
    volumes: dict[str, int] = Field(default={}, description="Contacts per month by channel.")
    handle_minutes: Decimal = Field(Decimal(5), ge=0, le=10000, decimal_places=2)
    description: str = Field("", max_length=10000)
    languages: list[str] = Field(default=[], max_length=50)
    service_hours: str = Field("", max_length=300)
    draft_sla: str = Field("", max_length=10000)
    evaluators: list[str] = Field(default=[], max_length=50, description="Usernames.")


class EventPatch(Payload):
    title: str | None = Field(None, min_length=1, max_length=200)
    deadline: Moment | None = None
    volumes: dict[str, int] | None = None
    handle_minutes: Decimal | None = Field(None, ge=0, le=10000, decimal_places=2)
    description: str | None = Field(None, max_length=10000)
    languages: list[str] | None = Field(None, max_length=50)
    service_hours: str | None = Field(None, max_length=300)
    draft_sla: str | None = Field(None, max_length=10000)
    evaluators: list[str] | None = Field(None, max_length=50)


class InviteIn(Payload):
    vendor: str = Field(max_length=32)


class InvitationOut(Schema):
    vendor: str
    outcome: str


class WeightsIn(Payload):
    weights: dict[str, int] = Field(description="Whole percentages for every criterion, adding up to 100.")


class ChecklistIn(Payload):
    text: str = Field(min_length=1, max_length=300)


class ChecklistItemOut(Schema):
    id: int
    text: str


class StatusActionIn(Payload):
    action: str = Field(description="open, evaluate or close")


class TenderScoreIn(Payload):
    vendor: str = Field(max_length=32)
    criterion: str = Field(max_length=32)
    value: int | None = Field(None, ge=1, le=5, description="1 (poor) to 5 (excellent); null removes the score.")
    comment: str = Field("", max_length=500)


class ScoresIn(Payload):
    scores: list[TenderScoreIn] = Field(max_length=1000)
    submit: bool = False


class OwnScoreOut(Schema):
    vendor: str
    criterion: str
    value: int
    comment: str


class TenderScorecardOut(Schema):
    submitted: bool
    scores: list[OwnScoreOut]


class SiteVisitIn(Payload):
    vendor: str = Field(max_length=32)
    met: bool
    note: str = Field("", max_length=500)


class SiteVisitOut(Schema):
    item: int
    vendor: str
    met: bool
    note: str


class AwardDecisionIn(Payload):
    chosen_vendor: str = Field(max_length=32)
    memo: str = Field(min_length=1, max_length=20000)
    rationale: str = Field(min_length=1, max_length=20000)


class AwardDecisionOut(Schema):
    event: int
    chosen_vendor: str
    memo: str
    rationale: str


class ProposalIn(Payload):
    proposal: str = Field(min_length=1, max_length=50000)
    pricing_model: str = Field(max_length=32)
    rates: dict[str, Decimal] = Field(default={}, description="Price components the pricing model uses.")
    cases: str = Field("", max_length=20000)
    proposed_fte: Decimal | None = Field(None, ge=0, le=100000, decimal_places=2)
    price_notes: str = Field("", max_length=5000)


def _event(request, pk: int) -> SourcingEvent:
    return visible(selectors.event_get, request, pk=pk)


def _evaluator_candidates(request) -> list[User]:
    users = User.objects.visible_to(request.user).filter(is_active=True, vendor__isnull=True)
    return [u for u in users.order_by("username") if u.has_perm("sourcing.score_event")]


def _event_form_data(values: dict, *, project, candidates) -> dict:
    """The API's event fields as the page's form data (volumes per channel, evaluators by id,
    languages separated by commas, the deadline as local time in the project's time zone); an
    unknown channel or evaluator is refused (400)."""
    data = {k: v for k, v in values.items() if k not in ("volumes", "evaluators", "languages", "deadline")}
    if values.get("deadline") is not None:
        deadline = values["deadline"]
        if timezone.is_aware(deadline):
            deadline = deadline.astimezone(zoneinfo.ZoneInfo(project.time_zone)).replace(tzinfo=None)
        data["deadline"] = deadline
    if values.get("languages") is not None:
        data["languages"] = ", ".join(values["languages"])
    volumes = values.get("volumes") or {}
    unknown = set(volumes) - set(Channel.values)
    if unknown:
        raise Refused(_("Unknown channel(s): %(names)s.") % {"names": ", ".join(sorted(unknown))})
    data.update({f"volume_{c}": n for c, n in volumes.items()})
    if values.get("evaluators") is not None:
        by_name = {u.username: u for u in candidates}
        unknown = [name for name in values["evaluators"] if name not in by_name]
        if unknown:
            raise Refused(_("%(user)s cannot evaluate tenders.") % {"user": ", ".join(unknown)})
        data["evaluators"] = [str(by_name[name].pk) for name in values["evaluators"]]
    return data


def _detail_out(request, pk: int):
    return event(request, pk)


@router.post("/sourcing/events", response={201: EventDetailOut, 400: ErrorOut})
@idempotent
def event_create(request, payload: EventIn):
    """Create a draft tender with the default criteria and checklist. Honours an Idempotency-Key header."""
    require_perm(request, "sourcing.add_event")
    projects = core_selectors.project_list(user=request.user)
    project = project_named(request, payload.project)
    candidates = _evaluator_candidates(request)
    data = _event_form_data(payload.dict(), project=project, candidates=candidates)
    form = forms.EventForm(data, projects=projects, evaluators=candidates)
    created = apply_form(form, lambda **_d: services.event_create(
        actor=request.user, project=form.chosen_project(), evaluators=form.chosen_evaluators(),
        **form.requirements()))
    return 201, _detail_out(request, created.pk)


@router.patch("/sourcing/events/{pk}", response={200: EventDetailOut, 400: ErrorOut})
def event_edit(request, pk: int, payload: EventPatch):
    """Change a tender; only the fields sent change. Once open, only a later deadline and the
    evaluators can change (as on the page)."""
    require_perm(request, "sourcing.change_event")
    e = _event(request, pk)
    candidates = _evaluator_candidates(request)
    data = forms.EventForm.initial_from(e)
    data.update(_event_form_data(payload.dict(exclude_unset=True), project=e.project, candidates=candidates))
    form = forms.EventForm(data, projects=[e.project], evaluators=candidates)
    clean_form(form)
    fields = form.requirements()
    if e.status != SourcingEvent.Status.DRAFT:  # only what may change once open
        fields = {"deadline": fields["deadline"]}
    apply_form(form, lambda **_d: services.event_update(
        actor=request.user, event=e, evaluators=form.chosen_evaluators(), **fields))
    return 200, _detail_out(request, pk)


@router.post("/sourcing/events/{pk}/invitations", response={201: InvitationOut, 400: ErrorOut})
@idempotent
def event_invite(request, pk: int, payload: InviteIn):
    """Invite a vendor (draft or open tender). Honours an Idempotency-Key header."""
    require_perm(request, "sourcing.change_event")
    e = _event(request, pk)
    form = forms.InviteForm(payload.dict(), vendors=core_selectors.vendor_list(user=request.user))
    invitation = apply_form(form, lambda vendor: services.vendor_invite(
        actor=request.user, event=e, vendor=form.vendors[vendor]))
    return 201, {"vendor": invitation.vendor.code, "outcome": invitation.outcome}


@router.put("/sourcing/events/{pk}/weights", response={200: list[CriterionOut], 400: ErrorOut})
def event_weights(request, pk: int, payload: WeightsIn):
    """Set every criterion's weight (whole percentages adding up to 100)."""
    require_perm(request, "sourcing.change_event")
    e = _event(request, pk)
    criteria = list(selectors.criteria(user=request.user, event=e))
    unknown = set(payload.weights) - {c.key for c in criteria}
    if unknown:
        return 400, {"detail": _("Unknown criterion: %(names)s.") % {"names": ", ".join(sorted(unknown))}}
    form = forms.WeightsForm(payload.weights, criteria=criteria)
    apply_form(form, lambda **weights: services.criteria_set(actor=request.user, event=e, weights=dict(weights)))
    return 200, [{"key": c.key, "weight": c.weight} for c in selectors.criteria(user=request.user, event=e)]


@router.post("/sourcing/events/{pk}/checklist", response={201: ChecklistItemOut, 400: ErrorOut})
@idempotent
def event_checklist_add(request, pk: int, payload: ChecklistIn):
    """Add a site-visit checklist item. Honours an Idempotency-Key header."""
    require_perm(request, "sourcing.change_event")
    e = _event(request, pk)
    item = apply_form(forms.ChecklistItemForm(payload.dict()), services.checklist_add, actor=request.user,
                      event=e)
    return 201, {"id": item.pk, "text": item.text}


STATUS_ACTIONS = {"open": services.event_open, "evaluate": services.event_start_evaluation,
                  "close": services.event_close}


@router.post("/sourcing/events/{pk}/status", response={200: EventOut, 400: ErrorOut})
def event_status(request, pk: int, payload: StatusActionIn):
    """`open` (draft → open), `evaluate` (open → evaluation) or `close` (decided → closed)."""
    require_perm(request, "sourcing.change_event")
    e = _event(request, pk)
    write = STATUS_ACTIONS.get(payload.action)
    if write is None:
        return 400, {"detail": _("Unknown action.")}
    call_service(write, actor=request.user, event=e)
    return 200, _out(_event(request, pk))


def _own_scorecard(request, e: SourcingEvent) -> dict:
    """The caller's own scores only: the API keeps the evaluator blind exactly as the page does."""
    card = selectors.scorecard_of(user=request.user, event=e)
    own = [s for s in selectors.scores_visible_to(user=request.user, event=e)
           if s.scorecard.evaluator_id == request.user.pk]
    return {"submitted": bool(card and card.is_submitted),
            "scores": [{"vendor": s.vendor.code, "criterion": s.criterion.key, "value": s.value,
                        "comment": s.comment} for s in own]}


@router.get("/sourcing/events/{pk}/scores", response=TenderScorecardOut)
def event_scores(request, pk: int):
    """The caller's own scorecard (evaluators only)."""
    require_perm(request, "sourcing.score_event")
    e = _event(request, pk)
    if not selectors.is_evaluator(user=request.user, event=e):
        raise PermissionDenied
    return _own_scorecard(request, e)


@router.post("/sourcing/events/{pk}/scores", response={200: TenderScorecardOut, 400: ErrorOut})
def event_score(request, pk: int, payload: ScoresIn):
    """Save the caller's scores (a draft), or with `submit` make the scorecard final; every
    proposal then needs a score on every weighted criterion. Answers the caller's own scores only."""
    require_perm(request, "sourcing.score_event")
    e = _event(request, pk)
    if not selectors.is_evaluator(user=request.user, event=e):
        raise PermissionDenied
    vendors = {s.vendor.code: s.vendor_id for s in selectors.submissions(user=request.user, event=e)}
    criteria = {c.key for c in selectors.criteria(user=request.user, event=e) if c.scored_by_hand and c.weight}
    scores = {}
    for item in payload.scores:
        if item.vendor not in vendors or item.criterion not in criteria:
            return 400, {"detail": _("A score refers to a proposal or criterion that is not in this tender.")}
        scores[(vendors[item.vendor], item.criterion)] = (item.value, item.comment)
    call_service(services.scores_save, actor=request.user, event=e, scores=scores, submit=payload.submit)
    return 200, _own_scorecard(request, e)


@router.post("/sourcing/checklist/{pk}/checks", response={200: SiteVisitOut, 400: ErrorOut})
def site_visit_record(request, pk: int, payload: SiteVisitIn):
    """Record whether an invited vendor met a site-visit checklist item (pk is the item's)."""
    require_perm(request, "sourcing.score_event")
    item = visible(selectors.site_visit_item_get, request, pk=pk)
    vendor = core_selectors.vendor_list(user=request.user).filter(code=payload.vendor).first()
    if vendor is None:
        return 400, {"detail": _("Choose a vendor.")}
    check = call_service(services.site_visit_record, actor=request.user, item=item, vendor=vendor,
                         met=payload.met, note=payload.note)
    return 200, {"item": item.pk, "vendor": vendor.code, "met": check.met, "note": check.note}


@router.post("/sourcing/events/{pk}/decision", response={201: AwardDecisionOut, 400: ErrorOut})
@idempotent
def event_decide(request, pk: int, payload: AwardDecisionIn):
    """Record the decision; the chosen vendor moves to onboarding. Honours an Idempotency-Key header."""
    require_perm(request, "sourcing.decide_event")
    e = _event(request, pk)
    vendors = [s.vendor for s in selectors.submissions(user=request.user, event=e)]
    form = forms.DecisionForm(payload.dict(), vendors=vendors)
    decision = apply_form(form, lambda chosen_vendor, memo, rationale: services.event_decide(
        actor=request.user, event=e, chosen_vendor=form.vendors[chosen_vendor], memo=memo, rationale=rationale))
    return 201, {"event": e.pk, "chosen_vendor": decision.chosen_vendor.code, "memo": decision.memo,
                 "rationale": decision.rationale}


@router.put("/sourcing/events/{pk}/proposal", response={200: SubmissionOut, 400: ErrorOut})
def proposal_submit(request, pk: int, payload: ProposalIn):
    """Vendor portal: submit or revise the caller's vendor's proposal while the tender is open and
    before its deadline. A tender the vendor is not invited to is a 404."""
    require_perm(request, "sourcing.view_portal")
    e = _event(request, pk)
    if not selectors.invitations(user=request.user, event=e).exists():
        raise Http404
    require_perm(request, "sourcing.submit_proposal")
    known = {c.value for c in RATE_FIELDS}
    unknown = set(payload.rates) - known
    if unknown:
        return 400, {"detail": _("Unknown price component(s): %(names)s.") % {"names": ", ".join(sorted(unknown))}}
    data = {k: v for k, v in payload.dict().items() if k != "rates" and v is not None}
    data.update({f"rate_{c}": amount for c, amount in payload.rates.items()})
    form = forms.SubmissionForm(data)
    submission = apply_form(form, lambda **d: services.submission_save(
        actor=request.user, event=e, proposal=d["proposal"], cases=d["cases"], pricing_model=d["pricing_model"],
        rates=form.rates(), proposed_fte=d["proposed_fte"], price_notes=d["price_notes"]))
    submission.refresh_from_db()  # the stored (quantised) amounts
    outcome = selectors.invitations(user=request.user, event=e).first().outcome
    try:
        price = services.normalised_price(submission, e)
    except ranking.RankingError:
        price = None
    return 200, {"vendor": submission.vendor.code, "pricing_model": submission.pricing_model,
                 "rates": submission.rates(), "proposed_fte": submission.proposed_fte,
                 "monthly_cost": price.monthly_cost if price else None,
                 "cost_per_contact": price.cost_per_contact if price else None, "outcome": outcome}
