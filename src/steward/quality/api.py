"""REST (read-only): scorecards with their YAML, and evaluations with their answers, scoped
like the pages (an agent reads the evaluations of their own contacts, once submitted)."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.core.models import Project
from steward.quality import selectors, services
from steward.quality.models import CalibrationSession, ComplianceRule, Evaluation

router = Router(tags=["quality"])



class ScorecardOut(Schema):
    id: int
    project: str
    code: str
    version: int | None
    pass_mark: Decimal | None
    yaml: str | None


class EvaluationOut(Schema):
    id: int
    contact: str = Field(..., alias="interaction.external_id")
    project: str = Field(..., alias="version.scorecard.project.code")
    vendor: str = Field(..., alias="vendor.code")
    agent_code: str = Field(..., alias="interaction.agent_code")
    scorecard: str = Field(..., alias="version.scorecard.code")
    scorecard_version: int = Field(..., alias="version.number")
    analyst: str = Field(..., alias="analyst.username")
    status: str
    score: Decimal | None
    original_score: Decimal | None
    passed: bool | None
    auto_failed: bool
    submitted_at: dt.datetime | None
    dispute_until: dt.datetime | None
    acknowledged_at: dt.datetime | None


class AnswerOut(Schema):
    criterion: str
    answer: str
    comment: str


class EvaluationDetailOut(EvaluationOut):
    comment: str
    answers: list[AnswerOut] = Field(..., alias="answer_rows")


class EvaluationFilters(Schema):
    status: str = ""
    project: str = ""
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


@router.get("/scorecards", response=list[ScorecardOut])
def list_scorecards(request, project: str = ""):
    require_perm(request, "quality.view_scorecard")
    rows = []
    for scorecard in selectors.scorecard_list(user=request.user, project=project[:100]):
        current = scorecard.current
        rows.append(ScorecardOut(id=scorecard.pk, project=scorecard.project.code, code=scorecard.code,
                                 version=current.number if current else None,
                                 pass_mark=current.pass_mark if current else None,
                                 yaml=services.version_yaml(current) if current else None))
    return rows


@router.get("/evaluations", response=list[EvaluationOut])
def list_evaluations(request, filters: Query[EvaluationFilters]):
    require_perm(request, "quality.view_evaluation")
    status = filters.status if filters.status in Evaluation.Status.values else ""
    qs = selectors.evaluation_list(user=request.user, status=status, project=filters.project[:100])
    return list(qs[filters.offset:filters.offset + filters.limit])


@router.get("/evaluations/{evaluation_id}", response=EvaluationDetailOut)
def get_evaluation(request, evaluation_id: int):
    require_perm(request, "quality.view_evaluation")
    try:
        evaluation = selectors.evaluation_get(user=request.user, pk=evaluation_id)
    except Evaluation.DoesNotExist:
        raise Http404 from None
    answers = selectors.evaluation_answers(evaluation)
    evaluation.answer_rows = [{"criterion": c.key, "answer": a.value, "comment": a.comment}
                              for c in evaluation.version.ordered_criteria() if (a := answers.get(c.pk))]
    return evaluation


# --- compliance --------------------------------------------------------------------------------

class ErrorOut(Schema):
    detail: str


class RuleOut(Schema):
    id: int
    project: str = Field(..., alias="project.code")
    code: str
    name: str
    kind: str
    phrases: list[str] = Field(..., alias="phrase_list")
    pattern: str
    pii_kind: str
    speaker: str
    scope: str
    turns: int
    whole_word: bool
    severity: str
    active: bool
    source: str


class RuleIn(Schema):
    project: str
    code: str
    name: str
    kind: str
    phrases: list[str] = []
    pattern: str = ""
    pii_kind: str = ""
    speaker: str = "any"
    scope: str = "anywhere"
    turns: int = 2
    whole_word: bool = False
    severity: str = "medium"
    source: str = ""


class HitOut(Schema):
    id: int
    contact: str = Field(..., alias="interaction.external_id")
    contact_id: int = Field(..., alias="interaction_id")
    project: str = Field(..., alias="project.code")
    vendor: str = Field(..., alias="vendor.code")
    agent_code: str
    arrived_at: dt.datetime
    rule: str = Field(..., alias="rule.code")
    kind: str
    turn: int | None
    speaker: str
    start: int | None
    end: int | None
    matched: str
    excerpt: str
    detail: str


class HitFilters(Schema):
    project: str = ""
    vendor: str = ""
    rule: str = ""
    kind: str = ""
    agent: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


@router.get("/compliance/rules", response=list[RuleOut])
def list_rules(request, project: str = ""):
    require_perm(request, "quality.view_scorecard")
    return list(selectors.rule_list(user=request.user, project=project[:100]))


@router.post("/compliance/rules", response={201: RuleOut, 400: ErrorOut})
@idempotent
def create_rule(request, payload: RuleIn):
    """Create a compliance rule (client QA staff). Honours an Idempotency-Key header."""
    require_perm(request, "quality.change_scorecard")
    project = Project.objects.visible_to(request.user).filter(code=payload.project[:100]).first()
    if project is None:
        return 400, {"detail": _("Unknown project %(code)s.") % {"code": payload.project[:100]}}
    data = payload.dict()
    data.pop("project")
    try:
        rule = services.create_compliance_rule(actor=request.user, project=project, **data)
    except ValidationError as error:
        return 400, {"detail": " ".join(error.messages)}
    return 201, rule


@router.get("/compliance/hits", response=list[HitOut])
def list_hits(request, filters: Query[HitFilters]):
    require_perm(request, "quality.view_evaluation")
    qs = selectors.hit_list(user=request.user, project=filters.project[:100], vendor=filters.vendor[:100],
                            rule=filters.rule[:100], kind=filters.kind[:20], agent=filters.agent[:100],
                            date_from=filters.date_from, date_to=filters.date_to)
    return list(qs[filters.offset:filters.offset + filters.limit])


class ScanIn(Schema):
    project: str
    text: str = Field(..., max_length=200_000)


class ScanHitOut(Schema):
    rule: str
    kind: str
    turn: int | None
    speaker: str
    start: int | None
    end: int | None
    matched: str
    excerpt: str
    detail: str


@router.post("/compliance/scan", response={200: list[ScanHitOut], 400: ErrorOut})
def scan_text(request, payload: ScanIn):
    """Scan a text against a project's active rules; nothing is stored."""
    require_perm(request, "quality.view_scorecard")
    project = Project.objects.visible_to(request.user).filter(code=payload.project[:100]).first()
    if project is None:
        return 400, {"detail": _("Unknown project %(code)s.") % {"code": payload.project[:100]}}
    codes = dict(ComplianceRule.objects.filter(project=project).values_list("pk", "code"))
    return 200, [{"rule": codes.get(h.key, ""), "kind": h.kind, "turn": h.turn, "speaker": h.speaker,
                  "start": h.start, "end": h.end, "matched": h.matched, "excerpt": h.excerpt, "detail": h.detail}
                 for h in services.scan_text(project=project, text=payload.text.replace("\x00", " "))]


