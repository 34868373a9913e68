"""Reads for the knowledge base and training. Every list starts from `visible_to(user)`."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from steward.interactions.models import Agent
from steward.training.models import Course

# Agents who have left or are inactive do not count towards a project's certified headcount.
COUNTED_STATUSES = (Agent.Status.ACTIVE, Agent.Status.TRAINING)


def required_trainings(project) -> QuerySet:
    """The courses an agent must have passed (and kept valid) to be active on the project."""
    return Course.objects.filter(required_by__project=project).order_by("code")


def certified_agents(project, on: date | None = None, vendor=None) -> QuerySet:
    """Agents assigned to the project (active or in training) who hold, on `on` (default today),
    a valid certification for every required training. Without requirements: all of them."""
    on = on or timezone.localdate()
    agents = Agent.objects.filter(projects=project, status__in=COUNTED_STATUSES)
    if vendor is not None:
        agents = agents.filter(vendor=vendor)
    required = list(required_trainings(project).values_list("pk", flat=True))
    if not required:
        return agents
    valid = Q(certifications__course__in=required, certifications__certified_on__lte=on) & (
        Q(certifications__expires_on__isnull=True) | Q(certifications__expires_on__gte=on))
    return agents.annotate(valid_required=Count("certifications", filter=valid, distinct=True)).filter(
        valid_required=len(required))


def certified_agent_count(project, on: date | None = None, vendor=None) -> int:
    """How many agents of the project could be active today (see certified_agents)."""
    return certified_agents(project, on=on, vendor=vendor).count()


# --- Knowledge base ----------------------------------------------------------------------


def article_list(*, user, kind: str = "", project: str = "", q: str = "") -> QuerySet:
    from steward.training.models import Article

    rows = Article.objects.visible_to(user).select_related("project")
    if kind:
        rows = rows.filter(kind=kind)
    if project == "-":
        rows = rows.filter(project__isnull=True)
    elif project:
        rows = rows.filter(project__code=project)
    if q:
        rows = rows.filter(Q(title__icontains=q) | Q(code__icontains=q))
    return rows.order_by("code")


def article_get(*, user, code: str):
    from steward.training.models import Article

    return Article.objects.visible_to(user).select_related("project").get(code=code)


def article_versions(*, user, article) -> QuerySet:
    from steward.training.models import ArticleVersion

    return ArticleVersion.objects.visible_to(user).filter(article=article).order_by("-number")


def version_get(*, user, pk: int):
    from steward.training.models import ArticleVersion

    return ArticleVersion.objects.visible_to(user).select_related("article").get(pk=pk)


def expected_readers(*, user, article) -> QuerySet:
    """Agents (as far as the user may see them) who must acknowledge the article."""
    rows = Agent.objects.visible_to(user).exclude(status=Agent.Status.LEFT)
    if article.project_id:
        rows = rows.filter(projects=article.project_id)
    return rows.select_related("vendor").order_by("vendor__code", "code")


def not_acknowledged(*, user, version) -> QuerySet:
    """Agents who have not acknowledged this version (scoped to what the user may see)."""
    return expected_readers(user=user, article=version.article).exclude(acknowledgements__version=version)


def acknowledgements(*, user, version) -> QuerySet:
    from steward.training.models import Acknowledgement

    return (Acknowledgement.objects.visible_to(user).filter(version=version)
            .select_related("agent", "agent__vendor").order_by("agent__vendor__code", "agent__code"))


def my_agent(user):
    return Agent.objects.filter(user=user).first() if user.is_authenticated else None


def pending_articles_for(agent) -> list:
    """The current versions the agent still has to acknowledge."""
    from steward.training.models import Article

    articles = Article.objects.filter(Q(project__isnull=True) | Q(project__in=agent.projects.all())).distinct()
    pending = []
    for article in articles.order_by("code"):
        current = article.current_version
        if current and not current.acknowledgements.filter(agent=agent).exists():
            pending.append(current)
    return pending


# --- Training ----------------------------------------------------------------------------


def course_list(*, user) -> QuerySet:
    return (Course.objects.visible_to(user).select_related("programme")
            .annotate(assessment_count=Count("assessments", distinct=True)).order_by("programme__code", "code"))


def course_get(*, user, code: str):
    return Course.objects.visible_to(user).select_related("programme").get(code=code)


def session_list(*, user, course: str = "", vendor: str = "") -> QuerySet:
    from steward.training.models import Session

    rows = Session.objects.visible_to(user).select_related("course", "vendor")
    if user.is_authenticated and user.is_agent:
        rows = rows.filter(attendances__agent__user=user)
    if course:
        rows = rows.filter(course__code=course)
    if vendor:
        rows = rows.filter(vendor__code=vendor)
    return rows.annotate(attendee_count=Count("attendances", distinct=True)).order_by("-starts_at", "-pk")


def session_get(*, user, pk: int):
    return session_list(user=user).get(pk=pk)


def attendances(*, user, session) -> QuerySet:
    from steward.training.models import Attendance

    return (Attendance.objects.visible_to(user).filter(session=session).select_related("agent")
            .order_by("agent__code"))


def result_list(*, user, agent: str = "", course: str = "", passed: str = "") -> QuerySet:
    from steward.training.models import AssessmentResult

    rows = AssessmentResult.objects.visible_to(user).select_related(
        "assessment", "assessment__course", "agent", "agent__vendor", "session")
    if agent:
        rows = rows.filter(agent__code=agent)
    if course:
        rows = rows.filter(assessment__course__code=course)
    if passed in ("yes", "no"):
        rows = rows.filter(passed=passed == "yes")
    return rows.order_by("-taken_on", "-pk")


def result_get(*, user, pk: int):
    return result_list(user=user).get(pk=pk)


def visible_agents(*, user, project=None, vendor: str = "") -> QuerySet:
    rows = Agent.objects.visible_to(user).select_related("vendor", "user")
    if project is not None:
        rows = rows.filter(projects=project)
    if vendor:
        rows = rows.filter(vendor__code=vendor)
    return rows.order_by("vendor__code", "code")


def agent_get(*, user, pk: int):
    return Agent.objects.visible_to(user).select_related("vendor", "user").get(pk=pk)


PASSED, EXPIRED, MISSING = "passed", "expired", "missing"


def certification_matrix(*, user, project, on: date | None = None, vendor: str = "") -> dict:
    """Agents (visible to the user) × the project's required trainings. Each cell: state
    (passed / expired / missing), the certification's dates and the agent's latest result."""
    from steward.training.models import AssessmentResult, Certification

    on = on or timezone.localdate()
    courses = list(required_trainings(project))
    agents = list(visible_agents(user=user, project=project, vendor=vendor).exclude(status=Agent.Status.LEFT))
    certs = {(c.agent_id, c.course_id): c for c in Certification.objects.visible_to(user).filter(
        agent__in=agents, course__in=courses)}
    latest = {}
    for r in AssessmentResult.objects.visible_to(user).filter(agent__in=agents, assessment__course__in=courses).order_by(
            "taken_on", "pk").select_related("assessment"):
        latest[(r.agent_id, r.assessment.course_id)] = r
    rows = []
    totals = {c.pk: {PASSED: 0, EXPIRED: 0, MISSING: 0} for c in courses}
    for agent in agents:
        cells = []
        for course in courses:
            cert = certs.get((agent.pk, course.pk))
            if cert is not None and cert.valid_on(on):
                state = PASSED
            elif cert is not None and cert.certified_on <= on:
                state = EXPIRED
            else:
                state = MISSING
            totals[course.pk][state] += 1
            cells.append({"course": course, "state": state, "certification": cert,
                          "result": latest.get((agent.pk, course.pk))})
        rows.append({"agent": agent, "cells": cells, "complete": all(c["state"] == PASSED for c in cells)})
    return {"project": project, "on": on, "courses": courses, "rows": rows,
            "totals": [totals[c.pk] for c in courses],
            "certified": sum(1 for r in rows if r["complete"])}
