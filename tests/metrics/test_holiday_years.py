"""Holiday years entered by an administrator: the cn-* business calendars take a year the
holiday package does not have yet (or a correction of one), business-hours figures of that year
become measurable after the background rebuild, and every bad entry gets a clear message."""

import datetime as dt
from zoneinfo import ZoneInfo

import chinese_calendar as cc
import pytest
from django import forms
from django.core.exceptions import ValidationError

from steward.integrations import jobs
from steward.interactions import services as interactions
from steward.metrics import calendars, engine, services
from steward.metrics.calendars import CalendarError, CalendarRangeError, YearSchedule, china_calendar
from steward.metrics.forms import parse_dates
from steward.metrics.models import HolidayYear
from tests.metrics.test_business_hours import email, load, mail, within  # noqa: F401 (mail: a fixture)

SH = ZoneInfo("Asia/Shanghai")
D = dt.date
FIRST, LAST = calendars.chinese_package_years()
NEXT = LAST + 1  # the first year the package does not have
# A plausible schedule for NEXT: New Year's Day, a spring-festival week, one make-up Saturday.
NEW_YEAR = D(NEXT, 1, 1)
FESTIVAL = [D(NEXT, 2, 6) + dt.timedelta(days=n) for n in range(7)]
MAKE_UP = next(D(NEXT, 1, 24) + dt.timedelta(days=n) for n in range(7) if (D(NEXT, 1, 24) + dt.timedelta(days=n)).weekday() == 5)
SCHEDULE = YearSchedule(NEXT, frozenset([NEW_YEAR, *FESTIVAL]), frozenset([MAKE_UP]))


def first_weekday(year: int, month: int, day: int = 1) -> dt.date:
    d = D(year, month, day)
    while d.weekday() >= 5 or d == NEW_YEAR or d in FESTIVAL:
        d += dt.timedelta(days=1)
    return d


# ------------------------------------------------------------------ the calendar (pure)


def test_a_year_after_the_package_extends_the_calendar():
    cal = china_calendar("cn-9x18", "09:00-18:00", supplement=[SCHEDULE])
    assert (cal.valid_from, cal.valid_to) == (D(FIRST, 1, 1), D(NEXT, 12, 31))
    weekday_off = next(d for d in [NEW_YEAR, *FESTIVAL] if d.weekday() < 5)
    assert cal.spans_on(weekday_off) == ()
    assert cal.spans_on(MAKE_UP) == ((540, 1080),)  # a worked Saturday: Monday's hours
    assert cal.spans_on(first_weekday(NEXT, 3)) == ((540, 1080),)
    with pytest.raises(CalendarRangeError):
        cal.spans_on(D(NEXT + 1, 1, 4))
    # the package's years are untouched
    plain = china_calendar("cn-9x18", "09:00-18:00")
    assert cal.holidays >= plain.holidays and cal.workdays >= plain.workdays
    assert cal.edition != plain.edition  # stored minutes of the old edition are known stale


def test_a_year_after_a_gap_does_not_extend_the_calendar():
    later = YearSchedule(NEXT + 1, frozenset([D(NEXT + 1, 1, 1)]))
    cal = china_calendar("cn-9x18", "09:00-18:00", supplement=[later])
    assert cal.valid_to == D(LAST, 12, 31)
    assert china_calendar("cn-9x18", "09:00-18:00", supplement=[later, SCHEDULE]).valid_to == D(NEXT + 1, 12, 31)


def test_an_entered_year_replaces_the_packages_data_for_that_year_only():
    national_day = D(LAST, 10, 1)
    assert not cc.is_workday(national_day)
    correction = YearSchedule(LAST, frozenset([D(LAST, 1, 1)]))
    cal = china_calendar("cn-9x18", "09:00-18:00", supplement=[correction])
    assert cal.is_working_day(national_day) == (national_day.weekday() < 5)
    previous_national_day = D(LAST - 1, 10, 1)
    assert not china_calendar("cn-9x18", "09:00-18:00", supplement=[correction]).spans_on(previous_national_day)