# --- calibration -------------------------------------------------------------------------------

class CalibrationOut(Schema):
    id: int
    title: str
    project: str = Field(..., alias="version.scorecard.project.code")
    scorecard: str = Field(..., alias="version.scorecard.code")
    scorecard_version: int = Field(..., alias="version.number")
    status: str
    created_at: dt.datetime
    closed_at: dt.datetime | None


class CriterionAgreementOut(Schema):
    key: str
    contacts: int
    agreement: float | None
    pairwise: float | None
    spread: float | None
    alpha: float | None


class DeviationOut(Schema):
    evaluator: str
    contacts: int
    bias: float
    mean_absolute: float


class CalibrationDetailOut(Schema):
    id: int
    title: str
    project: str
    scorecard: str
    scorecard_version: int
    status: str
    created_at: dt.datetime
    closed_at: dt.datetime | None
    contacts: list[str]
    evaluators: list[str]
    results_visible: bool
    score_alpha: float | None = None
    criteria: list[CriterionAgreementOut] = []
    deviations: list[DeviationOut] = []


@router.get("/calibrations", response=list[CalibrationOut])
def list_calibrations(request):
    require_perm(request, "quality.add_evaluation")
    return list(selectors.calibration_list(user=request.user))


@router.get("/calibrations/{pk}", response=CalibrationDetailOut)
def get_calibration(request, pk: int):
    """A session; its results only once the caller may see them (blind until they have scored
    every contact, or the session is closed)."""
    require_perm(request, "quality.add_evaluation")
    try:
        session = selectors.calibration_get(user=request.user, pk=pk)
    except CalibrationSession.DoesNotExist:
        raise Http404 from None
    visible = selectors.calibration_results_visible(user=request.user, session=session)
    data = {"id": session.pk, "title": session.title, "project": session.version.scorecard.project.code,
            "scorecard": session.version.scorecard.code, "scorecard_version": session.version.number,
            "status": session.status, "created_at": session.created_at, "closed_at": session.closed_at}
    data.update(contacts=[c.external_id for c in selectors.calibration_contacts(session)],
                evaluators=list(session.evaluators.order_by("username").values_list("username", flat=True)),
                results_visible=visible)
    if visible:
        results = selectors.calibration_results(session)
        data.update(score_alpha=results.score_alpha,
                    criteria=[vars(c) for c in results.criteria],
                    deviations=[{"evaluator": user.username if user else "", "contacts": d.contacts, "bias": d.bias,
                                 "mean_absolute": d.mean_absolute} for user, d in results.deviations])
    return data


# --- coaching ----------------------------------------------------------------------------------

class CoachingOut(Schema):
    id: int
    evaluation: int = Field(..., alias="evaluation_id")
    contact: str = Field(..., alias="evaluation.interaction.external_id")
    vendor: str = Field(..., alias="vendor.code")
    agent_code: str = Field(..., alias="agent.code")
    assigned_by: str = Field(..., alias="assigned_by.username")
    assigned_at: dt.datetime
    kind: str
    course: str | None = Field(None, alias="course.code")
    text: str
    due_on: dt.date
    status: str
    overdue: bool
    acknowledged_at: dt.datetime | None
    done_at: dt.datetime | None
    completion_note: str
    verified_by: str | None = Field(None, alias="verified_by.username")
    verified_at: dt.datetime | None
    cancelled_at: dt.datetime | None


