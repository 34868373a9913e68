"""SLA policies as code: parse and validate YAML (errors carry line and field), write it back,
diff two versions, and evaluate a period's metric results into met/missed, credits and bonuses.

Pure (no Django). The YAML shape is DESIGN.md's "SLA as code". Money is Decimal, rounded
ROUND_HALF_UP to 0.01 at each amount; credits never exceed the at-risk pool.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any

import yaml

from .formulas import CATALOG, CHANNELS, PRIORITIES, MetricResult, ParamError

CENT = Decimal("0.01")
PERIODS = ("day", "week", "month")
SCOPE_KEYS = ("channel", "queue", "priority")
TOP_KEYS = ("sla", "version", "calendar", "at_risk_percent", "terms")
TERM_KEYS = ("metric", "params", "scope", "period", "target", "allocation_percent",
             "credit_tiers", "bonus")


def money(x: Decimal) -> Decimal:
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


# --------------------------------------------------------------------------- policy objects


@dataclass(frozen=True)
class Target:
    op: str  # >=, >, <=, <
    threshold: Decimal

    @property
    def higher_is_better(self) -> bool:
        return self.op in (">=", ">")

    def met(self, value: Fraction) -> bool:
        t = Fraction(self.threshold)
        return {">=": value >= t, ">": value > t, "<=": value <= t, "<": value < t}[self.op]

    def __str__(self) -> str:
        return f"{self.op} {self.threshold}"


@dataclass(frozen=True)
class CreditTier:
    """Credit ``credit_percent`` of the term's allocation when the value is below ``bound``
    (higher-is-better targets, written ``below``) or above it (written ``above``)."""

    bound: Decimal
    credit_percent: Decimal


@dataclass(frozen=True)
class Bonus:
    """``bonus_percent`` of the period's fee when the value is at or above ``bound``
    (``at_or_above``) — or at or below it (``at_or_below``) for lower-is-better targets."""

    bound: Decimal
    bonus_percent: Decimal


@dataclass(frozen=True)
class Term:
    metric: str
    target: Target
    params: dict[str, Any] = field(default_factory=dict)  # as written (e.g. threshold: 4h)
    scope: dict[str, Any] = field(default_factory=dict)
    period: str = "month"
    allocation_percent: Decimal = Decimal(0)
    credit_tiers: tuple[CreditTier, ...] = ()
    bonus: Bonus | None = None

    @property
    def clean_params(self) -> dict[str, Any]:
        """Parameters with the catalog's defaults filled in (what is actually measured)."""
        return CATALOG[self.metric].clean_params(self.params)

    @property
    def scope_values(self) -> dict[str, tuple[str, ...]]:
        """The scope as field → allowed codes (a single code becomes a one-element tuple), for
        filtering rollups: ``{"channel": ("email",), "priority": ("urgent",)}``."""
        return {k: tuple(v) if isinstance(v, list) else (v,) for k, v in self.scope.items()}

    @property
    def label(self) -> str:
        scope = ", ".join(f"{k}={'|'.join(v)}" for k, v in self.scope_values.items())
        return f"{self.metric} [{scope}]" if scope else self.metric


@dataclass(frozen=True)
class SlaPolicy:
    sla: str
    version: int
    at_risk_percent: Decimal
    terms: tuple[Term, ...]
    calendar: str | None = None


# --------------------------------------------------------------------------- errors


@dataclass(frozen=True)
class SlaError:
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"line {self.line}, " if self.line else ""
        return f"{where}{self.path}: {self.message}" if self.path else f"{where}{self.message}"


class SlaValidationError(ValueError):
    def __init__(self, errors: list[SlaError]):
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


# --------------------------------------------------------------------------- parsing


def _path(parts: tuple) -> str:
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


