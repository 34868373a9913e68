"""Geometry of the forecast chart (history, forecast and its band) for inline SVG. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence


def forecast_chart(history_days: Sequence[dt.date], history: Sequence[float], days: Sequence[dt.date],
                   mean: Sequence[float], low: Sequence[float], high: Sequence[float], *,
                   width: int = 720, height: int = 220, pad: int = 36, history_shown: int = 56) -> dict:
    """Points for the last `history_shown` days of history, the forecast line and the band
    polygon, on one daily x axis, y from 0 to the largest value."""
    hd = list(history_days)[-history_shown:]
    hv = [float(x) for x in list(history)[-history_shown:]]
    all_days = hd + list(days)
    n = len(all_days)
    top = max([*hv, *map(float, high), 1.0]) * 1.05

    def x(i: int) -> float:
        return pad + (width - 2 * pad) * (i / max(n - 1, 1))

    def y(v: float) -> float:
        return height - pad - (height - 2 * pad) * (v / top)

    off = len(hd)
    band = [f"{x(off + i):.1f},{y(h):.1f}" for i, h in enumerate(high)]
    band += [f"{x(off + i):.1f},{y(lo):.1f}" for i, lo in reversed(list(enumerate(low)))]
    ticks = [{"y": round(y(v), 1), "label": f"{v:.0f}"} for v in (0, top / 2, top / 1.05)]
    return {
        "width": width, "height": height, "pad": pad, "x_end": width - pad,
        "history": " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(hv)),
        "forecast": " ".join(f"{x(off + i):.1f},{y(float(v)):.1f}" for i, v in enumerate(mean)),
        "band": " ".join(band),
        "split_x": round(x(off) if days else x(n - 1), 1),
        "ticks": ticks,
        "first": all_days[0] if all_days else None, "last": all_days[-1] if all_days else None,
        "top": top,
    }
