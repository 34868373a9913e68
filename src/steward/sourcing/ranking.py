"""Tender arithmetic: comparable prices and the weighted ranking. Pure: no Django import.

Rules (docs/sourcing.md states them for users):

* Price normalisation. Every proposal is priced with contracts/pricing.py for one whole
  calendar month of the tender's stated volumes: handled contacts = the monthly volume summed
  over channels, billable minutes = contacts × the stated handle minutes, resolved tickets =
  contacts, FTE = the FTE the vendor proposes. Cost per contact = monthly cost ÷ contacts.
* Price score. The cheapest normalised proposal scores the top of the scale (5); another
  scores 5 × cheapest ÷ its own cost. It is the same for every evaluator (nobody scores price
  by hand), so it never adds spread.
* Weighted score of one evaluator for one vendor = Σ weight × score ÷ Σ weight over the
  criteria; so scaling every weight by the same factor changes nothing.
* A vendor's score = the mean over the evaluators who scored it; the spread is the minimum,
  maximum and population standard deviation of those evaluators' weighted scores.
* Ranking: higher score first; equal scores (exactly, before rounding) are separated by the
  lower cost per contact; still equal, they share the rank. Each tie says how it was settled.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from steward.contracts import pricing

SCALE_MAX = 5
SCALE_MIN = 1
PRICE = "price"
# A fixed 31-day month: monthly amounts cost exactly their amount, volumes their rate × volume.
_MONTH = (dt.date(2001, 1, 1), dt.date(2001, 2, 1))


class RankingError(ValueError):
    pass


@dataclass(frozen=True)
class Volumes:
    contacts_per_month: int
    handle_minutes: Decimal  # billable minutes per contact

    def usage(self, fte: Decimal | None) -> pricing.Usage:
        return pricing.Usage(fte=fte or Decimal(0), handled_contacts=self.contacts_per_month,
                             minutes=self.handle_minutes * self.contacts_per_month,
                             resolved_tickets=self.contacts_per_month)


@dataclass(frozen=True)
class NormalisedPrice:
    monthly_cost: Decimal
    cost_per_contact: Decimal  # rounded to 0.0001 for display; compare monthly_cost


def normalise_price(*, model: str, rates: Mapping[str, Decimal], volumes: Volumes,
                    fte: Decimal | None = None) -> NormalisedPrice:
    """The monthly cost of a proposal at the tender's volumes and its cost per contact."""
    if volumes.contacts_per_month <= 0:
        raise RankingError("the tender states no volume to price")
    given = [pricing.Rate(pricing.Component(c), Decimal(a), _MONTH[0]) for c, a in rates.items() if a is not None]
    try:
        charge = pricing.period_charge(model=model, rates=given, start=_MONTH[0], end=_MONTH[1],
                                       usage=volumes.usage(fte))
    except (pricing.PricingError, ValueError) as error:
        raise RankingError(str(error)) from None
    per_contact = (charge.total / volumes.contacts_per_month).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    return NormalisedPrice(charge.total, per_contact)


def price_scores(costs: Mapping[str, Decimal]) -> dict[str, Fraction]:
    """vendor → price score on the 0–5 scale: the cheapest gets 5, others 5 × cheapest ÷ own."""
    if not costs:
        return {}
    if any(c < 0 for c in costs.values()):
        raise RankingError("a cost cannot be negative")
    cheapest = Fraction(min(costs.values()))
    scores = {}
    for vendor, cost in costs.items():
        cost = Fraction(cost)
        scores[vendor] = Fraction(SCALE_MAX) if cost == cheapest else SCALE_MAX * cheapest / cost
    return scores


def weighted(scores: Mapping[str, Fraction | int], weights: Mapping[str, Fraction | Decimal | int]) -> Fraction:
    """Σ weight × score ÷ Σ weight over the weighted criteria; every one must be scored."""
    total_weight = sum((Fraction(w) for w in weights.values()), Fraction(0))
    if total_weight <= 0:
        raise RankingError("the weights must add up to more than zero")
    missing = [k for k, w in weights.items() if w and k not in scores]
    if missing:
        raise RankingError(f"no score for {', '.join(sorted(missing))}")
    return sum((Fraction(w) * Fraction(scores[k]) for k, w in weights.items() if w), Fraction(0)) / total_weight


