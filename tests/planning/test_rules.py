"""The pure rules: dependency cycles, progress arithmetic, RACI validation, readiness."""

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from steward.planning import graph, progress, raci, readiness
from steward.planning.progress import Progress, TaskWeight


def test_self_dependency_is_a_cycle():
    assert graph.creates_cycle({}, 1, 1) == [1, 1]


def test_cycle_is_found_and_named_in_order():
    # 2 depends on 1, 3 depends on 2: making 1 depend on 3 closes 1 → 3 → 2 → 1.
    edges = {2: [1], 3: [2]}
    assert graph.creates_cycle(edges, 1, 3) == [1, 3, 2, 1]
    assert graph.creates_cycle(edges, 3, 1) is None  # a shortcut is no cycle


def test_diamond_is_no_cycle():
    edges = {2: [1], 3: [1], 4: [2, 3]}
    assert graph.creates_cycle(edges, 4, 1) is None
    assert graph.topological_order([1, 2, 3, 4], edges) == [1, 2, 3, 4]


def test_topological_order_refuses_cycles():
    with pytest.raises(ValueError):
        graph.topological_order([1, 2], {1: [2], 2: [1]})


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(1, 8), st.integers(1, 8)), max_size=30))
def test_adding_only_safe_edges_never_makes_a_cycle(pairs):
    edges: dict[int, list[int]] = {}
    for task, prerequisite in pairs:
        if graph.creates_cycle(edges, task, prerequisite) is None:
            edges.setdefault(task, []).append(prerequisite)
    graph.topological_order(range(1, 9), edges)  # raises on a cycle


def test_phase_progress_weighs_effort_and_ignores_cancelled():
    phase = progress.of_tasks([TaskWeight(3, True), TaskWeight(1, False), TaskWeight(5, True, cancelled=True)])
    assert (phase.done, phase.total) == (3, 4)
    assert phase.ratio == Fraction(3, 4)
    assert phase.percent == Decimal("75.0")


def test_project_progress_is_effort_weighted_not_a_mean_of_phases():
    long = Progress(done=9, total=10)  # 90 %
    short = Progress(done=0, total=2)  # 0 %
    total = progress.rollup([long, short])
    assert (total.done, total.total) == (9, 12)
    assert total.percent == Decimal("75.0")  # not (90 + 0) / 2 = 45


def test_percent_rounds_half_up_and_empty_phase_has_none():
    assert Progress(1, 3).percent == Decimal("33.3")
    assert Progress(2, 3).percent == Decimal("66.7")
    assert Progress(1, 8).percent == Decimal("12.5")
    assert Progress(1, 16).percent == Decimal("6.3")  # 6.25 → 6.3 (half up)
    assert Progress(0, 0).percent is None and Progress(0, 0).ratio is None


def test_raci_needs_exactly_one_accountable_and_a_responsible():
    activities = {1: "Sign", 2: "Train", 3: "Report", 4: "Decide"}
    cells = {(1, 10): "A", (1, 11): "R",  # fine
             (2, 10): "R", (2, 11): "C",  # no A
             (3, 10): "A", (3, 11): "A", (3, 12): "R",  # two A
             (4, 10): "A", (4, 11): "I"}  # no R
    assert raci.problems(activities, cells) == {2: "no_accountable", 3: "many_accountable", 4: "no_responsible"}


def test_raci_letters():
    assert raci.clean_letter(" a ") == "A"
    assert raci.clean_letter("") == ""
    with pytest.raises(ValueError):
        raci.clean_letter("X")


def _facts(**overrides):
    base = dict(planned_headcount=10, certified_agents=10, sla_policies=1, vendors=("alpha", "bravo"),
                vendors_with_signed_contract=("alpha", "bravo"), data_handover=True, system_access=True,
                security_signoff=True)
    return readiness.Facts(**{**base, **overrides})


def test_readiness_all_met():
    conditions = readiness.evaluate(_facts())
    assert readiness.ready(conditions)
    assert [c.key for c in conditions] == list(readiness.KEYS)


@pytest.mark.parametrize("overrides,key,params", [
    ({"certified_agents": 9}, "agents", {"certified": 9, "planned": 10}),
    ({"planned_headcount": None}, "agents", {}),
    ({"sla_policies": 0}, "sla", {}),
    ({"vendors_with_signed_contract": ("alpha",)}, "contract", {"vendors": ("bravo",)}),
    ({"vendors": ()}, "contract", {}),
    ({"data_handover": False}, "data_handover", {}),
    ({"system_access": False, "security_signoff": False}, "system_access", {}),
    ({"security_signoff": False}, "system_access", {}),
])
def test_each_unmet_condition_blocks_with_its_reason(overrides, key, params):
    conditions = readiness.evaluate(_facts(**overrides))
    assert not readiness.ready(conditions)
    unmet = [c for c in conditions if not c.met]
    assert [c.key for c in unmet] == [key]
    assert unmet[0].reason and unmet[0].params == params


def test_timeline_maps_dates_to_x_and_keeps_month_labels_apart():
    from datetime import date

    from steward.planning import timeline

    rows = [timeline.Row("Phase", date(2025, 1, 1), date(2025, 1, 10), "phase"),
            timeline.Row("Task", date(2025, 1, 5), date(2025, 1, 5), "task"),
            timeline.Row("Undated", None, None, "task")]
    chart = timeline.layout(rows, today=date(2026, 12, 31), width=1000)
    assert [r.label for r in chart.rows] == ["Phase", "Task"]  # undated rows are left out
    phase, task = chart.rows
    assert phase.x == timeline.LEFT and task.x > phase.x
    assert task.width < phase.width and chart.today_x > task.x
    labelled = [x for x, label in chart.ticks if label]
    assert all(b - a >= timeline.MIN_LABEL_GAP for a, b in zip(labelled, labelled[1:]))
    assert len(chart.ticks) == 24  # one line per month, Jan 2025 – Dec 2026
