"""KPI dashboard and SLA policy pages: numbers, drill-down, vendor scoping, versions, YAML
errors with lines, diff, evaluation and backtest (nothing saved)."""

import datetime as dt
import random
import zoneinfo
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from steward.interactions import services as interactions
from steward.metrics import engine, selectors, services, sla
from steward.metrics.models import SlaPolicy

from .test_engine import random_records

TZ = "Asia/Shanghai"
POLICY = """sla: hotline
version: 1
at_risk_percent: 10
terms:
  - metric: service_level
    params: {threshold_seconds: 20, short_abandon_seconds: 5}
    scope: {channel: voice}
    target: ">= 0.99"
    allocation_percent: 40
    credit_tiers: [{below: 0.99, credit_percent: 50}, {below: 0.05, credit_percent: 100}]
  - metric: csat
    target: ">= 0.01"
    allocation_percent: 20
    bonus: {at_or_above: 0.02, bonus_percent: 2}
  - metric: fcr
    target: ">= 0.5"
    allocation_percent: 20
"""


@pytest.fixture
def project(world, make_project):
    project = make_project("kpi-shared", [world.vendor_a, world.vendor_b], channels=("voice", "chat", "email"))
    rng = random.Random(7)
    for vendor in (world.vendor_a, world.vendor_b):
        interactions.import_records(actor=None, project=project, vendor=vendor,
                                    records=random_records(rng, f"p-{vendor.code}", 120),
                                    idempotency_key=f"pages-{vendor.code}", allow_rejects=False)
    return project


def test_dashboard_shows_vendors_side_by_side_with_drill_down(client, world, project):
    client.force_login(world.user("outsourcing_manager"))
    url = reverse("metrics:dashboard", kwargs={"code": project.code})
    page = client.get(url, {"date_from": "2025-03-01", "date_to": "2025-03-12"})
    assert page.status_code == 200
    html = page.content.decode()
    p = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 12), TZ)
    stats = engine.contact_stats(user=world.user("client_admin"), project=project, period=p, grouping="vendor")
    for code in ("alpha", "bravo"):
        sl = engine.result_for("service_level", stats[(code,)])
        assert f"{sl.numerator} / {sl.denominator}" in html
        assert f"vendor={code}&amp;date_from=2025-03-01&amp;date_to=2025-03-12" in html
    assert "<polyline" in html and "<script>" not in html and "style=" not in html
    assert 'data-testid="verdict"' in html
    assert "queue=q1" in html and 'data-testid="breakdown"' in html
    by_agent = client.get(url, {"date_from": "2025-03-01", "date_to": "2025-03-12", "by": "agent"}).content.decode()
    assert "agent=a2" in by_agent
    compared = client.get(url, {"date_from": "2025-03-01", "date_to": "2025-03-12", "a": "alpha", "b": "bravo",
                                "metric": "aht_seconds"})
    assert compared.status_code == 200 and b'data-testid="verdict"' in compared.content
    # the default periods (last month, month to date) render even without data
    assert client.get(url).status_code == 200
    bad = client.get(url, {"date_from": "2025-03-12", "date_to": "2025-03-01"})
    assert bad.status_code == 200 and b'class="error" role="alert"' in bad.content


def test_vendor_user_sees_only_its_own_column(client, world, project):
    client.force_login(world.user("a-manager"))
    html = client.get(reverse("metrics:dashboard", kwargs={"code": project.code}),
                      {"date_from": "2025-03-01", "date_to": "2025-03-12"}).content.decode()
    assert "Alpha Callcenter" in html
    assert "Bravo Secretcorp" not in html and "vendor=bravo" not in html
    assert 'data-testid="compare-form"' not in html
    client.force_login(world.user("a-agent1"))
    assert client.get(reverse("metrics:dashboard", kwargs={"code": project.code})).status_code == 403
    client.force_login(world.user("a-manager"))
    assert client.get(reverse("metrics:dashboard", kwargs={"code": world.project_b.code})).status_code == 404


