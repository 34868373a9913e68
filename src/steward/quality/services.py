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

import hashlib
import re
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
from django.utils.translation import gettext_noop

from steward.core.models import Project, User
from steward.core.notifications import notify
from steward.core.roles import Role
from steward.interactions.models import Interaction
from steward.quality import compliance, definition, drawing, scoring
from steward.quality.models import (
    CalibrationScore, CalibrationSession, ComplianceHit, ComplianceRule, ComplianceScan, Criterion, Dispute, Evaluation, EvaluationAnswer, EvaluationEvent, SamplingPlan, Scorecard, ScorecardVersion,
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


def evaluations_assign(*, actor: User, scorecard: Scorecard, analyst: User,
                       external_ids: list[str]) -> list[Evaluation]:
    """Put the contacts of the scorecard's project named by their external ids in the analyst's
    queue, all or nothing (the assign page and the API). A contact the actor may not see is
    reported as not found."""
    contacts = {i.external_id: i for i in Interaction.objects.visible_to(actor).filter(
        project=scorecard.project, external_id__in=external_ids)}
    missing = [x for x in external_ids if x not in contacts]
    if missing:
        raise ValidationError({"external_ids": _("Not found in project %(project)s: %(ids)s.")
                               % {"project": scorecard.project.code, "ids": ", ".join(missing[:20])}})
    with transaction.atomic():
        return [evaluation_assign(actor=actor, interaction=i, analyst=analyst, scorecard=scorecard)
                for i in contacts.values()]


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
        _notify_submitted(evaluation)
    return evaluation


def _vendor_managers(vendor_id: int):
    return User.objects.filter(vendor_id=vendor_id, role=Role.VENDOR_MANAGER, is_active=True)


def _notify_submitted(evaluation: Evaluation) -> None:
    """The contact's agent and their team leads (the vendor's managers) learn of the score."""
    interaction = Interaction.objects.select_related("agent__user").get(pk=evaluation.interaction_id)
    agent_user = interaction.agent.user if interaction.agent_id and interaction.agent.user_id else None
    recipients = [agent_user, *_vendor_managers(evaluation.vendor_id)]
    notify([u for u in recipients if u is not None and u.vendor_id == evaluation.vendor_id],
           gettext_noop("Contact %(ref)s was evaluated: score %(score)s, passed") if evaluation.passed else
           gettext_noop("Contact %(ref)s was evaluated: score %(score)s, below the pass mark"),
           {"ref": interaction.external_id, "score": str(evaluation.score)}, url=evaluation.get_absolute_url())


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
    reviewers = [dispute.reviewer] if dispute.reviewer else list(
        User.objects.filter(role=Role.QA_ANALYST, is_active=True).exclude(pk=evaluation.analyst_id))
    notify(reviewers, gettext_noop("Evaluation of contact %(ref)s is disputed: please re-review it"),
           {"ref": evaluation.interaction.external_id}, url=evaluation.get_absolute_url())
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
                seed: int | None = None, share_percent=None, stratify_by: str = "", targets=(),
                long_handle_seconds: int = 900, negative_sentiment_min: int = 2) -> SamplingPlan:
    """stratify_by: "", "channel", "queue" or "outcome" — N (or the share) is drawn in each
    stratum of an agent-week. targets: any of "low_csat" (CSAT 1–2), "complaint", "long_handle"
    (talk + hold + wrap ≥ long_handle_seconds), "compliance_hit", "negative_sentiment" (the
    customer's turns hold ≥ negative_sentiment_min negative-emotion terms, emotion.py) — matching
    contacts are drawn in addition, up to N per agent-week, from the same stored seed."""
    _require_perm(actor, "quality.add_evaluation")
    targets = sorted(set(targets or ()))
    unknown = [t for t in targets if t not in SamplingPlan.TARGETS]
    if unknown:
        raise ValidationError({"targets": _("Unknown targeted rules: %(names)s") % {"names": ", ".join(unknown)}})
    plan = SamplingPlan(scorecard=scorecard, name=(name or "").strip(), per_agent_per_week=per_agent_per_week,
                        seed=secrets.randbelow(2**62) if seed is None else seed, created_by=actor,
                        share_percent=share_percent, stratify_by=stratify_by or "", targets=targets,
                        long_handle_seconds=long_handle_seconds, negative_sentiment_min=negative_sentiment_min)
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
    try:  # 0001-01-01 or 9999-12-31: no UTC instant for the day's bounds
        start = datetime.combine(date_from, time.min, zone).astimezone(ZoneInfo("UTC"))
        end = datetime.combine(date_to + timedelta(days=1), time.min, zone).astimezone(ZoneInfo("UTC"))
    except OverflowError:
        raise ValidationError(
            {"date_to": _("The dates are outside the calendar contacts can be drawn from.")}) from None
    visible = (Interaction.objects.visible_to(actor)
               .filter(pk__in=Interaction.objects.visible_to(analyst).values("pk"))
               .filter(project=project, arrived_at__gte=start, arrived_at__lt=end, abandoned=False)
               .exclude(agent_code=""))
    stratum = {"channel": "channel", "queue": "queue", "outcome": "outcome"}.get(plan.stratify_by)
    rows = list(visible.values_list("pk", "vendor_id", "agent_code", "arrived_at", stratum or "vendor_id"))
    candidates = [((vendor, agent, value) if stratum else (vendor, agent),
                   tuple(arrived.astimezone(zone).isocalendar()[:2]), pk)
                  for pk, vendor, agent, arrived, value in rows]
    share = Fraction(plan.share_percent) / 100 if plan.share_percent is not None else None
    drawn = set(drawing.draw(candidates, per_group=plan.per_agent_per_week, seed=plan.seed, share=share))
    targeted = _targeted(plan, visible)
    if targeted:
        weeks = {pk: (vendor, agent, tuple(arrived.astimezone(zone).isocalendar()[:2]))
                 for pk, vendor, agent, arrived, _v in rows}
        # Its own groups ("target", …), so the extra draw never disturbs the main one.
        drawn.update(drawing.draw([(("target", weeks[pk][0], weeks[pk][1]), weeks[pk][2], pk)
                                   for pk in targeted if pk in weeks],
                                  per_group=plan.per_agent_per_week, seed=plan.seed))
    drawn = sorted(drawn)
    done = set(Evaluation.objects.filter(version=version, interaction_id__in=drawn)
               .values_list("interaction_id", flat=True))
    vendors = {pk: vendor for pk, vendor, _a, _t, _v in rows}
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


