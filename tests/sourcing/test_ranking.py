"""ranking.py on hand-computed cases, and its properties."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from steward.sourcing import ranking
from steward.sourcing.ranking import TIE_BY_PRICE, TIE_SHARED, Volumes, normalise_price, price_scores, rank


def test_two_vendors_two_evaluators_by_hand():
    weights = {"experience": 60, "technology": 20, "price": 20}
    sheets = {"e1": {"A": {"experience": 4, "technology": 3}, "B": {"experience": 5, "technology": 5}},
              "e2": {"A": {"experience": 2, "technology": 5}, "B": {"experience": 4, "technology": 3}}}
    costs = {"A": Decimal("40000"), "B": Decimal("50000")}  # price scores: A 5, B 5 × 40/50 = 4
    b, a = rank(sheets=sheets, weights=weights, costs=costs)
    # A: e1 (240 + 60 + 100) / 100 = 4.0, e2 (120 + 100 + 100) / 100 = 3.2
    assert (a.vendor, a.rank, a.score, a.minimum, a.maximum) == ("A", 2, Fraction(18, 5), Fraction(16, 5), 4)
    assert a.std_dev == Decimal("0.4")
    # B: e1 (300 + 100 + 80) / 100 = 4.8, e2 (240 + 60 + 80) / 100 = 3.8
    assert (b.vendor, b.rank, b.score_display, b.minimum_display, b.maximum_display) == (
        "B", 1, Decimal("4.30"), Decimal("3.80"), Decimal("4.80"))
    assert b.std_dev_display == Decimal("0.50")
    assert b.criterion_means == {"experience": Fraction(9, 2), "technology": 4, "price": 4}
    assert a.evaluators == b.evaluators == 2 and not a.tie_note and not b.tie_note


def test_ties_are_broken_by_price_then_shared():
    sheets = {"e1": {v: {"experience": 4} for v in "ABC"}}
    costs = {"A": Decimal(100), "B": Decimal(90), "C": Decimal(100)}
    results = rank(sheets=sheets, weights={"experience": 100, "price": 0}, costs=costs)
    assert [(r.vendor, r.rank, r.tie_note) for r in results] == [
        ("B", 1, TIE_BY_PRICE), ("A", 2, TIE_SHARED), ("C", 2, TIE_SHARED)]


def test_price_scores_and_normalisation():
    assert price_scores({"A": Decimal(80), "B": Decimal(100), "C": Decimal(160)}) == {
        "A": 5, "B": 4, "C": Fraction(5, 2)}
    volumes = Volumes(contacts_per_month=10000, handle_minutes=Decimal("6"))
    hybrid = normalise_price(model="hybrid", volumes=volumes, rates={
        "fixed_month": Decimal("5000"), "handled_contact": Decimal("2"), "minimum_month": Decimal("30000")})
    assert hybrid.monthly_cost == Decimal("30000.00")  # 5,000 + 20,000 topped up to the minimum
    assert hybrid.cost_per_contact == Decimal("3.0000")
    tickets = normalise_price(model="per_resolved", volumes=volumes, rates={"resolved_ticket": Decimal("3.333")})
    assert tickets.monthly_cost == Decimal("33330.00")


@pytest.mark.parametrize("call", [
    lambda: rank(sheets={"e": {"A": {"x": 6}}}, weights={"x": 100}),
    lambda: rank(sheets={"e": {"A": {"x": 0}}}, weights={"x": 100}),
    lambda: rank(sheets={"e": {"A": {"price": 3}}}, weights={"price": 100}, costs={"A": Decimal(1)}),
    lambda: rank(sheets={"e": {"A": {"x": 3}}}, weights={"x": 50, "price": 50}),  # no cost for A
    lambda: rank(sheets={"e": {"A": {"x": 3}}}, weights={"x": 50, "y": 50}),  # y not scored
    lambda: rank(sheets={"e": {"A": {"x": 3}}}, weights={"x": 0}),
    lambda: normalise_price(model="per_contact", rates={}, volumes=Volumes(10, Decimal(1))),
    lambda: normalise_price(model="per_contact", rates={"handled_contact": Decimal(1)}, volumes=Volumes(0, Decimal(1))),
])
def test_bad_input_raises_ranking_error(call):
    with pytest.raises(ranking.RankingError):
        call()


CRITERIA = ["qualification", "experience", "technology"]
score = st.integers(min_value=1, max_value=5)
vendor_sheet = st.fixed_dictionaries({k: score for k in CRITERIA})
sheets_strategy = st.lists(st.dictionaries(st.sampled_from("ABCD"), vendor_sheet, min_size=1), min_size=1, max_size=5)
weights_strategy = st.fixed_dictionaries({**{k: st.integers(0, 50) for k in CRITERIA},
                                          "price": st.integers(0, 50)}).filter(lambda w: sum(w.values()) > 0)
costs_strategy = st.fixed_dictionaries({v: st.decimals(min_value=1, max_value=10**6, places=2) for v in "ABCD"})


def _summary(results):
    return [(r.vendor, r.rank, r.score, r.minimum, r.maximum, r.std_dev, r.tie_note) for r in results]


@settings(max_examples=60, deadline=None)
@given(sheets=sheets_strategy, weights=weights_strategy, costs=costs_strategy, data=st.data())
def test_ranking_does_not_depend_on_the_order_or_names_of_evaluators(sheets, weights, costs, data):
    named = {f"e{i}": s for i, s in enumerate(sheets)}
    order = data.draw(st.permutations(range(len(sheets))))
    renamed = {f"z{len(sheets) - i}": sheets[j] for i, j in enumerate(order)}
    assert _summary(rank(sheets=named, weights=weights, costs=costs)) == _summary(
        rank(sheets=renamed, weights=weights, costs=costs))


@settings(max_examples=60, deadline=None)
@given(sheets=sheets_strategy, weights=weights_strategy, costs=costs_strategy, factor=st.integers(2, 9))
def test_scaling_every_weight_changes_nothing(sheets, weights, costs, factor):
    named = {f"e{i}": s for i, s in enumerate(sheets)}
    scaled = {k: w * factor for k, w in weights.items()}
    assert _summary(rank(sheets=named, weights=weights, costs=costs)) == _summary(
        rank(sheets=named, weights=scaled, costs=costs))


@settings(max_examples=60, deadline=None)
@given(sheets=sheets_strategy, weights=weights_strategy, costs=costs_strategy)
def test_scores_lie_within_the_spread_and_the_ranking_is_ordered(sheets, weights, costs):
    results = rank(sheets={f"e{i}": s for i, s in enumerate(sheets)}, weights=weights, costs=costs)
    for r in results:
        assert 0 < r.minimum <= r.score <= r.maximum <= 5
        assert r.std_dev <= Decimal(float(r.maximum - r.minimum)) + Decimal("1e-9")
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert [r.rank for r in results] == sorted(r.rank for r in results)
    assert results[0].rank == 1
