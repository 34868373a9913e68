"""Staffing arithmetic for one interval: Erlang C (voice), Erlang A (voice with abandonment)
and chat with concurrency. Pure Python, no Django: the same functions serve the CLI, the
per-interval staffing plan and the tests.

Units: every time (interval, handle time, target answer time, patience) is in seconds and
every result time is in seconds. Definitions and worked examples: docs/staffing.md.

Erlang C values come from pyworkforce (`pyworkforce.queuing.ErlangC`, whose `asa` argument is
the *target answer time* T of "X % answered within T", in the same unit as `aht` and
`interval`). pyworkforce is wrapped, not trusted blindly, where it is unsound:
  * with agents ≤ traffic its formula is outside its domain (the queue grows without limit)
    and returns a negative or > 1 "probability"; here P(wait) = 1, service level 0, ASA ∞;
  * it has no ASA, no ASA target, no zero-traffic case and loops forever on a 100 % target;
  * it has no abandonment (Erlang A) and no chat concurrency — both written here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import expm_multiply
from scipy.special import gammaln, logsumexp

# Tolerance for rounding up a ratio that is an integer in exact arithmetic but not in floating
# point (13 / 0.65 = 20.000000000000004 must staff 20, not 21).
_EPS = 1e-9


class StaffingInputError(ValueError):
    """An input no staffing model can accept; the message says which and why."""


def _ceil(x: float) -> int:
    return math.ceil(x - _EPS * max(1.0, abs(x)))


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise StaffingInputError(message)


def _finite(name: str, value: float) -> None:
    _require(
        isinstance(value, (int, float)) and math.isfinite(value), f"{name} must be a finite number."
    )


@dataclass(frozen=True)
class Workload:
    """Contacts arriving in one interval and the time each takes to handle."""

    calls: float
    interval_seconds: float
    aht_seconds: float

    def __post_init__(self) -> None:
        for name in ("calls", "interval_seconds", "aht_seconds"):
            _finite(name, getattr(self, name))
        _require(self.calls >= 0, "calls must be zero or more.")
        _require(self.interval_seconds > 0, "interval_seconds must be greater than zero.")
        _require(
            self.aht_seconds > 0, "aht_seconds (average handle time) must be greater than zero."
        )

    @property
    def arrival_rate(self) -> float:
        """Contacts per second."""
        return self.calls / self.interval_seconds

    @property
    def traffic(self) -> float:
        """Offered load in Erlangs: A = λ · AHT."""
        return self.arrival_rate * self.aht_seconds


@dataclass(frozen=True)
class Staffing:
    """What `agents` productive agents achieve, and what must be scheduled to have them."""

    agents: int
    service_level: float  # share answered within the target time
    asa_seconds: float  # mean wait of answered contacts (∞ when the queue is unstable)
    occupancy: float  # share of agents' logged-in time spent handling
    probability_wait: float  # share of contacts that wait at all
    scheduled_fte: float  # agents ÷ (1 − shrinkage), the exact full-time equivalent
    scheduled_headcount: int  # scheduled_fte rounded up: the people to roster in the interval
    traffic_erlangs: float
    limited_by: str = ""  # which requirement set `agents` (service_level, asa, occupancy, none)

    def as_dict(self) -> dict:
        """The six figures of the `steward erlang --json` contract."""
        return {
            "agents": self.agents,
            "service_level": self.service_level,
            "asa_seconds": self.asa_seconds,
            "occupancy": self.occupancy,
            "probability_wait": self.probability_wait,
            "scheduled_fte": self.scheduled_fte,
        }


def _check_shrinkage(shrinkage: float) -> None:
    _finite("shrinkage", shrinkage)
    _require(
        0 <= shrinkage < 1, "shrinkage must be at least 0 and less than 1 (e.g. 0.3 for 30 %)."
    )


def _check_target(target_seconds: float) -> None:
    _finite("target_seconds", target_seconds)
    _require(target_seconds >= 0, "target_seconds must be zero or more.")


def scheduled_fte(agents: float, shrinkage: float) -> float:
    """Agents who must be *scheduled* so that `agents` are productive after shrinkage
    (breaks, training, absence, meetings): agents ÷ (1 − shrinkage)."""
    _check_shrinkage(shrinkage)
    _require(agents >= 0, "agents must be zero or more.")
    return agents / (1 - shrinkage)


# --------------------------------------------------------------------------- Erlang C


def _erlang_c(workload: Workload, target_seconds: float):
    # Imported here: the pyworkforce package's __init__ also loads its scheduling half (pandas,
    # OR-Tools), seconds of start-up that nothing but these formulas should pay.
    from pyworkforce.queuing import ErlangC

    # pyworkforce's `asa` is the target answer time T; all three times share one unit (seconds).
    # Its constructor rejects zero, and with T = 0 the formula is still right, so pass a
    # placeholder and evaluate T = 0 ourselves where it matters (service_level below).
    return ErlangC(
        transactions=workload.calls,
        aht=workload.aht_seconds,
        asa=target_seconds if target_seconds > 0 else 1.0,
        interval=workload.interval_seconds,
    )


def probability_wait(agents: int, workload: Workload) -> float:
    """Erlang C: the probability that a contact has to queue, C(N, A)."""
    _require(agents >= 0 and int(agents) == agents, "agents must be a whole number, zero or more.")
    traffic = workload.traffic
    if traffic == 0:
        return 0.0
    if agents <= traffic:  # unstable: everybody eventually waits (pyworkforce is wrong here)
        return 1.0
    return _erlang_c(workload, 1.0).waiting_probability(int(agents))


def service_level(agents: int, workload: Workload, target_seconds: float) -> float:
    """Share of contacts answered within `target_seconds`:
    SL = 1 − C(N, A) · exp(−(N − A) · T / AHT)."""
    _check_target(target_seconds)
    traffic = workload.traffic
    if traffic == 0:
        return 1.0
    if agents <= traffic:
        return 0.0
    if target_seconds == 0:
        return 1.0 - probability_wait(agents, workload)
    return _erlang_c(workload, target_seconds).service_level(int(agents))


def asa_seconds(agents: int, workload: Workload) -> float:
    """Average speed of answer (mean wait over all contacts): C(N, A) · AHT / (N − A).
    pyworkforce has no ASA."""
    traffic = workload.traffic
    if traffic == 0:
        return 0.0
    if agents <= traffic:
        return math.inf
    return probability_wait(agents, workload) * workload.aht_seconds / (agents - traffic)


def occupancy(agents: int, workload: Workload) -> float:
    """Share of the agents' time spent handling: A / N (capped at 1 when N ≤ A, where the
    agents are busy all the time and the queue grows)."""
    if workload.traffic == 0:
        return 0.0
    if agents <= 0:
        return 1.0
    return min(1.0, workload.traffic / agents)


def erlang_c_staffing(
    agents: int,
    workload: Workload,
    target_seconds: float,
    shrinkage: float = 0.0,
    limited_by: str = "",
) -> Staffing:
    """Every Erlang C figure for a given number of productive agents."""
    _check_shrinkage(shrinkage)
    fte = scheduled_fte(agents, shrinkage)
    return Staffing(
        agents=int(agents),
        service_level=service_level(agents, workload, target_seconds),
        asa_seconds=asa_seconds(agents, workload),
        occupancy=occupancy(agents, workload),
        probability_wait=probability_wait(agents, workload),
        scheduled_fte=fte,
        scheduled_headcount=_ceil(fte),
        traffic_erlangs=workload.traffic,
        limited_by=limited_by,
    )


def _check_goals(
    target_service_level: float | None, target_asa_seconds: float | None, max_occupancy: float
) -> None:
    _require(
        target_service_level is not None or target_asa_seconds is not None,
        "Give a target service level, a target ASA, or both.",
    )
    if target_service_level is not None:
        _finite("service_level", target_service_level)
        _require(
            0 < target_service_level < 1,
            "The target service level must be between 0 and 1, exclusive (e.g. 0.8 for 80 %).",
        )
    if target_asa_seconds is not None:
        _finite("target ASA", target_asa_seconds)
        _require(target_asa_seconds > 0, "The target ASA must be greater than zero seconds.")
    _finite("max_occupancy", max_occupancy)
    _require(
        0 < max_occupancy <= 1, "max_occupancy must be greater than 0 and at most 1 (e.g. 0.85)."
    )


def _smallest(start: int, meets) -> int:
    """Smallest n ≥ start with meets(n), for a monotone `meets`: gallop up, then bisect."""
    if meets(start):
        return start
    low, step = start, 1
    high = start + step
    while not meets(high):
        low, step = high, step * 2
        high = start + step
    while high - low > 1:  # meets(high) and not meets(low)
        mid = (low + high) // 2
        if meets(mid):
            high = mid
        else:
            low = mid
    return high


def required_agents(
    workload: Workload,
    *,
    target_seconds: float,
    target_service_level: float | None = None,
    target_asa_seconds: float | None = None,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
) -> Staffing:
    """Fewest productive agents meeting every requirement given — service level within
    `target_seconds`, ASA, and occupancy at most `max_occupancy` — with their scheduled FTE."""
    _check_target(target_seconds)
    _check_goals(target_service_level, target_asa_seconds, max_occupancy)
    _check_shrinkage(shrinkage)
    traffic = workload.traffic
    if traffic == 0:
        return erlang_c_staffing(0, workload, target_seconds, shrinkage, limited_by="none")
    first_stable = math.floor(traffic) + 1
    needs = {}
    if target_service_level is not None:
        needs["service_level"] = _smallest(
            first_stable,
            lambda n: service_level(n, workload, target_seconds) >= target_service_level,
        )
    if target_asa_seconds is not None:
        needs["asa"] = _smallest(
            first_stable, lambda n: asa_seconds(n, workload) <= target_asa_seconds
        )
    # A / N ≤ max_occupancy ⇔ N ≥ A / max_occupancy; the queue must be stable in any case.
    needs["occupancy"] = max(_ceil(traffic / max_occupancy), first_stable)
    limited_by = max(needs, key=lambda key: needs[key])
    return erlang_c_staffing(
        needs[limited_by], workload, target_seconds, shrinkage, limited_by=limited_by
    )


# --------------------------------------------------------------------------- Erlang A
# M/M/N+M (Palm; Garnett, Mandelbaum & Reiman 2002): Poisson arrivals, exponential handle
# times and exponential patience with mean `patience_seconds`; a caller who is not answered
# before their patience runs out hangs up. pyworkforce has no abandonment model, so it is
# computed here exactly from the birth–death chain (truncated where the stationary
# probabilities fall below e^-40 of their peak) and, for answer-within-T figures, the
# transient behaviour of one arriving caller (see docs/staffing.md).


@dataclass(frozen=True)
class ErlangAResult:
    agents: int
    service_level: float  # answered within T ÷ (offered − abandoned within the short-abandon time)
    answered_within_target: float  # answered within T ÷ offered
    abandon_rate: float  # abandoned ÷ offered
    short_abandon_rate: float  # abandoned before `short_abandon_seconds` ÷ offered
    asa_seconds: float  # mean wait of answered contacts
    mean_wait_seconds: float  # mean time in queue of all contacts (answered or abandoned)
    occupancy: float  # served traffic ÷ agents
    probability_wait: float
    scheduled_fte: float
    scheduled_headcount: int
    traffic_erlangs: float
    limited_by: str = ""

    def as_dict(self) -> dict:
        """The same six figures as Staffing.as_dict (the abandon rate is an attribute)."""
        return {
            "agents": self.agents,
            "service_level": self.service_level,
            "asa_seconds": self.asa_seconds,
            "occupancy": self.occupancy,
            "probability_wait": self.probability_wait,
            "scheduled_fte": self.scheduled_fte,
        }


def _stationary_queue(
    agents: int, workload: Workload, patience_seconds: float
) -> tuple[float, np.ndarray]:
    """(P(an arriving caller finds a free agent), [P(it finds all agents busy and j callers
    queued) for j = 0, 1, 2 …]). Arrivals are Poisson, so they see the stationary state (PASTA)."""
    lam, mu, theta = workload.arrival_rate, 1 / workload.aht_seconds, 1 / patience_seconds
    # log π_k for k = 0..N (all in service), then the queue: π_{N+j} = π_{N+j-1} · λ/(Nμ + jθ).
    k = np.arange(agents + 1)
    log_busy = k * math.log(workload.traffic) - gammaln(k + 1)
    log_queue = [log_busy[-1]]
    peak = max(log_busy.max(), log_queue[0])
    j = 0
    while True:
        j += 1
        rate_out = agents * mu + j * theta
        log_queue.append(log_queue[-1] + math.log(lam / rate_out))
        peak = max(peak, log_queue[-1])
        if rate_out > lam and log_queue[-1] < peak - 40:
            break
    log_all = np.concatenate([log_busy[:-1], np.array(log_queue)])
    probs = np.exp(log_all - logsumexp(log_all))
    return probs[:agents].sum(), probs[agents:]


def erlang_a(
    agents: int,
    workload: Workload,
    *,
    target_seconds: float,
    patience_seconds: float,
    short_abandon_seconds: float = 0.0,
    shrinkage: float = 0.0,
    limited_by: str = "",
) -> ErlangAResult:
    """Every Erlang A figure for `agents` productive agents and callers whose mean patience
    is `patience_seconds`."""
    _require(agents >= 0 and int(agents) == agents, "agents must be a whole number, zero or more.")
    agents = int(agents)
    _check_target(target_seconds)
    _check_shrinkage(shrinkage)
    _finite("patience_seconds", patience_seconds)
    _require(
        patience_seconds > 0, "patience_seconds (mean caller patience) must be greater than zero."
    )
    _finite("short_abandon_seconds", short_abandon_seconds)
    _require(short_abandon_seconds >= 0, "short_abandon_seconds must be zero or more.")
    fte = scheduled_fte(agents, shrinkage)
    common = dict(
        agents=agents,
        scheduled_fte=fte,
        scheduled_headcount=_ceil(fte),
        traffic_erlangs=workload.traffic,
        limited_by=limited_by,
    )
    if workload.traffic == 0:
        return ErlangAResult(
            service_level=1.0,
            answered_within_target=1.0,
            abandon_rate=0.0,
            short_abandon_rate=0.0,
            asa_seconds=0.0,
            mean_wait_seconds=0.0,
            occupancy=0.0,
            probability_wait=0.0,
            **common,
        )
    theta = 1 / patience_seconds
    if agents == 0:  # nobody answers: every caller waits until their patience runs out
        short = 1 - math.exp(-theta * short_abandon_seconds)
        return ErlangAResult(
            service_level=0.0,
            answered_within_target=0.0,
            abandon_rate=1.0,
            short_abandon_rate=short,
            asa_seconds=math.inf,
            mean_wait_seconds=patience_seconds,
            occupancy=1.0,
            probability_wait=1.0,
            **common,
        )
    p_free, queue = _stationary_queue(agents, workload, patience_seconds)
    served_rate = agents / workload.aht_seconds
    # A caller finding j queued ahead moves up at rate Nμ + iθ (i = j, j−1, …, 0 callers ahead:
    # a service completion or one of those ahead abandoning); its offered wait V_j is the sum
    # of those exponential stages, and it is answered if V_j < its own patience τ ~ Exp(θ).
    rates = served_rate + theta * np.arange(len(queue))  # rates[i]: stage with i callers ahead
    log_stage_survive = np.log(rates / (rates + theta))  # P(the stage ends before τ)
    p_answered_given_j = np.exp(np.cumsum(log_stage_survive))  # Π_{i≤j} r_i/(r_i+θ)
    # E[V_j · 1{answered}] = P(answered | j) · Σ_{i≤j} 1/(r_i+θ)
    # (the derivative of V_j's Laplace transform at θ)
    wait_answered_given_j = p_answered_given_j * np.cumsum(1 / (rates + theta))
    # Clamp: the sums can overshoot [0, 1] by a rounding error when nobody waits.
    p_answered = min(1.0, float(p_free + queue @ p_answered_given_j))
    abandon_rate = max(0.0, 1.0 - p_answered)
    # Mean time in queue of everybody: E[min(V_j, τ)] = P(τ < V_j) / θ, because
    # E[min(V, τ)] = ∫ P(V > t) e^{-θt} dt = (1 − E[e^{-θV}]) / θ.
    mean_wait = float(queue @ ((1 - p_answered_given_j) / theta))

    # Transient chain of the tagged caller: states "i ahead" (i = 0..J), absorbing "answered"
    # (index J+1) and "abandoned" (J+2). Start from the distribution of j seen on arrival.
    size = len(queue)
    ahead = np.arange(size)
    rows = np.concatenate([ahead, ahead, ahead])
    cols = np.concatenate([np.where(ahead > 0, ahead - 1, size), np.full(size, size + 1), ahead])
    vals = np.concatenate([rates, np.full(size, theta), -(rates + theta)])
    generator = sparse.csr_matrix((vals, (rows, cols)), shape=(size + 2, size + 2))
    start = np.concatenate([queue, [0.0, 0.0]])

    def absorbed_by(seconds: float) -> tuple[float, float]:
        if seconds == 0:
            return 0.0, 0.0
        state = expm_multiply(generator.T * seconds, start)
        return float(state[size]), float(state[size + 1])

    answered_in_target, _ = absorbed_by(target_seconds)
    _, short_abandoned = absorbed_by(short_abandon_seconds)
    answered_within_target = min(1.0, p_free + answered_in_target)
    return ErlangAResult(
        service_level=min(1.0, float(answered_within_target / (1 - short_abandoned))),
        answered_within_target=float(answered_within_target),
        abandon_rate=float(abandon_rate),
        short_abandon_rate=short_abandoned,
        asa_seconds=float(queue @ wait_answered_given_j) / p_answered,
        mean_wait_seconds=mean_wait,
        occupancy=min(1.0, workload.arrival_rate * p_answered * workload.aht_seconds / agents),
        probability_wait=float(queue.sum()),
        **common,
    )


def required_agents_erlang_a(
    workload: Workload,
    *,
    target_seconds: float,
    patience_seconds: float,
    target_service_level: float | None = None,
    max_abandon_rate: float | None = None,
    max_occupancy: float = 1.0,
    short_abandon_seconds: float = 0.0,
    shrinkage: float = 0.0,
) -> ErlangAResult:
    """Fewest productive agents for a target service level and/or a maximum abandon rate, at
    most `max_occupancy`, when callers abandon (Erlang A)."""
    _check_target(target_seconds)
    _require(
        target_service_level is not None or max_abandon_rate is not None,
        "Give a target service level, a maximum abandon rate, or both.",
    )
    if target_service_level is not None:
        _check_goals(target_service_level, None, max_occupancy)
    _finite("max_occupancy", max_occupancy)
    _require(
        0 < max_occupancy <= 1, "max_occupancy must be greater than 0 and at most 1 (e.g. 0.85)."
    )
    if max_abandon_rate is not None:
        _finite("max_abandon_rate", max_abandon_rate)
        _require(
            0 < max_abandon_rate < 1, "The maximum abandon rate must be between 0 and 1, exclusive."
        )

    def at(n: int, limited_by: str = "") -> ErlangAResult:
        return erlang_a(
            n,
            workload,
            target_seconds=target_seconds,
            patience_seconds=patience_seconds,
            short_abandon_seconds=short_abandon_seconds,
            shrinkage=shrinkage,
            limited_by=limited_by,
        )

    if workload.traffic == 0:
        return at(0, "none")
    needs = {}
    if target_service_level is not None:
        needs["service_level"] = _smallest(1, lambda n: at(n).service_level >= target_service_level)
    if max_abandon_rate is not None:
        needs["abandon_rate"] = _smallest(1, lambda n: at(n).abandon_rate <= max_abandon_rate)
    # Occupancy falls as agents are added (served traffic rises more slowly than N).
    needs["occupancy"] = _smallest(1, lambda n: at(n).occupancy <= max_occupancy + _EPS)
    limited_by = max(needs, key=lambda key: needs[key])
    return at(needs[limited_by], limited_by)


# --------------------------------------------------------------------------- chat
# Chat with concurrency: each agent works up to `concurrency` chats at once. Model: every
# agent is `concurrency` independent slots, so N agents are an M/M/(N·k) queue of slots, and
# `aht_seconds` is the mean chat duration *as measured at that concurrency* (a chat lasts
# longer when its agent juggles several; measure it, don't divide by k). The model assumes
# that duration does not depend on how many chats the agent has open at the moment. Occupancy
# is the share of slots in use. pyworkforce has no concurrency, so this maps onto its Erlang C.


def _check_concurrency(concurrency: int) -> None:
    _require(
        isinstance(concurrency, int) and concurrency >= 1,
        "concurrency must be a whole number of simultaneous chats, at least 1.",
    )


def chat_staffing(
    agents: int,
    workload: Workload,
    *,
    target_seconds: float,
    concurrency: int,
    shrinkage: float = 0.0,
    limited_by: str = "",
) -> Staffing:
    """Every chat figure for `agents` productive agents each handling up to `concurrency` chats."""
    _check_concurrency(concurrency)
    slots = erlang_c_staffing(agents * concurrency, workload, target_seconds, shrinkage)
    fte = scheduled_fte(agents, shrinkage)
    return Staffing(
        agents=int(agents),
        service_level=slots.service_level,
        asa_seconds=slots.asa_seconds,
        occupancy=slots.occupancy,
        probability_wait=slots.probability_wait,
        scheduled_fte=fte,
        scheduled_headcount=_ceil(fte),
        traffic_erlangs=workload.traffic,
        limited_by=limited_by,
    )


def required_chat_agents(
    workload: Workload,
    *,
    target_seconds: float,
    concurrency: int,
    target_service_level: float | None = None,
    target_asa_seconds: float | None = None,
    max_occupancy: float = 1.0,
    shrinkage: float = 0.0,
) -> Staffing:
    """Fewest chat agents (each with `concurrency` slots) meeting every requirement given."""
    _check_concurrency(concurrency)
    _check_target(target_seconds)
    _check_goals(target_service_level, target_asa_seconds, max_occupancy)
    _check_shrinkage(shrinkage)
    if workload.traffic == 0:
        return chat_staffing(
            0,
            workload,
            target_seconds=target_seconds,
            concurrency=concurrency,
            shrinkage=shrinkage,
            limited_by="none",
        )
    needs = {}
    first = max(1, _ceil((math.floor(workload.traffic) + 1) / concurrency))
    if target_service_level is not None:
        needs["service_level"] = _smallest(
            first,
            lambda n: (
                service_level(n * concurrency, workload, target_seconds) >= target_service_level
            ),
        )
    if target_asa_seconds is not None:
        needs["asa"] = _smallest(
            first, lambda n: asa_seconds(n * concurrency, workload) <= target_asa_seconds
        )
    needs["occupancy"] = max(first, _ceil(workload.traffic / max_occupancy / concurrency))
    limited_by = max(needs, key=lambda key: needs[key])
    return chat_staffing(
        needs[limited_by],
        workload,
        target_seconds=target_seconds,
        concurrency=concurrency,
        shrinkage=shrinkage,
        limited_by=limited_by,
    )
