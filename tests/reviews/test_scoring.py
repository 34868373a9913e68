"""The score is the weighted mean of the components with data; points add up to the total."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from steward.reviews import scoring

KEYS = scoring.COMPONENTS
score_values = st.one_of(st.none(), st.decimals(min_value=0, max_value=100, places=4))
weights_values = st.decimals(min_value=0, max_value=100, places=2)


@given(st.lists(score_values, min_size=5, max_size=5), st.lists(weights_values, min_size=5, max_size=5))
def test_points_add_up_to_the_total(scores, weights):
    comps = [scoring.Component(k, s) for k, s in zip(KEYS, scores, strict=True)]
    w = dict(zip(KEYS, weights, strict=True))
    result = scoring.combine(comps, w)
    if result.total is None:
        assert all(s is None or w[k] == 0 for k, s in zip(KEYS, scores, strict=True))
        return
    assert sum(p.contribution for p in result.parts) == result.total
    assert Decimal(0) <= result.total <= Decimal(100)
    exact = sum(w[k] * s for k, s in zip(KEYS, scores, strict=True) if s is not None and w[k] > 0) / result.weight_used
    assert abs(result.total - exact) <= Decimal("0.005")


def test_worked_example():
    comps = [scoring.Component("sla", Decimal(50)), scoring.Component("qa", Decimal(90)),
             scoring.Component("csat", Decimal(80)), scoring.Component("capa", None),
             scoring.Component("compliance", Decimal(100))]
    w = {"sla": Decimal(35), "qa": Decimal(25), "csat": Decimal(20), "capa": Decimal(10), "compliance": Decimal(10)}
    s = scoring.combine(comps, w)
    # (35·50 + 25·90 + 20·80 + 10·100) / 90 = 6600 / 90 = 73.333…
    assert s.total == Decimal("73.33")
    assert s.weight_used == 90 and s.missing == ("capa",)
    assert [p.contribution for p in s.parts] == [Decimal("19.44"), Decimal("25.00"), Decimal("17.78"),
                                                 Decimal("0.00"), Decimal("11.11")]


def test_rank_and_ratio():
    assert scoring.rank({"a": Decimal(80), "b": Decimal(90), "c": Decimal(80), "d": None}) == {
        "a": 2, "b": 1, "c": 2, "d": None}
    assert scoring.ratio_score(3, 4) == Decimal("75.0000")
    assert scoring.ratio_score(0, 0) is None


def test_negative_weight_is_refused():
    with pytest.raises(ValueError):
        scoring.combine([scoring.Component("sla", Decimal(1))], {"sla": Decimal(-1)})
