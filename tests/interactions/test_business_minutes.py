"""The vectorised business minutes (rollups.business_minutes, kinds 5/6) equal the calendar's
own exact arithmetic (BusinessCalendar.business_duration, rounded up to whole minutes) row by
row, for random instants around mainland China's Golden Week (holidays and make-up Saturdays),
over New York's DST changes, across the end of the calendars' holiday data, and backwards."""

import datetime as dt
from zoneinfo import ZoneInfo

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.interactions import rollups
from steward.metrics import formulas
from steward.metrics.calendars import CalendarRangeError, builtin_calendar, calendar_from_yaml

SH = ZoneInfo("Asia/Shanghai")
NY = ZoneInfo("America/New_York")
CN = builtin_calendar("cn-9x18")
# Sundays 01:00-03:30 straddle the spring-forward gap (2024-03-10) and the fall-back hour
# (2024-11-03); a make-up Saturday with its own hours; a holiday; coverage of 2024 only.
NY_CAL = calendar_from_yaml("""
name: us-ny-test
time_zone: America/New_York
hours: {mon: "08:00-17:00", tue: "08:00-17:00", wed: "08:00-17:00", thu: "08:00-17:00",
        fri: "08:00-12:00, 13:00-17:00", sun: "01:00-03:30"}
holidays: [2024-07-04, 2024-11-28]
workdays: [2024-03-09, 2024-11-02]
adjusted_hours: "10:00-12:00"
valid_from: 2024-01-01
valid_to: 2024-12-31
""")


def reference(calendar, start, end) -> int | None:
    if end is None:
        return None
    try:
        return formulas.whole_minutes_up(calendar.business_duration(start, end))
    except CalendarRangeError:
        return rollups.OUT_OF_CALENDAR


def instants(first: dt.datetime, last: dt.datetime):
    span = int((last - first).total_seconds() * 1_000_000)
    return st.integers(0, span).map(lambda us: first + dt.timedelta(microseconds=us))


GOLDEN_2024 = instants(dt.datetime(2024, 9, 25, tzinfo=SH), dt.datetime(2024, 10, 16, tzinfo=SH))
GOLDEN_2025 = instants(dt.datetime(2025, 9, 24, tzinfo=SH), dt.datetime(2025, 10, 15, tzinfo=SH))
COVERAGE_END = instants(dt.datetime(2026, 12, 28, tzinfo=SH), dt.datetime(2027, 1, 6, tzinfo=SH))
DST_SPRING = instants(dt.datetime(2024, 3, 7, tzinfo=NY), dt.datetime(2024, 3, 13, tzinfo=NY))
DST_FALL = instants(dt.datetime(2024, 10, 30, tzinfo=NY), dt.datetime(2024, 11, 6, tzinfo=NY))
NY_YEAR_END = instants(dt.datetime(2024, 12, 27, tzinfo=NY), dt.datetime(2025, 1, 3, tzinfo=NY))


def pair(times):
    # the end: none, or any instant of the same window (before the arrival too: a data error)
    return st.tuples(times, st.one_of(st.none(), times))


def frame(pairs) -> pl.DataFrame:
    return pl.DataFrame({"arrived_at": [a.astimezone(dt.UTC) for a, _ in pairs],
                         "first_response_at": [b.astimezone(dt.UTC) if b else None for _, b in pairs],
                         "resolved_at": [b.astimezone(dt.UTC) if b else None for _, b in reversed(pairs)]},
                        schema={c: pl.Datetime("us", "UTC") for c in ("arrived_at", "first_response_at", "resolved_at")})


def check(calendar, pairs):
    rows = frame(pairs)
    got = rollups.business_minutes(rows, calendar, ("first_response_at", "resolved_at"))
    arrivals = rows["arrived_at"].to_list()
    for column in ("first_response_at", "resolved_at"):
        expected = [reference(calendar, a, b) for a, b in zip(arrivals, rows[column].to_list(), strict=True)]
        assert got[column].to_list() == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(pair(st.one_of(GOLDEN_2024, GOLDEN_2025, COVERAGE_END)), min_size=1, max_size=30))
def test_china_equals_business_duration(pairs):
    check(CN, pairs)


@settings(max_examples=150, deadline=None)
@given(st.lists(pair(st.one_of(DST_SPRING, DST_FALL, NY_YEAR_END)), min_size=1, max_size=30))
def test_new_york_dst_equals_business_duration(pairs):
    check(NY_CAL, pairs)


@settings(max_examples=50, deadline=None)
@given(st.lists(pair(instants(dt.datetime(2024, 2, 20, tzinfo=dt.UTC), dt.datetime(2024, 4, 2, tzinfo=dt.UTC))),
                min_size=1, max_size=20), st.sampled_from(["24x7", "cn-24x7", "cn-8x20", "cn-0x24"]))
def test_other_builtin_calendars(pairs, name):
    check(builtin_calendar(name), pairs)


