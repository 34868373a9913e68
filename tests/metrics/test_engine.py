"""The engine (rollups, DB-side sums) equals the reference formulas on the raw Interaction rows,
per grouping, and never gives a vendor user another vendor's numbers."""

import dataclasses
import datetime as dt
import random
import zoneinfo

import pytest

from steward.core.roles import Role
from steward.interactions import services as interactions
from steward.interactions.models import Interaction
from steward.metrics import engine
from steward.metrics import formulas as f

TZ = "Asia/Shanghai"
CHANNELS = ("voice", "chat", "email")
RAW_FIELDS = ["direction", "channel", "queue", "priority", "agent_code", "arrived_at", "first_response_at",
              "ended_at", "resolved_at", "abandoned", "wait_seconds", "talk_seconds", "hold_seconds",
              "wrap_seconds", "csat", "nps", "ces", "complaint", "outcome"]
PARAMS = {"service_level": {"threshold_seconds": 15, "short_abandon_seconds": 4},
          "first_response_within": {"threshold": {"urgent": "1h", "high": "4h", "normal": "8h", "low": "1d"}}}


def random_records(rng: random.Random, prefix: str, n: int) -> list[dict]:
    start = dt.datetime(2025, 3, 1, tzinfo=zoneinfo.ZoneInfo(TZ))
    rows = []
    for i in range(n):
        channel = rng.choice(CHANNELS)
        arrived = start + dt.timedelta(seconds=rng.randrange(0, 12 * 86400))
        abandoned = channel != "email" and rng.random() < 0.25
        row = {"external_id": f"{prefix}-{i}", "channel": channel, "queue": rng.choice(["q1", "q2"]),
               "direction": "outbound" if rng.random() < 0.1 else "inbound",
               "priority": rng.choice(["urgent", "normal", "low"]),
               "agent_code": "" if abandoned else rng.choice(["a1", "a2", "a3"]),
               "arrived_at": arrived.isoformat(), "abandoned": "true" if abandoned else "false",
               "wait_seconds": rng.randrange(0, 90), "complaint": "true" if rng.random() < 0.1 else "false"}
        if not abandoned:
            row.update(talk_seconds=rng.randrange(30, 600), hold_seconds=rng.randrange(0, 60),
                       wrap_seconds=rng.randrange(0, 60))
            if rng.random() < 0.8:
                row["first_response_at"] = (arrived + dt.timedelta(minutes=rng.randrange(0, 1500))).isoformat()
            if rng.random() < 0.5:
                row["resolved_at"] = (arrived + dt.timedelta(minutes=rng.randrange(0, 3000))).isoformat()
            if rng.random() < 0.5:
                row["csat"] = rng.randint(1, 5)
            if rng.random() < 0.3:
                row["nps"] = rng.randint(0, 10)
            if rng.random() < 0.3:
                row["ces"] = rng.randint(1, 7)
        rows.append(row)
    return rows


@pytest.fixture
def data(world, make_project):
    project = make_project("metrics-shared", [world.vendor_a, world.vendor_b], channels=CHANNELS)
    rng = random.Random(20250301)
    for vendor in (world.vendor_a, world.vendor_b):
        result = interactions.import_records(actor=None, project=project, vendor=vendor,
                                             records=random_records(rng, vendor.code, 160),
                                             idempotency_key=f"engine-{vendor.code}", allow_rejects=False)
        assert result.rejected == 0 and result.inserted == 160
    return project


def raw_stats(project, vendor_codes, start, end, **filters):
    rows = Interaction.objects.filter(project=project, vendor__code__in=vendor_codes,
                                      arrived_at__gte=start, arrived_at__lt=end, **filters).values(*RAW_FIELDS)
    stats = f.contact_stats(list(rows))
    if "surveyed" in engine._sum_columns():
        return stats
    # Rollups without a "surveyed" column (see docs/metrics.md): response_rate has no data.
    return dataclasses.replace(stats, surveyed=None if stats.offered else 0)


def assert_same_results(engine_stats, reference):
    assert engine_stats == reference
    for key, spec in f.CATALOG.items():
        if spec.source != "contacts":
            continue
        assert engine.result_for(key, engine_stats, PARAMS.get(key)) == f.compute(key, reference, PARAMS.get(key))


def test_total_equals_raw_formulas(world, data):
    p = engine.period(dt.date(2025, 3, 2), dt.date(2025, 3, 9), TZ)
    assert p.aligned
    stats = engine.contact_stats(user=world.user("client_admin"), project=data, period=p)
    assert_same_results(stats[()], raw_stats(data, ["alpha", "bravo"], p.start, p.end))


def test_groups_equal_raw_formulas(world, data):
    for grouping in ("day", "week", "month", "vendor", "queue", "agent", "channel"):
        check_grouping(world, data, grouping)


