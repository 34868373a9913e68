"""Will a window that is not over yet meet its target? Pure arithmetic (no Django).

An alert rule's day or month window is judged while it runs. With the value so far (x of n for a
share), the volume still expected before the window ends (``remaining``: the window's pace so
far, contacts per second × the seconds left — a linear forecast) and the recent trend (the share
over the last two hours):

* ``breach``  — the window is over and misses (``window_over``);
* ``at_risk`` — it is not over and: even if every contact still expected succeeded (failed, for
  a lower-is-better share) the final value would miss (``cannot_reach`` — the expected volume
  is a forecast at the pace so far, not a bound: a busy afternoon can still save the day, so
  this is never called a breach before the window ends); or the value so far misses
  (``so_far_misses``); or it meets so far and the remaining volume at the recent trend's rate
  would end below the target (``trend_misses``);
* ``ok``      — otherwise.

Means (ASA, AHT) have no natural best case: they are ``breach`` when over and missing, else
``at_risk`` when the value so far misses. Worked example (tests/metrics/test_outlook.py): target
≥ 0.80 at 12:00 with 70/100 so far and 100 more expected by midnight: best (70 + 100)/200 = 0.85
→ at risk; with 300 more the best is 0.925; with only 10 more (70 + 10)/110 = 0.727 → at risk,
cannot reach.
80/100 so far but 6/10 in the last two hours: (80 + 100 · 0.6)/200 = 0.70 → at risk (trend).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class Outlook:
    status: str  # breach | at_risk | ok | no_data
    reason: str  # window_over | cannot_reach | so_far_misses | trend_misses | ""
    best: Fraction | None = None  # the best final value still reachable (shares)
    projected: Fraction | None = None  # the final value if the rest goes as the recent trend


def outlook(met, *, higher_is_better: bool, x, n: int, remaining: int, over: bool, share: bool = True,
            recent_x=None, recent_n: int | None = None) -> Outlook:
    """``met``: value → bool (the target's test, exact). ``x``/``n``: numerator and denominator so
    far (for a mean: Σ and n); ``remaining``: expected further denominator before the window ends."""
    if not n:
        return Outlook("no_data", "")
    now = Fraction(x) / n
    if over:
        return Outlook("ok", "") if met(now) else Outlook("breach", "window_over")
    if not share:
        return Outlook("ok", "") if met(now) else Outlook("at_risk", "so_far_misses")
    remaining = max(int(remaining), 0)
    best = (Fraction(x) + (remaining if higher_is_better else 0)) / (n + remaining)
    if not met(best):
        return Outlook("at_risk", "cannot_reach", best)
    projected = None
    if recent_n:
        projected = (Fraction(x) + remaining * Fraction(recent_x) / recent_n) / (n + remaining)
    if not met(now):
        return Outlook("at_risk", "so_far_misses", best, projected)
    if projected is not None and not met(projected):
        return Outlook("at_risk", "trend_misses", best, projected)
    return Outlook("ok", "", best, projected)
