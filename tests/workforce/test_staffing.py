"""The vectorised staffing plan against erlang.py interval by interval, totals and scenarios."""

import numpy as np
import pytest

from steward.workforce import erlang, staffing


@pytest.fixture(scope="module")
def calls():
    return np.random.default_rng(3).gamma(2.0, 30.0, 600)


def test_erlang_c_vector_equals_the_scalar_search(calls):
    s = staffing.Settings(aht_seconds=240, target_seconds=20, service_level=0.8, max_occupancy=0.85, shrinkage=0.3)
    req = staffing.required(calls, s)
    for c, agents, fte in zip(calls, req.agents, req.scheduled_fte, strict=True):
        one = erlang.required_agents(erlang.Workload(float(c), 1800, 240), target_seconds=20,
                                     target_service_level=0.8, max_occupancy=0.85, shrinkage=0.3)
        assert agents == one.agents
        assert fte == pytest.approx(one.scheduled_fte)


def test_chat_vector_equals_the_scalar_search(calls):
    s = staffing.Settings(model="chat", aht_seconds=500, target_seconds=30, service_level=0.85, concurrency=3,
                          max_occupancy=0.9, shrinkage=0.25)
    req = staffing.required(calls[:200], s)
    for c, agents in zip(calls[:200], req.agents, strict=True):
        one = erlang.required_chat_agents(erlang.Workload(float(c), 1800, 500), target_seconds=30, concurrency=3,
                                          target_service_level=0.85, max_occupancy=0.9)
        assert agents == one.agents


def test_erlang_a_needs_no_more_agents_than_erlang_c(calls):
    c_settings = staffing.Settings(aht_seconds=240, service_level=0.8, max_occupancy=1.0)
    a_settings = staffing.Settings(model="erlang_a", aht_seconds=240, service_level=0.8, max_occupancy=1.0,
                                   patience_seconds=120)
    a = staffing.required(calls[:40], a_settings).agents
    c = staffing.required(calls[:40], c_settings).agents
    assert np.all(a <= c)
    first = erlang.required_agents_erlang_a(erlang.Workload(round(float(calls[0]), 2), 1800, 240), target_seconds=20,
                                            patience_seconds=120, target_service_level=0.8)
    assert a[0] == first.agents


def test_service_level_with_a_headcount_matches_erlang_c():
    s = staffing.Settings(aht_seconds=180, target_seconds=20, shrinkage=0.3)
    sl = staffing.service_level_with(np.array([100.0, 100.0, 0.0]), np.array([20, 14, 0]), s)
    w = erlang.Workload(100, 1800, 180)
    assert sl[0] == pytest.approx(erlang.service_level(14, w, 20))  # 20 rostered → 14 productive
    assert sl[1] == pytest.approx(erlang.service_level(9, w, 20))
    assert sl[2] == 1.0  # no contacts, nothing missed


def test_zero_calls_need_nobody_and_totals_add_up():
    s = staffing.Settings(aht_seconds=300, shrinkage=0.2)
    calls = np.array([[0.0] * 46 + [50.0, 80.0]])
    req = staffing.required(calls, s)
    assert req.agents[0, 0] == 0 and req.agents[0, -1] > 0
    t = staffing.totals(req, s, days=1)
    assert t.agent_hours == pytest.approx(req.agents.sum() / 2)
    assert t.scheduled_hours == pytest.approx(t.agent_hours / 0.8)
    assert t.fte == pytest.approx(t.scheduled_hours / (40 / 7))


def test_scenarios_move_headcount_the_right_way(calls):
    s = staffing.Settings(aht_seconds=240)
    base = staffing.run_scenario(calls, s, staffing.DEFAULT_SCENARIOS[0], 7)[1]
    peak = staffing.run_scenario(calls, s, staffing.Scenario("p", "p", volume_factor=1.4), 7)[1]
    faster = staffing.run_scenario(calls, s, staffing.Scenario("f", "f", aht_factor=0.9), 7)[1]
    assert peak.agent_hours > base.agent_hours > faster.agent_hours
    assert peak.contacts == pytest.approx(base.contacts * 1.4)


@pytest.mark.parametrize("kwargs, message", [
    ({"model": "magic"}, "model"), ({"service_level": 1.0}, "service_level"), ({"shrinkage": 1.0}, "shrinkage"),
    ({"model": "erlang_a"}, "patience"), ({"model": "chat", "concurrency": 0}, "concurrency"),
    ({"aht_seconds": 0}, "aht"),
])
def test_bad_settings_are_clear_errors(kwargs, message):
    with pytest.raises(erlang.StaffingInputError, match=message):
        staffing.Settings(**kwargs)


def test_negative_calls_are_refused():
    with pytest.raises(erlang.StaffingInputError):
        staffing.required(np.array([-1.0]), staffing.Settings())
