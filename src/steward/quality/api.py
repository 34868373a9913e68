"""REST: scorecards with their YAML, evaluations with their answers, compliance, calibration and
coaching, scoped like the pages (an agent reads the evaluations of their own contacts, once
submitted). The writes are the pages' own: the same capability, form and service as views.py,
so the API refuses what the page refuses, with the same message (400 {"detail"})."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.interactions.selectors import EARLIEST_DATE, LATEST_DATE
from steward.api.writes import Payload, apply_form, call_service, project_named, visible
from steward.core import selectors as core_selectors
from steward.interactions.models import Interaction
from steward.quality import selectors, services
from steward.quality.forms import (
    AssignForm,
    CalibrationForm,
    CalibrationScoreForm,
    DisputeForm,
    DrawForm,
    EvaluationForm,
    PlanForm,
    ReviewForm,
    RuleForm,
    RuleImportForm,
    ScorecardForm,
    SourceForm,
)
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
    offset: int = Field(0, ge=0, le=10**9)


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
    return _evaluation_detail(_evaluation(request, evaluation_id))


def _evaluation(request, evaluation_id: int) -> Evaluation:
    """The evaluation as the caller may see it (an agent: their own contacts'; vendor staff:
    their vendor's, once submitted); anything else is a 404."""
    return visible(selectors.evaluation_get, request, pk=evaluation_id)


def _evaluation_detail(evaluation: Evaluation) -> Evaluation:
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


class RuleIn(Payload):
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
    date_from: dt.date | None = Field(None, ge=EARLIEST_DATE, le=LATEST_DATE)
    date_to: dt.date | None = Field(None, ge=EARLIEST_DATE, le=LATEST_DATE)
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10**9)


@router.get("/compliance/rules", response=list[RuleOut])
def list_rules(request, project: str = ""):
    require_perm(request, "quality.view_scorecard")
    return list(selectors.rule_list(user=request.user, project=project[:100]))


@router.post("/compliance/rules", response={201: RuleOut, 400: ErrorOut})
@idempotent
def create_rule(request, payload: RuleIn):
    """Create a compliance rule (client QA staff), through the rule page's form. Honours an
    Idempotency-Key header."""
    require_perm(request, "quality.change_scorecard")
    projects = list(core_selectors.project_list(user=request.user))
    form = RuleForm({**payload.dict(), "phrases": "\n".join(payload.phrases)}, projects=projects)
    rule = apply_form(form, lambda **d: services.create_compliance_rule(
        actor=request.user, project=next(p for p in projects if p.code == d["project"]),
        code=d["code"], **{k: d[k] for k in _RULE_FIELDS}))
    return 201, visible(selectors.rule_get, request, pk=rule.pk)


@router.get("/compliance/hits", response=list[HitOut])
def list_hits(request, filters: Query[HitFilters]):
    require_perm(request, "quality.view_evaluation")
    qs = selectors.hit_list(user=request.user, project=filters.project[:100], vendor=filters.vendor[:100],
                            rule=filters.rule[:100], kind=filters.kind[:20], agent=filters.agent[:100],
                            date_from=filters.date_from, date_to=filters.date_to)
    return list(qs[filters.offset:filters.offset + filters.limit])


class ScanIn(Payload):
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
    project = project_named(request, payload.project[:100])
    codes = dict(ComplianceRule.objects.filter(project=project).values_list("pk", "code"))
    return 200, [{"rule": codes.get(h.key, ""), "kind": h.kind, "turn": h.turn, "speaker": h.speaker,
                  "start": h.start, "end": h.end, "matched": h.matched, "excerpt": h.excerpt, "detail": h.detail}
                 for h in services.scan_text(project=project, text=payload.text)]


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
    return _calibration_detail(request, _calibration(request, pk))


def _calibration(request, pk: int) -> CalibrationSession:
    return visible(selectors.calibration_get, request, pk=pk)


