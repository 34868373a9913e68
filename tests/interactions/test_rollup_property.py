"""Property: after any sequence of imports, re-imports (updates), undos and changes of the
project's time zone and business calendar, the stored rollups (per agent, per interval, per
local day and month; business minutes included) equal a recomputation from the raw rows (on
SQLite and PostgreSQL alike), and so does a rebuild. The contacts straddle a local midnight
that is also a month's end (29 February, a Thursday: responses and resolutions run into the
Friday's office hours and over the weekend)."""

import datetime as dt

import polars as pl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.core import services as core_services
from steward.interactions import rollups, services, store
from steward.interactions.models import (
    CalendarBucket,
    CalendarRollup,
    CalendarZone,
    ImportBatch,
    Interaction,
    IntervalBucket,
    IntervalRollup,
    Rollup,
    RollupBucket,
)

# 22:30 on 29 February in Shanghai, 23:30 in Tokyo: three hours of contacts cross into March.
BASE = dt.datetime(2024, 2, 29, 14, 30, tzinfo=dt.UTC)
ZONES = ["Asia/Shanghai", "Asia/Tokyo", "UTC", "Asia/Kathmandu"]
CALENDARS = ["cn-9x18", "cn-8x20", "24x7", ""]

record = st.fixed_dictionaries(
    {
        "external_id": st.sampled_from([f"c{i}" for i in range(12)]),
        "channel": st.sampled_from(["voice", "chat", "email"]),
        "queue": st.sampled_from(["A", "B", ""]),
        "agent_code": st.sampled_from(["", "ag1", "ag2"]),
        "priority": st.sampled_from(["normal", "urgent"]),
        "arrived_at": st.integers(0, 3 * 3600).map(lambda s: (BASE + dt.timedelta(seconds=s)).isoformat()),
        "wait_seconds": st.integers(0, 120),
        "talk_seconds": st.integers(0, 900),
        "hold_seconds": st.integers(0, 60),
        "abandoned": st.booleans(),
        "csat": st.one_of(st.none(), st.integers(1, 5)),
        "nps": st.one_of(st.none(), st.integers(0, 10)),
        "complaint": st.booleans(),
        "first_response_minutes": st.one_of(st.none(), st.integers(0, 600)),
        "resolution_minutes": st.one_of(st.none(), st.integers(0, 6000)),
    }
)


def to_record(r: dict) -> dict:
    r = dict(r)
    minutes = r.pop("first_response_minutes")
    resolution = r.pop("resolution_minutes")
    if resolution is not None:
        r["resolved_at"] = (dt.datetime.fromisoformat(r["arrived_at"]) + dt.timedelta(minutes=resolution, seconds=31)).isoformat()
    if minutes is not None and not r["abandoned"]:
        r["first_response_at"] = (dt.datetime.fromisoformat(r["arrived_at"]) + dt.timedelta(minutes=minutes, seconds=7)).isoformat()
        r["wait_seconds"] = None
    if r["abandoned"]:
        r["agent_code"] = ""
    return r


operation = st.one_of(
    st.tuples(st.just("import"), st.sampled_from(["acme", "other"]), st.lists(record, min_size=1, max_size=8)),
    st.tuples(st.just("undo"), st.integers(0, 10), st.just(None)),
    st.tuples(st.just("zone"), st.sampled_from(ZONES), st.just(None)),
    st.tuples(st.just("calendar"), st.sampled_from(CALENDARS), st.just(None)),
    st.tuples(st.just("rebuild_business"), st.just(None), st.just(None)),
)
CALENDAR_KEY = ["project_id", "grain", "period", "vendor_id", "queue", "channel", "direction", "priority"]


def stored_calendar() -> tuple[set, set]:
    return ({tuple(r) for r in CalendarRollup.objects.values_list(*CALENDAR_KEY, *rollups.STATS)},
            {tuple(b) for b in CalendarBucket.objects.values_list(*CALENDAR_KEY, "kind", "value", "count")})


def recomputed_calendar(time_zone: str) -> tuple[set, set]:
    """Days and months of the raw rows' recomputation, each contact in the local day (of
    ``time_zone``) in which its 30-minute interval starts — computed here with zoneinfo, apart
    from rollups.calendar."""
    import zoneinfo

    tz = zoneinfo.ZoneInfo(time_zone)
    sums, buckets = {}, {}
    pairs = Interaction.objects.order_by().values_list("project_id", "vendor_id").distinct()
    for project_id, vendor_id in pairs:
        s, b = services.recompute(project_id=project_id, vendor_id=vendor_id)
        for frame, out, values in ((s, sums, rollups.STATS), (b, buckets, ["kind", "value", "count"])):
            for row in frame.iter_rows(named=True):
                day = row["interval_start"].astimezone(tz).date()
                for grain, period in (("D", day), ("M", day.replace(day=1))):
                    key = (row["project_id"], grain, period, row["vendor_id"], row["queue"], row["channel"],
                           row["direction"], row["priority"], *([row["kind"], row["value"]] if "kind" in row else []))
                    adds = [row[v] for v in values if v not in ("kind", "value")]
                    out[key] = [a + c for a, c in zip(out.get(key, [0] * len(adds)), adds, strict=True)]
    return ({(*k, *v) for k, v in sums.items() if any(v)}, {(*k, *v) for k, v in buckets.items() if any(v)})


