"""Demo SLA policies: one per demo project, valid, measuring only the project's channels, and
loaded once however often the demo runs."""

from io import StringIO

from steward.core import demo as core_demo
from steward.core.models import Project
from steward.metrics import demo, sla
from steward.metrics.models import SlaPolicy


def test_demo_policies_are_attached_once(db):
    core_demo.load(StringIO())
    demo.load(StringIO())
    demo.load(StringIO())
    assert SlaPolicy.objects.count() == Project.objects.count() == len(demo.POLICIES)
    for row in SlaPolicy.objects.select_related("project"):
        policy = sla.parse_policy(row.yaml_text)
        assert (row.version, policy.sla) == (1, row.project.code)
        for term in policy.terms:
            assert set(term.scope_values.get("channel", row.project.channels)) <= set(row.project.channels)


def test_demo_alert_rules_and_the_deteriorating_vendors_alerts(db):
    import datetime as dt
    import zoneinfo

    from steward.core.models import Vendor
    from steward.interactions import services as interactions
    from steward.metrics.models import Alert, AlertRule

    core_demo.load(StringIO())
    tz = zoneinfo.ZoneInfo("Asia/Shanghai")
    yesterday = dt.datetime.now(tz).date() - dt.timedelta(days=1)
    start = dt.datetime.combine(yesterday, dt.time(10), tz)
    project = Project.objects.get(code="aftersales-voice")
    for code, wait in (("cedar", 200), ("bamboo", 3)):
        interactions.import_records(actor=None, project=project, vendor=Vendor.objects.get(code=code), records=[
            {"external_id": f"{code}-{i}", "channel": "voice", "arrived_at": (start + dt.timedelta(minutes=i)).isoformat(),
             "abandoned": "false", "wait_seconds": wait, "talk_seconds": 60} for i in range(60)],
            idempotency_key=f"demo-{code}", allow_rejects=False)
    demo.load(StringIO())
    rules = AlertRule.objects.count()
    assert rules == sum(len(sla.parse_policy(t).terms) for t in demo.POLICIES.values()) + 3  # + month windows
    open_alerts = Alert.objects.exclude(status="resolved")
    assert {(a.vendor.code, a.rule.metric) for a in open_alerts} == {("cedar", "service_level")}
    demo.load(StringIO())
    assert AlertRule.objects.count() == rules and Alert.objects.exclude(status="resolved").count() == open_alerts.count()
