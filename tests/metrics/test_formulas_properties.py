"""Properties of the calculators on random contacts, and agreement with a straightforward Polars
computation from the raw rows (the independent check the rollup path must also pass)."""

from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.metrics import formulas as f
from steward.metrics.formulas import CATALOG, compute

FAST = settings(max_examples=25, deadline=None)
T0 = datetime(2024, 3, 4, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))

maybe = lambda s: st.none() | s  # noqa: E731


@st.composite
def contacts(draw):
    channel = draw(st.sampled_from(f.CHANNELS))
    abandoned = draw(st.booleans()) if channel in ("voice", "chat") else False
    arrived = T0 + timedelta(minutes=draw(st.integers(0, 60 * 24 * 30)))
    response = draw(maybe(st.integers(0, 3 * 86400)))
    resolution = draw(maybe(st.integers(0, 5 * 86400)))
    return {
        "channel": channel,
        "direction": draw(st.sampled_from(["inbound"] * 5 + ["outbound"])),
        "priority": draw(st.sampled_from(f.PRIORITIES + (None,))),
        "arrived_at": arrived,
        "abandoned": abandoned,
        "wait_seconds": draw(maybe(st.integers(0, 120) | st.floats(0, 120))),
        "first_response_at": None if abandoned or response is None
        else arrived + timedelta(seconds=response),
        "resolved_at": None if resolution is None else arrived + timedelta(seconds=resolution),
        "talk_seconds": draw(maybe(st.integers(0, 900))),
        "hold_seconds": draw(maybe(st.integers(0, 120))),
        "wrap_seconds": draw(maybe(st.integers(0, 120))),
        "csat": draw(maybe(st.integers(1, 5))),
        "nps": draw(maybe(st.integers(0, 10))),
        "ces": draw(maybe(st.integers(1, 7))),
        "complaint": draw(st.booleans()),
    }


rows = st.lists(contacts(), max_size=25)
sl_params = st.fixed_dictionaries({
    "threshold_seconds": st.integers(0, 130),
    "short_abandon_seconds": st.integers(0, 30),
})


@FAST
@given(rows, rows)
def test_statistics_are_additive(a, b):
    assert f.contact_stats(a + b) == f.contact_stats(a) + f.contact_stats(b)
    assert f.sum_stats([f.contact_stats(a), f.contact_stats(b)]) == f.contact_stats(b + a)


@FAST
@given(rows, sl_params)
def test_rates_within_unit_interval_and_interval_contains_value(data, p):
    s = f.contact_stats(data)
    for key, spec in CATALOG.items():
        if spec.source != "contacts":
            continue
        params = {k: v for k, v in p.items() if k in {x.name for x in spec.params}}
        r = compute(key, s, params)
        if r.value is None:
            assert r.reason
            continue
        if spec.kind == "proportion" and key in ("complaint_rate", "response_rate"):
            # per handled contact: above 1 only through abandoned contacts, then no interval
            assert r.value >= 0
            assert r.value <= 1 or (r.interval_low is None and s.abandoned > 0)
        elif spec.kind == "proportion":
            assert 0 <= r.value <= 1
            assert r.numerator <= r.denominator
        if spec.kind in ("proportion", "mean", "nps") and r.interval_low is not None:
            assert r.interval_low - 1e-9 <= r.value <= r.interval_high + 1e-9
        assert r.exact is None or float(r.exact) == pytest.approx(r.value)


@FAST
@given(rows, sl_params)
def test_service_level_variants_ordering(data, p):
    s = f.contact_stats(data)
    std = compute("service_level", s, p)
    answered_only = compute("service_level", s, {**p, "variant": "answered_only"})
    met = compute("service_level", s, {**p, "variant": "abandons_within_threshold_count_as_met"})
    if std.value is not None and answered_only.value is not None:
        # offered − short ≥ handled, same numerator
        assert answered_only.exact >= std.exact
    if std.value is not None and p["threshold_seconds"] >= p["short_abandon_seconds"] - 1:
        # every short abandon is within T, so counting abandons within T as met can only help
        assert met.exact >= std.exact


@FAST
@given(rows, st.integers(0, 120), st.integers(0, 120))
def test_service_level_monotone_in_threshold(data, t1, t2):
    s = f.contact_stats(data)
    lo, hi = sorted((t1, t2))
    a = compute("service_level", s, {"threshold_seconds": lo})
    b = compute("service_level", s, {"threshold_seconds": hi})
    if a.value is not None:
        assert a.numerator <= b.numerator and a.denominator == b.denominator


