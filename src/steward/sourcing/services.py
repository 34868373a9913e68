"""Every write of a sourcing event: keyword-only, transactional, validated. The status moves
draft → open → evaluation → decided → closed, and each write checks the status it needs, who
the actor is and which vendor it belongs to — the views check capabilities, these functions
check the rules again so no caller can skip them."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core.models import Vendor
from steward.sourcing import ranking
from steward.sourcing.models import (
    RATE_FIELDS,
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
from steward.vendors import services as vendor_services

Status = SourcingEvent.Status

DEFAULT_WEIGHTS = {
    Criterion.Key.QUALIFICATION: 10,
    Criterion.Key.EXPERIENCE: 15,
    Criterion.Key.SERVICE_CAPABILITY: 20,
    Criterion.Key.TECHNOLOGY: 10,
    Criterion.Key.REFERENCES: 10,
    Criterion.Key.PRICE: 25,
    Criterion.Key.SITE_VISIT: 10,
}

DEFAULT_CHECKLIST = [
    "Seats, workstations and headsets ready for the stated volumes",
    "Physical access control and clean-desk policy",
    "Recording, data storage and information-security controls",
    "Training room and trainers",
    "Supervision ratio and real-time queue monitoring",
    "Business continuity: backup power, network and site",
]

REQUIREMENT_FIELDS = ("title", "description", "volumes", "handle_minutes", "languages", "service_hours", "draft_sla",
                      "deadline")


def now() -> dt.datetime:
    return timezone.now()


def _require_status(event: SourcingEvent, *allowed: str) -> None:
    if event.status not in allowed:
        raise ValidationError(_("Not possible while the event is %(status)s (needs: %(allowed)s).") % {
            "status": event.get_status_display(),
            "allowed": ", ".join(str(Status(s).label) for s in allowed)})


def _client_only(actor) -> None:
    if actor is not None and not actor.is_superuser and not actor.is_client_side:
        raise PermissionDenied


def _lock(event: SourcingEvent) -> SourcingEvent:
    return SourcingEvent.objects.select_for_update().get(pk=event.pk)


def _set_evaluators(event: SourcingEvent, evaluators) -> None:
    for user in evaluators:
        if not user.is_client_side or not user.has_perm("sourcing.score_event"):
            raise ValidationError({"evaluators": _("%(user)s cannot evaluate tenders.") % {"user": user}})
    event.evaluators.set(evaluators)


@transaction.atomic
def event_create(*, actor, project, title: str, deadline: dt.datetime, volumes: dict, handle_minutes=Decimal(5),
                 description: str = "", languages=(), service_hours: str = "", draft_sla: str = "",
                 evaluators=()) -> SourcingEvent:
    """A draft event with the default criteria and site-visit checklist."""
    _client_only(actor)
    event = SourcingEvent(project=project, title=title.strip(), description=description, volumes=dict(volumes),
                          handle_minutes=handle_minutes, languages=list(languages), service_hours=service_hours,
                          draft_sla=draft_sla, deadline=deadline, created_by=actor)
    event.full_clean()
    event.save()
    _set_evaluators(event, list(evaluators))
    for order, (key, weight) in enumerate(DEFAULT_WEIGHTS.items()):
        Criterion.objects.create(event=event, key=key, weight=weight, order=order)
    for order, text in enumerate(DEFAULT_CHECKLIST):
        SiteVisitItem.objects.create(event=event, text=text, order=order)
    return event


@transaction.atomic
def event_update(*, actor, event: SourcingEvent, evaluators=None, **fields) -> SourcingEvent:
    """Requirements change only in draft (vendors price what they were shown); once open, only
    the deadline may move, and only later. Evaluators change until the evaluation starts."""
    _client_only(actor)
    event = _lock(event)
    unknown = set(fields) - set(REQUIREMENT_FIELDS)
    if unknown:
        raise TypeError(f"unknown event fields: {sorted(unknown)}")
    if event.status == Status.OPEN:
        changed = {k for k, v in fields.items() if getattr(event, k) != v}
        if changed - {"deadline"}:
            raise ValidationError(_("The event is open: only the deadline can change (to a later time)."))
        if "deadline" in changed and fields["deadline"] < event.deadline:
            raise ValidationError({"deadline": _("An open event's deadline can only be extended.")})
    elif fields:
        _require_status(event, Status.DRAFT, Status.OPEN)
    for name, value in fields.items():
        setattr(event, name, value)
    event.full_clean()
    event.save()
    if evaluators is not None:
        _require_status(event, Status.DRAFT, Status.OPEN)
        _set_evaluators(event, list(evaluators))
    return event


@transaction.atomic
def vendor_invite(*, actor, event: SourcingEvent, vendor: Vendor) -> Invitation:
    """Invite a vendor (draft or open). A prospect becomes shortlisted, through the vendor
    lifecycle, so the registry shows who is in a tender."""
    _client_only(actor)
    event = _lock(event)
    _require_status(event, Status.DRAFT, Status.OPEN)
    invitation = Invitation(event=event, vendor=vendor)
    invitation.full_clean()
    invitation.save()
    if vendor.status == Vendor.Status.PROSPECT:
        vendor_services.vendor_transition(actor=actor, vendor=vendor, to_status=Vendor.Status.SHORTLISTED,
                                          reason=_("Invited to the tender “%(title)s”.") % {"title": event.title})
    return invitation


@transaction.atomic
def vendor_uninvite(*, actor, invitation: Invitation) -> None:
    _client_only(actor)
    _require_status(_lock(invitation.event), Status.DRAFT)
    invitation.delete()


@transaction.atomic
def criteria_set(*, actor, event: SourcingEvent, weights: dict[str, int]) -> list[Criterion]:
    """Set every criterion's weight; they must be whole percentages adding up to 100. Weights
    are fixed once the evaluation starts, so every evaluator scores against the same ones."""
    _client_only(actor)
    event = _lock(event)
    _require_status(event, Status.DRAFT, Status.OPEN)
    criteria = {c.key: c for c in event.criteria.all()}
    if set(weights) != set(criteria):
        raise ValidationError(_("Give a weight for every criterion."))
    for key, weight in weights.items():
        if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= 100:
            raise ValidationError({key: _("A weight is a whole number from 0 to 100.")})
    total = sum(weights.values())
    if total != 100:
        raise ValidationError(_("The weights add up to %(total)s; they must add up to 100.") % {"total": total})
    for key, weight in weights.items():
        criteria[key].weight = weight
        criteria[key].save(update_fields=["weight"])
    return list(event.criteria.all())


@transaction.atomic
def checklist_add(*, actor, event: SourcingEvent, text: str) -> SiteVisitItem:
    _client_only(actor)
    event = _lock(event)
    _require_status(event, Status.DRAFT, Status.OPEN, Status.EVALUATION)
    last = event.site_visit_items.order_by("-order").values_list("order", flat=True).first() or 0
    item = SiteVisitItem(event=event, text=text.strip(), order=last + 1)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def event_open(*, actor, event: SourcingEvent) -> SourcingEvent:
    _client_only(actor)
    event = _lock(event)
    _require_status(event, Status.DRAFT)
    problems = []
    if not event.invitations.exists():
        problems.append(_("invite at least one vendor"))
    if not event.evaluators.exists():
        problems.append(_("name at least one evaluator"))
    if event.contacts_per_month <= 0:
        problems.append(_("state the monthly volumes"))
    if event.deadline <= now():
        problems.append(_("set a deadline in the future"))
    if sum(event.criteria.values_list("weight", flat=True)) != 100:
        problems.append(_("make the weights add up to 100"))
    if problems:
        raise ValidationError(_("Before opening: %(problems)s.") % {"problems": "; ".join(problems)})
    event.status = Status.OPEN
    event.save(update_fields=["status"])
    return event


@transaction.atomic
def event_start_evaluation(*, actor, event: SourcingEvent) -> SourcingEvent:
    """Stop taking proposals. Before the deadline only when every invited vendor has submitted,
    so nobody is cut off while still working on a proposal."""
    _client_only(actor)
    event = _lock(event)
    _require_status(event, Status.OPEN)
    submitted = event.submissions.count()
    if not submitted:
        raise ValidationError(_("No vendor has submitted a proposal yet."))
    if now() < event.deadline and submitted < event.invitations.count():
        raise ValidationError(_("The deadline has not passed and not every invited vendor has submitted."))
    event.status = Status.EVALUATION
    event.save(update_fields=["status"])
    return event


def _check_submitter(actor, event: SourcingEvent) -> Invitation:
    if actor is None or actor.is_client_side or actor.vendor_id is None:
        raise PermissionDenied
    invitation = Invitation.objects.filter(event=event, vendor_id=actor.vendor_id).first()
    if invitation is None:
        raise PermissionDenied(_("Your company is not invited to this tender."))
    return invitation


@transaction.atomic
def submission_save(*, actor, event: SourcingEvent, proposal: str, pricing_model: str, rates: dict,
                    cases: str = "", proposed_fte=None, price_notes: str = "") -> Submission:
    """Create or revise the actor's vendor's proposal, while the event is open and before the
    deadline. The price must be computable at the tender's volumes, so it is normalised here."""
    event = _lock(event)
    _check_submitter(actor, event)
    if event.status != Status.OPEN:
        raise ValidationError(_("This tender does not take proposals now (it is %(status)s).")
                              % {"status": event.get_status_display()})
    if now() >= event.deadline:
        raise ValidationError(_("The deadline has passed; proposals can no longer be submitted or changed."))
    submission = Submission.objects.filter(event=event, vendor_id=actor.vendor_id).first() or Submission(
        event=event, vendor_id=actor.vendor_id)
    unknown = set(rates) - {c.value for c in RATE_FIELDS}
    if unknown:
        raise ValidationError(_("Unknown price component(s): %(names)s.") % {"names": ", ".join(sorted(unknown))})
    submission.proposal, submission.cases, submission.pricing_model = proposal.strip(), cases, pricing_model
    submission.proposed_fte, submission.price_notes, submission.submitted_by = proposed_fte, price_notes, actor
    for component, name in RATE_FIELDS.items():
        setattr(submission, name, rates.get(component.value))
    submission.full_clean()
    _check_price(submission, event)
    submission.save()
    return submission


