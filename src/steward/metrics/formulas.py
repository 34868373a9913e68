"""The metric catalog as pure arithmetic over sufficient statistics (no Django).

One calculator per catalog metric (DESIGN.md, "Metric catalog"). Every calculator reads a
``ContactStats`` (or ``FcrCounts`` / ``QaStats``) — the counts, sums, sums of squares and
histograms that the interactions rollups store — and returns a ``MetricResult``. The reference
builders (``contact_stats``, ``qa_stats``, ``fcr_counts``) compute the same inputs from plain
contact/evaluation dicts; property tests use them to prove that rollups equal a recomputation.

Conventions (also in docs/metrics.md; they match interactions' Rollup/RollupBucket):
- Waits are whole seconds (a fractional wait is rounded *up*: 20.3 s is not within 20 s), so
  "within T" (≤ T) and "short" (< S) are exact. Handle time is talk + hold + wrap with an
  empty part counted as 0, rounded half up, over every handled contact.
- Async first-response and resolution times are whole *minutes*, rounded up, so thresholds
  are whole minutes ("4h", "90m") and "within" stays exact.
- The contact statistics describe inbound contacts only (outbound contacts are not offered).
- Complaints and survey answers are counted on every inbound contact, abandoned ones
  included (a caller who gave up can still complain); their rates divide by handled as the
  catalog says, so such a rate can exceed 1 on odd data — it is then shown without interval.
- A zero denominator gives ``value=None`` with a ``reason``, never a fake 0.
"""

from __future__ import annotations

import bisect
import copy
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, Protocol

from . import stats
from .calendars import CalendarRangeError

PRIORITIES = ("urgent", "high", "normal", "low")
CHANNELS = ("voice", "chat", "email", "social", "ticket")
# Channels whose first response is an agent's reply rather than answering a live contact.
ASYNC_CHANNELS = frozenset({"email", "social", "ticket"})


class ParamError(ValueError):
    """A metric parameter is unknown or has a bad value; ``param`` names it."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param = param
        self.message = message


# --------------------------------------------------------------------------- histograms


@dataclass(frozen=True)
class Histogram:
    """Counts of whole-number values (seconds, scores, hundredths of a QA point).

    Stored sparse as sorted (value, count) pairs with count > 0, so two histograms holding
    the same multiset are equal whatever order they were built in.
    """

    counts: tuple[tuple[int, int], ...] = ()

    def __post_init__(self):
        keys = [k for k, _ in self.counts]
        if keys != sorted(set(keys)) or any(c <= 0 for _, c in self.counts):
            raise ValueError("Histogram counts must be sorted unique (value, count > 0) pairs")
        if any(not isinstance(k, int) or not isinstance(c, int) for k, c in self.counts):
            raise ValueError("Histogram values and counts must be integers")

    @classmethod
    def of(cls, data: Mapping[int, int] | Iterable[int]) -> Histogram:
        """From a mapping value → count, or from an iterable of values."""
        counter = Counter(data) if not isinstance(data, Mapping) else Counter(dict(data))
        return cls(tuple(sorted((int(k), int(c)) for k, c in counter.items() if c)))

    @classmethod
    def of_counts(cls, counts: Mapping[int, int]) -> Histogram:
        """From integer value → count (zero counts dropped): ``of`` without its copies and
        conversions, for the engine's thousands of rollup rows per page."""
        pairs = sorted(item for item in counts.items() if item[1])
        if pairs and min(c for _, c in pairs) < 0:
            raise ValueError("Histogram counts must be positive")
        out = object.__new__(cls)
        object.__setattr__(out, "counts", tuple(pairs))
        return out

    @cached_property
    def _keys(self) -> tuple[int, ...]:
        return tuple(k for k, _ in self.counts)

    @cached_property
    def _cumulative(self) -> tuple[int, ...]:
        total, out = 0, []
        for _, c in self.counts:
            total += c
            out.append(total)
        return tuple(out)

    @property
    def n(self) -> int:
        return self._cumulative[-1] if self.counts else 0

    @property
    def total(self) -> int:
        return sum(k * c for k, c in self.counts)

    @property
    def sum_squares(self) -> int:
        return sum(k * k * c for k, c in self.counts)

    def as_dict(self) -> dict[int, int]:
        return dict(self.counts)

    def count_at_most(self, limit: int | float) -> int:
        """Number of values ≤ limit."""
        i = bisect.bisect_right(self._keys, limit)
        return self._cumulative[i - 1] if i else 0

    def count_below(self, limit: int | float) -> int:
        """Number of values < limit."""
        i = bisect.bisect_left(self._keys, limit)
        return self._cumulative[i - 1] if i else 0

    def __add__(self, other: Histogram) -> Histogram:
        if not isinstance(other, Histogram):
            return NotImplemented
        if not other.counts:
            return self
        if not self.counts:
            return other
        merged = dict(self.counts)
        for value, count in other.counts:
            merged[value] = merged.get(value, 0) + count
        # Sums of valid histograms are valid (positive integer counts): skip __post_init__'s
        # checks, which cost more than the merge when a month of days is added up.
        out = object.__new__(Histogram)
        object.__setattr__(out, "counts", tuple(sorted(merged.items())))
        return out


EMPTY = Histogram()


def _add_mappings(a: tuple, b: tuple, zero) -> tuple:
    merged: dict = dict(a)
    for k, v in b:
        merged[k] = merged.get(k, zero) + v
    return tuple(sorted(merged.items()))


