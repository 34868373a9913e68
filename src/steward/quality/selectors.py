"""Every read of the quality app, scoped through visible_to(user)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum

from steward.core.models import User
from steward.core.roles import Role
from steward.quality import calibration, reporting, sampling, scoring
from steward.quality.models import _localised as models_localised
from steward.quality.models import CalibrationScore, CalibrationSession, ComplianceHit, ComplianceRule, ComplianceScan, Dispute, Evaluation, EvaluationEvent, SamplingPlan, Scorecard, ScorecardVersion


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


def contact_evaluations(*, user, interaction_id: int) -> QuerySet[Evaluation]:
    """One contact's evaluations that the user may see (its detail page), newest first."""
    return (_evaluations(user).filter(interaction_id=interaction_id)
            .select_related("version", "analyst").order_by("-assigned_at", "-pk"))


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


@dataclass(frozen=True)
class DayQA:
    """One day's submitted evaluations: how many, the sum of their scores (0–100, Decimal) and
    how many passed. Mean score = score_sum / evaluated; pass rate = passed / evaluated."""

    day: dt.date
    evaluated: int
    score_sum: Decimal
    passed: int


def qa_scores(project, vendor, start: dt.date, end: dt.date) -> list[DayQA]:
    """Per-day QA figures for the metric catalogue's qa_score and qa_pass_rate.

    project: a Project (or its pk); vendor: a Vendor (or its pk), or None for every vendor of the
    project; start, end: calendar days, both inclusive.

    Counts every evaluation that has been submitted (submitted, acknowledged, disputed or final;
    never the analyst's unsubmitted draft), at its current score — after a re-review, the amended
    one. The day is the contact's arrival day in the project's time zone, so a period's QA score
    describes the contacts handled in that period, whenever they were evaluated. Calibration
    scores are not evaluations and never count. Days without evaluations are absent.

    Not scoped to a user: the caller (the KPI engine) decides who may see the figure. Returns a
    list of DayQA sorted by day."""
    from django.db.models import Count, Sum
    from django.db.models.functions import TruncDate

    from steward.core.models import Project

    if not isinstance(project, Project):
        project = Project.objects.get(pk=project)
    qs = Evaluation.objects.filter(version__scorecard__project=project, score__isnull=False).exclude(
        status=Evaluation.Status.ASSIGNED)
    if vendor is not None:
        qs = qs.filter(vendor=vendor)
    tz = ZoneInfo(project.time_zone)
    qs = qs.annotate(day=TruncDate("interaction__arrived_at", tzinfo=tz)).filter(day__gte=start, day__lte=end)
    rows = qs.values("day").annotate(evaluated=Count("pk"), score_sum=Sum("score"),
                                     passed=Count("pk", filter=Q(passed=True))).order_by("day")
    return [DayQA(day=r["day"], evaluated=r["evaluated"], score_sum=Decimal(r["score_sum"]).quantize(Decimal("0.01")),
                  passed=r["passed"]) for r in rows]


# --- compliance --------------------------------------------------------------------------------

def rule_list(*, user, project: str = "") -> QuerySet[ComplianceRule]:
    qs = ComplianceRule.objects.visible_to(user).select_related("project").annotate(
        hit_count=Count("hits", distinct=True))
    if project:
        qs = qs.filter(project__code=project)
    return qs.order_by("project__code", "code")


def rule_get(*, user, pk: int) -> ComplianceRule:
    return ComplianceRule.objects.visible_to(user).select_related("project").get(pk=pk)


