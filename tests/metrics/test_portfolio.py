"""Portfolio tiles: each project × vendor × key metric measured by the project's SLA term and
coloured against its target; a tile drills down to the KPI dashboard (same number) and from
there to the contacts; vendor users see only their own tiles; the traffic-light rule by hand."""

import datetime as dt
import zoneinfo
from fractions import Fraction

import pytest
from django.urls import reverse

from steward.interactions import services as interactions
from steward.metrics import selectors, services, sla
from steward.metrics.formulas import MetricResult

TZ = zoneinfo.ZoneInfo("Asia/Shanghai")
POLICY = """sla: hotline
version: 1
at_risk_percent: 10
terms:
  - metric: service_level
    params: {threshold_seconds: 20, short_abandon_seconds: 5}
    scope: {channel: voice}
    target: ">= 0.80"
    allocation_percent: 60
  - metric: asa_seconds
    target: "<= 30"
    allocation_percent: 40
"""


def voice(prefix: str, n: int, wait: int, day: int = 3) -> list[dict]:
    start = dt.datetime(2025, 3, day, 10, 0, tzinfo=TZ)
    return [{"external_id": f"{prefix}-{i}", "channel": "voice", "queue": "q1", "agent_code": "a1",
             "arrived_at": (start + dt.timedelta(minutes=i)).isoformat(), "abandoned": "false",
             "wait_seconds": wait, "talk_seconds": 100} for i in range(n)]


@pytest.fixture
def project(world, make_project):
    project = make_project("port-voice", [world.vendor_a, world.vendor_b], channels=("voice", "chat"))
    # alpha answers 40 calls in 5 s; bravo 30 calls in 60 s and 10 in 10 s (SL 10/40 = 25%)
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=voice("A", 40, 5),
                                idempotency_key="port-a", allow_rejects=False)
    interactions.import_records(actor=None, project=project, vendor=world.vendor_b,
                                records=voice("B", 30, 60) + voice("B10", 10, 10, day=4),
                                idempotency_key="port-b", allow_rejects=False)
    # a chat contact outside the term's scope that would change bravo's unscoped service level
    interactions.import_records(actor=None, project=project, vendor=world.vendor_b, records=[
        {"external_id": "chat-1", "channel": "chat", "arrived_at": "2025-03-03T11:00:00+08:00",
         "abandoned": "false", "wait_seconds": 1, "talk_seconds": 10}], idempotency_key="port-b-chat",
        allow_rejects=False)
    services.sla_policy_save(actor=world.user("client_admin"), project=project, text=POLICY)
    return project


def tiles_of(user, project):
    block = selectors.portfolio(user=user, first=dt.date(2025, 3, 1), last=dt.date(2025, 3, 31),
                                projects=[project])[0]
    return {(row["vendor"].code, t.metric): t for row in block["vendors"] for t in row["tiles"]}


def test_tiles_measure_the_sla_term_and_colour_against_its_target(world, project):
    tiles = tiles_of(world.user("outsourcing_manager"), project)
    assert {v for v, _m in tiles} == {"alpha", "bravo"}
    assert {m for _v, m in tiles} == set(selectors.PORTFOLIO_METRICS)
    a, b = tiles[("alpha", "service_level")], tiles[("bravo", "service_level")]
    # scoped to voice as the term says: bravo's chat contact is not counted
    assert (a.result.numerator, a.result.denominator, a.colour) == (40, 40, "green")
    assert (b.result.numerator, b.result.denominator, b.colour) == (10, 40, "red")
    assert str(b.target) == ">= 0.80" and b.policy == "hotline v1"
    # ASA over all channels (the term has no scope): alpha 5 s green; bravo (30·60+10·10+1)/41
    assert tiles[("alpha", "asa_seconds")].colour == "green"
    bravo_asa = tiles[("bravo", "asa_seconds")].result
    assert bravo_asa.value == pytest.approx((30 * 60 + 10 * 10 + 1) / 41) and tiles[("bravo", "asa_seconds")].colour == "red"
    # no term: no colour; FCR and QA are not in the rollups: no value with a reason
    assert tiles[("alpha", "csat")].colour == "none" and tiles[("alpha", "csat")].target is None
    assert tiles[("alpha", "qa_score")].result.value is None
    # sparkline: one point per day of March, the values where there were contacts
    spark = dict(b.spark)
    assert len(spark) == 31 and spark[dt.date(2025, 3, 3)] == 0.0 and spark[dt.date(2025, 3, 4)] == 1.0
    assert spark[dt.date(2025, 3, 5)] is None


