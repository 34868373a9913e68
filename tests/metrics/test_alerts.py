"""Alert rules: a breach opens one alert per rule and vendor (de-duplicated across
evaluations), notifies the right people once, resolves itself when the window recovers; windows
by hand; vendor-scoped reading; acknowledgement; rule validation with clear errors."""

import datetime as dt
import zoneinfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.core.models import Notification
from steward.interactions import services as interactions
from steward.metrics import services
from steward.metrics.models import Alert, AlertRule

from .test_portfolio import voice

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")


def at(day, hour, minute=0):
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def project(world, make_project):
    project = make_project("alert-voice", [world.vendor_a, world.vendor_b], channels=("voice",))
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=voice("A", 40, 5),
                                idempotency_key="alert-a", allow_rejects=False)
    interactions.import_records(actor=None, project=project, vendor=world.vendor_b, records=voice("B", 40, 60),
                                idempotency_key="alert-b", allow_rejects=False)
    return project


@pytest.fixture
def rule(world, project):
    return services.alert_rule_create(actor=world.user("outsourcing_manager"), project=project,
                                      metric="service_level", target=">= 0.80", window="day",
                                      params={"threshold_seconds": 20}, min_contacts=10)


def test_breach_opens_one_alert_notifies_once_and_resolves(world, project, rule):
    counts = services.evaluate_alerts(at(3, 18))  # voice() puts 40 calls from 10:00 on 3 March
    assert counts == {"opened": 1, "updated": 0, "resolved": 0}
    alert = Alert.objects.get()
    assert (alert.vendor, alert.status, alert.value, alert.numerator, alert.denominator) == (
        world.vendor_b, "open", 0.0, 0, 40)
    assert alert.window_start == at(3, 0) and alert.window_end == at(3, 18)
    told = set(Notification.objects.values_list("recipient__username", flat=True))
    assert {"outsourcing-manager", "project-lead", "b-manager"} <= told
    assert "a-manager" not in told and "b-agent1" not in told
    first_count = Notification.objects.count()
    # later the same day: the same alert, updated, nobody told again
    assert services.evaluate_alerts(at(3, 19))["updated"] == 1
    assert Alert.objects.count() == 1 and Notification.objects.count() == first_count
    # bravo answers 200 more calls quickly the same day: 200/240 = 83% ≥ 80% → resolved
    interactions.import_records(actor=None, project=project, vendor=world.vendor_b,
                                records=[{**r, "arrived_at": (at(3, 14) + dt.timedelta(seconds=i)).isoformat()}
                                         for i, r in enumerate(voice("B-fast", 200, 3))],
                                idempotency_key="alert-b2", allow_rejects=False)
    assert services.evaluate_alerts(at(3, 20)) == {"opened": 0, "updated": 0, "resolved": 1}
    alert.refresh_from_db()
    assert alert.status == "resolved" and alert.resolved_at == at(3, 20)
    assert Notification.objects.count() > first_count  # the resolution is told


def test_too_few_contacts_and_other_windows(world, project):
    manager = world.user("outsourcing_manager")
    # the last 2 whole half-hour intervals before 10:40: 09:30–10:30
    services.alert_rule_create(actor=manager, project=project, metric="service_level", target=">= 0.80",
                               window="intervals", intervals=2, min_contacts=10, vendor=world.vendor_b)
    rule = AlertRule.objects.get()
    window = services.alert_window(rule, at(3, 10, 40))
    assert (window.start, window.end) == (at(3, 9, 30), at(3, 10, 30))
    services.evaluate_alerts(at(3, 10, 40))
    alert = Alert.objects.get()
    assert alert.denominator == 30  # calls at 10:00 … 10:29
    # the month so far starts on the 1st, local time
    rule.window, rule.min_contacts = "month", 1000
    rule.save()
    window = services.alert_window(rule, at(3, 10, 40))
    assert window.start == at(1, 0)
    # 40 contacts < 1000: no judgement, the open alert stays as it was
    assert services.evaluate_alerts(at(3, 12)) == {"opened": 0, "updated": 0, "resolved": 0}


