"""Comparing one metric between two periods (one vendor or all) and between two vendors: the
two-proportion and Welch tests on hand-computed numbers, the verdict sentences, the dashboard's
forms, the API and `steward compare`."""

import datetime as dt
import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from steward.interactions import services as interactions
from steward.metrics import compare, engine
from steward.metrics import formulas as f

pytestmark = pytest.mark.django_db
TZ = "Asia/Shanghai"
MARCH = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), TZ)
APRIL = engine.period(dt.date(2025, 4, 1), dt.date(2025, 4, 30), TZ)


def calls(prefix, month, waits, talks=None):
    talks = talks or [100] * len(waits)
    return [{"external_id": f"{prefix}-{i}", "channel": "voice", "arrived_at": f"2025-{month:02d}-{1 + i % 28:02d}T10:00:00+08:00",
             "wait_seconds": w, "talk_seconds": t, "agent_code": "x"} for i, (w, t) in enumerate(zip(waits, talks, strict=True))]


@pytest.fixture
def project(world, make_project):
    """alpha: service level (20 s) 80/100 in March, 60/100 in April. bravo: handle times 10, 20,
    30, 40 s in March and 30, 40, 50 s in April (waits 5 s: all within)."""
    project = make_project("cmp", [world.vendor_a, world.vendor_b])
    alpha = calls("a3", 3, [10] * 80 + [40] * 20) + calls("a4", 4, [10] * 60 + [40] * 40)
    bravo = calls("b3", 3, [5] * 4, [10, 20, 30, 40]) + calls("b4", 4, [5] * 3, [30, 40, 50])
    for vendor, rows in ((world.vendor_a, alpha), (world.vendor_b, bravo)):
        result = interactions.import_records(actor=None, project=project, vendor=vendor, records=rows,
                                             idempotency_key=f"cmp-{vendor.code}", allow_rejects=False)
        assert result.inserted == len(rows)
    return project


def test_one_vendor_across_two_months_by_hand(world, project):
    got = compare.compare(user=world.user("client_admin"), project=project, metric="service_level",
                          a=compare.Side(MARCH, "alpha"), b=compare.Side(APRIL, "alpha"))
    c = got.comparison
    assert (got.result_a.numerator, got.result_a.denominator, got.result_b.numerator) == (80, 100, 60)
    # pooled p = 140/200 = 0.7; se0 = √(0.7·0.3·(2/100)) = 0.064807; z = −0.2/0.064807 = −3.0861
    assert c.test == "two_proportion_z" and c.difference == pytest.approx(-0.2)
    assert c.statistic == pytest.approx(-3.0861, abs=1e-4) and c.p_value == pytest.approx(0.00203, abs=1e-5)
    # unpooled interval: −0.2 ± 1.96·√(0.8·0.2/100 + 0.6·0.4/100) = −0.2 ± 0.12396
    assert (c.interval.low, c.interval.high) == (pytest.approx(-0.32396, abs=1e-5), pytest.approx(-0.07604, abs=1e-5))
    assert got.kind == "periods" and str(c.verdict) == "b_lower"
    # all vendors: March 84/104 (bravo's four calls are within), April 63/103
    both = compare.compare(user=world.user("client_admin"), project=project, metric="service_level",
                           a=compare.Side(MARCH), b=compare.Side(APRIL))
    assert (both.result_a.numerator, both.result_a.denominator) == (84, 104)
    assert (both.result_b.numerator, both.result_b.denominator) == (63, 103)


def test_means_across_periods_by_welch(world, project):
    got = compare.compare(user=world.user("client_admin"), project=project, metric="aht_seconds",
                          a=compare.Side(MARCH, "bravo"), b=compare.Side(APRIL, "bravo"))
    c = got.comparison
    # 10, 20, 30, 40 (mean 25, s² 166.7) vs 30, 40, 50 (mean 40, s² 100): d = 15, se = √(41.67+33.33) = 8.660
    assert c.test == "welch_t" and c.difference == pytest.approx(15)
    assert c.statistic == pytest.approx(1.7321, abs=1e-4) and c.df == pytest.approx(4.96, abs=0.01)
    assert c.p_value == pytest.approx(0.144, abs=1e-3) and str(c.verdict) == "not_distinguishable"
    # a side without contacts cannot be tested: said so, no fake numbers
    may = engine.period(dt.date(2025, 5, 1), dt.date(2025, 5, 31), TZ)
    empty = compare.compare(user=world.user("client_admin"), project=project, metric="aht_seconds",
                            a=compare.Side(MARCH, "bravo"), b=compare.Side(may, "bravo"))
    assert str(empty.comparison.verdict) == "insufficient_data" and empty.result_b.reason == "zero_denominator"


def test_qa_score_sample_is_in_points():
    q = f.QaStats(f.Histogram.of([10000, 5000]))
    assert compare.MEAN_SAMPLES["qa_score"](q) == (2, 150.0, 12500.0)


def test_period_labels():
    assert compare.period_label(MARCH) == "2025-03"
    assert compare.period_label(engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 15), TZ)) == "2025-03-01 – 2025-03-15"
    assert compare.period_label(engine.period(dt.date(2025, 2, 1), dt.date(2025, 2, 28), TZ)) == "2025-02"
    last, this = compare.month_periods(dt.date(2025, 3, 12), TZ)
    assert (last.first, last.last, this.first, this.last) == (
        dt.date(2025, 2, 1), dt.date(2025, 2, 28), dt.date(2025, 3, 1), dt.date(2025, 3, 12))