def _sqrt(x: Fraction) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 28
        return (Decimal(x.numerator) / Decimal(x.denominator)).sqrt()


def _dec(x: Fraction, places: str = "0.01") -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 40
        return (Decimal(x.numerator) / Decimal(x.denominator)).quantize(Decimal(places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Result:
    vendor: str
    rank: int
    score: Fraction  # mean weighted score over evaluators, exact
    minimum: Fraction
    maximum: Fraction
    std_dev: Decimal  # population standard deviation across evaluators
    evaluators: int
    criterion_means: dict[str, Fraction] = field(default_factory=dict)
    cost: Decimal | None = None  # normalised monthly cost
    tie_note: str = ""  # how a tie with a neighbour was settled, empty when none

    @property
    def score_display(self) -> Decimal:
        return _dec(self.score)

    @property
    def minimum_display(self) -> Decimal:
        return _dec(self.minimum)

    @property
    def maximum_display(self) -> Decimal:
        return _dec(self.maximum)

    @property
    def std_dev_display(self) -> Decimal:
        return self.std_dev.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


TIE_BY_PRICE = "tie_by_price"  # equal score, lower cost ranks first
TIE_SHARED = "tie_shared"  # equal score and cost: the rank is shared


def rank(*, sheets: Mapping[str, Mapping[str, Mapping[str, int]]], weights: Mapping[str, Decimal | int],
         costs: Mapping[str, Decimal] | None = None) -> list[Result]:
    """sheets: evaluator → vendor → criterion → score (1–5), the price criterion excluded;
    weights: criterion → weight, the price criterion included when it is weighted;
    costs: vendor → normalised monthly cost (needed when price is weighted).

    Returns the vendors scored by at least one evaluator, best first."""
    costs = dict(costs or {})
    priced = bool(weights.get(PRICE))
    by_vendor: dict[str, list[dict[str, int]]] = {}
    for evaluator in sorted(sheets):
        for vendor, scores in sheets[evaluator].items():
            for key, value in scores.items():
                if key == PRICE:
                    raise RankingError("price is scored from the normalised price, not by evaluators")
                if not SCALE_MIN <= value <= SCALE_MAX or int(value) != value:
                    raise RankingError(f"a score must be a whole number from {SCALE_MIN} to {SCALE_MAX}")
            by_vendor.setdefault(vendor, []).append(dict(scores))
    if priced:
        missing = sorted(set(by_vendor) - set(costs))
        if missing:
            raise RankingError(f"no normalised price for {', '.join(missing)}")
    price = price_scores({v: costs[v] for v in by_vendor}) if priced else {}

    rows = []
    for vendor, evaluations in by_vendor.items():
        totals = []
        for scores in evaluations:
            full = dict(scores)
            if priced:
                full[PRICE] = price[vendor]
            totals.append(weighted(full, weights))
        n = len(totals)
        mean = sum(totals, Fraction(0)) / n
        variance = sum(((t - mean) ** 2 for t in totals), Fraction(0)) / n
        keys = [k for k in weights if k != PRICE]
        means = {k: sum((Fraction(s[k]) for s in evaluations if k in s), Fraction(0))
                 / max(1, sum(1 for s in evaluations if k in s)) for k in keys}
        if priced:
            means[PRICE] = price[vendor]
        rows.append(dict(vendor=vendor, score=mean, minimum=min(totals), maximum=max(totals),
                         std_dev=_sqrt(variance), evaluators=n, criterion_means=means, cost=costs.get(vendor)))

    def key(row):
        cost = row["cost"] if row["cost"] is not None else Decimal("Infinity")
        return (-row["score"], cost, row["vendor"])

    rows.sort(key=key)
    results: list[Result] = []
    for i, row in enumerate(rows):
        note, position = "", i + 1
        previous = rows[i - 1] if i else None
        following = rows[i + 1] if i + 1 < len(rows) else None
        for other in (previous, following):
            if other is not None and other["score"] == row["score"]:
                note = TIE_SHARED if other["cost"] == row["cost"] else TIE_BY_PRICE
                if note == TIE_SHARED:
                    break
        if previous is not None and previous["score"] == row["score"] and previous["cost"] == row["cost"]:
            position = results[-1].rank
        results.append(Result(rank=position, tie_note=note, **row))
    return results