def test_vendor_users_read_and_acknowledge_only_their_own(client, world, project, rule):
    services.evaluate_alerts(at(3, 18))
    alert = Alert.objects.get()
    client.force_login(world.user("a-manager"))
    assert b"Bravo" not in client.get(reverse("metrics:alerts")).content
    assert client.get(alert.get_absolute_url()).status_code == 404
    assert client.post(reverse("metrics:alert-transition", kwargs={"pk": alert.pk}),
                       {"to": "acknowledged"}).status_code == 404
    client.force_login(world.user("b-manager"))
    page = client.get(alert.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "0 / 40" in page and "vendor=bravo" in page and "date_from=2025-03-03" in page
    client.post(reverse("metrics:alert-transition", kwargs={"pk": alert.pk}), {"to": "acknowledged"})
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by) == ("acknowledged", world.user("b-manager"))
    # acknowledging twice is a clear message, not a crash
    again = client.post(reverse("metrics:alert-transition", kwargs={"pk": alert.pk}), {"to": "acknowledged"},
                        follow=True)
    assert again.status_code == 200 and Alert.objects.get().status == "acknowledged"
    # an acknowledged alert stays one row while the breach lasts
    services.evaluate_alerts(at(3, 19))
    assert Alert.objects.get().status == "acknowledged"
    with pytest.raises(PermissionDenied):
        services.alert_transition(actor=world.user("a-manager"), alert=alert, to="resolved")


def test_rules_are_validated(client, world, project):
    manager = world.user("outsourcing_manager")
    for kwargs, field in [({"metric": "nope", "target": ">= 1"}, "metric"),
                          ({"metric": "service_level", "target": "80%"}, "target"),
                          ({"metric": "asa_seconds", "target": ">= 30"}, "target"),
                          ({"metric": "service_level", "target": ">= 0.8", "params": {"x": 1}}, "params"),
                          ({"metric": "service_level", "target": ">= 0.8", "window": "intervals",
                            "intervals": 0}, "intervals")]:
        with pytest.raises(ValidationError) as exc:
            services.alert_rule_create(actor=manager, project=project, **kwargs)
        assert field in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.alert_rule_create(actor=world.user("b-manager"), project=project, metric="csat", target=">= 0.8")
    client.force_login(manager)
    bad = client.post(reverse("metrics:alert-rule-new"), {
        "project": project.code, "vendor": "", "metric": "asa_seconds", "target": ">= 30", "window": "day",
        "intervals": 4, "min_contacts": 20}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 400 and b"Lower is better" in bad.content and not AlertRule.objects.exists()
    good = client.post(reverse("metrics:alert-rule-new"), {
        "project": project.code, "vendor": "bravo", "metric": "service_level", "target": ">= 0.8",
        "window": "intervals", "intervals": 4, "min_contacts": 20, "channel": "voice",
        "params": "threshold_seconds=30"})
    assert good.status_code == 302
    rule = AlertRule.objects.get()
    assert (rule.vendor, rule.scope, rule.params["threshold_seconds"]) == (world.vendor_b, {"channel": "voice"}, 30)


def test_alerts_api_is_scoped(client, world, project, rule):
    services.evaluate_alerts(at(3, 18))
    client.force_login(world.user("outsourcing_manager"))
    [alert] = client.get("/api/metrics/alerts").json()
    assert (alert["vendor"], alert["metric"], alert["status"], alert["denominator"]) == ("bravo", "service_level", "open", 40)
    assert client.get("/api/metrics/alerts", {"status": "resolved"}).json() == []
    assert client.get("/api/metrics/alerts", {"status": "bogus"}).status_code == 400
    client.force_login(world.user("a-manager"))
    assert client.get("/api/metrics/alerts").json() == []
    client.force_login(world.user("b-manager"))
    assert len(client.get("/api/metrics/alerts").json()) == 1
