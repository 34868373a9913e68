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
