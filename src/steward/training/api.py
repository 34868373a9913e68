"""Training and knowledge API: articles and acknowledgements, courses, sessions, results, the
certification matrix and agent activation. Every read starts from a scoped selector (another
vendor's rows are 404); every write goes through the services (and so through the gate)."""

from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from steward.api.idempotency import idempotent
from steward.api.permissions import require_perm
from steward.api.writes import Moment, Payload, apply_form, call_service, project_named, visible
from steward.core import selectors as core_selectors
from steward.training import forms, gate, selectors, services
from steward.training.models import Assessment, Programme

router = Router(tags=["training"])


class ErrorOut(Schema):
    detail: str


class TrainingVersionOut(Schema):
    id: int
    number: int
    published_at: datetime | None
    change_note: str
    body: str
    sample_dialogues: str
    banned_phrases: list[str]
    required_phrases: list[str]


class ArticleOut(Schema):
    code: str
    title: str
    kind: str
    project: str | None
    current_version: int | None

    @staticmethod
    def resolve_project(article) -> str | None:
        return article.project.code if article.project_id else None

    @staticmethod
    def resolve_current_version(article) -> int | None:
        current = article.current_version
        return current.number if current else None


class ArticleDetailOut(ArticleOut):
    versions: list[TrainingVersionOut]


class ArticleIn(Payload):
    code: str
    title: str
    kind: str = "product"
    project: str | None = None
    body: str
    sample_dialogues: str = ""
    banned_phrases: list[str] = []
    required_phrases: list[str] = []
    change_note: str = ""


class ReviseIn(Payload):
    body: str
    title: str | None = None
    sample_dialogues: str = ""
    banned_phrases: list[str] = []
    required_phrases: list[str] = []
    change_note: str = ""


class AgentRefOut(Schema):
    id: int
    code: str
    name: str
    vendor: str
    status: str

    @staticmethod
    def resolve_vendor(agent) -> str:
        return agent.vendor.code


class AckOut(Schema):
    version: int
    agent: str
    acknowledged_at: datetime

    @staticmethod
    def resolve_version(ack) -> int:
        return ack.version.number

    @staticmethod
    def resolve_agent(ack) -> str:
        return ack.agent.code


class AssessmentOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    pass_mark: Decimal
    max_score: Decimal
    scenario: str


class CourseOut(Schema):
    code: str
    name: str
    programme: str | None
    refresher_months: int
    description: str
    assessments: list[AssessmentOut]

    @staticmethod
    def resolve_programme(course) -> str | None:
        return course.programme.code if course.programme_id else None

    @staticmethod
    def resolve_assessments(course):
        return list(course.assessments.all())


class SessionOut(Schema):
    id: int
    course: str
    vendor: str
    mode: str
    starts_at: datetime
    ends_at: datetime
    location: str
    trainer: str
    refresher: bool

    @staticmethod
    def resolve_course(session) -> str:
        return session.course.code

    @staticmethod
    def resolve_vendor(session) -> str:
        return session.vendor.code


class SessionIn(Payload):
    course: str
    vendor: str
    starts_at: Moment = Field(description="Local time in Steward's time zone (as on the page); an offset, if "
                                          "sent, is kept.")
    ends_at: Moment
    mode: str = "online"
    location: str = ""
    trainer: str = ""
    refresher: bool = False
    notes: str = ""
    agents: list[str] = []


class AttendanceIn(Payload):
    agent: str
    status: str


class AttendanceOut(Schema):
    agent: str
    status: str

    @staticmethod
    def resolve_agent(row) -> str:
        return row.agent.code


class ResultOut(Schema):
    id: int
    agent: str
    vendor: str
    course: str
    assessment: str
    kind: str
    taken_on: date
    score: Decimal
    pass_mark: Decimal
    passed: bool
    session: int | None

    @staticmethod
    def resolve_agent(r) -> str:
        return r.agent.code

    @staticmethod
    def resolve_vendor(r) -> str:
        return r.agent.vendor.code

    @staticmethod
    def resolve_course(r) -> str:
        return r.assessment.course.code

    @staticmethod
    def resolve_assessment(r) -> str:
        return r.assessment.code

    @staticmethod
    def resolve_kind(r) -> str:
        return r.assessment.kind

    @staticmethod
    def resolve_session(r) -> int | None:
        return r.session_id


class ResultIn(Payload):
    course: str
    assessment: str
    agent: str
    vendor: str | None = None
    score: Decimal
    taken_on: date
    session: int | None = None
    notes: str = ""


class MatrixCellOut(Schema):
    course: str
    state: str
    certified_on: date | None
    expires_on: date | None
    latest_result: int | None


class MatrixRowOut(Schema):
    agent: str
    vendor: str
    status: str
    complete: bool
    cells: list[MatrixCellOut]


