"""Small builders for training tests (the rows the services need to exist first)."""

from datetime import date

from steward.interactions.models import Agent
from steward.training.models import Certification, Course, RequiredTraining


def agent(vendor, code, *projects, user=None, status=Agent.Status.TRAINING, name=""):
    a = Agent.objects.create(vendor=vendor, code=code, name=name or code, user=user, status=status)
    a.projects.add(*projects)
    return a


def course(code, name=None, refresher_months=0, programme=None):
    return Course.objects.create(code=code, name=name or f"Course {code}", refresher_months=refresher_months,
                                 programme=programme)


def require(project, *courses):
    for c in courses:
        RequiredTraining.objects.create(project=project, course=c)


def certify(agent, course, on: date, expires: date | None = None):
    return Certification.objects.update_or_create(agent=agent, course=course,
                                                  defaults={"certified_on": on, "expires_on": expires})[0]
