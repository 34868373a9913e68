"""Every write of the quality app: one function per use case, keyword-only, transactional and
validated before anything is saved, so a bad input leaves nothing half-written.

Invariants kept here:
  - a published scorecard version never changes (only a draft may be edited);
  - an evaluation is scored against the version it was assigned with;
  - only the assigned analyst scores; only the contact's agent acknowledges; a dispute is
    raised by the agent or their vendor's manager within the version's dispute window, and is
    re-reviewed by a different analyst; every step is written to the evaluation's timeline.
"""

from __future__ import annotations

import secrets
from fractions import Fraction
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from steward.core.models import Project, User
from steward.core.roles import Role
from steward.interactions.models import Interaction
from steward.quality import definition, drawing, scoring
from steward.quality.models import (
    Criterion, Dispute, Evaluation, EvaluationAnswer, EvaluationEvent, SamplingPlan, Scorecard, ScorecardVersion,
    Section,
)


def _require_perm(actor: User, perm: str) -> None:
    if actor is None or not actor.is_active or not actor.has_perm(perm):
        raise ValidationError(_("You may not do this."))


def _syntax_error(exc: definition.ScorecardSyntaxError) -> ValidationError:
    return ValidationError({"source": [str(e) for e in exc.errors]})


# --- scorecards ------------------------------------------------------------------------------

def _write_content(version: ScorecardVersion, card: definition.ScorecardDef) -> None:
    if version.pk:
        version.sections.all().delete()
    version.name, version.name_zh = card.name, card.name_zh
    version.pass_mark, version.dispute_days = card.pass_mark, card.dispute_days
    version.full_clean()
    version.save()
    for s_pos, s in enumerate(card.sections, start=1):
        section = Section.objects.create(version=version, position=s_pos, title=s.title, title_zh=s.title_zh)
        Criterion.objects.bulk_create([
            Criterion(section=section, position=c_pos, key=c.key, label=c.label, label_zh=c.label_zh,
                      weight=c.weight, scale=c.scale, na_allowed=c.na_allowed, auto_fail=c.auto_fail,
                      guidance=c.guidance, guidance_zh=c.guidance_zh)
            for c_pos, c in enumerate(s.criteria, start=1)
        ])


@transaction.atomic
def scorecard_create(*, actor: User, project: Project, code: str, source: str) -> Scorecard:
    """A new scorecard with its first version, a draft, from YAML."""
    _require_perm(actor, "quality.change_scorecard")
    try:
        card = definition.parse(source)
    except definition.ScorecardSyntaxError as exc:
        raise _syntax_error(exc) from None
    scorecard = Scorecard(project=project, code=code)
    scorecard.full_clean()
    scorecard.save()
    version = ScorecardVersion(scorecard=scorecard, number=1, source=source, created_by=actor,
                               name=card.name, pass_mark=card.pass_mark)
    _write_content(version, card)
    return scorecard


@transaction.atomic
def version_update(*, actor: User, version: ScorecardVersion, source: str) -> ScorecardVersion:
    """Replace a draft's content. A published (or retired) version is immutable."""
    _require_perm(actor, "quality.change_scorecard")
    version = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_draft:
        raise ValidationError(_("Version %(n)s is published and can no longer change; start a new draft.")
                              % {"n": version.number})
    try:
        card = definition.parse(source)
    except definition.ScorecardSyntaxError as exc:
        raise _syntax_error(exc) from None
    version.source = source
    _write_content(version, card)
    return version


@transaction.atomic
def version_publish(*, actor: User, version: ScorecardVersion) -> ScorecardVersion:
    """Publish a draft: new evaluations use it; the previously published version retires
    (evaluations made with it keep pointing at it)."""
    _require_perm(actor, "quality.change_scorecard")
    version = ScorecardVersion.objects.select_for_update().get(pk=version.pk)
    if not version.is_draft:
        raise ValidationError(_("Only a draft can be published."))
    if not Criterion.objects.filter(section__version=version).exists():
        raise ValidationError(_("A scorecard needs at least one criterion."))
    ScorecardVersion.objects.filter(scorecard_id=version.scorecard_id,
                                    status=ScorecardVersion.Status.PUBLISHED).update(
        status=ScorecardVersion.Status.RETIRED)
    version.status = ScorecardVersion.Status.PUBLISHED
    version.published_by, version.published_at = actor, timezone.now()
    version.save()
    return version


