"""Compliance rules, stored scans (idempotent, on import, batch CLI), the hits page and the
contact drill-down, scoped like every other page."""

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse

from steward.quality import selectors, services
from steward.quality.models import ComplianceHit, ComplianceRule, ComplianceScan

from .conftest import import_contacts

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(world):
    analyst = world.user("qa_analyst")
    return {
        "greet": services.create_compliance_rule(
            actor=analyst, project=world.shared, code="greet", name="Greeting", kind="required",
            phrases=["您好", "Hello"], speaker="agent", scope="opening", turns=1),
        "rude": services.create_compliance_rule(
            actor=analyst, project=world.shared, code="rude", name="Rudeness", kind="banned",
            phrases="滚\nshut up", speaker="agent", whole_word=True, severity="high"),
        "mobile": services.create_compliance_rule(
            actor=analyst, project=world.shared, code="pii-mobile", name="Mobile numbers", kind="pii",
            pii_kind="mobile", speaker="agent"),
    }


def test_create_compliance_rule_validates(world):
    analyst = world.user("qa_analyst")
    with pytest.raises(ValidationError) as info:
        services.create_compliance_rule(actor=analyst, project=world.shared, code="x", name="X", kind="banned")
    assert "phrases" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.create_compliance_rule(actor=analyst, project=world.shared, code="x", name="X", kind="regex",
                                        pattern="(unclosed")
    assert "pattern" in info.value.message_dict
    with pytest.raises(ValidationError):  # a vendor manager may not write rules
        services.create_compliance_rule(actor=world.user("a-manager"), project=world.shared, code="x", name="X",
                                        kind="banned", phrases=["x"])
    rule = services.create_compliance_rule(actor=analyst, project=world.shared, code="x", name="X", kind="banned",
                                           phrases=["  Stupid  ", "stupid", "蠢"], pattern="ignored")
    assert rule.phrase_list() == ("Stupid", "蠢") and rule.pattern == ""
    with pytest.raises(ValidationError) as info:
        services.create_compliance_rule(actor=analyst, project=world.shared, code="x", name="Y", kind="banned",
                                        phrases=["y"])
    assert "code" in info.value.message_dict


def test_import_from_a_brand_manual_is_all_or_nothing(world):
    analyst = world.user("qa_analyst")
    created = services.rules_import(actor=analyst, project=world.shared, kind="banned",
                                    text="# 禁用语\nno-promise: 保证 | 绝对没问题\n不可能\n")
    assert [r.code for r in created] == ["no-promise", "banned-2"]
    with pytest.raises(ValidationError):
        services.rules_import(actor=analyst, project=world.shared, kind="banned", text="fine\nno-promise: again")
    assert ComplianceRule.objects.filter(project=world.shared).count() == 2


def test_scan_stores_masked_hits_and_is_idempotent(world, contacts, rules):
    import_contacts(world, world.vendor_a, world.shared, [
        {"external_id": "C-1", "channel": "chat", "agent_code": "amy-code", "arrived_at": "2025-03-05T10:00:00+08:00",
         "transcript": "customer: 在吗\nagent: 什么事\nagent: 您好，请打13812345678，你给我滚"}], "c1")
    result = services.scan_interactions(project=world.shared)
    assert result.examined == 6 and result.scanned == 6
    contact = ComplianceHit.objects.filter(interaction__external_id="C-1").order_by(
        F("start").asc(nulls_first=True), "pk")
    assert [(h.rule.code, h.kind) for h in contact] == [("greet", "required"), ("pii-mobile", "pii"), ("rude", "banned")]
    pii = contact[1]
    assert pii.matched == "138****5678" and "13812345678" not in pii.excerpt and pii.speaker == "agent"
    transcript = pii.interaction.transcript
    assert transcript[pii.start:pii.end] == "13812345678"
    # The contacts of the fixture greet with "Hello": no hit.
    assert not ComplianceHit.objects.filter(interaction__external_id="QA-amy-3").exists()
    again = services.scan_interactions(project=world.shared)
    assert again.scanned == 0 and ComplianceHit.objects.filter(interaction__external_id="C-1").count() == 3
    # A rule change re-scans everything; a deactivated rule's hits go.
    services.rule_update(actor=world.user("qa_analyst"), rule=rules["mobile"], active=False)
    assert services.scan_interactions(project=world.shared).scanned == 6
    assert ComplianceHit.objects.filter(interaction__external_id="C-1").count() == 2
    assert ComplianceScan.objects.get(interaction__external_id="C-1").hits == 2


