"""An invoice draft for one contract period: the pricing's charge lines, adjustments, SLA
credits (capped at the at-risk pool) and bonuses → explained lines and totals. Pure: no Django.

Rules (docs/contracts.md states them for users):

* Every amount is rounded by the contract's stated rule (``pricing.Rounding``: half up, half
  even, up or down; to 0.01 or to a whole unit), line by line; no total is ever rounded
  again: every total is the exact sum of its rounded lines.
* fees = the period's pricing charge (usage lines plus any minimum-commitment top-up), each
  component rounded by the rule (see pricing);
* each adjustment is rounded by the rule; one-off adjustments (extra training fees,
  compensation, other costs) are not fees at risk;
* the at-risk pool = fees × at_risk_percent / 100 rounded DOWN to the unit whatever the rule
  (the pool is a ceiling: rounded down, credits can never exceed the contract's share);
* each credit claim is the term's share of that pool (allocation × tier), exact until it is
  rounded, once, by the rule; claims are applied in full while their sum fits
  the pool; beyond it they are scaled down in proportion so that together they equal the
  pool exactly (largest remainder, in whole rounding units);
* each bonus is the fee × the term's bonus percentage, exact until it is rounded, once, by the
  rule;
* total = fees + adjustments − credits + bonuses = the sum of the invoice's lines. Every
  amount is a Decimal with two places (a multiple of the unit).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from .pricing import HALF_UP_CENT, PeriodCharge, Rounding, RoundingMode

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money(x: Decimal, rounding: Rounding = HALF_UP_CENT) -> Decimal:
    return rounding.round(x)


@dataclass(frozen=True)
class SlaAmount:
    """A credit or bonus from the SLA evaluation: which term, which rule, how much (≥ 0,
    exact: the invoice rounds it once, by the contract's rule)."""

    term: str
    rule: str
    amount: Decimal | Fraction


def at_risk_pool(fees: Decimal, at_risk_percent: Decimal, rounding: Rounding = HALF_UP_CENT) -> Decimal:
    """The pool is a ceiling: fees × at_risk_percent / 100 rounded down to the unit whatever
    the rule, so credits can never exceed the contract's share."""
    return rounding.round(Fraction(fees) * Fraction(at_risk_percent) / 100, RoundingMode.DOWN)


@dataclass(frozen=True)
class Adjustment:
    """A one-off amount: positive for a charge (extra training fee), negative for a refund."""

    label: str
    amount: Decimal


@dataclass(frozen=True)
class InvoiceLine:
    kind: str  # charge, adjustment, credit, bonus
    label: str
    explanation: str
    amount: Decimal  # signed as it counts toward the total


@dataclass(frozen=True)
class InvoiceDraft:
    lines: tuple[InvoiceLine, ...]
    fees: Decimal
    adjustments: Decimal
    at_risk_pool: Decimal
    credits_claimed: Decimal
    credits: Decimal  # applied, never above the pool
    credits_capped: bool
    bonuses: Decimal
    total: Decimal


def _scale_to(pool: Decimal, claims: list[Decimal], rounding: Rounding) -> list[Decimal]:
    """Scale claims down so they add up to `pool` exactly, in proportion to each claim, in
    whole rounding units."""
    claimed = sum(claims, ZERO)
    exact = [Fraction(c) * Fraction(pool) / Fraction(claimed) for c in claims]
    return rounding.allocate(pool, exact)


def draft_invoice(*, charge: PeriodCharge, at_risk_percent: Decimal, credits: Sequence[SlaAmount] = (),
                  bonuses: Sequence[SlaAmount] = (), adjustments: Sequence[Adjustment] = (),
                  charge_labels: dict[str, str] | None = None, rounding: Rounding = HALF_UP_CENT) -> InvoiceDraft:
    if not Decimal(0) <= at_risk_percent <= 100:
        raise ValueError("at_risk_percent must be between 0 and 100")
    for item in (*credits, *bonuses):
        if item.amount < 0:
            raise ValueError(f"{item.term}: credits and bonuses are amounts of 0 or more")
    labels = charge_labels or {}
    lines: list[InvoiceLine] = []
    for line in charge.lines:
        label = labels.get(line.component.value, line.component.value)
        # Dates as a reader counts them: the first and the last day, both inclusive.
        last = (line.end - dt.timedelta(days=1)).isoformat()
        rate = f"{line.rate.normalize():f}"
        if line.month_fraction is not None:
            explanation = (f"{rate} × {line.quantity.normalize():f} × {line.month_fraction} month "
                           f"({line.start.isoformat()} – {last}, {line.days} days)")
        elif line.component.value == "minimum_month":
            explanation = f"minimum commitment {line.rate} − usage {charge.usage_total}"
        else:
            explanation = f"{rate} × {line.quantity.normalize():f} ({line.start.isoformat()} – {last})"
        lines.append(InvoiceLine("charge", label, explanation, line.amount))
    fees = charge.total

    adjustments_total = ZERO
    for adj in adjustments:
        amount = rounding.round(adj.amount)
        adjustments_total += amount
        lines.append(InvoiceLine("adjustment", adj.label, "", amount))

    pool = at_risk_pool(fees, at_risk_percent, rounding)
    claims = [rounding.round(c.amount) for c in credits]
    claimed = sum(claims, ZERO)
    capped = claimed > pool
    applied = _scale_to(pool, claims, rounding) if capped and claimed > 0 else claims
    for credit, amount, claim in zip(credits, applied, claims):
        explanation = credit.rule
        if capped:
            explanation += f" (claimed {claim}, scaled to the at-risk pool {pool})"
        lines.append(InvoiceLine("credit", credit.term, explanation, -amount))
    credits_total = sum(applied, ZERO)

    bonus_total = ZERO
    for bonus in bonuses:
        amount = rounding.round(bonus.amount)
        bonus_total += amount
        lines.append(InvoiceLine("bonus", bonus.term, bonus.rule, amount))

    total = fees + adjustments_total - credits_total + bonus_total
    assert total == sum((line.amount for line in lines), ZERO)  # the total is the sum of the lines
    return InvoiceDraft(tuple(lines), fees, adjustments_total, pool, claimed, credits_total, capped, bonus_total,
                        total)


def split(amount: Decimal, weights: Sequence[int | Decimal], unit: Decimal = CENT) -> list[Decimal]:
    """Share `amount` (a multiple of `unit`: 0.01, or 1 for a currency without cents) among
    parts in proportion to `weights`, so that the parts are multiples of the unit and add up to
    `amount` exactly (largest remainder): each part's exact share is rounded toward zero to
    the unit, and the units left over go one each to the parts with the largest remainders,
    ties to the earlier part. A negative amount is shared like its opposite, negated, so a
    credit note's parts mirror its invoice's. All-zero weights share evenly."""
    if not weights:
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights cannot be negative")
    in_units = Fraction(abs(amount)) / Fraction(unit)
    if in_units.denominator != 1:
        raise ValueError(f"{amount} is not a multiple of {unit}")
    if sum(weights) == 0:
        weights = [1] * len(weights)
    total_weight = sum((Fraction(w) for w in weights), Fraction(0))
    exact = [in_units * Fraction(w) / total_weight for w in weights]
    parts = [e.numerator // e.denominator for e in exact]
    left = int(in_units) - sum(parts)
    for i in sorted(range(len(exact)), key=lambda i: (-(exact[i] - parts[i]), i))[:left]:
        parts[i] += 1
    sign = -1 if amount < 0 else 1
    return [(Decimal(sign * n) * unit).quantize(CENT) for n in parts]
