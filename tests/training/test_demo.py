"""The training demo: on the demo projects a trained (certified, active) and an untrained cohort,
articles with a two-version brand manual, one refresher due; running it twice changes nothing."""

import io

import pytest
from django.utils import timezone

from steward.core import demo as core_demo
from steward.core.models import Project, User, Vendor
from steward.interactions import services as interaction_services
from steward.interactions.models import Agent
from steward.training import demo, selectors
from steward.training.models import Article, Certification, TrainingReminder

pytestmark = pytest.mark.django_db


def test_demo_loads_and_is_idempotent():
    core_demo.load(io.StringIO())
    project, vendor = Project.objects.get(code="presales-chat"), Vendor.objects.get(code="aurora")
    rows = [{"external_id": f"DEMO-{agent}", "channel": "chat", "agent_code": agent,
             "arrived_at": "2025-03-20T10:00:00+08:00"} for agent in ("AUR-01", "AUR-02", "AUR-03", "AUR-04")]
    interaction_services.import_records(actor=None, project=project, vendor=vendor, records=rows, idempotency_key="d")
    Agent.objects.filter(vendor=vendor, code="AUR-01").update(user=User.objects.get(username="aurora-agent1"))

    demo.load(io.StringIO())
    agents = Agent.objects.filter(projects=project, vendor=vendor)
    assert agents.filter(status=Agent.Status.ACTIVE).count() == 2
    assert agents.filter(status=Agent.Status.TRAINING).count() == 2
    assert selectors.certified_agent_count(project) == 2
    brand = Article.objects.get(code="brand-manual")
    assert brand.current_version.number == 2 and brand.current_version.banned_phrases
    assert brand.current_version.acknowledgements.count() == 1  # AUR-01's login
    due = Certification.objects.filter(course__code="brand-voice",
                                       expires_on__lte=timezone.localdate() + timezone.timedelta(days=7))
    assert due.count() == 1
    assert TrainingReminder.objects.filter(stage="missing").exists()

    before = (Article.objects.count(), Certification.objects.count())
    demo.load(io.StringIO())
    assert (Article.objects.count(), Certification.objects.count()) == before