def test_import_scans_new_contacts(world, rules, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        import_contacts(world, world.vendor_b, world.shared, [
            {"external_id": "C-2", "channel": "chat", "agent_code": "bella-code",
             "arrived_at": "2025-03-05T10:00:00+08:00", "transcript": "agent: shut up"}], "c2")
    assert {h.rule.code for h in ComplianceHit.objects.filter(interaction__external_id="C-2")} == {"greet", "rude"}


def test_cli_scans_with_progress_and_scans_a_text(world, contacts, rules):
    out, err = StringIO(), StringIO()
    call_command("qa", "scan", "--project", world.shared.code, "--since", "2025-03-04", stdout=out, stderr=err)
    assert "2 contacts examined" in out.getvalue() or "2" in out.getvalue()
    assert "Scanned" in err.getvalue() or "已扫描" in err.getvalue()
    out = StringIO()
    call_command("qa", "scan", "--project", world.shared.code, "--json", stdout=out)
    assert json.loads(out.getvalue())["examined"] == 5
    out = StringIO()
    call_command("qa", "scan", "--project", world.shared.code, "--text", "agent: 你给我滚 13912345678", "--json",
                 stdout=out)
    hits = json.loads(out.getvalue())["hits"]
    assert {(h["rule"], h["kind"]) for h in hits} == {("greet", "required"), ("rude", "banned"),
                                                      ("pii-mobile", "pii")}
    rude = next(h for h in hits if h["rule"] == "rude")
    assert (rude["start"], rude["end"]) == (10, 11)
    from django.core.management.base import CommandError
    with pytest.raises(CommandError):
        call_command("qa", "scan", "--project", "nope", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("qa", "scan", "--project", world.shared.code, "--since", "yesterday", stdout=StringIO())


def test_hits_are_scoped_and_pages_render(client, world, rules):
    import_contacts(world, world.vendor_a, world.shared, [
        {"external_id": "A-RUDE", "channel": "chat", "agent_code": "amy-code", "arrived_at": "2025-03-05T10:00:00+08:00",
         "transcript": "agent: 您好\nagent: shut up"}], "a")
    import_contacts(world, world.vendor_b, world.shared, [
        {"external_id": "B-RUDE", "channel": "chat", "agent_code": "bella-code", "arrived_at": "2025-03-05T10:00:00+08:00",
         "transcript": "agent: 您好\nagent: shut up"}], "b")
    services.scan_interactions(project=world.shared)
    assert {h.interaction.external_id for h in selectors.hit_list(user=world.user("a-manager"))} == {"A-RUDE"}
    assert {h.interaction.external_id for h in selectors.hit_list(user=world.user("qa_analyst"))} == {"A-RUDE", "B-RUDE"}
    assert selectors.hit_list(user=world.user("qa_analyst"), date_from=dt.date(2025, 3, 6)).count() == 0
    client.force_login(world.user("a-manager"))
    page = client.get(reverse("quality:hit-list"), {"project": world.shared.code}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and b"A-RUDE" in page.content and b"B-RUDE" not in page.content
    b_hit = ComplianceHit.objects.filter(interaction__external_id="B-RUDE").first()
    assert client.get(reverse("quality:contact-hits", args=[b_hit.interaction_id])).status_code == 404
    a_hit = ComplianceHit.objects.filter(interaction__external_id="A-RUDE").first()
    detail = client.get(reverse("quality:contact-hits", args=[a_hit.interaction_id]))
    assert detail.status_code == 200 and b"<mark" in detail.content
    csv = client.get(reverse("quality:hit-list"), {"format": "csv"})
    assert b"A-RUDE" in csv.content and b"B-RUDE" not in csv.content
    report = client.get(reverse("quality:report"), HTTP_ACCEPT_LANGUAGE="en")
    assert b"Compliance hit rates" in report.content
    rates = selectors.compliance_rates(user=world.user("qa_analyst"), project=world.shared.code)
    assert [(r.scanned, r.with_hits, r.hits) for r in rates] == [(1, 1, 1), (1, 1, 1)]


def test_rule_pages(client, world, rules):
    client.force_login(world.user("qa_analyst"))
    assert client.get(reverse("quality:rule-list")).status_code == 200
    assert client.get(reverse("quality:rule-detail", args=[rules["rude"].pk])).status_code == 200
    response = client.post(reverse("quality:rule-create"), {
        "project": world.shared.code, "code": "bye", "name": "Closing", "kind": "required", "phrases": "再见\nbye",
        "speaker": "agent", "scope": "closing", "turns": 2, "severity": "low"})
    assert response.status_code == 302 and ComplianceRule.objects.get(code="bye").scope == "closing"
    bad = client.post(reverse("quality:rule-create"), {
        "project": world.shared.code, "code": "re", "name": "Regex", "kind": "regex", "pattern": "(",
        "speaker": "any", "scope": "anywhere", "turns": 2, "severity": "low"})
    assert bad.status_code == 400
    response = client.post(reverse("quality:rule-edit", args=[rules["rude"].pk]), {
        "name": "Rudeness", "kind": "banned", "phrases": "滚\nshut up\n闭嘴", "speaker": "agent", "scope": "anywhere",
        "turns": 2, "severity": "high", "active": "on"})
    assert response.status_code == 302 and "闭嘴" in ComplianceRule.objects.get(pk=rules["rude"].pk).phrases
    response = client.post(reverse("quality:rule-scan"), {"project": world.shared.code})
    assert response.status_code == 302
    client.force_login(world.user("a-manager"))
    assert client.get(reverse("quality:rule-create")).status_code == 403


@pytest.mark.parametrize("dates", [{"date_to": "9999-12-31"}, {"date_from": "9999-12-31", "date_to": "9999-12-31"},
                                   {"date_from": "0001-01-01"}])
def test_the_hits_page_refuses_dates_beyond_the_calendar_instead_of_a_server_error(client, world, rules, dates):
    """The end of 9999-12-31 (the next day's start) overflowed Python's dates: a 500."""
    client.force_login(world.user("a-manager"))
    page = client.get(reverse("quality:hit-list"), {"project": world.shared.code, **dates})
    assert page.status_code == 200 and b'role="alert"' in page.content
    assert client.get(reverse("quality:hit-list"), {**dates, "format": "csv"}).status_code == 200