def test_policy_versions_are_never_edited(world, project):
    admin = world.user("client_admin")
    v1 = services.sla_policy_save(actor=admin, project=project, text=POLICY)
    v2 = services.sla_policy_save(actor=admin, project=project, text=POLICY.replace('">= 0.5"', '">= 0.6"'))
    assert (v1.version, v2.version, v2.name) == (1, 2, "hotline")
    assert SlaPolicy.objects.get(pk=v1.pk).yaml_text == POLICY
    with pytest.raises(ValidationError):
        services.sla_policy_save(actor=admin, project=project, text=v2.yaml_text)
    with pytest.raises(ValidationError) as err:
        services.sla_policy_save(actor=admin, project=project, text=POLICY.replace('">= 0.5"', "0.5"))
    assert "line 16, terms[2].target" in str(err.value)
    with pytest.raises(PermissionDenied):
        services.sla_policy_save(actor=world.user("a-manager"), project=project, text=POLICY)
    assert SlaPolicy.objects.count() == 2


def test_editor_reports_yaml_errors_at_their_line(client, world, project):
    client.force_login(world.user("client_admin"))
    url = reverse("metrics:sla-new", kwargs={"code": project.code})
    assert client.get(url).status_code == 200
    page = client.post(url, {"yaml_text": POLICY.replace("allocation_percent: 40", "allocation_percent: fourty")})
    assert page.status_code == 200 and b"line 9, terms[0].allocation_percent" in page.content
    assert not SlaPolicy.objects.exists()
    saved = client.post(url, {"yaml_text": POLICY})
    policy = SlaPolicy.objects.get()
    assert saved.status_code == 302 and saved.url == policy.get_absolute_url()
    edit = reverse("metrics:sla-edit", kwargs={"code": project.code, "pk": policy.pk})
    client.post(edit, {"yaml_text": POLICY.replace("at_risk_percent: 10", "at_risk_percent: 12")})
    v2 = SlaPolicy.objects.get(version=2)
    diff = client.get(reverse("metrics:sla-diff", kwargs={"code": project.code, "pk": v2.pk}))
    assert b"at_risk_percent" in diff.content
    client.force_login(world.user("a-manager"))
    assert client.post(url, {"yaml_text": POLICY}).status_code == 403
    assert client.get(v2.get_absolute_url()).status_code == 200


def test_evaluation_uses_the_engine_per_term(world, project):
    user = world.user("client_admin")
    policy = sla.parse_policy(POLICY)
    ev = selectors.evaluate_period(user=user, project=project, policy=policy, vendor="alpha", kind="month",
                                   day=dt.date(2025, 3, 5), fee=Decimal("100000"))
    p = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), TZ)
    voice = engine.contact_stats(user=user, project=project, period=p, vendors=["alpha"], scope={"channel": "voice"})
    expected = engine.result_for("service_level", voice[()], policy.terms[0].clean_params)
    sl, cs, fcr = ev.evaluation.terms
    assert sl.result == expected and sl.status == "missed" and sl.credit == Decimal("2000.00")
    assert cs.status == "met" and cs.bonus == Decimal("2000.00")
    assert fcr.status == "no_data" and fcr.credit == Decimal("0.00")
    # a week evaluation does not judge month terms
    week = selectors.evaluate_period(user=user, project=project, policy=policy, vendor="alpha", kind="week",
                                     day=dt.date(2025, 3, 5), fee=Decimal("100"))
    assert week.skipped_terms == (0, 1, 2) and week.evaluation.total_credit == 0
    # a vendor user evaluating another vendor gets no data, never its numbers
    other = selectors.evaluate_period(user=world.user("a-manager"), project=project, policy=policy, vendor="bravo",
                                      kind="month", day=dt.date(2025, 3, 5), fee=Decimal("100000"))
    assert {t.status for t in other.evaluation.terms} == {"no_data"}


