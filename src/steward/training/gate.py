"""The activation gate: an agent may be active only while holding a valid certification for
every training required by each project the agent works on.

`interactions.Agent` calls `ensure_may_be_active` from save(), clean(), its queryset's update()
and the project-assignment signal, so every way of activating an agent (services, pages, API,
shell, a future admin) meets the same check and the same error.
"""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def missing_trainings(agent, projects: Iterable | None = None, on: date | None = None) -> dict:
    """{project: [courses the agent lacks or whose certification has expired]} (only projects
    with something missing). `projects` defaults to the agent's projects."""
    from steward.training.models import Certification, RequiredTraining

    on = on or timezone.localdate()
    if projects is None:
        projects = list(agent.projects.all()) if agent.pk else []
    projects = list(projects)
    if not projects:
        return {}
    required = RequiredTraining.objects.filter(project__in=projects).select_related("course", "project")
    valid = set()
    if agent.pk:
        valid = {
            c.course_id for c in Certification.objects.filter(agent=agent)
            if c.valid_on(on)
        }
    missing: dict = {}
    for row in required.order_by("project__code", "course__code"):
        if row.course_id not in valid:
            missing.setdefault(row.project, []).append(row.course)
    return missing


def describe_missing(agent, missing: dict) -> str:
    parts = [
        _("%(project)s requires %(courses)s") % {
            "project": project.code, "courses": ", ".join(f"{c.name} ({c.code})" for c in courses)}
        for project, courses in missing.items()
    ]
    return _("Agent %(agent)s cannot be active before passing the required trainings: %(missing)s.") % {
        "agent": agent.code, "missing": "; ".join(parts)}


def ensure_may_be_active(agent, projects: Iterable | None = None, on: date | None = None) -> None:
    missing = missing_trainings(agent, projects, on)
    if missing:
        raise ValidationError(describe_missing(agent, missing), code="training_required")
