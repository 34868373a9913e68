"""Pricing-model comparison: every pricing model priced by hand for one month's volumes, the
expected SLA credit from the vendor's recent months (hand-computed), the ranking, volumes from
the workforce forecast, and the page and API."""

import datetime as dt
from decimal import Decimal as D
from fractions import Fraction

import pytest

from steward.contracts import estimate, selectors, services
from steward.contracts.pricing import Rounding, RoundingMode
from tests.contracts.test_invoices import alpha  # noqa: F401 (fixture)

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HALF_UP = Rounding()


def perf(month, fee, credit, bonus="0", has_data=True, pct=10):
    fee = D(fee)
    return estimate.MonthPerformance(dt.date(2025, month, 1), fee, (fee * pct / 100).quantize(D("0.01")), D(credit),
                                     D(bonus), (), has_data)


def test_expected_credit_is_the_mean_share_of_the_pool_over_months_with_data():
    # base 10,000, 10 % at risk → pool 1,000. January: 300 of a 1,000 pool (0.3); February: 0 of
    # 1,000 and a bonus of 200 on a fee of 10,000 (0.02); March: no data, not counted.
    # credit share = (0.3 + 0) / 2 = 0.15 → 150.00; bonus share = (0 + 0.02) / 2 = 0.01 → 100.00;
    # net = 10,000 − 150 + 100 = 9,950.00; per contact at 2,000 handled = 4.975 → 4.98
    months = [perf(1, "10000", "300"), perf(2, "10000", "0", bonus="200"), perf(3, "10000", "0", has_data=False)]
    est = estimate.expected_credit(base=D("10000"), at_risk_percent=D(10), months=months, rounding=HALF_UP)
    assert (est.pool, est.credit_share, est.credit, est.bonus) == (D("1000.00"), Fraction(3, 20), D("150.00"),
                                                                   D("100.00"))
    assert est.credit_percent == D("15.0") and len(est.used) == 2
    c = estimate.Candidate("x", D("10000.00"), estimate=est, handled=2000)
    assert (c.net, c.per_contact) == (D("9950.00"), D("4.98"))


def test_expected_credit_under_the_contracts_rounding_and_never_above_the_pool():
    # pool 12 % of 1,234.50 = 148.14 (rounded down); one month forfeited all of its pool, one a
    # third: share 2/3 → 98.76 to the cent; to a whole unit half even: pool 148, 98.67 → 99
    months = [perf(1, "1000", "120", pct=12), perf(2, "1000", "40", pct=12)]
    cent = estimate.expected_credit(base=D("1234.50"), at_risk_percent=D(12), months=months, rounding=HALF_UP)
    assert (cent.pool, cent.credit) == (D("148.14"), D("98.76"))
    unit = estimate.expected_credit(base=D("1234.50"), at_risk_percent=D(12), months=months,
                                    rounding=Rounding(RoundingMode.HALF_EVEN, D("1")))
    assert (unit.pool, unit.credit) == (D("148.00"), D("99.00"))
    full = estimate.expected_credit(base=D("1234.50"), at_risk_percent=D(12), rounding=Rounding(RoundingMode.UP),
                                    months=[perf(1, "1000", "120", pct=12)])
    assert full.credit == full.pool == D("148.14")
    none = estimate.expected_credit(base=D("500"), at_risk_percent=D(10), rounding=HALF_UP,
                                    months=[perf(1, "10", "1", has_data=False)])
    assert (none.credit, none.bonus, none.used) == (D("0.00"), D("0.00"), ())


def test_ranking_puts_the_cheapest_net_first_and_unpriceable_last():
    a = estimate.Candidate("a", D("100"))
    b = estimate.Candidate("b", None, error="no rate")
    c = estimate.Candidate("c", D("90"))
    assert [x.key for x in estimate.ranked([a, b, c])] == ["c", "a", "b"]


@pytest.fixture
def candidates(world, make_contract):
    """One contract per pricing model, all from 2025-01-01."""
    finance = world.user("finance")
    specs = [
        ("m-fte", "per_fte", world.vendor_a, [("fte_month", "9000")]),
        ("m-contact", "per_contact", world.vendor_a, [("handled_contact", "4.00")]),
        ("m-minute", "per_minute", world.vendor_b, [("minute", "0.85")]),
        ("m-resolved", "per_resolved", world.vendor_b, [("resolved_ticket", "7.5")]),
        ("m-fixed", "fixed", world.vendor_b, [("fixed_month", "31000")]),
        ("m-hybrid", "hybrid", world.vendor_a, [("fixed_month", "20000"), ("handled_contact", "3.5"),
                                                ("minimum_month", "40000")]),
    ]
    out = {}
    for code, model, vendor, rates in specs:
        contract = make_contract(code=code, vendor=vendor, projects=[world.shared], pricing_model=model)
        for component, amount in rates:
            services.rate_add(actor=finance, contract=contract, component=component, amount=D(amount),
                              effective_from=dt.date(2025, 1, 1))
        out[code] = contract
    make_contract(code="m-ended", status="ended", pricing_model="fixed")  # not a candidate
    return out


VOLUMES = selectors.Volumes(3200, 3000, D("15000"), 1800, D("12.5"), "entered")