class _Reader:
    """Walks the composed YAML nodes to know the line of every path, and collects errors."""

    def __init__(self):
        self.lines: dict[tuple, int] = {}
        self.errors: list[SlaError] = []

    def index(self, node, path: tuple = (), depth: int = 0) -> None:
        if depth > 20:  # a recursive alias (&a [*a]) or absurd nesting: no policy is this deep
            self.errors.append(SlaError(node.start_mark.line + 1, _path(path[:20]),
                                        "nested too deeply"))
            return
        self.lines[path] = node.start_mark.line + 1
        if isinstance(node, yaml.MappingNode):
            seen = set()
            for key_node, value_node in node.value:
                key = key_node.value
                if key in seen:
                    self.errors.append(SlaError(key_node.start_mark.line + 1,
                                                _path(path + (key,)), "duplicate key"))
                seen.add(key)
                self.index(value_node, path + (key,), depth + 1)
                self.lines.setdefault(path + (key, "__key__"), key_node.start_mark.line + 1)
        elif isinstance(node, yaml.SequenceNode):
            for i, item in enumerate(node.value):
                self.index(item, path + (i,), depth + 1)

    def line(self, path: tuple) -> int | None:
        if path + ("__key__",) in self.lines:  # the key's line, where a block value begins
            return self.lines[path + ("__key__",)]
        while path:
            if path in self.lines:
                return self.lines[path]
            path = path[:-1]
        return self.lines.get(())

    def error(self, path: tuple, message: str) -> None:
        self.errors.append(SlaError(self.line(path), _path(path), message))

    def mapping(self, value, path, allowed, required=()) -> dict | None:
        if not isinstance(value, dict):
            self.error(path, f"expected a mapping with {', '.join(required or allowed)}")
            return None
        for key in value:
            if key not in allowed:
                self.error(path + (key,), f"unknown field (allowed: {', '.join(allowed)})")
        for key in required:
            if key not in value:
                self.error(path, f"{key} is required")
        return value

    def number(self, value, path, *, low=None, high=None, low_open=False) -> Decimal | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(path, f"expected a number, got {value!r}")
            return None
        try:
            d = Decimal(str(value))
        except InvalidOperation:
            self.error(path, f"expected a number, got {value!r}")
            return None
        if not d.is_finite():
            self.error(path, f"expected a finite number, got {value!r}")
            return None
        if low is not None and (d <= low if low_open else d < low):
            self.error(path, f"expected {'more than' if low_open else 'at least'} {low}, got {d}")
            return None
        if high is not None and d > high:
            self.error(path, f"expected at most {high}, got {d}")
            return None
        return d


_TARGET = re.compile(r"^\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)\s*$")


def parse_policy(text: str) -> SlaPolicy:
    """Parse and validate a policy; raises SlaValidationError listing every problem found."""
    if not isinstance(text, str):
        raise SlaValidationError([SlaError(None, "", "expected YAML text")])
    try:
        loader = yaml.SafeLoader(text)
    except yaml.YAMLError as exc:  # e.g. a control character: the reader refuses the text
        raise SlaValidationError([SlaError(None, "", f"not valid YAML: {exc}")]) from None
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        message = f"not valid YAML: {exc.problem}"
        if exc.context and exc.context_mark and exc.context_mark.line + 1 != line:
            message += f" ({exc.context} on line {exc.context_mark.line + 1})"
        raise SlaValidationError([SlaError(line, "", message)]) from None
    except yaml.YAMLError as exc:
        raise SlaValidationError([SlaError(None, "", f"not valid YAML: {exc}")]) from None
    except ValueError as exc:  # a date or time YAML reads but the calendar lacks (2025-02-30)
        raise SlaValidationError([SlaError(None, "", f"not a valid date or time: {exc}")]) from None
    finally:
        loader.dispose()
    r = _Reader()
    if node is not None:
        r.index(node)
    if any(e.message == "nested too deeply" for e in r.errors):
        raise SlaValidationError(r.errors)  # the data may be recursive: go no further
    policy = _policy(r, data)
    if r.errors:
        r.errors.sort(key=lambda e: (e.line or 0))
        raise SlaValidationError(r.errors)
    assert policy is not None
    return policy