def check_grouping(world, data, grouping):
    p = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 12), TZ)
    stats = engine.contact_stats(user=world.user("outsourcing_manager"), project=data, period=p, grouping=grouping)
    tz = zoneinfo.ZoneInfo(TZ)
    assert stats
    for (value,), got in stats.items():
        if grouping in ("day", "week", "month"):
            first = value
            nxt = {"day": first + dt.timedelta(days=1), "week": first + dt.timedelta(days=7),
                   "month": (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)}[grouping]
            start = max(p.start, engine.period(first, first, TZ).start)
            end = min(p.end, dt.datetime.combine(nxt, dt.time.min, tz))
            expected = raw_stats(data, ["alpha", "bravo"], start, end)
        else:
            field_name = {"vendor": "vendor__code", "agent": "agent_code"}.get(grouping, grouping)
            expected = raw_stats(data, ["alpha", "bravo"], p.start, p.end, **{field_name: value})
        assert_same_results(got, expected)
    assert sum(s.offered for s in stats.values()) == raw_stats(data, ["alpha", "bravo"], p.start, p.end).offered


def test_scope_filters(world, data):
    p = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 12), TZ)
    stats = engine.contact_stats(user=world.user("client_admin"), project=data, period=p, vendors=["bravo"],
                                 scope={"channel": ["chat", "voice"], "priority": "urgent"})
    expected = raw_stats(data, ["bravo"], p.start, p.end, channel__in=["chat", "voice"], priority="urgent")
    assert_same_results(stats[()], expected)


def test_vendor_user_never_gets_other_vendors_numbers(world, data):
    p = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 12), TZ)
    own = raw_stats(data, ["alpha"], p.start, p.end)
    for vendors in (None, ["alpha", "bravo"], ["bravo"]):
        rows = engine.measure(user=world.user("a-manager"), project=data, period=p, vendors=vendors,
                              metrics=["offered", "service_level"], grouping="vendor")
        assert {r.group["vendor"] for r in rows} <= {"alpha"}
    total = engine.contact_stats(user=world.user("a-manager"), project=data, period=p)[()]
    assert total == own
    only_b = engine.contact_stats(user=world.user("a-manager"), project=data, period=p, vendors=["bravo"])[()]
    assert only_b.offered == 0
    assert engine.result_for("service_level", only_b).reason == "zero_denominator"
    assert [v.code for v in engine.visible_vendors(user=world.user("a-manager"), project=data)] == ["alpha"]
    assert world.user("a-manager").role == Role.VENDOR_MANAGER


def test_metrics_outside_the_rollups_are_empty_with_a_reason(world, data):
    p = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 12), TZ)
    [row] = engine.measure(user=world.user("client_admin"), project=data, period=p,
                           metrics={"fcr": {"window_days": 3}, "qa_score": None, "offered": None})
    # FCR is read from the stored next-contact days (test_fcr.py); these contacts have no resolved
    # outcome, so there is nothing to measure — said as such, not a 0
    assert row.results["fcr"].value is None and row.results["fcr"].reason == "zero_denominator"
    assert row.results["fcr"].params == {"window_days": 3, "same_reason": False}
    # QA scores come from the evaluations (test_qa.py): none here, so no value, and why
    assert row.results["qa_score"].value is None and row.results["qa_score"].reason == "zero_denominator"
    # result_for reads ContactStats only: it cannot give a QA score and says so
    assert engine.result_for("qa_score", row.stats).reason == "qa_not_available"
    assert row.as_dict()["metrics"]["offered"]["value"] == row.stats.offered


def test_bad_requests_are_refused(world, data):
    p = engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 2), TZ)
    with pytest.raises(engine.EngineError):
        engine.measure(user=world.user("client_admin"), project=data, period=p, metrics=["nope"])
    with pytest.raises(engine.EngineError):
        engine.contact_stats(user=world.user("client_admin"), project=data, period=p, grouping="hour")
    with pytest.raises(engine.EngineError):
        engine.period(dt.date(2025, 3, 2), dt.date(2025, 3, 1), TZ)
    with pytest.raises(engine.EngineError):
        engine.Scope.of({"colour": "red"})


def test_period_alignment_rule():
    assert engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), "Asia/Kolkata").aligned
    assert not engine.period(dt.date(2025, 3, 1), dt.date(2025, 3, 31), "Asia/Kathmandu").aligned


def test_one_page_looks_each_fact_up_once(world, make_project, django_assert_num_queries):
    """Inside engine.one_page() (a page's reads) a project's calendar readiness and vendor codes'
    ids are looked up once; outside, every time (a long-lived caller sees changes)."""
    project = make_project("one-page", [world.vendor_a, world.vendor_b])
    with django_assert_num_queries(4):
        for _ in range(2):
            engine.calendar_ready(project)
            engine.vendor_ids(["alpha", "bravo"])
    with engine.one_page(), django_assert_num_queries(3):
        for _ in range(3):
            assert engine.calendar_ready(project) == engine.calendar_ready(project)
            assert engine.vendor_ids(["bravo", "alpha"]) == engine.vendor_ids(["alpha", "bravo"])
            assert engine.vendor_ids(["alpha"]) == [world.vendor_a.pk]
    with django_assert_num_queries(1):
        engine.calendar_ready(project)
