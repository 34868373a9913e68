"""QA figures per group (vendor, agent): mean score with its t interval, pass rate with its
Wilson interval, and the warning from sampling.py when a figure rests on too few evaluations.
Pure: no Django import."""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from decimal import Decimal

from steward.quality import sampling

SCORE_MARGIN = 10.0  # tolerated ± score points on a mean score (DESIGN: ±10 points at 95 %)
RATE_MARGIN = 0.10  # tolerated ± on a pass rate


@dataclass(frozen=True)
class GroupFigures:
    key: str
    evaluations: int
    mean: float
    mean_margin: float  # ± at 95 % (t); inf for a single evaluation
    passed: int
    pass_rate: float
    pass_margin: float  # ± at 95 % (Wilson)
    mean_warning: sampling.EvaluationsWarning | None
    rate_warning: sampling.EvaluationsWarning | None

    @property
    def too_few(self) -> bool:
        return self.mean_warning is not None or self.rate_warning is not None

    @property
    def needed(self) -> int:
        return max(w.needed for w in (self.mean_warning, self.rate_warning) if w is not None) if self.too_few else 0


def figures(key: str, scores: list[Decimal], passes: list[bool]) -> GroupFigures:
    """Scores of submitted evaluations (0–100) and whether each passed; at least one."""
    n = len(scores)
    values = [float(s) for s in scores]
    mean = statistics.fmean(values)
    sd = statistics.stdev(values) if n > 1 else 0.0
    passed = sum(1 for p in passes if p)
    rate = passed / n
    mean_margin = sampling.t_half_width(evaluations=n, sd=sd) if n > 1 else math.inf
    return GroupFigures(
        key=key, evaluations=n, mean=mean, mean_margin=mean_margin, passed=passed, pass_rate=rate,
        pass_margin=sampling.wilson_half_width(evaluations=n, proportion=rate),
        # One evaluation has no spread to estimate (its mean interval is infinite, shown as such);
        # its pass-rate interval (Wilson, ≥ ±0.39 at n = 1) flags it as too few in any case.
        mean_warning=(sampling.evaluations_warning(evaluations=n, sd=sd, tolerated_margin=SCORE_MARGIN)
                      if n > 1 else None),
        rate_warning=sampling.evaluations_warning(evaluations=n, proportion=rate, tolerated_margin=RATE_MARGIN),
    )
