"""Business-hours metrics through the engine: kinds 5/6 read from the rollups in the project's
business calendar — hand-computed cases, equality with the raw-rows builder at every level, a
calendar change (no figure until the rebuild, then the new calendar's), contacts beyond the
calendar's holiday data, and SLA terms (the DESIGN example; a policy in another calendar)."""

import datetime as dt
import random
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from steward.core import services as core_services
from steward.interactions import services as interactions
from steward.interactions import store
from steward.interactions.models import Interaction
from steward.metrics import engine, selectors, sla
from steward.metrics import formulas as f
from steward.metrics.calendars import builtin_calendar

TZ = "Asia/Shanghai"
SH = ZoneInfo(TZ)
FIELDS = ["direction", "channel", "queue", "priority", "agent_code", "arrived_at", "first_response_at",
          "ended_at", "resolved_at", "abandoned", "wait_seconds", "talk_seconds", "hold_seconds",
          "wrap_seconds", "csat", "nps", "ces", "complaint", "outcome"]
FRIDAY = dt.datetime(2026, 11, 20, 17, 30, tzinfo=SH)
MONDAY = dt.datetime(2026, 11, 23, 9, 20, tzinfo=SH)  # 50 business minutes later in cn-9x18
NOVEMBER = (dt.date(2026, 11, 1), dt.date(2026, 11, 30))


def email(eid: str, arrived: dt.datetime, responded: dt.datetime | None, priority: str = "normal",
          resolved: dt.datetime | None = None, agent: str = "a1") -> dict:
    row = {"external_id": eid, "channel": "email", "queue": "q1", "priority": priority, "agent_code": agent,
           "arrived_at": arrived.isoformat(), "abandoned": "false", "talk_seconds": 60}
    if responded:
        row["first_response_at"] = responded.isoformat()
    if resolved:
        row["resolved_at"] = resolved.isoformat()
    return row


def load(project, vendor, records, key="k"):
    result = interactions.import_records(actor=None, project=project, vendor=vendor, records=records,
                                         idempotency_key=key, allow_rejects=False)
    assert result.rejected == 0


@pytest.fixture
def mail(world, make_project):
    project = make_project("biz-mail", [world.vendor_a, world.vendor_b], channels=("email",))
    core_services.project_update(project=project, name=project.name, time_zone=TZ, channels=["email"],
                                 status=project.status, vendor_codes=["alpha", "bravo"], business_calendar="cn-9x18")
    return project


def within(world, project, threshold, business, period=None, **kw):
    period = period or engine.period(*NOVEMBER, TZ)
    stats = engine.contact_stats(user=world.user("client_admin"), project=project, period=period, **kw)
    return {k: engine.result_for("first_response_within", s, {"threshold": threshold, "business_hours": business})
            for k, s in stats.items()}


def test_friday_evening_to_monday_morning(world, mail):
    """Fri 17:30 → Mon 09:20 Shanghai: 30 + 20 = 50 business minutes in cn-9x18, 2 d 15 h 50 min elapsed."""
    load(mail, world.vendor_a, [email("e1", FRIDAY, MONDAY)])
    partial = engine.Period(*NOVEMBER, TZ, engine.period(*NOVEMBER, TZ).start,
                            dt.datetime(2026, 11, 30, 12, tzinfo=SH))  # not whole days: the intervals
    for kw in ({}, {"grouping": "agent"}, {"period": partial}, {"grouping": "day"}):
        [business] = within(world, mail, "1h", True, **kw).values()
        [elapsed] = within(world, mail, "1h", False, **kw).values()
        assert (business.value, business.numerator, business.denominator) == (1.0, 1, 1)
        assert business.details["calendar"] == "cn-9x18"
        assert elapsed.value == 0.0
    assert within(world, mail, "49m", True)[()].value == 0.0
    assert within(world, mail, "50m", True)[()].value == 1.0


def golden_week_records(rng: random.Random, prefix: str, n: int) -> list[dict]:
    """Emails from 25 Sep to 15 Oct 2025: National Day and Mid-Autumn holidays 1–8 Oct, make-up
    working days Sun 28 Sep and Sat 11 Oct."""
    start = dt.datetime(2025, 9, 25, tzinfo=SH)
    rows = []
    for i in range(n):
        arrived = start + dt.timedelta(seconds=rng.randrange(0, 20 * 86400))
        responded = arrived + dt.timedelta(minutes=rng.randrange(0, 9000)) if rng.random() < 0.85 else None
        resolved = arrived + dt.timedelta(minutes=rng.randrange(0, 20000)) if rng.random() < 0.6 else None
        rows.append(email(f"{prefix}-{i}", arrived, responded, rng.choice(["urgent", "normal"]), resolved,
                          rng.choice(["a1", "a2"])))
    return rows