@transaction.atomic
def version_new_draft(*, actor: User, scorecard: Scorecard) -> ScorecardVersion:
    """A new draft, a copy of the newest version, to edit into the next version."""
    _require_perm(actor, "quality.change_scorecard")
    scorecard = Scorecard.objects.select_for_update().get(pk=scorecard.pk)
    if scorecard.versions.filter(status=ScorecardVersion.Status.DRAFT).exists():
        raise ValidationError(_("This scorecard already has a draft; edit that one."))
    newest = scorecard.versions.order_by("-number").first()
    source = version_yaml(newest)
    card = definition.parse(source)
    version = ScorecardVersion(scorecard=scorecard, number=(scorecard.versions.aggregate(n=Max("number"))["n"] or 0) + 1,
                               source=source, created_by=actor, name=card.name, pass_mark=card.pass_mark)
    _write_content(version, card)
    return version


def version_definition(version: ScorecardVersion) -> definition.ScorecardDef:
    card = definition.ScorecardDef(name=version.name, name_zh=version.name_zh, pass_mark=version.pass_mark,
                                   dispute_days=version.dispute_days)
    criteria = version.ordered_criteria()
    for section in version.sections.order_by("position"):
        card.sections.append(definition.SectionDef(
            title=section.title, title_zh=section.title_zh,
            criteria=[definition.CriterionDef(
                key=c.key, label=c.label, label_zh=c.label_zh, weight=c.weight, scale=c.scale,
                na_allowed=c.na_allowed, auto_fail=c.auto_fail, guidance=c.guidance, guidance_zh=c.guidance_zh,
            ) for c in criteria if c.section_id == section.pk],
        ))
    return card


def version_yaml(version: ScorecardVersion) -> str:
    """The version's content as YAML, written from the stored rows (what is actually in force)."""
    return definition.dump(version_definition(version))


# --- evaluations -----------------------------------------------------------------------------

def _event(evaluation: Evaluation, kind: str, actor: User | None, note: str = "") -> EvaluationEvent:
    answers = {a.criterion.key: [a.value, a.comment]
               for a in evaluation.answers.select_related("criterion")}
    return EvaluationEvent.objects.create(evaluation=evaluation, kind=kind, actor=actor, score=evaluation.score,
                                          note=note, answers=answers)


def _is_analyst(user: User) -> bool:
    return user is not None and user.is_active and user.role == Role.QA_ANALYST


@transaction.atomic
def evaluation_assign(*, actor: User, interaction: Interaction, analyst: User, scorecard: Scorecard) -> Evaluation:
    """Put a contact in an analyst's queue, to be scored on the scorecard's current version."""
    _require_perm(actor, "quality.add_evaluation")
    if not Interaction.objects.visible_to(actor).filter(pk=interaction.pk).exists():
        raise ValidationError(_("This contact is not visible to you."))
    if not _is_analyst(analyst):
        raise ValidationError({"analyst": _("%(name)s is not an active QA analyst.") % {"name": analyst.username}})
    if scorecard.project_id != interaction.project_id:
        raise ValidationError({"scorecard": _("The scorecard belongs to another project than the contact.")})
    version = scorecard.current
    if version is None:
        raise ValidationError({"scorecard": _("The scorecard has no published version yet.")})
    if Evaluation.objects.filter(interaction=interaction, version=version).exists():
        raise ValidationError(_("Contact %(id)s is already evaluated on this scorecard version.")
                              % {"id": interaction.external_id})
    evaluation = Evaluation(interaction=interaction, vendor_id=interaction.vendor_id, version=version,
                            analyst=analyst)
    evaluation.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            evaluation.save()
    except IntegrityError:  # the same contact assigned concurrently
        raise ValidationError(_("Contact %(id)s is already evaluated on this scorecard version.")
                              % {"id": interaction.external_id}) from None
    _event(evaluation, EvaluationEvent.Kind.ASSIGNED, actor, note=analyst.get_full_name() or analyst.username)
    return evaluation


