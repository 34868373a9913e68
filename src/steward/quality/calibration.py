"""Calibration statistics: several evaluators score the same contacts; how far do they agree?
Pure: no Django import.

Per criterion (over the contacts where at least two evaluators gave a non-N.A. answer):
  - agreement: the share of contacts on which every evaluator gave the same answer;
  - pairwise agreement: the share of evaluator pairs, over all contacts, that gave the same answer;
  - spread: the mean, over contacts, of the population standard deviation of the answers on the
    criterion's own scale (yes = 1, no = 0; 1–5 as given);
  - Krippendorff's alpha (the `krippendorff` package): nominal for yes/no (two categories, no
    order to exploit), ordinal for the 1–5 scale; N.A. counts as a missing value.
Overall: Krippendorff's alpha at the interval level on the evaluation scores (0–100).
Alpha is 1 for perfect agreement, 0 for agreement no better than chance; it is undefined (None)
when fewer than two values can be paired or every value is the same.

Consensus: the mean score of all evaluators on a contact. An evaluator's deviation on a contact
is their score minus that consensus; per session we report each evaluator's mean deviation
(bias: positive = more lenient than the group) and mean absolute deviation.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from steward.quality import scoring


def numeric(scale: str, answer: str | None) -> float | None:
    """An answer on a number line: yes 1, no 0, 1–5 as given; N.A. or no answer → None."""
    if not answer or answer == scoring.NA:
        return None
    if scale == scoring.YES_NO:
        return 1.0 if answer == scoring.YES else 0.0 if answer == scoring.NO else None
    try:
        return float(int(answer))
    except ValueError:
        return None


def alpha(matrix: list[list[float | None]], level: str) -> float | None:
    """Krippendorff's alpha of a coders × units matrix (None for a missing value)."""
    import krippendorff

    data = np.array([[np.nan if v is None else float(v) for v in row] for row in matrix], dtype=float)
    if data.ndim != 2 or data.shape[0] < 2:
        return None
    pairable = (~np.isnan(data)).sum(axis=0) >= 2
    values = data[:, pairable]
    values = values[~np.isnan(values)]
    if values.size < 2 or np.unique(values).size < 2:
        return None
    try:
        result = float(krippendorff.alpha(reliability_data=data, level_of_measurement=level))
    except (ValueError, ZeroDivisionError):
        return None
    return None if math.isnan(result) else result


@dataclass(frozen=True)
class CriterionAgreement:
    key: str
    label: str
    scale: str
    contacts: int  # contacts with at least two answers
    agreement: float | None
    pairwise: float | None
    spread: float | None
    alpha: float | None


def criterion_agreement(key: str, label: str, scale: str, answers: dict[object, dict[object, str]]) -> CriterionAgreement:
    """answers: {contact: {evaluator: answer}} for one criterion."""
    evaluators = sorted({e for per in answers.values() for e in per}, key=str)
    contacts = sorted(answers, key=str)
    all_same, pairs_same, pairs, spreads = 0, 0, 0, []
    counted = 0
    for contact in contacts:
        values = [numeric(scale, a) for a in answers[contact].values()]
        values = [v for v in values if v is not None]
        if len(values) < 2:
            continue
        counted += 1
        all_same += len(set(values)) == 1
        for a, b in combinations(values, 2):
            pairs += 1
            pairs_same += a == b
        spreads.append(statistics.pstdev(values))
    matrix = [[numeric(scale, answers[c].get(e)) for c in contacts] for e in evaluators]
    level = "nominal" if scale == scoring.YES_NO else "ordinal"
    return CriterionAgreement(
        key=key, label=label, scale=scale, contacts=counted,
        agreement=all_same / counted if counted else None,
        pairwise=pairs_same / pairs if pairs else None,
        spread=statistics.fmean(spreads) if spreads else None,
        alpha=alpha(matrix, level) if counted else None,
    )


def score_alpha(scores: dict[object, dict[object, float]]) -> float | None:
    """Interval alpha of the evaluation scores: {contact: {evaluator: score}}."""
    evaluators = sorted({e for per in scores.values() for e in per}, key=str)
    contacts = sorted(scores, key=str)
    return alpha([[scores[c].get(e) for c in contacts] for e in evaluators], "interval")


@dataclass(frozen=True)
class Deviation:
    evaluator: object
    contacts: int
    bias: float  # mean (score − consensus)
    mean_absolute: float


def deviations(scores: dict[object, dict[object, float]]) -> list[Deviation]:
    """Each evaluator's deviation from the per-contact consensus (mean of all evaluators'
    scores), over the contacts at least two evaluators scored."""
    per: dict[object, list[float]] = {}
    for by_evaluator in scores.values():
        if len(by_evaluator) < 2:
            continue
        consensus = statistics.fmean(by_evaluator.values())
        for evaluator, value in by_evaluator.items():
            per.setdefault(evaluator, []).append(value - consensus)
    return [Deviation(evaluator=e, contacts=len(d), bias=statistics.fmean(d),
                      mean_absolute=statistics.fmean(abs(x) for x in d))
            for e, d in sorted(per.items(), key=lambda item: str(item[0]))]
