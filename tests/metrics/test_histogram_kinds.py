"""formulas.histogram_kinds names every histogram a contact metric reads: computed from the
buckets of those kinds alone, each metric gives exactly what it gives from all of them."""

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.interactions import rollups
from steward.metrics import formulas as f
from steward.metrics.formulas import CATALOG, compute
from tests.metrics.test_rollup_path import SCHEMA, stored_rows


@settings(max_examples=20, deadline=None)
@given(st.lists(stored_rows(), min_size=1, max_size=30),
       st.integers(0, 60), st.integers(0, 10), st.sampled_from(["1h", "4h", "1d"]))
def test_each_metric_reads_only_its_histogram_kinds(rows, t, short, threshold):
    sums, buckets = rollups.aggregate(pl.DataFrame(rows, schema=SCHEMA))
    sums, buckets = sums.to_dicts(), buckets.to_dicts()
    everything = f.contact_stats_from_rollups(sums, buckets)
    for key, spec in CATALOG.items():
        if spec.source != "contacts":
            continue
        kinds = f.histogram_kinds([key])
        only = f.contact_stats_from_rollups(sums, [b for b in buckets if b["kind"] in kinds])
        names = {p.name for p in spec.params}
        params = {k: v for k, v in {"threshold_seconds": t, "short_abandon_seconds": short,
                                    "threshold": threshold}.items() if k in names}
        a, b = compute(key, everything, params), compute(key, only, params)
        assert (a.value, a.numerator, a.denominator, a.interval_low, a.reason) == (
            b.value, b.numerator, b.denominator, b.interval_low, b.reason), key


def test_kinds_of_several_metrics_are_their_union():
    assert f.histogram_kinds(["csat", "aht_seconds"]) == ()
    assert f.histogram_kinds(["asa_seconds", "abandon_rate"]) == (f.WAIT_ANSWERED, f.WAIT_ABANDONED)
    assert f.histogram_kinds(["first_response_within", "service_level"]) == (
        f.WAIT_ANSWERED, f.WAIT_ABANDONED, f.FIRST_RESPONSE_MINUTES, f.FIRST_RESPONSE_BUSINESS_MINUTES)
