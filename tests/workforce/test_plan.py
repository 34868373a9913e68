"""Forecast and staffing plan from rollups, commitments and the gap alert, pages, API, command."""

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from steward.core.models import Notification
from steward.workforce import selectors, services
from steward.workforce.models import Commitment, GapAlert, StaffingProfile
from tests.workforce import rollups

TODAY = dt.date(2026, 3, 2)  # a Monday
END = TODAY - dt.timedelta(days=1)


@pytest.fixture
def history(world):
    rollups.load(world.project_a, world.vendor_a, end=END, days=70, base=400)
    rollups.load(world.shared, world.vendor_a, end=END, days=40, base=100, seed=2)
    rollups.load(world.shared, world.vendor_b, end=END, days=40, base=300, seed=3)
    return world


def test_project_forecast_from_rollups(history):
    admin = history.user("client_admin")
    pf = selectors.project_forecast(user=admin, project=history.project_a, horizon_days=7, today=TODAY)
    assert pf.forecast.days[0] == TODAY
    assert pf.history.aht_seconds == pytest.approx(240)
    monday = pf.forecast.daily[0]
    assert monday == pytest.approx(400, rel=0.1)
    assert pf.forecast.accuracy.mape < 0.1


def test_vendor_user_forecasts_only_its_own_contacts(history):
    admin, a_manager = history.user("client_admin"), history.user("a-manager")
    everyone = selectors.project_forecast(user=admin, project=history.shared, horizon_days=7, today=TODAY)
    own = selectors.project_forecast(user=a_manager, project=history.shared, horizon_days=7, today=TODAY)
    assert everyone.forecast.daily[0] == pytest.approx(400, rel=0.15)
    assert own.forecast.daily[0] == pytest.approx(100, rel=0.2)


def test_plan_compares_commitment_and_actual_and_alerts_once(history):
    admin = history.user("client_admin")
    w = history
    # 3 productive agents cannot answer ~30 calls of 4 minutes per half-hour at the peak
    services.commitment_set(actor=admin, vendor=w.vendor_a, project=w.project_a, seats=Decimal("3"),
                            effective_from=dt.date(2026, 1, 1))
    plan = selectors.staffing_plan(user=admin, project=w.project_a, vendor=w.vendor_a, horizon_days=7, today=TODAY)
    assert plan.committed == Decimal("3")
    assert plan.first_short_day == TODAY
    assert plan.sl_committed < 0.8
    assert plan.days[0].shortfall > 0
    # actual: three agent codes handled contacts in each busy half-hour
    assert plan.actual.max() == pytest.approx(3)
    alert = services.gap_check(project=w.project_a, vendor=w.vendor_a, actor_for_reads=admin, today=TODAY)
    assert alert is not None and alert.first_day == TODAY
    assert services.gap_check(project=w.project_a, vendor=w.vendor_a, actor_for_reads=admin, today=TODAY) is None
    notes = Notification.objects.filter(recipient=w.user("a-manager"))
    assert notes.count() == 1 and notes.get().params["project"] == w.project_a.name
    assert not Notification.objects.filter(recipient=w.user("b-manager")).exists()
    # enough seats: no gap
    services.commitment_set(actor=admin, vendor=w.vendor_a, project=w.project_a, seats=Decimal("40"),
                            effective_from=dt.date(2026, 2, 1))
    plan = selectors.staffing_plan(user=admin, project=w.project_a, vendor=w.vendor_a, horizon_days=7, today=TODAY)
    assert plan.first_short_day is None and plan.sl_committed > 0.8


def test_profile_changes_the_model(history):
    admin = history.user("client_admin")
    base = selectors.staffing_plan(user=admin, project=history.project_a, vendor=None, horizon_days=3, today=TODAY)
    services.profile_save(actor=admin, project=history.project_a, model=StaffingProfile.Model.ERLANG_A,
                          patience_seconds=60, service_level=Decimal("0.8"))
    a = selectors.staffing_plan(user=admin, project=history.project_a, vendor=None, horizon_days=3, today=TODAY)
    assert a.pf.settings.model == "erlang_a"
    assert a.totals.agent_hours <= base.totals.agent_hours


def test_too_little_history_is_a_clear_error(world):
    from django.utils import translation

    with translation.override("en"):
        with pytest.raises(selectors.PlanError, match="at least 14 days"):
            selectors.project_forecast(user=world.user("client_admin"), project=world.project_b, horizon_days=7)
        with pytest.raises(selectors.PlanError, match="horizon"):
            selectors.project_forecast(user=world.user("client_admin"), project=world.project_b, horizon_days=500)


