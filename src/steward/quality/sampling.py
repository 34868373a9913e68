"""How many evaluations a QA figure needs, and what a given number of evaluations can tell.

Pure arithmetic (no Django) for the sample-size planner, the `steward qa sample-size` command
and the "too few evaluations" warning on QA reports. Formulas, the warning rule and worked
examples: docs/sampling.md.

Sampling is simple random sampling *without replacement* from a finite population of N
contacts (a vendor's or an agent's contacts in the period), so the variance of a sample mean
carries the finite-population correction (N − n)/(N − 1). `population=None` means an
unlimited population (no correction).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import norm
from scipy.stats import t as student_t

# Rounding a sample size up must not turn an exact integer that floating point represents as
# 384.00000000000006 into 385.
_EPS = 1e-9


class SamplingInputError(ValueError):
    """An input the planner cannot accept; the message says which and why."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SamplingInputError(message)


def _number(name: str, value) -> None:
    _require(
        isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value),
        f"{name} must be a finite number.",
    )


def _ceil(x: float) -> int:
    return math.ceil(x - _EPS * max(1.0, abs(x)))


def _check_confidence(confidence: float) -> None:
    _number("confidence", confidence)
    _require(0 < confidence < 1, "confidence must be between 0 and 1, exclusive (e.g. 0.95).")


def _check_population(population: int | None) -> None:
    if population is None:
        return
    _require(
        isinstance(population, int) and not isinstance(population, bool) and population >= 0,
        "population must be a whole number of contacts, zero or more (or None for unlimited).",
    )


def _check_proportion(proportion: float) -> None:
    _number("proportion", proportion)
    _require(
        0 < proportion < 1,
        "proportion must be between 0 and 1, exclusive (0.5 is the safe choice).",
    )


def z_value(confidence: float) -> float:
    """Two-sided standard normal quantile: z such that P(|Z| ≤ z) = confidence (1.96 at 95 %)."""
    _check_confidence(confidence)
    return float(norm.ppf(1 - (1 - confidence) / 2))


def finite_population_sample_size(n0: float, population: int | None) -> float:
    """Cochran's correction n = n0 / (1 + (n0 − 1) / N) = n0 · N / (n0 + N − 1), unrounded.

    It is exact for sampling without replacement: solving z² · S²/n · (N − n)/(N − 1) = e²
    for n, with n0 = z² · S² / e², gives this expression."""
    _check_population(population)
    if population is None:
        return n0
    if population == 0:
        return 0.0
    return n0 * population / (n0 + population - 1)


def fpc(n: int, population: int | None) -> float:
    """Variance factor (N − n) / (N − 1) of sampling n of N without replacement (1 if unlimited)."""
    if population is None:
        return 1.0
    if population <= 1:
        return 0.0
    return (population - n) / (population - 1)


@dataclass(frozen=True)
class SampleSizePlan:
    sample_size: int  # evaluations to draw
    sample_size_infinite_population: int  # the same without the finite-population correction
    unrounded: float  # the corrected size before rounding up
    population: int | None
    margin: float  # ± half-width of the confidence interval (share, or score points for a mean)
    confidence: float
    z: float
    proportion: float | None = None  # planning value of the proportion (proportion plans)
    sd: float | None = None  # planning standard deviation of the score (mean plans)

    def as_dict(self) -> dict:
        data = {
            "sample_size": self.sample_size,
            "sample_size_infinite_population": self.sample_size_infinite_population,
            "population": self.population,
            "margin": self.margin,
            "confidence": self.confidence,
            "z": self.z,
        }
        if self.sd is not None:
            data["sd"] = self.sd
        else:
            data["proportion"] = self.proportion
        return data


def _plan(n0: float, *, population, margin, confidence, z, **about) -> SampleSizePlan:
    corrected = finite_population_sample_size(n0, population)
    size = _ceil(corrected)
    if population is not None:
        size = min(
            size, population
        )  # never more than a census (rounding cannot exceed N, but say so)
    return SampleSizePlan(
        sample_size=size,
        sample_size_infinite_population=_ceil(n0),
        unrounded=corrected,
        population=population,
        margin=margin,
        confidence=confidence,
        z=z,
        **about,
    )


