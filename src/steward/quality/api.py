"""REST (read-only): scorecards with their YAML, and evaluations with their answers, scoped
like the pages (an agent reads the evaluations of their own contacts, once submitted)."""

import datetime as dt
from decimal import Decimal

from django.http import Http404
from ninja import Field, Query, Router, Schema

from steward.api.permissions import require_perm
from steward.quality import selectors, services
from steward.quality.models import Evaluation

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