def _calibration_detail(request, session: CalibrationSession) -> dict:
    results_visible = selectors.calibration_results_visible(user=request.user, session=session)
    data = {"id": session.pk, "title": session.title, "project": session.version.scorecard.project.code,
            "scorecard": session.version.scorecard.code, "scorecard_version": session.version.number,
            "status": session.status, "created_at": session.created_at, "closed_at": session.closed_at}
    data.update(contacts=[c.external_id for c in selectors.calibration_contacts(session)],
                evaluators=list(session.evaluators.order_by("username").values_list("username", flat=True)),
                results_visible=results_visible)
    if results_visible:
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
    offset: int = Field(0, ge=0, le=10**9)


class CoachingIn(Payload):
    evaluation: int
    kind: str = "note"
    text: str = Field(..., max_length=5000)
    due_on: dt.date
    course: str = ""
    session: int | None = Field(None, description="For a training: a scheduled session of the course for the "
                                                  "agent's vendor to register the agent in (training.add_session).")


class CoachingTransitionIn(Payload):
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
    return _coaching_detail(request, visible(selectors.coaching_get, request, pk=coaching_id))


@router.post("/coachings", response={201: CoachingDetailOut, 400: ErrorOut, 404: ErrorOut})
@idempotent
def create_coaching(request, payload: CoachingIn):
    """Assign coaching after a submitted evaluation to the contact's agent (client QA staff or
    the vendor's team lead): kind "note" or "training" (with a course code and, optionally, a
    session of it to register the agent in). Honours an Idempotency-Key header."""
    require_perm(request, "quality.add_coaching")
    evaluation = _evaluation(request, payload.evaluation)
    course = None
    if payload.course:
        course = selectors.coaching_courses(user=request.user).filter(code=payload.course[:64]).first()
        if course is None:
            return 400, {"detail": _("Unknown course %(code)s.") % {"code": payload.course[:64]}}
    session = None
    if payload.session is not None:  # the page offers sessions only to those who may register agents
        require_perm(request, "training.add_session")
        session = selectors.coaching_sessions(user=request.user, vendor_id=evaluation.vendor_id).filter(
            pk=payload.session).first()
        if session is None:
            return 400, {"detail": _("The session is not this course's session for the agent's vendor.")}
    coaching = call_service(services.coaching_assign, actor=request.user, evaluation=evaluation,
                            kind=payload.kind, text=payload.text, due_on=payload.due_on, course=course,
                            session=session)
    return 201, _coaching_detail(request, selectors.coaching_get(user=request.user, pk=coaching.pk))


@router.post("/coachings/{coaching_id}/transition", response={200: CoachingDetailOut, 400: ErrorOut, 404: ErrorOut})
def transition_coaching(request, coaching_id: int, payload: CoachingTransitionIn):
    """Move a coaching on: "acknowledge" or "done" (the agent; done needs a note), "verify",
    "reopen" or "cancel" (the assigner; reopen and cancel need a note)."""
    require_perm(request, "quality.view_coaching")
    coaching = visible(selectors.coaching_get, request, pk=coaching_id)
    call_service(services.coaching_transition, actor=request.user, coaching=coaching, action=payload.action[:20],
                 note=payload.note)
    return 200, _coaching_detail(request, selectors.coaching_get(user=request.user, pk=coaching_id))


# --- writes: scorecards, evaluations and disputes, sampling plans, calibration -----------------
# Each route goes through the page's capability, form and service (views.py); a row the caller
# may not see is a 404, and what the form or the service refuses is a 400 with its message.

class ScorecardVersionOut(Schema):
    id: int
    project: str = Field(..., alias="scorecard.project.code")
    scorecard: str = Field(..., alias="scorecard.code")
    scorecard_id: int
    number: int
    status: str
    name: str
    pass_mark: Decimal
    dispute_days: int
    created_at: dt.datetime
    published_at: dt.datetime | None
    yaml: str

    @staticmethod
    def resolve_yaml(version) -> str:
        return services.version_yaml(version)