class MatrixOut(Schema):
    project: str
    on: date
    courses: list[str]
    certified: int
    rows: list[MatrixRowOut]


class MissingOut(Schema):
    project: str
    courses: list[str]


class ActivationOut(Schema):
    agent: AgentRefOut
    active: bool
    missing: list[MissingOut]


class StatusIn(Payload):
    status: str


def _agent_by_code(request, code: str, vendor: str | None = None):
    rows = selectors.visible_agents(user=request.user).filter(code=code)
    if vendor:
        rows = rows.filter(vendor__code=vendor)
    if rows.count() != 1:
        return None
    return rows.get()


# --- Articles --------------------------------------------------------------------------


def _article_detail(request, article):
    article.versions_list = list(selectors.article_versions(user=request.user, article=article))
    if not request.user.has_perm("training.change_article"):
        article.versions_list = [v for v in article.versions_list if v.is_published]
    return article


class _ArticleDetail(ArticleDetailOut):
    @staticmethod
    def resolve_versions(article):
        return article.versions_list


@router.get("/articles", response=list[ArticleOut])
def articles(request, kind: str = "", project: str = "", q: str = ""):
    require_perm(request, "training.view_article")
    return list(selectors.article_list(user=request.user, kind=kind, project=project, q=q)[:1000])


@router.get("/articles/{code}", response=_ArticleDetail)
def article(request, code: str):
    require_perm(request, "training.view_article")
    return _article_detail(request, visible(selectors.article_get, request, code=code))


@router.post("/articles", response={201: _ArticleDetail, 400: ErrorOut})
@idempotent
def article_create(request, payload: ArticleIn):
    """Create an article with its first (draft) version. Honours an Idempotency-Key header."""
    require_perm(request, "training.change_article")
    project = None
    if payload.project:
        project = project_named(request, payload.project)
    created = call_service(services.article_create, actor=request.user, project=project,
                           **payload.dict(exclude={"project"}))
    return 201, _article_detail(request, created)


@router.post("/articles/{code}/revise", response={200: TrainingVersionOut, 400: ErrorOut})
def article_revise(request, code: str, payload: ReviseIn):
    """Edit the article: changes the open draft or creates the next version."""
    require_perm(request, "training.change_article")
    found = visible(selectors.article_get, request, code=code)
    return 200, call_service(services.article_revise, actor=request.user, article=found, **payload.dict())


@router.post("/versions/{pk}/publish", response={200: TrainingVersionOut, 400: ErrorOut})
def version_publish(request, pk: int):
    require_perm(request, "training.change_article")
    version = visible(selectors.version_get, request, pk=pk)
    return 200, call_service(services.version_publish, actor=request.user, version=version)


@router.post("/versions/{pk}/acknowledge", response={200: AckOut, 400: ErrorOut})
def version_acknowledge(request, pk: int):
    """The signed-in agent acknowledges the article's current version."""
    require_perm(request, "training.acknowledge_article")
    version = visible(selectors.version_get, request, pk=pk)
    return 200, call_service(services.acknowledge, actor=request.user, version=version)


@router.get("/versions/{pk}/not-acknowledged", response=list[AgentRefOut])
def version_not_acknowledged(request, pk: int):
    require_perm(request, "training.view_training")
    version = visible(selectors.version_get, request, pk=pk)
    return list(selectors.not_acknowledged(user=request.user, version=version))


# --- Courses, sessions, results ------------------------------------------------------


@router.get("/courses", response=list[CourseOut])
def courses(request):
    require_perm(request, "training.view_training")
    return list(selectors.course_list(user=request.user).prefetch_related("assessments"))


@router.get("/courses/{code}", response=CourseOut)
def course(request, code: str):
    require_perm(request, "training.view_training")
    return visible(selectors.course_get, request, code=code)


@router.get("/sessions", response=list[SessionOut])
def sessions(request, course: str = "", vendor: str = ""):
    require_perm(request, "training.view_training")
    return list(selectors.session_list(user=request.user, course=course, vendor=vendor)[:1000])


def _aware(moment: datetime) -> datetime:
    """A time without an offset read in the current time zone, as the page's form reads it."""
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@router.post("/sessions", response={201: SessionOut, 400: ErrorOut})
@idempotent
def session_create(request, payload: SessionIn):
    """Schedule a session for one vendor's agents (agent codes of that vendor). Idempotency-Key honoured."""
    require_perm(request, "training.add_session")
    found_course = selectors.course_list(user=request.user).filter(code=payload.course).first()
    vendor = core_selectors.vendor_list(user=request.user).filter(code=payload.vendor).first()
    if found_course is None or vendor is None:
        return 400, {"detail": _("Unknown course or vendor.")}
    agents = list(selectors.visible_agents(user=request.user, vendor=vendor.code).filter(code__in=payload.agents))
    unknown = sorted(set(payload.agents) - {a.code for a in agents})
    if unknown:
        return 400, {"detail": _("Unknown agents: %(codes)s.") % {"codes": ", ".join(unknown)}}
    created = call_service(
        services.session_create, actor=request.user, course=found_course, vendor=vendor,
        starts_at=_aware(payload.starts_at), ends_at=_aware(payload.ends_at), mode=payload.mode, location=payload.location,
        trainer=payload.trainer, refresher=payload.refresher, notes=payload.notes, agents=agents)
    return 201, created


