"""Staffing for many intervals at once: the agents each half-hour of a forecast needs, the
scheduled FTE, the service level a given headcount would reach, totals and scenarios.
Pure (numpy; no Django).

The per-interval arithmetic is the same as erlang.py (Erlang C, chat as Erlang C on
agents × concurrency slots, Erlang A for callers who abandon), but Erlang C and chat are
evaluated for every interval together: one pass of the Erlang B recursion
B(n) = A·B(n−1) / (n + A·B(n−1)) over n = 1, 2, … for the whole vector of loads, recording for
each interval the first n that meets the targets. That is what makes a year of 30-minute
intervals take milliseconds instead of a Python search per interval (bench/staffing.py);
tests/workforce/test_staffing.py checks it against erlang.required_agents interval by
interval. Erlang A has no closed form; it is computed with erlang.py per distinct load (loads
rounded to 0.01 contacts, so repeated loads cost nothing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from steward.workforce import erlang

MODELS = ("erlang_c", "erlang_a", "chat")
_EPS = 1e-9


@dataclass(frozen=True)
class Settings:
    """How one queue is staffed. Times in seconds; shares between 0 and 1."""

    model: str = "erlang_c"
    aht_seconds: float = 300.0
    target_seconds: float = 20.0
    service_level: float = 0.8
    max_occupancy: float = 0.85
    shrinkage: float = 0.3
    patience_seconds: float | None = None  # Erlang A only
    concurrency: int = 1  # chat only
    interval_seconds: float = 1800.0
    hours_per_fte_week: float = 40.0  # paid hours of one full-time agent

    def __post_init__(self):
        if self.model not in MODELS:
            raise erlang.StaffingInputError(f"model must be one of {', '.join(MODELS)}")
        erlang.Workload(0, self.interval_seconds, self.aht_seconds)  # validates the times
        if not 0 < self.service_level < 1:
            raise erlang.StaffingInputError("service_level must be between 0 and 1, exclusive")
        if not 0 < self.max_occupancy <= 1:
            raise erlang.StaffingInputError("max_occupancy must be greater than 0 and at most 1")
        if not 0 <= self.shrinkage < 1:
            raise erlang.StaffingInputError("shrinkage must be at least 0 and less than 1")
        if self.target_seconds < 0:
            raise erlang.StaffingInputError("target_seconds must be zero or more")
        if self.model == "erlang_a" and not (self.patience_seconds and self.patience_seconds > 0):
            raise erlang.StaffingInputError("Erlang A needs a mean patience in seconds")
        if self.model == "chat" and (int(self.concurrency) != self.concurrency or self.concurrency < 1):
            raise erlang.StaffingInputError("concurrency must be a whole number, at least 1")
        if self.hours_per_fte_week <= 0:
            raise erlang.StaffingInputError("hours_per_fte_week must be greater than zero")


# --------------------------------------------------------------------------- Erlang C vectorised


def _erlang_c_scan(traffic: np.ndarray, aht: float, target_seconds: float, target_sl: float | None,
                   given: np.ndarray | None, slots_per_agent: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """(smallest slots n > A with SL(n) ≥ target_sl — 0 where A = 0, service level reached by
    `given` slots). One vectorised Erlang B recursion over n."""
    a = np.asarray(traffic, dtype=float)
    size = a.shape[0]
    need = np.zeros(size, dtype=np.int64)
    sl_given = np.where(a == 0, 1.0, 0.0)
    todo = (a > 0) if target_sl is not None else np.zeros(size, dtype=bool)
    given_slots = None if given is None else np.asarray(given, dtype=np.int64)
    pending_given = np.zeros(size, dtype=bool) if given_slots is None else (a > 0) & (given_slots > a)
    if not todo.any() and not pending_given.any():
        return need, sl_given
    b = np.ones(size)
    n = 0
    top = int(math.ceil(a.max())) + 10
    limit = max(top * 2 + 50, 100)
    if given_slots is not None and given_slots.size:
        limit = max(limit, int(given_slots.max()) + 1)
    while (todo.any() or pending_given.any()) and n < limit:
        n += 1
        ab = a * b
        b = ab / (n + ab)
        stable = n > a + _EPS
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            c = np.where(stable, n * b / (n - a * (1 - b)), 1.0)
            sl = np.where(stable, 1 - c * np.exp(-(n - a) * target_seconds / aht), 0.0)
        if target_sl is not None:
            hit = todo & stable & (sl >= target_sl - 1e-12)
            need[hit] = n
            todo &= ~hit
        if given_slots is not None:
            at = pending_given & (given_slots == n)
            sl_given[at] = sl[at]
            pending_given &= ~at
        if n > top and not todo.any() and not pending_given.any():
            break
    if todo.any():  # pragma: no cover - the limit is far above any stable solution
        raise erlang.StaffingInputError("no staffing level reaches the target service level")
    return need, np.clip(sl_given, 0.0, 1.0)


def _ceil(x: np.ndarray) -> np.ndarray:
    return np.ceil(x - _EPS * np.maximum(1.0, np.abs(x))).astype(np.int64)


@dataclass
class Requirement:
    calls: np.ndarray  # contacts per interval (input, flattened)
    traffic: np.ndarray  # Erlangs
    agents: np.ndarray  # productive agents needed
    scheduled_fte: np.ndarray  # agents / (1 − shrinkage), exact
    scheduled_headcount: np.ndarray  # rounded up per interval


def required(calls: np.ndarray, s: Settings) -> Requirement:
    """Agents and scheduled FTE for each interval's expected contacts."""
    calls = np.asarray(calls, dtype=float)
    shape = calls.shape
    flat = calls.reshape(-1)
    if not np.all(np.isfinite(flat)) or (flat < 0).any():
        raise erlang.StaffingInputError("calls must be finite and zero or more")
    traffic = flat * s.aht_seconds / s.interval_seconds
    if s.model == "erlang_a":
        agents = _erlang_a_agents(flat, s)
    else:
        k = int(s.concurrency) if s.model == "chat" else 1
        slots, _ = _erlang_c_scan(traffic, s.aht_seconds, s.target_seconds, s.service_level, None)
        by_sl = _ceil(slots / k) if k > 1 else slots
        by_occ = np.where(traffic > 0, _ceil(traffic / s.max_occupancy / k), 0)
        agents = np.maximum(by_sl, by_occ)
    fte = agents / (1 - s.shrinkage)
    return Requirement(flat.reshape(shape), traffic.reshape(shape), agents.reshape(shape), fte.reshape(shape),
                       _ceil(fte).reshape(shape))


