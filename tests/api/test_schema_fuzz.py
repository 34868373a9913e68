"""Schemathesis against the OpenAPI schema, through the WSGI app: for every operation, generated
requests (with a client administrator's read-write token) never get a server error, and every
documented answer matches its schema."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from steward.core import services as core_services
from steward.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/openapi.json", application)


@pytest.fixture(autouse=True)
def keep_the_test_connection():
    """A WSGI request closes old connections when it starts and ends; on PostgreSQL that would
    close the test's transaction. Django's own test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(world):
    record, key = core_services.api_token_create(user=world.user("client_admin"), name="fuzz",
                                                 scopes=["read", "write"])
    record.rate_limit_per_minute = 1_000_000
    record.save(update_fields=["rate_limit_per_minute"])
    return key


@schema.parametrize()
@settings(max_examples=8, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_and_answers_match_the_schema(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                           checks=[not_a_server_error, response_schema_conformance])
