"""Every write route of the API refuses a JSON body holding NUL with a clear 422, before it runs.

PostgreSQL can neither store nor look up text holding NUL (psycopg raises, the route answered 500),
and SQLite stores it silently; core.middleware refuses NUL in paths, queries and forms, and
steward.api.writes.Payload in JSON bodies. The walk covers every operation of the OpenAPI schema,
so a route added later with a plain Schema body fails here."""

import json
import re

import pytest
from django.test import Client

from steward.api.api import api
from steward.core import services as core_services


def _json_operations():
    schema = api.get_openapi_schema()
    components = schema["components"]["schemas"]
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is None:
                continue
            ref = body["schema"].get("$ref", "")
            properties = components[ref.rsplit("/", 1)[-1]].get("properties", {}) if ref else {}
            yield method, path, sorted(properties)


OPERATIONS = list(_json_operations())


def test_the_walk_sees_the_write_routes():
    assert len(OPERATIONS) > 80
    assert ("post", "/api/interactions/batches") in {(m, p) for m, p, _f in OPERATIONS}


@pytest.fixture
def token_client(world):
    _record, key = core_services.api_token_create(user=world.user("client_admin"), name="nul",
                                                  scopes=["read", "write"])
    client = Client(HTTP_AUTHORIZATION=f"Bearer {key}", HTTP_ACCEPT_LANGUAGE="en")
    client.raise_request_exception = False
    return client


@pytest.mark.parametrize("method, path, fields", OPERATIONS, ids=[f"{m} {p}" for m, p, _f in OPERATIONS])
def test_a_nul_in_a_json_body_is_a_422_naming_it(token_client, method, path, fields):
    url = re.sub(r"\{[^}]+\}", "1", path)
    # NUL in every field the body declares, and in a nested list, where a route takes one.
    body = {field: "x\x00y" for field in fields} or {"text": "x\x00y"}
    body["extra"] = [{"inner": "\x00"}]
    answer = getattr(token_client, method)(url, json.dumps(body), content_type="application/json",
                                           HTTP_IDEMPOTENCY_KEY=f"nul-{method}-{path}")
    assert answer.status_code == 422, (answer.status_code, answer.content[:300])
    assert "must not contain the NUL character" in answer.content.decode()


def test_a_nul_only_in_nested_content_is_refused_too(token_client, world):
    answer = token_client.post("/api/quality/compliance/scan", json.dumps({"project": world.project_a.code, "text": "ok",
                                                                 "notes": ["fine", {"deep": ["a\x00"]}]}),
                               content_type="application/json")
    assert answer.status_code == 422 and "NUL" in answer.content.decode()


def test_a_body_without_nul_still_reaches_the_route(token_client, world):
    answer = token_client.post("/api/quality/compliance/scan", json.dumps({"project": world.project_a.code, "text": "hello"}),
                               content_type="application/json")
    assert answer.status_code == 200, answer.content[:300]