def _targeted(plan: SamplingPlan, visible) -> set[int]:
    """Ids of the visible candidates matching any of the plan's targeted rules."""
    condition = Q(pk__in=[])
    if "low_csat" in plan.targets:
        condition |= Q(csat__isnull=False, csat__lte=2)
    if "complaint" in plan.targets:
        condition |= Q(complaint=True)
    if "long_handle" in plan.targets:
        condition |= Q(handle__gte=plan.long_handle_seconds)
    if "compliance_hit" in plan.targets:
        condition |= Q(pk__in=ComplianceHit.objects.values("interaction_id"))
    if not plan.targets:
        return set()
    from django.db.models import F

    found = set(visible.annotate(handle=F("talk_seconds") + F("hold_seconds") + F("wrap_seconds"))
                .filter(condition).values_list("pk", flat=True))
    if "negative_sentiment" in plan.targets:
        # Those already found are skipped here, not in SQL: a large draw would bind too many ids.
        found |= _negative_sentiment(visible.exclude(transcript=""), plan.negative_sentiment_min, skip=found)
    return found


def _negative_sentiment(candidates, minimum: int, skip: set[int] = frozenset()) -> set[int]:
    """Ids of the candidates (other than `skip`) whose customer turns hold at least `minimum`
    negative-emotion terms (the offline lexicon scorer, emotion.py), read in chunks."""
    from steward.quality import emotion

    return {pk for pk, transcript in candidates.values_list("pk", "transcript").iterator(chunk_size=2000)
            if pk not in skip and emotion.score(transcript).customer_negative >= minimum}


# --- compliance rules and scanning -------------------------------------------------------------

_RULE_FIELD_MESSAGES = {
    "kind": gettext_noop("Choose a kind of rule."),
    "speaker": gettext_noop("Choose who must or must not say it."),
    "scope": gettext_noop("Choose where in the conversation the rule looks."),
    "turns": gettext_noop("The number of turns must be between 1 and 50."),
    "phrases": gettext_noop("Give at least one phrase (one per line, at most 200 characters each)."),
    "pattern": gettext_noop("Give a valid regular expression (at most 500 characters) that cannot match empty text."),
    "pii": gettext_noop("Choose the kind of personal data to detect."),
}


