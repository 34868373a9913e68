"""Every read of the quality app, scoped through visible_to(user)."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from steward.core.models import User
from steward.core.roles import Role
from steward.quality import reporting
from steward.quality.models import Dispute, Evaluation, EvaluationEvent, SamplingPlan, Scorecard, ScorecardVersion


def scorecard_list(*, user, project: str = "") -> QuerySet[Scorecard]:
    qs = Scorecard.objects.visible_to(user).select_related("project")
    if project:
        qs = qs.filter(project__code=project)
    return qs.order_by("project__code", "code")


def scorecard_get(*, user, pk: int) -> Scorecard:
    return Scorecard.objects.visible_to(user).select_related("project").get(pk=pk)


def scorecard_versions(*, user, scorecard: Scorecard) -> QuerySet[ScorecardVersion]:
    return ScorecardVersion.objects.visible_to(user).filter(scorecard=scorecard).order_by("-number")


def version_get(*, user, pk: int) -> ScorecardVersion:
    return ScorecardVersion.objects.visible_to(user).select_related("scorecard__project").get(pk=pk)


def sections_with_criteria(version: ScorecardVersion) -> list[tuple]:
    """[(section, [criteria])] in order, in two queries."""
    criteria = version.ordered_criteria()
    return [(s, [c for c in criteria if c.section_id == s.pk]) for s in version.sections.order_by("position")]


EVALUATION_TABS = ("queue", "reviews", "all")


def _evaluations(user) -> QuerySet[Evaluation]:
    """Vendor staff see an evaluation once it is submitted, never the analyst's draft."""
    qs = Evaluation.objects.visible_to(user)
    if not (user.is_superuser or user.is_client_side):
        qs = qs.exclude(status=Evaluation.Status.ASSIGNED)
    return qs


def evaluation_list(*, user, tab: str = "all", status: str = "", project: str = "", q: str = "") -> QuerySet[Evaluation]:
    """tab "queue": the analyst's contacts still to score; "reviews": disputes awaiting this
    analyst (or any analyst but the evaluator, when none was free to take it); "all": every
    evaluation the user may see."""
    qs = _evaluations(user).select_related(
        "interaction", "interaction__agent", "vendor", "version__scorecard__project", "analyst")
    if tab == "queue":
        qs = qs.filter(analyst=user, status=Evaluation.Status.ASSIGNED)
    elif tab == "reviews":
        qs = qs.filter(disputes__decision=Dispute.Decision.PENDING).filter(
            Q(disputes__reviewer=user) | Q(disputes__reviewer__isnull=True)).exclude(analyst=user)
    if status:
        qs = qs.filter(status=status)
    if project:
        qs = qs.filter(version__scorecard__project__code=project)
    if q:
        qs = qs.filter(Q(interaction__external_id__icontains=q) | Q(interaction__agent_code=q))
    order = "assigned_at" if tab == "queue" else "-assigned_at"
    return qs.order_by(order, "-pk").distinct()


def evaluation_get(*, user, pk: int) -> Evaluation:
    return _evaluations(user).select_related(
        "interaction", "interaction__agent", "interaction__project", "vendor", "version__scorecard__project",
        "analyst").get(pk=pk)


def evaluation_answers(evaluation: Evaluation) -> dict[int, object]:
    """{criterion id: answer}: read through the evaluation the caller already holds visibly."""
    return {a.criterion_id: a for a in evaluation.answers.all()}


def evaluation_events(*, user, evaluation: Evaluation) -> QuerySet[EvaluationEvent]:
    return EvaluationEvent.objects.visible_to(user).filter(evaluation=evaluation).select_related("actor")


def evaluation_disputes(*, user, evaluation: Evaluation) -> QuerySet[Dispute]:
    return Dispute.objects.visible_to(user).filter(evaluation=evaluation).select_related("raised_by", "reviewer")


def pending_dispute(*, user, evaluation: Evaluation) -> Dispute | None:
    return evaluation_disputes(user=user, evaluation=evaluation).filter(decision=Dispute.Decision.PENDING).first()


def analysts() -> QuerySet[User]:
    return User.objects.filter(role=Role.QA_ANALYST, is_active=True).order_by("username")


def plan_list(*, user) -> QuerySet[SamplingPlan]:
    return SamplingPlan.objects.visible_to(user).select_related("scorecard__project").order_by(
        "scorecard__project__code", "name")


def plan_get(*, user, pk: int) -> SamplingPlan:
    return SamplingPlan.objects.visible_to(user).select_related("scorecard__project").get(pk=pk)


REPORT_GROUPS = ("vendor", "agent")


def qa_report(*, user, project: str = "", by: str = "vendor") -> list[reporting.GroupFigures]:
    """Score and pass rate of submitted evaluations per vendor or per agent, with the warning
    when a figure rests on too few evaluations. Reads only what the user may see."""
    qs = _evaluations(user).exclude(status=Evaluation.Status.ASSIGNED).filter(score__isnull=False)
    if project:
        qs = qs.filter(version__scorecard__project__code=project)
    groups: dict[str, tuple[list, list]] = {}
    for vendor, agent_code, agent_name, score, passed in qs.values_list(
            "vendor__name", "interaction__agent_code", "interaction__agent__name", "score", "passed"):
        key = vendor if by == "vendor" else f"{vendor} · {agent_name or agent_code or '—'}"
        scores, passes = groups.setdefault(key, ([], []))
        scores.append(score)
        passes.append(bool(passed))
    return [reporting.figures(key, scores, passes) for key, (scores, passes) in sorted(groups.items())]