@pytest.mark.parametrize("year", [LAST - 2, LAST - 1, LAST])
def test_the_packages_own_year_entered_by_hand_gives_the_same_calendar(year):
    """Cross-check: a year typed in from the package's own data (holidays with their weekends,
    make-up days) yields exactly the calendar the package alone gives, edition included."""
    days = [D(year, 1, 1) + dt.timedelta(days=n) for n in range((D(year, 12, 31) - D(year, 1, 1)).days + 1)]
    typed = YearSchedule(year, frozenset(d for d in days if cc.is_holiday(d) and cc.get_holiday_detail(d)[1]),
                         frozenset(d for d in days if d.weekday() >= 5 and cc.is_workday(d)))
    by_hand = china_calendar("cn-9x18", "09:00-18:00", supplement=[typed])
    package = china_calendar("cn-9x18", "09:00-18:00")
    assert (by_hand.holidays, by_hand.workdays, by_hand.edition) == (package.holidays, package.workdays, package.edition)


@pytest.mark.parametrize("schedule, message", [
    (dict(year=NEXT, holidays=frozenset([D(NEXT + 1, 1, 1)])), "must fall in"),
    (dict(year=NEXT, holidays=frozenset([MAKE_UP]), workdays=frozenset([MAKE_UP])), "both"),
    (dict(year=NEXT, holidays=frozenset([NEW_YEAR]), workdays=frozenset([first_weekday(NEXT, 3)])), "weekend"),
])
def test_a_schedule_is_checked_when_built(schedule, message):
    with pytest.raises(CalendarError, match=message):
        YearSchedule(**schedule)


# ------------------------------------------------------------------ reading what was typed


def test_dates_and_ranges_as_notices_write_them():
    assert parse_dates(f"{NEXT}-1-1, {NEXT}-02-06..{NEXT}-02-08、{NEXT}-04-05；\n{NEXT}-05-01 至 {NEXT}-05-02") == {
        D(NEXT, 1, 1), D(NEXT, 2, 6), D(NEXT, 2, 7), D(NEXT, 2, 8), D(NEXT, 4, 5), D(NEXT, 5, 1), D(NEXT, 5, 2)}
    assert parse_dates("  ") == set()


@pytest.mark.parametrize("text, message", [
    (f"{NEXT}-02-30", "is not a date"),
    (f"{NEXT}-02-12..{NEXT}-02-06", "ends before it starts"),
    (f"{NEXT}-01-01, next friday", "Cannot read next friday"),
    (f"{NEXT}-02-06-{NEXT}-02-12", "Cannot read"),
    (f"{NEXT}-01-01..{NEXT + 2}-01-01", "At most 366 dates"),
])
def test_unreadable_dates_are_named(text, message, english):
    with pytest.raises(forms.ValidationError, match=message):
        parse_dates(text)


# ------------------------------------------------------------------ entering a year


@pytest.mark.parametrize("year, holidays, workdays, field, message", [
    (1999, {D(1999, 1, 1)}, set(), "year", "from 2000 to 2199"),
    (NEXT, set(), set(), "holidays", "Enter the year's holidays"),
    (NEXT, {D(NEXT + 1, 1, 1)}, set(), "holidays", f"Not in {NEXT}"),
    (NEXT, {NEW_YEAR}, {first_weekday(NEXT, 3)}, "workdays", "these are weekdays"),
    (NEXT, {MAKE_UP}, {MAKE_UP}, "workdays", "Both a holiday and a working day"),
])
def test_a_bad_year_is_refused_with_its_reason(world, year, holidays, workdays, field, message, english):
    with pytest.raises(ValidationError) as refused:
        services.holiday_year_save(actor=None, year=year, holidays=holidays, workdays=workdays)
    assert message in " ".join(refused.value.message_dict[field])
    assert not HolidayYear.objects.exists()


def test_an_entered_year_makes_its_contacts_measurable(world, mail, django_capture_on_commit_callbacks):  # noqa: F811
    """A contact of the year after the package's: not measurable in business hours; once the
    year is entered, the stored minutes are stale and rebuilt in the background, then measured."""
    arrived = dt.datetime.combine(first_weekday(NEXT, 3), dt.time(10), SH)
    load(mail, world.vendor_a, [email("e1", arrived, arrived + dt.timedelta(hours=1))])
    march = engine.period(D(NEXT, 3, 1), D(NEXT, 3, 31), "Asia/Shanghai")
    assert within(world, mail, "4h", True, period=march)[()].reason == "outside_business_calendar"
    admin = world.user("client_admin")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.holiday_year_save(actor=admin, year=NEXT, holidays=set(SCHEDULE.holidays),
                                   workdays=set(SCHEDULE.workdays), source="https://www.gov.cn/")
    assert callbacks  # the rebuild was queued; the test task backend runs it at once
    assert interactions.business_minutes_stale() == []
    assert within(world, mail, "4h", True, period=march)[()].value == 1
    entry = HolidayYear.objects.get()
    assert (entry.updated_by, entry.history.get().history_user) == (admin, admin)

    # Removed again: the year is beyond the calendar once more, and the figure with it
    with django_capture_on_commit_callbacks(execute=True):
        services.holiday_year_delete(actor=admin, entry=entry)
    assert within(world, mail, "4h", True, period=march)[()].reason == "outside_business_calendar"
    assert [h.history_type for h in HolidayYear.history.order_by("history_id")] == ["+", "-"]