def _check_rule(rule: ComplianceRule) -> None:
    errors = compliance.rule_errors(rule.spec())
    if errors:
        messages = {("pii_kind" if k == "pii" else k): _(_RULE_FIELD_MESSAGES[k]) for k in errors}
        if "pattern" in errors and "pattern" in messages:
            messages["pattern"] = f"{messages['pattern']} ({errors['pattern']})"
        raise ValidationError(messages)


def create_compliance_rule(*, actor: User, project: Project, code: str, name: str, kind: str,
                           phrases: list[str] | str = (), pattern: str = "", pii_kind: str = "",
                           speaker: str = "any", scope: str = "anywhere", turns: int = 2,
                           whole_word: bool = False, severity: str = "medium", source: str = "") -> ComplianceRule:
    """Create one compliance rule of a project and return it (ValidationError on bad input).

    kind: "banned" (any of `phrases` must never be said), "required" (one of `phrases` must be
    said), "regex" (`pattern`, a Python regular expression, must never match) or "pii" (personal
    data of `pii_kind` — "resident_id", "bank_card", "mobile", "landline", "email" — must never
    appear). phrases: a list of strings or one string with a phrase per line, Chinese or English,
    matched case-insensitively. speaker: "any", "agent" or "customer"; scope: "anywhere",
    "opening" or "closing" (the first / last `turns` turns of that speaker). whole_word: match only
    on word boundaries (jieba segmentation for Chinese). source: where the rule comes from, e.g.
    "Brand manual 2025 §3.2". The actor needs quality.change_scorecard (client-side QA staff).

    Example (a brand manual's mandatory greeting):
        create_compliance_rule(actor=analyst, project=project, code="greeting", name="Greeting",
                               kind="required", phrases=["您好", "hello"], speaker="agent",
                               scope="opening", turns=1)
    New rules apply to contacts scanned from now on; `scan_project` re-scans the stored ones."""
    _require_perm(actor, "quality.change_scorecard")
    if isinstance(phrases, str):
        phrases = [phrases]
    rule = ComplianceRule(project=project, code=(code or "").strip(), name=(name or "").strip(), kind=kind,
                          phrases="\n".join(compliance.parse_phrases("\n".join(phrases or ()))),
                          pattern=(pattern or "").strip(), pii_kind=pii_kind or "", speaker=speaker,
                          scope=scope, turns=turns, whole_word=whole_word, severity=severity,
                          source=(source or "").strip(), created_by=actor)
    return _save_rule(rule)


def _save_rule(rule: ComplianceRule) -> ComplianceRule:
    if rule.kind != ComplianceRule.Kind.REGEX:
        rule.pattern = ""
    if rule.kind != ComplianceRule.Kind.PII:
        rule.pii_kind = ""
    if rule.kind not in (ComplianceRule.Kind.BANNED, ComplianceRule.Kind.REQUIRED):
        rule.phrases = ""
    _check_rule(rule)
    rule.full_clean(validate_constraints=False)
    clash = ComplianceRule.objects.filter(project=rule.project_id, code=rule.code).exclude(pk=rule.pk)
    if clash.exists():
        raise ValidationError({"code": _("The project already has a rule with code %(code)s.") % {"code": rule.code}})
    try:
        with transaction.atomic():
            rule.save()
    except IntegrityError:
        raise ValidationError({"code": _("The project already has a rule with code %(code)s.")
                               % {"code": rule.code}}) from None
    return rule


