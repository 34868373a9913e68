"""The KPI cache in a shared Redis (STEWARD_CACHE_URL): a result one web worker computed is
read by another process's cache client, and a cache that cannot be reached never fails a page —
the engine computes instead. Uses the machine's Redis (127.0.0.1:6379, database 15)."""

import datetime as dt
import socket

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache

from steward.interactions import services as interactions
from steward.metrics import engine
from tests.metrics.test_kpi_cache import TZ, contacts, reads_rollups

REDIS = "redis://127.0.0.1:6379/15"


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=1).close()
        return True
    except OSError:
        return False


def redis_cache(settings, location: str) -> None:
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": location, "KEY_PREFIX": "steward-test"}}
    settings.STEWARD_KPI_CACHE_SECONDS = 600  # (changing CACHES resets Django's cache handlers)


@pytest.fixture
def project(world, make_project):
    project = make_project("shared", [world.vendor_a])
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=contacts("s", 5),
                                idempotency_key="s-a", allow_rejects=False)
    return project


def stats(user, project):
    p = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), TZ)
    return engine.contact_stats(user=user, project=project, period=p)


@pytest.mark.skipif(not redis_up(), reason="no Redis server on 127.0.0.1:6379")
def test_a_result_computed_by_one_worker_is_read_by_another(world, project, settings):
    redis_cache(settings, REDIS)
    caches["default"].clear()
    admin = world.user("client_admin")
    first = stats(admin, project)
    assert first[()].offered == 5
    # Another process: its own client to the same server, nothing in its memory.
    other = RedisCache(REDIS, {"KEY_PREFIX": "steward-test"})
    keys = other._cache.get_client().keys("steward-test:*kpi*")
    assert len(keys) == 1
    assert not reads_rollups(lambda: stats(admin, project))  # served from Redis
    assert stats(admin, project) == first
    caches["default"].clear()


def test_an_unreachable_cache_is_computed_around(world, project, settings, caplog):
    redis_cache(settings, "redis://127.0.0.1:9/0")  # the discard port: nothing listens
    admin = world.user("client_admin")
    assert stats(admin, project)[()].offered == 5
    assert reads_rollups(lambda: stats(admin, project))
    assert "KPI cache" in caplog.text
