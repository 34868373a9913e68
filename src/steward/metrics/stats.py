"""Confidence intervals and significance tests from sufficient statistics.

Pure arithmetic (no Django): every function takes counts, sums and sums of squares — what the
rollups store — never raw rows. Distributions come from scipy.stats. Results are structured
(numbers and a verdict code); the plain-language sentence is rendered by
``steward.metrics.texts`` so that it can be translated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from enum import StrEnum

from scipy import stats as _dist

CONFIDENCE = 0.95


@lru_cache(maxsize=64)
def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must lie strictly between 0 and 1, got {confidence!r}")
    return float(_dist.norm.ppf(0.5 + confidence / 2))


@lru_cache(maxsize=4096)
def _t(confidence: float, df: int) -> float:
    """Student's t quantile for a two-sided interval: cached, since SciPy's ppf costs about a
    quarter of a millisecond and a dashboard asks for the same few degrees of freedom often."""
    return float(_dist.t.ppf(0.5 + confidence / 2, df))


@dataclass(frozen=True)
class Interval:
    """A two-sided confidence interval; ``low``/``high`` are None when it cannot be computed."""

    low: float | None
    high: float | None
    confidence: float = CONFIDENCE


NO_INTERVAL = Interval(None, None)


def wilson_interval(successes: int, n: int, confidence: float = CONFIDENCE) -> Interval:
    """Wilson score interval for a proportion successes/n (None bounds when n == 0)."""
    if n < 0 or successes < 0 or successes > n:
        raise ValueError(f"need 0 <= successes <= n, got successes={successes}, n={n}")
    if n == 0:
        return Interval(None, None, confidence)
    z = _z(confidence)
    p = successes / n
    z2n = z * z / n
    centre = (p + z2n / 2) / (1 + z2n)
    half = z * math.sqrt(p * (1 - p) / n + z2n / (4 * n)) / (1 + z2n)
    # Clamp the last-bit rounding so that 0 <= low <= p <= high <= 1 always holds.
    low = 0.0 if successes == 0 else max(0.0, min(p, centre - half))
    high = 1.0 if successes == n else min(1.0, max(p, centre + half))
    return Interval(low, high, confidence)


def sample_variance(n: int, total: float, sum_squares: float) -> float | None:
    """Unbiased sample variance from (n, Σx, Σx²); None when n < 2.

    Computed as (Σx² − (Σx)²/n)/(n−1); tiny negative results from cancellation are clamped to 0.
    """
    if n < 2:
        return None
    return max(0.0, (sum_squares - total * total / n) / (n - 1))


@dataclass(frozen=True)
class MeanEstimate:
    n: int
    mean: float | None
    std: float | None
    interval: Interval


def mean_t_interval(
    n: int, total: float, sum_squares: float, confidence: float = CONFIDENCE
) -> MeanEstimate:
    """Mean with a Student-t interval from (n, Σx, Σx²). n == 0: no mean; n == 1: no interval."""
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    if n == 0:
        return MeanEstimate(0, None, None, Interval(None, None, confidence))
    mean = total / n
    var = sample_variance(n, total, sum_squares)
    if var is None:
        return MeanEstimate(n, mean, None, Interval(None, None, confidence))
    std = math.sqrt(var)
    half = _t(confidence, n - 1) * std / math.sqrt(n)
    return MeanEstimate(n, mean, std, Interval(mean - half, mean + half, confidence))


@dataclass(frozen=True)
class NpsEstimate:
    n: int
    promoters: int
    detractors: int
    nps: float | None  # on −100…100
    interval: Interval  # on −100…100


def nps_interval(
    promoters: int, detractors: int, n: int, confidence: float = CONFIDENCE
) -> NpsEstimate:
    """NPS = 100·(P − D)/n with the normal interval of a difference of two multinomial shares.

    Var(p̂_P − p̂_D) = (p_P + p_D − (p_P − p_D)²)/n. The bounds are clipped to [−100, 100].
    """
    if min(promoters, detractors, n) < 0 or promoters + detractors > n:
        raise ValueError(f"need promoters + detractors <= n, got {promoters}+{detractors} > {n}")
    if n == 0:
        return NpsEstimate(0, 0, 0, None, Interval(None, None, confidence))
    pp, pd = promoters / n, detractors / n
    d = pp - pd
    se = math.sqrt(max(0.0, pp + pd - d * d) / n)
    z = _z(confidence)
    low, high = max(-1.0, d - z * se), min(1.0, d + z * se)
    interval = Interval(100 * low, 100 * high, confidence)
    return NpsEstimate(n, promoters, detractors, 100 * d, interval)


class Verdict(StrEnum):
    """Outcome of comparing A with B; the sentence for each lives in metrics.texts."""

    B_HIGHER = "b_higher"  # the difference is real at the chosen confidence, B above A
    B_LOWER = "b_lower"  # real, B below A
    NOT_DISTINGUISHABLE = "not_distinguishable"  # could be noise with this many contacts
    INSUFFICIENT_DATA = "insufficient_data"  # a side has too few observations to test


@dataclass(frozen=True)
class Comparison:
    """Result of a two-sample test. ``difference`` is B − A; the interval is for B − A."""

    test: str  # "two_proportion_z" or "welch_t"
    estimate_a: float | None
    estimate_b: float | None
    n_a: int
    n_b: int
    difference: float | None
    interval: Interval
    statistic: float | None
    p_value: float | None
    df: float | None
    confidence: float
    verdict: Verdict

    @property
    def significant(self) -> bool:
        return self.verdict in (Verdict.B_HIGHER, Verdict.B_LOWER)


def _verdict(p_value: float | None, difference: float | None, confidence: float) -> Verdict:
    if p_value is None or difference is None:
        return Verdict.INSUFFICIENT_DATA
    if p_value < 1 - confidence and difference != 0:
        return Verdict.B_HIGHER if difference > 0 else Verdict.B_LOWER
    return Verdict.NOT_DISTINGUISHABLE


def two_proportion_test(
    successes_a: int, n_a: int, successes_b: int, n_b: int, confidence: float = CONFIDENCE
) -> Comparison:
    """Two-sided two-proportion z test (pooled variance, as statsmodels' proportions_ztest).

    The interval for B − A is the unpooled Wald interval. When both samples are all-success or
    all-failure the pooled variance is 0: identical shares give "not distinguishable" (p = 1).
    """
    for s, n in ((successes_a, n_a), (successes_b, n_b)):
        if n < 0 or s < 0 or s > n:
            raise ValueError(f"need 0 <= successes <= n, got successes={s}, n={n}")
    pa = successes_a / n_a if n_a else None
    pb = successes_b / n_b if n_b else None
    if pa is None or pb is None:
        return Comparison("two_proportion_z", pa, pb, n_a, n_b, None,
                          Interval(None, None, confidence), None, None, None, confidence,
                          Verdict.INSUFFICIENT_DATA)
    diff = pb - pa
    pooled = (successes_a + successes_b) / (n_a + n_b)
    se0 = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se0 == 0:
        stat, p = None, 1.0  # both samples all 0 or all 1: no evidence of any difference
    else:
        stat = diff / se0
        p = float(2 * _dist.norm.sf(abs(stat)))
    se1 = math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    z = _z(confidence)
    interval = Interval(diff - z * se1, diff + z * se1, confidence)
    return Comparison("two_proportion_z", pa, pb, n_a, n_b, diff, interval, stat, p, None,
                      confidence, _verdict(p, diff, confidence))


def welch_t_test(
    n_a: int, sum_a: float, sumsq_a: float,
    n_b: int, sum_b: float, sumsq_b: float,
    confidence: float = CONFIDENCE,
) -> Comparison:
    """Two-sided Welch's t test of B − A from (n, Σx, Σx²) of each sample.

    Needs n >= 2 on both sides. If both variances are 0 the test is undefined: equal means give
    "not distinguishable", different constant means are reported as a real difference (p = 0).
    """
    ma = sum_a / n_a if n_a else None
    mb = sum_b / n_b if n_b else None
    va = sample_variance(n_a, sum_a, sumsq_a)
    vb = sample_variance(n_b, sum_b, sumsq_b)
    if va is None or vb is None or ma is None or mb is None:
        diff = None if ma is None or mb is None else mb - ma
        return Comparison("welch_t", ma, mb, n_a, n_b, diff, Interval(None, None, confidence),
                          None, None, None, confidence, Verdict.INSUFFICIENT_DATA)
    diff = mb - ma
    sa, sb = va / n_a, vb / n_b
    se = math.sqrt(sa + sb)
    if se == 0:
        p = 1.0 if diff == 0 else 0.0
        return Comparison("welch_t", ma, mb, n_a, n_b, diff, Interval(diff, diff, confidence),
                          None, p, None, confidence, _verdict(p, diff, confidence))
    df = (sa + sb) ** 2 / (sa * sa / (n_a - 1) + sb * sb / (n_b - 1))
    stat = diff / se
    p = float(2 * _dist.t.sf(abs(stat), df))
    half = float(_dist.t.ppf(0.5 + confidence / 2, df)) * se
    interval = Interval(diff - half, diff + half, confidence)
    return Comparison("welch_t", ma, mb, n_a, n_b, diff, interval, stat, p, df, confidence,
                      _verdict(p, diff, confidence))