class ScorecardDetailOut(Schema):
    id: int
    project: str = Field(..., alias="project.code")
    code: str
    versions: list[ScorecardVersionOut] = Field(..., alias="version_rows")


class ScorecardIn(Payload):
    project: str = Field(max_length=100)
    code: str = Field(max_length=200, description="1–32 letters, digits, '-' or '_'; unique in the project.")
    source: str = Field(max_length=200_000, description="The scorecard as YAML (see GET /scorecards).")


class SourceIn(Payload):
    source: str = Field(max_length=200_000, description="The draft's new content as YAML.")


class AssignIn(Payload):
    scorecard: int = Field(description="The scorecard's id; its published version is used.")
    analyst: str = Field(max_length=150, description="Username of an active QA analyst.")
    contacts: list[str] = Field(max_length=1000, description="External ids of the project's contacts (1 to 200).")


class CriterionAnswerIn(Payload):
    criterion: str = Field(max_length=64, description="The criterion's key.")
    answer: str = Field("", max_length=16, description="yes / no, 1–5, or na where allowed; empty: not yet.")
    comment: str = Field("", max_length=5000)


class EvaluationScoreIn(Payload):
    answers: list[CriterionAnswerIn] = Field(default=[], max_length=500,
                                    description="Replace the draft's answers; a criterion left out is unanswered.")
    comment: str = Field("", max_length=5000, description="The overall comment.")
    submit: bool = Field(False, description="true: submit (every criterion answered); false: save the draft.")


class DisputeIn(Payload):
    reason: str = Field(max_length=5000)


class ReviewIn(Payload):
    answers: list[CriterionAnswerIn] = Field(max_length=500, description="The re-review's answers, every criterion.")
    comment: str = Field(max_length=5000, description="The re-review decision, explained.")


class DisputeOut(Schema):
    id: int
    evaluation: int = Field(..., alias="evaluation_id")
    raised_by: str = Field(..., alias="raised_by.username")
    raised_at: dt.datetime
    reason: str
    reviewer: str | None = Field(None, alias="reviewer.username")
    decision: str
    review_comment: str
    reviewed_at: dt.datetime | None
    score_before: Decimal | None
    score_after: Decimal | None


class SamplingPlanOut(Schema):
    id: int
    project: str = Field(..., alias="scorecard.project.code")
    scorecard: str = Field(..., alias="scorecard.code")
    scorecard_id: int
    name: str
    per_agent_per_week: int
    share_percent: Decimal | None
    seed: int
    stratify_by: str
    targets: list[str]
    long_handle_seconds: int
    negative_sentiment_min: int
    created_at: dt.datetime


class SamplingPlanIn(Payload):
    scorecard: int = Field(description="The scorecard's id.")
    name: str = Field(max_length=1000)
    per_agent_per_week: int = 5
    share_percent: Decimal | None = Field(None, description="A share of each agent's weekly contacts instead of N.")
    seed: int | None = Field(None, description="Empty: a random seed (stored, so every draw can be repeated).")
    stratify_by: str = Field("", max_length=20, description='"", "channel", "queue" or "outcome".')
    targets: list[str] = Field(default=[], max_length=20,
                               description="low_csat, complaint, long_handle, compliance_hit, negative_sentiment.")
    long_handle_seconds: int | None = None
    negative_sentiment_min: int | None = None


class DrawIn(Payload):
    analyst: str = Field(max_length=150, description="Username of the active QA analyst whose queue gets them.")
    date_from: dt.date
    date_to: dt.date = Field(description="Inclusive; the project's days.")


class DrawOut(Schema):
    candidates: int
    drawn: int
    created: list[int] = Field(description="Ids of the evaluations new in the queue.")


class CalibrationIn(Payload):
    scorecard: int = Field(description="The scorecard's id; its published version is used.")
    title: str = Field(max_length=1000)
    evaluators: list[str] = Field(max_length=100, description="Usernames of QA analysts (at least two).")
    contacts: list[str] = Field(max_length=1000, description="External ids of the project's contacts (1 to 50).")