def _policy(r: _Reader, data) -> SlaPolicy | None:
    top = r.mapping(data, (), TOP_KEYS, ("sla", "version", "at_risk_percent", "terms"))
    if top is None:
        return None
    name = top.get("sla")
    if "sla" in top and (not isinstance(name, str) or not re.fullmatch(r"[\w.-]+", name)):
        r.error(("sla",), "expected a name of letters, digits, '-', '_' or '.'")
    version = top.get("version")
    if "version" in top and (isinstance(version, bool) or not isinstance(version, int)
                             or version < 1):
        r.error(("version",), f"expected a whole number ≥ 1, got {version!r}")
    calendar = top.get("calendar")
    if calendar is not None and not (isinstance(calendar, str) and calendar.strip()):
        r.error(("calendar",), "expected a calendar name")
    at_risk = None
    if "at_risk_percent" in top:
        at_risk = r.number(top["at_risk_percent"], ("at_risk_percent",), low=0, high=100)
    terms = []
    raw_terms = top.get("terms")
    if "terms" in top:
        if not isinstance(raw_terms, list) or not raw_terms:
            r.error(("terms",), "expected a list of at least one term")
        else:
            for i, raw in enumerate(raw_terms):
                term = _term(r, raw, ("terms", i), calendar)
                if term is not None:
                    terms.append(term)
            total = sum((t.allocation_percent for t in terms), Decimal(0))
            if total > 100:
                r.error(("terms",), f"allocation_percent adds up to {total}; it must not exceed "
                                    f"100")
    if r.errors:
        return None
    return SlaPolicy(name, version, at_risk, tuple(terms), calendar)


def _term(r: _Reader, raw, path: tuple, calendar) -> Term | None:
    t = r.mapping(raw, path, TERM_KEYS, ("metric", "target"))
    if t is None:
        return None
    errors_before = len(r.errors)
    metric = t.get("metric")
    spec = CATALOG.get(metric) if isinstance(metric, str) else None
    if "metric" in t and spec is None:
        r.error(path + ("metric",), f"unknown metric {metric!r} (known: {', '.join(CATALOG)})")
    params = t.get("params", {}) or {}
    if not isinstance(params, dict):
        r.error(path + ("params",), "expected a mapping of parameters")
        params = {}
    elif spec is not None:
        try:
            clean = spec.clean_params(params)
        except ParamError as exc:
            r.error(path + ("params",) + tuple(str(exc.param).split(".")), exc.message)
        else:
            if clean.get("business_hours") and not calendar:
                r.error(path + ("params", "business_hours"),
                        "business_hours: true needs a calendar at the top of the policy")
    scope = t.get("scope", {}) or {}
    if not isinstance(scope, dict):
        r.error(path + ("scope",), "expected a mapping such as {channel: chat}")
        scope = {}
    for key, value in scope.items():
        allowed = {"channel": CHANNELS, "priority": PRIORITIES}.get(key)
        if key not in SCOPE_KEYS:
            r.error(path + ("scope", key), f"unknown scope (allowed: {', '.join(SCOPE_KEYS)})")
            continue
        values = value if isinstance(value, list) else [value]
        if not values or not all(isinstance(v, str) and v for v in values):
            r.error(path + ("scope", key), "expected a code or a list of codes")
        elif allowed and (bad := [v for v in values if v not in allowed]):
            r.error(path + ("scope", key), f"unknown {key} {bad[0]!r} (allowed: "
                                           f"{', '.join(allowed)})")
    period = t.get("period", "month")
    if period not in PERIODS:
        r.error(path + ("period",), f"expected one of {', '.join(PERIODS)}, got {period!r}")
    target = None
    if "target" in t:
        m = _TARGET.match(t["target"]) if isinstance(t["target"], str) else None
        if not m:
            r.error(path + ("target",), f"expected '>= number' (or >, <=, <) in quotes, got "
                                        f"{t['target']!r}")
        else:
            target = Target(m[1], Decimal(m[2]))
            if spec is not None and spec.higher_is_better is not None and (
                target.higher_is_better != spec.higher_is_better
            ):
                better = "higher" if spec.higher_is_better else "lower"
                ops = ">= or >" if spec.higher_is_better else "<= or <"
                r.error(path + ("target",), f"{metric} is better when {better}; use {ops}")
    allocation = Decimal(0)
    if "allocation_percent" in t:
        allocation = r.number(t["allocation_percent"], path + ("allocation_percent",), low=0,
                              high=100) or Decimal(0)
    tiers = _tiers(r, t.get("credit_tiers"), path + ("credit_tiers",), target) \
        if "credit_tiers" in t else ()
    bonus = _bonus(r, t["bonus"], path + ("bonus",), target) if "bonus" in t else None
    if len(r.errors) > errors_before or target is None:
        return None
    return Term(metric, target, dict(params), dict(scope), period, allocation, tiers, bonus)


