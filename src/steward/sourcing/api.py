"""Tenders API: read-only and scoped. Client users read tenders with every proposal and, subject
to evaluator blindness, the ranking; a vendor manager reads the tenders it is invited to with
its own proposal and outcome only."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.http import Http404
from ninja import Router, Schema

from steward.sourcing import ranking, selectors, services
from steward.sourcing.models import SourcingEvent

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
    try:
        e = selectors.event_get(user=request.user, pk=pk)
    except SourcingEvent.DoesNotExist:
        raise Http404 from None
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
