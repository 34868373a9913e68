"""quality.selectors.qa_scores: the per-day figures behind the qa_score / qa_pass_rate metrics."""

import datetime as dt
from decimal import Decimal

import pytest

from steward.quality import selectors, services

pytestmark = pytest.mark.django_db

GOOD = {"greeting": ("yes", ""), "accuracy": ("5", ""), "privacy": ("yes", "")}
MIXED = {"greeting": ("no", ""), "accuracy": ("3", ""), "privacy": ("yes", "")}


def evaluate(world, contacts, scorecard, external_id, answers, submit=True):
    analyst = world.user("qa_analyst")
    evaluation = services.evaluation_assign(actor=analyst, interaction=contacts[external_id], analyst=analyst,
                                            scorecard=scorecard)
    return services.evaluation_save(actor=analyst, evaluation=evaluation, answers=answers, submit=submit)


def test_counts_sums_and_passes_per_arrival_day(world, contacts, published_scorecard):
    good = evaluate(world, contacts, published_scorecard, "QA-amy-3", GOOD)
    mixed = evaluate(world, contacts, published_scorecard, "QA-arlo-3", MIXED)
    evaluate(world, contacts, published_scorecard, "QA-amy-4", GOOD, submit=False)  # a draft: not counted
    evaluate(world, contacts, published_scorecard, "QA-BELLA-1", GOOD)  # vendor B
    rows = selectors.qa_scores(world.shared, world.vendor_a, dt.date(2025, 3, 1), dt.date(2025, 3, 31))
    assert len(rows) == 1
    day = rows[0]
    assert day.day == dt.date(2025, 3, 3) and day.evaluated == 2
    assert day.score_sum == good.score + mixed.score
    assert day.passed == int(bool(good.passed)) + int(bool(mixed.passed))
    everyone = selectors.qa_scores(world.shared, None, dt.date(2025, 3, 3), dt.date(2025, 3, 3))
    assert everyone[0].evaluated == 3 and everyone[0].score_sum == day.score_sum + Decimal("100.00")
    assert selectors.qa_scores(world.shared, world.vendor_a, dt.date(2025, 3, 4), dt.date(2025, 3, 31)) == []
