"""Independent scoring: evaluators score 1–5 per criterion and cannot see each other's scores,
nor the ranking, until they have submitted their own."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from steward.sourcing import selectors, services
from steward.sourcing.models import Score

from .conftest import submit

HAND = ["qualification", "experience", "service_capability", "technology", "references", "site_visit"]


def full_scores(world, value_a, value_b):
    return {**{(world.vendor_a.pk, k): (value_a, "") for k in HAND},
            **{(world.vendor_b.pk, k): (value_b, "") for k in HAND}}


def test_an_evaluator_sees_only_own_scores_until_submitting(world, evaluation_event, evaluators):
    manager, qa, third = evaluators
    services.scores_save(actor=manager, event=evaluation_event, scores=full_scores(world, 4, 3))
    services.scores_save(actor=qa, event=evaluation_event, scores=full_scores(world, 2, 5), submit=True)

    mine = selectors.scores_visible_to(user=manager, event=evaluation_event)
    assert {s.scorecard.evaluator for s in mine} == {manager}  # QA has submitted, the manager has not
    assert selectors.ranking_table(user=manager, event=evaluation_event) is None
    # QA has submitted: sees the submitted scores (own) but not the manager's unsubmitted draft.
    assert {s.scorecard.evaluator for s in selectors.scores_visible_to(user=qa, event=evaluation_event)} == {qa}
    assert selectors.ranking_table(user=qa, event=evaluation_event) is not None

    services.scores_save(actor=manager, event=evaluation_event, scores={}, submit=True)
    seen = {s.scorecard.evaluator for s in selectors.scores_visible_to(user=manager, event=evaluation_event)}
    assert seen == {manager, qa}
    assert {s.scorecard.evaluator for s in selectors.scores_visible_to(user=qa, event=evaluation_event)} == {
        manager, qa}
    # The third evaluator, still scoring, sees nothing of the others.
    assert not selectors.scores_visible_to(user=third, event=evaluation_event).exists()
    assert selectors.ranking_table(user=third, event=evaluation_event) is None


def test_a_client_user_who_is_not_an_evaluator_waits_for_every_evaluator(world, evaluation_event, evaluators):
    auditor = world.user("auditor")
    for i, evaluator in enumerate(evaluators):
        assert selectors.ranking_table(user=auditor, event=evaluation_event) is None
        assert not selectors.scores_visible_to(user=auditor, event=evaluation_event).exists()
        services.scores_save(actor=evaluator, event=evaluation_event, scores=full_scores(world, 3 + i % 2, 3),
                             submit=True)
    table = selectors.ranking_table(user=auditor, event=evaluation_event)
    assert table.submitted_scorecards == 3 and not table.error
    assert [row.vendor for row in table.rows] == [world.vendor_a, world.vendor_b]


def test_vendor_users_never_read_scores_or_the_ranking(world, evaluation_event, evaluators):
    for evaluator in evaluators:
        services.scores_save(actor=evaluator, event=evaluation_event, scores=full_scores(world, 4, 4), submit=True)
    for name in ("a-manager", "b-manager", "a-agent1"):
        user = world.user(name)
        assert not selectors.scores_visible_to(user=user, event=evaluation_event).exists()
        assert selectors.ranking_table(user=user, event=evaluation_event) is None


def test_ranking_table_uses_weights_and_normalised_prices(world, evaluation_event, evaluators):
    for evaluator in evaluators:
        services.scores_save(actor=evaluator, event=evaluation_event, scores=full_scores(world, 4, 4), submit=True)
    table = selectors.ranking_table(user=world.user("auditor"), event=evaluation_event)
    a, b = table.rows
    # Equal hand scores (4); price weight 25: A is cheapest (4.50 → 5), B 5 × 4.50 / 5.00 = 4.5.
    # A = (75 × 4 + 25 × 5) / 100 = 4.25; B = (75 × 4 + 25 × 4.5) / 100 = 4.125.
    assert a.vendor == world.vendor_a and str(a.result.score) == "17/4"
    assert str(b.result.score) == "33/8"
    assert a.price.cost_per_contact == 4.5 and b.price.monthly_cost == 50000


def test_submitting_needs_every_score_and_is_final(world, evaluation_event, evaluators):
    manager = evaluators[0]
    partial = {(world.vendor_a.pk, "experience"): (4, "Strong bank references")}
    with pytest.raises(ValidationError, match="missing"):
        services.scores_save(actor=manager, event=evaluation_event, scores=partial, submit=True)
    card = selectors.scorecard_of(user=manager, event=evaluation_event)
    assert card is None or not card.is_submitted
    services.scores_save(actor=manager, event=evaluation_event, scores=full_scores(world, 3, 3), submit=True)
    with pytest.raises(ValidationError, match="submitted"):
        services.scores_save(actor=manager, event=evaluation_event, scores=full_scores(world, 5, 5))
    assert set(Score.objects.values_list("value", flat=True)) == {3}


@pytest.mark.parametrize("scores", [
    {("A", "experience"): (6, "")},
    {("A", "experience"): (0, "")},
    {("A", "price"): (3, "")},  # price is computed, never scored by hand
    {("A", "charisma"): (3, "")},
    {(999999, "experience"): (3, "")},
])
def test_bad_scores_are_refused_and_nothing_is_written(world, evaluation_event, evaluators, scores):
    scores = {(world.vendor_a.pk if v == "A" else v, k): value for (v, k), value in scores.items()}
    scores[(world.vendor_b.pk, "technology")] = (4, "")
    with pytest.raises(ValidationError):
        services.scores_save(actor=evaluators[0], event=evaluation_event, scores=scores)
    assert not Score.objects.exists()


def test_only_named_evaluators_score_and_only_during_evaluation(world, open_event, evaluators):
    with pytest.raises(ValidationError):  # proposals are still coming in
        services.scores_save(actor=evaluators[0], event=open_event, scores={})
    submit(world.user("a-manager"), open_event)
    submit(world.user("b-manager"), open_event)
    services.event_start_evaluation(actor=evaluators[0], event=open_event)
    with pytest.raises(PermissionDenied):
        services.scores_save(actor=world.user("project_lead"), event=open_event, scores={})


def test_site_visit_checklist_is_recorded_per_vendor(world, evaluation_event, evaluators):
    item = evaluation_event.site_visit_items.first()
    check = services.site_visit_record(actor=evaluators[1], item=item, vendor=world.vendor_b, met=True,
                                       note="Badge readers on every floor")
    assert selectors.site_visit_checks(user=evaluators[2], event=evaluation_event)[(item.pk, world.vendor_b.pk)] == check
    again = services.site_visit_record(actor=evaluators[2], item=item, vendor=world.vendor_b, met=False)
    assert again.pk == check.pk and not again.met
    assert not selectors.site_visit_checks(user=world.user("a-manager"), event=evaluation_event)