def _check_price(submission: Submission, event: SourcingEvent) -> ranking.NormalisedPrice:
    from steward.contracts import pricing

    allowed = {c.value for c in pricing.MODEL_COMPONENTS[pricing.Model(submission.pricing_model)]}
    extra = set(submission.rates()) - allowed
    if extra:
        raise ValidationError(_("These prices do not belong to the chosen pricing model: %(names)s.")
                              % {"names": ", ".join(sorted(extra))})
    if "fte_month" in submission.rates() and not submission.proposed_fte:
        raise ValidationError({"proposed_fte": _("A price per FTE needs the number of FTE you propose.")})
    try:
        price = normalised_price(submission, event)
    except ranking.RankingError:
        raise ValidationError(_("Give at least one price of the chosen pricing model.")) from None
    if price.monthly_cost <= 0:
        raise ValidationError(_("The proposal prices the stated volumes at zero; give a real price."))
    return price


def normalised_price(submission: Submission, event: SourcingEvent) -> ranking.NormalisedPrice:
    volumes = ranking.Volumes(event.contacts_per_month, Decimal(event.handle_minutes))
    return ranking.normalise_price(model=submission.pricing_model, rates=submission.rates(), volumes=volumes,
                                   fte=submission.proposed_fte)


def _scorecard_for(actor, event: SourcingEvent) -> Scorecard:
    if actor is None or not event.evaluators.filter(pk=actor.pk).exists():
        raise PermissionDenied(_("You are not an evaluator of this tender."))
    scorecard, _created = Scorecard.objects.select_for_update().get_or_create(event=event, evaluator=actor)
    return scorecard


