"""Forecasts for 3 projects with a year of half-hourly history each: the model of
workforce/forecasting.py (two quasi-Poisson fits per project — hold-out and final — plus the
intraday profile) against the naive approach (same weekday last week). Prints times, the
time ratio and the hold-out accuracy of both. Target: < 10 s. Pure computation: the history
is generated, not read from a database; the one-off import of statsmodels/scipy is timed apart."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np

PROJECTS = 3
DAYS = 365
HORIZON = 28
TARGET_SECONDS = 10.0


def _history(seed: int):
    rng = np.random.default_rng(seed)
    start = dt.date(2025, 1, 1)
    days = [start + dt.timedelta(days=i) for i in range(DAYS)]
    shape = np.clip(np.sin((np.arange(48) - 16) / 32 * np.pi), 0, None)
    shape /= shape.sum()
    holidays = frozenset(d for d in days if (d.month, d.day) in {(1, 1), (5, 1), (5, 2), (10, 1), (10, 2), (10, 3)})
    promos = [(dt.date(2025, 6, 16), dt.date(2025, 6, 18)), (dt.date(2025, 11, 10), dt.date(2025, 11, 11)),
              (dt.date(2025, 12, 12), dt.date(2025, 12, 12))]  # the last one falls in the hold-out
    base = 800 + 400 * seed
    lam = []
    for d in days:
        v = base * (0.6 if d.weekday() >= 5 else 1.0) * (1 + 0.1 * np.sin(2 * np.pi * d.timetuple().tm_yday / 365))
        v *= 0.35 if d in holidays else 1.0
        v *= 2.0 if any(a <= d <= b for a, b in promos) else 1.0
        lam.append(v)
    return days, rng.poisson(np.array(lam)[:, None] * shape[None, :]), holidays, promos


def main(rows: int | None = None) -> None:  # noqa: ARG001
    started = time.perf_counter()
    from steward.workforce import forecasting as f
    from statsmodels.genmod.generalized_linear_model import GLM  # noqa: F401 - timed import

    import_s = time.perf_counter() - started
    data = [_history(k) for k in range(PROJECTS)]
    ours = naive = 0.0
    lines = []
    for k, (days, y, holidays, promos) in enumerate(data):
        events = [f.Event(f"promo{i}", a, b) for i, (a, b) in enumerate(promos)]
        horizon = [days[-1] + dt.timedelta(days=i + 1) for i in range(HORIZON)]
        t = time.perf_counter()
        fc = f.forecast(days, y, horizon, calendar=f.Calendar(holidays), events=events)
        ours += time.perf_counter() - t
        t = time.perf_counter()
        daily = y.sum(axis=1)
        profile = y[-56:].sum(axis=0) / y[-56:].sum()
        _naive = np.array([daily[-7 + i % 7] for i in range(HORIZON)])[:, None] * profile[None, :]
        naive += time.perf_counter() - t
        a = fc.accuracy
        lines.append(f"  project {k + 1}: hold-out {a.holdout_days} days  MAPE {a.mape * 100:5.1f}%  bias "
                     f"{a.bias * 100:+5.1f}%   naive MAPE {a.naive_mape * 100:5.1f}%  bias {a.naive_bias * 100:+5.1f}%")
    print(f"forecast: {PROJECTS} projects × {DAYS} days × 48 half-hours, horizon {HORIZON} days")
    print(f"  one-off import of statsmodels/scipy {import_s:8.2f} s")
    print(f"  model (fits, band, profile)         {ours:8.2f} s   target < {TARGET_SECONDS:.0f} s: "
          f"{'met' if ours < TARGET_SECONDS else 'MISSED'} (a new process also pays the import: {ours + import_s:.2f} s)")
    print(f"  naive (same weekday last week)      {naive * 1000:8.2f} ms   ratio model ÷ naive {ours / naive:,.0f}×")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
