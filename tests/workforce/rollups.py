"""Synthetic contact history as rollups (what an import would leave), for forecasts in tests."""

import datetime as dt
import zoneinfo

import numpy as np

from steward.interactions import store
from steward.interactions.models import Rollup, RollupBucket

# Local half-hours 08:00–21:00 carry traffic, with a midday and an afternoon peak.
SHAPE = np.array([0] * 16 + [2, 4, 6, 8, 9, 9, 8, 6, 7, 9, 10, 10, 9, 8, 7, 6, 5, 4, 4, 5, 4, 3, 2, 1, 1, 0]
                 + [0] * 6, dtype=float)
SHAPE = SHAPE / SHAPE.sum()


def daily_volume(day: dt.date, base: float, promo: set[dt.date] = frozenset(), holidays=frozenset()) -> float:
    v = base * (0.6 if day.weekday() >= 5 else 1.0)
    if day in holidays:
        v *= 0.4
    if day in promo:
        v *= 2.0
    return v


def load(project, vendor, *, end: dt.date, days: int, base: float = 400, seed: int = 1, promo=frozenset(),
         holidays=frozenset(), aht: int = 240, agents_per_interval: int = 3, queue: str = "order",
         wait_seconds: int | None = None) -> int:
    """Rollups for `days` local days ending on `end`: Poisson counts per half-hour; each
    interval's contacts are spread over `agents_per_interval` agent codes."""
    rng = np.random.default_rng(seed)
    tz = zoneinfo.ZoneInfo(project.time_zone)
    rows = []
    for i in range(days):
        day = end - dt.timedelta(days=days - 1 - i)
        counts = rng.poisson(daily_volume(day, base, promo, holidays) * SHAPE)
        midnight = dt.datetime.combine(day, dt.time(), tz)
        for slot, n in enumerate(counts):
            if not n:
                continue
            start = (midnight + dt.timedelta(minutes=30 * slot)).astimezone(dt.UTC)
            shares = np.bincount(rng.integers(0, agents_per_interval, int(n)), minlength=agents_per_interval)
            for k, m in enumerate(shares):
                if not m:
                    continue
                rows.append(Rollup(project=project, vendor=vendor, queue=queue, channel="voice", direction="inbound",
                                   priority="normal", agent_code=f"{vendor.code[:3].upper()}-{k:02d}",
                                   interval_start=start, offered=int(m), answered=int(m), handle_sum=int(m) * aht,
                                   outcome_resolved=int(m), csat_5=int(m) // 3, csat_2=int(m) // 8,
                                   surveyed=int(m) // 3 + int(m) // 8))
    Rollup.objects.bulk_create(rows, batch_size=2000)
    if wait_seconds is not None:  # every answered contact waited exactly this long
        RollupBucket.objects.bulk_create(
            [RollupBucket(rollup=r, kind=RollupBucket.Kind.WAIT_ANSWERED, value=wait_seconds, count=r.answered)
             for r in rows], batch_size=2000)
    store.refresh_interval_rollups(project.pk)  # the coarse rollup the metric engine reads
    return len(rows)
