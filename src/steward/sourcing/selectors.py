"""Every read of sourcing events, scoped through visible_to(user).

Evaluator blindness lives here: `scores_visible_to` returns an evaluator's own scores and,
only once that evaluator has submitted, everybody else's. A client user who is not an
evaluator of the event sees the scores once every evaluator has submitted (or the event is
decided), so nobody can pass them on to an evaluator who is still scoring.
"""

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from steward.sourcing import ranking
from steward.sourcing.models import (
    Criterion,
    DecisionMemo,
    Invitation,
    Score,
    Scorecard,
    SiteVisitCheck,
    SiteVisitItem,
    SourcingEvent,
    Submission,
)

Status = SourcingEvent.Status


def event_list(*, user, q: str = "", status: str = "") -> QuerySet[SourcingEvent]:
    qs = SourcingEvent.objects.visible_to(user).select_related("project")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(project__code__icontains=q) | Q(project__name__icontains=q))
    if status:
        qs = qs.filter(status=status)
    return qs


def event_get(*, user, pk: int) -> SourcingEvent:
    return event_list(user=user).get(pk=pk)


def invitations(*, user, event: SourcingEvent) -> QuerySet[Invitation]:
    return Invitation.objects.visible_to(user).filter(event=event).select_related("vendor")


def my_invitations(*, user) -> QuerySet[Invitation]:
    """The vendor portal's list: the user's vendor's invitations (visible_to does the scoping)."""
    return Invitation.objects.visible_to(user).select_related("event", "event__project").order_by("-event__deadline")


def invitation_get(*, user, pk: int) -> Invitation:
    return my_invitations(user=user).get(pk=pk)


def submissions(*, user, event: SourcingEvent) -> QuerySet[Submission]:
    return Submission.objects.visible_to(user).filter(event=event).select_related("vendor")


def own_submission(*, user, event: SourcingEvent) -> Submission | None:
    if user.vendor_id is None:
        return None
    return submissions(user=user, event=event).filter(vendor_id=user.vendor_id).first()


def criteria(*, user, event: SourcingEvent) -> QuerySet[Criterion]:
    return Criterion.objects.visible_to(user).filter(event=event)


def checklist(*, user, event: SourcingEvent) -> QuerySet[SiteVisitItem]:
    return SiteVisitItem.objects.visible_to(user).filter(event=event)


def site_visit_checks(*, user, event: SourcingEvent) -> dict[tuple[int, int], SiteVisitCheck]:
    """(item id, vendor id) → check."""
    checks = SiteVisitCheck.objects.visible_to(user).filter(item__event=event)
    return {(c.item_id, c.vendor_id): c for c in checks}


def site_visit_item_get(*, user, pk: int) -> SiteVisitItem:
    return SiteVisitItem.objects.visible_to(user).select_related("event").get(pk=pk)


def scorecard_of(*, user, event: SourcingEvent) -> Scorecard | None:
    return Scorecard.objects.filter(event=event, evaluator=user).first()


def is_evaluator(*, user, event: SourcingEvent) -> bool:
    return event.evaluators.filter(pk=user.pk).exists()


def can_see_all_scores(*, user, event: SourcingEvent) -> bool:
    if not (user.is_authenticated and (user.is_superuser or user.is_client_side)):
        return False
    if is_evaluator(user=user, event=event):
        card = scorecard_of(user=user, event=event)
        return card is not None and card.is_submitted
    if event.status in (Status.DECIDED, Status.CLOSED):
        return True
    evaluators = set(event.evaluators.values_list("pk", flat=True))
    submitted = set(Scorecard.objects.filter(event=event, submitted_at__isnull=False)
                    .values_list("evaluator_id", flat=True))
    return bool(evaluators) and evaluators <= submitted


def scores_visible_to(*, user, event: SourcingEvent) -> QuerySet[Score]:
    """The scores of `event` this user may read: always their own; everyone's submitted scores
    once can_see_all_scores. Vendor users never read scores."""
    if not (user.is_authenticated and (user.is_superuser or user.is_client_side)):
        return Score.objects.none()
    qs = Score.objects.visible_to(user).filter(scorecard__event=event).select_related("criterion", "vendor",
                                                                                     "scorecard__evaluator")
    if can_see_all_scores(user=user, event=event):
        return qs.filter(Q(scorecard__submitted_at__isnull=False) | Q(scorecard__evaluator=user))
    return qs.filter(scorecard__evaluator=user)


def decision(*, user, event: SourcingEvent) -> DecisionMemo | None:
    if not (user.is_superuser or user.is_client_side):
        return None
    return DecisionMemo.objects.visible_to(user).filter(event=event).select_related("chosen_vendor").first()


@dataclass(frozen=True)
class RankingRow:
    result: ranking.Result
    vendor: object
    submission: Submission
    price: ranking.NormalisedPrice | None


@dataclass(frozen=True)
class RankingTable:
    rows: list[RankingRow]
    criteria: list[Criterion]
    submitted_scorecards: int
    evaluators: int
    error: str = ""


def ranking_table(*, user, event: SourcingEvent) -> RankingTable | None:
    """The ranking from the submitted scorecards, or None when the user may not see it yet."""
    if not can_see_all_scores(user=user, event=event):
        return None
    from steward.sourcing.services import normalised_price

    crit = list(criteria(user=user, event=event))
    weights = {c.key: c.weight for c in crit}
    subs = {s.vendor_id: s for s in submissions(user=user, event=event)}
    prices, costs = {}, {}
    for vendor_id, sub in subs.items():
        try:
            prices[vendor_id] = normalised_price(sub, event)
            costs[str(vendor_id)] = prices[vendor_id].monthly_cost
        except ranking.RankingError:
            prices[vendor_id] = None
    sheets: dict[str, dict[str, dict[str, int]]] = {}
    submitted = Score.objects.visible_to(user).filter(scorecard__event=event, scorecard__submitted_at__isnull=False,
                                                      vendor_id__in=list(subs))
    cards = set()
    for score in submitted.select_related("criterion"):
        cards.add(score.scorecard_id)
        sheets.setdefault(str(score.scorecard_id), {}).setdefault(str(score.vendor_id), {})[score.criterion.key] = \
            score.value
    try:
        results = ranking.rank(sheets=sheets, weights=weights, costs=costs)
    except ranking.RankingError as error:
        return RankingTable([], crit, len(cards), event.evaluators.count(), str(error))
    rows = [RankingRow(r, subs[int(r.vendor)].vendor, subs[int(r.vendor)], prices.get(int(r.vendor)))
            for r in results]
    return RankingTable(rows, crit, len(cards), event.evaluators.count())
