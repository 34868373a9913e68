"""Rollup arithmetic: the sufficient statistics of a set of canonical rows, per key and
30-minute interval. Pure (Polars, no Django). The import applies `delta(new, old)`; a
rebuild applies `aggregate(all rows)`; both give the same table, which the property test checks.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import polars as pl

from steward.metrics.calendars import BusinessCalendar  # pure (no Django), like this module
from steward.metrics.formulas import ASYNC_CHANNELS  # pure too

INTERVAL = "30m"
KEY = ["project_id", "vendor_id", "queue", "channel", "direction", "priority", "agent_code",
       "interval_start"]
SCORE_COLUMNS = (
    [f"csat_{k}" for k in range(1, 6)]
    + [f"nps_{k}" for k in range(0, 11)]
    + [f"ces_{k}" for k in range(1, 8)]
)
OUTCOMES = ("resolved", "escalated", "transferred", "pending", "abandoned")
STATS = [
    "offered", "abandoned", "answered", "wait_sum", "wait_sq_sum", "handle_sum", "handle_sq_sum",
    "talk_sum", "hold_sum", "wrap_sum", "complaints", "responded", "resolved", "surveyed",
    *[f"outcome_{o}" for o in OUTCOMES], *SCORE_COLUMNS,
]
# RollupBucket kinds (see models.RollupBucket.Kind)
WAIT_ANSWERED, WAIT_ABANDONED, FIRST_RESPONSE_MINUTES, RESOLUTION_MINUTES = 1, 2, 3, 4
# The same contacts as kinds 3 and 4, in whole working minutes (rounded up) of the project's
# business calendar (see business_minutes). OUT_OF_CALENDAR is the value of a contact whose
# local dates the calendar's holiday data does not cover: it is kept (so the engine can say the
# figure cannot be given) rather than counted as "not within" or silently left out.
FIRST_RESPONSE_BUSINESS_MINUTES, RESOLUTION_BUSINESS_MINUTES = 5, 6
OUT_OF_CALENDAR = -1
# First-contact resolution (see fcr_buckets): per resolved inbound contact, the whole days
# (rounded up) until the same customer's next inbound contact in the project, any reason (7) or
# the same reason (8); FCR_NONE_WITHIN when there is none within FCR_MAX_DAYS. Kind 9 counts
# resolved inbound contacts without a customer (they cannot be followed).
FCR_NEXT_ANY_DAYS, FCR_NEXT_SAME_REASON_DAYS, FCR_NO_CUSTOMER = 7, 8, 9
FCR_MAX_DAYS = 366
FCR_NONE_WITHIN = FCR_MAX_DAYS + 1
# Optional boolean column of an FCR history: false on a contact whose kind 7 is not to be counted
# (its next contact of any reason lies outside a partial history; see fcr_buckets).
FCR_COUNTS_NEXT_ANY = "fcr_counts_next_any"
FCR_COLUMNS = ["project_id", "vendor_id", "queue", "channel", "direction", "priority", "agent_code",
               "arrived_at", "outcome", "customer_ref", "contact_reason"]
BUCKET_KEY = [*KEY, "kind", "value"]
# The coarse rollup (models.IntervalRollup / IntervalBucket): the same sums without the agent.
INTERVAL_KEY = ["project_id", "interval_start", "vendor_id", "queue", "channel", "direction", "priority"]
INTERVAL_BUCKET_KEY = [*INTERVAL_KEY, "kind", "value"]
ROW_COLUMNS = [
    "project_id", "vendor_id", "queue", "channel", "direction", "priority", "agent_code",
    "arrived_at", "first_response_at", "resolved_at", "abandoned", "wait_seconds",
    "talk_seconds", "hold_seconds", "wrap_seconds", "outcome", "csat", "nps", "ces", "complaint",
    "customer_ref",
]


def _prepared(rows: pl.DataFrame) -> pl.DataFrame:
    if "customer_ref" not in rows.columns:
        rows = rows.with_columns(pl.lit(None, dtype=pl.String).alias("customer_ref"))
    return rows.select(ROW_COLUMNS).with_columns(
        pl.col("arrived_at").dt.truncate(INTERVAL).alias("interval_start"),
        pl.col("queue").fill_null(""),
        pl.col("agent_code").fill_null(""),
        pl.col("outcome").fill_null(""),
        (~pl.col("abandoned")).alias("_answered"),
        (pl.col("talk_seconds") + pl.col("hold_seconds") + pl.col("wrap_seconds")).alias("_handle"),
    )


_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_US = dt.timedelta(microseconds=1)


def _working_spans(calendar: BusinessCalendar, first: dt.date, last: dt.date) -> pl.DataFrame:
    """The calendar's working intervals of local dates first…last that it covers, as UTC
    microseconds (start, end, working µs before the start). One row per span, not per contact."""
    starts, ends = [], []
    day = max(first, calendar.valid_from or first)
    final = min(last, calendar.valid_to or last)
    while day <= final:
        for a, b in calendar.intervals_on(day):
            starts.append((a - _EPOCH) // _US)
            ends.append((b - _EPOCH) // _US)
        day += dt.timedelta(days=1)
    spans = pl.DataFrame({"s": starts, "e": ends}, schema={"s": pl.Int64, "e": pl.Int64}).sort("s")
    return spans.with_columns((pl.col("e") - pl.col("s")).cum_sum().shift(1, fill_value=0).alias("before"))


def _worked_until(t: pl.Series, spans: pl.DataFrame) -> pl.Series:
    """B(t): working µs from the first span to each instant t (µs; nulls read as 0)."""
    t = t.fill_null(0)
    if spans.height == 0:
        return pl.zeros(len(t), pl.Int64, eager=True)
    j = spans["s"].search_sorted(t, side="right").cast(pl.Int64) - 1  # last span starting ≤ t
    at = j.clip(lower_bound=0)
    frame = pl.DataFrame({"t": t, "j": j, "s": spans["s"].gather(at), "e": spans["e"].gather(at),
                          "before": spans["before"].gather(at)})
    # t inside the span: part of it; past its end: all of it
    inside = (pl.min_horizontal("t", "e") - pl.col("s")).clip(lower_bound=0)
    return frame.select(pl.when(pl.col("j") >= 0).then(pl.col("before") + inside).otherwise(0)).to_series()


def business_minutes(rows: pl.DataFrame, calendar: BusinessCalendar, ends: tuple[str, ...]) -> pl.DataFrame:
    """For each column in ``ends``, the working time from ``arrived_at`` to it in ``calendar``:
    whole minutes rounded up (0 when it ends before it starts, as the elapsed kinds), null when
    it is null, OUT_OF_CALENDAR when a local date from arrival to it is not covered by the
    calendar's holiday data. Vectorised: B(t), the working time before each instant, comes from
    a table of the calendar's working spans (UTC instants, so nights, weekends, holidays,
    make-up days and DST are exact) and a sorted search; a duration is B(end) − B(start).
    Equals ``BusinessCalendar.business_duration`` per row (property-tested)."""
    tz = calendar.time_zone
    local = rows.select([pl.col(c).dt.convert_time_zone(tz).dt.date().alias(c) for c in ("arrived_at", *ends)])
    dates = pl.concat([local[c].drop_nulls() for c in local.columns])
    if dates.len() == 0:
        return pl.DataFrame({c: pl.Series(c, [None] * rows.height, dtype=pl.Int64) for c in ends})
    first, last = dates.min(), dates.max()
    spans = _working_spans(calendar, first - dt.timedelta(days=1) if first > dt.date.min else first,
                           last + dt.timedelta(days=1) if last < dt.date.max else last)
    start = _worked_until(rows["arrived_at"].dt.epoch("us"), spans)
    out = {}
    for c in ends:
        frame = pl.DataFrame({"worked": _worked_until(rows[c].dt.epoch("us"), spans) - start,
                              "a": local["arrived_at"], "b": local[c]})
        lo, hi = pl.min_horizontal("a", "b"), pl.max_horizontal("a", "b")
        outside = pl.lit(False)
        if calendar.valid_from:
            outside = outside | (lo < calendar.valid_from)
        if calendar.valid_to:
            outside = outside | (hi > calendar.valid_to)
        minutes = ((pl.col("worked") + 59_999_999) // 60_000_000).clip(lower_bound=0)
        out[c] = frame.select(pl.when(pl.col("a").is_null() | pl.col("b").is_null()).then(None)
                              .when(outside).then(OUT_OF_CALENDAR)
                              .otherwise(minutes).cast(pl.Int64).alias(c)).to_series()
    return pl.DataFrame(out)


def aggregate(rows: pl.DataFrame, calendars: Mapping[int, BusinessCalendar] | None = None
              ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(sums per KEY, histogram buckets per KEY + kind + value) of canonical rows.
    ``calendars``: the business calendar of each project that has one (kinds 5 and 6 are
    computed for those projects' rows only)."""
    if rows.height == 0:
        return empty_sums(), empty_buckets()
    r = _prepared(rows)
    answered = pl.col("_answered")

    def count(cond: pl.Expr) -> pl.Expr:
        return cond.fill_null(False).cast(pl.Int64).sum()

    def asum(expr: pl.Expr) -> pl.Expr:
        return pl.when(answered).then(expr).otherwise(0).fill_null(0).cast(pl.Int64).sum()

    sums = r.group_by(KEY).agg(
        pl.len().cast(pl.Int64).alias("offered"),
        count(pl.col("abandoned")).alias("abandoned"),
        count(answered).alias("answered"),
        asum(pl.col("wait_seconds")).alias("wait_sum"),
        asum(pl.col("wait_seconds") * pl.col("wait_seconds")).alias("wait_sq_sum"),
        asum(pl.col("_handle")).alias("handle_sum"),
        asum(pl.col("_handle") * pl.col("_handle")).alias("handle_sq_sum"),
        asum(pl.col("talk_seconds")).alias("talk_sum"),
        asum(pl.col("hold_seconds")).alias("hold_sum"),
        asum(pl.col("wrap_seconds")).alias("wrap_sum"),
        count(pl.col("complaint")).alias("complaints"),
        count(pl.col("first_response_at").is_not_null()).alias("responded"),
        count(pl.col("resolved_at").is_not_null()).alias("resolved"),
        # contacts with any survey answer: the numerator of response_rate
        count(pl.any_horizontal(pl.col("csat", "nps", "ces").is_not_null())).alias("surveyed"),
        *[count(pl.col("outcome") == o).alias(f"outcome_{o}") for o in OUTCOMES],
        *[count(pl.col("csat") == k).alias(f"csat_{k}") for k in range(1, 6)],
        *[count(pl.col("nps") == k).alias(f"nps_{k}") for k in range(0, 11)],
        *[count(pl.col("ces") == k).alias(f"ces_{k}") for k in range(1, 8)],
    )

    def minutes_after(column: str) -> pl.Expr:
        # whole minutes rounded up, so "within T minutes" (≤ T) is exact for whole-minute T
        # (from microseconds, as the raw builder and the business minutes round: a response
        # 60.0005 s after arrival is 2 minutes, not 1)
        us = (pl.col(column) - pl.col("arrived_at")).dt.total_microseconds()
        return ((us + 59_999_999) // 60_000_000).clip(lower_bound=0)

    # Minutes to first response and to resolution are read for the asynchronous channels only
    # (formulas: a call or a chat is measured by its wait); elsewhere they would be dead rows.
    responses = r.filter(pl.col("channel").is_in(list(ASYNC_CHANNELS)))
    parts = [
        r.filter(answered & pl.col("wait_seconds").is_not_null())
        .select(*KEY, pl.lit(WAIT_ANSWERED).alias("kind"), pl.col("wait_seconds").alias("value")),
        r.filter(pl.col("abandoned") & pl.col("wait_seconds").is_not_null())
        .select(*KEY, pl.lit(WAIT_ABANDONED).alias("kind"), pl.col("wait_seconds").alias("value")),
        responses.filter(pl.col("first_response_at").is_not_null())
        .select(*KEY, pl.lit(FIRST_RESPONSE_MINUTES).alias("kind"), minutes_after("first_response_at").alias("value")),
        responses.filter(pl.col("resolved_at").is_not_null())
        .select(*KEY, pl.lit(RESOLUTION_MINUTES).alias("kind"), minutes_after("resolved_at").alias("value")),
        *_business_parts(responses, calendars or {}),
        # FCR without a customer depends on the row alone; the next-contact kinds need the
        # customer's history (fcr_buckets).
        r.filter((pl.col("outcome") == "resolved") & (pl.col("direction") == "inbound")
                 & (pl.col("customer_ref").fill_null("") == ""))
        .select(*KEY, pl.lit(FCR_NO_CUSTOMER).alias("kind"), pl.lit(0).alias("value")),
    ]
    buckets = (
        pl.concat([p.with_columns(pl.col("kind").cast(pl.Int64), pl.col("value").cast(pl.Int64)) for p in parts])
        .group_by(BUCKET_KEY).agg(pl.len().cast(pl.Int64).alias("count"))
    )
    return _typed(sums), _typed(buckets)


def _business_parts(r: pl.DataFrame, calendars: Mapping[int, BusinessCalendar]) -> list[pl.DataFrame]:
    """Kinds 5 and 6 of the rows of projects with a calendar (the rows of kinds 3 and 4: the
    caller passes asynchronous contacts only)."""
    parts = []
    for project_id, calendar in calendars.items():
        rows = r.filter(pl.col("project_id") == project_id)
        if rows.height == 0:
            continue
        rows = rows.with_columns(business_minutes(rows, calendar, ("first_response_at", "resolved_at"))
                                 .rename({"first_response_at": "_fr_b", "resolved_at": "_res_b"}))
        for column, kind in (("_fr_b", FIRST_RESPONSE_BUSINESS_MINUTES), ("_res_b", RESOLUTION_BUSINESS_MINUTES)):
            parts.append(rows.filter(pl.col(column).is_not_null())
                         .select(*KEY, pl.lit(kind).alias("kind"), pl.col(column).alias("value")))
    return parts


def business_buckets(rows: pl.DataFrame, calendars: Mapping[int, BusinessCalendar]) -> pl.DataFrame:
    """Only the buckets of kinds 5 and 6 of canonical rows (a rebuild after a calendar change).
    ``rows`` need KEY's columns (but interval_start), arrived_at, first_response_at and resolved_at."""
    if rows.height == 0:
        return empty_buckets()
    r = rows.with_columns(pl.col("arrived_at").dt.truncate(INTERVAL).alias("interval_start"),
                          pl.col("queue").fill_null(""), pl.col("agent_code").fill_null(""))
    parts = _business_parts(r.filter(pl.col("channel").is_in(list(ASYNC_CHANNELS))), calendars)
    if not parts:
        return empty_buckets()
    out = (pl.concat([p.with_columns(pl.col("kind").cast(pl.Int64), pl.col("value").cast(pl.Int64)) for p in parts])
           .group_by(BUCKET_KEY).agg(pl.len().cast(pl.Int64).alias("count")))
    return _typed(out)


def _typed(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.with_columns(pl.col("project_id").cast(pl.Int64), pl.col("vendor_id").cast(pl.Int64))


def empty_sums() -> pl.DataFrame:
    schema = {k: pl.String for k in KEY}
    schema.update(project_id=pl.Int64, vendor_id=pl.Int64, interval_start=pl.Datetime("us", "UTC"))
    schema.update({s: pl.Int64 for s in STATS})
    return pl.DataFrame(schema=schema)


def empty_buckets() -> pl.DataFrame:
    schema = {k: pl.String for k in KEY}
    schema.update(project_id=pl.Int64, vendor_id=pl.Int64, interval_start=pl.Datetime("us", "UTC"),
                  kind=pl.Int64, value=pl.Int64, count=pl.Int64)
    return pl.DataFrame(schema=schema)


def delta(new_rows: pl.DataFrame | None, old_rows: pl.DataFrame | None,
          calendars: Mapping[int, BusinessCalendar] | None = None) -> tuple[pl.DataFrame, pl.DataFrame]:
    """What to add to the rollups when `old_rows` are replaced by `new_rows` (either may be
    empty: an insert has no old row, an undo of an insert no new one). Zero entries dropped.
    ``calendars`` as for ``aggregate``: both sides in the same calendar."""
    sums_parts, bucket_parts = [], []
    for rows, sign in ((new_rows, 1), (old_rows, -1)):
        if rows is None or rows.height == 0:
            continue
        sums, buckets = aggregate(rows, calendars)
        sums_parts.append(sums.with_columns([pl.col(s) * sign for s in STATS]))
        bucket_parts.append(buckets.with_columns(pl.col("count") * sign))
    if not sums_parts:
        return empty_sums(), empty_buckets()
    sums = pl.concat(sums_parts).group_by(KEY).agg([pl.col(s).sum() for s in STATS])
    sums = sums.filter(pl.any_horizontal([pl.col(s) != 0 for s in STATS]))
    buckets = pl.concat(bucket_parts).group_by(BUCKET_KEY).agg(pl.col("count").sum())
    buckets = buckets.filter(pl.col("count") != 0)
    return sums, buckets


def _next_after(rows: pl.DataFrame, by: list[str]) -> pl.Series:
    """For each row, the next arrival strictly after it among the rows with the same ``by``."""
    times = rows.select(*by, pl.col("arrived_at").alias("next_at")).unique().sort("next_at")
    # Both sides sorted by time (join_asof cannot verify that within `by` groups itself).
    left = rows.with_row_index("_i").sort("arrived_at")
    joined = left.join_asof(times, left_on="arrived_at", right_on="next_at", by=by,
                            strategy="forward", allow_exact_matches=False, check_sortedness=False)
    return joined.sort("_i")["next_at"]


def fcr_buckets(history: pl.DataFrame) -> pl.DataFrame:
    """The FCR buckets (kinds 7 and 8) of every resolved inbound contact in ``history``, which
    must hold the history of its customers in one project (repeats are searched there, across
    vendors): all of it, or the part store.customer_history_around reads, whose contacts marked
    false in FCR_COUNTS_NEXT_ANY count in kind 8 only. A contact is a first-contact resolution
    for a window of W whole days when its value is > W: ``ceil(d) ≤ W`` exactly when ``d ≤ W``
    for a gap of d days."""
    if history.height == 0:
        return empty_buckets()
    counts_any = (pl.col(FCR_COUNTS_NEXT_ANY) if FCR_COUNTS_NEXT_ANY in history.columns
                  else pl.lit(True).alias(FCR_COUNTS_NEXT_ANY))
    r = (history.select(*FCR_COLUMNS, counts_any)
         .filter((pl.col("direction") == "inbound") & (pl.col("customer_ref").fill_null("") != ""))
         .with_columns(pl.col("contact_reason").fill_null(""), pl.col("queue").fill_null(""),
                       pl.col("agent_code").fill_null(""), pl.col("outcome").fill_null(""),
                       pl.col("arrived_at").dt.truncate(INTERVAL).alias("interval_start")))
    if r.height == 0:
        return empty_buckets()
    r = r.with_columns(_next_after(r, ["project_id", "customer_ref"]).alias("_next_any"),
                       _next_after(r, ["project_id", "customer_ref", "contact_reason"]).alias("_next_same"))

    def days(column: str) -> pl.Expr:
        us = (pl.col(column) - pl.col("arrived_at")).dt.total_microseconds()
        d = (us + 86_400_000_000 - 1) // 86_400_000_000
        return pl.when(pl.col(column).is_null() | (d > FCR_MAX_DAYS)).then(FCR_NONE_WITHIN).otherwise(d)

    resolved = r.filter(pl.col("outcome") == "resolved")
    parts = [resolved.filter(pl.col(FCR_COUNTS_NEXT_ANY))
             .select(*KEY, pl.lit(FCR_NEXT_ANY_DAYS).alias("kind"), days("_next_any").alias("value")),
             resolved.select(*KEY, pl.lit(FCR_NEXT_SAME_REASON_DAYS).alias("kind"), days("_next_same").alias("value"))]
    out = (pl.concat([p.with_columns(pl.col("kind").cast(pl.Int64), pl.col("value").cast(pl.Int64)) for p in parts])
           .group_by(BUCKET_KEY).agg(pl.len().cast(pl.Int64).alias("count")))
    return _typed(out)


def fcr_delta(after: pl.DataFrame, before: pl.DataFrame) -> pl.DataFrame:
    """What to add to the FCR buckets when the customers' histories change from ``before`` to
    ``after`` (both: all contacts of the same customers). Zero entries dropped."""
    parts = [fcr_buckets(after), fcr_buckets(before).with_columns(pl.col("count") * -1)]
    parts = [p for p in parts if p.height]
    if not parts:
        return empty_buckets()
    out = pl.concat(parts).group_by(BUCKET_KEY).agg(pl.col("count").sum())
    return out.filter(pl.col("count") != 0)


def add_buckets(*frames: pl.DataFrame) -> pl.DataFrame:
    """Bucket deltas summed into one (for one apply_delta)."""
    frames = [f for f in frames if f.height]
    if not frames:
        return empty_buckets()
    out = pl.concat([f.select(*BUCKET_KEY, "count") for f in frames]).group_by(BUCKET_KEY).agg(pl.col("count").sum())
    return out.filter(pl.col("count") != 0)


def coarse(sums: pl.DataFrame, buckets: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The agent rollup (or its delta) summed over agents: the coarse rollup (or its delta).
    Sums are linear, so coarse(delta) is the delta of the coarse rollup. Zero entries dropped."""
    out_sums = (sums.group_by(INTERVAL_KEY).agg([pl.col(s).sum() for s in STATS])
                .filter(pl.any_horizontal([pl.col(s) != 0 for s in STATS])) if sums.height
                else empty_sums().drop("agent_code").select(*INTERVAL_KEY, *STATS))
    out_buckets = (buckets.group_by(INTERVAL_BUCKET_KEY).agg(pl.col("count").sum()).filter(pl.col("count") != 0)
                   if buckets.height else empty_buckets().select(*INTERVAL_BUCKET_KEY, "count"))
    return out_sums.select(*INTERVAL_KEY, *STATS), out_buckets.select(*INTERVAL_BUCKET_KEY, "count")


# The calendar level (models.CalendarRollup / CalendarBucket): the interval rollup summed per
# local day (grain "D") and per local month (grain "M") of the project's time zone. A contact
# counts in the local day in which its 30-minute interval *starts* — the engine's day rule — so a
# period of whole local days or months is a handful of rows at any volume.
DAY, MONTH = "D", "M"
CALENDAR_KEY = ["project_id", "grain", "period", "vendor_id", "queue", "channel", "direction", "priority"]
CALENDAR_BUCKET_KEY = [*CALENDAR_KEY, "kind", "value"]


def calendar(sums: pl.DataFrame, buckets: pl.DataFrame, time_zones: dict[int, str]
             ) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The interval rollup (or its delta, see ``coarse``) summed per local day and month.
    ``time_zones``: each project's zone. Linear like ``coarse``. Zero entries dropped."""

    def levels(frame: pl.DataFrame, key: list[str], values: list[str]) -> pl.DataFrame:
        parts = []
        for project_id, zone in time_zones.items():
            rows = frame.filter(pl.col("project_id") == project_id)
            if rows.height == 0:
                continue
            day = pl.col("interval_start").dt.convert_time_zone(zone).dt.date()
            days = rows.with_columns(day.alias("period"))
            for grain, period in ((DAY, pl.col("period")), (MONTH, pl.col("period").dt.truncate("1mo"))):
                parts.append(days.with_columns(period.alias("period"), pl.lit(grain).alias("grain"))
                             .group_by(key).agg([pl.col(v).sum() for v in values]))
        if not parts:
            schema = {**{k: pl.String for k in key}, "project_id": pl.Int64, "vendor_id": pl.Int64,
                      "period": pl.Date, **{v: pl.Int64 for v in values}}
            return pl.DataFrame(schema=schema).select(*key, *values)
        out = pl.concat(parts).filter(pl.any_horizontal([pl.col(v) != 0 for v in values]))
        return out.select(*key, *values)

    return (levels(sums, CALENDAR_KEY, STATS), levels(buckets, CALENDAR_BUCKET_KEY, ["count"]))
