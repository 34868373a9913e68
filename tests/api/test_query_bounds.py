"""Query values a fuzzer sent that reached the database or the calendar unbounded (500 on
PostgreSQL): an offset past bigint, a date with no UTC instant for its day. Each is now a 4xx."""

import pytest

from tests.api.test_core_writes import api_client


@pytest.fixture
def admin(world):
    client = api_client(world.user("client_admin"))
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("path", ["/api/quality/evaluations", "/api/quality/compliance/hits",
                                  "/api/quality/coachings"])
def test_an_offset_past_bigint_is_refused(admin, path):
    assert admin.get(path, {"offset": 2**63}).status_code == 422
    assert admin.get(path, {"offset": 10}).status_code == 200


@pytest.mark.parametrize("query", [{"date_to": "9999-12-31"}, {"date_from": "0001-01-01"}])
def test_compliance_hits_refuse_dates_outside_the_calendar(admin, query):
    assert admin.get("/api/quality/compliance/hits", query).status_code == 422


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31"])
def test_the_portfolio_refuses_a_period_with_no_utc_instant(admin, day):
    answer = admin.get("/api/metrics/portfolio", {"date_from": day, "date_to": day})
    assert answer.status_code == 400 and "supported dates" in answer.json()["detail"]


@pytest.fixture
def kpi_url(world, make_project):
    return f"/api/metrics/{make_project('bounds', [world.vendor_a]).code}/kpi"


@pytest.mark.parametrize("first,last,refusal", [
    ("9999-12-30", "9999-12-30", "supported dates"),  # a day whose month or week overflows
    ("1899-12-31", "1900-01-31", "supported dates"),
    ("1900-01-01", "2199-12-31", "longer than"),  # would read 3,600 months of rollup rows
    ("2000-01-01", "2020-01-10", "longer than"),
])
def test_a_kpi_period_outside_the_supported_years_or_too_long_is_refused(admin, kpi_url, first, last, refusal):
    answer = admin.get(kpi_url, {"date_from": first, "date_to": last})
    assert answer.status_code == 400 and refusal in answer.json()["detail"]
    assert admin.get(kpi_url, {"date_from": "2005-01-01", "date_to": "2024-12-31"}).status_code == 200


def test_the_engines_refusal_is_in_the_readers_language(admin, kpi_url):
    query = {"date_from": "9999-12-30", "date_to": "9999-12-30"}
    assert admin.get(kpi_url, query, HTTP_ACCEPT_LANGUAGE="zh-hans").json()["detail"] == "周期超出了支持的日期范围（1900–2199 年）"
    assert admin.get(kpi_url, query, HTTP_ACCEPT_LANGUAGE="en").json()["detail"] == (
        "the period is outside the supported dates (1900–2199)")