@transaction.atomic
def scores_save(*, actor, event: SourcingEvent, scores: dict[tuple[int, str], tuple[int | None, str]],
                submit: bool = False) -> Scorecard:
    """Save the actor's scores {(vendor id, criterion key): (1–5 or None, comment)}; with
    `submit`, every submitted proposal must have a score on every hand-scored criterion, and the
    scorecard is then final. Nothing is written when any value is bad."""
    event = _lock(event)
    _require_status(event, Status.EVALUATION)
    scorecard = _scorecard_for(actor, event)
    if scorecard.is_submitted:
        raise ValidationError(_("You have submitted your scores; they can no longer change."))
    criteria = {c.key: c for c in event.criteria.all() if c.scored_by_hand}
    vendors = set(event.submissions.values_list("vendor_id", flat=True))
    for (vendor_id, key), (value, comment) in scores.items():
        if vendor_id not in vendors or key not in criteria:
            raise ValidationError(_("A score refers to a proposal or criterion that is not in this tender."))
        if value is not None and (not isinstance(value, int) or not 1 <= value <= 5):
            raise ValidationError(_("A score is a whole number from 1 to 5."))
    for (vendor_id, key), (value, comment) in scores.items():
        existing = Score.objects.filter(scorecard=scorecard, vendor_id=vendor_id, criterion=criteria[key])
        if value is None:
            existing.delete()
            continue
        score = existing.first() or Score(scorecard=scorecard, vendor_id=vendor_id, criterion=criteria[key])
        score.value, score.comment = value, (comment or "").strip()[:500]
        score.full_clean()
        score.save()
    if submit:
        weighted = [k for k, c in criteria.items() if c.weight]
        have = set(scorecard.scores.values_list("vendor_id", "criterion__key"))
        missing = [(v, k) for v in vendors for k in weighted if (v, k) not in have]
        if missing:
            raise ValidationError(_("Score every proposal on every criterion before submitting (%(n)s missing).")
                                  % {"n": len(missing)})
        scorecard.submitted_at = now()
        scorecard.save(update_fields=["submitted_at"])
    return scorecard