def test_every_pricing_model_priced_by_hand(world, candidates):
    result = selectors.pricing_comparison(user=world.user("finance"), project=world.shared, month=dt.date(2025, 6, 1),
                                          volumes=VOLUMES, today_=dt.date(2025, 6, 10))
    rows = {r.contract.code: r.candidate for r in result["rows"]}
    assert "m-ended" not in rows
    # per FTE 12.5 × 9,000 = 112,500; per contact 3,000 × 4 = 12,000; per minute 15,000 × 0.85 =
    # 12,750; per resolved 1,800 × 7.5 = 13,500; fixed 31,000; hybrid 20,000 + 3,000 × 3.5 =
    # 30,500 below the minimum 40,000 → top-up 9,500, base 40,000. No SLA: no credit.
    assert {k: c.base for k, c in rows.items()} == {
        "m-fte": D("112500.00"), "m-contact": D("12000.00"), "m-minute": D("12750.00"),
        "m-resolved": D("13500.00"), "m-fixed": D("31000.00"), "m-hybrid": D("40000.00")}
    hybrid = rows["m-hybrid"]
    assert (hybrid.usage_total, hybrid.minimum, hybrid.top_up) == (D("30500.00"), D("40000.00"), D("9500.00"))
    assert [r.contract.code for r in result["rows"]] == ["m-contact", "m-minute", "m-resolved", "m-fixed",
                                                         "m-hybrid", "m-fte"]
    assert rows["m-contact"].per_contact == D("4.00") and rows["m-contact"].credit == D("0.00")
    with_ended = selectors.pricing_comparison(user=world.user("finance"), project=world.shared,
                                              month=dt.date(2025, 6, 1), volumes=VOLUMES, include_ended=True)
    ended = {r.contract.code: r.candidate for r in with_ended["rows"]}["m-ended"]
    assert ended.base is None and "rate" in ended.error  # no rate: shown, never a silent zero


def test_expected_credit_from_the_vendors_recent_months(world, alpha):  # noqa: F811
    # alpha: 4.00 a contact, SLA service level ≥ 0.80 for 100 % of a 10 % pool. March 2025:
    # service level 0 → the whole pool forfeited; January and February: no data, not counted.
    # Priced for 3,000 contacts in April: base 12,000, pool 1,200, expected credit 1,200 (share 1),
    # net 10,800, 3.60 a contact.
    result = selectors.pricing_comparison(user=world.user("finance"), project=world.project_a,
                                          month=dt.date(2025, 4, 1), volumes=VOLUMES, today_=dt.date(2025, 4, 10))
    row = {r.contract.code: r for r in result["rows"]}["alpha-2025"]
    c = row.candidate
    assert result["months"] == [dt.date(2025, 1, 1), dt.date(2025, 2, 1), dt.date(2025, 3, 1)]
    assert [m.has_data for m in c.estimate.months] == [False, False, True]
    assert (c.base, c.estimate.pool, c.credit, c.net, c.per_contact) == (
        D("12000.00"), D("1200.00"), D("1200.00"), D("10800.00"), D("3.60"))
    assert row.performance_project == "alpha-only"
    assert "0.80" in c.estimate.months[2].missed[0]
    # One month back (March only) gives the same; four months back still counts only March.
    one = selectors.pricing_comparison(user=world.user("finance"), project=world.project_a, months_back=1,
                                       month=dt.date(2025, 4, 1), volumes=VOLUMES, today_=dt.date(2025, 4, 10))
    assert one["rows"][0].candidate.credit == D("1200.00")


def test_page_and_api(client, world, alpha):  # noqa: F811
    client.force_login(world.user("finance"))
    url = ("/costs/compare/?project=alpha-only&month=2025-04&source=entered&handled_contacts=3000&minutes=15000"
           "&resolved_tickets=1800&fte=12.5&months_back=3")
    page = client.get(url, **EN)
    html = page.content.decode()
    assert page.status_code == 200 and 'data-testid="pricing-comparison"' in html
    assert "Per handled contact" in html and "alpha-2025" in html and "How these figures were computed" in html
    api = client.get("/api/costs/comparison?project=alpha-only&month=2025-04&handled_contacts=3000"
                     "&minutes=15000&resolved_tickets=1800&fte=12.5")
    assert api.status_code == 200, api.content
    row = api.json()["rows"][0]
    assert (row["contract"], D(str(row["base_price"]))) == ("alpha-2025", D("12000.00"))
    assert len(row["performance_months"]) == 3
    assert client.get("/api/costs/comparison?project=nope&month=2025-04").status_code == 400
    assert client.get("/api/costs/comparison?project=alpha-only&month=2025-04&source=forecast").status_code == 400
    forecast = client.get("/costs/compare/?project=alpha-only&month=2020-01&source=forecast", **EN)
    assert "choose a month that has not begun" in forecast.content.decode()


def test_volumes_from_the_workforce_forecast(world):
    from steward.workforce import selectors as wf
    from tests.workforce import rollups

    # 42 days of synthetic history (every contact answered in 240 s and resolved).
    today = dt.date(2025, 5, 20)
    rollups.load(world.project_a, world.vendor_a, end=today - dt.timedelta(days=1), days=42, base=200)
    finance = world.user("finance")
    v = selectors.forecast_volumes(user=finance, project=world.project_a, month=dt.date(2025, 6, 1), today_=today)
    pf = wf.project_forecast(user=finance, project=world.project_a, horizon_days=42, today=today)
    june = [i for i, d in enumerate(pf.forecast.days) if d.month == 6]
    offered = float(pf.forecast.daily[june].sum())
    assert len(june) == 30 and v.source == "forecast" and v.offered == round(offered)
    assert v.handled_contacts == round(offered)  # all answered in the last 28 days
    assert v.minutes == D(v.handled_contacts) * 4  # 240 s each
    assert v.resolved_tickets == v.handled_contacts  # all resolved
    assert v.fte > 0 and "2025-06" in v.explanation
    with pytest.raises(selectors.ForecastUnavailable):
        selectors.forecast_volumes(user=finance, project=world.project_a, month=dt.date(2025, 5, 1), today_=today)
    with pytest.raises(selectors.ForecastUnavailable):
        selectors.forecast_volumes(user=finance, project=world.project_a, month=dt.date(2025, 12, 1), today_=today)