def test_hand_computed():
    fri = dt.datetime(2026, 11, 20, 17, 30, tzinfo=SH)  # Friday 17:30
    mon = dt.datetime(2026, 11, 23, 9, 20, tzinfo=SH)  # Monday 09:20: 30 + 20 minutes of office
    # 2024: Fri 27 Sep 17:00 → Sat 12 Oct 09:30 (a make-up day): 1 h + Sun 29 Sep (make-up) 9 h +
    # Mon 30 Sep 9 h + 8–11 Oct 36 h + 30 min = 55.5 h; 1–7 Oct are the National Day holidays.
    gw = (dt.datetime(2024, 9, 27, 17, tzinfo=SH), dt.datetime(2024, 10, 12, 9, 30, tzinfo=SH))
    got = rollups.business_minutes(frame([(fri, mon), gw, (mon, fri)]), CN, ("first_response_at",))
    assert got["first_response_at"].to_list() == [50, 3330, 0]
    # beyond the published holidays (2026 is the last year): no figure, never a guess
    late = (dt.datetime(2026, 12, 31, 10, tzinfo=SH), dt.datetime(2027, 1, 4, 10, tzinfo=SH))
    assert rollups.business_minutes(frame([late]), CN, ("first_response_at",))["first_response_at"].to_list() == [-1]


def test_aggregate_adds_kinds_5_and_6_for_projects_with_a_calendar():
    fri = dt.datetime(2026, 11, 20, 17, 30, tzinfo=SH).astimezone(dt.UTC)
    mon = dt.datetime(2026, 11, 23, 9, 20, tzinfo=SH).astimezone(dt.UTC)
    base = {"vendor_id": 1, "queue": "q", "channel": "email", "direction": "inbound", "priority": "normal",
            "agent_code": "a", "arrived_at": fri, "first_response_at": mon, "resolved_at": None,
            "abandoned": False, "wait_seconds": None, "talk_seconds": 0, "hold_seconds": 0, "wrap_seconds": 0,
            "outcome": "", "csat": None, "nps": None, "ces": None, "complaint": False}
    rows = pl.DataFrame([{**base, "project_id": 1}, {**base, "project_id": 2}], schema_overrides={
        "resolved_at": pl.Datetime("us", "UTC"), "wait_seconds": pl.Int64, "csat": pl.Int64, "nps": pl.Int64,
        "ces": pl.Int64})
    _, buckets = rollups.aggregate(rows, {1: CN})
    got = sorted(buckets.select("project_id", "kind", "value", "count").rows())
    elapsed = (3 * 24 * 60 - 8 * 60 - 10)  # Fri 17:30 → Mon 09:20
    assert got == [(1, 3, elapsed, 1), (1, 5, 50, 1), (2, 3, elapsed, 1)]
    # an undo subtracts in the same calendar: nothing left
    sums, buckets = rollups.delta(rows, rows, {1: CN})
    assert sums.height == 0 and buckets.height == 0


def test_response_and_resolution_minutes_only_for_asynchronous_channels():
    """Kinds 3–6 are read for email, social and ticket only (formulas): a call or a chat with
    response and resolution times writes none of them."""
    fri = dt.datetime(2026, 11, 20, 17, 30, tzinfo=SH).astimezone(dt.UTC)
    mon = dt.datetime(2026, 11, 23, 9, 20, tzinfo=SH).astimezone(dt.UTC)
    base = {"project_id": 1, "vendor_id": 1, "queue": "q", "direction": "inbound", "priority": "normal",
            "agent_code": "a", "arrived_at": fri, "first_response_at": mon, "resolved_at": mon,
            "abandoned": False, "wait_seconds": 30, "talk_seconds": 0, "hold_seconds": 0, "wrap_seconds": 0,
            "outcome": "", "csat": None, "nps": None, "ces": None, "complaint": False}
    rows = pl.DataFrame([{**base, "channel": c} for c in ("voice", "chat", "email", "ticket")])
    _, buckets = rollups.aggregate(rows, {1: CN})
    kinds = buckets.group_by("channel").agg(pl.col("kind").unique().sort()).sort("channel").rows()
    assert kinds == [("chat", [1]), ("email", [1, 3, 4, 5, 6]), ("ticket", [1, 3, 4, 5, 6]), ("voice", [1])]


def test_elapsed_minutes_round_up_from_microseconds_like_the_raw_builder():
    t = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
    base = {"project_id": 1, "vendor_id": 1, "queue": "q", "channel": "email", "direction": "inbound",
            "priority": "normal", "agent_code": "a", "arrived_at": t,
            "first_response_at": t + dt.timedelta(seconds=60, microseconds=500), "resolved_at": None,
            "abandoned": False, "wait_seconds": None, "talk_seconds": 0, "hold_seconds": 0, "wrap_seconds": 0,
            "outcome": "", "csat": None, "nps": None, "ces": None, "complaint": False}
    rows = pl.DataFrame([base], schema_overrides={"resolved_at": pl.Datetime("us", "UTC"), "wait_seconds": pl.Int64,
                                                  "csat": pl.Int64, "nps": pl.Int64, "ces": pl.Int64})
    _, buckets = rollups.aggregate(rows, {1: builtin_calendar("24x7")})
    assert sorted(buckets.select("kind", "value").rows()) == [(3, 2), (5, 2)]
    assert formulas.whole_minutes_up(dt.timedelta(seconds=60, microseconds=500)) == 2