class CalibrationAnswerIn(Payload):
    criterion: str = Field(max_length=64)
    answer: str = Field(max_length=16)


class CalibrationScoreIn(Payload):
    contact: str = Field(max_length=200, description="The contact's external id (one of the session's).")
    answers: list[CalibrationAnswerIn] = Field(max_length=500)
    comment: str = Field("", max_length=5000)


class CalibrationScoreOut(Schema):
    session: int = Field(..., alias="session_id")
    contact: str = Field(..., alias="interaction.external_id")
    evaluator: str = Field(..., alias="evaluator.username")
    answers: dict[str, str]
    comment: str
    score: Decimal | None
    auto_failed: bool
    submitted_at: dt.datetime


def _detail(form) -> str:
    """The form's errors as one line, `field: message`; a criterion's answer or comment field
    (c_<key>, n_<key>) is named by the criterion's key."""
    answer_fields = isinstance(form, EvaluationForm)
    parts = []
    for field, errors in form.errors.items():
        text = " ".join(str(e) for e in errors)
        if answer_fields and field[:2] in ("c_", "n_"):
            field = field[2:]
        parts.append(text if field == "__all__" else f"{field}: {text}")
    return " ".join(parts)


def _answer_data(version, answers, *, comments: bool = True) -> dict | str:
    """The answers as the page's form data (c_<key>, n_<key>), or the message naming unknown
    criteria."""
    unknown = sorted({a.criterion for a in answers} - {c.key for c in version.ordered_criteria()})
    if unknown:
        return _("Unknown criteria: %(keys)s.") % {"keys": ", ".join(unknown[:20])}
    data = {}
    for a in answers:
        data[f"c_{a.criterion}"] = a.answer.strip().lower()
        if comments:
            data[f"n_{a.criterion}"] = a.comment
    return data


def _analyst(username: str):
    """The active QA analyst of that username (compared in Python: the name is never a query)."""
    return next((u for u in selectors.analysts() if u.username == username), None)


def _not_analyst(username: str):
    return 400, {"detail": _("%(name)s is not an active QA analyst.") % {"name": username[:150]}}


def _version_out(request, pk: int):
    return visible(selectors.version_get, request, pk=pk)


def _scorecard_detail(request, pk: int):
    scorecard = visible(selectors.scorecard_get, request, pk=pk)
    scorecard.version_rows = list(selectors.scorecard_versions(user=request.user, scorecard=scorecard)
                                  .select_related("scorecard__project"))
    return scorecard


@router.get("/scorecards/{pk}", response=ScorecardDetailOut)
def get_scorecard(request, pk: int):
    """A scorecard with every version (newest first) and its YAML."""
    require_perm(request, "quality.view_scorecard")
    return _scorecard_detail(request, pk)


@router.post("/scorecards", response={201: ScorecardDetailOut, 400: ErrorOut})
@idempotent
def create_scorecard(request, payload: ScorecardIn):
    """Create a scorecard from YAML; its first version is a draft to publish. Client QA staff.
    Honours an Idempotency-Key header."""
    require_perm(request, "quality.change_scorecard")
    projects = core_selectors.project_list(user=request.user)
    form = ScorecardForm(payload.dict(), projects=projects)
    created = apply_form(form, lambda **d: services.scorecard_create(
        actor=request.user, project=projects.get(code=d["project"]),
        code=d["code"], source=d["source"]))
    return 201, _scorecard_detail(request, created.pk)


@router.post("/scorecards/{pk}/drafts", response={201: ScorecardVersionOut, 400: ErrorOut})
@idempotent
def create_draft(request, pk: int):
    """Start the next version: a draft copied from the newest one (one draft at a time).
    Honours an Idempotency-Key header."""
    require_perm(request, "quality.change_scorecard")
    scorecard = visible(selectors.scorecard_get, request, pk=pk)
    version = call_service(services.version_new_draft, actor=request.user, scorecard=scorecard)
    return 201, _version_out(request, version.pk)


