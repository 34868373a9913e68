"""Migration 0013 removes the response and resolution minutes (kinds 3–6) stored for calls and
chats at the three rollup levels and keeps those of the asynchronous channels and every other kind."""

import datetime as dt
import importlib
from django.apps import apps
from steward.interactions.models import IntervalBucket, CalendarBucket, Rollup, RollupBucket

mig = importlib.import_module("steward.interactions.migrations.0013_response_minutes_async_only")


def test_forwards_removes_non_async_response_kinds(world, make_project):
    p = make_project("m13", [world.vendor_a])
    t = dt.datetime(2025, 3, 1, tzinfo=dt.UTC)
    key = dict(project=p, vendor=world.vendor_a, queue="", direction="inbound", priority="normal")
    for ch in ("voice", "email"):
        r = Rollup.objects.create(**key, channel=ch, agent_code="", interval_start=t, offered=1)
        for kind in (1, 3, 5):
            RollupBucket.objects.create(rollup=r, kind=kind, value=1, count=1)
            IntervalBucket.objects.create(**key, channel=ch, interval_start=t, kind=kind, value=1, count=1)
            CalendarBucket.objects.create(**key, channel=ch, grain="D", period=t.date(), kind=kind, value=1, count=1)
    mig.forwards(apps, None)
    assert sorted(RollupBucket.objects.values_list("rollup__channel", "kind")) == [
        ("email", 1), ("email", 3), ("email", 5), ("voice", 1)]
    for model in (IntervalBucket, CalendarBucket):
        assert sorted(model.objects.values_list("channel", "kind")) == [
            ("email", 1), ("email", 3), ("email", 5), ("voice", 1)]