@dataclass(frozen=True)
class AsyncStats:
    """Async contacts (email, social, ticket) of one priority.

    Histograms count whole minutes after arrival, rounded up. ``*_business`` ones count
    working minutes in the business calendar named by ``ContactStats.calendar``; the others
    elapsed minutes. A contact without a first response / resolution is in ``offered`` but in
    no histogram (so it is never "within").
    """

    offered: int = 0
    first_response_minutes: Histogram = EMPTY
    first_response_business_minutes: Histogram = EMPTY
    resolution_minutes: Histogram = EMPTY
    resolution_business_minutes: Histogram = EMPTY

    def __add__(self, other: AsyncStats) -> AsyncStats:
        return AsyncStats(
            self.offered + other.offered,
            self.first_response_minutes + other.first_response_minutes,
            self.first_response_business_minutes + other.first_response_business_minutes,
            self.resolution_minutes + other.resolution_minutes,
            self.resolution_business_minutes + other.resolution_business_minutes,
        )


@dataclass(frozen=True)
class ContactStats:
    """Sufficient statistics of a set of inbound contacts (one rollup cell, or a sum of cells).

    Everything is additive: ``stats(A ∪ B) == stats(A) + stats(B)`` for disjoint A, B.
    """

    offered: int = 0  # inbound contacts that arrived
    abandoned: int = 0  # of which the customer left before an answer
    answered_wait: Histogram = EMPTY  # handled contacts with a known wait: seconds → count
    abandoned_wait: Histogram = EMPTY  # abandoned contacts with a known wait: seconds → count
    handle_sum: int = 0  # Σ (talk + hold + wrap) seconds over handled contacts
    handle_sumsq: int = 0  # Σ (talk + hold + wrap)² over handled contacts
    complaints: int = 0  # contacts flagged complaint
    # Contacts with at least one survey answer (csat, nps or ces); None when the source
    # statistics do not carry it (then response_rate for "any" survey is null).
    surveyed: int | None = 0
    csat: Histogram = EMPTY  # CSAT answers: score → count
    nps: Histogram = EMPTY  # NPS answers 0–10: score → count
    ces: Histogram = EMPTY  # CES answers 1–7: score → count
    # Async contacts per priority, as sorted (priority, AsyncStats) pairs.
    async_by_priority: tuple[tuple[str, AsyncStats], ...] = ()
    # Name of the business calendar the *_business histograms were computed in (None: none).
    calendar: str | None = None

    @property
    def handled(self) -> int:
        return self.offered - self.abandoned

    def async_stats(self, priority: str) -> AsyncStats:
        return dict(self.async_by_priority).get(priority, AsyncStats())

    def __add__(self, other: ContactStats) -> ContactStats:
        if not isinstance(other, ContactStats):
            return NotImplemented
        has_async = bool(self.async_by_priority and other.async_by_priority)
        if has_async and self.calendar != other.calendar:
            raise ValueError(
                f"cannot add statistics computed in calendars {self.calendar!r} and "
                f"{other.calendar!r}"
            )
        return ContactStats(
            offered=self.offered + other.offered,
            abandoned=self.abandoned + other.abandoned,
            answered_wait=self.answered_wait + other.answered_wait,
            abandoned_wait=self.abandoned_wait + other.abandoned_wait,
            handle_sum=self.handle_sum + other.handle_sum,
            handle_sumsq=self.handle_sumsq + other.handle_sumsq,
            complaints=self.complaints + other.complaints,
            surveyed=None if self.surveyed is None or other.surveyed is None
            else self.surveyed + other.surveyed,
            csat=self.csat + other.csat,
            nps=self.nps + other.nps,
            ces=self.ces + other.ces,
            async_by_priority=_add_mappings(
                self.async_by_priority, other.async_by_priority, AsyncStats()
            ),
            calendar=self.calendar if self.async_by_priority else other.calendar,
        )


def sum_stats(items: Iterable[ContactStats]) -> ContactStats:
    total = ContactStats()
    for item in items:
        total = total + item
    return total


@dataclass(frozen=True)
class QaStats:
    """QA evaluation scores as a histogram of hundredths of a point (0–10000)."""

    scores_centi: Histogram = EMPTY

    def __add__(self, other: QaStats) -> QaStats:
        return QaStats(self.scores_centi + other.scores_centi)


@dataclass(frozen=True)
class FcrCounts:
    """First-contact-resolution counts of one period (see ``fcr_counts``)."""

    eligible: int = 0  # resolved, customer known, window fully elapsed
    first_contact_resolved: int = 0  # of those, no repeat contact within the window
    pending: int = 0  # resolved, customer known, window not yet elapsed (excluded)
    without_customer: int = 0  # resolved but no customer_ref (cannot be followed; excluded)

    def __add__(self, other: FcrCounts) -> FcrCounts:
        return FcrCounts(
            self.eligible + other.eligible,
            self.first_contact_resolved + other.first_contact_resolved,
            self.pending + other.pending,
            self.without_customer + other.without_customer,
        )


# --------------------------------------------------------------------------- reference builders


class BusinessClock(Protocol):
    """What the builder needs from a business calendar (see metrics.calendars)."""

    name: str

    def business_duration(self, start: datetime, end: datetime) -> timedelta: ...


def whole_seconds_up(x: float | int) -> int:
    """Round a non-negative duration up to whole seconds (negative data errors count as 0)."""
    return max(0, math.ceil(x))


