"""The evaluation score: hand-computed cases, then properties over random scorecards."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from steward.quality.scoring import NA, NO, ONE_TO_FIVE, YES, YES_NO, CriterionSpec, passed, score

D = Decimal


def test_weights_yes_no():
    criteria = [CriterionSpec("a", D(10)), CriterionSpec("b", D(30))]
    assert score(criteria, {"a": YES, "b": NO}).score == D("25.00")  # 10 of 40
    assert score(criteria, {"a": NO, "b": YES}).score == D("75.00")  # 30 of 40


def test_na_leaves_the_denominator_and_weights_renormalise():
    criteria = [CriterionSpec("a", D(10)), CriterionSpec("b", D(30)), CriterionSpec("c", D(60))]
    # c is N.A.: 10 earned of 40 possible
    assert score(criteria, {"a": YES, "b": NO, "c": NA}).score == D("25.00")
    # all N.A.: nothing to score
    assert score(criteria, {"a": NA, "b": NA, "c": NA}).score is None


def test_one_to_five_scale():
    criteria = [CriterionSpec("q", D(20), scale=ONE_TO_FIVE), CriterionSpec("y", D(20))]
    assert score(criteria, {"q": "1", "y": YES}).score == D("50.00")
    assert score(criteria, {"q": "3", "y": YES}).score == D("75.00")
    assert score(criteria, {"q": "4", "y": NO}).score == D("37.50")
    assert score(criteria, {"q": "5", "y": YES}).score == D("100.00")


def test_thirds_round_half_up():
    criteria = [CriterionSpec(k, D(1)) for k in "abc"]
    assert score(criteria, {"a": YES, "b": YES, "c": NO}).score == D("66.67")
    assert score(criteria, {"a": YES, "b": NO, "c": NO}).score == D("33.33")


def test_auto_fail_scores_zero_whatever_else():
    criteria = [CriterionSpec("greet", D(50)), CriterionSpec("privacy", D(1), auto_fail=True)]
    result = score(criteria, {"greet": YES, "privacy": NO})
    assert result.score == D("0.00") and result.auto_failed
    assert score(criteria, {"greet": YES, "privacy": YES}).score == D("100.00")
    # N.A. on an auto-fail criterion is no failure
    assert score(criteria, {"greet": YES, "privacy": NA}).score == D("100.00")


def test_missing_and_invalid_answers_are_reported_not_scored():
    criteria = [CriterionSpec("a", D(1)), CriterionSpec("b", D(1), na_allowed=False), CriterionSpec("c", D(1))]
    result = score(criteria, {"a": YES, "b": NA, "c": "7"})
    assert result.missing == () and result.invalid == {"b": NA, "c": "7"}
    assert result.score == D("100.00") and not result.complete
    assert score(criteria, {"a": YES}).missing == ("b", "c")


def test_pass_mark_is_inclusive():
    assert passed(D("80.00"), D(80)) is True
    assert passed(D("79.99"), D(80)) is False
    assert passed(None, D(80)) is None


# --- properties --------------------------------------------------------------------------------

ORDER = {YES_NO: [NO, YES], ONE_TO_FIVE: ["1", "2", "3", "4", "5"]}


@st.composite
def scorecards_with_answers(draw):
    n = draw(st.integers(1, 8))
    criteria, answers = [], {}
    for i in range(n):
        scale = draw(st.sampled_from([YES_NO, ONE_TO_FIVE]))
        spec = CriterionSpec(f"k{i}", draw(st.decimals(D("0.01"), D("1000"), places=2)), scale=scale,
                             auto_fail=scale == YES_NO and draw(st.booleans()))
        criteria.append(spec)
        answers[spec.key] = draw(st.sampled_from(ORDER[scale] + [NA]))
    return criteria, answers


@given(scorecards_with_answers())
def test_score_is_between_0_and_100(case):
    criteria, answers = case
    result = score(criteria, answers)
    assert result.score is None or D(0) <= result.score <= D(100)
    if result.score is None:
        assert all(a == NA for a in answers.values())


@given(scorecards_with_answers(), st.data())
def test_a_better_answer_never_lowers_the_score(case, data):
    criteria, answers = case
    spec = data.draw(st.sampled_from(criteria))
    current = answers[spec.key]
    if current == NA:
        return
    steps = ORDER[spec.scale]
    better = data.draw(st.sampled_from(steps[steps.index(current):]))
    before = score(criteria, answers).score
    after = score(criteria, {**answers, spec.key: better}).score
    assert after >= before


@given(scorecards_with_answers())
def test_scaling_every_weight_changes_nothing(case):
    criteria, answers = case
    doubled = [CriterionSpec(c.key, c.weight * 3, c.scale, c.auto_fail, c.na_allowed) for c in criteria]
    assert score(doubled, answers).score == score(criteria, answers).score