def rule_update(*, actor: User, rule: ComplianceRule, **changes) -> ComplianceRule:
    """Change a rule's fields (the same names as create_compliance_rule, plus `active`). Hits
    already stored stay until the contacts are scanned again (`scan_project`)."""
    _require_perm(actor, "quality.change_scorecard")
    allowed = {"name", "kind", "phrases", "pattern", "pii_kind", "speaker", "scope", "turns", "whole_word",
               "severity", "source", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(_("Unknown fields: %(fields)s") % {"fields": ", ".join(sorted(unknown))})
    rule = ComplianceRule.objects.get(pk=rule.pk)
    for name, value in changes.items():
        if name == "phrases":
            value = "\n".join(compliance.parse_phrases(value if isinstance(value, str) else "\n".join(value)))
        setattr(rule, name, value)
    return _save_rule(rule)


def rules_import(*, actor: User, project: Project, text: str, kind: str, speaker: str = "agent",
                 scope: str = "anywhere", turns: int = 2, source: str = "") -> list[ComplianceRule]:
    """A brand manual's phrase list as rules, one rule per non-empty line ("code: phrase | phrase"
    or just "phrase"); all or nothing. Lines whose code already exists are refused."""
    _require_perm(actor, "quality.change_scorecard")
    lines = [line.strip() for line in (text or "").splitlines() if line.strip() and not line.strip().startswith("#")]
    if not lines:
        raise ValidationError({"text": _("The file has no phrases.")})
    if len(lines) > 5000:
        raise ValidationError({"text": _("At most 5,000 rules at a time.")})
    taken = set(ComplianceRule.objects.filter(project=project).values_list("code", flat=True))
    created = []
    with transaction.atomic():
        for number, line in enumerate(lines, start=1):
            code, sep, phrases = line.partition(":")
            if not sep or not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_\-]*", code.strip()):
                base, phrases, suffix = f"{kind}-{number}", line, 2
                code = base
                while code in taken:
                    code, suffix = f"{base}-{suffix}", suffix + 1
            code = code.strip()
            try:
                created.append(create_compliance_rule(
                    actor=actor, project=project, code=code, name=compliance.parse_phrases(phrases)[0][:200]
                    if compliance.parse_phrases(phrases) else code, kind=kind, phrases=phrases, speaker=speaker,
                    scope=scope, turns=turns, source=source))
            except ValidationError as exc:
                raise ValidationError(_("Line %(line)d: %(error)s") % {
                    "line": number, "error": "; ".join(exc.messages)}) from None
            taken.add(code)
    return created


def project_scanner(project: Project) -> tuple[compliance.Scanner, str]:
    """The project's active rules compiled, and their fingerprint."""
    rules = list(ComplianceRule.objects.filter(project=project, active=True).order_by("pk"))
    digest = hashlib.sha256()
    for rule in rules:
        spec = rule.spec()
        digest.update(repr((spec.key, spec.kind, spec.phrases, spec.pattern, spec.pii, spec.speaker, spec.scope,
                            spec.turns, spec.whole_word)).encode())
    return compliance.Scanner(r.spec() for r in rules), digest.hexdigest()


@dataclass(frozen=True)
class ScanResult:
    examined: int
    scanned: int  # examined minus those whose transcript and rules were unchanged since their last scan
    hits: int


SCAN_CHUNK = 1000


def _scan_chunk(scanner: compliance.Scanner, rules_digest: str, rows: list[tuple], force: bool) -> tuple[int, int]:
    ids = [r[0] for r in rows]
    previous = dict(ComplianceScan.objects.filter(interaction_id__in=ids).values_list("interaction_id", "fingerprint"))
    new_hits, scans, redo, todo = [], [], [], []
    for row in rows:
        fingerprint = hashlib.sha256(f"{rules_digest}:{row[5]}".encode()).hexdigest()
        if force or previous.get(row[0]) != fingerprint:
            todo.append((row, fingerprint))
    results = scanner.scan_many([row[5] for row, _f in todo])  # one pass over the chunk
    for ((pk, project_id, vendor_id, agent_code, arrived_at, _transcript), fingerprint), found in zip(
            todo, results, strict=True):
        redo.append(pk)
        scans.append((pk, fingerprint, len(found)))
        new_hits.extend(ComplianceHit(
            interaction_id=pk, rule_id=h.key, project_id=project_id, vendor_id=vendor_id, agent_code=agent_code,
            arrived_at=arrived_at, kind=h.kind, turn=h.turn, speaker=h.speaker, start=h.start, end=h.end,
            matched=h.matched[:500], excerpt=h.excerpt[:1000], excerpt_at=h.excerpt_at, detail=h.detail[:200])
            for h in found)
    if redo:
        with transaction.atomic():
            ComplianceHit.objects.filter(interaction_id__in=redo).delete()
            ComplianceHit.objects.bulk_create(new_hits, batch_size=2000)
            ComplianceScan.objects.filter(interaction_id__in=redo).delete()
            ComplianceScan.objects.bulk_create(
                [ComplianceScan(interaction_id=pk, fingerprint=f, hits=n) for pk, f, n in scans], batch_size=2000)
    return len(redo), len(new_hits)