def test_detail_evaluates_and_backtest_saves_nothing(client, world, project):
    admin = world.user("client_admin")
    policy = services.sla_policy_save(actor=admin, project=project, text=POLICY)
    client.force_login(world.user("finance"))
    page = client.get(policy.get_absolute_url(), {"vendor": "alpha", "period": "2025-03", "fee": "100000"})
    assert page.status_code == 200 and b'data-testid="total-credit">2,000.00' in page.content
    bad = client.get(policy.get_absolute_url(), {"vendor": "alpha", "period": "March", "fee": "x"})
    assert bad.status_code == 200 and b"2026-W40" in bad.content
    url = reverse("metrics:sla-backtest", kwargs={"code": project.code})
    assert client.get(url).status_code == 200
    run = client.post(url, {"yaml_text": POLICY, "vendor": "bravo", "date_from": "2025-02-01",
                            "date_to": "2025-03-31", "kind": "month", "fee": "1000"})
    assert run.status_code == 200 and run.content.count(b'data-testid="evaluation"') == 2
    broken = client.post(url, {"yaml_text": "sla: x\nversion: one\n", "vendor": "bravo", "date_from": "2025-02-01",
                               "date_to": "2025-03-31", "kind": "month", "fee": "1000"})
    assert b"line 2" in broken.content
    assert SlaPolicy.objects.count() == 1


def test_time_zone_of_the_project_is_used(world, make_project):
    project = make_project("kpi-tz", [world.vendor_a], time_zone="America/New_York")
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=[
        {"external_id": "late", "channel": "voice", "arrived_at": "2025-03-31T23:30:00-04:00", "wait_seconds": 3,
         "talk_seconds": 60}], idempotency_key="tz", allow_rejects=False)
    user = world.user("client_admin")
    march = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), "America/New_York")
    april = engine.period(dt.date(2025, 4, 1), dt.date(2025, 4, 30), "America/New_York")
    assert engine.contact_stats(user=user, project=project, period=march)[()].offered == 1
    assert engine.contact_stats(user=user, project=project, period=april)[()].offered == 0
    days = engine.contact_stats(user=user, project=project, period=march, grouping="day")
    assert list(days) == [(dt.date(2025, 3, 31),)]
    assert zoneinfo.ZoneInfo("America/New_York")


def test_dashboard_looks_up_the_calendar_and_vendor_ids_once(client, world, project):
    """Every table, trend, breakdown and comparison of the page reads the engine: whether the
    calendar level is ready and the vendors' ids are looked up once for the page, not per read."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.user("outsourcing_manager"))
    with CaptureQueriesContext(connection) as queries:
        page = client.get(reverse("metrics:dashboard", kwargs={"code": project.code}),
                          {"date_from": "2025-03-01", "date_to": "2025-03-12"})
    assert page.status_code == 200
    zone = [q["sql"] for q in queries if 'FROM "interactions_calendarzone"' in q["sql"]]
    ids = [q["sql"] for q in queries if q["sql"].startswith('SELECT "core_vendor"."id" AS "pk" FROM "core_vendor" WHERE')]
    assert len(zone) == 1
    assert ids and len(ids) == len(set(ids))  # each set of vendors once (alpha and bravo, alpha, bravo)


@pytest.mark.parametrize("period", ["9999-12-31", "9999-W52", "9999-12", "0001-01-01"])
def test_sla_evaluation_at_the_calendars_ends_is_a_form_error(client, world, project, period):
    policy = services.sla_policy_save(actor=world.user("client_admin"), project=project, text=POLICY)
    client.force_login(world.user("a-manager"))  # a vendor user: the page evaluates their own vendor
    page = client.get(policy.get_absolute_url(), {"vendor": "alpha", "period": period, "fee": "100000"},
                      HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "Choose a period between the years 1900 and 2199." in page.content.decode()