def sample_size_proportion(
    *,
    margin: float,
    confidence: float = 0.95,
    proportion: float = 0.5,
    population: int | None = None,
) -> SampleSizePlan:
    """Evaluations needed to estimate a proportion (e.g. the QA pass rate) within ±margin at
    the confidence level: n0 = z² p (1 − p) / e², then the finite-population correction.
    p = 0.5 is the worst case and the safe default when the rate is unknown."""
    _number("margin", margin)
    _require(0 < margin < 1, "margin must be between 0 and 1, exclusive (e.g. 0.05 for ±5 points).")
    _check_proportion(proportion)
    _check_population(population)
    z = z_value(confidence)
    n0 = z**2 * proportion * (1 - proportion) / margin**2
    return _plan(
        n0, population=population, margin=margin, confidence=confidence, z=z, proportion=proportion
    )


def sample_size_mean(
    *, margin: float, sd: float, confidence: float = 0.95, population: int | None = None
) -> SampleSizePlan:
    """Evaluations needed to estimate a mean score (e.g. QA score 0–100) within ±margin score
    points, given the score's standard deviation: n0 = (z · σ / e)², then the correction."""
    _number("margin", margin)
    _number("sd", sd)
    _require(margin > 0, "margin must be greater than zero (in score points).")
    _require(sd > 0, "sd (standard deviation of the score) must be greater than zero.")
    _check_population(population)
    z = z_value(confidence)
    n0 = (z * sd / margin) ** 2
    return _plan(n0, population=population, margin=margin, confidence=confidence, z=z, sd=sd)


def _check_evaluations(evaluations: int, population: int | None) -> None:
    _require(
        isinstance(evaluations, int) and not isinstance(evaluations, bool) and evaluations >= 1,
        "evaluations must be a whole number, at least 1.",
    )
    _check_population(population)
    if population is not None:
        _require(
            evaluations <= population,
            "evaluations cannot exceed the population they were drawn from.",
        )


def margin_proportion(
    *,
    evaluations: int,
    population: int | None = None,
    confidence: float = 0.95,
    proportion: float = 0.5,
) -> float:
    """± margin achieved by `evaluations` evaluations for a proportion:
    z · √(p (1 − p) / n · (N − n)/(N − 1)). Zero for a census."""
    _check_evaluations(evaluations, population)
    _check_proportion(proportion)
    return z_value(confidence) * math.sqrt(
        proportion * (1 - proportion) / evaluations * fpc(evaluations, population)
    )


def margin_mean(
    *, evaluations: int, sd: float, population: int | None = None, confidence: float = 0.95
) -> float:
    """± margin (score points) achieved by `evaluations` evaluations for a mean score:
    z · σ / √n · √((N − n)/(N − 1))."""
    _check_evaluations(evaluations, population)
    _number("sd", sd)
    _require(sd >= 0, "sd must be zero or more.")
    return (
        z_value(confidence) * sd / math.sqrt(evaluations) * math.sqrt(fpc(evaluations, population))
    )


# --------------------------------------------------------------------------- the warning
# Rule (docs/sampling.md, "When a QA score rests on too few evaluations"): a reported QA figure
# is flagged when the confidence interval shown beside it is wider than the tolerated margin,
# using the intervals the metric catalog shows (docs/DESIGN.md): Wilson's score interval for a
# rate, Student's t for a mean score, both with the finite-population correction where the
# population is known. Defaults: 95 % confidence, ±10 points for a pass rate. Wilson rather
# than the normal ±z·√(p(1−p)/n) because the latter collapses to ±0 at an observed 0 % or 100 %
# and is too narrow for small n, exactly where a warning matters. The correction enters
# Wilson's interval through the effective sample size n / ((N − n)/(N − 1)), so a census
# (n = N) has no sampling error and is never flagged.

DEFAULT_TOLERATED_MARGIN = 0.10


