"""Staffing for a year of 30-minute intervals (17,520): the vectorised plan
(workforce/staffing.py: Erlang C voice, chat with concurrency, and the service level a
committed headcount reaches) against the naive approach, a per-interval search with
erlang.required_agents (timed on a sample and scaled up, stated as such). Target: < 1 s.
Pure computation: no database."""

from __future__ import annotations

import time

import numpy as np

INTERVALS = 365 * 48
NAIVE_SAMPLE = 2_000
TARGET_SECONDS = 1.0


def _calls() -> np.ndarray:
    rng = np.random.default_rng(20)
    slot = np.tile(np.arange(48), 365)
    shape = np.clip(np.sin((slot - 16) / 32 * np.pi), 0, None)  # day shape, nothing at night
    return rng.poisson(120 * shape).astype(float)


def main(rows: int | None = None) -> None:  # noqa: ARG001 - the entry point passes --rows to every benchmark
    from steward.workforce import erlang, staffing

    calls = _calls()
    voice = staffing.Settings(aht_seconds=280, target_seconds=20, service_level=0.8, max_occupancy=0.85, shrinkage=0.3)
    chat = staffing.Settings(model="chat", aht_seconds=600, target_seconds=30, service_level=0.8, concurrency=3,
                             max_occupancy=0.85, shrinkage=0.3)
    staffing.required(calls[:10], voice)  # warm-up (imports)

    started = time.perf_counter()
    req = staffing.required(calls, voice)
    voice_s = time.perf_counter() - started
    started = time.perf_counter()
    staffing.required(calls, chat)
    chat_s = time.perf_counter() - started
    started = time.perf_counter()
    staffing.service_level_with(calls, req.scheduled_headcount - 1, voice)
    sl_s = time.perf_counter() - started
    ours = voice_s + chat_s + sl_s

    sample = calls[:NAIVE_SAMPLE]
    started = time.perf_counter()
    mismatches = 0
    for c, a in zip(sample, req.agents[:NAIVE_SAMPLE], strict=True):
        n = erlang.required_agents(erlang.Workload(float(c), 1800, 280), target_seconds=20, target_service_level=0.8,
                                   max_occupancy=0.85, shrinkage=0.3).agents
        mismatches += n != a
    naive_voice = (time.perf_counter() - started) * INTERVALS / NAIVE_SAMPLE

    print(f"staffing: {INTERVALS:,} half-hour intervals (a year)")
    print(f"  voice Erlang C, vectorised         {voice_s * 1000:8.1f} ms")
    print(f"  chat (3 concurrent), vectorised     {chat_s * 1000:8.1f} ms")
    print(f"  SL with a given headcount           {sl_s * 1000:8.1f} ms")
    print(f"  total                               {ours * 1000:8.1f} ms   target < {TARGET_SECONDS:.0f} s: "
          f"{'met' if ours < TARGET_SECONDS else 'MISSED'}")
    print(f"  naive per-interval search (voice)   {naive_voice:8.1f} s   (timed on {NAIVE_SAMPLE:,}, scaled)")
    print(f"  ratio naive ÷ vectorised (voice)    {naive_voice / voice_s:8.0f}×   "
          f"same agents on the sample: {NAIVE_SAMPLE - mismatches:,}/{NAIVE_SAMPLE:,}")


if __name__ == "__main__":
    main()
