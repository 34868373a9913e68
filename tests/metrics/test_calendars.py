"""Business-hours durations: hand-computed cases across nights, weekends, a Chinese Golden Week
with its make-up days, DST in Berlin and New York; and properties on random instants."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.metrics import calendars as c
from steward.metrics import formulas as f
from steward.metrics.calendars import BusinessCalendar, CalendarError, CalendarRangeError

SH = ZoneInfo("Asia/Shanghai")
BERLIN = ZoneInfo("Europe/Berlin")
NY = ZoneInfo("America/New_York")
H = timedelta(hours=1)

CN = c.builtin_calendar("cn-9x18")


def sh(*args):
    return datetime(*args, tzinfo=SH)


def test_parse_spans():
    assert c.parse_spans("09:00-12:00, 13:00-18:00") == ((540, 720), (780, 1080))
    assert c.parse_spans("00:00-24:00") == ((0, 1440),)
    assert c.parse_spans("") == ()
    for bad in ("9-18", "18:00-09:00", "09:00-12:00,11:00-13:00", "09:75-10:00", "00:00-24:30"):
        with pytest.raises(CalendarError):
            c.parse_spans(bad)
    assert c.format_spans(((540, 720), (780, 1080))) == "09:00-12:00, 13:00-18:00"


def test_ordinary_week_shanghai():
    # Mon 17:00 → Tue 10:00: 1 h Monday + 1 h Tuesday
    assert CN.business_duration(sh(2024, 3, 4, 17), sh(2024, 3, 5, 10)) == 2 * H
    # Fri 17:00 → Mon 10:00: weekend is closed → 2 h
    assert CN.business_duration(sh(2024, 3, 8, 17), sh(2024, 3, 11, 10)) == 2 * H
    # entirely at night: 0; reversed arguments: negative
    assert CN.business_duration(sh(2024, 3, 4, 19), sh(2024, 3, 5, 8, 59)) == timedelta(0)
    assert CN.business_duration(sh(2024, 3, 5, 10), sh(2024, 3, 4, 17)) == -2 * H
    # the same instants written in another zone give the same answer
    a = sh(2024, 3, 4, 17).astimezone(BERLIN)
    assert CN.business_duration(a, sh(2024, 3, 5, 10).astimezone(UTC)) == 2 * H


def test_golden_week_2024_with_make_up_days():
    # National Day 2024: Oct 1–7 off; Sunday Sep 29 and Saturday Oct 12 are working days.
    assert CN.is_working_day(date(2024, 9, 29)) and CN.is_working_day(date(2024, 10, 12))
    assert not CN.is_working_day(date(2024, 10, 1)) and not CN.is_working_day(date(2024, 9, 28))
    # Fri Sep 27 17:00 → Mon Sep 30 10:00: Fri 1 h + Sun Sep 29 9 h + Mon 1 h = 11 h
    assert CN.business_duration(sh(2024, 9, 27, 17), sh(2024, 9, 30, 10)) == 11 * H
    # Mon Sep 30 17:00 → Tue Oct 8 10:00: 1 h + seven days off + 1 h = 2 h
    assert CN.business_duration(sh(2024, 9, 30, 17), sh(2024, 10, 8, 10)) == 2 * H
    # Fri Oct 11 17:00 → Mon Oct 14 10:00: 1 h + Sat Oct 12 9 h + Sun off + 1 h = 11 h
    assert CN.business_duration(sh(2024, 10, 11, 17), sh(2024, 10, 14, 10)) == 11 * H
    # an urgent email at 17:00 on Sep 30 with a 4 h business target is due Oct 8 at 12:00
    assert CN.add_business_time(sh(2024, 9, 30, 17), 4 * H) == sh(2024, 10, 8, 12)


def test_lunch_break_and_adjusted_hours():
    cal = BusinessCalendar("x", "Asia/Shanghai", c.weekly_hours("09:00-12:00, 13:00-18:00"),
                           workdays=frozenset({date(2024, 3, 9)}),
                           adjusted_hours=c.parse_spans("10:00-12:00"))
    # 11:00 → 14:00 with lunch 12–13 closed: 1 h + 1 h
    assert cal.business_duration(sh(2024, 3, 4, 11), sh(2024, 3, 4, 14)) == 2 * H
    # an adjusted Saturday with its own short hours: 2 h
    assert cal.business_duration(sh(2024, 3, 9), sh(2024, 3, 10)) == 2 * H
    assert cal.add_business_time(sh(2024, 3, 4, 11, 30), H) == sh(2024, 3, 4, 13, 30)
    assert cal.add_business_time(sh(2024, 3, 4, 20), timedelta(0)) == sh(2024, 3, 4, 20)


def test_dst_berlin_always_open():
    cal = BusinessCalendar("de-24x7", "Europe/Berlin", c.ALWAYS)
    # spring forward Sun 2024-03-31: Sat 12:00 → Sun 12:00 wall time is 23 real hours
    a, b = datetime(2024, 3, 30, 12, tzinfo=BERLIN), datetime(2024, 3, 31, 12, tzinfo=BERLIN)
    assert cal.business_duration(a, b) == 23 * H == b.astimezone(UTC) - a.astimezone(UTC)
    # fall back Sun 2024-10-27: 25 hours
    a, b = datetime(2024, 10, 26, 12, tzinfo=BERLIN), datetime(2024, 10, 27, 12, tzinfo=BERLIN)
    assert cal.business_duration(a, b) == 25 * H


def test_wall_times_in_the_spring_forward_gap():
    # Berlin 2024-03-31: 02:00 CET jumps to 03:00 CEST. Sunday hours that touch the gap:
    cal = BusinessCalendar("de-gap", "Europe/Berlin",
                           c.weekly_hours({"sun": "01:00-02:30, 02:30-02:45, 02:45-24:00"}))
    day = (datetime(2024, 3, 31, tzinfo=BERLIN), datetime(2024, 4, 1, tzinfo=BERLIN))
    assert cal.business_duration(*day) == 22 * H  # 01:00 → 24:00 is 22 real hours
    spans = cal.intervals_on(date(2024, 3, 31))
    transition = datetime(2024, 3, 31, 1, tzinfo=UTC)
    # 01:00-02:30 ends at the transition (1 h); 02:30-02:45 never shows on the wall (empty)
    assert spans[0] == (datetime(2024, 3, 31, 0, tzinfo=UTC), transition)
    assert spans[1][0] == transition and len(spans) == 2


def test_dst_night_shift_new_york():
    # a night desk open 22:00–24:00 and 00:00–06:00 every day
    cal = BusinessCalendar("ny-night", "America/New_York",
                           tuple(c.parse_spans("00:00-06:00, 22:00-24:00") for _ in range(7)))
    # 2024-03-10 clocks jump 02:00 → 03:00: Sat 22:00 → Sun 06:00 is 2 h + 5 h = 7 h
    assert cal.business_duration(datetime(2024, 3, 9, 22, tzinfo=NY),
                                 datetime(2024, 3, 10, 6, tzinfo=NY)) == 7 * H
    # 2024-11-03 clocks fall 02:00 → 01:00: the same night is 2 h + 7 h = 9 h
    assert cal.business_duration(datetime(2024, 11, 2, 22, tzinfo=NY),
                                 datetime(2024, 11, 3, 6, tzinfo=NY)) == 9 * H


def test_holidays_package_and_files():
    us = c.country_calendar("us-9x17", "US", [2024], hours="09:00-17:00",
                            time_zone="America/New_York")
    assert not us.is_working_day(date(2024, 7, 4))  # Independence Day, a Thursday
    # Wed Jul 3 16:00 → Fri Jul 5 10:00: 1 h + holiday + 1 h
    assert us.business_duration(datetime(2024, 7, 3, 16, tzinfo=NY),
                                datetime(2024, 7, 5, 10, tzinfo=NY)) == 2 * H
    with pytest.raises(CalendarRangeError):
        us.business_duration(datetime(2025, 1, 2, tzinfo=NY), datetime(2025, 1, 3, tzinfo=NY))

    cal = c.calendar_from_yaml("""