def test_engine_equals_raw_builder_with_the_calendar(world, mail, monkeypatch, django_capture_on_commit_callbacks):
    rng = random.Random(20251001)
    for vendor in (world.vendor_a, world.vendor_b):
        load(mail, vendor, golden_week_records(rng, vendor.code, 150), key=vendor.code)
    assert_engine_equals_raw(world, mail, "cn-9x18")
    # after a change of calendar and its rebuild (in batches of 7 contacts), in the new one
    monkeypatch.setattr(store, "REBUILD_BATCH", 7)
    with django_capture_on_commit_callbacks(execute=True):
        core_services.project_update(project=mail, name=mail.name, time_zone=TZ, channels=["email"],
                                     status=mail.status, vendor_codes=["alpha", "bravo"], business_calendar="cn-10x17")
    assert_engine_equals_raw(world, mail, "cn-10x17")


def assert_engine_equals_raw(world, mail, name):
    calendar = builtin_calendar(name)
    p = engine.period(dt.date(2025, 9, 25), dt.date(2025, 10, 14), TZ)
    params = {"threshold": {"urgent": "2h", "normal": "8h"}, "business_hours": True}
    for grouping in ("total", "day", "agent", "vendor"):
        stats = engine.contact_stats(user=world.user("client_admin"), project=mail, period=p, grouping=grouping)
        assert stats
        for key, got in stats.items():
            rows = Interaction.objects.filter(project=mail, arrived_at__gte=p.start, arrived_at__lt=p.end)
            if grouping == "day":
                day = engine.period(key[0], key[0], TZ)
                rows = rows.filter(arrived_at__gte=day.start, arrived_at__lt=day.end)
            elif grouping in ("agent", "vendor"):
                rows = rows.filter(**{"agent_code" if grouping == "agent" else "vendor__code": key[0]})
            expected = f.contact_stats(list(rows.values(*FIELDS)), calendar=calendar)
            assert got == expected
            for metric in ("first_response_within", "resolution_within"):
                assert engine.result_for(metric, got, params) == f.compute(metric, expected, params)
    total = within(world, mail, "8h", True, period=p)[()]
    assert 0 < total.value < 1 and total.value != within(world, mail, "8h", False, period=p)[()].value


def test_calendar_change_gives_no_figure_until_rebuilt(world, mail, django_capture_on_commit_callbacks):
    load(mail, world.vendor_a, [email("e1", FRIDAY, MONDAY)])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        core_services.project_update(project=mail, name=mail.name, time_zone=TZ, channels=["email"],
                                     status=mail.status, vendor_codes=["alpha", "bravo"], business_calendar="cn-8x20")
    assert len(callbacks) == 1  # the rebuild, queued for after the commit
    stale = within(world, mail, "4h", True)[()]
    assert (stale.value, stale.reason) == (None, "no_business_calendar")
    assert within(world, mail, "4h", False)[()].value == 0.0  # elapsed time is unaffected
    callbacks[0]()  # the task runs (immediately in tests)
    # Fri 17:30–20:00 and Mon 08:00–09:20 in cn-8x20: 150 + 80 = 230 minutes
    assert within(world, mail, "4h", True)[()].value == 1.0
    assert within(world, mail, "229m", True)[()].value == 0.0
    assert within(world, mail, "230m", True)[()].details["calendar"] == "cn-8x20"
    # no calendar: no figure
    with django_capture_on_commit_callbacks(execute=True):
        core_services.project_update(project=mail, name=mail.name, time_zone=TZ, channels=["email"],
                                     status=mail.status, vendor_codes=["alpha", "bravo"], business_calendar="")
    assert within(world, mail, "4h", True)[()].reason == "no_business_calendar"


def test_contacts_beyond_the_holiday_data_give_no_figure(world, mail):
    """cn-9x18's holidays are published to the end of 2026: an email answered in January 2027
    cannot be measured in business hours (neither within nor late)."""
    load(mail, world.vendor_a, [email("e1", dt.datetime(2026, 12, 31, 10, tzinfo=SH),
                                      dt.datetime(2027, 1, 4, 10, tzinfo=SH)),
                                email("e2", dt.datetime(2026, 12, 30, 10, tzinfo=SH),
                                      dt.datetime(2026, 12, 30, 11, tzinfo=SH))])
    december = engine.period(dt.date(2026, 12, 1), dt.date(2026, 12, 31), TZ)
    result = within(world, mail, "4h", True, period=december)[()]
    assert (result.value, result.reason) == (None, "outside_business_calendar")
    assert result.details == {"contacts": 1, "calendar": "cn-9x18"}
    assert within(world, mail, "4h", False, period=december)[()].value == 0.5



