"""A contract period's charge from its rates and the period's usage. Pure: no Django import.

Rules (docs/contracts.md states them for users):

* A period is the half-open date range [start, end).
* A rate is in effect from its ``effective_from`` date until the next rate of the same
  component takes over; a day without any rate in effect is an error, never a silent zero.
* Monthly amounts (per FTE per month, fixed monthly fee, minimum commitment) accrue by day:
  each day earns ``monthly amount / days in that calendar month``. A whole calendar month at
  one rate therefore costs exactly the monthly amount; a rate change on the 16th of a 31-day
  month bills 15/31 at the old rate and 16/31 at the new one.
* Volume amounts (per handled contact, per minute, per resolved ticket) multiply a volume by
  the rate of the day the volume belongs to. Usage given per day is priced day by day;
  usage given as one period total is spread evenly over the period's days, so a rate change
  mid-period prices each part of the period in proportion to its days.
* Arithmetic is exact (fractions) until the end, then the contract's stated rounding rule
  (``Rounding``: half up, half even, up or down, to 0.01 or to a whole unit) applies once per
  component: the component's exact total is rounded by the rule, and its lines (one per rate
  segment) share that rounded amount in whole rounding units by largest remainder, so every
  line is a multiple of the unit and the lines add up to the component's rounded total.
  Every total (usage, charge) is the sum of its rounded lines, never rounded again.
* A minimum commitment (hybrid model) accrues like a monthly amount (rounded by the same
  rule); when the period's
  usage charges fall below it, a top-up line brings the total to the minimum. It never
  lowers a charge.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from fractions import Fraction

CENT = Decimal("0.01")


class RoundingMode(StrEnum):
    HALF_UP = "half_up"  # a half goes away from zero (2.345 → 2.35, −2.345 → −2.35)
    HALF_EVEN = "half_even"  # a half goes to the even neighbour, "banker's" (2.345 → 2.34, 2.355 → 2.36)
    UP = "up"  # any remainder goes away from zero (2.341 → 2.35)
    DOWN = "down"  # any remainder is dropped, toward zero (2.349 → 2.34)


ROUNDING_UNITS = (Decimal("0.01"), Decimal("1"))


@dataclass(frozen=True)
class Rounding:
    """A stated rounding rule: a mode and the unit amounts are rounded to (0.01, or 1 for a
    currency without cents). Decided exactly on fractions, so 0.005 is a true half."""

    mode: RoundingMode = RoundingMode.HALF_UP
    unit: Decimal = CENT

    def __post_init__(self):
        object.__setattr__(self, "mode", RoundingMode(self.mode))
        object.__setattr__(self, "unit", Decimal(self.unit))
        if self.unit not in ROUNDING_UNITS:
            raise PricingError(f"amounts are rounded to 0.01 or to 1, not {self.unit}")

    def units(self, x: Fraction | Decimal | int, mode: RoundingMode | None = None) -> int:
        """``x`` in whole rounding units, rounded by the mode (default: the rule's)."""
        mode = mode or self.mode
        q = Fraction(x) / Fraction(self.unit)
        sign = -1 if q < 0 else 1
        a = abs(q)
        n = a.numerator // a.denominator
        rest = a - n
        if mode == RoundingMode.UP:
            n += rest > 0
        elif mode == RoundingMode.HALF_UP:
            n += rest >= Fraction(1, 2)
        elif mode == RoundingMode.HALF_EVEN:
            n += rest > Fraction(1, 2) or (rest == Fraction(1, 2) and n % 2 == 1)
        return sign * n

    def of_units(self, n: int) -> Decimal:
        return (Decimal(n) * self.unit).quantize(CENT)

    def round(self, x: Fraction | Decimal | int, mode: RoundingMode | None = None) -> Decimal:
        """``x`` rounded to the unit by the rule (or by ``mode``), with two decimal places."""
        return self.of_units(self.units(x, mode))

    def is_rounded(self, amount: Decimal) -> bool:
        return Fraction(amount) / Fraction(self.unit) == int(Fraction(amount) / Fraction(self.unit))

    def allocate(self, total: Decimal, exact: list[Fraction]) -> list[Decimal]:
        """Share ``total`` (a multiple of the unit) among parts whose exact amounts are
        ``exact``: each part gets its amount rounded toward zero to the unit, then the units
        left go one each to the parts with the largest remainders (ties: the earlier part),
        so the parts are multiples of the unit and add up to ``total`` exactly."""
        floors = [self.units(e, RoundingMode.DOWN) for e in exact]
        left = self.units(total, RoundingMode.DOWN) - sum(floors)
        unit = Fraction(self.unit)
        order = sorted(range(len(exact)), key=lambda i: (-(exact[i] / unit - floors[i]), i))
        result = list(floors)
        for i in order[:max(0, left)]:
            result[i] += 1
        return [self.of_units(n) for n in result]


HALF_UP_CENT = Rounding()


class Component(StrEnum):
    FTE_MONTH = "fte_month"  # per FTE (seat) per month
    HANDLED_CONTACT = "handled_contact"  # per handled contact
    MINUTE = "minute"  # per billable minute
    RESOLVED_TICKET = "resolved_ticket"  # per resolved ticket
    FIXED_MONTH = "fixed_month"  # fixed fee per month
    MINIMUM_MONTH = "minimum_month"  # minimum commitment per month (hybrid)


MONTHLY = frozenset({Component.FTE_MONTH, Component.FIXED_MONTH, Component.MINIMUM_MONTH})
USAGE_COMPONENTS = (Component.FTE_MONTH, Component.HANDLED_CONTACT, Component.MINUTE,
                    Component.RESOLVED_TICKET, Component.FIXED_MONTH)


class Model(StrEnum):
    PER_FTE = "per_fte"
    PER_CONTACT = "per_contact"
    PER_MINUTE = "per_minute"
    PER_RESOLVED = "per_resolved"
    FIXED = "fixed"
    HYBRID = "hybrid"


# The components each pricing model may carry rates for.
MODEL_COMPONENTS: dict[Model, frozenset[Component]] = {
    Model.PER_FTE: frozenset({Component.FTE_MONTH}),
    Model.PER_CONTACT: frozenset({Component.HANDLED_CONTACT}),
    Model.PER_MINUTE: frozenset({Component.MINUTE}),
    Model.PER_RESOLVED: frozenset({Component.RESOLVED_TICKET}),
    Model.FIXED: frozenset({Component.FIXED_MONTH}),
    Model.HYBRID: frozenset(Component),
}


class PricingError(ValueError):
    pass


@dataclass(frozen=True)
class Rate:
    component: Component
    amount: Decimal
    effective_from: dt.date


@dataclass(frozen=True)
class Usage:
    """What a period (or a day) used. ``fte`` is a level (FTE billed), the others are counts."""

    fte: Decimal = Decimal(0)
    handled_contacts: int = 0
    minutes: Decimal = Decimal(0)
    resolved_tickets: int = 0

    def quantity(self, component: Component) -> Fraction:
        return {
            Component.FTE_MONTH: Fraction(self.fte),
            Component.HANDLED_CONTACT: Fraction(self.handled_contacts),
            Component.MINUTE: Fraction(self.minutes),
            Component.RESOLVED_TICKET: Fraction(self.resolved_tickets),
            Component.FIXED_MONTH: Fraction(1),
            Component.MINIMUM_MONTH: Fraction(1),
        }[component]


@dataclass(frozen=True)
class ChargeLine:
    component: Component
    start: dt.date  # first day
    end: dt.date  # day after the last
    rate: Decimal
    quantity: Decimal  # FTE, contacts, minutes, tickets, or 1 for a fee (rounded to 0.0001 for display)
    month_fraction: Fraction | None  # share of the month(s) for monthly amounts, else None
    amount: Decimal

    @property
    def days(self) -> int:
        return (self.end - self.start).days


@dataclass(frozen=True)
class PeriodCharge:
    start: dt.date
    end: dt.date
    lines: tuple[ChargeLine, ...]
    usage_total: Decimal  # sum of the usage lines
    minimum: Decimal  # the minimum commitment for the period (0 when none)
    top_up: Decimal  # minimum − usage_total when positive, else 0
    total: Decimal


def money(x: Decimal, rounding: Rounding = HALF_UP_CENT) -> Decimal:
    return rounding.round(x)


def _days(start: dt.date, end: dt.date) -> Iterable[dt.date]:
    day = start
    while day < end:
        yield day
        day += dt.timedelta(days=1)


def _rate_on(rates: list[Rate], day: dt.date) -> Rate | None:
    current = None
    for rate in rates:  # sorted by effective_from
        if rate.effective_from <= day:
            current = rate
        else:
            break
    return current


def _display_quantity(q: Fraction) -> Decimal:
    return (Decimal(q.numerator) / Decimal(q.denominator)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def _component_lines(component: Component, rates: list[Rate], start: dt.date, end: dt.date,
                     daily_quantity, rounding: Rounding) -> tuple[list[ChargeLine], Fraction]:
    """Lines for one component: consecutive days with the same rate (and, for monthly amounts,
    the same calendar month) form one line."""
    segments: list[dict] = []
    for day in _days(start, end):
        rate = _rate_on(rates, day)
        if rate is None:
            raise PricingError(f"no {component.value} rate is in effect on {day.isoformat()}")
        quantity = daily_quantity(day)
        if component in MONTHLY:
            month_days = calendar.monthrange(day.year, day.month)[1]
            share = Fraction(1, month_days)
            key = (rate.amount, day.year, day.month)
        else:
            share = None
            key = (rate.amount,)
        if segments and segments[-1]["key"] == key and segments[-1]["end"] == day:
            seg = segments[-1]
        else:
            seg = {"key": key, "start": day, "end": day, "rate": rate.amount, "quantity": Fraction(0),
                   "share": Fraction(0) if share is not None else None, "exact": Fraction(0), "level": quantity}
            segments.append(seg)
        seg["end"] = day + dt.timedelta(days=1)
        if share is not None:
            seg["share"] += share
            seg["exact"] += Fraction(rate.amount) * quantity * share
            if quantity != seg["level"]:
                seg["level"] = None  # the FTE level changed within the segment
        else:
            seg["quantity"] += quantity
            seg["exact"] += Fraction(rate.amount) * quantity
    exact_total = sum((s["exact"] for s in segments), Fraction(0))
    amounts = rounding.allocate(rounding.round(exact_total), [s["exact"] for s in segments])
    lines = []
    for seg, amount in zip(segments, amounts):
        if seg["share"] is not None:
            # A monthly line's quantity is the level billed (FTE, or 1 for a fee); when the
            # level varied day by day it is the average level over the segment's month share.
            level = seg["level"] if seg["level"] is not None else (
                seg["exact"] / (Fraction(seg["rate"]) * seg["share"]) if seg["rate"] and seg["share"] else Fraction(0))
            quantity = _display_quantity(level)
        else:
            quantity = _display_quantity(seg["quantity"])
        lines.append(ChargeLine(component, seg["start"], seg["end"], seg["rate"], quantity, seg["share"], amount))
    return lines, exact_total


def period_charge(*, model: Model | str, rates: Iterable[Rate], start: dt.date, end: dt.date,
                  usage: Usage | Mapping[dt.date, Usage], rounding: Rounding = HALF_UP_CENT) -> PeriodCharge:
    """The charge for [start, end) under `model`, with `usage` as one total for the period or
    per day (days missing from the mapping used nothing), rounded by `rounding`."""
    model = Model(model)
    if end <= start:
        raise PricingError("the period must end after it starts")
    allowed = MODEL_COMPONENTS[model]
    by_component: dict[Component, list[Rate]] = {}
    for rate in rates:
        component = Component(rate.component)
        if component not in allowed:
            raise PricingError(f"a {model.value} contract has no {component.value} rate")
        if rate.amount < 0:
            raise PricingError("rates cannot be negative")
        by_component.setdefault(component, []).append(rate)
    for list_ in by_component.values():
        list_.sort(key=lambda r: r.effective_from)
    if not any(c in by_component for c in USAGE_COMPONENTS):
        raise PricingError(f"a {model.value} contract needs at least one rate")

    period_days = (end - start).days
    for used in [usage] if isinstance(usage, Usage) else usage.values():
        if min(used.fte, used.handled_contacts, used.minutes, used.resolved_tickets) < 0:
            raise PricingError("usage cannot be negative")
    if isinstance(usage, Usage):
        total = usage

        def daily(component):
            if component in MONTHLY:
                return lambda day: total.quantity(component)
            return lambda day: total.quantity(component) / period_days
    else:
        outside = [d for d in usage if not start <= d < end]
        if outside:
            raise PricingError(f"usage for {min(outside).isoformat()} lies outside the period")

        def daily(component):
            if component == Component.FTE_MONTH:
                return lambda day: usage[day].quantity(component) if day in usage else Fraction(0)
            if component in MONTHLY:
                return lambda day: Fraction(1)
            return lambda day: usage[day].quantity(component) if day in usage else Fraction(0)

    lines: list[ChargeLine] = []
    for component in USAGE_COMPONENTS:
        if component in by_component:
            component_lines, _ = _component_lines(component, by_component[component], start, end, daily(component),
                                                  rounding)
            lines.extend(component_lines)
    usage_total = sum((line.amount for line in lines), Decimal("0.00"))

    minimum = Decimal("0.00")
    top_up = Decimal("0.00")
    if Component.MINIMUM_MONTH in by_component:
        _, exact_minimum = _component_lines(Component.MINIMUM_MONTH, by_component[Component.MINIMUM_MONTH],
                                            start, end, lambda day: Fraction(1), rounding)
        minimum = rounding.round(exact_minimum)
        if usage_total < minimum:
            top_up = minimum - usage_total
            lines.append(ChargeLine(Component.MINIMUM_MONTH, start, end, minimum, Decimal(1), None, top_up))
    return PeriodCharge(start, end, tuple(lines), usage_total, minimum, top_up, usage_total + top_up)
