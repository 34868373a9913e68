"""Erlang C / Erlang A / chat staffing: published worked examples, an independent formula,
internal consistency (Little's law, limits) and properties. The discrete-event simulation
cross-check lives in test_erlang_simulation.py."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pyworkforce.queuing import ErlangC

from steward.workforce import erlang
from steward.workforce.erlang import StaffingInputError, Workload

# The classic worked example (Call Centre Helper, "Erlang C formula – made simple"): 100 calls
# in 30 minutes, 180 s average handle time → 10 Erlangs; target 80 % answered within 20 s.
CLASSIC = Workload(calls=100, interval_seconds=1800, aht_seconds=180)


def independent_erlang_c(agents: int, traffic: float) -> float:
    """Textbook Erlang C from the factorial sums, written independently of pyworkforce:
    C = (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))."""
    top = traffic**agents / math.factorial(agents) * agents / (agents - traffic)
    return top / (sum(traffic**k / math.factorial(k) for k in range(agents)) + top)


def test_classic_example_traffic_is_ten_erlangs():
    assert CLASSIC.traffic == pytest.approx(10.0)


@pytest.mark.parametrize(
    # agents, P(wait), service level within 20 s, ASA seconds — hand-checked against the
    # published table (11 → 68.2 %, 12 → 44.9 %, 13 → 28.5 %, 14 → 17.4 % / 88.8 % / 7.8 s).
    ("agents", "p_wait", "sl", "asa"),
    [
        (11, 0.6821, 0.3896, 122.78),
        (12, 0.4494, 0.6402, 40.44),
        (13, 0.2853, 0.7956, 17.12),
        (14, 0.1741, 0.8884, 7.84),
        (15, 0.1020, 0.9415, 3.67),
    ],
)
def test_classic_example_table(agents, p_wait, sl, asa):
    assert erlang.probability_wait(agents, CLASSIC) == pytest.approx(p_wait, abs=5e-5)
    assert erlang.probability_wait(agents, CLASSIC) == pytest.approx(
        independent_erlang_c(agents, 10.0), rel=1e-12
    )
    assert erlang.service_level(agents, CLASSIC, 20) == pytest.approx(sl, abs=5e-5)
    # SL and ASA recomputed by hand from the independent C: 1 − C·e^{−(N−A)T/AHT}, C·AHT/(N−A).
    c = independent_erlang_c(agents, 10.0)
    assert erlang.service_level(agents, CLASSIC, 20) == pytest.approx(
        1 - c * math.exp(-(agents - 10) * 20 / 180)
    )
    assert erlang.asa_seconds(agents, CLASSIC) == pytest.approx(asa, abs=5e-3)
    assert erlang.asa_seconds(agents, CLASSIC) == pytest.approx(c * 180 / (agents - 10))
    assert erlang.occupancy(agents, CLASSIC) == pytest.approx(10 / agents)


def test_classic_example_requires_14_agents_and_20_scheduled_with_30_percent_shrinkage():
    result = erlang.required_agents(
        CLASSIC, target_seconds=20, target_service_level=0.8, shrinkage=0.3
    )
    assert result.agents == 14  # 13 agents give only 79.6 %
    assert result.limited_by == "service_level"
    assert result.service_level == pytest.approx(0.8884, abs=5e-5)
    assert result.occupancy == pytest.approx(10 / 14)
    assert result.scheduled_fte == pytest.approx(20.0)  # 14 / 0.7
    assert result.scheduled_headcount == 20  # not 21: 14 / 0.7 is 20.000000000000004 in floats
    assert set(result.as_dict()) == {
        "agents",
        "service_level",
        "asa_seconds",
        "occupancy",
        "probability_wait",
        "scheduled_fte",
    }


def test_max_occupancy_can_set_the_requirement():
    result = erlang.required_agents(
        CLASSIC, target_seconds=20, target_service_level=0.8, max_occupancy=0.7
    )
    assert result.agents == 15  # 10 / 0.7 = 14.3 → 15, more than the 14 the service level needs
    assert result.limited_by == "occupancy"
    assert result.occupancy <= 0.7


def test_exact_occupancy_boundary_is_not_rounded_up():
    # 8 Erlangs at 80 % maximum occupancy is exactly 10 agents.
    result = erlang.required_agents(
        Workload(calls=80, interval_seconds=1800, aht_seconds=180),
        target_seconds=20,
        target_service_level=0.1,
        max_occupancy=0.8,
    )
    assert result.agents == 10


def test_asa_target():
    assert (
        erlang.required_agents(CLASSIC, target_seconds=20, target_asa_seconds=20).agents == 13
    )  # 17.1 s
    assert (
        erlang.required_agents(CLASSIC, target_seconds=20, target_asa_seconds=10).agents == 14
    )  # 7.8 s
    both = erlang.required_agents(
        CLASSIC, target_seconds=20, target_service_level=0.9, target_asa_seconds=20
    )
    assert both.agents == 15 and both.limited_by == "service_level"


def test_zero_target_seconds_means_answered_without_waiting():
    assert erlang.service_level(14, CLASSIC, 0) == pytest.approx(
        1 - erlang.probability_wait(14, CLASSIC)
    )


def test_no_calls_need_no_agents():
    result = erlang.required_agents(
        Workload(calls=0, interval_seconds=1800, aht_seconds=180),
        target_seconds=20,
        target_service_level=0.8,
        shrinkage=0.3,
    )
    assert (result.agents, result.service_level, result.occupancy, result.scheduled_fte) == (
        0,
        1.0,
        0.0,
        0.0,
    )


def test_pyworkforce_is_wrapped_where_it_is_unsound():
    # With fewer agents than Erlangs the queue grows without limit. pyworkforce's formula then
    # returns a "probability" above 1; the wrapper answers what the queue does.
    raw = ErlangC(transactions=100, aht=180, asa=20, interval=1800)
    assert raw.waiting_probability(9) > 1
    for agents in (0, 9, 10):
        assert erlang.probability_wait(agents, CLASSIC) == 1.0
        assert erlang.service_level(agents, CLASSIC, 20) == 0.0
        assert erlang.asa_seconds(agents, CLASSIC) == math.inf
        assert erlang.occupancy(agents, CLASSIC) == 1.0


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (dict(calls=-1, interval_seconds=1800, aht_seconds=180), "calls"),
        (dict(calls=10, interval_seconds=0, aht_seconds=180), "interval_seconds"),
        (dict(calls=10, interval_seconds=1800, aht_seconds=0), "aht_seconds"),
        (dict(calls=math.nan, interval_seconds=1800, aht_seconds=180), "calls"),
    ],
)
def test_bad_workload_is_refused_with_a_clear_message(kwargs, fragment):
    with pytest.raises(StaffingInputError, match=fragment):
        Workload(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        (dict(target_service_level=1.0), "between 0 and 1"),
        (dict(target_service_level=0.0), "between 0 and 1"),
        (dict(target_service_level=0.8, shrinkage=1.0), "shrinkage"),
        (dict(target_service_level=0.8, shrinkage=-0.1), "shrinkage"),
        (dict(target_service_level=0.8, max_occupancy=0), "max_occupancy"),
        (dict(target_service_level=0.8, max_occupancy=1.2), "max_occupancy"),
        (dict(target_asa_seconds=0), "ASA"),
        (dict(), "target"),
    ],
)
def test_bad_goals_are_refused_with_a_clear_message(kwargs, fragment):
    with pytest.raises(StaffingInputError, match=fragment):
        erlang.required_agents(CLASSIC, target_seconds=20, **kwargs)


def test_negative_target_seconds_is_refused():
    with pytest.raises(StaffingInputError, match="target_seconds"):
        erlang.required_agents(CLASSIC, target_seconds=-1, target_service_level=0.8)


# --------------------------------------------------------------------------- Erlang A


def test_erlang_a_abandonment_obeys_littles_law():
    # Abandonments per second = θ · E[queue length] (every queued caller leaves at rate θ), and
    # must equal λ · abandon rate computed from the caller's-eye view.
    p_free, queue = erlang._stationary_queue(12, CLASSIC, 300)
    mean_queue = sum(j * p for j, p in enumerate(queue))
    result = erlang.erlang_a(12, CLASSIC, target_seconds=20, patience_seconds=300)
    assert p_free + queue.sum() == pytest.approx(1.0)
    assert result.abandon_rate == pytest.approx(mean_queue / 300 / CLASSIC.arrival_rate, rel=1e-9)
    # Served traffic: busy agents on average = λ · (1 − abandon) · AHT.
    assert result.occupancy == pytest.approx(10 * (1 - result.abandon_rate) / 12)
    # Little's law for the queue: E[Q] = λ · E[time in queue of everybody].
    assert result.mean_wait_seconds == pytest.approx(mean_queue / CLASSIC.arrival_rate, rel=1e-9)


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    c = erlang.erlang_c_staffing(13, CLASSIC, 20)
    a = erlang.erlang_a(13, CLASSIC, target_seconds=20, patience_seconds=1e9)
    assert a.abandon_rate < 1e-6
    assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
    assert a.asa_seconds == pytest.approx(c.asa_seconds, rel=1e-5)
    assert a.probability_wait == pytest.approx(c.probability_wait, abs=1e-6)


def test_erlang_a_abandonment_lowers_the_requirement_and_counts_as_failure():
    # Impatient callers shorten the queue, so fewer agents reach 80 % in 20 s than Erlang C's 14.
    result = erlang.required_agents_erlang_a(
        CLASSIC, target_seconds=20, patience_seconds=300, target_service_level=0.8
    )
    assert result.agents == 13
    assert result.service_level == pytest.approx(0.8582, abs=5e-4)
    assert result.abandon_rate == pytest.approx(0.0250, abs=5e-4)
    assert erlang.erlang_a(12, CLASSIC, target_seconds=20, patience_seconds=300).service_level < 0.8


def test_erlang_a_abandon_target_and_short_abandons():
    result = erlang.required_agents_erlang_a(
        CLASSIC, target_seconds=20, patience_seconds=300, max_abandon_rate=0.02
    )
    assert result.abandon_rate <= 0.02 and result.limited_by == "abandon_rate"
    previous = erlang.erlang_a(result.agents - 1, CLASSIC, target_seconds=20, patience_seconds=300)
    assert previous.abandon_rate > 0.02
    # Excluding callers who hung up within 5 s from the denominator (the metric catalog's
    # definition) can only raise the service level.
    with_short = erlang.erlang_a(
        12, CLASSIC, target_seconds=20, patience_seconds=300, short_abandon_seconds=5
    )
    assert 0 < with_short.short_abandon_rate < with_short.abandon_rate
    assert with_short.service_level == pytest.approx(
        with_short.answered_within_target / (1 - with_short.short_abandon_rate)
    )


def test_erlang_a_nobody_answers_without_agents():
    result = erlang.erlang_a(0, CLASSIC, target_seconds=20, patience_seconds=300)
    assert (result.service_level, result.abandon_rate, result.probability_wait) == (0.0, 1.0, 1.0)


def test_erlang_a_is_defined_beyond_erlang_c_stability():
    # With abandonment the queue is stable even with fewer agents than Erlangs.
    result = erlang.erlang_a(8, CLASSIC, target_seconds=20, patience_seconds=120)
    assert 0 < result.service_level < 0.5
    assert 0.2 < result.abandon_rate < 1
    assert result.occupancy < 1


def test_erlang_a_refuses_bad_patience():
    with pytest.raises(StaffingInputError, match="patience"):
        erlang.erlang_a(12, CLASSIC, target_seconds=20, patience_seconds=0)


# --------------------------------------------------------------------------- chat

CHAT = Workload(calls=300, interval_seconds=1800, aht_seconds=600)  # 100 Erlangs of chats


def test_chat_with_concurrency_one_is_erlang_c():
    chat = erlang.chat_staffing(14, CLASSIC, target_seconds=20, concurrency=1)
    voice = erlang.erlang_c_staffing(14, CLASSIC, 20)
    assert chat == voice


def test_chat_agents_are_slots_divided_by_concurrency():
    result = erlang.required_chat_agents(
        CHAT, target_seconds=30, concurrency=3, target_service_level=0.8, shrinkage=0.25
    )
    slots = erlang.required_agents(CHAT, target_seconds=30, target_service_level=0.8)
    assert result.agents == math.ceil(slots.agents / 3)
    assert result.agents == 37  # 111 slots for 100 Erlangs
    assert result.service_level == pytest.approx(erlang.service_level(111, CHAT, 30))
    assert result.occupancy == pytest.approx(100 / 111)
    assert result.scheduled_fte == pytest.approx(37 / 0.75)
    assert erlang.service_level(36 * 3, CHAT, 30) < 0.8


def test_chat_refuses_bad_concurrency():
    with pytest.raises(StaffingInputError, match="concurrency"):
        erlang.required_chat_agents(
            CHAT, target_seconds=30, concurrency=0, target_service_level=0.8
        )


# --------------------------------------------------------------------------- properties

workloads = st.builds(
    Workload,
    calls=st.floats(min_value=1, max_value=2000),
    interval_seconds=st.sampled_from([900, 1800, 3600]),
    aht_seconds=st.floats(min_value=30, max_value=900),
)
targets = st.floats(min_value=0.05, max_value=0.98)
occupancies = st.floats(min_value=0.5, max_value=1.0)


@settings(max_examples=60, deadline=None)
@given(workloads, st.integers(min_value=0, max_value=400), st.floats(min_value=0, max_value=120))
def test_service_level_never_falls_when_agents_are_added(workload, agents, target):
    assert erlang.service_level(agents + 1, workload, target) >= erlang.service_level(
        agents, workload, target
    )
    assert erlang.asa_seconds(agents + 1, workload) <= erlang.asa_seconds(agents, workload)


@settings(max_examples=60, deadline=None)
@given(workloads, targets, occupancies, st.floats(min_value=1.0, max_value=2.0))
def test_more_traffic_never_needs_fewer_agents(workload, target, max_occupancy, growth):
    busier = Workload(workload.calls * growth, workload.interval_seconds, workload.aht_seconds)
    kwargs = dict(target_seconds=20, target_service_level=target, max_occupancy=max_occupancy)
    assert (
        erlang.required_agents(busier, **kwargs).agents
        >= erlang.required_agents(workload, **kwargs).agents
    )


@settings(max_examples=60, deadline=None)
@given(workloads, targets, occupancies, st.floats(min_value=0, max_value=0.6))
def test_requirement_is_met_and_minimal(workload, target, max_occupancy, shrinkage):
    result = erlang.required_agents(
        workload,
        target_seconds=20,
        target_service_level=target,
        max_occupancy=max_occupancy,
        shrinkage=shrinkage,
    )
    assert result.service_level >= target
    assert result.occupancy <= max_occupancy + 1e-9
    assert result.scheduled_fte >= result.agents
    fewer = result.agents - 1
    assert (
        erlang.service_level(fewer, workload, 20) < target
        or erlang.occupancy(fewer, workload) > max_occupancy
    )


@settings(max_examples=25, deadline=None)
@given(
    st.floats(min_value=5, max_value=400),
    st.integers(min_value=1, max_value=60),
    st.floats(min_value=20, max_value=1200),
)
def test_erlang_a_improves_with_agents(calls, agents, patience):
    workload = Workload(calls, 1800, 180)
    fewer = erlang.erlang_a(agents, workload, target_seconds=20, patience_seconds=patience)
    more = erlang.erlang_a(agents + 1, workload, target_seconds=20, patience_seconds=patience)
    assert more.service_level >= fewer.service_level - 1e-9
    assert more.abandon_rate <= fewer.abandon_rate + 1e-9
    assert 0 <= fewer.service_level <= 1 and 0 <= fewer.abandon_rate <= 1