def test_portfolio_page_drills_down_to_the_dashboard_and_the_contacts(client, world, project):
    client.force_login(world.user("outsourcing_manager"))
    page = client.get(reverse("metrics:index"), {"date_from": "2025-03-01", "date_to": "2025-03-31"},
                      HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'data-testid="tile-port-voice-bravo-service_level" data-colour="red"' in html
    assert 'data-testid="tile-port-voice-alpha-service_level" data-colour="green"' in html
    assert "<polyline" in html and "style=" not in html and "<script>" not in html
    url = reverse("metrics:dashboard", kwargs={"code": "port-voice"})
    href = f'{url}?date_from=2025-03-01&amp;date_to=2025-03-31&amp;focus=service_level&amp;channel=voice'
    assert href in html
    dash = client.get(url, {"date_from": "2025-03-01", "date_to": "2025-03-31", "focus": "service_level",
                            "channel": "voice"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    cell = dash.split('data-testid="kpi-service_level-bravo"')[1].split("</td>")[0]
    assert "25.0%" in cell and "10 / 40" in cell  # the tile's number
    assert "vendor=bravo&amp;date_from=2025-03-01&amp;date_to=2025-03-31&amp;channel=voice" in cell
    contacts = client.get(reverse("interactions:list"), {"project": "port-voice", "vendor": "bravo",
                                                         "date_from": "2025-03-01", "date_to": "2025-03-31",
                                                         "channel": "voice"}).content.decode()
    assert "B-0" in contacts and "chat-1" not in contacts and "A-0" not in contacts


def test_vendor_user_sees_only_its_own_tiles(client, world, project):
    tiles = tiles_of(world.user("a-manager"), project)
    assert {v for v, _m in tiles} == {"alpha"}
    client.force_login(world.user("a-manager"))
    html = client.get(reverse("metrics:index"), {"date_from": "2025-03-01", "date_to": "2025-03-31"}).content.decode()
    assert "tile-port-voice-alpha-service_level" in html and "bravo" not in html.lower()
    assert "Bravo" not in html


def test_bad_period_is_a_clear_error(client, world, project):
    client.force_login(world.user("outsourcing_manager"))
    page = client.get(reverse("metrics:index"), {"date_from": "2025-03-31", "date_to": "2025-03-01"})
    assert page.status_code == 200 and b'class="error" role="alert"' in page.content


def _result(value, low, high, key="service_level"):
    return MetricResult(key, value, None, 100, low, high, {}, 100, Fraction(value).limit_denominator(10_000))


@pytest.mark.parametrize(("target", "value", "low", "high", "colour"), [
    (">= 0.80", 0.85, 0.78, 0.90, "green"),   # met (even if the interval crosses the target)
    (">= 0.80", 0.80, 0.70, 0.88, "green"),   # exactly on target is met (>=)
    (">= 0.80", 0.76, 0.68, 0.83, "amber"),   # missed, but the interval reaches 0.80
    (">= 0.80", 0.70, 0.61, 0.78, "red"),     # missed beyond noise
    ("> 0.80", 0.80, 0.72, 0.87, "amber"),    # strict: on target is a miss
    ("<= 30", 35.0, 28.0, 42.0, "amber"),     # lower is better: the interval's low end reaches 30
    ("<= 30", 35.0, 31.0, 39.0, "red"),
    ("<= 30", 29.0, 20.0, 38.0, "green"),
])
def test_traffic_light_by_hand(target, value, low, high, colour):
    assert sla.rag(sla.parse_target(target), _result(value, low, high)) == colour


def test_traffic_light_without_target_value_or_interval():
    t = sla.parse_target(">= 0.8")
    assert sla.rag(None, _result(0.5, 0.4, 0.6)) == "none"
    assert sla.rag(t, MetricResult("service_level", None, 0, 0, None, None, {}, 0, reason="zero_denominator")) == "none"
    assert sla.rag(t, _result(0.5, None, None)) == "red"
    with pytest.raises(ValueError):
        sla.parse_target("at least 80%")


def test_portfolio_api(client, world, project):
    client.force_login(world.user("outsourcing_manager"))
    blocks = client.get("/api/metrics/portfolio", {"date_from": "2025-03-01", "date_to": "2025-03-31"}).json()
    block = next(b for b in blocks if b["project"] == "port-voice")
    bravo = next(v for v in block["vendors"] if v["vendor"] == "bravo")
    sl = next(t for t in bravo["tiles"] if t["metric"] == "service_level")
    assert (sl["colour"], sl["target"], sl["scope"], sl["policy"]) == ("red", ">= 0.80", {"channel": ["voice"]}, "hotline v1")
    assert (sl["result"]["numerator"], sl["result"]["denominator"]) == (10, 40)
    assert client.get("/api/metrics/portfolio", {"date_from": "2025-03-01"}).status_code == 400
    assert client.get("/api/metrics/portfolio", {"date_from": "2025-03-31", "date_to": "2025-03-01"}).status_code == 400
    client.force_login(world.user("a-manager"))
    blocks = client.get("/api/metrics/portfolio", {"date_from": "2025-03-01", "date_to": "2025-03-31"}).json()
    assert {v["vendor"] for b in blocks for v in b["vendors"]} == {"alpha"}
    client.force_login(world.user("a-agent1"))
    assert client.get("/api/metrics/portfolio").status_code == 403
