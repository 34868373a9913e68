"""The monthly vendor score from its components. Pure (no Django).

Each component is a score from 0 to 100 with the numbers behind it, or "no data". The total is
the weighted mean of the components that have data:

    total = Σ wᵢ·sᵢ / Σ wᵢ   (over components with data and weight > 0)

and each component's *contribution* is wᵢ·sᵢ / Σ wᵢ, so the contributions add up to the total
exactly. Everything is Decimal; the total is rounded half up to 0.01 and the contributions are
rounded so that they still add up to it (largest remainder).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

COMPONENTS = ("sla", "qa", "csat", "capa", "compliance")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)


@dataclass(frozen=True)
class Component:
    key: str
    score: Decimal | None  # 0–100, None = no data this month
    numerator: Decimal | int | None = None  # e.g. terms met, top-box answers
    denominator: Decimal | int | None = None  # e.g. terms judged, answers
    detail: str = ""  # how the score was reached, in words
    rows: tuple[dict, ...] = ()  # the items behind it (drill-down)


@dataclass(frozen=True)
class Part:
    component: Component
    weight: Decimal
    contribution: Decimal  # points of the total


@dataclass(frozen=True)
class Score:
    total: Decimal | None
    parts: tuple[Part, ...]
    weight_used: Decimal
    missing: tuple[str, ...] = field(default_factory=tuple)  # components without data


def ratio_score(numerator, denominator) -> Decimal | None:
    """100 · numerator / denominator, or None when there is nothing to judge."""
    if not denominator:
        return None
    return (HUNDRED * Decimal(numerator) / Decimal(denominator)).quantize(Decimal("0.0001"), ROUND_HALF_UP)


def _allocate(total: Decimal, exact: Sequence[Decimal]) -> list[Decimal]:
    floors = [x.quantize(CENT, ROUND_FLOOR) for x in exact]
    left = int(((total - sum(floors, Decimal(0))) / CENT).to_integral_value())
    order = sorted(range(len(exact)), key=lambda i: exact[i] - floors[i], reverse=True)
    for i in order[:max(left, 0)]:
        floors[i] += CENT
    return floors


def combine(components: Sequence[Component], weights: Mapping[str, Decimal]) -> Score:
    for key, w in weights.items():
        if w < 0:
            raise ValueError(f"weight of {key} is negative")
    scored = [c for c in components if c.score is not None and weights.get(c.key, Decimal(0)) > 0]
    weight_used = sum((Decimal(weights[c.key]) for c in scored), Decimal(0))
    missing = tuple(c.key for c in components if c.score is None)
    if not weight_used:
        parts = tuple(Part(c, Decimal(weights.get(c.key, 0)), Decimal("0.00")) for c in components)
        return Score(None, parts, Decimal(0), missing)
    exact = {c.key: Decimal(weights[c.key]) * c.score / weight_used for c in scored}
    total = sum(exact.values(), Decimal(0)).quantize(CENT, ROUND_HALF_UP)
    rounded = dict(zip(exact, _allocate(total, list(exact.values())), strict=True))
    parts = tuple(Part(c, Decimal(weights.get(c.key, 0)), rounded.get(c.key, Decimal("0.00"))) for c in components)
    return Score(total, parts, weight_used, missing)


def rank(totals: Mapping[str, Decimal | None]) -> dict[str, int | None]:
    """Competition ranking (1, 2, 2, 4) by total, highest first; no total, no rank."""
    ordered = sorted((t for t in totals.values() if t is not None), reverse=True)
    return {k: (ordered.index(t) + 1 if t is not None else None) for k, t in totals.items()}
