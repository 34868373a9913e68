"""Translatable sentences for the structured results of steward.metrics.stats.

The arithmetic stays in the pure module; only the wording lives here, marked for gettext so
the Chinese catalogue can carry it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.utils.translation import gettext as _

from .stats import Comparison, Verdict


def _percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def _plain(x: float) -> str:
    return f"{x:.1f}"


def _values(comparison: Comparison, metric_label: str, label_a: str, label_b: str,
            format_value: Callable[[float], str] | None) -> dict:
    fmt = format_value or (_percent if comparison.test == "two_proportion_z" else _plain)
    return {
        "metric": metric_label,
        "a": label_a,
        "b": label_b,
        "confidence": f"{100 * comparison.confidence:g}%",
        "value_a": fmt(comparison.estimate_a) if comparison.estimate_a is not None else "—",
        "value_b": fmt(comparison.estimate_b) if comparison.estimate_b is not None else "—",
        "n_a": comparison.n_a,
        "n_b": comparison.n_b,
        "p": f"{comparison.p_value:.3f}" if comparison.p_value is not None else "—",
    }


def verdict_sentence(
    comparison: Comparison,
    *,
    metric_label: str,
    label_a: str,
    label_b: str,
    format_value: Callable[[float], str] | None = None,
) -> str:
    """One plain-language sentence saying whether B differs from A on a metric.

    ``format_value`` renders an estimate; by default shares as percentages (z test) and means
    with one decimal (Welch).
    """
    values = _values(comparison, metric_label, label_a, label_b, format_value)
    if comparison.verdict is Verdict.B_HIGHER:
        text = _(
            "%(b)s's %(metric)s is higher than %(a)s's (%(value_b)s vs %(value_a)s), "
            "and the difference is real at %(confidence)s (p = %(p)s)."
        )
    elif comparison.verdict is Verdict.B_LOWER:
        text = _(
            "%(b)s's %(metric)s is lower than %(a)s's (%(value_b)s vs %(value_a)s), "
            "and the difference is real at %(confidence)s (p = %(p)s)."
        )
    elif comparison.verdict is Verdict.NOT_DISTINGUISHABLE:
        text = _(
            "%(b)s's %(metric)s (%(value_b)s) and %(a)s's (%(value_a)s) are not distinguishable "
            "from noise with this many contacts (%(n_b)s and %(n_a)s; p = %(p)s)."
        )
    else:
        text = _(
            "Too few observations to compare %(metric)s between %(a)s (%(n_a)s) and "
            "%(b)s (%(n_b)s)."
        )
    return text % values


def period_verdict_sentence(
    comparison: Comparison,
    *,
    metric_label: str,
    subject: str,
    label_a: str,
    label_b: str,
    format_value: Callable[[float], str] | None = None,
) -> str:
    """One plain-language sentence saying whether ``subject``'s metric (a vendor, or all vendors)
    differs in period B from period A."""
    values = {**_values(comparison, metric_label, label_a, label_b, format_value), "subject": subject}
    if comparison.verdict is Verdict.B_HIGHER:
        text = _(
            "%(subject)s: %(metric)s in %(b)s is higher than in %(a)s (%(value_b)s vs %(value_a)s), "
            "and the difference is real at %(confidence)s (p = %(p)s)."
        )
    elif comparison.verdict is Verdict.B_LOWER:
        text = _(
            "%(subject)s: %(metric)s in %(b)s is lower than in %(a)s (%(value_b)s vs %(value_a)s), "
            "and the difference is real at %(confidence)s (p = %(p)s)."
        )
    elif comparison.verdict is Verdict.NOT_DISTINGUISHABLE:
        text = _(
            "%(subject)s: %(metric)s in %(b)s (%(value_b)s) and in %(a)s (%(value_a)s) are not "
            "distinguishable from noise with this many contacts (%(n_b)s and %(n_a)s; p = %(p)s)."
        )
    else:
        text = _(
            "%(subject)s: too few observations to compare %(metric)s between %(a)s (%(n_a)s) and "
            "%(b)s (%(n_b)s)."
        )
    return text % values