def scan_interactions(*, project: Project, interactions=None, since: date | None = None, force: bool = False,
                      progress=None) -> ScanResult:
    """Scan the project's contacts (or the given queryset of them) against its active rules and
    store the hits. Idempotent: a contact whose transcript and rules have not changed since its
    last scan is skipped (force=True scans anyway); a re-scan replaces its hits. since: only
    contacts that arrived on or after that day (project time zone). progress(done, total) is
    called after each chunk of 1,000 contacts; each chunk commits on its own."""
    scanner, rules_digest = project_scanner(project)
    qs = interactions if interactions is not None else Interaction.objects.all()
    qs = qs.filter(project=project)
    if since is not None:
        qs = qs.filter(arrived_at__gte=datetime.combine(since, time.min, tzinfo=ZoneInfo(project.time_zone)))
    ids = list(qs.order_by("pk").values_list("pk", flat=True))
    total, scanned, hits = len(ids), 0, 0
    for offset in range(0, total, SCAN_CHUNK):
        chunk = ids[offset:offset + SCAN_CHUNK]
        rows = list(Interaction.objects.filter(pk__in=chunk).order_by("pk").values_list(
            "pk", "project_id", "vendor_id", "agent_code", "arrived_at", "transcript"))
        done, found = _scan_chunk(scanner, rules_digest, rows, force)
        scanned += done
        hits += found
        if progress is not None:
            progress(min(offset + SCAN_CHUNK, total), total)
    return ScanResult(examined=total, scanned=scanned, hits=hits)


def scan_import(batch_id: int) -> ScanResult | None:
    """Scan the contacts an import wrote (called after a completed import, see tasks.py)."""
    from steward.interactions.models import ImportBatch

    batch = ImportBatch.objects.select_related("project").filter(pk=batch_id).first()
    if batch is None or not ComplianceRule.objects.filter(project=batch.project, active=True).exists():
        return None
    return scan_interactions(project=batch.project, interactions=Interaction.objects.filter(import_batch=batch))


def scan_text(*, project: Project, text: str) -> list[compliance.Hit]:
    """Scan a text against the project's active rules without storing anything."""
    scanner, _digest = project_scanner(project)
    return scanner.scan(text)


# --- calibration -------------------------------------------------------------------------------

MAX_CALIBRATION_CONTACTS = 50


def _may_calibrate(user: User) -> bool:
    return user is not None and user.is_active and user.is_client_side and user.has_perm("quality.add_evaluation")


@transaction.atomic
def calibration_create(*, actor: User, scorecard: Scorecard, title: str, interactions: list[Interaction],
                       evaluators: list[User]) -> CalibrationSession:
    """A blind calibration session on the scorecard's current version: every evaluator scores
    every contact. At least two evaluators (client QA staff) and 1 to 50 contacts of the
    scorecard's project that the actor may see."""
    _require_perm(actor, "quality.add_evaluation")
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the session a title.")})
    version = scorecard.current
    if version is None:
        raise ValidationError({"scorecard": _("The scorecard has no published version yet.")})
    evaluators = list({u.pk: u for u in evaluators}.values())
    if len(evaluators) < 2:
        raise ValidationError({"evaluators": _("A calibration needs at least two evaluators.")})
    refused = [u.username for u in evaluators if not _may_calibrate(u)]
    if refused:
        raise ValidationError({"evaluators": _("Not QA staff: %(names)s") % {"names": ", ".join(refused)}})
    interactions = list({i.pk: i for i in interactions}.values())
    if not 1 <= len(interactions) <= MAX_CALIBRATION_CONTACTS:
        raise ValidationError({"contacts": _("Choose 1 to %(n)s contacts.") % {"n": MAX_CALIBRATION_CONTACTS}})
    visible = set(Interaction.objects.visible_to(actor).filter(pk__in=[i.pk for i in interactions],
                                                                 project=scorecard.project_id)
                  .values_list("pk", flat=True))
    outside = [i.external_id for i in interactions if i.pk not in visible]
    if outside:
        raise ValidationError({"contacts": _("Not contacts of project %(project)s: %(ids)s") % {
            "project": scorecard.project.code, "ids": ", ".join(outside[:10])}})
    session = CalibrationSession.objects.create(version=version, title=title[:200], created_by=actor)
    session.evaluators.set(evaluators)
    session.contacts.set(interactions)
    notify(evaluators, gettext_noop("Calibration session %(title)s: please score its contacts"),
           {"title": session.title}, url=session.get_absolute_url())
    return session


