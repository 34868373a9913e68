"""API writes of metrics: SLA policy versions from YAML (errors with line and field), a draft
policy's backtest (nothing saved), alert rules, acknowledging and resolving alerts, and alert
channels (client side only) — with the pages' capabilities, forms and services."""

import datetime as dt
import json
from decimal import Decimal

from django.test import Client

from steward.core import services as core_services
from steward.interactions import services as interactions
from steward.metrics import services
from steward.metrics.models import Alert, AlertChannel, AlertRule, SlaPolicy
from steward.integrations.models import IdempotencyRecord
from tests.api.test_core_writes import api_client, call
from tests.metrics.test_portfolio import voice

POLICY = """sla: hotline
version: 1
at_risk_percent: 10
terms:
  - metric: service_level
    params: {threshold_seconds: 20, short_abandon_seconds: 5}
    target: ">= 0.90"
    allocation_percent: 100
"""
BAD_TARGET = POLICY.replace('">= 0.90"', '"about ninety"')


def read_client(user) -> Client:
    _, key = core_services.api_token_create(user=user, name="reader", scopes=["read"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")


def test_save_a_policy_then_a_new_version(world):
    client = api_client(world.user("project_lead"))
    url = "/api/metrics/alpha-only/sla-policies"
    first = call(client, "post", url, {"yaml_text": POLICY}, key="p-1")
    assert first.status_code == 201, first.content
    assert first.json()["name"] == "hotline" and first.json()["version"] == 1
    replay = call(client, "post", url, {"yaml_text": POLICY}, key="p-1")
    assert replay.status_code == 201 and replay["Idempotent-Replayed"] == "true"
    assert replay.json() == first.json()
    assert SlaPolicy.objects.filter(project=world.project_a).count() == 1
    # The same text again is refused, as on the page; a changed text is the next version.
    same = call(client, "post", url, {"yaml_text": POLICY})
    assert same.status_code == 400 and "same as version 1" in same.json()["detail"]
    second = call(client, "post", url, {"yaml_text": POLICY.replace("0.90", "0.85")}, key="p-2")
    assert second.status_code == 201 and second.json()["version"] == 2
    row = SlaPolicy.objects.get(pk=second.json()["id"])
    assert row.project == world.project_a and row.created_by == world.user("project_lead") and "0.85" in row.yaml_text
    listed = call(client, "get", url).json()
    assert [(p["name"], p["version"]) for p in listed] == [("hotline", 2), ("hotline", 1)]


def test_a_refused_policy_is_a_400_with_each_errors_line_and_field(world):
    client = api_client(world.user("finance"))
    url = "/api/metrics/alpha-only/sla-policies"
    bad = call(client, "post", url, {"yaml_text": BAD_TARGET}, key="bad-1")
    assert bad.status_code == 400, bad.content
    body = bad.json()
    assert body["errors"] and body["errors"][0]["line"] == 7 and body["errors"][0]["field"] == "terms[0].target"
    assert body["detail"].startswith("line 7, terms[0].target: ")  # the page's message
    broken = call(client, "post", url, {"yaml_text": "sla: x\nversion: [1\n"})
    assert broken.status_code == 400 and broken.json()["errors"][0]["line"] is not None
    assert "not valid YAML" in broken.json()["errors"][0]["message"]
    unknown = call(client, "post", url, {"yaml_text": POLICY + "colour: red\n"})
    assert unknown.json()["errors"] == [{"line": 9, "field": "colour",
                                         "message": unknown.json()["errors"][0]["message"]}]
    assert "unknown field" in unknown.json()["errors"][0]["message"]
    empty = call(client, "post", url, {"yaml_text": ""})
    assert empty.status_code == 400 and empty.json()["detail"].startswith("yaml_text:")
    assert not SlaPolicy.objects.exists() and not IdempotencyRecord.objects.exists()
    # the failed key stays usable once the text is fixed
    assert call(client, "post", url, {"yaml_text": POLICY}, key="bad-1").status_code == 201


def test_only_policy_authors_save_and_a_read_token_cannot(world):
    for role in ("qa_analyst", "auditor", "a-manager", "a-agent1"):
        refused = call(api_client(world.user(role)), "post", "/api/metrics/alpha-only/sla-policies",
                       {"yaml_text": POLICY})
        assert refused.status_code == 403, role
    reader = read_client(world.user("project_lead"))
    assert reader.post("/api/metrics/alpha-only/sla-policies", json.dumps({"yaml_text": POLICY}),
                       content_type="application/json").status_code == 403
    lead = api_client(world.user("project_lead"))
    assert call(lead, "post", "/api/metrics/nosuch/sla-policies", {"yaml_text": POLICY}).status_code == 404
    assert not SlaPolicy.objects.exists()


def test_a_backtest_answers_credits_and_saves_nothing(world):
    # alpha: 40 calls answered in 5 s on 3 March 2025 (SL 100 %); bravo: 40 in 60 s (SL 0 %)
    interactions.import_records(actor=None, project=world.shared, vendor=world.vendor_a, records=voice("A", 40, 5),
                                idempotency_key="bt-a", allow_rejects=False)
    interactions.import_records(actor=None, project=world.shared, vendor=world.vendor_b, records=voice("B", 40, 60),
                                idempotency_key="bt-b", allow_rejects=False)
    url = "/api/metrics/shared-mail/sla-backtest"
    body = {"yaml_text": POLICY, "vendor": "bravo", "date_from": "2025-02-01", "date_to": "2025-03-31",
            "kind": "month", "fee": "1000"}
    client = api_client(world.user("finance"))
    run = call(client, "post", url, body)
    assert run.status_code == 200, run.content
    out = run.json()
    assert [p["label"] for p in out["periods"]] == ["2025-02", "2025-03"]
    february, march = out["periods"]
    assert february["terms"][0]["status"] == "no_data" and Decimal(february["total_credit"]) == 0
    term = march["terms"][0]
    assert term["status"] == "missed" and term["result"]["value"] == 0 and term["result"]["denominator"] == 40
    assert Decimal(march["pool"]) == Decimal("100") and Decimal(march["total_credit"]) == Decimal("100")
    assert Decimal(out["total_credit"]) == Decimal("100") and out["sla"] == "hotline"
    assert not SlaPolicy.objects.exists()
    # A vendor's manager backtests against its own vendor only.
    manager = api_client(world.user("a-manager"))
    own = call(manager, "post", url, {**body, "vendor": "alpha"})
    assert own.status_code == 200 and own.json()["periods"][1]["terms"][0]["status"] == "met"
    other = call(manager, "post", url, body)
    assert other.status_code == 400 and other.json()["detail"].startswith("vendor:")
    assert "Secretcorp" not in other.content.decode() and "periods" not in other.json()
    assert call(manager, "post", "/api/metrics/bravo-only/sla-backtest", body).status_code == 404


def test_a_backtest_refuses_a_bad_draft_or_range(world):
    client = api_client(world.user("outsourcing_manager"))
    url = "/api/metrics/alpha-only/sla-backtest"
    body = {"yaml_text": BAD_TARGET, "vendor": "alpha", "date_from": "2025-01-01", "date_to": "2025-01-31"}
    bad = call(client, "post", url, body)
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "terms[0].target"
    backwards = call(client, "post", url, {**body, "yaml_text": POLICY, "date_from": "2025-02-01"})
    assert backwards.status_code == 400 and "ends before it starts" in backwards.json()["detail"]
    assert call(client, "post", url, {**body, "yaml_text": POLICY, "kind": "year"}).status_code == 400
    assert call(client, "post", url, {**body, "yaml_text": POLICY, "fee": "-1"}).status_code == 400
    edge = call(client, "post", url, {**body, "yaml_text": POLICY, "date_from": "9999-12-01", "date_to": "9999-12-31"})
    assert edge.status_code == 400
    assert call(api_client(world.user("a-agent1")), "post", url, {**body, "yaml_text": POLICY}).status_code == 403


RULE = {"project": "shared-mail", "metric": "service_level", "target": ">= 0.80", "window": "intervals",
        "intervals": 6, "min_contacts": 10, "channel": "email", "params": "threshold_seconds=30"}


def test_create_an_alert_rule(world):
    client = api_client(world.user("outsourcing_manager"))
    made = call(client, "post", "/api/metrics/alert-rules", {**RULE, "vendor": "bravo"}, key="r-1")
    assert made.status_code == 201, made.content
    assert made.json()["vendor"] == "bravo" and made.json()["scope"] == {"channel": "email"}
    again = call(client, "post", "/api/metrics/alert-rules", {**RULE, "vendor": "bravo"}, key="r-1")
    assert again["Idempotent-Replayed"] == "true" and again.json() == made.json()
    rule = AlertRule.objects.get()
    assert (rule.project, rule.vendor, rule.window, rule.intervals, rule.min_contacts) == (
        world.shared, world.vendor_b, "intervals", 6, 10)
    assert rule.params["threshold_seconds"] == 30 and rule.created_by == world.user("outsourcing_manager")
    each = call(client, "post", "/api/metrics/alert-rules", {"project": "alpha-only", "metric": "abandon_rate",
                                                             "target": "<= 0.05"})
    assert each.status_code == 201 and each.json()["vendor"] is None and each.json()["window"] == "day"


def test_a_bad_alert_rule_is_a_400_with_the_pages_message(world):
    client = api_client(world.user("project_lead"))
    url = "/api/metrics/alert-rules"
    wrong_way = call(client, "post", url, {**RULE, "target": "<= 0.80"})
    assert wrong_way.status_code == 400 and wrong_way.json()["detail"].startswith("target: Higher is better")
    words = call(client, "post", url, {**RULE, "target": "eighty"})
    assert words.status_code == 400 and "comparison" in words.json()["detail"]
    # bravo does not serve alpha-only: refused, not widened to every vendor
    elsewhere = call(client, "post", url, {**RULE, "project": "alpha-only", "vendor": "bravo"})
    assert elsewhere.status_code == 400 and "does not serve the project" in elsewhere.json()["detail"]
    assert call(client, "post", url, {**RULE, "metric": "offered"}).status_code == 400  # a count
    assert call(client, "post", url, {**RULE, "params": "colour=red"}).status_code == 400
    assert call(client, "post", url, {**RULE, "project": "nosuch"}).status_code == 400
    assert not AlertRule.objects.exists()


def test_only_rule_authors_create_alert_rules(world):
    for role in ("finance", "qa_analyst", "a-manager", "a-agent1"):
        assert call(api_client(world.user(role)), "post", "/api/metrics/alert-rules", RULE).status_code == 403, role
    reader = read_client(world.user("outsourcing_manager"))
    assert reader.post("/api/metrics/alert-rules", json.dumps(RULE), content_type="application/json").status_code == 403
    assert not AlertRule.objects.exists()


def _alert(world, vendor):
    rule = services.alert_rule_create(actor=world.user("client_admin"), project=world.shared,
                                      metric="service_level", target=">= 0.80", window="day")
    now = dt.datetime(2025, 3, 3, 10, tzinfo=dt.UTC)
    return Alert.objects.create(rule=rule, project=world.shared, vendor=vendor, opened_at=now, last_seen_at=now,
                                window_start=now - dt.timedelta(hours=2), window_end=now, value=0.5, numerator=5,
                                denominator=10, worst_value=0.5)


def test_a_vendor_manager_acknowledges_its_own_alert_only(world):
    ours, theirs = _alert(world, world.vendor_a), _alert(world, world.vendor_b)
    manager = api_client(world.user("a-manager"))
    acked = call(manager, "post", f"/api/metrics/alerts/{ours.pk}/transition", {"to": "acknowledged"})
    assert acked.status_code == 200, acked.content
    assert acked.json()["status"] == "acknowledged" and acked.json()["acknowledged_at"]
    ours.refresh_from_db()
    assert ours.status == "acknowledged" and ours.acknowledged_by == world.user("a-manager")
    again = call(manager, "post", f"/api/metrics/alerts/{ours.pk}/transition", {"to": "acknowledged"})
    assert again.status_code == 400 and "cannot become" in again.json()["detail"]
    # Another vendor's alert is not there: neither listed nor acknowledged.
    hidden = call(manager, "post", f"/api/metrics/alerts/{theirs.pk}/transition", {"to": "acknowledged"})
    assert hidden.status_code == 404 and "bravo" not in hidden.content.decode()
    assert [a["id"] for a in call(manager, "get", "/api/metrics/alerts").json()] == [ours.pk]
    theirs.refresh_from_db()
    assert theirs.status == "open" and theirs.acknowledged_by is None
    # The client resolves one by hand; a nonsense step is a 400.
    lead = api_client(world.user("project_lead"))
    assert call(lead, "post", f"/api/metrics/alerts/{theirs.pk}/transition", {"to": "closed"}).status_code == 400
    resolved = call(lead, "post", f"/api/metrics/alerts/{theirs.pk}/transition", {"to": "resolved"})
    assert resolved.status_code == 200 and resolved.json()["resolved_at"]
    theirs.refresh_from_db()
    assert theirs.status == "resolved"


def test_acknowledging_needs_the_capability_and_a_write_token(world):
    alert = _alert(world, world.vendor_a)
    url = f"/api/metrics/alerts/{alert.pk}/transition"
    for role in ("finance", "qa_analyst", "a-agent1"):
        assert call(api_client(world.user(role)), "post", url, {"to": "acknowledged"}).status_code == 403, role
    reader = read_client(world.user("a-manager"))
    assert reader.post(url, json.dumps({"to": "acknowledged"}), content_type="application/json").status_code == 403
    assert call(api_client(world.user("b-manager")), "post", url, {"to": "acknowledged"}).status_code == 404
    alert.refresh_from_db()
    assert alert.status == "open"


HOOK = "https://open.feishu.cn/open-apis/bot/v2/hook/abc-secret"


def test_alert_channels_are_configured_by_the_client(world):
    client = api_client(world.user("project_lead"))
    made = call(client, "post", "/api/metrics/alert-channels",
                {"project": "bravo-only", "kind": "feishu", "target": HOOK}, key="ch-1")
    assert made.status_code == 201, made.content
    assert made.json()["target"] == HOOK and made.json()["active"] is True
    assert call(client, "post", "/api/metrics/alert-channels",
                {"project": "bravo-only", "kind": "feishu", "target": HOOK}, key="ch-1")["Idempotent-Replayed"]
    mail = call(client, "post", "/api/metrics/alert-channels",
                {"project": "alpha-only", "kind": "email", "target": "ops@example.com; lead@example.com"})
    assert mail.status_code == 201 and mail.json()["target"] == "ops@example.com, lead@example.com"
    assert AlertChannel.objects.count() == 2
    listed = call(client, "get", "/api/metrics/alert-channels").json()
    assert [(c["project"], c["kind"]) for c in listed] == [("alpha-only", "email"), ("bravo-only", "feishu")]
    assert [c["kind"] for c in call(client, "get", "/api/metrics/alert-channels?project=bravo-only").json()] == [
        "feishu"]
    pk = made.json()["id"]
    paused = call(client, "patch", f"/api/metrics/alert-channels/{pk}", {"active": False})
    assert paused.status_code == 200 and paused.json()["active"] is False
    assert call(client, "patch", f"/api/metrics/alert-channels/{pk}", {"active": False}).json()["active"] is False
    assert AlertChannel.objects.get(pk=pk).active is False
    assert call(client, "patch", f"/api/metrics/alert-channels/{pk}", {"active": True}).json()["active"] is True
    assert call(client, "patch", "/api/metrics/alert-channels/999999", {"active": True}).status_code == 404


def test_a_channels_host_is_checked_as_on_the_page(world):
    client = api_client(world.user("outsourcing_manager"))
    url = "/api/metrics/alert-channels"
    elsewhere = call(client, "post", url, {"project": "alpha-only", "kind": "feishu",
                                           "target": "https://internal.example/hook"})
    assert elsewhere.status_code == 400 and "open.feishu.cn" in elsewhere.json()["detail"]
    plain = call(client, "post", url, {"project": "alpha-only", "kind": "wecom", "target": "http://10.0.0.5/hook"})
    assert plain.status_code == 400 and "https" in plain.json()["detail"]
    assert call(client, "post", url, {"project": "alpha-only", "kind": "email", "target": "not-an-address"}
                ).status_code == 400
    assert call(client, "post", url, {"project": "alpha-only", "kind": "slack", "target": HOOK}).status_code == 400
    assert call(client, "post", url, {"project": "nosuch", "kind": "feishu", "target": HOOK}).status_code == 400
    assert not AlertChannel.objects.exists()


def test_vendors_never_see_or_touch_alert_channels(world):
    channel = services.alert_channel_create(actor=world.user("client_admin"), project=world.shared, kind="feishu",
                                            target=HOOK)
    for role in ("a-manager", "b-manager", "a-agent1", "finance", "qa_analyst"):
        client = api_client(world.user(role))
        listed = call(client, "get", "/api/metrics/alert-channels")
        assert listed.status_code == 403 and "abc-secret" not in listed.content.decode(), role
        assert call(client, "post", "/api/metrics/alert-channels",
                    {"project": "shared-mail", "kind": "feishu", "target": HOOK}).status_code == 403
        assert call(client, "patch", f"/api/metrics/alert-channels/{channel.pk}", {"active": False}).status_code == 403
    reader = read_client(world.user("client_admin"))
    assert reader.patch(f"/api/metrics/alert-channels/{channel.pk}", json.dumps({"active": False}),
                        content_type="application/json").status_code == 403
    channel.refresh_from_db()
    assert channel.active and AlertChannel.objects.count() == 1