@router.get("/versions/{pk}", response=ScorecardVersionOut)
def get_version(request, pk: int):
    require_perm(request, "quality.view_scorecard")
    return _version_out(request, pk)


@router.put("/versions/{pk}", response={200: ScorecardVersionOut, 400: ErrorOut})
def edit_version(request, pk: int, payload: SourceIn):
    """Replace a draft's content with new YAML; a published or retired version never changes."""
    require_perm(request, "quality.change_scorecard")
    version = visible(selectors.version_get, request, pk=pk)
    form = SourceForm(payload.dict())
    apply_form(form, lambda **d: services.version_update(actor=request.user, version=version, source=d["source"]))
    return 200, _version_out(request, pk)


@router.post("/versions/{pk}/publish", response={200: ScorecardVersionOut, 400: ErrorOut})
def publish_version(request, pk: int):
    """Publish a draft: new evaluations use it and the version published before retires."""
    require_perm(request, "quality.change_scorecard")
    version = visible(selectors.version_get, request, pk=pk)
    call_service(services.version_publish, actor=request.user, version=version)
    return 200, _version_out(request, pk)


@router.post("/evaluations", response={201: list[EvaluationOut], 400: ErrorOut})
@idempotent
def assign_evaluations(request, payload: AssignIn):
    """Put contacts (external ids of the scorecard's project) in a QA analyst's queue, all or
    nothing. Honours an Idempotency-Key header."""
    require_perm(request, "quality.add_evaluation")
    analyst = _analyst(payload.analyst)
    if analyst is None:
        return _not_analyst(payload.analyst)
    scorecards = [s for s in selectors.scorecard_list(user=request.user) if s.current]
    form = AssignForm({"scorecard": str(payload.scorecard), "analyst": str(analyst.pk),
                       "external_ids": "\n".join(payload.contacts)}, scorecards=scorecards,
                      analysts=selectors.analysts())
    created = apply_form(form, lambda **d: services.evaluations_assign(
        actor=request.user, scorecard=next(s for s in scorecards if str(s.pk) == d["scorecard"]),
        analyst=analyst, external_ids=d["external_ids"]))
    return 201, list(selectors.evaluation_list(user=request.user).filter(pk__in=[e.pk for e in created]))


@router.post("/evaluations/{evaluation_id}/score", response={200: EvaluationDetailOut, 400: ErrorOut})
def score_evaluation(request, evaluation_id: int, payload: EvaluationScoreIn):
    """The assigned analyst saves answers (a draft) or, with `submit`, submits them: the agent
    and the vendor's managers then see the score and the dispute window opens."""
    require_perm(request, "quality.view_evaluation")
    evaluation = _evaluation(request, evaluation_id)
    if request.user.pk != evaluation.analyst_id:
        raise PermissionDenied
    data = _answer_data(evaluation.version, payload.answers)
    if isinstance(data, str):
        return 400, {"detail": data}
    form = EvaluationForm({**data, "comment": payload.comment}, criteria=evaluation.version.ordered_criteria())
    apply_form(form, lambda **d: services.evaluation_save(
        actor=request.user, evaluation=evaluation, answers=form.answers(), comment=d["comment"],
        submit=payload.submit), describe=_detail)
    return 200, _evaluation_detail(_evaluation(request, evaluation_id))


@router.post("/evaluations/{evaluation_id}/acknowledge", response={200: EvaluationDetailOut, 400: ErrorOut})
def acknowledge_evaluation(request, evaluation_id: int):
    """The agent who handled the contact acknowledges its submitted (or final) evaluation."""
    require_perm(request, "quality.acknowledge_evaluation")
    evaluation = _evaluation(request, evaluation_id)
    call_service(services.evaluation_acknowledge, actor=request.user, evaluation=evaluation)
    return 200, _evaluation_detail(_evaluation(request, evaluation_id))


