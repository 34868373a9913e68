"""Business calendars: working hours per weekday, a time zone, holidays and adjusted working days.

Pure (no Django). Durations are exact: each working interval is placed on the wall clock of the
calendar's time zone and converted to UTC, so nights, weekends, holidays and DST transitions all
count what a clock on the office wall would show. A wall time that does not exist (inside a
spring-forward gap) is taken as the instant of the transition, so "01:00-02:30" on the night
Berlin skips 02:00-03:00 lasts one hour; an ambiguous one (fall-back) is its first occurrence.
That mapping never runs backwards, so working intervals never overlap in real time.

Sources: mainland China's statutory holidays and make-up working days from the maintained
``chinese_calendar`` package; other regions from the ``holidays`` package or a YAML/CSV file.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60

Span = tuple[int, int]  # minutes after local midnight, 0 <= start < end <= 1440


class CalendarError(ValueError):
    """A calendar definition is invalid."""


class CalendarRangeError(ValueError):
    """A computation needs holiday data the calendar lacks (e.g. a year not yet published)."""


_SPAN = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def parse_spans(value: str | Iterable[str] | None) -> tuple[Span, ...]:
    """'09:00-12:00, 13:00-18:00' (or a list of such) → ((540, 720), (780, 1080)); '' → ()."""
    if value is None:
        return ()
    parts = value.split(",") if isinstance(value, str) else list(value)
    spans = []
    for part in parts:
        if not str(part).strip():
            continue
        m = _SPAN.match(str(part))
        if not m:
            raise CalendarError(f"expected working hours like '09:00-18:00', got {part!r}")
        h1, m1, h2, m2 = map(int, m.groups())
        start, end = h1 * 60 + m1, h2 * 60 + m2
        if m1 > 59 or m2 > 59 or not 0 <= start < end <= DAY_MINUTES:
            raise CalendarError(f"working hours {part!r} must run forward within 00:00-24:00")
        spans.append((start, end))
    spans.sort()
    for (_, e1), (s2, _) in zip(spans, spans[1:]):
        if s2 < e1:
            raise CalendarError(f"working hours overlap in {value!r}")
    return tuple(spans)


def format_spans(spans: tuple[Span, ...]) -> str:
    return ", ".join(f"{s // 60:02d}:{s % 60:02d}-{e // 60:02d}:{e % 60:02d}" for s, e in spans)


@dataclass(frozen=True)
class BusinessCalendar:
    name: str
    time_zone: str
    hours: tuple[tuple[Span, ...], ...]  # seven entries, Monday first
    holidays: frozenset[date] = frozenset()  # no work, whatever the weekday
    workdays: frozenset[date] = frozenset()  # adjusted working days (e.g. make-up Saturdays)
    adjusted_hours: tuple[Span, ...] | None = None  # hours on an adjusted day; default Monday's
    valid_from: date | None = None  # the holiday data covers [valid_from, valid_to]
    valid_to: date | None = None
    _cache: dict = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self):
        try:
            ZoneInfo(self.time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise CalendarError(f"unknown time zone {self.time_zone!r}") from None
        if len(self.hours) != 7:
            raise CalendarError("hours must give seven weekdays, Monday first")
        if both := self.holidays & self.workdays:
            raise CalendarError(f"dates both holiday and working day: {sorted(both)[:3]}")

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @functools.cached_property
    def edition(self) -> str:
        """A fingerprint of everything the durations depend on: the same name with other holiday
        data (a newer year of the holiday package) is another edition, so minutes stored in the
        old one are known to be stale."""
        content = repr((self.name, self.time_zone, self.hours, sorted(self.holidays), sorted(self.workdays),
                        self.adjusted_hours, self.valid_from, self.valid_to))
        return hashlib.sha256(content.encode()).hexdigest()[:16]

    def _check_range(self, d: date) -> None:
        if (self.valid_from and d < self.valid_from) or (self.valid_to and d > self.valid_to):
            raise CalendarRangeError(
                f"calendar {self.name} has no holiday data for {d.isoformat()} (it covers "
                f"{self.valid_from or '…'} to {self.valid_to or '…'})"
            )

    def covers(self, d: date) -> bool:
        """Whether the calendar's holiday data covers local date d."""
        return not ((self.valid_from and d < self.valid_from) or (self.valid_to and d > self.valid_to))

    def spans_on(self, d: date) -> tuple[Span, ...]:
        """Working hours on local date d, in minutes after midnight."""
        self._check_range(d)
        if d in self.holidays:
            return ()
        if d in self.workdays:
            return self.adjusted_hours if self.adjusted_hours is not None else self.hours[0]
        return self.hours[d.weekday()]

    def is_working_day(self, d: date) -> bool:
        return bool(self.spans_on(d))

    def intervals_on(self, d: date) -> tuple[tuple[datetime, datetime], ...]:
        """Working intervals of local date d as UTC instants (exact across DST)."""
        cached = self._cache.get(d)
        if cached is not None:
            return cached
        out = []
        for start, end in self.spans_on(d):
            # Each end placed on the wall clock then converted: a 00:00-24:00 day lasts 23 or
            # 25 hours at DST.
            a, b = self._wall_to_utc(d, start), self._wall_to_utc(d, end)
            if b > a:
                out.append((a, b))
        result = tuple(out)
        self._cache[d] = result
        return result

    def _wall_to_utc(self, d: date, minutes: int) -> datetime:
        return wall_to_utc(d, minutes, self.tz)

    def business_duration(self, start: datetime, end: datetime) -> timedelta:
        """Working time between two aware instants; negative when end < start."""
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("business_duration needs time-zone-aware datetimes")
        if end < start:
            return -self.business_duration(end, start)
        a, b = start.astimezone(UTC), end.astimezone(UTC)
        tz = self.tz
        first, final = a.astimezone(tz).date(), b.astimezone(tz).date()
        # The local dates of the span itself must be covered (CalendarRangeError otherwise);
        # the day on either side is read only as a margin (a zone falling back across
        # midnight), and skipped where the calendar has no data for it.
        self._check_range(first)
        self._check_range(final)
        day, last = first - timedelta(days=1), final + timedelta(days=1)
        total = timedelta(0)
        while day <= last:
            if not self.covers(day):
                day += timedelta(days=1)
                continue
            for s, e in self.intervals_on(day):
                lo, hi = max(s, a), min(e, b)
                if hi > lo:
                    total += hi - lo
            day += timedelta(days=1)
        return total

    def business_seconds(self, start: datetime, end: datetime) -> float:
        return self.business_duration(start, end).total_seconds()

    def add_business_time(self, start: datetime, duration: timedelta,
                          max_days: int = 3660) -> datetime:
        """The instant at which ``duration`` of working time has passed since ``start``
        (a due time). Ends inside a working interval, never in the gap after it."""
        if start.tzinfo is None:
            raise ValueError("add_business_time needs a time-zone-aware datetime")
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        if not duration:
            return start
        a = start.astimezone(UTC)
        remaining = duration
        day = a.astimezone(self.tz).date() - timedelta(days=1)
        for _ in range(max_days):
            for s, e in self.intervals_on(day):
                lo = max(s, a)
                if e <= lo:
                    continue
                if remaining <= e - lo:
                    return (lo + remaining).astimezone(start.tzinfo)
                remaining -= e - lo
            day += timedelta(days=1)
        raise CalendarRangeError(f"no {duration} of working time within {max_days} days")


