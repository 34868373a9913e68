"""Two answers that must not depend on the database: the explorer's sort by a column that may
be empty (CSAT, wait) lists the empty ones last both ways, and a NUL in an API batch's project,
vendor or profile is a clear 4xx, not PostgreSQL's 500."""

import json

import pytest
from django.db import transaction

from steward.interactions import services

RECORDS = [
    {"external_id": "S-1", "channel": "voice", "arrived_at": "2025-03-03T09:00:00+08:00", "csat": 5, "wait_seconds": 9},
    {"external_id": "S-2", "channel": "voice", "arrived_at": "2025-03-03T10:00:00+08:00"},
    {"external_id": "S-3", "channel": "voice", "arrived_at": "2025-03-03T11:00:00+08:00", "csat": 1, "wait_seconds": 3},
]


@pytest.mark.parametrize("column", ["csat", "wait_seconds"])
def test_empty_values_sort_last_both_ways(client, world, column):
    services.import_records(actor=None, project=world.project_a, vendor=world.vendor_a, records=RECORDS,
                            idempotency_key="sort")
    client.force_login(world.user("client_admin"))
    for sort, expected in ((f"-{column}", ["S-1", "S-3", "S-2"]), (column, ["S-3", "S-1", "S-2"])):
        page = client.get("/interactions/", {"sort": sort})
        assert [i.external_id for i in page.context["page"]] == expected, sort


@pytest.mark.parametrize("field", ["project", "vendor", "profile"])
def test_a_nul_in_a_batchs_names_is_a_clear_refusal(client, world, field):
    client.raise_request_exception = False
    client.force_login(world.user("client_admin"))
    body = {"project": world.project_a.code, "vendor": world.vendor_a.code, "profile": "generic",
            "records": RECORDS[:1], field: "x\x00y"}
    with transaction.atomic():
        answer = client.post("/api/interactions/batches", json.dumps(body), content_type="application/json",
                             HTTP_IDEMPOTENCY_KEY=f"nul-{field}", HTTP_ACCEPT_LANGUAGE="en")
    assert 400 <= answer.status_code < 500, answer.content[:300]
    assert "must not contain the NUL character" in answer.content.decode()
