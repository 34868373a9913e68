"""The business calendars as this installation knows them: the built-in ones of
metrics.calendars, with the holiday years its administrators entered (HolidayYear).

Its own module, not metrics.selectors: the import pipeline (interactions.store) reads
calendars, and metrics.selectors imports the engine, which imports the pipeline."""

from __future__ import annotations

from steward.metrics.calendars import BusinessCalendar, YearSchedule, builtin_calendar
from steward.metrics.models import HolidayYear


def supplement() -> tuple[YearSchedule, ...]:
    """Every entered holiday year, oldest first (hashable: builtin_calendar caches by it)."""
    return tuple(year.schedule() for year in HolidayYear.objects.order_by("year"))


def business_calendar(name: str) -> BusinessCalendar:
    """The calendar called ``name`` (CalendarError for an unknown name)."""
    return builtin_calendar(name, supplement() if name.startswith("cn-") else ())
