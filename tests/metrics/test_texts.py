from django.utils import translation

from steward.metrics import stats
from steward.metrics.texts import verdict_sentence


def render(c):
    with translation.override("en"):
        return verdict_sentence(c, metric_label="service level", label_a="Vendor A",
                                label_b="Vendor B")


def test_real_difference_sentence():
    c = stats.two_proportion_test(80, 100, 60, 100)
    assert render(c) == (
        "Vendor B's service level is lower than Vendor A's (60.0% vs 80.0%), "
        "and the difference is real at 95% (p = 0.002)."
    )
    higher = stats.two_proportion_test(60, 100, 80, 100)
    assert render(higher).startswith("Vendor B's service level is higher than Vendor A's")


def test_noise_sentence():
    c = stats.two_proportion_test(8, 10, 7, 10)
    assert render(c) == (
        "Vendor B's service level (70.0%) and Vendor A's (80.0%) are not distinguishable from "
        "noise with this many contacts (10 and 10; p = 0.606)."
    )


def test_insufficient_and_means():
    assert render(stats.welch_t_test(1, 5, 25, 4, 20, 110)).startswith("Too few observations")
    c = stats.welch_t_test(3, 15, 75, 3, 30, 300)
    with translation.override("en"):
        s = verdict_sentence(c, metric_label="ASA", label_a="May", label_b="June")
    assert s.startswith("June's ASA is higher than May's (10.0 vs 5.0)")
