"""Independent check of the staffing formulas by discrete-event simulation with ciw.

Each model is simulated in R independent replications (fixed seeds, so the test is
reproducible); each replication drops a warm-up, and the R replication means give an estimate
and its standard error SE = s / √R. The formula must lie within 4·SE of the simulation — with
R − 1 = 11 degrees of freedom that is a two-sided 0.2 % test — and the SE itself must be small
enough for the comparison to mean something (≤ 0.015 for shares, ≤ 1.5 s for ASA). The
Erlang C case is the classic example at its requirement, 14 agents (at 13 the waits are so
autocorrelated that the ASA would need several times more simulated calls for that precision).
"""

import math
import statistics

import ciw
import pytest

from steward.workforce import erlang
from steward.workforce.erlang import Workload

CLASSIC = Workload(calls=100, interval_seconds=1800, aht_seconds=180)
REPLICATIONS = 12
HORIZON_SECONDS = 60_000  # ≈ 3,300 calls per replication
WARM_UP_SECONDS = 6_000


def simulate(
    workload: Workload, agents: int, target_seconds: float, patience_seconds: float | None = None
):
    """Per replication: (answered within target ÷ offered, abandoned ÷ offered, ASA of answered)."""
    results = []
    for replication in range(REPLICATIONS):
        ciw.seed(20240 + replication)
        extra = {}
        if patience_seconds is not None:
            extra["reneging_time_distributions"] = [ciw.dists.Exponential(1 / patience_seconds)]
        network = ciw.create_network(
            arrival_distributions=[ciw.dists.Exponential(workload.arrival_rate)],
            service_distributions=[ciw.dists.Exponential(1 / workload.aht_seconds)],
            number_of_servers=[agents],
            **extra,
        )
        simulation = ciw.Simulation(network)
        simulation.simulate_until_max_time(HORIZON_SECONDS)
        # Callers still waiting at the horizon have no record; keep only arrivals whose fate is
        # certainly known (arrived well before the end), after the warm-up.
        cutoff = HORIZON_SECONDS - 3_000
        records = [
            r for r in simulation.get_all_records() if WARM_UP_SECONDS <= r.arrival_date < cutoff
        ]
        answered = [r for r in records if r.record_type == "service"]
        abandoned = [r for r in records if r.record_type == "renege"]
        offered = len(answered) + len(abandoned)
        results.append(
            (
                sum(r.waiting_time <= target_seconds for r in answered) / offered,
                len(abandoned) / offered,
                statistics.fmean(r.waiting_time for r in answered),
            )
        )
    return results


def estimate(values):
    return statistics.fmean(values), statistics.stdev(values) / math.sqrt(len(values))


@pytest.fixture(scope="module")
def erlang_c_run():
    return simulate(CLASSIC, agents=14, target_seconds=20)


@pytest.fixture(scope="module")
def erlang_a_run():
    return simulate(CLASSIC, agents=12, target_seconds=20, patience_seconds=300)


def test_erlang_c_matches_simulation(erlang_c_run):
    exact = erlang.erlang_c_staffing(14, CLASSIC, 20)
    sl, sl_se = estimate([r[0] for r in erlang_c_run])
    asa_sim, asa_se = estimate([r[2] for r in erlang_c_run])
    assert sl_se <= 0.015 and asa_se <= 1.5
    assert abs(sl - exact.service_level) <= 4 * sl_se
    # ASA over answered calls; in M/M/c everybody is answered, so it is Erlang C's ASA.
    assert abs(asa_sim - exact.asa_seconds) <= 4 * asa_se
    assert all(r[1] == 0 for r in erlang_c_run)


def test_erlang_a_matches_simulation_with_abandonment(erlang_a_run):
    exact = erlang.erlang_a(12, CLASSIC, target_seconds=20, patience_seconds=300)
    sl, sl_se = estimate([r[0] for r in erlang_a_run])
    abandon, abandon_se = estimate([r[1] for r in erlang_a_run])
    asa_sim, asa_se = estimate([r[2] for r in erlang_a_run])
    assert sl_se <= 0.015 and abandon_se <= 0.015 and asa_se <= 1.5
    assert abs(sl - exact.answered_within_target) <= 4 * sl_se
    assert abs(abandon - exact.abandon_rate) <= 4 * abandon_se
    assert abs(asa_sim - exact.asa_seconds) <= 4 * asa_se
    # …and abandonment is real in the simulation: Erlang C would be visibly wrong here.
    erlang_c_sl = erlang.service_level(12, CLASSIC, 20)
    assert abs(sl - erlang_c_sl) > 4 * sl_se