def test_the_daily_housekeeping_also_finds_minutes_an_entry_made_stale(
        client, world, mail, django_capture_on_commit_callbacks):  # noqa: F811 (mail: a fixture)
    arrived = dt.datetime.combine(first_weekday(NEXT, 3), dt.time(10), SH)
    load(mail, world.vendor_a, [email("e1", arrived, arrived + dt.timedelta(hours=1))])
    with django_capture_on_commit_callbacks(execute=False):  # its own rebuild never ran
        services.holiday_year_save(actor=None, year=NEXT, holidays=set(SCHEDULE.holidays))
    assert interactions.business_minutes_stale() == [mail.pk]
    client.force_login(world.user("client_admin"))  # the page says figures are on their way
    page = client.get("/metrics/holidays/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "business-hours figures of 1 project are being recomputed" in page
    now = dt.datetime.combine(D(NEXT, 3, 10), dt.time(3), dt.UTC)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.housekeeping(now, now)["business_minutes_rebuilds"] == 1
    assert interactions.business_minutes_stale() == []
    assert 'data-testid="recomputing"' not in client.get("/metrics/holidays/").content.decode()


# ------------------------------------------------------------------ the page


def test_an_administrator_enters_corrects_and_removes_a_year(client, world):
    client.force_login(world.user("client_admin"))
    page = client.get("/metrics/holidays/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{FIRST}–{LAST}" in page and "No year entered" in page
    festival = f"{FESTIVAL[0]}..{FESTIVAL[-1]}"
    answer = client.post("/metrics/holidays/", {"year": NEXT, "holidays": f"{NEW_YEAR}\n{festival}",
                                                "workdays": str(MAKE_UP), "source": "https://www.gov.cn/"},
                         HTTP_ACCEPT_LANGUAGE="en", follow=True)
    page = answer.content.decode()
    assert f"The holidays of {NEXT} were saved" in page and f"{FIRST}–{NEXT}" in page
    assert HolidayYear.objects.get().holidays == sorted(d.isoformat() for d in SCHEDULE.holidays)

    correcting = client.get(f"/metrics/holidays/?year={NEXT}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"Correct {NEXT}" in correcting and str(FESTIVAL[3]) in correcting
    refused = client.post("/metrics/holidays/", {"year": NEXT, "holidays": "tomorrow"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 400 and "Cannot read tomorrow" in refused.content.decode()
    unconfirmed = client.post("/metrics/holidays/", {"delete": NEXT}, HTTP_ACCEPT_LANGUAGE="en", follow=True)
    assert "Tick the confirmation" in unconfirmed.content.decode() and HolidayYear.objects.exists()
    removed = client.post("/metrics/holidays/", {"delete": NEXT, "confirm": "yes"}, HTTP_ACCEPT_LANGUAGE="en",
                          follow=True)
    assert f"The holidays of {NEXT} were removed" in removed.content.decode()
    assert not HolidayYear.objects.exists()
    assert client.post("/metrics/holidays/", {"delete": "1", "confirm": "yes"}).status_code == 404


def test_other_client_roles_read_and_vendor_staff_never_see_the_page(client, world):
    services.holiday_year_save(actor=None, year=NEXT, holidays=set(SCHEDULE.holidays))
    client.force_login(world.user("finance"))
    page = client.get("/metrics/holidays/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"{FIRST}–{NEXT}" in page and 'data-testid="holiday-form"' not in page
    assert client.post("/metrics/holidays/", {"year": NEXT + 1, "holidays": f"{NEXT + 1}-01-01"}).status_code == 403
    assert client.post("/metrics/holidays/", {"delete": NEXT, "confirm": "yes"}).status_code == 403
    for vendor_user in ("a-manager", "a-agent1"):
        client.force_login(world.user(vendor_user))
        assert client.get("/metrics/holidays/").status_code == 403
    assert HolidayYear.objects.count() == 1


def test_a_year_after_a_gap_is_saved_but_said_to_be_unused(client, world):
    client.force_login(world.user("client_admin"))
    later = NEXT + 1
    answer = client.post("/metrics/holidays/", {"year": later, "holidays": f"{later}-01-01"},
                         HTTP_ACCEPT_LANGUAGE="en", follow=True)
    page = answer.content.decode()
    assert f"do not use them yet: they cover {FIRST}–{LAST}" in page
    assert f'data-testid="unused-{later}"' in page and "the years before it are missing" in page
    answer = client.post("/metrics/holidays/", {"year": NEXT, "holidays": str(NEW_YEAR)},
                         HTTP_ACCEPT_LANGUAGE="en", follow=True)
    page = answer.content.decode()
    assert f"{FIRST}–{later}" in page and f'data-testid="unused-{later}"' not in page


def test_a_year_entered_twice_at_once_is_replaced_not_a_500(world, monkeypatch):
    """A double submit: both requests found no row for the year; the second one to insert
    updates the first one's row instead."""
    from django.db.models import QuerySet

    services.holiday_year_save(actor=None, year=NEXT, holidays={NEW_YEAR})
    real_first = QuerySet.first
    misses = []

    def first_misses_once(self):
        if self.model is HolidayYear and not misses:
            misses.append(True)
            return None  # as the other request's row was not there yet when this one looked
        return real_first(self)

    monkeypatch.setattr(QuerySet, "first", first_misses_once)
    entry = services.holiday_year_save(actor=None, year=NEXT, holidays=set(SCHEDULE.holidays))
    assert misses and HolidayYear.objects.count() == 1
    assert entry.holidays == sorted(d.isoformat() for d in SCHEDULE.holidays)


def test_overlapping_ranges_count_each_day_once():
    whole_year = f"{NEXT}-01-01..{NEXT}-12-31"
    assert len(parse_dates(f"{whole_year}, {whole_year}")) == (D(NEXT, 12, 31) - D(NEXT, 1, 1)).days + 1


def test_a_rebuild_records_the_edition_it_computed_in(world, mail, monkeypatch):  # noqa: F811
    """Holidays saved while a rebuild runs: the rebuild's minutes are recorded in the edition
    they were computed in, so they stay stale for the next rebuild."""
    from steward.interactions import store
    from steward.interactions.models import BusinessMinutes

    arrived = dt.datetime.combine(first_weekday(NEXT, 3), dt.time(10), SH)
    load(mail, world.vendor_a, [email("e1", arrived, arrived + dt.timedelta(hours=1))])
    before, after = store.business_calendar("cn-9x18"), china_calendar("cn-9x18", supplement=[SCHEDULE])
    calls = []

    def changes_during_the_rebuild(name):
        calls.append(name)
        return before if len(calls) == 1 else after

    monkeypatch.setattr(store, "business_calendar", changes_during_the_rebuild)
    store.rebuild_business_minutes(mail.pk)
    assert BusinessMinutes.objects.get(project=mail).edition == before.edition


@pytest.mark.parametrize("cache_seconds", [0, 300])
def test_one_computation_reads_the_holiday_years_once(world, mail, settings, cache_seconds):  # noqa: F811
    """The calendar's edition is read once and serves both the cache key and the answer; FCR,
    which does not depend on the calendar, does not read it at all."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.STEWARD_KPI_CACHE_SECONDS = cache_seconds
    cache.clear()
    arrived = dt.datetime.combine(first_weekday(LAST, 3), dt.time(10), SH)
    load(mail, world.vendor_a, [email("e1", arrived, arrived + dt.timedelta(hours=1))])
    march = engine.period(D(LAST, 3, 1), D(LAST, 3, 31), "Asia/Shanghai")
    table = HolidayYear._meta.db_table
    with CaptureQueriesContext(connection) as queries:
        answer = within(world, mail, "4h", True, period=march)
    assert answer[()].value == 1
    assert sum(table in q["sql"] for q in queries) == 1
    with CaptureQueriesContext(connection) as queries:
        engine.fcr_counts(user=world.user("client_admin"), project=mail, period=march)
    assert sum(table in q["sql"] for q in queries) == 0
