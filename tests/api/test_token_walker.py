"""The isolation walker, through API tokens: every API route, called with a personal token of
each vendor-side role (no browser session), shows nothing of another vendor or agent; the
tokens of every client role answer every route without a server error."""

import ahocorasick_rs
import pytest
from django.test import Client

from steward.core import services as core_services
from steward.core.roles import CLIENT_ROLES
from tests.test_isolation_walker import (  # noqa: F401 (walked_world is a fixture)
    PAIRS,
    concrete_urls,
    response_text,
    secret_markers,
    walk_patterns,
    walked_world,
)


def _token_client(user) -> Client:
    token, key = core_services.api_token_create(user=user, name="walker", scopes=["read"])
    token.rate_limit_per_minute = 1_000_000
    token.save(update_fields=["rate_limit_per_minute"])
    return Client(HTTP_AUTHORIZATION=f"Bearer {key}")


def _api_urls(viewer, other, unfillable: list):
    """Every API route with its parameters filled; a route the walker cannot fill is noted in
    `unfillable` (and fails the test at the end) instead of hiding the routes after it."""
    pools_by_name = {}
    for route, pattern, name in walk_patterns():
        if route.startswith("api/"):
            try:
                urls = list(concrete_urls(route, pattern, name, viewer, other, pools_by_name))
            except AssertionError as error:
                unfillable.append(str(error).splitlines()[0])
                continue
            yield from urls


@pytest.mark.parametrize("viewer_name,other_name", PAIRS)
def test_no_token_of_a_vendor_role_reads_another_partys_data(walked_world, viewer_name, other_name):  # noqa: F811
    viewer, other = walked_world.user(viewer_name), walked_world.user(other_name)
    markers = secret_markers(viewer, other)
    scanner = ahocorasick_rs.AhoCorasick(sorted(markers))
    client = _token_client(viewer)
    walked, leaks, unfillable = 0, [], []
    for url, used in _api_urls(viewer, other, unfillable):
        response = client.get(url)
        assert response.status_code < 500, f"{url} answered {response.status_code}"
        assert response.status_code != 401, f"{url}: the token was not accepted"
        found = {m for m in scanner.find_matches_as_strings(response_text(response)) if m not in used}
        if found:
            leaks.append(f"{url} [{response.status_code}] shows {sorted(found)[:5]}")
        walked += 1
    assert not leaks, "\n".join(leaks)
    assert walked >= 20
    assert not unfillable, "\n".join(unfillable)


def test_every_client_roles_token_answers_every_api_route(walked_world):  # noqa: F811
    other = walked_world.user("b-manager")
    unfillable = []
    for role in sorted(CLIENT_ROLES):
        viewer = walked_world.user(role.value)
        client = _token_client(viewer)
        for url, _ in _api_urls(viewer, other, unfillable):
            response = client.get(url)
            assert response.status_code < 500, f"{role}: {url} answered {response.status_code}"
            assert response.status_code != 401, f"{role}: {url}: the token was not accepted"
    assert not unfillable, "\n".join(sorted(set(unfillable)))


def test_a_read_token_cannot_write(walked_world):  # noqa: F811
    client = _token_client(walked_world.user("outsourcing_manager"))
    response = client.post("/api/improvement/capas", {"vendor": "alpha"}, content_type="application/json")
    assert response.status_code == 403
