"""The quality demo: scorecards, a drawn plan, scored evaluations, an acknowledgement and a
re-reviewed dispute; running it twice changes nothing."""

import io

import pytest

from steward.core import demo as core_demo
from steward.core.models import Project, User, Vendor
from steward.interactions import services as interaction_services
from steward.interactions.models import Agent
from steward.quality import demo
from steward.quality.models import Dispute, Evaluation, Scorecard

pytestmark = pytest.mark.django_db


def test_demo_loads_and_is_idempotent():
    core_demo.load(io.StringIO())
    project, vendor = Project.objects.get(code="presales-chat"), Vendor.objects.get(code="aurora")
    rows = [{"external_id": f"DEMO-{agent}-{n}", "channel": "chat", "agent_code": agent,
             "arrived_at": f"2025-03-2{n}T10:00:00+08:00", "transcript": "customer: 你好\nagent: 您好，请问有什么可以帮您？"}
            for agent in ("AUR-01", "AUR-02") for n in range(4)]
    interaction_services.import_records(actor=None, project=project, vendor=vendor, records=rows, idempotency_key="d")
    for number in (1, 2):
        Agent.objects.filter(vendor=vendor, code=f"AUR-0{number}").update(user=User.objects.get(username=f"aurora-agent{number}"))

    demo.load(io.StringIO())
    assert Scorecard.objects.filter(code="standard").count() == Project.objects.count()
    evaluations = Evaluation.objects.filter(version__scorecard__project=project)
    assert evaluations.count() == 4  # 2 per agent in the newest week
    assert evaluations.filter(status=Evaluation.Status.ACKNOWLEDGED).count() == 1
    dispute = Dispute.objects.get()
    assert dispute.decision != Dispute.Decision.PENDING and dispute.reviewer.username == "qa2"
    assert dispute.evaluation.status == Evaluation.Status.FINAL

    # Compliance: the rules of the demo brand manual, and the transcripts without a greeting hit.
    from steward.quality.models import CalibrationSession, ComplianceHit, ComplianceRule

    assert ComplianceRule.objects.filter(project=project).count() == len(demo.DEMO_RULES)
    assert not ComplianceHit.objects.filter(interaction__external_id__startswith="DEMO-").exists()  # they greet
    # Calibration: closed sessions scored by three analysts.
    sessions = CalibrationSession.objects.all()
    for session in sessions:
        assert session.status == "closed" and session.scores.values("evaluator").distinct().count() == 3

    # Coaching: one verified, one overdue.
    from django.utils import timezone

    from steward.quality.models import Coaching

    assert sorted(Coaching.objects.values_list("status", flat=True)) == ["completed", "open"]
    late = Coaching.objects.get(status="open")
    assert late.is_overdue(timezone.localdate()) and late.agent.user is not None

    before = (Evaluation.objects.count(), Dispute.objects.count(), Scorecard.objects.count(),
              ComplianceRule.objects.count(), ComplianceHit.objects.count(), CalibrationSession.objects.count(),
              Coaching.objects.count())
    demo.load(io.StringIO())
    assert (Evaluation.objects.count(), Dispute.objects.count(), Scorecard.objects.count(),
            ComplianceRule.objects.count(), ComplianceHit.objects.count(),
            CalibrationSession.objects.count(), Coaching.objects.count()) == before
