import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from steward.core.models import Notification
from steward.interactions.models import Agent
from steward.training import services
from tests.training import factories as f


def test_brand_manual_phrases_become_qa_compliance_rules(world):
    from steward.quality.models import ComplianceRule
    from steward.quality.services import scan_text

    admin = world.user("client_admin")
    brand = services.article_create(actor=admin, code="brand", title="Brand manual", kind="brand_manual",
                                    project=world.project_a, body="Tone.", banned_phrases=["calm down", "没办法"],
                                    required_phrases=["您好"])
    with pytest.raises(ValidationError, match="Publish"):
        services.article_compliance_rules(actor=admin, article=brand)
    services.version_publish(actor=admin, version=brand.versions.get())
    rules = services.article_compliance_rules(actor=admin, article=brand)
    assert {(r.code, r.kind) for r in rules} == {("brand-banned", "banned"), ("brand-required", "required")}
    banned = ComplianceRule.objects.get(project=world.project_a, code="brand-banned")
    assert banned.source == "Brand manual v1" and "calm down" in banned.phrases
    hits = scan_text(project=world.project_a, text="agent: hello, calm down please")
    assert any(h.kind == "banned" and h.matched.lower() == "calm down" for h in hits)
    # A new version updates the same rules instead of adding more.
    v2 = services.article_revise(actor=admin, article=brand, body="Tone.", banned_phrases=["no idea"],
                                 required_phrases=["您好"])
    services.version_publish(actor=admin, version=v2)
    services.article_compliance_rules(actor=admin, article=brand)
    banned.refresh_from_db()
    assert ComplianceRule.objects.filter(project=world.project_a).count() == 2
    assert banned.phrases == "no idea" and banned.source == "Brand manual v2"
    # A global manual needs a project; a project lead (no QA rights) is refused by the quality service.
    common = services.article_create(actor=admin, code="common", title="Common", kind="brand_manual", body="x",
                                     banned_phrases=["whatever"])
    services.version_publish(actor=admin, version=common.versions.get())
    with pytest.raises(ValidationError, match="project"):
        services.article_compliance_rules(actor=admin, article=common)
    assert services.article_compliance_rules(actor=admin, article=common, project=world.project_b)
    with pytest.raises(ValidationError):
        services.article_compliance_rules(actor=world.user("project_lead"), article=common, project=world.shared)


def test_daily_command_suspends_lapsed_agents_and_reminds(world):
    course = f.course("monthly", refresher_months=1)
    # Active before the project started requiring the course (requiring it does not deactivate anyone).
    amy = f.agent(world.vendor_a, "amy", world.project_a, user=world.user("a-agent1"), status=Agent.Status.ACTIVE)
    f.require(world.project_a, course)
    f.certify(amy, course, date(2026, 10, 1), date(2026, 10, 31))
    out = io.StringIO()
    call_command("training", "daily", "--date", "2026-11-02", stdout=out)
    amy.refresh_from_db()
    assert amy.status == Agent.Status.TRAINING
    assert "Back in training: amy" in out.getvalue()
    assert Notification.objects.filter(recipient=world.user("a-agent1")).count() == 2  # suspended + expired
    with pytest.raises(CommandError):
        call_command("training", "daily", "--date", "yesterday")