def calibration_create_from_ids(*, actor: User, scorecard: Scorecard, title: str, external_ids: list[str],
                                evaluators: list[User]) -> CalibrationSession:
    """calibration_create with the contacts named by their external ids in the scorecard's
    project (the page and the API); ids the actor cannot find there are refused by name."""
    contacts = list(Interaction.objects.visible_to(actor).filter(project=scorecard.project,
                                                                 external_id__in=external_ids))
    missing = sorted(set(external_ids) - {c.external_id for c in contacts})
    if missing:
        raise ValidationError({"contacts": _("Unknown contacts in project %(project)s: %(ids)s") % {
            "project": scorecard.project.code, "ids": ", ".join(missing[:10])}})
    return calibration_create(actor=actor, scorecard=scorecard, title=title, interactions=contacts,
                              evaluators=evaluators)


@transaction.atomic
def calibration_score(*, actor: User, session: CalibrationSession, interaction: Interaction,
                      answers: dict[str, str], comment: str = "") -> CalibrationScore:
    """An evaluator's answers on one contact of an open session: every criterion answered,
    final once submitted (so nobody can adjust after seeing the others)."""
    session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    if session.status != CalibrationSession.Status.OPEN:
        raise ValidationError(_("The calibration session is closed."))
    if not session.evaluators.filter(pk=actor.pk).exists():
        raise ValidationError(_("You are not an evaluator of this session."))
    if not session.contacts.filter(pk=interaction.pk).exists():
        raise ValidationError(_("The contact is not part of this session."))
    if CalibrationScore.objects.filter(session=session, interaction=interaction, evaluator=actor).exists():
        raise ValidationError(_("You have already scored this contact."))
    specs = session.version.specs()
    cleaned = {key: (value or "").strip().lower() for key, value in (answers or {}).items()}
    result = scoring.score(specs, cleaned)
    errors = {key: _("Answer this criterion.") for key in result.missing}
    errors.update({key: _("“%(answer)s” is not an answer this criterion allows.") % {"answer": value}
                   for key, value in result.invalid.items()})
    if errors:
        raise ValidationError(errors)
    if len(comment or "") > 5000:
        raise ValidationError({"comment": _("A comment has at most 5,000 characters.")})
    return CalibrationScore.objects.create(
        session=session, interaction=interaction, evaluator=actor, comment=(comment or "").strip(),
        answers={s.key: cleaned[s.key] for s in specs}, score=result.score, auto_failed=result.auto_failed)


@transaction.atomic
def calibration_close(*, actor: User, session: CalibrationSession) -> CalibrationSession:
    """Close the session: results become visible to every evaluator; no more scores."""
    _require_perm(actor, "quality.add_evaluation")
    session = CalibrationSession.objects.select_for_update().get(pk=session.pk)
    if session.created_by_id != actor.pk and not actor.has_perm("quality.change_scorecard"):
        raise ValidationError(_("You may not do this."))
    if session.status == CalibrationSession.Status.CLOSED:
        raise ValidationError(_("The calibration session is already closed."))
    session.status = CalibrationSession.Status.CLOSED
    session.closed_at = timezone.now()
    session.save(update_fields=["status", "closed_at"])
    return session


# --- coaching ----------------------------------------------------------------------------------

MAX_COACHING_TEXT = 5000


def _coaching_event(coaching, kind: str, actor: User | None, note: str = ""):
    from steward.quality.models import CoachingEvent

    return CoachingEvent.objects.create(coaching=coaching, kind=kind, actor=actor, note=note)


def may_assign_coaching(user: User, evaluation: Evaluation) -> bool:
    """Client QA staff, or the team lead (vendor manager) of the evaluation's vendor, once the
    evaluation is submitted and its contact has an agent on the roster."""
    if user is None or not user.is_active or not user.has_perm("quality.add_coaching"):
        return False
    if not user.is_client_side and user.vendor_id != evaluation.vendor_id:
        return False
    return evaluation.status != Evaluation.Status.ASSIGNED and evaluation.interaction.agent_id is not None


def _project_today(evaluation: Evaluation) -> date:
    return timezone.now().astimezone(ZoneInfo(evaluation.interaction.project.time_zone)).date()