def test_dashboard_compares_periods_with_a_plain_verdict(client, world, project):
    client.force_login(world.user("outsourcing_manager"))
    url = reverse("metrics:dashboard", kwargs={"code": project.code})
    query = {"pc_metric": "service_level", "pc_vendor": "alpha", "pc_a_from": "2025-03-01", "pc_a_to": "2025-03-31",
             "pc_b_from": "2025-04-01", "pc_b_to": "2025-04-30"}
    with translation.override("en"):
        page = client.get(url, query, HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200 and 'data-testid="period-compare-form"' in text
    verdict = text.split('data-testid="period-verdict">')[1].split("</p>")[0]
    assert verdict == ("Alpha Callcenter: Service level in 2025-04 is lower than in 2025-03 (60.0% vs 80.0%), "
                       "and the difference is real at 95% (p = 0.002).")
    assert "80 / 100" in text and "60 / 100" in text
    bad = client.get(url, {**query, "pc_b_to": "2025-03-01"}, HTTP_ACCEPT_LANGUAGE="en")
    assert bad.status_code == 200 and 'data-testid="period-verdict"' not in bad.content.decode()
    # a vendor user compares its own periods (no vendor comparison for one vendor)
    client.force_login(world.user("b-manager"))
    own = client.get(url, {**query, "pc_vendor": "bravo", "pc_metric": "aht_seconds"}, HTTP_ACCEPT_LANGUAGE="en")
    text = own.content.decode()
    assert 'data-testid="compare-form"' not in text and "not distinguishable from noise" in text
    assert "Alpha" not in text
    # the vendor comparison names the vendors
    client.force_login(world.user("outsourcing_manager"))
    vendors = client.get(url, {"date_from": "2025-03-01", "date_to": "2025-03-31", "a": "alpha", "b": "bravo",
                               "metric": "service_level"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # 4/4 against 80/100: z = 0.995, not enough contacts to call it
    assert ("Bravo Secretcorp&#x27;s Service level (100.0%) and Alpha Callcenter&#x27;s (80.0%) are not "
            "distinguishable from noise with this many contacts (4 and 100; p = 0.3") in vendors


def test_api_and_cli_compare_periods_and_vendors(client, world, project):
    client.force_login(world.user("outsourcing_manager"))
    url = f"/api/metrics/{project.code}/compare"
    got = client.get(url, {"metric": "service_level", "a_vendor": "alpha", "a_from": "2025-03-01",
                           "a_to": "2025-03-31", "b_from": "2025-04-01", "b_to": "2025-04-30"},
                     HTTP_ACCEPT_LANGUAGE="en").json()
    assert got["kind"] == "periods" and got["verdict"] == "b_lower" and got["a"]["numerator"] == 80
    assert got["b"]["label"] == "2025-04" and got["difference"] == pytest.approx(-0.2)
    assert got["p_value"] == pytest.approx(0.00203, abs=1e-5) and "lower" in got["sentence"]
    vendors = client.get(url, {"metric": "service_level", "a_vendor": "alpha", "b_vendor": "bravo",
                               "a_from": "2025-03-01", "a_to": "2025-03-31",
                               "param": "threshold_seconds=40"}).json()
    assert vendors["kind"] == "vendors" and vendors["a"]["value"] == 1.0 and vendors["params"]["threshold_seconds"] == 40
    for bad in ({"metric": "offered"}, {"metric": "nope"}, {"a_vendor": "zulu"}, {"b_to": "2025-01-01"},
                {"b_from": None, "b_to": None}, {"param": "window_days=3"}):
        query = {"metric": "service_level", "a_vendor": "alpha", "a_from": "2025-03-01", "a_to": "2025-03-31",
                 "b_from": "2025-04-01", "b_to": "2025-04-30", **bad}
        assert client.get(url, {k: v for k, v in query.items() if v is not None}).status_code == 400, bad
    client.force_login(world.user("a-manager"))
    assert client.get(url, {"metric": "service_level", "a_vendor": "bravo", "a_from": "2025-03-01",
                            "a_to": "2025-03-31", "b_from": "2025-04-01", "b_to": "2025-04-30"}).status_code == 400
    out = io.StringIO()
    call_command("compare", "--project", project.code, "--metric", "aht_seconds", "--vendor-a", "bravo",
                 "--a-from", "2025-03-01", "--a-to", "2025-03-31", "--b-from", "2025-04-01", "--b-to", "2025-04-30",
                 "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["test"] == "welch_t" and data["difference"] == pytest.approx(15) and data["verdict"] == "not_distinguishable"
    text = io.StringIO()
    call_command("compare", "--project", project.code, "--metric", "service_level", "--vendor-a", "alpha",
                 "--vendor-b", "bravo", "--a-from", "2025-04-01", "--a-to", "2025-04-30", stdout=text)
    assert "B − A = 0.4" in text.getvalue()
    with pytest.raises(CommandError):
        call_command("compare", "--project", project.code, "--metric", "service_level", "--a-from", "2025-03-01",
                     "--a-to", "2025-03-31")


def test_dates_at_the_ends_of_the_calendar_are_a_clear_error(client, world, project):
    client.force_login(world.user("outsourcing_manager"))
    api = client.get(f"/api/metrics/{project.code}/compare", {
        "metric": "service_level", "a_vendor": "alpha", "a_from": "0001-01-01", "a_to": "2025-03-31",
        "b_from": "2025-04-01", "b_to": "9999-12-31"})
    assert api.status_code == 400
    page = client.get(reverse("metrics:dashboard", args=[project.code]), {
        "pc_metric": "service_level", "pc_vendor": "", "pc_a_from": "0001-01-01", "pc_a_to": "2025-03-31",
        "pc_b_from": "2025-04-01", "pc_b_to": "9999-12-31"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.context["period_comparison"] is None