def whole_minutes_up(d: timedelta) -> int:
    """A duration in whole minutes, rounded up (negative data errors count as 0)."""
    return max(0, -(-d // timedelta(minutes=1)))


def whole_seconds_half_up(x: float | int) -> int:
    return int(Decimal(str(x)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def _utc(t: datetime) -> datetime:
    # Python subtracts two datetimes that share a tzinfo by wall clock (an hour off across
    # DST); in UTC the difference is real elapsed time.
    if t.tzinfo is None:
        raise ValueError(f"contact times must be time-zone aware, got {t!r}")
    return t.astimezone(UTC)


def _elapsed(start: datetime | None, end: datetime | None) -> float | None:
    if start is None or end is None:
        return None
    return (_utc(end) - _utc(start)).total_seconds()


def _is_inbound(c: Mapping) -> bool:
    return (c.get("direction") or "inbound") == "inbound"


def contact_stats(
    contacts: Iterable[Mapping[str, Any]], *, calendar: BusinessClock | None = None
) -> ContactStats:
    """Reference computation of ``ContactStats`` from canonical contact dicts.

    Uses the canonical field names (DESIGN.md); datetimes must be aware. ``wait_seconds`` is
    taken as given, or derived from arrived_at → first_response_at (answered) or → ended_at
    (abandoned) when empty. Business-hours histograms are filled only when ``calendar`` is given.
    """
    offered = abandoned = handle_sum = handle_sumsq = complaints = surveyed = 0
    answered_wait: list[int] = []
    abandoned_wait: list[int] = []
    csat: list[int] = []
    nps: list[int] = []
    ces: list[int] = []
    async_offered: Counter = Counter()
    async_hists: dict[tuple[str, str], list[int]] = defaultdict(list)
    for c in contacts:
        if not _is_inbound(c):
            continue
        offered += 1
        is_abandoned = bool(c.get("abandoned"))
        wait = c.get("wait_seconds")
        if wait is None:
            end = c.get("ended_at") if is_abandoned else c.get("first_response_at")
            wait = _elapsed(c.get("arrived_at"), end)
        if is_abandoned:
            abandoned += 1
            if wait is not None:
                abandoned_wait.append(whole_seconds_up(wait))
        else:
            if wait is not None:
                answered_wait.append(whole_seconds_up(wait))
            h = whole_seconds_half_up(sum(c.get(k) or 0 for k in ("talk_seconds", "hold_seconds",
                                                                    "wrap_seconds")))
            handle_sum += h
            handle_sumsq += h * h
        if c.get("complaint"):
            complaints += 1
        answers = [c.get("csat"), c.get("nps"), c.get("ces")]
        if any(a is not None for a in answers):
            surveyed += 1
        for value, bucket in zip(answers, (csat, nps, ces)):
            if value is not None:
                bucket.append(int(value))
        if c.get("channel") in ASYNC_CHANNELS:
            priority = c.get("priority") or "normal"
            async_offered[priority] += 1
            arrived = c.get("arrived_at")
            for field_name, key in (("first_response_at", "first_response"),
                                    ("resolved_at", "resolution")):
                end = c.get(field_name)
                if end is None or arrived is None:
                    continue
                async_hists[(priority, key)].append(whole_minutes_up(_utc(end) - _utc(arrived)))
                if calendar is not None:
                    try:
                        minutes = whole_minutes_up(calendar.business_duration(arrived, end))
                    except CalendarRangeError:  # kept, as in the rollups: no figure rather than a guess
                        minutes = OUT_OF_CALENDAR
                    async_hists[(priority, key + "_business")].append(minutes)
    by_priority = tuple(sorted(
        (p, AsyncStats(
            offered=n,
            first_response_minutes=Histogram.of(async_hists[(p, "first_response")]),
            first_response_business_minutes=Histogram.of(
                async_hists[(p, "first_response_business")]),
            resolution_minutes=Histogram.of(async_hists[(p, "resolution")]),
            resolution_business_minutes=Histogram.of(async_hists[(p, "resolution_business")]),
        ))
        for p, n in async_offered.items()
    ))
    return ContactStats(
        offered=offered,
        abandoned=abandoned,
        answered_wait=Histogram.of(answered_wait),
        abandoned_wait=Histogram.of(abandoned_wait),
        handle_sum=handle_sum,
        handle_sumsq=handle_sumsq,
        complaints=complaints,
        surveyed=surveyed,
        csat=Histogram.of(csat),
        nps=Histogram.of(nps),
        ces=Histogram.of(ces),
        async_by_priority=by_priority,
        calendar=calendar.name if calendar is not None and by_priority else None,
    )


def qa_stats(evaluations: Iterable[Mapping[str, Any]]) -> QaStats:
    """From evaluation dicts {score: 0–100, auto_fail: bool}; an auto-fail scores 0."""
    centi = []
    for e in evaluations:
        score = 0 if e.get("auto_fail") else e["score"]
        if not 0 <= score <= 100:
            raise ValueError(f"QA score must lie in 0–100, got {score!r}")
        centi.append(int(Decimal(str(score)).scaleb(2).quantize(Decimal(1), ROUND_HALF_UP)))
    return QaStats(Histogram.of(centi))


def fcr_counts(
    contacts: Iterable[Mapping[str, Any]],
    *,
    window_days: int = 7,
    same_reason: bool = False,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
) -> FcrCounts:
    """First-contact resolution, exactly as the catalog defines it.

    ``contacts`` is *all* of the project's data (repeats are looked for everywhere); only
    resolved inbound contacts arriving in [period_start, period_end) are measured. A measured
    contact c counts when it is eligible — c.arrived_at + window ≤ the newest arrival in the
    data — and no other inbound contact of the same customer (and same contact_reason when
    ``same_reason``) arrived in (c.arrived_at, c.arrived_at + window].
    """
    rows = list(contacts)
    if not rows:
        return FcrCounts()
    window = timedelta(days=window_days)  # real elapsed days: 7 × 24 h, also across DST
    arrived = [_utc(r["arrived_at"]) for r in rows]
    newest = max(arrived)
    arrivals: dict[tuple, list[datetime]] = defaultdict(list)
    for r, t in zip(rows, arrived):
        if _is_inbound(r) and r.get("customer_ref"):
            key = (r["customer_ref"], r.get("contact_reason") or "") if same_reason else (
                r["customer_ref"],)
            arrivals[key].append(t)
    for times in arrivals.values():
        times.sort()
    eligible = fcr = pending = without_customer = 0
    for r, t in zip(rows, arrived):
        if not _is_inbound(r) or r.get("outcome") != "resolved":
            continue
        if (period_start is not None and t < period_start) or (
            period_end is not None and t >= period_end
        ):
            continue
        if not r.get("customer_ref"):
            without_customer += 1
            continue
        if t + window > newest:
            pending += 1
            continue
        eligible += 1
        key = (r["customer_ref"], r.get("contact_reason") or "") if same_reason else (
            r["customer_ref"],)
        times = arrivals[key]
        later = bisect.bisect_right(times, t)  # first arrival strictly after t
        if later == len(times) or times[later] > t + window:
            fcr += 1
    return FcrCounts(eligible, fcr, pending, without_customer)


# FCR incrementally: what to store per contact so that a period's FCR is a cheap count.


@dataclass(frozen=True)
class NextContact:
    """The customer's next inbound contact strictly after this one (any reason / same reason).

    Independent of ``window_days``: a resolved contact is a first-contact resolution for a
    window w when its next contact is None or later than arrived_at + w. It only changes when
    the same customer gets a new contact, so an import refreshes just the customers it touches
    (``customers_touched``)."""

    any_at: datetime | None = None
    same_reason_at: datetime | None = None


def next_contacts(contacts: Iterable[Mapping[str, Any]]) -> list[NextContact]:
    """``NextContact`` for each row, in input order. Pass all contacts of the customers
    concerned (their whole history), typically ``customers_touched`` by an import."""
    rows = list(contacts)
    times: dict[tuple, list[datetime]] = defaultdict(list)
    for r in rows:
        if _is_inbound(r) and r.get("customer_ref"):
            t = _utc(r["arrived_at"])
            times[(r["customer_ref"],)].append(t)
            times[(r["customer_ref"], r.get("contact_reason") or "")].append(t)
    for ts in times.values():
        ts.sort()

    def after(key: tuple, t: datetime) -> datetime | None:
        ts = times.get(key, [])
        i = bisect.bisect_right(ts, t)
        return ts[i] if i < len(ts) else None

    out = []
    for r in rows:
        if not r.get("customer_ref"):
            out.append(NextContact())
            continue
        t = _utc(r["arrived_at"])
        out.append(NextContact(after((r["customer_ref"],), t),
                               after((r["customer_ref"], r.get("contact_reason") or ""), t)))
    return out


def customers_touched(batch: Iterable[Mapping[str, Any]]) -> set[str]:
    """Customers whose stored NextContact values may change when ``batch`` is imported (its
    new rows and the previous versions of rows it updates or removes)."""
    return {r["customer_ref"] for r in batch if r.get("customer_ref")}


def fcr_counts_from_next(
    contacts: Iterable[tuple[Mapping[str, Any], NextContact]],
    *,
    newest: datetime,
    window_days: int = 7,
    same_reason: bool = False,
    period_start: datetime | None = None,
    period_end: datetime | None = None,
) -> FcrCounts:
    """``fcr_counts`` from stored NextContact values: the same numbers without searching all
    data. ``newest`` is the newest arrival in the project's data; ``contacts`` need only be
    the period's rows with their stored values."""
    window = timedelta(days=window_days)
    newest = _utc(newest)
    eligible = fcr = pending = without_customer = 0
    for r, nxt in contacts:
        if not _is_inbound(r) or r.get("outcome") != "resolved":
            continue
        t = _utc(r["arrived_at"])
        if (period_start is not None and t < period_start) or (
            period_end is not None and t >= period_end
        ):
            continue
        if not r.get("customer_ref"):
            without_customer += 1
            continue
        if t + window > newest:
            pending += 1
            continue
        eligible += 1
        repeat = nxt.same_reason_at if same_reason else nxt.any_at
        if repeat is None or repeat > t + window:
            fcr += 1
    return FcrCounts(eligible, fcr, pending, without_customer)


# --------------------------------------------------------------------------- from rollups

# RollupBucket kinds of steward.interactions (models.RollupBucket.Kind); 5 and 6 are the
# business-calendar minutes this module reads when the rollups carry them.
WAIT_ANSWERED, WAIT_ABANDONED, FIRST_RESPONSE_MINUTES, RESOLUTION_MINUTES = 1, 2, 3, 4
FIRST_RESPONSE_BUSINESS_MINUTES, RESOLUTION_BUSINESS_MINUTES = 5, 6
# The business-minute value of a contact outside the calendar's holiday data (rollups.OUT_OF_CALENDAR).
OUT_OF_CALENDAR = -1
# The histogram kinds each contact metric reads (the others read sums only): a page that shows
# a few metrics asks the rollups for those histograms alone.
METRIC_HISTOGRAMS = {
    "short_abandoned": (WAIT_ABANDONED,),
    "service_level": (WAIT_ANSWERED, WAIT_ABANDONED),
    "asa_seconds": (WAIT_ANSWERED,),
    "abandon_rate": (WAIT_ABANDONED,),
    "first_response_within": (FIRST_RESPONSE_MINUTES, FIRST_RESPONSE_BUSINESS_MINUTES),
    "resolution_within": (RESOLUTION_MINUTES, RESOLUTION_BUSINESS_MINUTES),
}


def histogram_kinds(keys: Iterable[str]) -> tuple[int, ...]:
    """The bucket kinds the contact metrics ``keys`` read."""
    return tuple(sorted({kind for key in keys for kind in METRIC_HISTOGRAMS.get(key, ())}))


def bucket_histograms(buckets: Iterable[tuple[str, str, int, int, int]],
                      into: dict[tuple, Counter] | None = None) -> dict[tuple, Counter]:
    """The histograms ``contact_stats_from_rollups`` reads, from inbound bucket rows
    (channel, priority, kind, value, count): waits across channels under ``(kind,)``, response
    and resolution minutes of asynchronous channels under ``(kind, priority)``."""
    hists: dict[tuple, Counter] = into if into is not None else defaultdict(Counter)
    for channel, priority, kind, value, count in buckets:
        if not count:
            continue
        if kind in (WAIT_ANSWERED, WAIT_ABANDONED):
            hists[(kind,)][value] += count
        elif channel in ASYNC_CHANNELS:
            hists[(kind, priority or "normal")][value] += count
    return hists


def contact_stats_from_rollups(
    sums: Iterable[Mapping[str, Any]],
    buckets: Iterable[Mapping[str, Any]],
    *,
    calendar: str | None = None,
    histograms: Mapping[tuple, Counter] | None = None,
) -> ContactStats:
    """``ContactStats`` from rollup rows (already filtered to the group wanted).

    ``sums``: rows with the Rollup columns channel, direction, priority, offered, abandoned,
    handle_sum, handle_sq_sum, complaints, csat_1…csat_5, nps_0…nps_10, ces_1…ces_7 and,
    when present, surveyed. ``buckets``: rows with channel, direction, priority, kind, value,
    count. Rows may be finer (per queue, agent, interval) or pre-summed per key; both add up.
    ``calendar`` names the calendar of the business-minute kinds 5/6 when the rollups hold them.
    ``histograms``: the inbound buckets already gathered by ``bucket_histograms`` (``buckets``
    is then not read).
    """
    offered = abandoned = handle_sum = handle_sumsq = complaints = 0
    surveyed: int | None = 0
    scores = {"csat": Counter(), "nps": Counter(), "ces": Counter()}
    ranges = {"csat": range(1, 6), "nps": range(0, 11), "ces": range(1, 8)}
    async_offered: Counter = Counter()
    for row in sums:
        if (row.get("direction") or "inbound") != "inbound":
            continue
        offered += row["offered"]
        abandoned += row["abandoned"]
        handle_sum += row["handle_sum"]
        handle_sumsq += row["handle_sq_sum"]
        complaints += row["complaints"]
        surveyed = None if surveyed is None or "surveyed" not in row else (
            surveyed + row["surveyed"])
        for name, values in ranges.items():
            for k in values:
                if row.get(f"{name}_{k}"):
                    scores[name][k] += row[f"{name}_{k}"]
        if row["channel"] in ASYNC_CHANNELS:
            async_offered[row["priority"] or "normal"] += row["offered"]
    if histograms is None:
        histograms = bucket_histograms(
            (b["channel"], b["priority"], b["kind"], b["value"], b["count"]) for b in buckets
            if (b.get("direction") or "inbound") == "inbound")
    hists: dict[tuple, Counter] = defaultdict(Counter, histograms)
    business = calendar is not None
    by_priority = tuple(sorted(
        (p, AsyncStats(
            offered=n,
            first_response_minutes=Histogram.of_counts(hists[(FIRST_RESPONSE_MINUTES, p)]),
            first_response_business_minutes=Histogram.of_counts(
                hists[(FIRST_RESPONSE_BUSINESS_MINUTES, p)]) if business else EMPTY,
            resolution_minutes=Histogram.of_counts(hists[(RESOLUTION_MINUTES, p)]),
            resolution_business_minutes=Histogram.of_counts(
                hists[(RESOLUTION_BUSINESS_MINUTES, p)]) if business else EMPTY,
        ))
        for p, n in async_offered.items() if n
    ))
    return ContactStats(
        offered=offered,
        abandoned=abandoned,
        answered_wait=Histogram.of_counts(hists[(WAIT_ANSWERED,)]),
        abandoned_wait=Histogram.of_counts(hists[(WAIT_ABANDONED,)]),
        handle_sum=handle_sum,
        handle_sumsq=handle_sumsq,
        complaints=complaints,
        surveyed=surveyed,
        csat=Histogram.of(scores["csat"]),
        nps=Histogram.of(scores["nps"]),
        ces=Histogram.of(scores["ces"]),
        async_by_priority=by_priority,
        calendar=calendar if by_priority else None,
    )


# --------------------------------------------------------------------------- parameters


_DURATION = re.compile(r"^\s*(?:(\d+(?:\.\d+)?)d)?\s*(?:(\d+(?:\.\d+)?)h)?\s*"
                       r"(?:(\d+(?:\.\d+)?)m)?\s*(?:(\d+(?:\.\d+)?)s)?\s*$")


def parse_duration(value: Any) -> int:
    """'4h', '30m', '1h30m', '90s', '2d' (= 48 h) or a number of seconds → whole seconds."""
    if isinstance(value, bool):
        raise ValueError(f"expected a duration like '4h' or '30m', got {value!r}")
    if isinstance(value, int | float):
        seconds = value
    elif isinstance(value, str) and value.strip() and (m := _DURATION.match(value)) and any(
        m.groups()
    ):
        d, h, mi, s = (float(g) if g else 0.0 for g in m.groups())
        seconds = ((d * 24 + h) * 60 + mi) * 60 + s
    else:
        raise ValueError(f"expected a duration like '4h' or '30m', got {value!r}")
    if seconds <= 0 or seconds != int(seconds):
        raise ValueError(f"expected a positive whole number of seconds, got {value!r}")
    return int(seconds)


def _whole_minutes(value: Any) -> int:
    seconds = parse_duration(value)
    if seconds % 60:
        raise ValueError(f"expected whole minutes (response times are kept in minutes), "
                         f"got {value!r}")
    return seconds


def format_duration(seconds: int) -> str:
    """Inverse of parse_duration for whole seconds: 14400 → '4h', 5400 → '1h30m'."""
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return "".join(f"{v}{u}" for v, u in ((h, "h"), (m, "m"), (s, "s")) if v) or "0s"


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # seconds | count | bool | choice | number | duration_by_priority
    default: Any
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    help: str = ""

    def from_text(self, text: str) -> Any:
        """The value of a command-line ``key=value``: 30, 0.5, true, 4h, urgent:4h,normal:24h."""
        t = text.strip()
        if self.kind == "bool":
            if t.lower() in ("true", "yes", "1"):
                return True
            if t.lower() in ("false", "no", "0"):
                return False
            raise ParamError(self.name, f"expected true or false, got {text!r}")
        if self.kind == "choice":
            return t
        if self.kind == "duration_by_priority":
            if ":" not in t:
                return t
            pairs = [part.split(":", 1) for part in t.split(",") if part.strip()]
            if any(len(pair) != 2 for pair in pairs):
                raise ParamError(self.name, f"expected 4h or urgent:4h,normal:24h, got {text!r}")
            return {k.strip(): v.strip() for k, v in pairs}
        try:
            return int(t)
        except ValueError:
            try:
                return float(t)
            except ValueError:
                raise ParamError(self.name, f"expected a number, got {text!r}") from None

    def clean(self, value: Any) -> Any:
        if self.kind == "bool":
            if not isinstance(value, bool):
                raise ParamError(self.name, f"expected true or false, got {value!r}")
            return value
        if self.kind == "choice":
            if value not in self.choices:
                raise ParamError(self.name, f"expected one of {', '.join(self.choices)}, "
                                            f"got {value!r}")
            return value
        if self.kind == "duration_by_priority":
            if isinstance(value, Mapping):
                out = {}
                for k, v in value.items():
                    if k not in PRIORITIES:
                        raise ParamError(f"{self.name}.{k}", "expected a priority: "
                                                             + ", ".join(PRIORITIES))
                    try:
                        out[k] = _whole_minutes(v)
                    except ValueError as exc:
                        raise ParamError(f"{self.name}.{k}", str(exc)) from None
                if not out:
                    raise ParamError(self.name, "expected at least one priority")
                return out
            try:
                return _whole_minutes(value)
            except ValueError as exc:
                raise ParamError(self.name, str(exc)) from None
        # numeric kinds
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            raise ParamError(self.name, f"expected a number, got {value!r}")
        if self.kind in ("seconds", "count") and value != int(value):
            raise ParamError(self.name, f"expected a whole number, got {value!r}")
        if self.minimum is not None and value < self.minimum:
            raise ParamError(self.name, f"expected at least {self.minimum:g}, got {value!r}")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(self.name, f"expected at most {self.maximum:g}, got {value!r}")
        return int(value) if self.kind in ("seconds", "count") else float(value)


SL_VARIANTS = ("standard", "answered_only", "abandons_within_threshold_count_as_met")
SHORT_ABANDON = Param("short_abandon_seconds", "seconds", 5, minimum=0,
                      help="abandons with wait < this many seconds are short")
THRESHOLD_SECONDS = Param("threshold_seconds", "seconds", 20, minimum=0,
                          help="answered within T means wait ≤ T")
# DESIGN gives "e.g. urgent 4 h, normal 24 h"; high and low default to 24 h.
DEFAULT_ASYNC_THRESHOLD = {"urgent": 4 * 3600, "high": 24 * 3600, "normal": 24 * 3600,
                           "low": 24 * 3600}
ASYNC_THRESHOLD = Param("threshold", "duration_by_priority", DEFAULT_ASYNC_THRESHOLD,
                        help="a duration ('4h') or one per priority")
BUSINESS_HOURS = Param("business_hours", "bool", False,
                       help="count the time in the project's business calendar")


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MetricResult:
    key: str
    value: float | None
    numerator: int | float | None
    denominator: int | None
    interval_low: float | None
    interval_high: float | None
    params: Mapping[str, Any]
    n: int
    exact: Fraction | None = None  # the value as an exact fraction (used for SLA comparisons)
    reason: str | None = None  # why value is None (e.g. "zero_denominator")
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The CLI/API shape: value, numerator, denominator, ci_low, ci_high, params."""
        out = {
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "ci_low": self.interval_low,
            "ci_high": self.interval_high,
            "params": dict(self.params),
            "n": self.n,
        }
        if self.reason:
            out["reason"] = self.reason
        if self.details:
            out["details"] = dict(self.details)
        return out


def _count(key, count, params) -> MetricResult:
    return MetricResult(key, count, count, None, None, None, params, count, Fraction(count))


def _proportion(key, successes, n, params, *, details=None) -> MetricResult:
    if n == 0:
        return MetricResult(key, None, successes, 0, None, None, params, 0,
                            reason="zero_denominator", details=details or {})
    if successes > n:
        # Only complaint_rate/response_rate, when abandoned contacts carry complaints or
        # answers: a rate per handled contact above 1 has no Wilson interval.
        return MetricResult(key, successes / n, successes, n, None, None, params, n,
                            Fraction(successes, n),
                            details={**(details or {}), "numerator_exceeds_denominator": True})
    iv = stats.wilson_interval(successes, n)
    return MetricResult(key, successes / n, successes, n, iv.low, iv.high, params, n,
                        Fraction(successes, n), details=details or {})


def _clip(x, bounds):
    return None if x is None else min(max(x, bounds[0]), bounds[1])


def _mean(key, n, total, sumsq, params, *, bounds, scale=1, details=None) -> MetricResult:
    """Mean of x/scale from Σx and Σx² of the integers x. The t interval is clipped to the
    values the data can take (a QA mean is never above 100, a wait never negative)."""
    if n == 0:
        return MetricResult(key, None, 0, 0, None, None, params, 0, reason="zero_denominator",
                            details=details or {})
    est = stats.mean_t_interval(n, total / scale, sumsq / (scale * scale))
    lo, hi = _clip(est.interval.low, bounds), _clip(est.interval.high, bounds)
    numerator = total if scale == 1 else total / scale
    return MetricResult(key, est.mean, numerator, n, lo, hi, params, n, Fraction(total, n * scale),
                        details=details or {})


def _null(key, params, reason, **details) -> MetricResult:
    return MetricResult(key, None, None, None, None, None, params, 0, reason=reason,
                        details=details)


# --------------------------------------------------------------------------- calculators


def offered(s: ContactStats, p: Mapping) -> MetricResult:
    return _count("offered", s.offered, p)


def handled(s: ContactStats, p: Mapping) -> MetricResult:
    return _count("handled", s.handled, p)


def short_abandoned(s: ContactStats, p: Mapping) -> MetricResult:
    return _count("short_abandoned", s.abandoned_wait.count_below(p["short_abandon_seconds"]), p)


def service_level(s: ContactStats, p: Mapping) -> MetricResult:
    t, variant = p["threshold_seconds"], p["variant"]
    answered_within = s.answered_wait.count_at_most(t)
    short = s.abandoned_wait.count_below(p["short_abandon_seconds"])
    details = {"answered_within": answered_within, "short_abandoned": short}
    if variant == "answered_only":
        return _proportion("service_level", answered_within, s.handled, p, details=details)
    if variant == "abandons_within_threshold_count_as_met":
        abandoned_within = s.abandoned_wait.count_at_most(t)
        details["abandoned_within"] = abandoned_within
        return _proportion("service_level", answered_within + abandoned_within, s.offered, p,
                           details=details)
    return _proportion("service_level", answered_within, s.offered - short, p, details=details)


def asa_seconds(s: ContactStats, p: Mapping) -> MetricResult:
    # Denominator: handled contacts whose wait is known (all of them in complete data).
    w = s.answered_wait
    return _mean("asa_seconds", w.n, w.total, w.sum_squares, p, bounds=(0, math.inf),
                 details={"handled_without_wait": s.handled - w.n})


def abandon_rate(s: ContactStats, p: Mapping) -> MetricResult:
    short = s.abandoned_wait.count_below(p["short_abandon_seconds"])
    return _proportion("abandon_rate", s.abandoned - short, s.offered - short, p,
                       details={"short_abandoned": short})


def aht_seconds(s: ContactStats, p: Mapping) -> MetricResult:
    return _mean("aht_seconds", s.handled, s.handle_sum, s.handle_sumsq, p, bounds=(0, math.inf))


def _within(key: str, hist_attr: str, s: ContactStats, p: Mapping) -> MetricResult:
    thresholds = p["threshold"]
    business = p["business_hours"]
    if business and s.async_by_priority and s.calendar is None:
        return _null(key, p, "no_business_calendar")
    if business:
        # A contact whose dates the calendar does not cover has no business minutes: no figure
        # for the group (never counted as "not within").
        outside = sum(getattr(a, hist_attr + "_business_minutes").count_below(0) for _, a in s.async_by_priority)
        if outside:
            return _null(key, p, "outside_business_calendar", contacts=outside, calendar=s.calendar)
    within = total = 0
    per_priority = {}
    for priority, a in s.async_by_priority:
        if a.offered == 0:
            continue
        limit = thresholds if isinstance(thresholds, int) else thresholds.get(priority)
        if limit is None:
            return _null(key, p, "no_threshold_for_priority", priority=priority)
        hist = getattr(a, hist_attr + ("_business_minutes" if business else "_minutes"))
        w = hist.count_at_most(limit // 60)
        within += w
        total += a.offered
        per_priority[priority] = {"within": w, "contacts": a.offered}
    return _proportion(key, within, total, p,
                       details={"per_priority": per_priority, "calendar": s.calendar}
                       if business else {"per_priority": per_priority})


def first_response_within(s: ContactStats, p: Mapping) -> MetricResult:
    return _within("first_response_within", "first_response", s, p)


def resolution_within(s: ContactStats, p: Mapping) -> MetricResult:
    return _within("resolution_within", "resolution", s, p)


def fcr(c: FcrCounts, p: Mapping) -> MetricResult:
    return _proportion("fcr", c.first_contact_resolved, c.eligible, p,
                       details={"pending": c.pending, "without_customer": c.without_customer})


def _outside(h: Histogram, low: int, high: int) -> int:
    return h.n - (h.count_at_most(high) - h.count_below(low))


def csat(s: ContactStats, p: Mapping) -> MetricResult:
    scale, top = p["scale"], p["top_box"]
    if top > scale:
        raise ParamError("top_box", f"must not exceed scale ({scale}), got {top}")
    h = s.csat
    if bad := _outside(h, 1, scale):
        return _null("csat", p, "score_outside_scale", outside=bad)
    top_count = h.n - h.count_at_most(scale - top)
    mean = stats.mean_t_interval(h.n, h.total, h.sum_squares)
    return _proportion("csat", top_count, h.n, p, details={
        "mean_score": mean.mean, "mean_low": _clip(mean.interval.low, (1, scale)),
        "mean_high": _clip(mean.interval.high, (1, scale))})


def nps(s: ContactStats, p: Mapping) -> MetricResult:
    h = s.nps
    if bad := _outside(h, 0, 10):
        return _null("nps", p, "score_outside_scale", outside=bad)
    promoters = h.n - h.count_at_most(8)
    detractors = h.count_at_most(6)
    e = stats.nps_interval(promoters, detractors, h.n)
    details = {"promoters": promoters, "passives": h.n - promoters - detractors,
               "detractors": detractors}
    if h.n == 0:
        return MetricResult("nps", None, 0, 0, None, None, p, 0, reason="zero_denominator",
                            details=details)
    return MetricResult("nps", e.nps, promoters - detractors, h.n, e.interval.low,
                        e.interval.high, p, h.n, Fraction(100 * (promoters - detractors), h.n),
                        details=details)


def ces(s: ContactStats, p: Mapping) -> MetricResult:
    h = s.ces
    if bad := _outside(h, 1, 7):
        return _null("ces", p, "score_outside_scale", outside=bad)
    return _mean("ces", h.n, h.total, h.sum_squares, p, bounds=(1, 7))


def complaint_rate(s: ContactStats, p: Mapping) -> MetricResult:
    r = _proportion("complaint_rate", s.complaints, s.handled, p)
    if r.value is None:
        return r
    scaled = {"per_1000": 1000 * r.value,
              "per_1000_low": None if r.interval_low is None else 1000 * r.interval_low,
              "per_1000_high": None if r.interval_high is None else 1000 * r.interval_high}
    return MetricResult(**{**r.__dict__, "details": {**r.details, **scaled}})


def qa_score(q: QaStats, p: Mapping) -> MetricResult:
    h = q.scores_centi
    return _mean("qa_score", h.n, h.total, h.sum_squares, p, bounds=(0, 100), scale=100)


def qa_pass_rate(q: QaStats, p: Mapping) -> MetricResult:
    h = q.scores_centi
    mark = int(Decimal(str(p["pass_mark"])).scaleb(2).quantize(Decimal(1), ROUND_HALF_UP))
    return _proportion("qa_pass_rate", h.n - h.count_below(mark), h.n, p)


def response_rate(s: ContactStats, p: Mapping) -> MetricResult:
    survey = p["survey"]
    responses = s.surveyed if survey == "any" else getattr(s, survey).n
    if responses is None:
        return _null("response_rate", p, "surveyed_not_in_statistics")
    return _proportion("response_rate", responses, s.handled, p)


# --------------------------------------------------------------------------- catalog


@dataclass(frozen=True)
class MetricSpec:
    key: str
    kind: str  # count | proportion | mean | nps
    source: str  # contacts | fcr | qa: which statistics the calculator reads
    unit: str  # contacts | share | seconds | score | nps
    higher_is_better: bool | None
    params: tuple[Param, ...]
    calculator: Callable[[Any, Mapping], MetricResult]

    def clean_params(self, params: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Validated parameters with defaults filled in; raises ParamError."""
        params = dict(params or {})
        known = {p.name: p for p in self.params}
        for name in params:
            if name not in known:
                allowed = ", ".join(known) or "none"
                raise ParamError(name, f"unknown parameter for {self.key} (allowed: {allowed})")
        out = {}
        for name, spec in known.items():
            out[name] = spec.clean(params[name]) if name in params else copy.deepcopy(spec.default)
        if self.key == "csat" and out["top_box"] > out["scale"]:
            raise ParamError("top_box", f"must not exceed scale ({out['scale']})")
        return out


def _spec(key, kind, source, unit, better, params, calc) -> MetricSpec:
    return MetricSpec(key, kind, source, unit, better, tuple(params), calc)


CATALOG: dict[str, MetricSpec] = {m.key: m for m in (
    _spec("offered", "count", "contacts", "contacts", None, (), offered),
    _spec("handled", "count", "contacts", "contacts", None, (), handled),
    _spec("short_abandoned", "count", "contacts", "contacts", None, (SHORT_ABANDON,),
          short_abandoned),
    _spec("service_level", "proportion", "contacts", "share", True,
          (THRESHOLD_SECONDS, SHORT_ABANDON, Param("variant", "choice", "standard", SL_VARIANTS)),
          service_level),
    _spec("asa_seconds", "mean", "contacts", "seconds", False, (), asa_seconds),
    _spec("abandon_rate", "proportion", "contacts", "share", False, (SHORT_ABANDON,),
          abandon_rate),
    _spec("aht_seconds", "mean", "contacts", "seconds", None, (), aht_seconds),
    _spec("first_response_within", "proportion", "contacts", "share", True,
          (ASYNC_THRESHOLD, BUSINESS_HOURS), first_response_within),
    _spec("resolution_within", "proportion", "contacts", "share", True,
          (ASYNC_THRESHOLD, BUSINESS_HOURS), resolution_within),
    _spec("fcr", "proportion", "fcr", "share", True,
          (Param("window_days", "count", 7, minimum=1, maximum=366),
           Param("same_reason", "bool", False)), fcr),
    _spec("csat", "proportion", "contacts", "share", True,
          (Param("scale", "count", 5, minimum=2, maximum=10),
           Param("top_box", "count", 2, minimum=1, maximum=10)), csat),
    _spec("nps", "nps", "contacts", "nps", True, (), nps),
    _spec("ces", "mean", "contacts", "score", False, (), ces),
    _spec("complaint_rate", "proportion", "contacts", "share", False, (), complaint_rate),
    _spec("qa_score", "mean", "qa", "score", True, (), qa_score),
    _spec("qa_pass_rate", "proportion", "qa", "share", True,
          (Param("pass_mark", "number", 80, minimum=0, maximum=100),), qa_pass_rate),
    _spec("response_rate", "proportion", "contacts", "share", None,
          (Param("survey", "choice", "any", ("any", "csat", "nps", "ces")),), response_rate),
)}


def params_from_text(metric_keys: Iterable[str], pairs: Iterable[str]) -> dict[str, dict]:
    """Parameters per metric from command-line ``key=value`` pairs.

    Each pair applies to every selected metric that declares the parameter (so
    ``short_abandon_seconds=10`` sets it for service_level and abandon_rate alike); a pair no
    selected metric declares is an error, as is an unknown metric.
    """
    keys = list(metric_keys)
    for key in keys:
        if key not in CATALOG:
            raise KeyError(f"unknown metric {key!r}; known: {', '.join(CATALOG)}")
    given: dict[str, str] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        if not sep or not name.strip():
            raise ParamError(pair, "expected key=value")
        given[name.strip()] = text
    out: dict[str, dict] = {key: {} for key in keys}
    for name, text in given.items():
        takers = [k for k in keys if any(p.name == name for p in CATALOG[k].params)]
        if not takers:
            raise ParamError(name, f"no selected metric takes this parameter ({', '.join(keys)})")
        for key in takers:
            spec = next(p for p in CATALOG[key].params if p.name == name)
            out[key][name] = spec.from_text(text)
    return {key: CATALOG[key].clean_params(values) for key, values in out.items()}


def compute(key: str, data: ContactStats | FcrCounts | QaStats,
            params: Mapping[str, Any] | None = None) -> MetricResult:
    """Compute catalog metric ``key`` from the statistics its ``source`` names."""
    try:
        spec = CATALOG[key]
    except KeyError:
        raise KeyError(f"unknown metric {key!r}; known: {', '.join(CATALOG)}") from None
    expected = {"contacts": ContactStats, "fcr": FcrCounts, "qa": QaStats}[spec.source]
    if not isinstance(data, expected):
        raise TypeError(f"{key} is computed from {expected.__name__}, got {type(data).__name__}")
    return spec.calculator(data, spec.clean_params(params))