def polars_reference(data, t, short):
    """The analyst's computation, straight from rows, written independently of formulas.py."""
    schema = {"direction": pl.String, "abandoned": pl.Boolean, "wait_seconds": pl.Float64,
              "talk_seconds": pl.Float64, "hold_seconds": pl.Float64,
              "wrap_seconds": pl.Float64, "csat": pl.Int64, "nps": pl.Int64,
              "arrived_at": pl.Datetime("us", "UTC"), "first_response_at": pl.Datetime("us", "UTC"),
              "ended_at": pl.Datetime("us", "UTC")}
    df = pl.DataFrame([{k: r.get(k) for k in schema} for r in data], schema=schema)
    # An empty wait is derived from the times: to the answer, or to abandonment.
    derived = pl.when(pl.col("abandoned")).then(pl.col("ended_at")).otherwise(
        pl.col("first_response_at")) - pl.col("arrived_at")
    df = df.filter(pl.col("direction") == "inbound").with_columns(
        wait=pl.coalesce(pl.col("wait_seconds"), derived.dt.total_microseconds() / 1e6)
        .ceil().clip(lower_bound=0),
        handle=(pl.col("talk_seconds").fill_null(0) + pl.col("hold_seconds").fill_null(0)
                + pl.col("wrap_seconds").fill_null(0)).round(0),
    )
    ans = df.filter(~pl.col("abandoned"))
    ab = df.filter(pl.col("abandoned"))
    offered = df.height
    short = ab.filter(pl.col("wait") < short).height
    within = ans.filter(pl.col("wait") <= t).height
    csat = df.filter(pl.col("csat").is_not_null())
    nps = df.filter(pl.col("nps").is_not_null())
    known = ans.filter(pl.col("wait").is_not_null())
    handle = ans
    return {
        "service_level": Fraction(within, offered - short) if offered - short else None,
        "abandon_rate": Fraction(ab.height - short, offered - short) if offered - short else None,
        "asa_seconds": Fraction(int(known["wait"].sum()), known.height) if known.height else None,
        "aht_seconds": Fraction(int(handle["handle"].sum()), handle.height)
        if handle.height else None,
        "csat": Fraction(csat.filter(pl.col("csat") >= 4).height, csat.height)
        if csat.height else None,
        "nps": Fraction(100 * (nps.filter(pl.col("nps") >= 9).height
                               - nps.filter(pl.col("nps") <= 6).height), nps.height)
        if nps.height else None,
    }


@FAST
@given(rows, sl_params)
def test_statistics_path_equals_polars_on_raw_rows(data, p):
    s = f.contact_stats(data)
    ref = polars_reference(data, p["threshold_seconds"], p["short_abandon_seconds"])
    for key, expected in ref.items():
        spec = CATALOG[key]
        params = {k: v for k, v in p.items() if k in {x.name for x in spec.params}}
        assert compute(key, s, params).exact == expected, key


@FAST
@given(st.lists(st.tuples(st.sampled_from("ABCD"), st.integers(0, 40), st.booleans(),
                          st.sampled_from(["x", "y"]), st.booleans()), max_size=40),
       st.integers(1, 10), st.booleans())
def test_fcr_against_brute_force(spec, window, same_reason):
    data = [{"customer_ref": c, "arrived_at": T0 + timedelta(days=d), "contact_reason": r,
             "outcome": "resolved" if res else "pending",
             "direction": "inbound"} for c, d, res, r, _ in spec]
    got = f.fcr_counts(data, window_days=window, same_reason=same_reason)
    # Brute force: quadratic search over every pair.
    newest = max((r["arrived_at"] for r in data), default=None)
    w = timedelta(days=window)
    eligible = fcr = 0
    for c in data:
        if c["outcome"] != "resolved" or c["arrived_at"] + w > newest:
            continue
        eligible += 1
        repeat = any(
            o["customer_ref"] == c["customer_ref"]
            and (not same_reason or o["contact_reason"] == c["contact_reason"])
            and c["arrived_at"] < o["arrived_at"] <= c["arrived_at"] + w
            for o in data
        )
        fcr += not repeat
    assert (got.eligible, got.first_contact_resolved) == (eligible, fcr)
    assert 0 <= got.first_contact_resolved <= got.eligible


fcr_rows = st.lists(st.tuples(st.sampled_from("ABCD"), st.integers(0, 40), st.booleans(),
                              st.sampled_from(["x", "y"]), st.sampled_from(["inbound", "inbound",
                                                                            "outbound"])),
                    max_size=40)


def as_contacts(spec):
    return [{"customer_ref": c, "arrived_at": T0 + timedelta(days=d, hours=i % 5),
             "contact_reason": r, "outcome": "resolved" if res else "pending", "direction": dr}
            for i, (c, d, res, r, dr) in enumerate(spec)]


@FAST
@given(fcr_rows, fcr_rows, st.integers(1, 10), st.booleans(), st.integers(0, 40))
def test_incremental_fcr_equals_full_search(old_spec, new_spec, window, same_reason, cut):
    old, new = as_contacts(old_spec), as_contacts(new_spec)
    everything = old + new
    if not everything:
        return  # no data: nothing stored, nothing to compare
    # Stored values after the old import, then refreshed only for the customers the new batch
    # touches (their whole history is reloaded), as the engine does.
    stored = dict(enumerate(f.next_contacts(old)))
    touched = f.customers_touched(new)
    refresh = [i for i, r in enumerate(everything) if r["customer_ref"] in touched]
    for i, value in zip(refresh, f.next_contacts([everything[i] for i in refresh])):
        stored[i] = value
    assert [stored[i] for i in range(len(everything))] == f.next_contacts(everything)
    newest = max(r["arrived_at"] for r in everything)
    period = {"period_start": T0 + timedelta(days=cut), "period_end": T0 + timedelta(days=cut + 9)}
    in_period = [(r, stored[i]) for i, r in enumerate(everything)
                 if period["period_start"] <= r["arrived_at"] < period["period_end"]]
    assert f.fcr_counts_from_next(in_period, newest=newest, window_days=window,
                                  same_reason=same_reason, **period) == f.fcr_counts(
        everything, window_days=window, same_reason=same_reason, **period)


@FAST
@given(st.lists(st.integers(0, 50)), st.lists(st.integers(0, 50)))
def test_histogram_sum_is_the_histogram_of_both(a, b):
    """Adding histograms (which skips re-validation) equals counting both lists at once."""
    total = f.Histogram.of(a) + f.Histogram.of(b)
    assert total == f.Histogram.of(a + b)
    assert (total.n, total.total, total.count_at_most(25)) == (len(a + b), sum(a + b), sum(v <= 25 for v in a + b))
