"""stats.py against hand-computed values and independent implementations (statsmodels, scipy)."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ttest_ind, ttest_ind_from_stats
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from steward.metrics import stats
from steward.metrics.stats import Verdict

FAST = settings(max_examples=60, deadline=None)


def test_wilson_hand_computed():
    # 8 of 10, z = 1.959964: centre = (0.8 + 0.192079)/1.384158 = 0.716741,
    # half = 1.959964·sqrt(0.016 + 0.009604)/1.384158 = 0.226582 → [0.490163, 0.943323]
    iv = stats.wilson_interval(8, 10)
    assert iv.low == pytest.approx(0.490162, abs=1e-6)
    assert iv.high == pytest.approx(0.943318, abs=1e-6)


def test_wilson_edges():
    assert stats.wilson_interval(0, 0) == stats.Interval(None, None)
    zero = stats.wilson_interval(0, 20)
    assert zero.low == 0.0 and 0 < zero.high < 0.2
    full = stats.wilson_interval(20, 20)
    assert full.high == 1.0 and 0.8 < full.low < 1
    with pytest.raises(ValueError):
        stats.wilson_interval(3, 2)


@FAST
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
       st.sampled_from([0.8, 0.9, 0.95, 0.99]))
def test_wilson_matches_statsmodels(sn, confidence):
    s, n = sn
    iv = stats.wilson_interval(s, n, confidence)
    low, high = proportion_confint(s, n, alpha=1 - confidence, method="wilson")
    assert iv.low == pytest.approx(low, abs=1e-9)
    assert iv.high == pytest.approx(high, abs=1e-9)
    assert 0 <= iv.low <= s / n <= iv.high <= 1


def test_mean_t_interval_hand_computed():
    # x = 10, 20, 30, 40: n=4, Σx=100, Σx²=3000, mean 25, s² = (3000 − 2500)/3 = 166.67,
    # s = 12.9099, t(0.975, 3) = 3.182446, half = 3.182446·12.9099/2 = 20.5426
    m = stats.mean_t_interval(4, 100, 3000)
    assert m.mean == 25
    assert m.std == pytest.approx(12.909944, abs=1e-6)
    assert m.interval.low == pytest.approx(25 - 20.542603, abs=1e-5)
    assert m.interval.high == pytest.approx(25 + 20.542603, abs=1e-5)


def test_mean_t_interval_edges():
    assert stats.mean_t_interval(0, 0, 0).mean is None
    one = stats.mean_t_interval(1, 7, 49)
    assert one.mean == 7 and one.interval.low is None
    const = stats.mean_t_interval(3, 15, 75)
    assert const.interval.low == const.interval.high == 5


@FAST
@given(st.lists(st.integers(0, 3600), min_size=2, max_size=200))
def test_mean_t_interval_matches_scipy(xs):
    a = np.array(xs, dtype=float)
    m = stats.mean_t_interval(len(xs), sum(xs), sum(x * x for x in xs))
    assert m.mean == pytest.approx(a.mean())
    if a.std() > 0:
        from scipy import stats as sst
        low, high = sst.t.interval(0.95, len(a) - 1, loc=a.mean(), scale=sst.sem(a))
        assert m.interval.low == pytest.approx(low, rel=1e-6, abs=1e-6)
        assert m.interval.high == pytest.approx(high, rel=1e-6, abs=1e-6)


def test_nps_hand_computed():
    # 50 promoters, 20 detractors, 30 passives: NPS = 30; p_P − p_D = 0.3,
    # var = (0.5 + 0.2 − 0.09)/100 = 0.0061, se = 0.078102, half = 1.959964·0.078102 = 0.153078
    e = stats.nps_interval(50, 20, 100)
    assert e.nps == pytest.approx(30)
    assert e.interval.low == pytest.approx(30 - 15.3078, abs=1e-3)
    assert e.interval.high == pytest.approx(30 + 15.3078, abs=1e-3)


@FAST
@given(st.lists(st.integers(0, 10), min_size=1, max_size=300))
def test_nps_variance_matches_simulated_scores(scores):
    # The variance formula equals the sample (population) variance of the per-response score
    # +1/0/−1, which is an independent way to get the same standard error.
    x = np.array([1 if s >= 9 else (-1 if s <= 6 else 0) for s in scores], dtype=float)
    e = stats.nps_interval(int((x == 1).sum()), int((x == -1).sum()), len(x))
    assert e.nps == pytest.approx(100 * x.mean())
    se = math.sqrt(x.var() / len(x))
    assert e.interval.high == pytest.approx(min(100, 100 * (x.mean() + 1.959963984540054 * se)))
    assert -100 <= e.interval.low <= e.nps <= e.interval.high <= 100


def test_two_proportion_hand_computed():
    # A: 80/100, B: 60/100. pooled 0.7, se0 = sqrt(0.21·0.02) = 0.064807,
    # z = −0.2/0.064807 = −3.0861
    c = stats.two_proportion_test(80, 100, 60, 100)
    assert c.difference == pytest.approx(-0.2)
    assert c.statistic == pytest.approx(-3.086067, abs=1e-5)
    assert c.p_value == pytest.approx(0.002028, abs=1e-5)
    assert c.verdict is Verdict.B_LOWER and c.significant


def test_two_proportion_noise_and_edges():
    c = stats.two_proportion_test(8, 10, 7, 10)
    assert c.verdict is Verdict.NOT_DISTINGUISHABLE
    assert stats.two_proportion_test(0, 0, 5, 10).verdict is Verdict.INSUFFICIENT_DATA
    same = stats.two_proportion_test(10, 10, 30, 30)
    assert same.verdict is Verdict.NOT_DISTINGUISHABLE and same.p_value == 1.0


@FAST
@given(st.integers(1, 2000), st.integers(1, 2000), st.data())
def test_two_proportion_matches_statsmodels(n_a, n_b, data):
    s_a = data.draw(st.integers(0, n_a))
    s_b = data.draw(st.integers(0, n_b))
    c = stats.two_proportion_test(s_a, n_a, s_b, n_b)
    pooled = (s_a + s_b) / (n_a + n_b)
    if 0 < pooled < 1:
        z, p = proportions_ztest([s_b, s_a], [n_b, n_a])
        assert c.statistic == pytest.approx(z, rel=1e-7, abs=1e-9)
        assert c.p_value == pytest.approx(p, rel=1e-7, abs=1e-12)
    assert (c.p_value < 0.05 and c.difference != 0) == c.significant
    if c.significant:
        assert (c.verdict is Verdict.B_HIGHER) == (s_b / n_b > s_a / n_a)
    low, high = confint_proportions_2indep(s_b, n_b, s_a, n_a, method="wald", compare="diff")
    assert c.interval.low == pytest.approx(low, abs=1e-9)
    assert c.interval.high == pytest.approx(high, abs=1e-9)


def test_welch_hand_computed():
    # A: 10, 20, 30, 40 (mean 25, s² 166.67); B: 30, 40, 50 (mean 40, s² 100)
    # se = sqrt(41.667 + 33.333) = 8.660254, t = 15/8.660254 = 1.732051,
    # df = 75²/(41.667²/3 + 33.333²/2) = 5625/(578.70 + 555.56) = 4.9592
    c = stats.welch_t_test(4, 100, 3000, 3, 120, 5000)
    assert c.difference == 15
    assert c.statistic == pytest.approx(1.732051, abs=1e-6)
    assert c.df == pytest.approx(4.9592, abs=1e-3)
    assert c.verdict is Verdict.NOT_DISTINGUISHABLE


def test_welch_edges():
    assert stats.welch_t_test(1, 5, 25, 10, 50, 300).verdict is Verdict.INSUFFICIENT_DATA
    assert stats.welch_t_test(3, 15, 75, 3, 15, 75).verdict is Verdict.NOT_DISTINGUISHABLE
    assert stats.welch_t_test(3, 15, 75, 3, 30, 300).verdict is Verdict.B_HIGHER


@pytest.mark.filterwarnings("ignore:Precision loss:RuntimeWarning")
@FAST
@given(st.lists(st.integers(0, 900), min_size=2, max_size=80),
       st.lists(st.integers(0, 900), min_size=2, max_size=80))
def test_welch_matches_scipy(xa, xb):
    a, b = np.array(xa, float), np.array(xb, float)
    c = stats.welch_t_test(len(xa), sum(xa), sum(x * x for x in xa),
                           len(xb), sum(xb), sum(x * x for x in xb))
    if a.std() > 0 or b.std() > 0:
        ref = ttest_ind_from_stats(b.mean(), b.std(ddof=1), len(b), a.mean(), a.std(ddof=1),
                                   len(a), equal_var=False)
        assert c.statistic == pytest.approx(ref.statistic, rel=1e-6, abs=1e-9)
        assert c.p_value == pytest.approx(ref.pvalue, rel=1e-6, abs=1e-12)
        raw = ttest_ind(b, a, equal_var=False)
        assert c.p_value == pytest.approx(raw.pvalue, rel=1e-6, abs=1e-12)
        if c.p_value > 0:
            assert c.df == pytest.approx(raw.df, rel=1e-6)
        ci = raw.confidence_interval(0.95)
        assert c.interval.low == pytest.approx(ci.low, rel=1e-6, abs=1e-6)
        assert c.interval.high == pytest.approx(ci.high, rel=1e-6, abs=1e-6)
        assert c.interval.low <= c.difference <= c.interval.high
