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


def test_trend_weakest_criteria_and_agents_under_the_pass_mark(client, world, contacts, published_scorecard):
    evaluate(world, contacts, published_scorecard, "QA-amy-3", MIXED)
    evaluate(world, contacts, published_scorecard, "QA-amy-4", MIXED)
    evaluate(world, contacts, published_scorecard, "QA-arlo-3", GOOD)
    analyst = world.user("qa_analyst")
    trend = selectors.qa_trend(user=analyst, project=world.shared.code, by="agent")
    assert [month for month, _groups in trend] == ["2025-03"]
    assert [g.evaluations for g in trend[0][1]] == [2, 1] and all(g.too_few for g in trend[0][1])
    weakest = selectors.weakest_criteria(user=analyst, project=world.shared.code)
    # greeting: no, no, yes → 1/3; accuracy: 3, 3, 5 → (0.5 + 0.5 + 1) / 3 = 2/3; privacy: 1
    assert [(c.key, round(c.mean, 4)) for c in weakest] == [("greeting", 0.3333), ("accuracy", 0.6667), ("privacy", 1.0)]
    below = selectors.agents_under_pass_mark(user=analyst, project=world.shared.code)
    assert len(below) == 1 and below[0].figures.evaluations == 2 and below[0].pass_mark == 80
    # vendor B's manager sees none of vendor A's agents
    assert selectors.agents_under_pass_mark(user=world.user("b-manager")) == []
    client.force_login(analyst)
    page = client.get("/quality/report/?by=agent", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and b"Weakest criteria" in page.content and b'data-testid="below-row"' in page.content