def _tiers(r: _Reader, raw, path: tuple, target: Target | None) -> tuple[CreditTier, ...]:
    if not isinstance(raw, list) or not raw:
        r.error(path, "expected a list such as [{below: 0.80, credit_percent: 50}]")
        return ()
    key = "below" if target is None or target.higher_is_better else "above"
    tiers = []
    for i, item in enumerate(raw):
        p = path + (i,)
        m = r.mapping(item, p, (key, "credit_percent"), (key, "credit_percent"))
        if m is None or key not in m or "credit_percent" not in m:
            continue
        bound = r.number(m[key], p + (key,))
        pct = r.number(m["credit_percent"], p + ("credit_percent",), low=0, high=100,
                       low_open=True)
        if bound is None or pct is None:
            continue
        if target is not None and (bound > target.threshold if key == "below"
                                   else bound < target.threshold):
            r.error(p + (key,), f"a tier must only apply when the target ({target}) is missed: "
                                f"{key} must be {'≤' if key == 'below' else '≥'} "
                                f"{target.threshold}")
        tiers.append(CreditTier(bound, pct))
    # Most severe last: lowest `below`, highest `above`. Credit must not shrink with severity,
    # or a worse result could pay a smaller credit.
    ordered = sorted(tiers, key=lambda x: x.bound, reverse=(key == "below"))
    if len({t.bound for t in tiers}) != len(tiers):
        r.error(path, f"two tiers share the same {key} value")
    for a, b in zip(ordered, ordered[1:]):
        if b.credit_percent < a.credit_percent:
            r.error(path, f"credit_percent must not decrease for worse values ({key} {b.bound} "
                          f"credits {b.credit_percent}% < {a.credit_percent}% at {a.bound})")
            break
    return tuple(ordered)


def _bonus(r: _Reader, raw, path: tuple, target: Target | None) -> Bonus | None:
    key = "at_or_above" if target is None or target.higher_is_better else "at_or_below"
    m = r.mapping(raw, path, (key, "bonus_percent"), (key, "bonus_percent"))
    if m is None or key not in m or "bonus_percent" not in m:
        return None
    bound = r.number(m[key], path + (key,))
    pct = r.number(m["bonus_percent"], path + ("bonus_percent",), low=0, high=100, low_open=True)
    if bound is None or pct is None:
        return None
    if target is not None and not target.met(Fraction(bound)):
        r.error(path + (key,), f"the bonus level must meet the target ({target})")
    return Bonus(bound, pct)


# --------------------------------------------------------------------------- writing


class _Dumper(yaml.SafeDumper):
    pass


_Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar(
    "tag:yaml.org,2002:int" if v == v.to_integral_value() and "." not in str(v)
    else "tag:yaml.org,2002:float", str(v)))


def _flow(value) -> str:
    text = yaml.dump(value, Dumper=_Dumper, default_flow_style=True, sort_keys=False,
                     width=10**9, allow_unicode=True)
    return text.removesuffix("...\n").strip()


def dump_policy(policy: SlaPolicy) -> str:
    """YAML in DESIGN.md's shape; ``parse_policy(dump_policy(p)) == p``."""
    lines = [f"sla: {_flow(policy.sla)}", f"version: {policy.version}"]
    if policy.calendar:
        lines.append(f"calendar: {_flow(policy.calendar)}")
    lines.append(f"at_risk_percent: {_flow(policy.at_risk_percent)}")
    lines.append("terms:")
    for term in policy.terms:
        rows = [f"metric: {term.metric}"]
        if term.params:
            rows.append(f"params: {_flow(term.params)}")
        if term.scope:
            rows.append(f"scope: {_flow(term.scope)}")
        rows.append(f"period: {term.period}")
        rows.append(f"target: {_flow(str(term.target))}")
        rows.append(f"allocation_percent: {_flow(term.allocation_percent)}")
        if term.credit_tiers:
            key = "below" if term.target.higher_is_better else "above"
            rows.append("credit_tiers: " + _flow(
                [{key: t.bound, "credit_percent": t.credit_percent} for t in term.credit_tiers]))
        if term.bonus:
            key = "at_or_above" if term.target.higher_is_better else "at_or_below"
            rows.append("bonus: " + _flow({key: term.bonus.bound,
                                           "bonus_percent": term.bonus.bonus_percent}))
        lines.append("  - " + rows[0])
        lines.extend("    " + row for row in rows[1:])
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------- diff


