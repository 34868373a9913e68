"""Cached KPI results (engine._memo): served again only for the same rollup version, reader
visibility and arguments; an import, an undo or a rebuild makes the next read compute anew."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from steward.interactions import services as interactions
from steward.interactions.models import ImportBatch
from steward.metrics import engine

TZ = "Asia/Shanghai"


def contacts(prefix: str, n: int) -> list[dict]:
    return [{"external_id": f"{prefix}{i}", "channel": "voice", "arrived_at": f"2025-03-0{1 + i % 5}T10:00:00+08:00",
             "wait_seconds": 5 * i, "talk_seconds": 60, "abandoned": "false"} for i in range(n)]


@pytest.fixture
def cached(settings):
    settings.STEWARD_KPI_CACHE_SECONDS = 600
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def project(world, make_project):
    project = make_project("cached", [world.vendor_a, world.vendor_b])
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=contacts("a", 6),
                                idempotency_key="c-a", allow_rejects=False)
    interactions.import_records(actor=None, project=project, vendor=world.vendor_b, records=contacts("b", 4),
                                idempotency_key="c-b", allow_rejects=False)
    return project


def offered(user, project, **kwargs):
    p = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), TZ)
    return engine.contact_stats(user=user, project=project, period=p, **kwargs)[()].offered


def reads_rollups(fn) -> bool:
    """Whether fn() queried a rollup table (else it was answered from the cache)."""
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return any(table in q["sql"] for q in ctx.captured_queries
               for table in ("interactions_calendar", "interactions_interval", "interactions_rollupbucket",
                             'interactions_rollup"'))


def test_a_repeat_is_served_from_the_cache_and_a_write_invalidates_it(world, project, cached):
    admin = world.user("client_admin")
    assert offered(admin, project) == 10
    assert not reads_rollups(lambda: offered(admin, project))  # the version token only
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=contacts("late", 3),
                                idempotency_key="c-late", allow_rejects=False)
    assert offered(admin, project) == 13
    interactions.batch_undo(actor=None, batch=ImportBatch.objects.get(idempotency_key="c-late"))
    assert offered(admin, project) == 10
    interactions.rollups_rebuild()
    assert offered(admin, project) == 10


def test_the_cache_never_crosses_readers_or_arguments(world, project, cached):
    admin, alpha = world.user("client_admin"), world.user("a-manager")
    assert offered(admin, project) == 10
    assert offered(alpha, project) == 6  # the vendor's own contacts, not the client's cached total
    assert offered(admin, project, vendors=["bravo"]) == 4
    assert offered(alpha, project, vendors=["bravo"]) == 0


def test_no_version_no_cache(world, project, cached):
    """Rollups written without the store (no version token) are read every time."""
    from steward.interactions.models import RollupVersion

    RollupVersion.objects.all().delete()
    admin = world.user("client_admin")
    offered(admin, project)
    assert reads_rollups(lambda: offered(admin, project))


def test_a_reader_who_sees_nothing_gets_nothing_and_no_error(world, project, cached):
    """visible_to() of an inactive user is an empty queryset, which has no SQL to key on."""
    alpha = world.user("a-manager")
    alpha.is_active = False
    assert offered(alpha, project) == 0


def test_a_contact_moved_to_another_agent_is_a_new_version(world, project, cached):
    """A re-import that only changes the agent nets out in the interval rollup but not in the
    per-agent one: agent figures must not come from the cache."""
    admin = world.user("client_admin")
    p = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), TZ)
    row = {**contacts("moved", 1)[0], "agent_code": "amy"}
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a, records=[row],
                                idempotency_key="m1", allow_rejects=False)
    assert ("amy",) in engine.contact_stats(user=admin, project=project, period=p, grouping="agent")
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a,
                                records=[{**row, "agent_code": "bob"}], idempotency_key="m2", allow_rejects=False)
    agents = engine.contact_stats(user=admin, project=project, period=p, grouping="agent")
    assert ("bob",) in agents and ("amy",) not in agents


def test_a_running_window_is_not_cached(world, project, cached):
    admin = world.user("client_admin")
    day = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 1), TZ)
    window = engine.Period(day.first, day.last, TZ, day.start, day.start + dt.timedelta(hours=12))
    engine.contact_stats(user=admin, project=project, period=window)
    assert reads_rollups(lambda: engine.contact_stats(user=admin, project=project, period=window))