def hit_list(*, user, project: str = "", vendor: str = "", rule: str = "", kind: str = "", agent: str = "",
             date_from: dt.date | None = None, date_to: dt.date | None = None) -> QuerySet[ComplianceHit]:
    """Compliance hits the user may see (a vendor its own contacts', an agent their own), newest
    contact first. Dates are arrival days in the project's time zone."""
    qs = ComplianceHit.objects.visible_to(user).select_related("rule", "project", "vendor", "interaction")
    if project:
        qs = qs.filter(project__code=project)
    if vendor:
        qs = qs.filter(vendor__code=vendor)
    if rule:
        qs = qs.filter(rule__code=rule)
    if kind:
        qs = qs.filter(kind=kind)
    if agent:
        qs = qs.filter(agent_code=agent)
    if date_from or date_to:
        tz = ZoneInfo(settings.TIME_ZONE)
        if project:
            from steward.core.models import Project

            zone = Project.objects.filter(code=project).values_list("time_zone", flat=True).first()
            tz = ZoneInfo(zone) if zone else tz
        if date_from:
            qs = qs.filter(arrived_at__gte=dt.datetime.combine(date_from, dt.time.min, tzinfo=tz))
        if date_to:
            qs = qs.filter(arrived_at__lt=dt.datetime.combine(date_to + dt.timedelta(days=1), dt.time.min, tzinfo=tz))
    return qs.order_by("-arrived_at", "interaction_id", F("start").asc(nulls_first=True), "pk")


def contact_hits(*, user, interaction_id: int):
    """(the contact, its hits, its last scan) if the user may see the contact."""
    from steward.interactions.models import Interaction

    interaction = Interaction.objects.visible_to(user).select_related("project", "vendor", "agent").get(
        pk=interaction_id)
    hits = list(ComplianceHit.objects.visible_to(user).filter(interaction=interaction).select_related("rule")
                .order_by(F("start").asc(nulls_first=True), "pk"))
    scan = ComplianceScan.objects.filter(interaction=interaction).first()
    return interaction, hits, scan


def highlighted_transcript(text: str, hits) -> list[tuple[str, object]]:
    """The transcript cut into (text, hit or None) pieces: each hit's span marked once (the first
    hit wins where spans overlap)."""
    spans = sorted((h.start, h.end, h) for h in hits if h.start is not None and h.end is not None)
    pieces, position = [], 0
    for start, end, hit in spans:
        if start < position or end > len(text):
            continue
        if start > position:
            pieces.append((text[position:start], None))
        pieces.append((text[start:end], hit))
        position = end
    if position < len(text):
        pieces.append((text[position:], None))
    return pieces


@dataclass(frozen=True)
class ComplianceRate:
    key: str
    scanned: int  # contacts scanned
    with_hits: int  # of which with at least one hit
    hits: int

    @property
    def rate(self) -> float:
        """Share of scanned contacts with at least one hit."""
        return self.with_hits / self.scanned if self.scanned else 0.0

    @property
    def per_hundred(self) -> float:
        return 100 * self.hits / self.scanned if self.scanned else 0.0


def compliance_rates(*, user, project: str = "", by: str = "vendor") -> list[ComplianceRate]:
    """Per vendor or per agent: contacts scanned, those with at least one hit, hits — among the
    contacts the user may see."""
    scans = ComplianceScan.objects.visible_to(user)
    if project:
        scans = scans.filter(interaction__project__code=project)
    fields = ["interaction__vendor__name"] + (["interaction__agent_code"] if by == "agent" else [])
    rows = scans.values(*fields).annotate(scanned=Count("pk"), with_hits=Count("pk", filter=Q(hits__gt=0)),
                                          hits=Sum("hits"))
    result = []
    for row in rows:
        key = row["interaction__vendor__name"]
        if by == "agent":
            key = f"{key} · {row['interaction__agent_code'] or '—'}"
        result.append(ComplianceRate(key=key, scanned=row["scanned"], with_hits=row["with_hits"], hits=row["hits"] or 0))
    return sorted(result, key=lambda r: r.key)


def rule_rates(*, user, project: str = "") -> list[tuple[ComplianceRule, int, int]]:
    """(rule, hits, contacts hit) for every rule the user may see, most hits first."""
    hits = ComplianceHit.objects.visible_to(user)
    if project:
        hits = hits.filter(project__code=project)
    counts = {r["rule"]: (r["n"], r["contacts"]) for r in hits.values("rule").annotate(
        n=Count("pk"), contacts=Count("interaction", distinct=True))}
    rules = rule_list(user=user, project=project)
    return sorted(((r, *counts.get(r.pk, (0, 0))) for r in rules), key=lambda t: (-t[1], t[0].code))


# --- calibration -------------------------------------------------------------------------------