def _clean_answers(version: ScorecardVersion, answers: dict[str, tuple[str, str]], *, complete: bool):
    """answers: {criterion key: (value, comment)} → [(criterion, value, comment)]."""
    criteria = version.ordered_criteria()
    known = {c.key for c in criteria}
    unknown = sorted(set(answers) - known)
    if unknown:
        raise ValidationError(_("Unknown criteria: %(keys)s.") % {"keys": ", ".join(unknown)})
    errors, cleaned = {}, []
    for c in criteria:
        value, comment = answers.get(c.key, ("", ""))
        value = (value or "").strip().lower()
        comment = (comment or "").strip()
        if len(comment) > 5000:
            errors[c.key] = _("A comment has at most 5,000 characters.")
        if not value:
            if complete:
                errors[c.key] = _("Answer every criterion before submitting.")
            elif comment:
                cleaned.append((c, "", comment))
            continue
        if value not in scoring.allowed_answers(c.spec()):
            errors[c.key] = _("%(value)s is not an allowed answer.") % {"value": value}
            continue
        cleaned.append((c, value, comment))
    if errors:
        raise ValidationError(errors)
    return criteria, cleaned


def _apply_answers(evaluation: Evaluation, cleaned) -> scoring.ScoreResult:
    evaluation.answers.all().delete()
    EvaluationAnswer.objects.bulk_create(
        [EvaluationAnswer(evaluation=evaluation, criterion=c, value=v, comment=n) for c, v, n in cleaned])
    result = scoring.score(evaluation.version.specs(), {c.key: v for c, v, _n in cleaned if v})
    evaluation.score = result.score
    evaluation.auto_failed = result.auto_failed
    evaluation.passed = scoring.passed(result.score, evaluation.version.pass_mark)
    return result


@transaction.atomic
def evaluation_save(*, actor: User, evaluation: Evaluation, answers: dict[str, tuple[str, str]],
                    comment: str = "", submit: bool = False) -> Evaluation:
    """Save the assigned analyst's answers (a draft), or submit them: the agent and the vendor's
    managers then see the evaluation, and the dispute window opens."""
    evaluation = Evaluation.objects.select_for_update(of=("self",)).select_related("version").get(pk=evaluation.pk)
    if actor.pk != evaluation.analyst_id:
        raise ValidationError(_("Only the assigned analyst scores this evaluation."))
    if evaluation.status != Evaluation.Status.ASSIGNED:
        raise ValidationError(_("This evaluation is already submitted."))
    _criteria, cleaned = _clean_answers(evaluation.version, answers, complete=submit)
    evaluation.comment = (comment or "").strip()
    result = _apply_answers(evaluation, cleaned)
    if submit:
        if result.score is None:
            raise ValidationError(_("Every criterion is N.A.: there is nothing to score."))
        now = timezone.now()
        evaluation.status = Evaluation.Status.SUBMITTED
        evaluation.submitted_at = now
        evaluation.original_score = result.score
        evaluation.dispute_until = now + timedelta(days=evaluation.version.dispute_days)
    evaluation.full_clean(validate_constraints=False)
    evaluation.save()
    if submit:
        _event(evaluation, EvaluationEvent.Kind.SUBMITTED, actor, note=evaluation.comment)
    return evaluation


def _is_contact_agent(user: User, evaluation: Evaluation) -> bool:
    agent = evaluation.interaction.agent
    return agent is not None and agent.user_id is not None and agent.user_id == user.pk