@router.get("/sessions/{pk}/attendance", response=list[AttendanceOut])
def session_attendance(request, pk: int):
    require_perm(request, "training.view_training")
    session = visible(selectors.session_get, request, pk=pk)
    return list(selectors.attendances(user=request.user, session=session))


@router.post("/sessions/{pk}/attendance", response={200: AttendanceOut, 400: ErrorOut})
def session_attendance_record(request, pk: int, payload: AttendanceIn):
    require_perm(request, "training.add_session")
    session = visible(selectors.session_get, request, pk=pk)
    agent = _agent_by_code(request, payload.agent, session.vendor.code)
    if agent is None:
        return 400, {"detail": _("Unknown agent %(code)s.") % {"code": payload.agent}}
    return 200, call_service(services.attendance_record, actor=request.user, session=session, agent=agent,
                             status=payload.status)


@router.get("/results", response=list[ResultOut])
def results(request, agent: str = "", course: str = "", passed: str = ""):
    require_perm(request, "training.view_training")
    return list(selectors.result_list(user=request.user, agent=agent, course=course, passed=passed)[:1000])


@router.get("/results/{pk}", response=ResultOut)
def result(request, pk: int):
    require_perm(request, "training.view_training")
    return visible(selectors.result_get, request, pk=pk)


@router.post("/results", response={201: ResultOut, 400: ErrorOut})
@idempotent
def result_create(request, payload: ResultIn):
    """Record an assessment result; passing the last assessment of a course certifies the agent.
    Honours an Idempotency-Key header."""
    require_perm(request, "training.add_result")
    assessment = Assessment.objects.visible_to(request.user).filter(
        course__code=payload.course, code=payload.assessment).select_related("course").first()
    agent = _agent_by_code(request, payload.agent, payload.vendor)
    if assessment is None or agent is None:
        return 400, {"detail": _("Unknown assessment or agent (give the vendor when two vendors use the code).")}
    session = None
    if payload.session is not None:
        session = selectors.session_list(user=request.user).filter(pk=payload.session).first()
        if session is None:
            return 400, {"detail": _("Unknown session.")}
    created = call_service(services.result_record, actor=request.user, assessment=assessment, agent=agent,
                           score=payload.score, taken_on=payload.taken_on, session=session, notes=payload.notes)
    return 201, selectors.result_get(user=request.user, pk=created.pk)


# --- Matrix and activation ------------------------------------------------------------


@router.get("/matrix", response={200: MatrixOut, 400: ErrorOut})
def matrix(request, project: str, vendor: str = "", on: date | None = None):
    """Agents × the project's required trainings: passed (with dates), expired or missing."""
    require_perm(request, "training.view_training")
    found = core_selectors.project_list(user=request.user).filter(code=project).first()
    if found is None:
        raise Http404
    data = selectors.certification_matrix(user=request.user, project=found, vendor=vendor, on=on)
    return 200, {
        "project": found.code, "on": data["on"], "courses": [c.code for c in data["courses"]],
        "certified": data["certified"],
        "rows": [{"agent": r["agent"].code, "vendor": r["agent"].vendor.code, "status": r["agent"].status,
                  "complete": r["complete"],
                  "cells": [{"course": c["course"].code, "state": c["state"],
                             "certified_on": c["certification"].certified_on if c["certification"] else None,
                             "expires_on": c["certification"].expires_on if c["certification"] else None,
                             "latest_result": c["result"].pk if c["result"] else None} for c in r["cells"]]}
                 for r in data["rows"]],
    }


def _activation(agent) -> dict:
    missing = gate.missing_trainings(agent)
    return {"agent": agent, "active": agent.status == "active",
            "missing": [{"project": p.code, "courses": [c.code for c in cs]} for p, cs in missing.items()]}


@router.get("/agents/{pk}/activation", response=ActivationOut)
def activation(request, pk: int):
    """Whether the agent is active and which required trainings are missing."""
    require_perm(request, "training.view_training")
    return _activation(visible(selectors.agent_get, request, pk=pk))