def wilson_half_width(
    *, evaluations: int, proportion: float, population: int | None = None, confidence: float = 0.95
) -> float:
    """Half the width of Wilson's score interval for an observed rate `proportion` of n
    evaluations: z/(1 + z²/n) · √(p(1 − p)/n + z²/(4n²)), with n the effective sample size."""
    _check_evaluations(evaluations, population)
    _number("proportion", proportion)
    _require(0 <= proportion <= 1, "proportion must be between 0 and 1.")
    factor = fpc(evaluations, population)
    if factor == 0:
        return 0.0
    n = evaluations / factor
    z = z_value(confidence)
    return z / (1 + z**2 / n) * math.sqrt(proportion * (1 - proportion) / n + z**2 / (4 * n**2))


def t_half_width(
    *, evaluations: int, sd: float, population: int | None = None, confidence: float = 0.95
) -> float:
    """Half the width of the t interval for a mean score: t_{n−1} · s/√n · √((N − n)/(N − 1)).
    Infinite for a single evaluation of a larger population (no spread can be estimated)."""
    _check_evaluations(evaluations, population)
    _number("sd", sd)
    _require(sd >= 0, "sd must be zero or more.")
    factor = fpc(evaluations, population)
    if factor == 0:
        return 0.0
    if evaluations < 2:
        return math.inf
    quantile = float(student_t.ppf(1 - (1 - confidence) / 2, evaluations - 1))
    return quantile * sd / math.sqrt(evaluations) * math.sqrt(factor)


@dataclass(frozen=True)
class EvaluationsWarning:
    evaluations: int
    population: int | None
    margin: float  # ± half-width of the interval the figure is shown with
    tolerated_margin: float
    confidence: float
    needed: int  # fewest evaluations whose interval is within the tolerated margin (≤ population)


def _fewest(width, limit: int) -> int:
    """Smallest n in [1, limit] with width(n) within tolerance (width falls as n grows)."""
    if width(limit):
        low, high = 1, limit
        while low < high:
            mid = (low + high) // 2
            if width(mid):
                high = mid
            else:
                low = mid + 1
        return low
    return limit


def evaluations_warning(
    *,
    evaluations: int,
    population: int | None = None,
    tolerated_margin: float = DEFAULT_TOLERATED_MARGIN,
    confidence: float = 0.95,
    proportion: float | None = None,
    sd: float | None = None,
) -> EvaluationsWarning | None:
    """None when a QA figure resting on `evaluations` evaluations (drawn from `population`
    contacts, if known) is precise enough under the rule above; else its margin and how many
    evaluations would be enough. For a mean score give `sd` (the scores' standard deviation)
    and `tolerated_margin` in score points; otherwise it is a rate, with `proportion` the
    observed rate (worst case 0.5 when not yet known)."""
    _check_evaluations(evaluations, population)
    _check_confidence(confidence)
    _number("tolerated_margin", tolerated_margin)
    _require(tolerated_margin > 0, "tolerated_margin must be greater than zero.")
    if sd is not None:

        def half_width(n: int) -> float:
            return t_half_width(evaluations=n, sd=sd, population=population, confidence=confidence)
    else:
        _require(
            tolerated_margin < 1, "tolerated_margin for a rate must be less than 1 (e.g. 0.10)."
        )
        observed = 0.5 if proportion is None else proportion

        def half_width(n: int) -> float:
            return wilson_half_width(
                evaluations=n, proportion=observed, population=population, confidence=confidence
            )

    margin = half_width(evaluations)
    if margin <= tolerated_margin + _EPS:
        return None
    # Beyond the normal-theory plan the interval is certainly narrow enough; with a population,
    # the census always is.
    if population is not None:
        limit = population
    elif sd is not None:
        limit = (
            4 * sample_size_mean(margin=tolerated_margin, sd=sd, confidence=confidence).sample_size
            + 4
        )
    else:
        limit = (
            4 * sample_size_proportion(margin=tolerated_margin, confidence=confidence).sample_size
            + 4
        )
    needed = _fewest(lambda n: half_width(n) <= tolerated_margin + _EPS, limit)
    return EvaluationsWarning(
        evaluations=evaluations,
        population=population,
        margin=margin,
        tolerated_margin=tolerated_margin,
        confidence=confidence,
        needed=needed,
    )
