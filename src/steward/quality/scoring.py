"""The score of one evaluation, from its answers. Pure: no Django import.

Rules (DESIGN.md, metric `qa_score`):
  - a yes/no criterion earns its whole weight for "yes" and nothing for "no";
  - a 1–5 criterion earns (answer − 1) ÷ 4 of its weight (1 → 0, 3 → half, 5 → all);
  - "N.A." leaves the criterion out of the denominator, so the other weights are renormalised;
  - an auto-fail criterion answered "no" scores the whole evaluation 0, whatever else was said;
  - the score is 100 × earned ÷ possible, rounded half up to two decimals;
  - with every criterion N.A. there is nothing to score: the score is None.

Decimal throughout, so the same answers always give the same figure on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

YES_NO = "yes_no"
ONE_TO_FIVE = "1-5"
SCALES = (YES_NO, ONE_TO_FIVE)

YES, NO, NA = "yes", "no", "na"
HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class CriterionSpec:
    key: str
    weight: Decimal
    scale: str = YES_NO
    auto_fail: bool = False
    na_allowed: bool = True


@dataclass(frozen=True)
class ScoreResult:
    score: Decimal | None  # None: nothing scorable (all N.A.)
    auto_failed: bool = False
    earned: Decimal = Decimal(0)
    possible: Decimal = Decimal(0)
    missing: tuple[str, ...] = ()  # criteria without an answer
    invalid: dict[str, str] = field(default_factory=dict)  # key -> the answer that is not allowed

    @property
    def complete(self) -> bool:
        return not self.missing and not self.invalid


def allowed_answers(spec: CriterionSpec) -> tuple[str, ...]:
    values = (YES, NO) if spec.scale == YES_NO else ("1", "2", "3", "4", "5")
    return values + ((NA,) if spec.na_allowed else ())


def fraction(spec: CriterionSpec, answer: str) -> Decimal | None:
    """Share of the criterion's weight earned by `answer`; None for N.A."""
    if answer == NA:
        return None
    if spec.scale == YES_NO:
        return Decimal(1) if answer == YES else Decimal(0)
    return (Decimal(int(answer)) - 1) / 4


def score(criteria: list[CriterionSpec], answers: dict[str, str]) -> ScoreResult:
    """Score the answers given so far. Missing or invalid answers count as not given (so a
    half-filled form previews the score of what is there) and are reported."""
    earned = possible = Decimal(0)
    missing, invalid, auto_failed = [], {}, False
    for spec in criteria:
        answer = (answers.get(spec.key) or "").strip().lower()
        if not answer:
            missing.append(spec.key)
            continue
        if answer not in allowed_answers(spec):
            invalid[spec.key] = answer
            continue
        if spec.auto_fail and answer == NO:
            auto_failed = True
        share = fraction(spec, answer)
        if share is None:
            continue
        weight = Decimal(spec.weight)
        earned += weight * share
        possible += weight
    if auto_failed:
        value: Decimal | None = Decimal("0.00")
    elif possible > 0:
        value = (HUNDRED * earned / possible).quantize(CENT, rounding=ROUND_HALF_UP)
    else:
        value = None
    return ScoreResult(score=value, auto_failed=auto_failed, earned=earned, possible=possible,
                       missing=tuple(missing), invalid=invalid)


def passed(value: Decimal | None, pass_mark: Decimal) -> bool | None:
    return None if value is None else value >= Decimal(pass_mark)