@transaction.atomic
def evaluation_acknowledge(*, actor: User, evaluation: Evaluation) -> Evaluation:
    evaluation = Evaluation.objects.select_for_update(of=("self",)).select_related("interaction__agent").get(pk=evaluation.pk)
    if not _is_contact_agent(actor, evaluation):
        raise ValidationError(_("Only the agent who handled the contact acknowledges its evaluation."))
    if evaluation.status not in (Evaluation.Status.SUBMITTED, Evaluation.Status.FINAL) or evaluation.acknowledged_at:
        raise ValidationError(_("There is nothing to acknowledge."))
    evaluation.status = Evaluation.Status.ACKNOWLEDGED
    evaluation.acknowledged_at, evaluation.acknowledged_by = timezone.now(), actor
    evaluation.save()
    _event(evaluation, EvaluationEvent.Kind.ACKNOWLEDGED, actor)
    return evaluation


def may_dispute(user: User, evaluation: Evaluation, now=None) -> bool:
    now = now or timezone.now()
    if evaluation.status not in (Evaluation.Status.SUBMITTED, Evaluation.Status.ACKNOWLEDGED):
        return False
    if evaluation.dispute_until is None or now > evaluation.dispute_until:
        return False
    if evaluation.disputes.exists():
        return False
    if user.role == Role.VENDOR_MANAGER:
        return user.vendor_id == evaluation.vendor_id
    return _is_contact_agent(user, evaluation)


def _pick_reviewer(evaluation: Evaluation) -> User | None:
    """The active analyst, other than the evaluator, with the fewest disputes awaiting them."""
    return (User.objects.filter(role=Role.QA_ANALYST, is_active=True).exclude(pk=evaluation.analyst_id)
            .annotate(open=Count("disputes_to_review", filter=Q(disputes_to_review__decision=Dispute.Decision.PENDING)))
            .order_by("open", "pk").first())