def calibration_list(*, user) -> QuerySet[CalibrationSession]:
    return (CalibrationSession.objects.visible_to(user).select_related("version__scorecard__project", "created_by")
            .annotate(contact_count=Count("contacts", distinct=True), evaluator_count=Count("evaluators", distinct=True))
            .order_by("-created_at", "-pk"))


def calibration_get(*, user, pk: int) -> CalibrationSession:
    return CalibrationSession.objects.visible_to(user).select_related("version__scorecard__project").get(pk=pk)


def calibration_contacts(session: CalibrationSession):
    return session.contacts.select_related("agent", "vendor").order_by("arrived_at", "pk")


def calibration_mine(*, user, session: CalibrationSession) -> set[int]:
    """The contacts of the session the user has scored."""
    return set(CalibrationScore.objects.filter(session=session, evaluator=user).values_list("interaction_id", flat=True))


def calibration_results_visible(*, user, session: CalibrationSession) -> bool:
    """Blind: an evaluator sees the others' scores only once they have scored every contact, or
    once the session is closed; the organiser (not an evaluator) may follow the results."""
    if session.status == CalibrationSession.Status.CLOSED:
        return True
    if not session.evaluators.filter(pk=user.pk).exists():
        return True
    return len(calibration_mine(user=user, session=session)) >= session.contacts.count()


@dataclass
class CalibrationResults:
    criteria: list[calibration.CriterionAgreement]
    score_alpha: float | None
    deviations: list[tuple[object, calibration.Deviation]]  # (user, deviation)
    table: list[tuple[object, list[object], float | None]]  # (contact, [score per evaluator], spread)
    evaluators: list[object]
    submitted: int
    expected: int


def calibration_results(session: CalibrationSession) -> CalibrationResults:
    """Agreement per criterion, Krippendorff's alpha per criterion and on the scores, and each
    evaluator's deviation from the consensus (see calibration.py). Call only when
    calibration_results_visible."""
    import statistics

    scores = list(CalibrationScore.objects.filter(session=session).select_related("evaluator"))
    evaluators = list(session.evaluators.order_by("username"))
    contacts = list(calibration_contacts(session))
    by_contact: dict[int, dict[int, float]] = {}
    for s in scores:
        if s.score is not None:
            by_contact.setdefault(s.interaction_id, {})[s.evaluator_id] = float(s.score)
    criteria = []
    for criterion in session.version.ordered_criteria():
        answers: dict[int, dict[int, str]] = {}
        for s in scores:
            answers.setdefault(s.interaction_id, {})[s.evaluator_id] = s.answers.get(criterion.key, "")
        criteria.append(calibration.criterion_agreement(criterion.key, criterion.display_label, criterion.scale,
                                                        answers))
    users = {u.pk: u for u in evaluators}
    table = []
    for contact in contacts:
        row = by_contact.get(contact.pk, {})
        values = [row.get(u.pk) for u in evaluators]
        present = [v for v in values if v is not None]
        table.append((contact, values, statistics.pstdev(present) if len(present) > 1 else None))
    return CalibrationResults(
        criteria=criteria, score_alpha=calibration.score_alpha(by_contact),
        deviations=[(users.get(d.evaluator), d) for d in calibration.deviations(by_contact)],
        table=table, evaluators=evaluators, submitted=len(scores), expected=len(evaluators) * len(contacts))


def evaluator_drift(*, user) -> list[tuple[object, list[tuple[CalibrationSession, calibration.Deviation]]]]:
    """Each evaluator's deviation from the consensus per closed session, oldest first: is an
    analyst drifting away from the group over time?"""
    sessions = calibration_list(user=user).filter(status=CalibrationSession.Status.CLOSED).order_by("closed_at", "pk")
    drift: dict[int, list] = {}
    people = {}
    for session in sessions:
        by_contact: dict[int, dict[int, float]] = {}
        for s in CalibrationScore.objects.filter(session=session, score__isnull=False).select_related("evaluator"):
            by_contact.setdefault(s.interaction_id, {})[s.evaluator_id] = float(s.score)
            people[s.evaluator_id] = s.evaluator
        for d in calibration.deviations(by_contact):
            drift.setdefault(d.evaluator, []).append((session, d))
    return [(people[pk], rows) for pk, rows in sorted(drift.items(), key=lambda item: people[item[0]].username)]