def check_calendar(project) -> None:
    project.refresh_from_db()
    zone = CalendarZone.objects.filter(project=project).values_list("time_zone", flat=True).first()
    if zone == project.time_zone:
        assert stored_calendar() == recomputed_calendar(project.time_zone)
    else:  # the zone changed since the last write: stale, and the engine must not read it
        from steward.metrics import engine

        assert zone is not None or not Interaction.objects.exists()
        assert not engine.calendar_ready(project)


def check_business(project) -> None:
    """Kinds 5/6 are stored exactly for the calendar BusinessMinutes records (recomputed()
    computes in it), and the engine reads them only while that is the project's calendar."""
    from steward.metrics import engine

    project.refresh_from_db()
    name = store.stored_business_calendar(project.pk)
    has_business = RollupBucket.objects.filter(kind__in=[5, 6]).exists()
    from django.db.models import Q

    from steward.metrics.formulas import ASYNC_CHANNELS

    assert has_business == (bool(name) and Interaction.objects.filter(
        Q(first_response_at__isnull=False) | Q(resolved_at__isnull=False), channel__in=ASYNC_CHANNELS).exists())
    assert engine.business_calendar(project) == (name if name and name == project.business_calendar else None)


def stored() -> tuple[set, set, set, set]:
    sums = {tuple(r) for r in Rollup.objects.values_list(
        "project_id", "vendor_id", "queue", "channel", "direction", "priority", "agent_code", "interval_start",
        *rollups.STATS)}
    buckets = {tuple(b) for b in RollupBucket.objects.values_list(
        "rollup__project_id", "rollup__vendor_id", "rollup__queue", "rollup__channel", "rollup__direction",
        "rollup__priority", "rollup__agent_code", "rollup__interval_start", "kind", "value", "count")}
    key = ["project_id", "interval_start", "vendor_id", "queue", "channel", "direction", "priority"]
    interval_sums = {tuple(r) for r in IntervalRollup.objects.values_list(*key, *rollups.STATS)}
    interval_buckets = {tuple(b) for b in IntervalBucket.objects.values_list(*key, "kind", "value", "count")}
    return sums, buckets, interval_sums, interval_buckets


def recomputed() -> tuple[set, set, set, set]:
    sums, buckets, interval_sums, interval_buckets = set(), set(), set(), set()
    pairs = Interaction.objects.order_by().values_list("project_id", "vendor_id").distinct()
    for project_id, vendor_id in pairs:
        s, b = services.recompute(project_id=project_id, vendor_id=vendor_id)
        sums |= {tuple(r) for r in s.select(*rollups.KEY, *rollups.STATS).rows()}
        buckets |= {tuple(r) for r in b.select(*rollups.KEY, "kind", "value", "count").rows()}
        # The coarse rollup, summed over agents here independently of rollups.coarse.
        key = [k for k in rollups.KEY if k != "agent_code"]
        cs = s.group_by(key).agg(*[pl.col(c).sum() for c in rollups.STATS])
        interval_sums |= {tuple(r) for r in cs.select(*rollups.INTERVAL_KEY, *rollups.STATS).rows()}
        cb = b.group_by([*key, "kind", "value"]).agg(pl.col("count").sum())
        interval_buckets |= {tuple(r) for r in cb.select(*rollups.INTERVAL_KEY, "kind", "value", "count").rows()}
    return sums, buckets, interval_sums, interval_buckets


@pytest.mark.django_db(transaction=False)
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                               HealthCheck.too_slow])
@given(operations=st.lists(operation, min_size=1, max_size=5))
def test_rollups_equal_recomputation(make_vendor, make_project, operations):
    with transaction.atomic():
        acme = make_vendor("acme")
        other = make_vendor("other")
        project = make_project("p", [acme, other], channels=("voice", "chat", "email"))
        project.business_calendar = "cn-9x18"  # before any contact: the first import takes it
        project.save(update_fields=["business_calendar"])
        vendors = {"acme": acme, "other": other}
        for number, (kind, arg, records) in enumerate(operations):
            if kind == "import":
                services.import_records(actor=None, project=project, vendor=vendors[arg],
                                        records=[to_record(r) for r in records], idempotency_key=f"k{number}")
            elif kind == "undo":
                done = list(ImportBatch.objects.filter(status=ImportBatch.Status.DONE).order_by("-pk"))
                if done:
                    try:
                        services.batch_undo(actor=None, batch=done[arg % len(done)])
                    except services.UndoRefused:
                        pass
            elif kind == "zone":
                project.time_zone = arg
                project.save(update_fields=["time_zone"])
            elif kind == "calendar":  # the rebuild task waits for a commit that never comes here
                core_services.project_update(
                    project=project, name=project.name, time_zone=project.time_zone, channels=project.channels,
                    status=project.status, vendor_codes=["acme", "other"], business_calendar=arg)
            elif kind == "rebuild_business":
                services.business_minutes_rebuild(project.pk)
                assert store.stored_business_calendar(project.pk) == project.business_calendar
            assert stored() == recomputed()
            check_calendar(project)
            check_business(project)
        services.rollups_rebuild()
        assert stored() == recomputed()
        check_calendar(project)
        check_business(project)
        project.refresh_from_db()
        # every project with contacts in its current calendar (one without has nothing stored)
        assert (store.stored_business_calendar(project.pk) == project.business_calendar
                or not Interaction.objects.exists())
        transaction.set_rollback(True)
