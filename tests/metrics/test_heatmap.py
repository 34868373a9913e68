"""The KPI page's weekday × hour heatmap: every cell equals a direct computation from the raw
contacts (local arrival weekday and hour, daylight saving included), and each cell's link opens
exactly the contacts behind it in the explorer."""

import datetime as dt
import html
import random
import re
import zoneinfo

import pytest
from django.urls import reverse

from steward.interactions import services as interactions
from steward.interactions.models import Interaction
from steward.metrics import engine, heatmap
from steward.metrics import formulas as f

from .test_engine import RAW_FIELDS

pytestmark = pytest.mark.django_db
BERLIN = "Europe/Berlin"
ID_CELL = re.compile(r'<td><a href="/interactions/\d+/">([^<]+)</a></td>')


def explorer_ids(client, url) -> list[str]:
    page = client.get(html.unescape(url))
    assert page.status_code == 200
    return sorted(ID_CELL.findall(page.content.decode()))


@pytest.fixture
def dst_project(world, make_project):
    """Contacts on both sides of Berlin's 2025 clock changes (30 March 02:00 CET → 03:00 CEST;
    26 October 03:00 CEST → 02:00 CET)."""
    project = make_project("berlin", [world.vendor_a], time_zone=BERLIN)
    rows = [
        ("S1", "2025-03-30T00:30:00Z"),  # 01:30 CET, Sunday hour 1
        ("S2", "2025-03-30T01:00:00Z"),  # 03:00 CEST, Sunday hour 3 (02:xx does not exist that night)
        ("F1", "2025-10-26T00:15:00Z"),  # 02:15 CEST, Sunday hour 2
        ("F2", "2025-10-26T01:15:00Z"),  # 02:15 CET — the repeated hour, same cell
        ("F3", "2025-10-26T02:15:00Z"),  # 03:15 CET, Sunday hour 3
        ("M1", "2025-10-27T06:59:59Z"),  # 07:59:59 CET, Monday hour 7
        ("O1", "2025-10-26T01:20:00Z"),  # outbound: not offered, not in the drill-down
    ]
    records = [{"external_id": x, "channel": "voice", "arrived_at": at, "wait_seconds": 10,
                "direction": "outbound" if x.startswith("O") else "inbound", "talk_seconds": 60}
               for x, at in rows]
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=records,
                                idempotency_key="berlin", allow_rejects=False)
    return project


def test_daylight_saving_nights_by_hand(client, world, dst_project):
    p = engine.period(dt.date(2025, 3, 29), dt.date(2025, 10, 31), BERLIN)
    grid = heatmap.heatmap(user=world.user("client_admin"), project=dst_project, period=p, metric="offered")
    offered = {k: r.value for k, r in grid.cells.items() if r.value}
    assert offered == {(7, 1): 1, (7, 2): 2, (7, 3): 2, (1, 7): 1}
    assert len(grid.cells) == 168 and grid.cells[(3, 12)].value == 0
    # a rate in an empty cell is null with its reason, not 0
    sl = heatmap.heatmap(user=world.user("client_admin"), project=dst_project, period=p, metric="service_level")
    assert sl.cells[(3, 12)].value is None and sl.cells[(3, 12)].reason == "zero_denominator"
    assert sl.cells[(7, 2)].value == 1.0 and sl.cells[(7, 2)].denominator == 2
    client.force_login(world.user("outsourcing_manager"))
    page = client.get(reverse("metrics:dashboard", kwargs={"code": dst_project.code}),
                      {"date_from": "2025-03-29", "date_to": "2025-10-31", "hm_metric": "offered", "hm_vendor": ""})
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="heatmap"' in text and 'data-testid="heatmap-legend"' in text
    cell = text.split('data-testid="heat-7-2"')[1].split("</td>")[0]
    url = re.search(r'href="([^"]+)"', cell)[1]
    assert "weekday=7" in url and "hour=2" in url and "direction=inbound" in url
    assert explorer_ids(client, url) == ["F1", "F2"]
    assert explorer_ids(client, re.search(r'href="([^"]+)"', text.split('data-testid="heat-1-7"')[1])[1]) == ["M1"]