@router.post("/agents/{pk}/activate", response={200: ActivationOut, 400: ErrorOut})
def activate(request, pk: int):
    """Activate the agent; refused (400, naming the missing trainings) until they are passed."""
    require_perm(request, "training.activate_agent")
    agent = visible(selectors.agent_get, request, pk=pk)
    agent = call_service(services.agent_activate, actor=request.user, agent=agent)
    return 200, _activation(agent)


@router.post("/agents/{pk}/status", response={200: ActivationOut, 400: ErrorOut})
def agent_status(request, pk: int, payload: StatusIn):
    require_perm(request, "training.activate_agent")
    agent = visible(selectors.agent_get, request, pk=pk)
    agent = call_service(services.agent_set_status, actor=request.user, agent=agent, status=payload.status)
    return 200, _activation(agent)


# --- courses, assessments, required training, QA rules from an article ---------------------

class CourseIn(Payload):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    programme: str | None = Field(None, max_length=64, description="An existing programme's code.")
    new_programme: str = Field("", max_length=200, description="Or the name of a new programme.")
    description: str = Field("", max_length=20000)
    refresher_months: int = Field(0, ge=0, le=60)
    articles: list[str] = Field(default=[], max_length=200, description="Codes of the reading.")


class AssessmentIn(Payload):
    code: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    kind: str = Field(Assessment.Kind.WRITTEN, max_length=32)
    max_score: Decimal = Field(Decimal(100), ge=0, max_digits=6, decimal_places=2)
    pass_mark: Decimal = Field(Decimal(80), ge=0, max_digits=6, decimal_places=2)
    scenario: str = Field("", max_length=20000)


class RequireIn(Payload):
    project: str = Field(max_length=32)
    remove: bool = Field(False, description="true: the project no longer requires the course.")


class RequiredOut(Schema):
    course: str
    projects: list[str]


class RulesIn(Payload):
    project: str | None = Field(None, max_length=32, description="Needed for an article of no project.")


class RulesOut(Schema):
    count: int


def _course(request, code: str):
    return visible(selectors.course_get, request, code=code)


@router.post("/courses", response={201: CourseOut, 400: ErrorOut})
@idempotent
def course_create(request, payload: CourseIn):
    """Create a course (optionally in a new programme) with its reading. Honours an Idempotency-Key header."""
    require_perm(request, "training.change_course")
    programmes = Programme.objects.visible_to(request.user)
    articles = selectors.article_list(user=request.user)
    form = forms.CourseForm({k: v for k, v in payload.dict().items() if v is not None}, programmes=programmes,
                            articles=articles)

    @transaction.atomic  # a course refused after its new programme leaves no programme behind
    def write(*, programme, new_programme, articles: list[str], **fields):
        chosen = programmes.filter(code=programme).first() if programme else None
        if new_programme:
            chosen = services.programme_create(actor=request.user, code=f"{fields['code']}-programme"[:64],
                                               name=new_programme)
        return services.course_create(actor=request.user, programme=chosen,
                                      articles=list(selectors.article_list(user=request.user)
                                                    .filter(code__in=articles)), **fields)

    return 201, _course(request, apply_form(form, write).code)


@router.post("/courses/{code}/assessments", response={201: AssessmentOut, 400: ErrorOut})
@idempotent
def assessment_create(request, code: str, payload: AssessmentIn):
    """Add an assessment (written test, role-play...) to a course. Honours an Idempotency-Key header."""
    require_perm(request, "training.change_course")
    course_row = _course(request, code)
    created = apply_form(forms.AssessmentForm(payload.dict()), services.assessment_create,
                         actor=request.user, course=course_row)
    created.refresh_from_db()
    return 201, created


@router.post("/courses/{code}/require", response={200: RequiredOut, 400: ErrorOut})
def course_require(request, code: str, payload: RequireIn):
    """Make the course required for a project's agents to be active (or, with `remove`, no longer)."""
    require_perm(request, "training.change_course")
    course_row = _course(request, code)
    projects = core_selectors.project_list(user=request.user)
    project = projects.filter(code=payload.project).first()
    if project is None:
        raise Http404
    write = services.unrequire_training if payload.remove else services.require_training
    call_service(write, actor=request.user, project=project, course=course_row)
    required = course_row.required_by.filter(project__in=projects).order_by("project__code")
    return 200, {"course": course_row.code, "projects": [r.project.code for r in required.select_related("project")]}


@router.post("/articles/{code}/rules", response={200: RulesOut, 400: ErrorOut})
def article_rules(request, code: str, payload: RulesIn):
    """Turn the current version's banned and required phrases into the project's QA compliance
    rules (created or brought up to date)."""
    require_perm(request, "training.change_article")
    article_row = visible(selectors.article_get, request, code=code)
    project = None
    if article_row.project_id is None and payload.project:
        project = project_named(request, payload.project)
    rules = call_service(services.article_compliance_rules, actor=request.user, article=article_row, project=project)
    return 200, {"count": len(rules)}
