"""The KPI page's trend against the SLA target with the interval band, drill-downs from the
comparison figures, every catalog metric on a period without contacts (null with a reason,
never a crash or a fake 0), and business hours across Golden Week's make-up Saturday through
the metric."""

import datetime as dt
import re
import zoneinfo
from datetime import UTC, datetime

import pytest
from django.urls import reverse

from steward.metrics import calendars, engine, services
from steward.metrics import formulas as f

from .test_pages import POLICY, project  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db
TZ = "Asia/Shanghai"


def test_trend_has_interval_bands_and_the_sla_target(client, world, project):  # noqa: F811
    services.sla_policy_save(actor=world.user("client_admin"), project=project,
                             text=POLICY.replace('target: ">= 0.01"', 'target: ">= 0.85"').replace("at_or_above: 0.02", "at_or_above: 0.9"))
    client.force_login(world.user("outsourcing_manager"))
    url = reverse("metrics:dashboard", kwargs={"code": project.code})
    html = client.get(url, {"date_from": "2025-03-01", "date_to": "2025-03-12"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    csat = html.split('data-testid="trend-csat"')[1].split("</figure>")[0]
    # CSAT ≥ 0.85: a dashed line at y = 180 − 30 − 120·0.85 = 48.0, labelled with the target
    assert re.search(r'<line [^>]*y1="48.0" y2="48.0"[^>]*data-testid="target-csat"', csat)
    assert "target &gt;= 85.0%" in csat
    assert csat.count('data-testid="band-csat"') == 2  # one band per vendor
    band = re.search(r'<polygon points="([^"]+)"', csat)[1].split()
    assert len(band) % 2 == 0 and len(band) >= 4  # upper edge then lower edge, day by day
    # service level's term is scoped to voice: the target is drawn and the scope is said
    sl = html.split('data-testid="trend-service_level"')[1].split("</figure>")[0]
    assert 'data-testid="target-service_level"' in sl and "the term is scoped" in sl
    assert "style=" not in html and "<script>" not in html


def test_comparison_figures_link_to_their_contacts(client, world, project):  # noqa: F811
    client.force_login(world.user("outsourcing_manager"))
    url = reverse("metrics:dashboard", kwargs={"code": project.code})
    html = client.get(url, {"pc_metric": "service_level", "pc_vendor": "bravo", "pc_a_from": "2025-03-01",
                            "pc_a_to": "2025-03-06", "pc_b_from": "2025-03-07", "pc_b_to": "2025-03-12"}).content.decode()
    table = html.split('data-testid="period-compare"')[1].split("</table>")[0]
    links = re.findall(r'href="([^"]+)"', table)
    assert links == ["/interactions/?project=kpi-shared&amp;vendor=bravo&amp;date_from=2025-03-01&amp;date_to=2025-03-06",
                     "/interactions/?project=kpi-shared&amp;vendor=bravo&amp;date_from=2025-03-07&amp;date_to=2025-03-12"]


def test_every_metric_of_an_empty_period_is_null_with_a_reason(client, world, project):  # noqa: F811
    empty = engine.period(dt.date(2024, 1, 1), dt.date(2024, 1, 31), TZ)
    for grouping in ("total", "vendor"):
        rows = engine.measure(user=world.user("client_admin"), project=project, period=empty,
                              metrics=list(f.CATALOG), grouping=grouping)
        assert len(rows) == (1 if grouping == "total" else 0)
    [row] = engine.measure(user=world.user("client_admin"), project=project, period=empty, metrics=list(f.CATALOG))
    for key, result in row.results.items():
        if f.CATALOG[key].kind == "count":
            assert result.value == 0 and result.reason is None, key
        else:
            assert result.value is None and result.reason == "zero_denominator", key
            assert result.interval_low is None and result.interval_high is None
    client.force_login(world.user("outsourcing_manager"))
    got = client.get(f"/api/metrics/{project.code}/kpi", {"date_from": "2024-01-01", "date_to": "2024-01-31",
                                                          "metrics": ",".join(f.CATALOG)}).json()
    assert {k: m.get("reason") for k, m in got[0]["metrics"].items() if m["value"] is None} == {
        k: "zero_denominator" for k, spec in f.CATALOG.items() if spec.kind != "count"}
    page = client.get(reverse("metrics:dashboard", kwargs={"code": project.code}),
                      {"date_from": "2024-01-01", "date_to": "2024-01-31"}, HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200 and "no contacts to measure" in text and "no QA evaluations of these contacts" in text


def sh(y, m, d, h):
    return datetime(y, m, d, h, tzinfo=zoneinfo.ZoneInfo(TZ)).astimezone(UTC)


def test_business_hours_across_golden_week_and_its_make_up_saturday():
    cn = calendars.builtin_calendar("cn-9x18")
    rows = [
        # Mon 30 Sep 17:00 → Tue 8 Oct 10:00: 1 h + National Day (1–7 Oct) + 1 h = 2 business hours
        {"channel": "email", "priority": "urgent", "arrived_at": sh(2024, 9, 30, 17),
         "first_response_at": sh(2024, 10, 8, 10), "resolved_at": sh(2024, 10, 8, 18), "abandoned": False},
        # Fri 11 Oct 17:00 → Mon 14 Oct 10:00: 1 h + Saturday 12 Oct, a make-up working day, 9 h + 1 h = 11 h
        {"channel": "email", "priority": "urgent", "arrived_at": sh(2024, 10, 11, 17),
         "first_response_at": sh(2024, 10, 14, 10), "resolved_at": sh(2024, 10, 14, 10), "abandoned": False},
        # Fri 18 Oct 17:00 → Mon 21 Oct 10:00: an ordinary weekend, 1 h + 1 h = 2 h
        {"channel": "email", "priority": "urgent", "arrived_at": sh(2024, 10, 18, 17),
         "first_response_at": sh(2024, 10, 21, 10), "resolved_at": sh(2024, 10, 21, 10), "abandoned": False},
    ]
    s = f.contact_stats(rows, calendar=cn)
    assert s.async_stats("urgent").first_response_business_minutes.as_dict() == {120: 2, 660: 1}
    within = {t: f.compute("first_response_within", s, {"threshold": t, "business_hours": True}).numerator
              for t in ("2h", "10h", "11h")}
    assert within == {"2h": 2, "10h": 2, "11h": 3}
    # elapsed time: 185 h, 65 h and 65 h — none within a day
    assert f.compute("first_response_within", s, {"threshold": "1d"}).numerator == 0
    # resolution: 8 Oct 18:00 is 10 business hours after 30 Sep 17:00 (1 h + 9 h)
    assert s.async_stats("urgent").resolution_business_minutes.as_dict() == {120: 1, 600: 1, 660: 1}
