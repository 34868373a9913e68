"""A candidate contract's expected cost for a forecast month: its price for the volumes, and
the SLA credits (and bonuses) it would likely cost at the vendor's recent performance. Pure:
no Django import.

Rules (docs/contracts.md states them for users):

* base price = the contract's pricing for the month's volumes (``pricing.period_charge``,
  under the contract's rounding rule), including any minimum-commitment top-up;
* the at-risk pool = base × at_risk_percent / 100, rounded down to the rounding unit (as on
  invoices);
* the contract's SLA policy is evaluated over each of the vendor's recent complete months
  (default three) with the SLA engine, on the same base price; a month in which no term has
  data does not count;
* expected credit share = the mean, over the counted months, of credit ÷ that month's pool
  (0 when no month counts); expected credit = share × this pool, rounded by the contract's
  rule and never above the pool;
* expected bonus share = the mean of bonus ÷ fee over the same months; expected bonus =
  share × base, rounded by the rule;
* expected net cost = base − expected credit + expected bonus; cost per handled contact =
  net ÷ handled contacts, half up to 0.01 (a statistic, not a billed amount).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from .pricing import Rounding, RoundingMode

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class MonthPerformance:
    """One recent month of the SLA evaluated on the base price."""

    month: dt.date
    fee: Decimal
    pool: Decimal
    credit: Decimal
    bonus: Decimal
    missed: tuple[str, ...] = ()  # "term: value against target → credit" for each missed term
    has_data: bool = True


@dataclass(frozen=True)
class CreditEstimate:
    months: tuple[MonthPerformance, ...]  # every month looked at, oldest first
    used: tuple[MonthPerformance, ...]  # the months with data
    pool: Decimal
    credit_share: Fraction  # of the pool
    bonus_share: Fraction  # of the fee
    credit: Decimal
    bonus: Decimal

    @property
    def credit_percent(self) -> Decimal:
        return _percent(self.credit_share)


def _percent(share: Fraction) -> Decimal:
    return (Decimal(share.numerator) / Decimal(share.denominator) * 100).quantize(Decimal("0.1"),
                                                                                  rounding=ROUND_HALF_UP)


def at_risk_pool(base: Decimal, at_risk_percent: Decimal, rounding: Rounding) -> Decimal:
    return rounding.round(Fraction(base) * Fraction(at_risk_percent) / 100, RoundingMode.DOWN)


def expected_credit(*, base: Decimal, at_risk_percent: Decimal, months: Sequence[MonthPerformance],
                    rounding: Rounding) -> CreditEstimate:
    pool = at_risk_pool(base, at_risk_percent, rounding)
    used = tuple(m for m in months if m.has_data)
    credit_shares = [Fraction(m.credit) / Fraction(m.pool) for m in used if m.pool > 0]
    bonus_shares = [Fraction(m.bonus) / Fraction(m.fee) for m in used if m.fee > 0]
    credit_share = sum(credit_shares, Fraction(0)) / len(credit_shares) if credit_shares else Fraction(0)
    bonus_share = sum(bonus_shares, Fraction(0)) / len(bonus_shares) if bonus_shares else Fraction(0)
    credit = min(rounding.round(credit_share * Fraction(pool)), pool)
    bonus = rounding.round(bonus_share * Fraction(base))
    return CreditEstimate(tuple(months), used, pool, credit_share, bonus_share, credit, bonus)


@dataclass(frozen=True)
class Candidate:
    """One candidate's priced month."""

    key: str
    base: Decimal | None  # None: it cannot be priced (error says why)
    usage_total: Decimal = ZERO
    minimum: Decimal = ZERO
    top_up: Decimal = ZERO
    estimate: CreditEstimate | None = None
    handled: int = 0
    error: str = ""
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def credit(self) -> Decimal:
        return self.estimate.credit if self.estimate else ZERO

    @property
    def bonus(self) -> Decimal:
        return self.estimate.bonus if self.estimate else ZERO

    @property
    def net(self) -> Decimal | None:
        return None if self.base is None else self.base - self.credit + self.bonus

    @property
    def per_contact(self) -> Decimal | None:
        if self.net is None or not self.handled:
            return None
        return (self.net / self.handled).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def ranked(candidates: Sequence[Candidate]) -> list[Candidate]:
    """Cheapest expected net cost first; those that cannot be priced last."""
    return sorted(candidates, key=lambda c: (c.net is None, c.net if c.net is not None else 0, c.key))