@router.post("/evaluations/{evaluation_id}/dispute", response={201: DisputeOut, 400: ErrorOut})
@idempotent
def dispute_evaluation(request, evaluation_id: int, payload: DisputeIn):
    """The contact's agent or their vendor's manager disputes the evaluation within its dispute
    window; another analyst re-reviews it. Honours an Idempotency-Key header."""
    require_perm(request, "quality.dispute_evaluation")
    evaluation = _evaluation(request, evaluation_id)
    form = DisputeForm(payload.dict())
    dispute = apply_form(form, lambda **d: services.evaluation_dispute(
        actor=request.user, evaluation=evaluation, reason=d["reason"]))
    return 201, dispute


@router.post("/evaluations/{evaluation_id}/review", response={200: DisputeOut, 400: ErrorOut})
def review_dispute(request, evaluation_id: int, payload: ReviewIn):
    """A QA analyst other than the evaluator re-scores a disputed evaluation (every criterion) and
    explains the decision; the score is then final (upheld or amended)."""
    require_perm(request, "quality.review_dispute")
    evaluation = _evaluation(request, evaluation_id)
    dispute = selectors.pending_dispute(user=request.user, evaluation=evaluation)
    if dispute is None:
        return 400, {"detail": _("There is no dispute awaiting re-review.")}
    data = _answer_data(evaluation.version, payload.answers)
    if isinstance(data, str):
        return 400, {"detail": data}
    form = ReviewForm({**data, "review_comment": payload.comment}, criteria=evaluation.version.ordered_criteria())
    reviewed = apply_form(form, lambda **d: services.dispute_review(
        actor=request.user, dispute=dispute, answers=form.answers(), comment=d["review_comment"]), describe=_detail)
    return 200, reviewed


@router.get("/plans", response=list[SamplingPlanOut])
def list_plans(request):
    require_perm(request, "quality.add_evaluation")
    return list(selectors.plan_list(user=request.user))


@router.get("/plans/{pk}", response=SamplingPlanOut)
def get_plan(request, pk: int):
    require_perm(request, "quality.add_evaluation")
    return visible(selectors.plan_get, request, pk=pk)


@router.post("/plans", response={201: SamplingPlanOut, 400: ErrorOut})
@idempotent
def create_plan(request, payload: SamplingPlanIn):
    """Create a sampling plan on a scorecard: N contacts (or a share) per agent and week, drawn
    from a stored seed, optionally stratified and with targeted contacts drawn in addition.
    Honours an Idempotency-Key header."""
    require_perm(request, "quality.add_evaluation")
    scorecards = list(selectors.scorecard_list(user=request.user))
    data = {k: v for k, v in payload.dict().items() if v is not None}
    data["scorecard"] = str(payload.scorecard)
    form = PlanForm(data, scorecards=scorecards)

    def write(**cleaned):
        return services.plan_create(
            actor=request.user, scorecard=next(s for s in scorecards if str(s.pk) == cleaned["scorecard"]),
            name=cleaned["name"], per_agent_per_week=cleaned["per_agent_per_week"], seed=cleaned["seed"],
            share_percent=cleaned["share_percent"], stratify_by=cleaned["stratify_by"], targets=cleaned["targets"],
            long_handle_seconds=cleaned["long_handle_seconds"] or 900,
            negative_sentiment_min=cleaned["negative_sentiment_min"] or 2)

    created = apply_form(form, write)
    return 201, visible(selectors.plan_get, request, pk=created.pk)