class CoachingEventOut(Schema):
    kind: str
    at: dt.datetime
    actor: str | None = Field(None, alias="actor.username")
    note: str


class EvidenceOut(Schema):
    attended_sessions: list[dt.datetime]
    results: list[dict]
    certified_on: dt.date | None
    passed: bool


class CoachingDetailOut(CoachingOut):
    history: list[CoachingEventOut]
    actions: list[str]
    training_evidence: EvidenceOut | None


class CoachingFilters(Schema):
    status: str = ""
    agent: str = ""
    overdue: bool = False
    mine: bool = False
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


class CoachingIn(Schema):
    evaluation: int
    kind: str = "note"
    text: str = Field(..., max_length=5000)
    due_on: dt.date
    course: str = ""


class CoachingTransitionIn(Schema):
    action: str
    note: str = Field("", max_length=5000)


def _with_overdue(coaching):
    from django.utils import timezone

    coaching.overdue = coaching.is_overdue(timezone.localdate())
    return coaching


@router.get("/coachings", response=list[CoachingOut])
def list_coachings(request, filters: Query[CoachingFilters]):
    """Coachings the caller may see (an agent only their own); `overdue`: open or in progress
    past the due date; `mine`: those coaching the caller."""
    require_perm(request, "quality.view_coaching")
    qs = selectors.coaching_list(user=request.user, status=filters.status[:20], agent=filters.agent[:64],
                                 overdue=filters.overdue, mine=filters.mine)
    return [_with_overdue(c) for c in qs[filters.offset:filters.offset + filters.limit]]


def _coaching_detail(request, coaching):
    evidence = selectors.coaching_evidence(user=request.user, coaching=coaching)
    coaching.history = list(selectors.coaching_events(user=request.user, coaching=coaching))
    coaching.actions = services.coaching_actions(request.user, coaching)
    coaching.training_evidence = None if evidence is None else {
        "attended_sessions": [a.session.starts_at for a in evidence.attendances if a.status == "attended"],
        "results": [{"assessment": r.assessment.code, "taken_on": r.taken_on.isoformat(), "score": str(r.score),
                     "passed": r.passed} for r in evidence.results],
        "certified_on": evidence.certification.certified_on if evidence.certification else None,
        "passed": evidence.passed}
    return _with_overdue(coaching)


@router.get("/coachings/{coaching_id}", response=CoachingDetailOut)
def get_coaching(request, coaching_id: int):
    require_perm(request, "quality.view_coaching")
    from steward.quality.models import Coaching

    try:
        coaching = selectors.coaching_get(user=request.user, pk=coaching_id)
    except Coaching.DoesNotExist:
        raise Http404 from None
    return _coaching_detail(request, coaching)


@router.post("/coachings", response={201: CoachingDetailOut, 400: ErrorOut, 404: ErrorOut})
@idempotent
def create_coaching(request, payload: CoachingIn):
    """Assign coaching after a submitted evaluation to the contact's agent (client QA staff or
    the vendor's team lead): kind "note" or "training" (with a course code). Honours an
    Idempotency-Key header."""
    require_perm(request, "quality.add_coaching")
    try:
        evaluation = selectors.evaluation_get(user=request.user, pk=payload.evaluation)
    except Evaluation.DoesNotExist:
        return 404, {"detail": _("Not found.")}
    course = None
    if payload.course:
        course = selectors.coaching_courses(user=request.user).filter(code=payload.course[:64]).first()
        if course is None:
            return 400, {"detail": _("Unknown course %(code)s.") % {"code": payload.course[:64]}}
    try:
        coaching = services.coaching_assign(actor=request.user, evaluation=evaluation, kind=payload.kind,
                                            text=payload.text, due_on=payload.due_on, course=course)
    except ValidationError as error:
        return 400, {"detail": " ".join(error.messages)}
    return 201, _coaching_detail(request, selectors.coaching_get(user=request.user, pk=coaching.pk))


@router.post("/coachings/{coaching_id}/transition", response={200: CoachingDetailOut, 400: ErrorOut, 404: ErrorOut})
def transition_coaching(request, coaching_id: int, payload: CoachingTransitionIn):
    """Move a coaching on: "acknowledge" or "done" (the agent; done needs a note), "verify",
    "reopen" or "cancel" (the assigner; reopen and cancel need a note)."""
    require_perm(request, "quality.view_coaching")
    from steward.quality.models import Coaching

    try:
        coaching = selectors.coaching_get(user=request.user, pk=coaching_id)
    except Coaching.DoesNotExist:
        return 404, {"detail": _("Not found.")}
    try:
        services.coaching_transition(actor=request.user, coaching=coaching, action=payload.action[:20],
                                     note=payload.note)
    except ValidationError as error:
        return 400, {"detail": " ".join(error.messages)}
    return 200, _coaching_detail(request, selectors.coaching_get(user=request.user, pk=coaching_id))