def test_commitment_for_a_vendor_not_on_the_project_is_refused(world):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.commitment_set(actor=world.user("client_admin"), vendor=world.vendor_b, project=world.project_a,
                                seats=Decimal(3), effective_from=dt.date(2026, 1, 1))
    assert not Commitment.objects.exists()


@pytest.fixture
def recent(world):
    """History ending yesterday, for pages that plan from today."""
    rollups.load(world.project_a, world.vendor_a, end=dt.date.today() - dt.timedelta(days=1), days=42, base=300)
    return world


def test_plan_page_shows_chart_accuracy_staffing_and_scenarios(client, recent):
    client.force_login(recent.user("outsourcing_manager"))
    r = client.get(reverse("workforce:plan", kwargs={"code": "alpha-only"}), {"vendor": "alpha", "days": 7},
                   HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="forecast-chart"' in html and "<polygon" in html
    assert "MAPE" in html and "Volume +40% (peak season)" in html
    assert r.context["plan"].totals.contacts > 0


def test_plan_page_with_bad_input_is_not_a_500(client, recent):
    client.force_login(recent.user("outsourcing_manager"))
    r = client.get(reverse("workforce:plan", kwargs={"code": "alpha-only"}), {"days": "999"})
    assert r.status_code == 200 and "plan" not in r.context
    r = client.get(reverse("workforce:plan", kwargs={"code": "bravo-only"}))
    assert r.status_code == 200 and r.context["error"]


def test_event_form_and_delete(client, recent):
    client.force_login(recent.user("outsourcing_manager"))
    url = reverse("workforce:event-create", kwargs={"code": "alpha-only"})
    r = client.post(url, {"name": "双十一 Double 11", "first_day": "2026-11-10", "last_day": "2026-11-09"})
    assert r.status_code == 200  # last before first: refused on the form
    r = client.post(url, {"name": "双十一 Double 11", "first_day": "2026-11-10", "last_day": "2026-11-11",
                          "multiplier": "1.8"})
    assert r.status_code == 302
    event = selectors.events(user=recent.user("client_admin"), project=recent.project_a).get()
    assert event.multiplier == Decimal("1.800")
    client.force_login(recent.user("a-manager"))
    assert client.post(reverse("workforce:event-delete", kwargs={"pk": event.pk})).status_code == 403


def test_api_forecast_staffing_and_idempotent_event(client, recent):
    client.force_login(recent.user("outsourcing_manager"))
    r = client.get("/api/workforce/projects/alpha-only/staffing?days=5&vendor=alpha")
    assert r.status_code == 200
    body = r.json()
    assert len(body["days"]) == 5 and body["scenarios"][2]["key"] == "volume_plus_40"
    r = client.get("/api/workforce/projects/alpha-only/forecast?days=3")
    assert len(r.json()["days"][0]["intervals"]) == 48 and r.json()["accuracy"]["mape"] is not None
    assert client.get("/api/workforce/projects/alpha-only/forecast?days=0").status_code == 400
    payload = {"name": "618", "first_day": "2026-06-16", "last_day": "2026-06-18"}
    first = client.post("/api/workforce/projects/alpha-only/events", payload, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k1")
    again = client.post("/api/workforce/projects/alpha-only/events", payload, content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201 and again.json() == first.json()
    assert selectors.events(user=recent.user("client_admin"), project=recent.project_a).count() == 1


def test_forecast_command_text_and_json(recent):
    out = StringIO()
    call_command("forecast", "--project", "alpha-only", "--horizon-days", "3", stdout=out)
    assert "MAPE" in out.getvalue()
    out = StringIO()
    call_command("forecast", "--project", "alpha-only", "--horizon-days", "3", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert len(data["forecast"]["days"]) == 3 and data["staffing"]["totals"]["contacts"] > 0
    with pytest.raises(CommandError):
        call_command("forecast", "--project", "alpha-only", "--horizon-days", "0")
    with pytest.raises(CommandError):
        call_command("forecast", "--project", "nope")


def test_check_gaps_command(recent):
    services.commitment_set(actor=None, vendor=recent.vendor_a, project=recent.project_a, seats=Decimal(1),
                            effective_from=dt.date(2020, 1, 1))
    out = StringIO()
    call_command("forecast", "--check-gaps", stdout=out)
    assert GapAlert.objects.count() == 1
