"""The metric engine reads the interval rollup (no agent) unless the request needs the agent;
both tables give the same statistics. A scope naming every agent code present forces the
per-agent tables on the same contacts, so the two paths can be compared directly."""

import datetime as dt
import random

import pytest

from steward.interactions import services, store
from steward.interactions.models import IntervalBucket, IntervalRollup, Rollup
from steward.metrics import engine
from steward.metrics.services import SYSTEM_READER

BASE = dt.datetime(2024, 3, 1, 1, 0, tzinfo=dt.UTC)
AGENTS = ["", "ag1", "ag2", "ag3"]


def records(seed: int, n: int) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        arrived = BASE + dt.timedelta(seconds=rng.randint(0, 3 * 86400))
        abandoned = rng.random() < 0.15
        first = None if abandoned or rng.random() < 0.5 else arrived + dt.timedelta(minutes=rng.randint(0, 90))
        out.append({
            "external_id": f"c{i}", "channel": rng.choice(["voice", "chat"]), "queue": rng.choice(["A", "B"]),
            "agent_code": "" if abandoned else rng.choice(AGENTS), "priority": rng.choice(["normal", "urgent"]),
            "arrived_at": arrived.isoformat(), "wait_seconds": None if first else rng.randint(0, 90),
            "first_response_at": first.isoformat() if first else None,
            "talk_seconds": rng.randint(0, 600), "abandoned": abandoned,
            "csat": rng.choice([None, 1, 3, 5]), "complaint": rng.random() < 0.1,
            "customer_ref": f"k{rng.randint(0, n // 3)}", "outcome": "" if abandoned else "resolved",
        })
    return out


@pytest.fixture
def project(make_vendor, make_project):
    acme, other = make_vendor("acme"), make_vendor("other")
    project = make_project("p", [acme, other], channels=("voice", "chat"))
    for number, vendor in enumerate([acme, other, acme]):
        services.import_records(actor=None, project=project, vendor=vendor, records=records(number, 120),
                                idempotency_key=f"k{number}")
    return project


@pytest.mark.parametrize("grouping", ["total", "day", "vendor", "queue", "channel"])
def test_interval_and_agent_tables_give_the_same_statistics(project, grouping):
    period = engine.period(dt.date(2024, 3, 1), dt.date(2024, 3, 4), project.time_zone)
    kwargs = dict(user=SYSTEM_READER, project=project, period=period, grouping=grouping)
    coarse = engine.contact_stats(**kwargs)
    per_agent = engine.contact_stats(**kwargs, scope={"agent_code": AGENTS})
    assert coarse == per_agent
    assert sum(s.offered for s in coarse.values()) == 240  # the third import re-imports the first's ids
    keys = ["offered", "service_level", "asa_seconds", "aht_seconds", "csat", "first_response_within", "fcr"]
    assert ([r.as_dict() for r in engine.measure(**kwargs, metrics=keys)]
            == [r.as_dict() for r in engine.measure(**kwargs, metrics=keys, scope={"agent_code": AGENTS})])


def test_interval_rollup_refresh_from_agent_rollup_is_what_the_import_keeps(project):
    """store.refresh_interval_rollups (SQL, for rollups written without the import) gives the
    table the import maintained."""
    def snapshot():
        return (sorted(IntervalRollup.objects.values_list("interval_start", "vendor_id", "queue", "channel",
                                                          "priority", "offered", "wait_sum", "csat_5")),
                sorted(IntervalBucket.objects.values_list("interval_start", "vendor_id", "queue", "channel",
                                                          "priority", "kind", "value", "count")))

    kept = snapshot()
    assert Rollup.objects.count() > IntervalRollup.objects.count() > 0
    IntervalBucket.objects.all().delete()
    IntervalRollup.objects.all().delete()
    assert store.refresh_interval_rollups(project.pk) == len(kept[0])
    assert snapshot() == kept
