"""Risk register: score = likelihood × impact, validation, sharing with vendors, the 5 × 5
heat map whose every cell drills down to exactly its risks."""

import re
from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from steward.collaboration.selectors import client_today
from steward.improvement import scoring, selectors, services
from steward.improvement.models import Risk

REVIEW = date(2025, 5, 1)


@pytest.fixture
def admin(world):
    return world.user("client_admin")


def _risk(world, admin, **kwargs):
    values = dict(project=world.shared, title="Platform outage", likelihood=2, impact=4, owner=admin,
                  review_date=REVIEW)
    values.update(kwargs)
    return services.risk_create(actor=admin, **values)


def test_score_and_band():
    assert scoring.score(4, 5) == 20 and scoring.band(20) == "critical"
    assert [scoring.band(s) for s in (1, 4, 5, 11, 12, 19, 25)] == [
        "low", "low", "medium", "medium", "high", "high", "critical"]
    with pytest.raises(ValueError):
        scoring.score(0, 3)
    grid = scoring.heat_grid({(5, 1): 2})
    assert len(grid) == 5 and all(len(row) == 5 for row in grid)
    assert grid[0][0] == {"likelihood": 5, "impact": 1, "count": 2, "score": 5, "band": "medium"}
    assert grid[4][4]["likelihood"] == 1 and grid[4][4]["impact"] == 5


def test_risk_is_scored_and_validated(world, admin):
    risk = _risk(world, admin, likelihood=3, impact=5)
    assert risk.score == 15 and risk.band == "high"
    with pytest.raises(ValidationError):
        _risk(world, admin, likelihood=6)
    with pytest.raises(ValidationError):  # vendor B does not serve project A
        _risk(world, admin, project=world.project_a, vendors=[world.vendor_b])
    with pytest.raises(ValidationError):  # an owner from a vendor the risk is not shared with
        _risk(world, admin, owner=world.user("b-manager"), vendors=[world.vendor_a])
    with pytest.raises(ValidationError):
        _risk(world, world.user("a-manager"))
    # The database refuses a score that is not likelihood × impact.
    with pytest.raises(IntegrityError), transaction.atomic():
        Risk.objects.filter(pk=risk.pk).update(score=3)


def test_vendors_see_only_risks_shared_with_them(world, admin):
    internal = _risk(world, admin, title="B financial health")
    shared_a = _risk(world, admin, title="A attrition", project=world.project_a, vendors=[world.vendor_a],
                     owner=world.user("a-manager"))
    both = _risk(world, admin, title="Outage", vendors=[world.vendor_a, world.vendor_b])
    assert set(selectors.risk_list(user=world.user("a-manager"))) == {shared_a, both}
    assert set(selectors.risk_list(user=world.user("b-manager"))) == {both}
    assert set(selectors.risk_list(user=admin)) == {internal, shared_a, both}


def test_heatmap_cells_drill_down_to_exactly_their_risks(client, world, admin):
    _risk(world, admin, title="Churn after price rise", likelihood=4, impact=5)
    _risk(world, admin, title="Second four-five", likelihood=4, impact=5)
    _risk(world, admin, title="Small glitch", likelihood=1, impact=2)
    _risk(world, admin, title="Closed one", likelihood=4, impact=5, status="closed")
    client.force_login(admin)
    page = client.get("/improvement/risks/heatmap/").content.decode()
    links = re.findall(r'<a href="([^"]+)" data-testid="cell-(\d)-(\d)"[^>]*>(\d+)</a>', page)
    assert len(links) == 25
    for href, likelihood, impact, count in links:
        listed = client.get(href.replace("&amp;", "&"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
        shown = re.search(r'data-testid="result-count">(\d+) risk', listed)
        assert int(shown.group(1)) == int(count), (likelihood, impact)
        expected = Risk.objects.filter(likelihood=likelihood, impact=impact).exclude(status="closed")
        for risk in expected:
            assert risk.title in listed
    cell = dict(((li, im), int(n)) for _, li, im, n in links)
    assert cell[("4", "5")] == 2 and cell[("1", "2")] == 1 and sum(cell.values()) == 3
    api = client.get("/api/improvement/risks/heatmap").json()
    assert sum(c["count"] for c in api) == 3 and len(api) == 25


def test_heatmap_counts_only_what_the_vendor_may_see(client, world, admin):
    _risk(world, admin, title="Internal", likelihood=5, impact=5)
    _risk(world, admin, title="Shared", likelihood=5, impact=5, vendors=[world.vendor_a])
    client.force_login(world.user("a-manager"))
    cells = {(c["likelihood"], c["impact"]): c["count"] for c in client.get("/api/improvement/risks/heatmap").json()}
    assert cells[(5, 5)] == 1


def test_review_due_and_overdue(world, admin):
    today = client_today()
    late = _risk(world, admin, title="Late review", review_date=today - timedelta(days=1))
    due_today = _risk(world, admin, title="Review today", review_date=today)
    _risk(world, admin, title="Later", review_date=today + timedelta(days=30))
    assert set(selectors.risk_list(user=admin, review="due")) == {late, due_today}
    assert selectors.review_overdue(late) and not selectors.review_overdue(due_today)


def test_risk_pages_create_edit_and_hide_other_vendors(client, world, admin):
    client.force_login(admin)
    response = client.post("/improvement/risks/new/", {
        "project": "shared-mail", "title": "Peak season capacity", "category": "peak_capacity", "likelihood": "4",
        "impact": "4", "owner": str(admin.pk), "status": "open", "review_date": "2025-06-01",
        "vendors": ["alpha"], "contingency_trigger": "SL < 70% two days running",
        "contingency_plan": "Move overflow to vendor B",
    })
    assert response.status_code == 302
    risk = Risk.objects.get(title="Peak season capacity")
    assert risk.score == 16 and list(risk.vendors.all()) == [world.vendor_a]
    response = client.post(f"/improvement/risks/{risk.pk}/edit/", {
        "title": "Peak season capacity", "category": "peak_capacity", "likelihood": "2", "impact": "4",
        "owner": str(admin.pk), "status": "mitigating", "review_date": "2025-06-01", "vendors": ["alpha"]})
    assert response.status_code == 302
    risk.refresh_from_db()
    assert risk.score == 8 and risk.status == "mitigating"
    bad = client.post("/improvement/risks/new/", {"project": "shared-mail", "title": "x", "likelihood": "9"})
    assert bad.status_code == 200 and Risk.objects.count() == 1

    client.force_login(world.user("b-manager"))
    assert client.get(risk.get_absolute_url()).status_code == 404
    assert client.get(f"/api/improvement/risks/{risk.pk}").status_code == 404
    client.force_login(world.user("a-manager"))
    assert client.get(risk.get_absolute_url()).status_code == 200
    assert client.get(f"/improvement/risks/{risk.pk}/edit/").status_code == 403