name: de-by-8x17
time_zone: Europe/Berlin
hours: {mon: "08:00-17:00", tue: "08:00-17:00", wed: "08:00-17:00", thu: "08:00-17:00",
        fri: "08:00-15:00"}
holidays: [2024-10-03]
workdays: [2024-10-05]
""")
    assert cal.hours[4] == ((480, 900),) and cal.hours[5] == ()
    # Thu Oct 3 is a holiday; Fri 8–15 = 7 h; Sat Oct 5 worked with Monday's hours = 9 h
    assert cal.business_duration(datetime(2024, 10, 3, tzinfo=BERLIN),
                                 datetime(2024, 10, 6, tzinfo=BERLIN)) == 16 * H

    holidays, workdays = c.dates_from_csv("date,kind,name\n2024-05-01,holiday,Labour\n"
                                          "2024-04-28,workday,make-up\n")
    assert holidays == {date(2024, 5, 1)} and workdays == {date(2024, 4, 28)}
    with pytest.raises(CalendarError, match="line 3"):
        c.dates_from_csv("date,kind\n2024-05-01,holiday\n2024-13-01,holiday\n")
    for bad in ("name: x\n", "[1, 2]", "name: x\ntime_zone: Mars/Base\nhours: '09:00-18:00'\n",
                "name: x\ntime_zone: UTC\nhours: {funday: '09:00-10:00'}\n",
                "name: x\ntime_zone: UTC\nhours: '09:00-18:00'\nholidays: [tomorrow]\n"):
        with pytest.raises(CalendarError):
            c.calendar_from_yaml(bad)


def test_china_coverage_is_explicit():
    with pytest.raises(CalendarRangeError, match="no holiday data"):
        CN.business_duration(sh(2099, 1, 5, 9), sh(2099, 1, 6, 9))
    for unknown in ("mars-9x18", "cn-09x18", "cn-9x018"):  # one spelling per calendar
        with pytest.raises(CalendarError):
            c.builtin_calendar(unknown)
    assert c.builtin_calendar("24x7").business_duration(
        datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 8, tzinfo=UTC)) == 7 * 24 * H
    with pytest.raises(ValueError, match="aware"):
        CN.business_duration(datetime(2024, 1, 1), datetime(2024, 1, 2))


def test_business_hours_feed_first_response_within():
    # Email at 17:00 Mon Sep 30 2024, answered 10:00 Tue Oct 8: 185 h elapsed, 2 business hours.
    row = {"channel": "email", "priority": "urgent", "arrived_at": sh(2024, 9, 30, 17),
           "first_response_at": sh(2024, 10, 8, 10), "abandoned": False}
    s = f.contact_stats([row], calendar=CN)
    assert s.calendar == "cn-9x18"
    assert f.compute("first_response_within", s, {"threshold": "4h"}).value == 0.0
    assert f.compute("first_response_within", s,
                     {"threshold": "4h", "business_hours": True}).value == 1.0


instants = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2025, 12, 31),
                        timezones=st.just(UTC))
CALENDARS = [
    CN,
    BusinessCalendar("berlin", "Europe/Berlin",
                     c.weekly_hours({"mon": "08:00-12:00, 13:00-17:00", "sat": "01:30-03:30",
                                     "sun": "01:30-02:15, 02:45-03:30, 12:00-13:00"}),
                     holidays=frozenset({date(2024, 12, 25)})),
    BusinessCalendar("ny", "America/New_York", c.ALWAYS),
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(CALENDARS), instants, instants, instants)
def test_duration_is_additive_and_bounded(cal, x, y, z):
    a, b, cc = sorted((x, y, z))
    d = cal.business_duration
    assert d(a, cc) == d(a, b) + d(b, cc)
    assert timedelta(0) <= d(a, b) <= b - a
    if cal.name == "ny":
        assert d(a, b) == b - a  # always open: business time is real elapsed time


@settings(max_examples=40, deadline=None)
@given(instants, st.integers(0, 60 * 60 * 40))
def test_add_business_time_inverts_duration(start, seconds):
    due = CN.add_business_time(start, timedelta(seconds=seconds))
    assert CN.business_duration(start, due) == timedelta(seconds=seconds)


@settings(max_examples=40, deadline=None)
@given(st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31)),
       st.integers(0, 14 * 60 - 1), st.integers(1, 15 * 60))
def test_zero_outside_hours(day, start_min, length):
    # from 18:00 on day to 09:00 next day is always closed in cn-9x18 (make-up days included)
    a = datetime.combine(day, datetime.min.time(), tzinfo=SH) + timedelta(hours=18)
    lo = a + timedelta(minutes=start_min % (15 * 60))
    hi = min(lo + timedelta(minutes=length), a + timedelta(hours=15))
    assert CN.business_duration(lo, hi) == timedelta(0)


def test_period_bounds_in_the_project_zone():
    # March 2024 in Berlin: 31 days less the hour skipped on the 31st
    start, end = c.period_bounds("month", date(2024, 3, 15), "Europe/Berlin")
    assert (start.astimezone(BERLIN).isoformat(), end.astimezone(BERLIN).isoformat()) == (
        "2024-03-01T00:00:00+01:00", "2024-04-01T00:00:00+02:00")
    assert start.tzinfo is UTC
    assert end - start == timedelta(days=31) - H
    # ISO week of Wednesday 2024-10-02 in Shanghai: Monday Sep 30 → Monday Oct 7
    start, end = c.period_bounds("week", date(2024, 10, 2), "Asia/Shanghai")
    assert (start, end) == (sh(2024, 9, 30), sh(2024, 10, 7))
    # December rolls into January
    assert c.period_bounds("month", date(2024, 12, 31), "UTC")[1] == datetime(2025, 1, 1,
                                                                              tzinfo=UTC)
    # Santiago skips local midnight on 2024-09-08 (00:00 → 01:00): the day starts at the jump
    start, end = c.period_bounds("day", date(2024, 9, 8), "America/Santiago")
    assert start.astimezone(UTC) == datetime(2024, 9, 8, 4, tzinfo=UTC)
    assert end - start == timedelta(hours=23)
    with pytest.raises(ValueError):
        c.period_bounds("quarter", date(2024, 1, 1), "UTC")


def test_periods_cover_a_range():
    months = c.periods("month", date(2024, 1, 15), date(2024, 3, 1), "Asia/Shanghai")
    assert [s.astimezone(SH).date() for s, _ in months] == [
        date(2024, 1, 1), date(2024, 2, 1), date(2024, 3, 1)]
    assert all(a[1] == b[0] for a, b in zip(months, months[1:]))
    weeks = c.periods("week", date(2024, 9, 30), date(2024, 10, 13), "Asia/Shanghai")
    assert len(weeks) == 2
    with pytest.raises(ValueError):
        c.periods("day", date(2024, 2, 1), date(2024, 1, 1), "UTC")


@st.composite
def random_calendars(draw):
    """Any weekly hours in zones with odd DST: 30-minute shifts (Lord Howe), midnight gaps
    (Santiago), none (Shanghai), and a few holidays and worked weekend days."""
    def day_spans():
        cuts = sorted(draw(st.sets(st.integers(0, 48), max_size=6)))
        return ",".join(f"{a * 30 // 60:02d}:{a * 30 % 60:02d}-{b * 30 // 60:02d}:{b * 30 % 60:02d}"
                        for a, b in zip(cuts[::2], cuts[1::2]) if a < b)
    hours = {day: day_spans() for day in c.WEEKDAYS}
    days = st.dates(min_value=date(2024, 1, 1), max_value=date(2025, 12, 31))
    holidays = draw(st.frozensets(days, max_size=5))
    workdays = draw(st.frozensets(days, max_size=3)) - holidays
    zone = draw(st.sampled_from(["Australia/Lord_Howe", "America/Santiago", "Asia/Shanghai",
                                 "Europe/Berlin"]))
    return BusinessCalendar("random", zone, c.weekly_hours(hours), holidays, workdays)


@settings(max_examples=40, deadline=None)
@given(random_calendars(), instants, instants, instants)
def test_random_calendars_additive_bounded(cal, x, y, z):
    a, b, cc = sorted((x, y, z))
    d = cal.business_duration
    assert d(a, cc) == d(a, b) + d(b, cc)
    assert timedelta(0) <= d(a, b) <= b - a
    for day in (a.date(), b.date()):
        spans = cal.intervals_on(day)
        assert all(s < e for s, e in spans)
        assert all(e1 <= s2 for (_, e1), (s2, _) in zip(spans, spans[1:]))  # never overlap


@settings(max_examples=30, deadline=None)
@given(random_calendars(), instants, st.integers(0, 60 * 60 * 30))
def test_random_calendars_due_time(cal, start, seconds):
    if not any(cal.hours):
        return  # a calendar that never opens has no due time
    due = cal.add_business_time(start, timedelta(seconds=seconds))
    assert cal.business_duration(start, due) == timedelta(seconds=seconds)


@pytest.mark.parametrize("day", ["2025-02-30", "2025-13-45"])
def test_a_date_the_calendar_lacks_is_a_calendar_error(day):
    with pytest.raises(CalendarError, match="not a valid date"):
        c.calendar_from_yaml(f'name: x\ntime_zone: Asia/Shanghai\nhours: "08:00-17:00"\nholidays: [{day}]')