@pytest.fixture
def random_project(world, make_project):
    project = make_project("heat", [world.vendor_a, world.vendor_b], channels=("voice", "chat"), time_zone=BERLIN)
    rng = random.Random(2603)
    start = dt.datetime(2025, 3, 24, tzinfo=zoneinfo.ZoneInfo(BERLIN))
    for vendor in (world.vendor_a, world.vendor_b):
        records = []
        for i in range(220):
            abandoned = rng.random() < 0.2
            row = {"external_id": f"{vendor.code}-{i}", "channel": rng.choice(["voice", "chat"]),
                   "queue": rng.choice(["q1", "q2"]), "direction": "outbound" if rng.random() < 0.1 else "inbound",
                   "arrived_at": (start + dt.timedelta(seconds=rng.randrange(0, 14 * 86400))).isoformat(),
                   "abandoned": "true" if abandoned else "false", "wait_seconds": rng.randrange(0, 60)}
            if not abandoned:
                row.update(talk_seconds=rng.randrange(30, 600), wrap_seconds=rng.randrange(0, 60),
                           agent_code=rng.choice(["x", "y"]))
            records.append(row)
        interactions.import_records(actor=None, project=project, vendor=vendor, records=records,
                                    idempotency_key=f"heat-{vendor.code}", allow_rejects=False)
    return project


def raw_cells(project, period, vendors=None, **filters):
    tz = zoneinfo.ZoneInfo(project.time_zone)
    qs = Interaction.objects.filter(project=project, arrived_at__gte=period.start, arrived_at__lt=period.end, **filters)
    if vendors:
        qs = qs.filter(vendor__code__in=vendors)
    cells: dict = {}
    for row in qs.values(*RAW_FIELDS, "external_id"):
        local = row["arrived_at"].astimezone(tz)
        cells.setdefault((local.isoweekday(), local.hour), []).append(row)
    return cells


def test_every_cell_equals_a_direct_computation_from_the_raw_rows(world, random_project):
    p = engine.period(dt.date(2025, 3, 24), dt.date(2025, 4, 6), BERLIN)  # spans 30 March's change
    admin = world.user("client_admin")
    params = {"service_level": {"threshold_seconds": 15, "short_abandon_seconds": 5},
              "abandon_rate": {"short_abandon_seconds": 5}}
    for vendors, scope in ((None, None), (["bravo"], {"queue": "q1"})):
        raw = raw_cells(random_project, p, vendors, **({"queue": "q1"} if scope else {}))
        for metric in heatmap.HEATMAP_METRICS:
            grid = heatmap.heatmap(user=admin, project=random_project, period=p, metric=metric,
                                   params=params.get(metric), vendors=vendors, scope=scope)
            for key, result in grid.cells.items():
                expected = f.compute(metric, f.contact_stats(raw.get(key, [])), params.get(metric))
                assert (result.value, result.numerator, result.denominator, result.interval_low) == (
                    expected.value, expected.numerator, expected.denominator, expected.interval_low), (metric, key)
    # a vendor manager's grid holds only its own contacts, whatever vendors it names
    mine = heatmap.heatmap(user=world.user("a-manager"), project=random_project, period=p, metric="offered",
                           vendors=["alpha", "bravo"])
    alpha = raw_cells(random_project, p, ["alpha"], direction="inbound")
    assert {k: r.value for k, r in mine.cells.items() if r.value} == {k: len(v) for k, v in alpha.items()}


def test_drill_down_links_return_exactly_the_cells_contacts(client, world, random_project):
    client.force_login(world.user("outsourcing_manager"))
    url = reverse("metrics:dashboard", kwargs={"code": random_project.code})
    page = client.get(url, {"date_from": "2025-03-24", "date_to": "2025-04-06", "hm_metric": "abandon_rate",
                            "hm_vendor": "bravo", "channel": "chat"})
    text = page.content.decode()
    assert page.status_code == 200 and 'data-metric="abandon_rate"' in text
    p = engine.period(dt.date(2025, 3, 24), dt.date(2025, 4, 6), BERLIN)
    raw = raw_cells(random_project, p, ["bravo"], channel="chat", direction="inbound")
    checked = 0
    for (wd, hr) in [(1, 9), (2, 14), (5, 23), (7, 0), (6, 12)] + sorted(raw)[:8]:
        cell = text.split(f'data-testid="heat-{wd}-{hr}"')[1].split("</td>")[0]
        link = re.search(r'href="([^"]+)"', cell)[1]
        assert explorer_ids(client, link) == sorted(r["external_id"] for r in raw.get((wd, hr), []))
        checked += 1
    assert checked == 13
    bad = client.get(url, {"hm_metric": "csat"})
    assert bad.status_code == 200 and 'data-testid="heatmap"' not in bad.content.decode()