@transaction.atomic
def site_visit_record(*, actor, item: SiteVisitItem, vendor: Vendor, met: bool, note: str = "") -> SiteVisitCheck:
    event = _lock(item.event)
    _require_status(event, Status.OPEN, Status.EVALUATION)
    if actor is None or not (event.evaluators.filter(pk=actor.pk).exists() or actor.has_perm("sourcing.change_event")):
        raise PermissionDenied
    if not event.invitations.filter(vendor=vendor).exists():
        raise ValidationError(_("This vendor is not invited to the tender."))
    check = SiteVisitCheck.objects.filter(item=item, vendor=vendor).first() or SiteVisitCheck(item=item, vendor=vendor)
    check.met, check.note, check.checked_by = bool(met), note.strip(), actor
    check.full_clean()
    check.save()
    return check


@transaction.atomic
def event_decide(*, actor, event: SourcingEvent, chosen_vendor: Vendor, memo: str, rationale: str) -> DecisionMemo:
    """Record the decision: the chosen vendor moves to onboarding through the vendor
    lifecycle (a vendor already onboarding or active stays where it is), every other invited
    vendor is told it was not selected."""
    _client_only(actor)
    event = _lock(event)
    _require_status(event, Status.EVALUATION)
    if not event.scorecards.filter(submitted_at__isnull=False).exists():
        raise ValidationError(_("No evaluator has submitted scores yet."))
    if not event.submissions.filter(vendor=chosen_vendor).exists():
        raise ValidationError({"chosen_vendor": _("Only a vendor that submitted a proposal can be chosen.")})
    decision = DecisionMemo(event=event, chosen_vendor=chosen_vendor, memo=memo.strip(), rationale=rationale.strip(),
                            decided_by=actor)
    decision.full_clean()
    decision.save()
    for invitation in event.invitations.all():  # one save each, so the history records it
        invitation.outcome = (Invitation.Outcome.SELECTED if invitation.vendor_id == chosen_vendor.pk
                              else Invitation.Outcome.NOT_SELECTED)
        invitation.save(update_fields=["outcome"])
    if chosen_vendor.status not in (Vendor.Status.ONBOARDING, Vendor.Status.ACTIVE):
        vendor_services.vendor_transition(
            actor=actor, vendor=chosen_vendor, to_status=Vendor.Status.ONBOARDING,
            reason=_("Selected in the tender “%(title)s”.") % {"title": event.title})
    event.status = Status.DECIDED
    event.save(update_fields=["status"])
    return decision


@transaction.atomic
def event_close(*, actor, event: SourcingEvent) -> SourcingEvent:
    _client_only(actor)
    event = _lock(event)
    _require_status(event, Status.DECIDED)
    event.status = Status.CLOSED
    event.save(update_fields=["status"])
    return event
