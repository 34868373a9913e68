"""Sample-size planner: textbook figures, independent cross-checks of the finite-population
correction (statsmodels for n0, the hypergeometric variance for the correction), properties,
and the too-few-evaluations warning."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import hypergeom
from statsmodels.stats.proportion import proportion_confint, samplesize_confint_proportion

from steward.quality import sampling
from steward.quality.sampling import SamplingInputError

Z95 = 1.959963984540054


def test_z_value():
    assert sampling.z_value(0.95) == pytest.approx(Z95)
    assert sampling.z_value(0.99) == pytest.approx(2.5758293035489)
    assert sampling.z_value(0.90) == pytest.approx(1.6448536269514722)


@pytest.mark.parametrize(
    # Hand-computed: n0 = 1.95996² · 0.25 / 0.05² = 384.146 → 385;
    # N = 1000: 384.146 · 1000 / (384.146 + 999) = 277.73 → 278;
    # N = 500: 384.146 · 500 / 883.146 = 217.49 → 218; N = 100: 38414.6 / 483.146 = 79.51 → 80;
    # ±3 %: n0 = 1067.07 → 1068; 99 %, ±5 %: n0 = 2.57583² · 0.25 / 0.0025 = 663.49 → 664;
    # p = 0.9, ±5 %: n0 = 3.84146 · 0.09 / 0.0025 = 138.29 → 139.
    ("population", "margin", "confidence", "proportion", "expected"),
    [
        (None, 0.05, 0.95, 0.5, 385),
        (1000, 0.05, 0.95, 0.5, 278),
        (500, 0.05, 0.95, 0.5, 218),
        (100, 0.05, 0.95, 0.5, 80),
        (None, 0.03, 0.95, 0.5, 1068),
        (None, 0.05, 0.99, 0.5, 664),
        (None, 0.05, 0.95, 0.9, 139),
    ],
)
def test_textbook_sample_sizes(population, margin, confidence, proportion, expected):
    plan = sampling.sample_size_proportion(
        margin=margin, confidence=confidence, proportion=proportion, population=population
    )
    assert plan.sample_size == expected


def test_infinite_population_size_equals_statsmodels():
    for margin, p, alpha in [(0.05, 0.5, 0.05), (0.03, 0.3, 0.01), (0.1, 0.8, 0.1)]:
        plan = sampling.sample_size_proportion(margin=margin, proportion=p, confidence=1 - alpha)
        n0 = samplesize_confint_proportion(p, margin, alpha=alpha, method="normal")
        assert plan.unrounded == pytest.approx(n0, rel=1e-12)
        assert plan.sample_size_infinite_population == math.ceil(n0)


def test_plan_for_1000_keeps_both_sizes():
    plan = sampling.sample_size_proportion(margin=0.05, population=1000)
    assert plan.unrounded == pytest.approx(277.7334531731876)
    assert (plan.sample_size, plan.sample_size_infinite_population) == (278, 385)
    assert set(plan.as_dict()) == {
        "sample_size",
        "sample_size_infinite_population",
        "population",
        "margin",
        "confidence",
        "z",
        "proportion",
    }


def test_finite_population_correction_is_the_exact_variance_of_sampling_without_replacement():
    # Independent derivation: the number of passes in n evaluations drawn without replacement
    # from N contacts of which K pass is hypergeometric; the margin computed with the
    # correction must be z times the standard deviation of the sample share it implies.
    population, passes, n = 1000, 500, 278
    sd_of_share = math.sqrt(hypergeom(population, passes, n).var()) / n
    margin = sampling.margin_proportion(
        evaluations=n, population=population, proportion=passes / population
    )
    assert margin == pytest.approx(Z95 * sd_of_share, rel=1e-12)
    # …so the planned 278 achieves ±5 % and 277 does not.
    assert margin <= 0.05
    assert margin == pytest.approx(0.04997, abs=5e-6)
    assert sampling.margin_proportion(evaluations=277, population=population) > 0.05


def test_mean_score_plan():
    # SD 10 points, ±2 points at 95 %: n0 = (1.95996 · 10 / 2)² = 96.04 → 97;
    # N = 500: 96.04 · 500 / 595.04 = 80.70 → 81.
    assert sampling.sample_size_mean(margin=2, sd=10).sample_size == 97
    plan = sampling.sample_size_mean(margin=2, sd=10, population=500)
    assert (
        plan.sample_size == 81 and plan.as_dict()["sd"] == 10 and "proportion" not in plan.as_dict()
    )
    assert sampling.margin_mean(evaluations=81, sd=10, population=500) <= 2
    assert sampling.margin_mean(evaluations=80, sd=10, population=500) > 2


def test_census_and_tiny_populations():
    assert sampling.sample_size_proportion(margin=0.05, population=0).sample_size == 0
    assert sampling.sample_size_proportion(margin=0.05, population=1).sample_size == 1
    assert (
        sampling.sample_size_proportion(margin=0.05, population=10).sample_size == 10
    )  # 9.77 → 10
    assert sampling.margin_proportion(evaluations=40, population=40) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (dict(margin=0), "margin"),
        (dict(margin=1), "margin"),
        (dict(margin=math.nan), "margin"),
        (dict(margin=0.05, confidence=1), "confidence"),
        (dict(margin=0.05, proportion=0), "proportion"),
        (dict(margin=0.05, population=-3), "population"),
        (dict(margin=0.05, population=10.5), "population"),
    ],
)
def test_bad_plans_are_refused(kwargs, fragment):
    with pytest.raises(SamplingInputError, match=fragment):
        sampling.sample_size_proportion(**kwargs)


def test_margin_needs_evaluations_within_the_population():
    with pytest.raises(SamplingInputError, match="exceed"):
        sampling.margin_proportion(evaluations=50, population=40)
    with pytest.raises(SamplingInputError, match="at least 1"):
        sampling.margin_proportion(evaluations=0)


# --------------------------------------------------------------------------- properties

margins = st.floats(min_value=0.005, max_value=0.5)
confidences = st.floats(min_value=0.5, max_value=0.999)
proportions = st.floats(min_value=0.01, max_value=0.99)
populations = st.one_of(st.none(), st.integers(min_value=0, max_value=2_000_000))


@settings(max_examples=100, deadline=None)
@given(margins, confidences, proportions, populations)
def test_sample_never_exceeds_population_nor_the_uncorrected_size(
    margin, confidence, p, population
):
    plan = sampling.sample_size_proportion(
        margin=margin, confidence=confidence, proportion=p, population=population
    )
    assert plan.sample_size <= plan.sample_size_infinite_population
    if population is not None:
        assert 0 <= plan.sample_size <= population


@settings(max_examples=100, deadline=None)
@given(margins, margins, confidences, confidences, proportions, populations)
def test_monotone_in_margin_and_confidence(m1, m2, c1, c2, p, population):
    (m_small, m_large), (c_low, c_high) = sorted([m1, m2]), sorted([c1, c2])

    def size(margin, confidence):
        return sampling.sample_size_proportion(
            margin=margin, confidence=confidence, proportion=p, population=population
        ).sample_size

    assert size(m_small, c_low) >= size(m_large, c_low)  # a tighter margin needs more
    assert size(m_small, c_high) >= size(m_small, c_low)  # more confidence needs more


@settings(max_examples=100, deadline=None)
@given(margins, confidences, proportions, st.integers(min_value=2, max_value=100_000))
def test_planned_size_is_the_smallest_that_achieves_the_margin(margin, confidence, p, population):
    plan = sampling.sample_size_proportion(
        margin=margin, confidence=confidence, proportion=p, population=population
    )
    n = plan.sample_size
    achieved = sampling.margin_proportion(
        evaluations=n, population=population, confidence=confidence, proportion=p
    )
    assert achieved <= margin * (1 + 1e-9)
    if n > 1:
        fewer = sampling.margin_proportion(
            evaluations=n - 1, population=population, confidence=confidence, proportion=p
        )
        assert fewer > margin * (1 - 1e-9)


@settings(max_examples=100, deadline=None)
@given(
    margins,
    confidences,
    st.integers(min_value=1, max_value=10_000),
    st.integers(min_value=0, max_value=10_000),
)
def test_larger_population_never_needs_a_smaller_sample(margin, confidence, population, extra):
    small = sampling.sample_size_proportion(
        margin=margin, confidence=confidence, population=population
    )
    large = sampling.sample_size_proportion(
        margin=margin, confidence=confidence, population=population + extra
    )
    assert large.sample_size >= small.sample_size


# --------------------------------------------------------------------------- the warning


def test_wilson_half_width_matches_statsmodels():
    low, high = proportion_confint(11, 12, alpha=0.05, method="wilson")
    assert sampling.wilson_half_width(evaluations=12, proportion=11 / 12) == pytest.approx(
        (high - low) / 2
    )


def test_pass_rate_on_twelve_evaluations_is_flagged():
    # 11 of 12 passed (91.7 %): Wilson 95 % interval 64.6 %–98.5 %, ± 16.95 points > ± 10.
    warning = sampling.evaluations_warning(evaluations=12, proportion=11 / 12)
    assert warning is not None
    assert warning.margin == pytest.approx(0.16951, abs=1e-5)
    assert sampling.margin_proportion(evaluations=12, proportion=11 / 12) == pytest.approx(
        0.1564, abs=5e-5
    )
    # Hand-checked: n = 33 → 1.95996/(1 + 3.8415/33) · √(0.076389/33 + 3.8415/(4·33²)) = 0.0993;
    # n = 32 → 0.1009.
    assert warning.needed == 33
    assert sampling.wilson_half_width(evaluations=33, proportion=11 / 12) == pytest.approx(
        0.0993, abs=5e-5
    )
    assert sampling.wilson_half_width(evaluations=32, proportion=11 / 12) == pytest.approx(
        0.1009, abs=5e-5
    )


def test_unknown_rate_uses_the_worst_case():
    # At p = 0.5 Wilson's interval is within ± 10 points from 93 evaluations (the normal
    # formula's 97 is a little conservative).
    assert sampling.evaluations_warning(evaluations=92) is not None
    assert sampling.evaluations_warning(evaluations=93) is None
    assert sampling.evaluations_warning(evaluations=50).needed == 93


def test_all_passed_is_not_mistaken_for_certainty():
    # The normal margin at an observed 100 % is ± 0; Wilson's is not.
    warning = sampling.evaluations_warning(evaluations=10, proportion=1.0)
    assert warning is not None and warning.margin == pytest.approx(0.1388, abs=5e-5)
    assert sampling.margin_proportion(evaluations=10, proportion=0.999) < 0.1


def test_population_shrinks_the_need_and_a_census_is_never_flagged():
    assert sampling.evaluations_warning(evaluations=50, population=60) is None
    assert sampling.evaluations_warning(evaluations=5, population=5, proportion=0.2) is None
    warning = sampling.evaluations_warning(evaluations=20, population=100)
    assert warning is not None and warning.needed <= 100


def test_mean_score_warning_uses_t():
    # 8 evaluations, SD 12 points: t₇ = 2.3646 → ± 10.03 points; tolerated ± 5.
    warning = sampling.evaluations_warning(evaluations=8, sd=12, tolerated_margin=5)
    assert warning.margin == pytest.approx(2.364624 * 12 / math.sqrt(8), rel=1e-5)
    assert sampling.t_half_width(evaluations=warning.needed, sd=12) <= 5
    assert sampling.t_half_width(evaluations=warning.needed - 1, sd=12) > 5
    assert sampling.evaluations_warning(evaluations=1, sd=12, tolerated_margin=5).margin == math.inf


@settings(max_examples=100, deadline=None)
@given(
    st.integers(min_value=1, max_value=400),
    st.floats(min_value=0, max_value=1),
    st.floats(0.03, 0.3),
)
def test_warning_is_consistent_with_needed(evaluations, proportion, tolerated):
    warning = sampling.evaluations_warning(
        evaluations=evaluations, proportion=proportion, tolerated_margin=tolerated
    )
    if warning is None:
        assert (
            sampling.wilson_half_width(evaluations=evaluations, proportion=proportion)
            <= tolerated + 1e-9
        )
    else:
        assert warning.needed > evaluations
        assert (
            sampling.wilson_half_width(evaluations=warning.needed, proportion=proportion)
            <= tolerated + 1e-9
        )
