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
