"""Reproducible sampling draws."""

from hypothesis import given
from hypothesis import strategies as st

from steward.quality.drawing import draw

candidates_st = st.lists(st.tuples(st.sampled_from(["amy", "arlo", "bo"]), st.integers(1, 4), st.integers(1, 500)),
                         max_size=200, unique_by=lambda row: row[2])  # a contact has one agent and week


def test_small_groups_are_taken_whole_and_large_ones_capped():
    rows = [("amy", 1, i) for i in range(1, 11)] + [("arlo", 1, 50), ("arlo", 2, 51)]
    drawn = draw(rows, per_group=3, seed=7)
    assert {50, 51} <= set(drawn)
    assert len([i for i in drawn if i <= 10]) == 3


@given(candidates_st, st.integers(1, 5), st.integers(0, 2**40))
def test_same_seed_same_draw_whatever_the_order(rows, n, seed):
    assert draw(rows, per_group=n, seed=seed) == draw(list(reversed(rows)), per_group=n, seed=seed)


@given(candidates_st, st.integers(1, 5), st.integers(0, 2**40))
def test_exactly_min_n_group_size_per_agent_week_and_only_candidates(rows, n, seed):
    drawn = set(draw(rows, per_group=n, seed=seed))
    assert drawn <= {c for _, _, c in rows}
    for key in {(a, w) for a, w, _ in rows}:
        members = {c for a, w, c in rows if (a, w) == key}
        assert len(members & drawn) == min(n, len(members))


def test_another_group_does_not_change_a_groups_draw():
    base = [("amy", 1, i) for i in range(100)]
    alone = draw(base, per_group=5, seed=42)
    with_others = draw(base + [("arlo", 1, i) for i in range(1000, 1100)], per_group=5, seed=42)
    assert [i for i in with_others if i < 100] == alone
    assert draw(base, per_group=5, seed=43) != alone


@given(candidates_st, st.fractions(min_value=0, max_value=1).filter(lambda f: f > 0), st.integers(0, 2**40))
def test_a_share_takes_that_share_of_each_agent_week_rounded_up(rows, share, seed):
    import math

    drawn = set(draw(rows, per_group=1, seed=seed, share=share))
    for key in {(a, w) for a, w, _ in rows}:
        members = {c for a, w, c in rows if (a, w) == key}
        assert len(members & drawn) == math.ceil(share * len(members))
    assert draw(rows, per_group=1, seed=seed, share=share) == draw(rows[::-1], per_group=1, seed=seed, share=share)
