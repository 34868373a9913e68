from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from steward.core import services
from steward.core.models import ApiToken


def bearer(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_a_token_acts_as_its_user_and_sees_only_their_vendor(client, world):
    _, key = services.api_token_create(user=world.user("a-manager"), name="etl", scopes=["read"])
    response = client.get("/api/vendors", **bearer(key))
    assert response.status_code == 200
    assert [v["code"] for v in response.json()] == ["alpha"]
    assert client.get("/api/vendors/bravo", **bearer(key)).status_code == 404


def test_only_a_hash_of_the_key_is_stored(world):
    token, key = services.api_token_create(user=world.user("auditor"), name="x", scopes=["read"])
    assert key.startswith("stw_") and len(key) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert key not in (stored.key_hash, stored.key_hint) and stored.key_hash == ApiToken.hash_key(key)


@pytest.mark.parametrize("key", ["", "stw_nonsense", "Basic abc"])
def test_unknown_or_malformed_keys_are_401(client, db, key):
    assert client.get("/api/vendors", **bearer(key)).status_code == 401


def test_expired_and_revoked_tokens_stop_working(client, world):
    user = world.user("auditor")
    token, key = services.api_token_create(user=user, name="x", scopes=["read"], expires_in_days=1)
    assert client.get("/api/me", **bearer(key)).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/api/me", **bearer(key)).status_code == 401
    token2, key2 = services.api_token_create(user=user, name="y", scopes=["read"])
    services.api_token_revoke(actor=user, token=token2)
    assert client.get("/api/me", **bearer(key2)).status_code == 401


def test_a_deactivated_users_token_stops_working(client, world):
    user = world.user("auditor")
    _, key = services.api_token_create(user=user, name="x", scopes=["read"])
    user.is_active = False
    user.save()
    assert client.get("/api/me", **bearer(key)).status_code == 401


def test_read_scope_cannot_write(client, world):
    _, key = services.api_token_create(user=world.user("client_admin"), name="ro", scopes=["read"])
    response = client.post("/api/vendors", {}, content_type="application/json", **bearer(key))
    assert response.status_code in (403, 405)


def test_rate_limit_per_token(client, world):
    token, key = services.api_token_create(user=world.user("auditor"), name="x", scopes=["read"])
    ApiToken.objects.filter(pk=token.pk).update(rate_limit_per_minute=3)
    statuses = [client.get("/api/me", **bearer(key)).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    limited = client.get("/api/me", **bearer(key))
    assert limited.status_code == 429 and 0 < int(limited["Retry-After"]) <= 60
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_others_cannot_revoke_your_token(world):
    token, _ = services.api_token_create(user=world.user("a-manager"), name="x", scopes=["read"])
    with pytest.raises(PermissionDenied):
        services.api_token_revoke(actor=world.user("a-agent1"), token=token)
    services.api_token_revoke(actor=world.user("client_admin"), token=token)  # administrators may


def test_bad_scopes_and_lifetimes_are_refused(world):
    with pytest.raises(ValidationError):
        services.api_token_create(user=world.user("auditor"), name="x", scopes=["admin"])
    with pytest.raises(ValidationError):
        services.api_token_create(user=world.user("auditor"), name="x", scopes=["read"], expires_in_days=1000)


def test_token_page_shows_the_key_once_and_lists_only_own_tokens(client, world):
    services.api_token_create(user=world.user("b-manager"), name="bravo secret pipeline", scopes=["read"])
    client.force_login(world.user("a-manager"))
    response = client.post(reverse("api-tokens"), {"name": "mine", "scopes": ["read"], "expires_in_days": 30})
    page = response.content.decode()
    key = page.split('data-testid="new-token">')[1].split("<")[0]
    assert response.status_code == 200 and key.startswith("stw_") and ApiToken.objects.filter(user__username="a-manager").count() == 1
    assert response["Cache-Control"] == "no-store"
    assert "bravo secret pipeline" not in page
    listing = client.get(reverse("api-tokens")).content.decode()
    assert "mine" in listing and key[:8] in listing and key not in listing


def test_revoking_through_the_page(client, world):
    from django.test import Client

    api_client = Client()  # no session: only the token authenticates
    user = world.user("a-manager")
    token, key = services.api_token_create(user=user, name="old", scopes=["read"])
    client.force_login(user)
    assert api_client.get("/api/me", **bearer(key)).status_code == 200
    assert client.post(reverse("api-token-revoke", kwargs={"pk": token.pk})).status_code == 302
    assert api_client.get("/api/me", **bearer(key)).status_code == 401
    other, _ = services.api_token_create(user=world.user("b-manager"), name="b", scopes=["read"])
    assert client.post(reverse("api-token-revoke", kwargs={"pk": other.pk})).status_code == 404