@transaction.atomic
def coaching_assign(*, actor: User, evaluation: Evaluation, kind: str, text: str, due_on: date,
                    course=None, session=None):
    """Assign coaching to the agent of an evaluated contact: a note ("note") or a training course
    ("training", `course` required). `session`: optionally a scheduled session of that course for
    the agent's vendor, in which the agent is registered through training's attendance service
    (the actor then needs training.add_session). The agent and their vendor's team leads are
    told."""
    from steward.quality.models import Coaching

    evaluation = (Evaluation.objects.visible_to(actor).select_related("interaction__agent__user", "interaction__project")
                  .filter(pk=evaluation.pk).first())
    if evaluation is None:
        raise ValidationError(_("This evaluation is not visible to you."))
    if not may_assign_coaching(actor, evaluation):
        if evaluation.interaction.agent_id is None:
            raise ValidationError(_("The contact has no agent on the roster to coach."))
        if evaluation.status == Evaluation.Status.ASSIGNED:
            raise ValidationError(_("Coaching follows a submitted evaluation."))
        raise ValidationError(_("You may not do this."))
    text = (text or "").strip()
    errors = {}
    if kind not in Coaching.Kind.values:
        errors["kind"] = _("Choose a coaching note or a training.")
    if not text:
        errors["text"] = _("Say what the agent should work on.")
    elif len(text) > MAX_COACHING_TEXT:
        errors["text"] = _("At most 5,000 characters.")
    if due_on is None:
        errors["due_on"] = _("Give a due date.")
    elif due_on < _project_today(evaluation):
        errors["due_on"] = _("The due date is in the past.")
    if kind == Coaching.Kind.TRAINING and course is None:
        errors["course"] = _("Choose the course to take.")
    if kind != Coaching.Kind.TRAINING:
        course = session = None
    if session is not None and not errors:
        if session.course_id != course.pk or session.vendor_id != evaluation.vendor_id:
            errors["session"] = _("The session is not this course's session for the agent's vendor.")
        elif session.starts_at <= timezone.now():
            errors["session"] = _("The session has already started.")
    if errors:
        raise ValidationError(errors)
    agent = evaluation.interaction.agent
    coaching = Coaching.objects.create(evaluation=evaluation, vendor_id=evaluation.vendor_id, agent=agent,
                                       assigned_by=actor, kind=kind, course=course, text=text, due_on=due_on)
    _coaching_event(coaching, "assigned", actor, note=text)
    if session is not None:
        from steward.training import services as training_services

        training_services.attendance_record(actor=actor, session=session, agent=agent, status="registered")
    recipients = [agent.user] if agent.user_id else []
    notify([u for u in [*recipients, *_vendor_managers(evaluation.vendor_id)] if u.pk != actor.pk],
           gettext_noop("Coaching for agent %(agent)s after contact %(ref)s, due %(day)s"),
           {"agent": agent.code, "ref": evaluation.interaction.external_id, "day": due_on.isoformat()},
           url=coaching.get_absolute_url())
    return coaching


def _is_coached_agent(user: User, coaching) -> bool:
    return user is not None and user.is_active and coaching.agent.user_id == user.pk


def may_verify_coaching(user: User, coaching) -> bool:
    """The assigner verifies (or sends back, or cancels); if the assigner has left, anyone who
    could have assigned it."""
    if user is None or not user.is_active:
        return False
    if coaching.assigned_by_id == user.pk:
        return True
    if coaching.assigned_by.is_active or not user.has_perm("quality.add_coaching"):
        return False
    return user.is_client_side or user.vendor_id == coaching.vendor_id


COACHING_ACTIONS = ("acknowledge", "done", "verify", "reopen", "cancel")


def coaching_actions(user: User, coaching) -> list[str]:
    """What the user may do with the coaching now."""
    S = type(coaching).Status
    actions = []
    if _is_coached_agent(user, coaching):
        if coaching.status == S.OPEN:
            actions.append("acknowledge")
        if coaching.status in (S.OPEN, S.IN_PROGRESS):
            actions.append("done")
    if may_verify_coaching(user, coaching):
        if coaching.status == S.DONE:
            actions += ["verify", "reopen"]
        if coaching.status in (S.OPEN, S.IN_PROGRESS, S.DONE):
            actions.append("cancel")
    return actions