@dataclass(frozen=True)
class Change:
    path: str
    kind: str  # added | removed | changed
    old: Any = None
    new: Any = None


def _term_fields(t: Term) -> dict[str, Any]:
    return {
        "period": t.period,
        "target": str(t.target),
        "allocation_percent": t.allocation_percent,
        "credit_tiers": [(c.bound, c.credit_percent) for c in t.credit_tiers] or None,
        "bonus": (t.bonus.bound, t.bonus.bonus_percent) if t.bonus else None,
    }


def diff_policies(old: SlaPolicy, new: SlaPolicy) -> list[Change]:
    """Changes from ``old`` to ``new``: policy fields, terms added/removed (a term is known by
    its metric and scope), and field-level changes inside terms kept in both."""
    changes = []
    for name in ("sla", "version", "calendar", "at_risk_percent"):
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            changes.append(Change(name, "changed", a, b))

    def keyed(terms):
        out, seen = {}, {}
        for t in terms:
            ident = (t.metric, tuple(sorted((k, str(v)) for k, v in t.scope.items())))
            seen[ident] = seen.get(ident, 0) + 1
            out[ident + (seen[ident],)] = t
        return out

    a_terms, b_terms = keyed(old.terms), keyed(new.terms)
    for ident, t in a_terms.items():
        if ident not in b_terms:
            changes.append(Change(f"terms[{t.label}]", "removed", t, None))
    for ident, t in b_terms.items():
        if ident not in a_terms:
            changes.append(Change(f"terms[{t.label}]", "added", None, t))
            continue
        before = a_terms[ident]
        for key in sorted(set(before.params) | set(t.params)):
            if before.params.get(key) != t.params.get(key):
                kind = ("added" if key not in before.params else
                        "removed" if key not in t.params else "changed")
                changes.append(Change(f"terms[{t.label}].params.{key}", kind,
                                      before.params.get(key), t.params.get(key)))
        fa, fb = _term_fields(before), _term_fields(t)
        for key in fa:
            if fa[key] != fb[key]:
                changes.append(Change(f"terms[{t.label}].{key}", "changed", fa[key], fb[key]))
    return changes


# --------------------------------------------------------------------------- evaluation


@dataclass(frozen=True)
class TermOutcome:
    index: int
    metric: str
    label: str
    params: dict[str, Any]
    target: str
    result: MetricResult | None
    status: str  # met | missed | no_data
    credit_percent: Decimal  # share of the term's allocation credited
    credit: Decimal
    bonus: Decimal
    bonus_percent: Decimal = Decimal(0)  # share of the fee paid as bonus (0 when not earned)


@dataclass(frozen=True)
class Evaluation:
    sla: str
    version: int
    fee: Decimal
    pool: Decimal  # fee × at_risk_percent
    terms: tuple[TermOutcome, ...]
    total_credit: Decimal
    total_bonus: Decimal
    capped: bool  # rounding pushed credits past the pool and they were cut back to it

    @property
    def net(self) -> Decimal:
        """What the period's invoice changes by: bonuses − credits."""
        return self.total_bonus - self.total_credit


def _exact(result: MetricResult) -> Fraction:
    return result.exact if result.exact is not None else Fraction(result.value)


def tier_credit_percent(term: Term, value: Fraction) -> Decimal:
    """Share of the term's allocation credited for a value (0 when the target is met)."""
    if term.target.met(value):
        return Decimal(0)
    if not term.credit_tiers:
        return Decimal(100)  # a missed term without tiers forfeits its whole allocation
    if term.target.higher_is_better:
        matching = [t for t in term.credit_tiers if value < Fraction(t.bound)]
        best = min(matching, key=lambda t: t.bound, default=None)  # lowest `below` wins
    else:
        matching = [t for t in term.credit_tiers if value > Fraction(t.bound)]
        best = max(matching, key=lambda t: t.bound, default=None)  # highest `above` wins
    return best.credit_percent if best else Decimal(0)


def _in_policy_calendar(policy: SlaPolicy, term: Term, result: MetricResult | None) -> MetricResult | None:
    """A business-hours result counted in another calendar than the policy's (the project's
    business calendar is not the one the policy names) is no figure for this term: judged in
    the wrong calendar it could pay a credit the contract does not owe. Null, reason
    ``calendar_mismatch``."""
    if (result is None or result.value is None or not term.clean_params.get("business_hours")
            or result.details.get("calendar") == policy.calendar):
        return result
    return MetricResult(result.key, None, None, None, None, None, result.params, 0, reason="calendar_mismatch",
                        details={"policy_calendar": policy.calendar, "project_calendar": result.details.get("calendar")})