@transaction.atomic
def evaluation_dispute(*, actor: User, evaluation: Evaluation, reason: str) -> Dispute:
    evaluation = Evaluation.objects.select_for_update(of=("self",)).select_related("interaction__agent").get(pk=evaluation.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you dispute the evaluation.")})
    if len(reason) > 5000:
        raise ValidationError({"reason": _("A reason has at most 5,000 characters.")})
    if not may_dispute(actor, evaluation):
        if evaluation.dispute_until and timezone.now() > evaluation.dispute_until:
            raise ValidationError(_("The time to dispute this evaluation has passed."))
        raise ValidationError(_("You cannot dispute this evaluation."))
    dispute = Dispute.objects.create(evaluation=evaluation, raised_by=actor, reason=reason,
                                     reviewer=_pick_reviewer(evaluation), score_before=evaluation.score)
    evaluation.status = Evaluation.Status.DISPUTED
    evaluation.save()
    _event(evaluation, EvaluationEvent.Kind.DISPUTED, actor, note=reason)
    return dispute


def may_review(user: User, dispute: Dispute) -> bool:
    return (_is_analyst(user) and dispute.decision == Dispute.Decision.PENDING
            and user.pk != dispute.evaluation.analyst_id
            and dispute.reviewer_id in (None, user.pk))


@transaction.atomic
def dispute_review(*, actor: User, dispute: Dispute, answers: dict[str, tuple[str, str]], comment: str) -> Dispute:
    """A different analyst re-scores the contact; the result is final. The original answers stay
    in the timeline, and the original score on the evaluation."""
    dispute = Dispute.objects.select_for_update(of=("self",)).select_related("evaluation").get(pk=dispute.pk)
    if not may_review(actor, dispute):
        raise ValidationError(_("This dispute is for another analyst than the evaluator to re-review."))
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError({"review_comment": _("Explain the re-review decision.")})
    evaluation = Evaluation.objects.select_for_update(of=("self",)).select_related("version").get(pk=dispute.evaluation_id)
    before = {a.criterion_id: (a.value, a.comment) for a in evaluation.answers.all()}
    _criteria, cleaned = _clean_answers(evaluation.version, answers, complete=True)
    result = _apply_answers(evaluation, cleaned)
    if result.score is None:
        raise ValidationError(_("Every criterion is N.A.: there is nothing to score."))
    changed = {c.pk: v for c, v, _n in cleaned} != {k: v[0] for k, v in before.items() if v[0]}
    evaluation.status = Evaluation.Status.FINAL
    evaluation.acknowledged_at = evaluation.acknowledged_by = None  # the agent acknowledges the final score
    evaluation.save()
    dispute.reviewer = actor
    dispute.decision = Dispute.Decision.AMENDED if changed else Dispute.Decision.UPHELD
    dispute.review_comment = comment
    dispute.reviewed_at = timezone.now()
    dispute.score_after = evaluation.score
    dispute.save()
    _event(evaluation, EvaluationEvent.Kind.REVIEWED, actor, note=comment)
    return dispute


# --- sampling plans --------------------------------------------------------------------------

MAX_DRAW_DAYS = 366


@transaction.atomic
def plan_create(*, actor: User, scorecard: Scorecard, name: str, per_agent_per_week: int,
                seed: int | None = None, share_percent=None) -> SamplingPlan:
    _require_perm(actor, "quality.add_evaluation")
    plan = SamplingPlan(scorecard=scorecard, name=(name or "").strip(), per_agent_per_week=per_agent_per_week,
                        seed=secrets.randbelow(2**62) if seed is None else seed, created_by=actor,
                        share_percent=share_percent)
    plan.full_clean()
    plan.save()
    return plan


@dataclass(frozen=True)
class DrawResult:
    candidates: int
    drawn: int
    created: list[Evaluation]


@transaction.atomic
def plan_draw(*, actor: User, plan: SamplingPlan, analyst: User, date_from: date, date_to: date) -> DrawResult:
    """Draw the plan's contacts arriving between the two dates (the project's days, inclusive)
    and put the new ones in the analyst's queue. Only contacts that both the actor and the
    analyst may see are candidates; a contact already evaluated on this version is skipped, so
    drawing the same period again changes nothing."""
    _require_perm(actor, "quality.add_evaluation")
    if not _is_analyst(analyst):
        raise ValidationError({"analyst": _("%(name)s is not an active QA analyst.") % {"name": analyst.username}})
    if date_from > date_to:
        raise ValidationError({"date_to": _("The end date is before the start date.")})
    if (date_to - date_from).days >= MAX_DRAW_DAYS:
        raise ValidationError({"date_to": _("Draw at most a year at a time.")})
    version = plan.scorecard.current
    if version is None:
        raise ValidationError(_("The scorecard has no published version yet."))
    project = plan.scorecard.project
    zone = ZoneInfo(project.time_zone)
    start = datetime.combine(date_from, time.min, zone)
    end = datetime.combine(date_to + timedelta(days=1), time.min, zone)
    rows = (Interaction.objects.visible_to(actor)
            .filter(pk__in=Interaction.objects.visible_to(analyst).values("pk"))
            .filter(project=project, arrived_at__gte=start, arrived_at__lt=end, abandoned=False)
            .exclude(agent_code="").values_list("pk", "vendor_id", "agent_code", "arrived_at"))
    candidates = [((vendor, agent), tuple(arrived.astimezone(zone).isocalendar()[:2]), pk)
                  for pk, vendor, agent, arrived in rows]
    share = Fraction(plan.share_percent) / 100 if plan.share_percent is not None else None
    drawn = drawing.draw(candidates, per_group=plan.per_agent_per_week, seed=plan.seed, share=share)
    done = set(Evaluation.objects.filter(version=version, interaction_id__in=drawn)
               .values_list("interaction_id", flat=True))
    vendors = {pk: vendor for pk, vendor, _a, _t in rows}
    created = []
    for pk in drawn:
        if pk in done:
            continue
        evaluation = Evaluation.objects.create(interaction_id=pk, vendor_id=vendors[pk], version=version,
                                               analyst=analyst, plan=plan)
        _event(evaluation, EvaluationEvent.Kind.ASSIGNED, actor,
               note=_("Drawn by sampling plan %(name)s") % {"name": plan.name})
        created.append(evaluation)
    return DrawResult(candidates=len(candidates), drawn=len(drawn), created=created)