def test_newer_holiday_data_makes_stored_minutes_stale_until_rebuilt(world, mail, monkeypatch,
                                                                     django_capture_on_commit_callbacks):
    """Minutes stored as beyond the covered years (−1) are recomputed once the holiday package
    covers them: the same calendar name in a new edition is stale (no figure, a rebuild queued
    by the daily housekeeping), then measured."""
    import dataclasses

    from steward.integrations import jobs
    from steward.metrics import calendars

    january = engine.period(dt.date(2027, 1, 1), dt.date(2027, 1, 31), TZ)
    load(mail, world.vendor_a, [email("e1", dt.datetime(2027, 1, 5, 10, tzinfo=SH),
                                      dt.datetime(2027, 1, 5, 11, tzinfo=SH))])
    assert within(world, mail, "4h", True, period=january)[()].reason == "outside_business_calendar"
    assert interactions.business_minutes_stale() == []
    # the package now publishes 2027 (same name, new edition)
    upgraded = dataclasses.replace(builtin_calendar("cn-9x18"), valid_to=dt.date(2027, 12, 31))
    assert upgraded.edition != builtin_calendar("cn-9x18").edition
    monkeypatch.setattr(store, "business_calendar", lambda name: upgraded if name == "cn-9x18" else
                        calendars.builtin_calendar(name))
    assert interactions.business_minutes_stale() == [mail.pk]
    assert within(world, mail, "4h", True, period=january)[()].reason == "no_business_calendar"
    now = dt.datetime(2027, 1, 6, 3, tzinfo=dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        summary = jobs.housekeeping(now, now)
    assert summary["business_minutes_rebuilds"] == 1  # queued; the test task backend runs it at once
    assert interactions.business_minutes_stale() == []
    assert within(world, mail, "4h", True, period=january)[()].value == 1


POLICY = """\
sla: biz-mail
version: 1
calendar: {calendar}
at_risk_percent: 10
terms:
  - metric: first_response_within
    params: {{threshold: 4h, business_hours: true}}
    scope: {{channel: email, priority: urgent}}
    target: ">= 0.95"
    allocation_percent: 100
"""


def test_sla_business_hours_term(world, mail, django_capture_on_commit_callbacks):
    """The DESIGN example's term (first response within 4 business hours, urgent emails): 2 of 3
    within in cn-9x18; a policy naming another calendar than the project's gives no figure."""
    load(mail, world.vendor_a, [
        email("u1", FRIDAY, MONDAY, "urgent"),  # 50 min
        email("u2", dt.datetime(2026, 11, 24, 15, tzinfo=SH), dt.datetime(2026, 11, 25, 10, tzinfo=SH), "urgent"),  # 4 h
        email("u3", dt.datetime(2026, 11, 24, 9, tzinfo=SH), dt.datetime(2026, 11, 24, 13, 1, tzinfo=SH), "urgent"),  # 4 h 1 min
        email("n1", FRIDAY, None, "normal"),  # another priority: outside the term's scope
    ])
    fee = Decimal("10000.00")
    user = world.user("client_admin")
    policy = sla.parse_policy(POLICY.format(calendar="cn-9x18"))
    e = selectors.evaluate_period(user=user, project=mail, policy=policy, vendor="alpha", kind="month",
                                  day=dt.date(2026, 11, 20), fee=fee).evaluation
    [term] = e.terms
    assert (term.result.numerator, term.result.denominator) == (2, 3)
    assert term.status == "missed" and term.credit == Decimal("1000.00")
    other = sla.parse_policy(POLICY.format(calendar="cn-8x20"))
    e = selectors.evaluate_period(user=user, project=mail, policy=other, vendor="alpha", kind="month",
                                  day=dt.date(2026, 11, 20), fee=fee).evaluation
    [term] = e.terms
    assert (term.status, term.credit, term.result.reason) == ("no_data", Decimal("0.00"), "calendar_mismatch")
    assert term.result.details == {"policy_calendar": "cn-8x20", "project_calendar": "cn-9x18"}


def test_rollups_business_command_rebuilds_stale_projects(world, mail, django_capture_on_commit_callbacks):
    """Without a task worker, `steward rollups business` does what the queued task would."""
    from io import StringIO

    from django.core.management import call_command

    load(mail, world.vendor_a, [email("e1", FRIDAY, MONDAY)])
    with django_capture_on_commit_callbacks(execute=False):
        core_services.project_update(project=mail, name=mail.name, time_zone=TZ, channels=["email"],
                                     status=mail.status, vendor_codes=["alpha", "bravo"], business_calendar="24x7")
    assert interactions.business_minutes_stale() == [mail.pk]
    out = StringIO()
    call_command("rollups", "business", stdout=out)
    assert "1 project" in out.getvalue() and interactions.business_minutes_stale() == []
    # Fri 17:30 → Mon 09:20 around the clock: 2 d 15 h 50 min
    assert within(world, mail, "3830m", True)[()].value == 1.0
    assert within(world, mail, "3829m", True)[()].value == 0.0


def test_a_cached_figure_is_not_served_in_a_new_edition(world, mail, monkeypatch, settings):
    """The KPI cache's key holds the calendar's edition: after the holiday package grows, the
    cached business-hours figure is not served (no rollup write tells the cache otherwise)."""
    import dataclasses

    from django.core.cache import cache

    from steward.metrics import calendars

    settings.STEWARD_KPI_CACHE_SECONDS = 600
    cache.clear()
    load(mail, world.vendor_a, [email("e1", FRIDAY, MONDAY)])
    assert within(world, mail, "1h", True)[()].value == 1
    upgraded = dataclasses.replace(builtin_calendar("cn-9x18"), valid_to=dt.date(2027, 12, 31))
    monkeypatch.setattr(store, "business_calendar", lambda name: upgraded if name == "cn-9x18" else
                        calendars.builtin_calendar(name))
    assert within(world, mail, "1h", True)[()].reason == "no_business_calendar"
    cache.clear()
