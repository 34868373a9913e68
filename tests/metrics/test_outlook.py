"""'At risk' alerts: a day (month) window that is not over is judged on the value so far, the
volume still expected at the window's pace and the last two hours' trend (metrics/outlook.py):
worked examples by hand, then the alert run — at risk, at risk by trend, escalation to breach."""

import datetime as dt
import zoneinfo
from fractions import Fraction

import pytest

from steward.core.models import Notification
from steward.interactions import services as interactions
from steward.metrics import outlook, services, sla
from steward.metrics.models import Alert

pytestmark = pytest.mark.django_db
TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
AT_LEAST_80 = sla.parse_target(">= 0.80").met
AT_MOST_10 = sla.parse_target("<= 0.10").met


def test_worked_examples():
    o = outlook.outlook(AT_LEAST_80, higher_is_better=True, x=70, n=100, remaining=100, over=False)
    assert (o.status, o.reason, o.best) == ("at_risk", "so_far_misses", Fraction(170, 200))
    assert outlook.outlook(AT_LEAST_80, higher_is_better=True, x=70, n=100, remaining=300, over=False).best == Fraction(
        370, 400)
    o = outlook.outlook(AT_LEAST_80, higher_is_better=True, x=70, n=100, remaining=10, over=False)
    assert (o.status, o.reason, o.best) == ("at_risk", "cannot_reach", Fraction(80, 110))
    o = outlook.outlook(AT_LEAST_80, higher_is_better=True, x=80, n=100, remaining=100, over=False,
                        recent_x=6, recent_n=10)
    assert (o.status, o.reason, o.projected) == ("at_risk", "trend_misses", Fraction(140, 200))
    o = outlook.outlook(AT_LEAST_80, higher_is_better=True, x=80, n=100, remaining=100, over=False,
                        recent_x=9, recent_n=10)
    assert (o.status, o.projected) == ("ok", Fraction(170, 200))
    # lower is better (abandon rate ≤ 10%): 15/100 so far, 100 more expected: best 15/200 → at risk
    o = outlook.outlook(AT_MOST_10, higher_is_better=False, x=15, n=100, remaining=100, over=False)
    assert (o.status, o.best) == ("at_risk", Fraction(15, 200))
    assert outlook.outlook(AT_MOST_10, higher_is_better=False, x=15, n=100, remaining=40, over=False).reason == "cannot_reach"
    # an ended window: met or breached, nothing in between; no contacts: no judgement
    assert outlook.outlook(AT_LEAST_80, higher_is_better=True, x=70, n=100, remaining=0, over=True).reason == "window_over"
    assert outlook.outlook(AT_LEAST_80, higher_is_better=True, x=0, n=0, remaining=5, over=False).status == "no_data"
    # a mean has no best case: at risk while it misses and the window runs
    asa = sla.parse_target("<= 30").met
    assert outlook.outlook(asa, higher_is_better=False, x=Fraction(45), n=1, remaining=0, over=False,
                           share=False).status == "at_risk"


def calls(prefix, day, hour, waits):
    start = dt.datetime(2025, 3, day, hour, tzinfo=TZ)
    return [{"external_id": f"{prefix}-{i}", "channel": "voice", "agent_code": "a1", "talk_seconds": 60,
             "arrived_at": (start + dt.timedelta(minutes=i)).isoformat(), "wait_seconds": w}
            for i, w in enumerate(waits)]


@pytest.fixture
def project(world, make_project):
    project = make_project("risk", [world.vendor_a], channels=("voice",))
    rows = (calls("d5", 5, 1, [5] * 6 + [60] * 4)  # 5 March, 01:00–01:09: 6 of 10 within 20 s
            + calls("d6a", 6, 0, [5] * 40) + calls("d6b", 6, 1, [5] * 3 + [60] * 7))  # 6 March: 40/40, then 3/10
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=rows,
                                idempotency_key="risk", allow_rejects=False)
    services.alert_rule_create(actor=world.user("outsourcing_manager"), project=project, metric="service_level",
                               target=">= 0.80", window="day", params={"threshold_seconds": 20}, min_contacts=10)
    return project


def test_at_risk_and_told_again_when_the_day_can_no_longer_make_it_at_its_pace(world, project):
    # 02:00: 6/10 so far; 2 h elapsed, 22 h left → 110 more expected; best (6 + 110)/120 = 0.967
    assert services.evaluate_alerts(dt.datetime(2025, 3, 5, 2, tzinfo=TZ))["opened"] == 1
    alert = Alert.objects.get()
    assert (alert.severity, alert.reason, alert.value) == ("at_risk", "so_far_misses", 0.6)
    told = Notification.objects.count()
    assert told and Notification.objects.filter(message__startswith="At risk:").count() == told
    # 23:50, nothing more came: 10 min left → no more contacts expected at this pace: out of reach,
    # told again (still "at risk": the expected volume is a forecast, not a bound)
    assert services.evaluate_alerts(dt.datetime(2025, 3, 5, 23, 50, tzinfo=TZ)) == {
        "opened": 0, "updated": 1, "resolved": 0}
    alert.refresh_from_db()
    assert (alert.severity, alert.reason) == ("at_risk", "cannot_reach")
    assert Notification.objects.filter(message__contains="cannot reach").count() == told
    # once out of reach, later runs of the same window update it quietly
    services.evaluate_alerts(dt.datetime(2025, 3, 5, 23, 55, tzinfo=TZ))
    assert Notification.objects.count() == 2 * told


def test_at_risk_by_trend_while_the_day_so_far_meets(client, world, project):
    # 03:00: 43/50 = 0.86 meets; the last two hours (01:00–03:00) 3/10; 21 h left at 50 per 3 h → 350
    # more; at the trend's 0.3: (43 + 105)/400 = 0.37 → at risk
    services.evaluate_alerts(dt.datetime(2025, 3, 6, 3, tzinfo=TZ))
    alert = Alert.objects.get()
    assert (alert.severity, alert.reason, alert.value) == ("at_risk", "trend_misses", 0.86)
    assert alert.projected == pytest.approx(0.37)
    client.force_login(world.user("outsourcing_manager"))
    page = client.get(alert.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "the window ends at 0.3700" in page
    assert 'data-testid="at-risk"' in client.get("/metrics/alerts/").content.decode()