def _erlang_a_agents(calls: np.ndarray, s: Settings) -> np.ndarray:
    cache: dict[float, int] = {}
    out = np.zeros(calls.shape[0], dtype=np.int64)
    for i, c in enumerate(np.round(calls, 2)):
        if c not in cache:
            w = erlang.Workload(float(c), s.interval_seconds, s.aht_seconds)
            cache[c] = erlang.required_agents_erlang_a(
                w, target_seconds=s.target_seconds, patience_seconds=float(s.patience_seconds),
                target_service_level=s.service_level, max_occupancy=s.max_occupancy).agents
        out[i] = cache[c]
    return out


def service_level_with(calls: np.ndarray, scheduled: np.ndarray, s: Settings) -> np.ndarray:
    """Service level each interval would reach with `scheduled` people rostered (productive
    agents = ⌊scheduled × (1 − shrinkage)⌋). Erlang C (chat: slots); for Erlang A this is the
    Erlang C figure, a lower bound, since callers who hang up free the queue."""
    calls = np.asarray(calls, dtype=float).reshape(-1)
    scheduled = np.asarray(scheduled, dtype=float).reshape(-1)
    k = int(s.concurrency) if s.model == "chat" else 1
    productive = np.floor(scheduled * (1 - s.shrinkage) + _EPS).astype(np.int64) * k
    traffic = calls * s.aht_seconds / s.interval_seconds
    _, sl = _erlang_c_scan(traffic, s.aht_seconds, s.target_seconds, None, productive)
    return sl


def period_service_level(calls: np.ndarray, sl: np.ndarray) -> float | None:
    """Contact-weighted service level over intervals."""
    calls = np.asarray(calls, dtype=float).reshape(-1)
    total = calls.sum()
    return float((calls * np.asarray(sl).reshape(-1)).sum() / total) if total > 0 else None


# --------------------------------------------------------------------------- totals


@dataclass(frozen=True)
class Totals:
    contacts: float
    agent_hours: float  # productive agent-hours
    scheduled_hours: float  # rostered hours (after shrinkage)
    peak_agents: int
    peak_scheduled: int
    fte: float  # full-time equivalents over the period: scheduled hours ÷ paid hours per FTE

    def as_dict(self) -> dict:
        return {"contacts": round(self.contacts, 1), "agent_hours": round(self.agent_hours, 1),
                "scheduled_hours": round(self.scheduled_hours, 1), "peak_agents": self.peak_agents,
                "peak_scheduled": self.peak_scheduled, "fte": round(self.fte, 2)}


def totals(req: Requirement, s: Settings, days: int) -> Totals:
    hours = s.interval_seconds / 3600
    agent_hours = float(req.agents.sum() * hours)
    scheduled_hours = float(req.scheduled_fte.sum() * hours)
    paid = s.hours_per_fte_week * days / 7
    return Totals(float(req.calls.sum()), agent_hours, scheduled_hours, int(req.agents.max(initial=0)),
                  int(req.scheduled_headcount.max(initial=0)), scheduled_hours / paid if paid else 0.0)


# --------------------------------------------------------------------------- scenarios


@dataclass(frozen=True)
class Scenario:
    key: str
    label: str
    volume_factor: float = 1.0
    aht_factor: float = 1.0
    shrinkage: float | None = None


DEFAULT_SCENARIOS = (
    Scenario("base", "Forecast as is"),
    Scenario("volume_plus_20", "Volume +20%", volume_factor=1.2),
    Scenario("volume_plus_40", "Volume +40% (peak season)", volume_factor=1.4),
    Scenario("aht_minus_10", "AHT −10%", aht_factor=0.9),
    Scenario("peak_and_faster", "Volume +40% and AHT −10%", volume_factor=1.4, aht_factor=0.9),
)


def scenario_settings(s: Settings, sc: Scenario) -> Settings:
    return replace(s, aht_seconds=s.aht_seconds * sc.aht_factor,
                   shrinkage=s.shrinkage if sc.shrinkage is None else sc.shrinkage)


def run_scenario(calls: np.ndarray, s: Settings, sc: Scenario, days: int) -> tuple[Requirement, Totals]:
    settings = scenario_settings(s, sc)
    req = required(np.asarray(calls, dtype=float) * sc.volume_factor, settings)
    return req, totals(req, settings, days)