@router.post("/plans/{pk}/draw", response={200: DrawOut, 400: ErrorOut})
@idempotent
def draw_plan(request, pk: int, payload: DrawIn):
    """Draw the plan's contacts that arrived between the two dates into an analyst's queue;
    drawing the same period again adds nothing. Honours an Idempotency-Key header."""
    require_perm(request, "quality.add_evaluation")
    plan = visible(selectors.plan_get, request, pk=pk)
    analyst = _analyst(payload.analyst)
    if analyst is None:
        return _not_analyst(payload.analyst)
    form = DrawForm({"analyst": str(analyst.pk), "date_from": payload.date_from.isoformat(),
                     "date_to": payload.date_to.isoformat()}, analysts=selectors.analysts())
    result = apply_form(form, lambda **d: services.plan_draw(
        actor=request.user, plan=plan, analyst=analyst, date_from=d["date_from"],
        date_to=d["date_to"]))
    return 200, {"candidates": result.candidates, "drawn": result.drawn, "created": [e.pk for e in result.created]}


@router.post("/calibrations", response={201: CalibrationDetailOut, 400: ErrorOut})
@idempotent
def create_calibration(request, payload: CalibrationIn):
    """A blind calibration session: every evaluator (QA analysts) scores every contact on the
    scorecard's published version; they are told. Honours an Idempotency-Key header."""
    require_perm(request, "quality.add_evaluation")
    scorecards = [s for s in selectors.scorecard_list(user=request.user) if s.current is not None]
    analysts = list(selectors.analysts())
    by_name = {u.username: u for u in analysts}
    unknown = [name for name in payload.evaluators if name not in by_name]
    if unknown:
        return 400, {"detail": _("Not QA staff: %(names)s") % {"names": ", ".join(n[:150] for n in unknown[:10])}}
    form = CalibrationForm({"scorecard": str(payload.scorecard), "title": payload.title,
                            "evaluators": [str(by_name[n].pk) for n in payload.evaluators],
                            "contacts": "\n".join(payload.contacts)}, scorecards=scorecards, analysts=analysts)
    session = apply_form(form, lambda **d: services.calibration_create_from_ids(
        actor=request.user, scorecard=next(s for s in scorecards if str(s.pk) == d["scorecard"]),
        title=d["title"], external_ids=form.external_ids(),
        evaluators=[u for u in analysts if str(u.pk) in d["evaluators"]]))
    return 201, _calibration_detail(request, _calibration(request, session.pk))


@router.post("/calibrations/{pk}/scores", response={201: CalibrationScoreOut, 400: ErrorOut})
@idempotent
def score_calibration(request, pk: int, payload: CalibrationScoreIn):
    """An evaluator's answers on one contact of an open session (every criterion), final once
    sent. Honours an Idempotency-Key header."""
    require_perm(request, "quality.add_evaluation")
    session = _calibration(request, pk)
    contacts = session.contacts.filter(
        external_id=payload.contact, pk__in=Interaction.objects.visible_to(request.user).values("pk"))
    if len(contacts[:2]) != 1:
        return 400, {"detail": _("The contact is not part of this session.")}
    interaction = contacts.get()
    data = _answer_data(session.version, payload.answers, comments=False)
    if isinstance(data, str):
        return 400, {"detail": data}
    form = CalibrationScoreForm({**data, "comment": payload.comment}, criteria=session.version.ordered_criteria())
    score = apply_form(form, lambda **d: services.calibration_score(
        actor=request.user, session=session, interaction=interaction, answers=form.answers(),
        comment=d.get("comment", "")), describe=_detail)
    return 201, score


@router.post("/calibrations/{pk}/close", response={200: CalibrationDetailOut, 400: ErrorOut})
def close_calibration(request, pk: int):
    """Close the session (its organiser or client QA staff): the results become visible to every
    evaluator and no more scores are taken."""
    require_perm(request, "quality.add_evaluation")
    session = _calibration(request, pk)
    call_service(services.calibration_close, actor=request.user, session=session)
    return 200, _calibration_detail(request, _calibration(request, pk))


# --- compliance rules: edit, import from a brand manual, scan the stored contacts again ---------

_RULE_FIELDS = ("name", "kind", "phrases", "pattern", "pii_kind", "speaker", "scope", "turns", "whole_word",
                "severity", "source")


