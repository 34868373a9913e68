"""API authentication: personal tokens (Authorization: Bearer stw_...) or the browser session."""

from django.db.models import F
from django.utils import timezone
from ninja.security import HttpBearer

from steward.core.models import ApiToken

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class ScopeDenied(Exception):
    """The token is valid but lacks the scope the request needs."""


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        self.retry_after = retry_after


def take_from_rate_limit(token: ApiToken, now) -> bool:
    """Count one request in the token's current minute; False when the minute's budget is spent.

    Two single-row UPDATEs, each atomic in the database, so concurrent processes never
    over-admit: the first opens a new window unless this minute's is already open, the second
    admits the request only while the count is below the limit.
    """
    window = now.replace(second=0, microsecond=0)
    ApiToken.objects.filter(pk=token.pk).exclude(window_start=window).update(window_start=window, window_count=0)
    return bool(
        ApiToken.objects.filter(pk=token.pk, window_start=window, window_count__lt=token.rate_limit_per_minute)
        .update(window_count=F("window_count") + 1, last_used_at=now)
    )


class TokenAuth(HttpBearer):
    def authenticate(self, request, key):
        token = (
            ApiToken.objects.select_related("user", "user__vendor")
            .filter(key_hash=ApiToken.hash_key(key))
            .first()
        )
        now = timezone.now()
        if token is None or not token.is_active_at(now) or not token.user.is_active:
            return None
        if request.method not in SAFE_METHODS and ApiToken.Scope.WRITE not in token.scopes:
            raise ScopeDenied
        if not take_from_rate_limit(token, now):
            raise RateLimited(retry_after=60 - now.second)
        request.user = token.user
        request.api_token = token
        return token