# --- trends ------------------------------------------------------------------------------------

def _submitted(user, project: str = "") -> QuerySet[Evaluation]:
    qs = _evaluations(user).exclude(status=Evaluation.Status.ASSIGNED).filter(score__isnull=False)
    if project:
        qs = qs.filter(version__scorecard__project__code=project)
    return qs


def qa_trend(*, user, project: str = "", by: str = "vendor") -> list[tuple[str, list[reporting.GroupFigures]]]:
    """[(month "YYYY-MM", [figures per vendor or agent])], oldest month first: the score and
    pass rate over time with their intervals, sample sizes and too-few warnings. The month is the
    contact's arrival month in the project's time zone."""
    months: dict[str, dict[str, tuple[list, list]]] = {}
    for vendor, agent_code, agent_name, score, passed, arrived, zone in _submitted(user, project).values_list(
            "vendor__name", "interaction__agent_code", "interaction__agent__name", "score", "passed",
            "interaction__arrived_at", "version__scorecard__project__time_zone"):
        month = arrived.astimezone(ZoneInfo(zone)).strftime("%Y-%m")
        key = vendor if by == "vendor" else f"{vendor} · {agent_name or agent_code or '—'}"
        scores, passes = months.setdefault(month, {}).setdefault(key, ([], []))
        scores.append(score)
        passes.append(bool(passed))
    return [(month, [reporting.figures(key, s, p) for key, (s, p) in sorted(groups.items())])
            for month, groups in sorted(months.items())]


@dataclass(frozen=True)
class CriterionFigures:
    key: str
    label: str
    answered: int  # answers other than N.A.
    mean: float  # share of the weight earned, 0–1
    margin: float  # ± at 95 % (t; Wilson for yes/no)
    too_few: bool


def weakest_criteria(*, user, project: str = "", limit: int = 10) -> list[CriterionFigures]:
    """Criteria by the share of their weight earned (yes = 1, no = 0, 1–5 → 0…1), weakest first,
    over submitted evaluations the user may see. Criteria are matched by key across versions."""
    import math
    import statistics

    from steward.quality.models import EvaluationAnswer

    answers = EvaluationAnswer.objects.visible_to(user).filter(
        evaluation__in=_submitted(user, project)).exclude(value=scoring.NA).values_list(
        "criterion__key", "criterion__label", "criterion__label_zh", "criterion__scale", "value")
    groups: dict[str, tuple[str, str, list[float]]] = {}
    for key, label, label_zh, scale, value in answers:
        share = 1.0 if value == scoring.YES else 0.0 if value == scoring.NO else (int(value) - 1) / 4
        entry = groups.setdefault(key, (models_localised(label, label_zh), scale, []))
        entry[2].append(share)
    rows = []
    for key, (label, scale, values) in groups.items():
        n = len(values)
        mean = statistics.fmean(values)
        if scale == scoring.YES_NO:
            margin = sampling.wilson_half_width(evaluations=n, proportion=mean)
        else:
            margin = sampling.t_half_width(evaluations=n, sd=statistics.stdev(values)) if n > 1 else math.inf
        rows.append(CriterionFigures(key=key, label=label, answered=n, mean=mean, margin=margin,
                                     too_few=margin > reporting.RATE_MARGIN))
    return sorted(rows, key=lambda r: (r.mean, r.key))[:limit]


@dataclass(frozen=True)
class AgentBelow:
    key: str
    figures: reporting.GroupFigures
    pass_mark: float


def agents_under_pass_mark(*, user, project: str = "") -> list[AgentBelow]:
    """Agents whose mean score is below the pass mark of the scorecards they were scored on
    (the mean pass mark when versions differ), lowest first, with the too-few warning."""
    import statistics

    groups: dict[str, tuple[list, list, list]] = {}
    for vendor, agent_code, agent_name, score, passed, mark in _submitted(user, project).values_list(
            "vendor__name", "interaction__agent_code", "interaction__agent__name", "score", "passed",
            "version__pass_mark"):
        key = f"{vendor} · {agent_name or agent_code or '—'}"
        scores, passes, marks = groups.setdefault(key, ([], [], []))
        scores.append(score)
        passes.append(bool(passed))
        marks.append(float(mark))
    below = []
    for key, (scores, passes, marks) in groups.items():
        figures = reporting.figures(key, scores, passes)
        mark = statistics.fmean(marks)
        if figures.mean < mark:
            below.append(AgentBelow(key=key, figures=figures, pass_mark=mark))
    return sorted(below, key=lambda b: (b.figures.mean, b.key))