@transaction.atomic
def coaching_transition(*, actor: User, coaching, action: str, note: str = ""):
    """Move a coaching on. action: "acknowledge" (the agent: open → in progress), "done" (the
    agent, with a completion note: → done), "verify" (the assigner: done → completed), "reopen"
    (the assigner, saying why: done → in progress) or "cancel" (the assigner, saying why)."""
    from steward.quality.models import Coaching

    coaching = (Coaching.objects.visible_to(actor).select_for_update(of=("self",))
                .select_related("agent__user", "assigned_by", "evaluation__interaction").filter(pk=coaching.pk).first())
    if coaching is None:
        raise ValidationError(_("This coaching is not visible to you."))
    if action not in COACHING_ACTIONS:
        raise ValidationError(_("Unknown action."))
    if action not in coaching_actions(actor, coaching):
        raise ValidationError(_("“%(action)s” is not open to you on this coaching now (it is %(status)s).") % {
            "action": _(dict(COACHING_ACTION_LABELS)[action]), "status": coaching.get_status_display()})
    note = (note or "").strip()
    if len(note) > MAX_COACHING_TEXT:
        raise ValidationError({"note": _("At most 5,000 characters.")})
    now = timezone.now()
    S = Coaching.Status
    agent_user = coaching.agent.user
    if action == "acknowledge":
        coaching.status, coaching.acknowledged_at = S.IN_PROGRESS, now
        event = "acknowledged"
    elif action == "done":
        if not note:
            raise ValidationError({"note": _("Say what you did (a completion note).")})
        coaching.status, coaching.done_at, coaching.completion_note = S.DONE, now, note
        coaching.acknowledged_at = coaching.acknowledged_at or now
        event = "done"
        notify([coaching.assigned_by], gettext_noop("Agent %(agent)s marked coaching #%(id)s done: please verify it"),
               {"agent": coaching.agent.code, "id": coaching.pk}, url=coaching.get_absolute_url())
    elif action == "verify":
        coaching.status, coaching.verified_by, coaching.verified_at = S.COMPLETED, actor, now
        event = "verified"
        notify([agent_user] if agent_user else [], gettext_noop("Your coaching #%(id)s is completed"),
               {"id": coaching.pk}, url=coaching.get_absolute_url())
    elif action == "reopen":
        if not note:
            raise ValidationError({"note": _("Say what is still missing.")})
        coaching.status, coaching.done_at = S.IN_PROGRESS, None
        event = "reopened"
        notify([agent_user] if agent_user else [], gettext_noop("Coaching #%(id)s was sent back to you: %(note)s"),
               {"id": coaching.pk, "note": note[:200]}, url=coaching.get_absolute_url())
    else:
        if not note:
            raise ValidationError({"note": _("Say why the coaching is cancelled.")})
        coaching.status, coaching.cancelled_at = S.CANCELLED, now
        event = "cancelled"
        notify([agent_user] if agent_user else [], gettext_noop("Coaching #%(id)s was cancelled"),
               {"id": coaching.pk}, url=coaching.get_absolute_url())
    coaching.save()
    _coaching_event(coaching, event, actor, note=note)
    return coaching


COACHING_ACTION_LABELS = (
    ("acknowledge", gettext_noop("Acknowledge")),
    ("done", gettext_noop("Mark done")),
    ("verify", gettext_noop("Verify completion")),
    ("reopen", gettext_noop("Send back")),
    ("cancel", gettext_noop("Cancel")),
)

REMIND_EVERY_DAYS = 7


@transaction.atomic
def send_coaching_reminders(today: date) -> dict:
    """Overdue coachings (open or in progress, due before `today`): the agent and their vendor's
    team leads are told, at most once a week per coaching (logged on the coaching). Returns
    {"overdue": n, "reminded": n}."""
    from steward.quality.models import Coaching

    overdue = list(Coaching.objects.filter(status__in=Coaching.ACTIVE, due_on__lt=today)
                   .select_related("agent__user").select_for_update(of=("self",)).order_by("due_on", "pk"))
    reminded = 0
    managers: dict[int, list[User]] = {}
    for coaching in overdue:
        if coaching.reminded_on is not None and (today - coaching.reminded_on).days < REMIND_EVERY_DAYS:
            continue
        if coaching.vendor_id not in managers:
            managers[coaching.vendor_id] = list(_vendor_managers(coaching.vendor_id))
        recipients = ([coaching.agent.user] if coaching.agent.user_id else []) + managers[coaching.vendor_id]
        notify(recipients, gettext_noop("Coaching #%(id)s for agent %(agent)s is overdue (due %(day)s)"),
               {"id": coaching.pk, "agent": coaching.agent.code, "day": coaching.due_on.isoformat()},
               url=coaching.get_absolute_url())
        coaching.reminded_on = today
        coaching.save(update_fields=["reminded_on"])
        _coaching_event(coaching, "reminded", None)
        reminded += 1
    return {"overdue": len(overdue), "reminded": reminded}
