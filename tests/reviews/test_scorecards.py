"""Scorecards from real data: components traceable, points adding up, vendors isolated."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from steward.reviews import selectors, services
from tests.conftest import new_project, new_vendor
from tests.reviews import helpers


@pytest.fixture
def scored(world):
    helpers.contract(world, world.vendor_a, world.project_a)
    helpers.month_of_contacts(world, world.vendor_a, world.project_a)
    helpers.month_of_contacts(world, world.vendor_b, world.project_b, seed=2, base=150)
    helpers.capa(world, world.vendor_a, world.project_a, "Alpha slow answers")
    return world


def test_components_are_traceable_and_add_up(scored):
    admin = scored.user("client_admin")
    score = selectors.scorecard(user=admin, vendor=scored.vendor_a, month=helpers.MONTH)
    parts = {p.component.key: p for p in score.parts}
    sla = parts["sla"].component
    # both terms judged and met: every contact answered within 10 s, CSAT mostly fives
    assert [r["status"] for r in sla.rows] == ["met", "met"]
    assert (sla.numerator, sla.denominator, sla.score) == (2, 2, Decimal(100))
    csat = parts["csat"].component
    assert abs(csat.score - Decimal(100) * csat.numerator / csat.denominator) < Decimal("0.0001")  # 4 places
    assert csat.score > 85
    capa = parts["capa"].component
    assert capa.denominator == 2 and capa.numerator == 0  # not answered within 5 days, not closed by its due date
    assert sum(p.contribution for p in score.parts) == score.total
    assert parts["qa"].component.score is None  # no evaluations: left out, the other weights count


def test_weights_change_the_total(scored):
    admin = scored.user("client_admin")
    before = selectors.scorecard(user=admin, vendor=scored.vendor_a, month=helpers.MONTH).total
    services.weights_save(actor=admin, sla=Decimal(0), qa=Decimal(0), csat=Decimal(0), capa=Decimal(100),
                          compliance=Decimal(0))
    after = selectors.scorecard(user=admin, vendor=scored.vendor_a, month=helpers.MONTH).total
    assert after == Decimal("0.00") and before > Decimal(30)


def test_board_ranks_and_vendor_sees_only_itself(client, scored):
    client.force_login(scored.user("outsourcing_manager"))
    r = client.get(reverse("reviews:board"), {"month": "2026-02"})
    assert r.status_code == 200
    assert {row.vendor.code for row in r.context["rows"]} == {"alpha", "bravo"}
    client.force_login(scored.user("a-manager"))
    r = client.get(reverse("reviews:board"), {"month": "2026-02"})
    assert [row.vendor.code for row in r.context["rows"]] == ["alpha"]
    assert client.get(reverse("reviews:vendor", kwargs={"code": "bravo"})).status_code == 404
    assert client.get(reverse("reviews:pack-pdf", kwargs={"code": "bravo"})).status_code == 404
    assert client.get("/api/reviews/scorecards/bravo").status_code == 404
    body = client.get("/api/reviews/scorecards?month=2026-02").json()
    assert [v["vendor"] for v in body["vendors"]] == ["alpha"]


def test_vendor_page_drills_down(client, scored):
    client.force_login(scored.user("outsourcing_manager"))
    r = client.get(reverse("reviews:vendor", kwargs={"code": "alpha"}), {"month": "2026-02"}, HTTP_ACCEPT_LANGUAGE="en")
    html = r.content.decode()
    assert 'data-testid="drill-sla"' in html and "Alpha slow answers" in html
    assert 'data-testid="pack-pdf"' in html
    r = client.get(reverse("reviews:vendor", kwargs={"code": "alpha"}), {"month": "2026-13"})
    assert r.status_code == 200 and r.context["error"]
    for far in ("9999-12", "0001-01"):  # the calendar's ends: a clear error, not an overflow
        for page in (reverse("reviews:vendor", kwargs={"code": "alpha"}), reverse("reviews:board")):
            r = client.get(page, {"month": far})
            assert r.status_code == 200 and r.context["error"], (page, far)
    assert client.get("/api/reviews/scorecards/alpha?month=9999-12").status_code == 400


def test_api_scorecard_numbers(client, scored):
    client.force_login(scored.user("finance"))
    body = client.get("/api/reviews/scorecards/alpha?month=2026-02").json()
    points = sum(Decimal(c["points"]) for c in body["components"])
    assert points == Decimal(body["total"])


def test_weights_page(client, scored):
    client.force_login(scored.user("outsourcing_manager"))
    r = client.post(reverse("reviews:weights"), {"sla": "0", "qa": "0", "csat": "0", "capa": "0", "compliance": "0"})
    assert r.status_code == 200  # all zero: refused
    r = client.post(reverse("reviews:weights"), {"sla": "50", "qa": "20", "csat": "20", "capa": "5", "compliance": "5"})
    assert r.status_code == 302 and selectors.weights_dict()["sla"] == Decimal(50)
    client.force_login(scored.user("a-manager"))
    assert client.get(reverse("reviews:weights")).status_code == 403


def _more_vendors_on_one_project(world, codes, with_data):
    """Vendors sharing one project; those in ``with_data`` get a contract, contacts and a CAPA."""
    vendors = [new_vendor(code) for code in codes]
    project = new_project("many-vendors", vendors)
    for v in vendors:
        if v.code in with_data:
            add_vendor_data(world, v, project)
    return vendors, project


def add_vendor_data(world, vendor, project):
    helpers.contract(world, vendor, project, code=f"{vendor.code}-2026")
    helpers.month_of_contacts(world, vendor, project, seed=len(vendor.code), base=20)
    helpers.capa(world, vendor, project, f"{vendor.code} slow answers")


def test_board_scores_are_each_vendors_own_scorecard(scored):
    """The board reads for all its vendors at once; each row is still that vendor's scorecard."""
    _more_vendors_on_one_project(scored, ["charlie", "delta"], with_data={"charlie", "delta"})
    admin = scored.user("client_admin")
    rows = selectors.scoreboard(user=admin, month=helpers.MONTH, trend_months=2)
    assert sorted(r.vendor.code for r in rows) == ["alpha", "bravo", "charlie", "delta"]
    for row in rows:
        assert row.score == selectors.scorecard(user=admin, vendor=row.vendor, month=helpers.MONTH)
        january = selectors.scorecard(user=admin, vendor=row.vendor, month=dt.date(2026, 1, 1)).total
        assert row.trend == [(dt.date(2026, 1, 1), january), (helpers.MONTH, row.score.total)]


def test_board_queries_do_not_grow_with_its_vendors(client, scored, django_assert_max_num_queries):
    """Each of the board's reads is made once for all its vendors (grouped by vendor), not once
    per vendor and month: three more vendors with data on the same project cost no query."""
    vendors, project = _more_vendors_on_one_project(scored, ["charlie", "delta", "echo", "foxtrot"],
                                                    with_data={"charlie"})
    client.force_login(scored.user("outsourcing_manager"))
    url = reverse("reviews:board")
    with CaptureQueriesContext(connection) as few:
        assert client.get(url, {"month": "2026-02"}).status_code == 200
    for v in vendors[1:]:
        add_vendor_data(scored, v, project)
    with django_assert_max_num_queries(len(few)):
        r = client.get(url, {"month": "2026-02"})
    assert len(r.context["rows"]) == 6 and all(row.score.total is not None for row in r.context["rows"])