def wall_to_utc(d: date, minutes: int, tz: ZoneInfo) -> datetime:
    """The UTC instant of wall time ``minutes`` after midnight of local date d (1440: the next
    midnight). A wall time inside a DST gap maps to the transition; an ambiguous one to its
    first occurrence — so the mapping never runs backwards."""
    naive = datetime.combine(d, time(0)) + timedelta(minutes=minutes)
    later = naive.replace(tzinfo=tz).astimezone(UTC)  # fold=0
    if later.astimezone(tz).replace(tzinfo=None) == naive:
        return later
    # In a gap: fold=1 maps before the transition, fold=0 after it. Bisect on whole seconds
    # for the transition instant (zone transitions fall on whole seconds).
    lo = int(naive.replace(tzinfo=tz, fold=1).astimezone(UTC).timestamp())
    hi = int(later.timestamp())
    new_offset = later.astimezone(tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == new_offset:
            hi = mid
        else:
            lo = mid
    return datetime.fromtimestamp(hi, UTC)


PERIOD_KINDS = ("day", "week", "month")


def _period_first_day(kind: str, d: date) -> date:
    if kind == "day":
        return d
    if kind == "week":
        return d - timedelta(days=d.weekday())  # ISO weeks start on Monday
    if kind == "month":
        return d.replace(day=1)
    raise ValueError(f"period must be one of {', '.join(PERIOD_KINDS)}, got {kind!r}")


def _next_period_day(kind: str, first: date) -> date:
    if kind == "day":
        return first + timedelta(days=1)
    if kind == "week":
        return first + timedelta(days=7)
    return date(first.year + first.month // 12, first.month % 12 + 1, 1)


def period_bounds(kind: str, d: date, time_zone: str) -> tuple[datetime, datetime]:
    """[start, end) of the day, ISO week or month containing local date d of ``time_zone``
    (a contact belongs to the period of its arrival in the project's zone), as UTC instants —
    UTC so that ``end - start`` is real elapsed time (Python subtracts two datetimes sharing a
    zone by wall clock)."""
    tz = ZoneInfo(time_zone)
    first = _period_first_day(kind, d)
    return wall_to_utc(first, 0, tz), wall_to_utc(_next_period_day(kind, first), 0, tz)


def periods(kind: str, first: date, last: date, time_zone: str) -> list[tuple[datetime, datetime]]:
    """The periods covering local dates first…last inclusive, in order (for a backtest)."""
    if last < first:
        raise ValueError(f"the range ends ({last}) before it starts ({first})")
    out, day = [], _period_first_day(kind, first)
    while day <= last:
        out.append(period_bounds(kind, day, time_zone))
        day = _next_period_day(kind, day)
    return out


def weekly_hours(spec: Mapping[str, str | list[str] | None] | str) -> tuple[tuple[Span, ...], ...]:
    """{'mon': '09:00-18:00', ...} (missing days: closed) or one string for Monday–Friday."""
    if isinstance(spec, str):
        spans = parse_spans(spec)
        return tuple(spans if i < 5 else () for i in range(7))
    unknown = set(spec) - set(WEEKDAYS)
    if unknown:
        raise CalendarError(f"unknown weekday(s) {sorted(unknown)}; use {', '.join(WEEKDAYS)}")
    return tuple(parse_spans(spec.get(day)) for day in WEEKDAYS)


ALWAYS = tuple(((0, DAY_MINUTES),) for _ in range(7))


# --------------------------------------------------------------------------- sources


def chinese_package_years() -> tuple[int, int]:
    """The first and last year the installed ``chinese_calendar`` package has holiday data for."""
    from chinese_calendar import constants

    years = {d.year for d in constants.holidays} | {d.year for d in constants.workdays}
    return min(years), max(years)


@dataclass(frozen=True)
class YearSchedule:
    """One year of mainland China's statutory holidays and make-up working days, as the State
    Council announces them each year, entered by an administrator for a year the package does
    not have yet (or to correct one). ``holidays`` may include weekend days (an announced
    holiday period usually does); ``workdays`` are the weekend days that are worked."""

    year: int
    holidays: frozenset[date]
    workdays: frozenset[date] = frozenset()

    def __post_init__(self):
        if any(d.year != self.year for d in self.holidays | self.workdays):
            raise CalendarError(f"every date of the {self.year} schedule must fall in {self.year}")
        if both := self.holidays & self.workdays:
            raise CalendarError(f"dates both holiday and working day: {sorted(both)[:3]}")
        if weekdays := sorted(d for d in self.workdays if d.weekday() < 5):
            raise CalendarError(f"make-up working days fall on a weekend, not {weekdays[0]}")


def china_calendar(name: str = "cn-9x18", hours: str | Mapping = "09:00-18:00",
                   time_zone: str = "Asia/Shanghai",
                   supplement: Iterable[YearSchedule] = ()) -> BusinessCalendar:
    """Mainland China: statutory holidays and make-up working days from ``chinese_calendar``,
    and from ``supplement`` for the years it gives (which replace the package's for that year).

    ``hours`` are the normal Monday–Friday hours (or a per-weekday mapping); make-up working
    days use Monday's hours. The calendar covers the package's years and the supplement's years
    that continue them without a gap; dates outside raise CalendarRangeError rather than
    guessing.
    """
    import chinese_calendar as cc

    first, last = chinese_package_years()
    schedules = {s.year: s for s in supplement}
    while first - 1 in schedules:
        first -= 1
    while last + 1 in schedules:
        last += 1
    holidays, workdays = set(), set()
    d = date(first, 1, 1)
    while d <= date(last, 12, 31):
        if d.year not in schedules:
            work = cc.is_workday(d)
            if d.weekday() < 5 and not work:
                holidays.add(d)
            elif d.weekday() >= 5 and work:
                workdays.add(d)
        d += timedelta(days=1)
    for schedule in schedules.values():
        if first <= schedule.year <= last:
            holidays |= {d for d in schedule.holidays if d.weekday() < 5}
            workdays |= schedule.workdays
    return BusinessCalendar(name, time_zone, weekly_hours(hours), frozenset(holidays),
                            frozenset(workdays), valid_from=date(first, 1, 1), valid_to=date(last, 12, 31))


def country_calendar(name: str, country: str, years: Iterable[int], *, hours: str | Mapping,
                     time_zone: str, subdiv: str | None = None) -> BusinessCalendar:
    """Public holidays of ``country`` (ISO code, optional subdivision) from the ``holidays``
    package, for the given years only."""
    import holidays as hol

    years = sorted(set(years))
    if not years:
        raise CalendarError("give at least one year")
    try:
        days = hol.country_holidays(country, subdiv=subdiv, years=years)
    except NotImplementedError:
        raise CalendarError(f"no holiday data for country {country!r}") from None
    return BusinessCalendar(name, time_zone, weekly_hours(hours), frozenset(days.keys()),
                            valid_from=date(years[0], 1, 1), valid_to=date(years[-1], 12, 31))


def dates_from_csv(text: str) -> tuple[frozenset[date], frozenset[date]]:
    """CSV with columns ``date`` (YYYY-MM-DD) and ``kind`` (holiday | workday), optional name.

    Returns (holidays, workdays); errors name the line."""
    holidays, workdays = set(), set()
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"date", "kind"} <= set(reader.fieldnames):
        raise CalendarError("the calendar CSV needs the columns date and kind")
    for row in reader:
        line = reader.line_num
        try:
            d = date.fromisoformat((row["date"] or "").strip())
        except ValueError:
            raise CalendarError(f"line {line}: expected a date YYYY-MM-DD, got {row['date']!r}") \
                from None
        kind = (row["kind"] or "").strip()
        if kind not in ("holiday", "workday"):
            raise CalendarError(f"line {line}: kind must be holiday or workday, got {kind!r}")
        (holidays if kind == "holiday" else workdays).add(d)
    return frozenset(holidays), frozenset(workdays)


def calendar_from_yaml(text: str) -> BusinessCalendar:
    """A calendar file::

        name: de-by-8x17
        time_zone: Europe/Berlin
        hours: {mon: "08:00-17:00", tue: "08:00-17:00", ..., sat: ""}   # or one string Mon–Fri
        holidays: [2024-01-01, 2024-12-25]
        workdays: []                 # adjusted working days
        adjusted_hours: "09:00-18:00"   # optional; default Monday's hours
        valid_from: 2024-01-01       # optional coverage of the holiday data
        valid_to: 2024-12-31
    """
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CalendarError(f"not valid YAML: {exc}") from None
    except ValueError as exc:  # a date YAML reads but the calendar lacks (2025-02-30)
        raise CalendarError(f"not a valid date or time: {exc}") from None
    if not isinstance(data, dict):
        raise CalendarError("a calendar file is a mapping with name, time_zone and hours")
    allowed = {"name", "time_zone", "hours", "holidays", "workdays", "adjusted_hours",
               "valid_from", "valid_to"}
    if unknown := set(data) - allowed:
        raise CalendarError(f"unknown key(s) {sorted(unknown)}")
    for key in ("name", "time_zone", "hours"):
        if key not in data:
            raise CalendarError(f"{key} is required")

    def dates(key):
        values = data.get(key) or []
        if not isinstance(values, list) or not all(isinstance(v, date) for v in values):
            raise CalendarError(f"{key} must be a list of dates YYYY-MM-DD")
        return frozenset(values)

    for key in ("valid_from", "valid_to"):
        if data.get(key) is not None and not isinstance(data[key], date):
            raise CalendarError(f"{key} must be a date YYYY-MM-DD")
    adjusted = data.get("adjusted_hours")
    return BusinessCalendar(
        str(data["name"]), str(data["time_zone"]), weekly_hours(data["hours"]), dates("holidays"),
        dates("workdays"), parse_spans(adjusted) if adjusted is not None else None,
        data.get("valid_from"), data.get("valid_to"),
    )


# One spelling per calendar (cn-9x18, not cn-09x18): projects and policies compare names.
_BUILTIN = re.compile(r"^cn-(0|[1-9]\d?)x([1-9]\d?)$")


@functools.lru_cache(maxsize=16)
def builtin_calendar(name: str, supplement: tuple[YearSchedule, ...] = ()) -> BusinessCalendar:
    """Calendars known by name: ``cn-HxH`` (mainland China, Monday–Friday H:00–H:00 in
    Asia/Shanghai, statutory holidays and make-up days, with ``supplement``'s years: see
    china_calendar), ``24x7`` (UTC, always open) and ``cn-24x7`` (Asia/Shanghai, always open —
    no holidays)."""
    if name == "24x7":
        return BusinessCalendar(name, "UTC", ALWAYS)
    if name == "cn-24x7":
        return BusinessCalendar(name, "Asia/Shanghai", ALWAYS)
    m = _BUILTIN.match(name)
    if m and int(m[1]) < int(m[2]) <= 24:
        return china_calendar(name, f"{int(m[1]):02d}:00-{int(m[2]):02d}:00", supplement=supplement)
    raise CalendarError(f"unknown calendar {name!r}: use cn-9x18 style, 24x7, cn-24x7, "
                        f"or load a calendar file")
