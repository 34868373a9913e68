"""Numbers typed into a query or a form: str.isdigit() accepts '²' (and int() then refuses it),
and a 20-digit number overflows PostgreSQL's bigint. Such input is ignored or not found; never a 500."""

import pytest

from steward.core.pages import whole_number
from steward.metrics.models import AlertChannel


@pytest.mark.parametrize("text, limit, expected", [
    ("12", None, 12), (" 7 ", None, 7), ("0", None, 0), ("²", None, None), ("٣", None, None), ("-1", None, None),
    ("", None, None), ("1.5", None, None), ("99999999999999999999", None, None), ("9223372036854775807", None,
                                                                                  9223372036854775807),
    ("6", 5, None), ("5", 5, 5),
])
def test_whole_number(text, limit, expected):
    assert (whole_number(text) if limit is None else whole_number(text, limit=limit)) == expected


ODD = ["²", "٣", "99999999999999999999", "-1", "x"]


@pytest.mark.parametrize("value", ODD)
def test_pages_that_read_numbers_refuse_odd_ones_cleanly(client, world, value):
    client.force_login(world.user("client_admin"))
    assert client.get("/improvement/risks/", {"likelihood": value, "impact": value}).status_code == 200
    assert client.post("/metrics/alerts/channels/", {"toggle": value}).status_code == 404
    assert client.get("/metrics/holidays/", {"year": value}).status_code == 200
    assert client.post("/metrics/holidays/", {"delete": value, "confirm": "yes"}).status_code == 404
    assert not AlertChannel.objects.exists()


@pytest.mark.parametrize("value", ODD)
def test_a_plans_task_filter_ignores_an_odd_assignee(world, value):
    import datetime as dt

    from steward.planning import selectors, services

    admin = world.user("client_admin")
    plan = services.plan_create(actor=admin, project=world.project_a, start_date=dt.date(2026, 12, 1))
    everything = list(selectors.tasks(user=admin, plan=plan))
    assert everything and list(selectors.tasks(user=admin, plan=plan, assignee=value)) == everything
