"""Deadline arithmetic for action items, corrective actions and reviews. Pure: no Django.

A due date is a calendar date in the project's time zone: an item due on the 3rd is overdue
from the 4th at 00:00 in that zone, wherever the reader sits.
"""

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo


class Urgency(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TRACK = "on_track"
    NO_DATE = "no_date"
    FINISHED = "finished"


def today_in(time_zone: str, now: datetime) -> date:
    """The calendar date it is at `now` (an aware datetime) in `time_zone`."""
    if now.tzinfo is None:
        raise ValueError("now must be time-zone aware")
    return now.astimezone(ZoneInfo(time_zone)).date()


def urgency(*, due: date | None, today: date, finished: bool, soon_days: int) -> Urgency:
    """Overdue: due before today. Due soon: due today or within the next `soon_days` days."""
    if finished:
        return Urgency.FINISHED
    if due is None:
        return Urgency.NO_DATE
    if due < today:
        return Urgency.OVERDUE
    if due <= today + timedelta(days=soon_days):
        return Urgency.DUE_SOON
    return Urgency.ON_TRACK


def days_late(*, due: date, today: date) -> int:
    return max(0, (today - due).days)