def evaluate(policy: SlaPolicy, results: Sequence[MetricResult | None],
             fee: Decimal) -> Evaluation:
    """Evaluate one period: ``results[i]`` is term i's MetricResult (None: no data).

    A term with no value is ``no_data`` and pays neither credit nor bonus.
    """
    if not isinstance(fee, Decimal) or not fee.is_finite() or fee < 0:
        raise ValueError(f"fee must be a non-negative Decimal, got {fee!r}")
    if len(results) != len(policy.terms):
        raise ValueError(f"{len(policy.terms)} terms but {len(results)} results")
    pool = money(fee * policy.at_risk_percent / 100)
    outcomes = []
    for i, (term, result) in enumerate(zip(policy.terms, results)):
        if result is not None and result.key != term.metric:
            raise ValueError(f"term {i} measures {term.metric}, result is {result.key}")
        if result is not None and dict(result.params) != term.clean_params:
            # Guards the engine: a term is only judged on the parameters it declares.
            raise ValueError(f"term {i} ({term.label}) declares {term.clean_params}, the "
                             f"result was computed with {dict(result.params)}")
        result = _in_policy_calendar(policy, term, result)
        if result is None or result.value is None:
            status, pct, credit, bonus = "no_data", Decimal(0), Decimal("0.00"), Decimal("0.00")
            bonus_pct = Decimal(0)
        else:
            value = _exact(result)
            status = "met" if term.target.met(value) else "missed"
            pct = tier_credit_percent(term, value)
            credit = money(pool * term.allocation_percent / 100 * pct / 100)
            bonus_pct = Decimal(0)
            if status == "met" and term.bonus is not None:
                b = Fraction(term.bonus.bound)
                if value >= b if term.target.higher_is_better else value <= b:
                    bonus_pct = term.bonus.bonus_percent
            bonus = money(fee * bonus_pct / 100)
        outcomes.append(TermOutcome(i, term.metric, term.label, term.clean_params, str(term.target),
                                    result, status, pct, credit, bonus, bonus_pct))
    total = sum((o.credit for o in outcomes), Decimal("0.00"))
    capped = total > pool
    if capped:
        # Rounding each term up by half a cent can pass the pool; take the excess back from the
        # last credited terms so the terms still add up to the total.
        excess = total - pool
        for j in range(len(outcomes) - 1, -1, -1):
            if excess <= 0:
                break
            cut = min(excess, outcomes[j].credit)
            if cut:
                o = outcomes[j]
                outcomes[j] = replace(o, credit=o.credit - cut)
                excess -= cut
        total = pool
    return Evaluation(policy.sla, policy.version, fee, pool, tuple(outcomes), total,
                      sum((o.bonus for o in outcomes), Decimal("0.00")), capped)


# --------------------------------------------------------------------------- traffic lights

RAG = ("green", "amber", "red", "none")


def rag(target: Target | None, result: MetricResult | None) -> str:
    """A figure's colour against a target (portfolio tiles, alerts):

    * ``green``: the value meets the target;
    * ``amber``: it misses, but its 95% interval still reaches the target — the miss is not
      distinguishable from noise with this many contacts;
    * ``red``: it misses and the whole interval lies on the wrong side (for a count or a
      figure without interval: it misses);
    * ``none``: no target, or no value.
    """
    if target is None or result is None or result.value is None:
        return "none"
    if target.met(_exact(result)):
        return "green"
    near = result.interval_high if target.higher_is_better else result.interval_low
    if near is not None and target.met(Fraction(near)):
        return "amber"
    return "red"


def breached(target: Target, result: MetricResult | None) -> bool:
    """Whether a value exists and misses the target (what an alert fires on)."""
    return result is not None and result.value is not None and not target.met(_exact(result))


def parse_target(text: str) -> Target:
    """'>= 0.80' → Target; ValueError with a plain message otherwise."""
    m = _TARGET.match(str(text or ""))
    if not m:
        raise ValueError(f'expected a comparison such as ">= 0.80" or "<= 30", got {text!r}')
    return Target(m[1], Decimal(m[2]))