class RulePatch(Payload):
    name: str | None = Field(None, max_length=1000)
    kind: str | None = Field(None, max_length=20)
    phrases: list[str] | None = Field(None, max_length=5000, description="Replaces the phrases, one per item.")
    pattern: str | None = Field(None, max_length=5000)
    pii_kind: str | None = Field(None, max_length=20)
    speaker: str | None = Field(None, max_length=20)
    scope: str | None = Field(None, max_length=20)
    turns: int | None = None
    whole_word: bool | None = None
    severity: str | None = Field(None, max_length=20)
    source: str | None = Field(None, max_length=1000)
    active: bool | None = None


class RuleImportIn(Payload):
    project: str = Field(max_length=100)
    text: str = Field(max_length=500_000, description="One rule per line: “code: phrase | phrase” or a phrase; "
                                                      "lines starting with # are ignored.")
    kind: str = Field("banned", max_length=20, description='"banned" or "required".')
    speaker: str = Field("agent", max_length=20)
    scope: str = Field("anywhere", max_length=20)
    turns: int = 2
    source: str = Field("", max_length=1000)


class RescanIn(Payload):
    project: str = Field(max_length=100)


class StartedOut(Schema):
    detail: str


@router.post("/compliance/rules/import", response={201: list[RuleOut], 400: ErrorOut})
@idempotent
def import_rules(request, payload: RuleImportIn):
    """A brand manual's phrase list as rules of one kind, one rule per line, all or nothing.
    Honours an Idempotency-Key header."""
    require_perm(request, "quality.change_scorecard")
    projects = list(core_selectors.project_list(user=request.user))
    form = RuleImportForm(payload.dict(), projects=projects)
    created = apply_form(form, lambda **d: services.rules_import(
        actor=request.user, project=next(p for p in projects if p.code == d["project"]),
        text=d["text"], kind=d["kind"], speaker=d["speaker"],
        scope=d["scope"], turns=d["turns"], source=d["source"]))
    return 201, list(selectors.rule_list(user=request.user).filter(pk__in=[r.pk for r in created]))


@router.post("/compliance/rules/rescan", response={202: StartedOut, 400: ErrorOut})
def rescan_rules(request, payload: RescanIn):
    """Scan every stored contact of the project against its active rules again, in the
    background (contacts whose transcript and rules are unchanged are skipped)."""
    require_perm(request, "quality.change_scorecard")
    project = next((p for p in core_selectors.project_list(user=request.user) if p.code == payload.project), None)
    if project is None:
        return 400, {"detail": _("Choose a project to scan.")}
    from steward.quality.tasks import scan_project_task

    scan_project_task.enqueue(project.pk)
    return 202, {"detail": _("The compliance scan of %(project)s has been started; hits appear as it runs.")
                 % {"project": project.name}}


# After the fixed paths above (/import, /rescan): ninja's {pk} would match them too.

@router.get("/compliance/rules/{pk}", response=RuleOut)
def get_rule(request, pk: int):
    require_perm(request, "quality.view_scorecard")
    return visible(selectors.rule_get, request, pk=pk)


@router.patch("/compliance/rules/{pk}", response={200: RuleOut, 400: ErrorOut})
def edit_rule(request, pk: int, payload: RulePatch):
    """Change a rule; only the fields sent change. Hits already stored stay until the project's
    contacts are scanned again (POST /compliance/rules/rescan)."""
    require_perm(request, "quality.change_scorecard")
    rule = visible(selectors.rule_get, request, pk=pk)
    data = {f: getattr(rule, f) for f in (*_RULE_FIELDS, "active")}
    changes = payload.dict(exclude_unset=True, exclude_none=True)
    if "phrases" in changes:
        changes["phrases"] = "\n".join(changes["phrases"])
    data.update(changes)
    form = RuleForm(data, projects=[], editing=True)
    apply_form(form, lambda **d: services.rule_update(
        actor=request.user, rule=rule, active=d["active"],
        **{k: d[k] for k in _RULE_FIELDS}))
    return 200, visible(selectors.rule_get, request, pk=pk)
