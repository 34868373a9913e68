"""The calendar level (per local day and month) answers exactly what the interval rollup and
the raw rows answer: whole months, partial months, day/week/month groupings, FCR with its
elapsed-window boundary, and a change of the project's time zone."""

import datetime as dt
import random
import zoneinfo

import pytest

from steward.interactions import services as interactions
from steward.interactions.models import CalendarZone
from steward.metrics import engine
from tests.metrics.test_engine import raw_stats

TZ = "Asia/Shanghai"


def records(rng: random.Random, prefix: str, n: int, start: dt.datetime, days: int) -> list[dict]:
    rows = []
    for i in range(n):
        arrived = start + dt.timedelta(seconds=rng.randrange(0, days * 86400))
        abandoned = rng.random() < 0.2
        row = {"external_id": f"{prefix}-{i}", "channel": rng.choice(["voice", "chat"]),
               "queue": rng.choice(["q1", "q2"]), "priority": rng.choice(["urgent", "normal"]),
               "agent_code": "" if abandoned else rng.choice(["a1", "a2"]),
               "arrived_at": arrived.isoformat(), "abandoned": "true" if abandoned else "false",
               "wait_seconds": rng.randrange(0, 60), "customer_ref": f"cust{rng.randrange(40)}",
               "outcome": "abandoned" if abandoned else rng.choice(["resolved", "resolved", "escalated"])}
        if not abandoned:
            row.update(talk_seconds=rng.randrange(30, 600), hold_seconds=0, wrap_seconds=rng.randrange(0, 30))
            if rng.random() < 0.5:
                row["csat"] = rng.randint(1, 5)
        rows.append(row)
    return rows


@pytest.fixture
def project(world, make_project):
    project = make_project("calendar", [world.vendor_a, world.vendor_b], channels=("voice", "chat"))
    rng = random.Random(7)
    start = dt.datetime(2025, 1, 20, tzinfo=zoneinfo.ZoneInfo(TZ))
    for vendor in (world.vendor_a, world.vendor_b):
        interactions.import_records(actor=None, project=project, vendor=vendor,
                                    records=records(rng, vendor.code, 300, start, 80),
                                    idempotency_key=f"cal-{vendor.code}", allow_rejects=False)
    assert engine.calendar_ready(project)
    return project


PERIODS = [(dt.date(2025, 2, 1), dt.date(2025, 2, 28)),   # one whole month: its month rows
           (dt.date(2025, 1, 25), dt.date(2025, 4, 3)),   # days, two whole months, days
           (dt.date(2025, 2, 10), dt.date(2025, 2, 20)),  # days only
           (dt.date(2025, 3, 31), dt.date(2025, 3, 31))]


def both_paths(fn, project):
    """fn() through the calendar level, then through the intervals (calendar marked stale)."""
    calendar = fn()
    zone = CalendarZone.objects.get(project=project)
    CalendarZone.objects.filter(project=project).update(time_zone="Stale/Zone")
    assert not engine.calendar_ready(project)
    try:
        intervals = fn()
    finally:
        CalendarZone.objects.filter(project=project).update(time_zone=zone.time_zone)
    return calendar, intervals


@pytest.mark.parametrize("first,last", PERIODS)
@pytest.mark.parametrize("grouping", ["total", "day", "week", "month", "vendor", "queue"])
def test_calendar_equals_intervals_and_raw(world, project, first, last, grouping):
    p = engine.period(first, last, TZ)
    user = world.user("client_admin")
    calendar, intervals = both_paths(
        lambda: engine.contact_stats(user=user, project=project, period=p, grouping=grouping), project)
    assert calendar == intervals
    if grouping == "total":
        assert calendar[()] == raw_stats(project, ["alpha", "bravo"], p.start, p.end)


@pytest.mark.parametrize("window", [1, 3, 7])
@pytest.mark.parametrize("grouping", ["total", "day", "month", "vendor"])
def test_fcr_calendar_equals_intervals(world, project, window, grouping):
    user = world.user("client_admin")
    # ... and periods around the window's boundary: elapsed days, the cutoff's day, pending days
    for first, last in [*PERIODS, (dt.date(2025, 4, 1), dt.date(2025, 4, 12)), (dt.date(2025, 4, 8), dt.date(2025, 4, 8))]:
        p = engine.period(first, last, TZ)
        calendar, intervals = both_paths(
            lambda p=p: engine.fcr_counts(user=user, project=project, period=p, grouping=grouping,
                                          window_days=window), project)
        assert calendar == intervals
    # The window boundary falls inside the data: some counts are still pending.
    newest = engine.period(dt.date(2025, 4, 1), dt.date(2025, 4, 9), TZ)
    counts = engine.fcr_counts(user=user, project=project, period=newest, window_days=window)[()]
    assert counts.pending > 0 and counts.eligible > 0


def test_vendor_user_reads_only_its_own_calendar_rows(world, project):
    p = engine.period(dt.date(2025, 2, 1), dt.date(2025, 2, 28), TZ)
    mine = engine.contact_stats(user=world.user("a-manager"), project=project, period=p)[()]
    assert mine == raw_stats(project, ["alpha"], p.start, p.end)


def test_a_period_up_to_now_reads_the_intervals(world, project):
    """A running window (a day up to now) is not whole local days: never the calendar rows."""
    day = engine.period(dt.date(2025, 2, 3), dt.date(2025, 2, 3), TZ)
    partial = engine.Period(day.first, day.last, TZ, day.start, day.start + dt.timedelta(hours=13))
    assert not partial.whole_days and day.whole_days
    got = engine.contact_stats(user=world.user("client_admin"), project=project, period=partial)[()]
    assert got == raw_stats(project, ["alpha", "bravo"], partial.start, partial.end)


def test_time_zone_change_falls_back_then_rebuilds(world, project):
    user = world.user("client_admin")
    project.time_zone = "America/New_York"
    project.save(update_fields=["time_zone"])
    assert not engine.calendar_ready(project)  # keyed in Shanghai days: not read
    p = engine.period(dt.date(2025, 2, 1), dt.date(2025, 2, 28), "America/New_York")
    expected = raw_stats(project, ["alpha", "bravo"], p.start, p.end)
    assert engine.contact_stats(user=user, project=project, period=p)[()] == expected
    # The next write into the project rebuilds the calendar level in its new zone.
    interactions.import_records(actor=None, project=project, vendor=world.vendor_a,
                                records=records(random.Random(1), "late", 5,
                                                dt.datetime(2025, 4, 20, tzinfo=dt.UTC), 2),
                                idempotency_key="cal-late", allow_rejects=False)
    assert engine.calendar_ready(project)
    assert engine.contact_stats(user=user, project=project, period=p)[()] == expected