# --- coaching ----------------------------------------------------------------------------------

COACHING_FILTER_STATUSES = ("open", "in_progress", "done", "completed", "cancelled")


def coaching_list(*, user, status: str = "", agent: str = "", overdue: bool = False, mine: bool = False,
                  evaluation=None, today: dt.date | None = None) -> QuerySet:
    """Coachings the user may see (an agent only their own), due first. agent: an agent code;
    overdue: open or in progress past the due date (`today`, the server's local day by default);
    mine: only those coaching the user themself."""
    from django.utils import timezone

    from steward.quality.models import Coaching

    qs = Coaching.objects.visible_to(user).select_related(
        "agent", "vendor", "assigned_by", "course", "evaluation__interaction")
    if status in COACHING_FILTER_STATUSES:
        qs = qs.filter(status=status)
    if agent:
        qs = qs.filter(agent__code=agent)
    if overdue:
        qs = qs.filter(status__in=Coaching.ACTIVE, due_on__lt=today or timezone.localdate())
    if mine:
        qs = qs.filter(agent__user=user)
    if evaluation is not None:
        qs = qs.filter(evaluation=evaluation)
    return qs.order_by("due_on", "-pk")


def coaching_get(*, user, pk: int):
    from steward.quality.models import Coaching

    return Coaching.objects.visible_to(user).select_related(
        "agent__user", "vendor", "assigned_by", "verified_by", "course",
        "evaluation__interaction__project", "evaluation__version__scorecard").get(pk=pk)


def coaching_events(*, user, coaching) -> QuerySet:
    from steward.quality.models import CoachingEvent

    return CoachingEvent.objects.visible_to(user).filter(coaching=coaching).select_related("actor")


@dataclass(frozen=True)
class TrainingEvidence:
    """What the training app records for the coached agent in the coaching's course since it was
    assigned: attended sessions, assessment results and a certification."""

    attendances: list
    results: list
    certification: object | None

    @property
    def passed(self) -> bool:
        return self.certification is not None or any(r.passed for r in self.results)

    @property
    def any(self) -> bool:
        return bool(self.attendances or self.results or self.certification)


def coaching_evidence(*, user, coaching) -> TrainingEvidence | None:
    """The training records proving (or not yet) a training coaching, read through the training
    models' visibility; None for a coaching note."""
    from steward.training.models import AssessmentResult, Attendance, Certification

    if coaching.course_id is None:
        return None
    zone = ZoneInfo(coaching.evaluation.interaction.project.time_zone)
    since_day = coaching.assigned_at.astimezone(zone).date()
    attendances = list(Attendance.objects.visible_to(user).filter(
        agent=coaching.agent_id, session__course=coaching.course_id,
        session__ends_at__gte=coaching.assigned_at).select_related("session").order_by("session__starts_at"))
    results = list(AssessmentResult.objects.visible_to(user).filter(
        agent=coaching.agent_id, assessment__course=coaching.course_id, taken_on__gte=since_day)
        .select_related("assessment").order_by("taken_on", "pk"))
    certification = Certification.objects.visible_to(user).filter(
        agent=coaching.agent_id, course=coaching.course_id, certified_on__gte=since_day).first()
    return TrainingEvidence(attendances=attendances, results=results, certification=certification)


def coaching_courses(*, user) -> QuerySet:
    from steward.training.models import Course

    return Course.objects.visible_to(user).order_by("code")


def coaching_sessions(*, user, vendor_id: int) -> QuerySet:
    """Sessions still to come for the vendor, in which a coached agent may be registered."""
    from django.utils import timezone

    from steward.training.models import Session

    return (Session.objects.visible_to(user).filter(vendor_id=vendor_id, starts_at__gt=timezone.now())
            .select_related("course").order_by("starts_at", "pk"))
