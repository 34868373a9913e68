"""The rollup path equals the raw path: statistics read from the interactions rollups
(steward.interactions.rollups.aggregate, the same arithmetic the import maintains) give the
same ContactStats — hence the same metric results — as the reference builder on the raw rows."""

from datetime import UTC, datetime, timedelta

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.interactions import rollups
from steward.metrics import formulas as f
from steward.metrics.formulas import CATALOG, compute

T0 = datetime(2024, 3, 4, 1, 0, tzinfo=UTC)
maybe = lambda s: st.none() | s  # noqa: E731

SCHEMA = {
    "project_id": pl.Int64, "vendor_id": pl.Int64, "queue": pl.String, "channel": pl.String,
    "direction": pl.String, "priority": pl.String, "agent_code": pl.String,
    "arrived_at": pl.Datetime("us", "UTC"), "first_response_at": pl.Datetime("us", "UTC"),
    "resolved_at": pl.Datetime("us", "UTC"), "abandoned": pl.Boolean,
    "wait_seconds": pl.Int64, "talk_seconds": pl.Int64, "hold_seconds": pl.Int64,
    "wrap_seconds": pl.Int64, "outcome": pl.String, "csat": pl.Int64, "nps": pl.Int64,
    "ces": pl.Int64, "complaint": pl.Boolean,
}


@st.composite
def stored_rows(draw):
    """A contact as the import stores it: integer seconds, wait derived when times allow."""
    abandoned = draw(st.booleans())
    arrived = T0 + timedelta(seconds=draw(st.integers(0, 86400 * 3)))
    response = None if abandoned else draw(maybe(st.integers(0, 86400 * 2)))
    resolution = draw(maybe(st.integers(0, 86400 * 4)))
    wait = draw(st.integers(0, 200)) if response is not None or abandoned else draw(
        maybe(st.integers(0, 200)))
    return {
        "project_id": 1, "vendor_id": draw(st.sampled_from([1, 2])),
        "queue": draw(st.sampled_from(["", "q1"])), "channel": draw(st.sampled_from(f.CHANNELS)),
        "direction": draw(st.sampled_from(["inbound", "inbound", "inbound", "outbound"])),
        "priority": draw(st.sampled_from(f.PRIORITIES)), "agent_code": "",
        "arrived_at": arrived,
        "first_response_at": None if response is None else arrived + timedelta(seconds=response),
        "resolved_at": None if resolution is None else arrived + timedelta(seconds=resolution),
        "abandoned": abandoned, "wait_seconds": wait,
        "talk_seconds": draw(st.integers(0, 900)), "hold_seconds": draw(st.integers(0, 90)),
        "wrap_seconds": draw(st.integers(0, 90)), "outcome": "",
        "csat": draw(maybe(st.integers(1, 5))), "nps": draw(maybe(st.integers(0, 10))),
        "ces": draw(maybe(st.integers(1, 7))), "complaint": draw(st.booleans()),
    }


def via_rollups(rows):
    sums, buckets = rollups.aggregate(pl.DataFrame(rows, schema=SCHEMA))
    return f.contact_stats_from_rollups(sums.to_dicts(), buckets.to_dicts())


@settings(max_examples=25, deadline=None)
@given(st.lists(stored_rows(), max_size=30))
def test_rollup_statistics_equal_raw_statistics(rows):
    assert via_rollups(rows) == f.contact_stats(rows)


@settings(max_examples=15, deadline=None)
@given(st.lists(stored_rows(), min_size=1, max_size=30),
       st.integers(0, 60), st.integers(0, 10), st.sampled_from(["1h", "4h", "1d"]))
def test_every_metric_identical_on_both_paths(rows, t, short, threshold):
    raw, rolled = f.contact_stats(rows), via_rollups(rows)
    for key, spec in CATALOG.items():
        if spec.source != "contacts":
            continue
        names = {p.name for p in spec.params}
        params = {k: v for k, v in {"threshold_seconds": t, "short_abandon_seconds": short,
                                    "threshold": threshold}.items() if k in names}
        a, b = compute(key, raw, params), compute(key, rolled, params)
        assert (a.value, a.numerator, a.denominator, a.interval_low) == (
            b.value, b.numerator, b.denominator, b.interval_low), key


def test_business_minutes_are_read_when_the_rollups_carry_them():
    sums = [{"channel": "email", "direction": "inbound", "priority": "urgent", "offered": 2,
             "abandoned": 0, "handle_sum": 0, "handle_sq_sum": 0, "complaints": 0}]
    buckets = [
        {"channel": "email", "direction": "inbound", "priority": "urgent",
         "kind": f.FIRST_RESPONSE_MINUTES, "value": 600, "count": 2},
        {"channel": "email", "direction": "inbound", "priority": "urgent",
         "kind": f.FIRST_RESPONSE_BUSINESS_MINUTES, "value": 120, "count": 1},
        {"channel": "email", "direction": "inbound", "priority": "urgent",
         "kind": f.FIRST_RESPONSE_BUSINESS_MINUTES, "value": 300, "count": 1},
    ]
    s = f.contact_stats_from_rollups(sums, buckets, calendar="cn-9x18")
    p = {"threshold": "4h", "business_hours": True}
    assert compute("first_response_within", s, p).exact == f.Fraction(1, 2)
    assert compute("first_response_within", s, {"threshold": "4h"}).value == 0
    without = f.contact_stats_from_rollups(sums, buckets)
    assert compute("first_response_within", without, p).reason == "no_business_calendar"
