"""Contact forecasts per 30-minute interval. Pure (numpy + statsmodels, no Django).

Method (docs/staffing.md "Forecast" explains it with an example):

1. **Daily totals** are modelled with a quasi-Poisson GLM (log link, statsmodels) on local
   dates: day-of-week effects (weekly seasonality; a holiday counts as a Sunday, a make-up
   working day as a Monday), a statutory-holiday effect and a make-up working-day effect
   (each relative to that day) from the business calendar, one shared "promotion" effect estimated from
   past promotion days and — with two years of history, when they can be told apart — a linear
   trend and two annual Fourier pairs. The forecast is then scaled by the *recent level*: the
   last 28 days' contacts over the model's fitted values for them (drift the calendar terms
   cannot carry). An event with a *manual multiplier* is not estimated: its log-multiplier is an
   offset, in the past (so it does not distort the fit) and in the future (so the planner's
   figure is used as given).
2. **Band**: the 80 % prediction band of a day combines the parameter uncertainty of the mean
   (delta method from the GLM) with quasi-Poisson noise, variance = φ·μ (φ the Pearson
   dispersion): μ ± z·√(Var μ̂ + φ μ), never below 0.
3. **Intervals** (daily seasonality): each day is spread over its 48 half-hours by the intraday
   profile of its day type (Monday–Friday, Saturday, Sunday/holiday) over the last eight weeks;
   a day type without history falls back to the all-days profile. Interval bands are the daily
   band times the interval's share.
4. **Accuracy**: the last `holdout_days` are hidden, the model is fitted on the rest and
   forecasts them; MAPE (days with contacts) and bias = Σ(forecast − actual) ÷ Σ actual are
   reported, next to the seasonal-naive forecast (same weekday a week earlier) for comparison.
   The forecast itself is then refitted on all history.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

SLOTS = 48  # half-hours per day
Z80 = 1.2815515655446004  # two-sided 80 % band
PROFILE_WEEKS = 8
MIN_HISTORY_DAYS = 14
LONG_HISTORY_DAYS = 730  # trend and annual cycle only from two years of history
LEVEL_DAYS = 28


class ForecastError(ValueError):
    """The history or the request cannot give a forecast; the message says why."""


@dataclass(frozen=True)
class Event:
    """A known event (promotion, campaign, outage): local dates first…last inclusive.
    `multiplier` None: its effect is the shared promotion effect estimated from history;
    a number: a manual override, the day's volume is multiplied by exactly that."""

    name: str
    first: dt.date
    last: dt.date
    multiplier: float | None = None

    def covers(self, day: dt.date) -> bool:
        return self.first <= day <= self.last


@dataclass(frozen=True)
class Calendar:
    holidays: frozenset[dt.date] = frozenset()
    workdays: frozenset[dt.date] = frozenset()  # make-up working days on a weekend


@dataclass(frozen=True)
class Accuracy:
    holdout_days: int
    mape: float | None  # mean absolute percentage error over hold-out days with contacts
    bias: float | None  # Σ(forecast − actual) / Σ actual
    naive_mape: float | None  # the same for the seasonal-naive forecast
    naive_bias: float | None
    days: tuple[dt.date, ...] = ()
    actual: tuple[float, ...] = ()
    forecast: tuple[float, ...] = ()

    def as_dict(self) -> dict:
        return {"holdout_days": self.holdout_days, "mape": self.mape, "bias": self.bias,
                "naive_mape": self.naive_mape, "naive_bias": self.naive_bias}


@dataclass
class Forecast:
    days: list[dt.date]  # forecast days, local dates
    daily: np.ndarray  # expected contacts per day
    low: np.ndarray  # 80 % band
    high: np.ndarray
    intervals: np.ndarray  # shape (days, 48): expected contacts per local half-hour
    interval_low: np.ndarray
    interval_high: np.ndarray
    accuracy: Accuracy | None
    effects: dict[str, float] = field(default_factory=dict)  # multiplicative effects, for display
    history_days: list[dt.date] = field(default_factory=list)
    history: np.ndarray = field(default_factory=lambda: np.zeros(0))

    def as_dict(self) -> dict:
        return {
            "days": [
                {"date": d.isoformat(), "contacts": round(float(m), 2), "low": round(float(lo), 2),
                 "high": round(float(hi), 2),
                 "intervals": [round(float(x), 3) for x in self.intervals[i]]}
                for i, (d, m, lo, hi) in enumerate(zip(self.days, self.daily, self.low, self.high, strict=True))
            ],
            "total": round(float(self.daily.sum()), 2),
            "accuracy": self.accuracy.as_dict() if self.accuracy else None,
            "effects": {k: round(v, 4) for k, v in self.effects.items()},
        }


# --------------------------------------------------------------------------- design


def _day_type(day: dt.date, cal: Calendar) -> int:
    """0 Monday–Friday working day, 1 Saturday, 2 Sunday or holiday."""
    if day in cal.holidays:
        return 2
    if day in cal.workdays:
        return 0
    return {5: 1, 6: 2}.get(day.weekday(), 0)


def _design(days: Sequence[dt.date], origin: dt.date, cal: Calendar, events: Sequence[Event],
            long: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(X, offset, column names) for the daily GLM."""
    n = len(days)
    cols: list[np.ndarray] = [np.ones(n)]
    names = ["intercept"]
    # A holiday counts as a Sunday and a make-up working day as a Monday; the holiday and
    # make-up columns then measure how they differ from that. With no holiday in the history
    # its column is dropped and a holiday is forecast like a Sunday.
    weekday = np.array([6 if d in cal.holidays else 0 if d in cal.workdays else d.weekday() for d in days])
    for k in range(1, 7):
        cols.append((weekday == k).astype(float))
        names.append(f"weekday_{k}")
    cols.append(np.array([d in cal.holidays for d in days], dtype=float))
    names.append("holiday")
    cols.append(np.array([d in cal.workdays for d in days], dtype=float))
    names.append("makeup_workday")
    estimated = [e for e in events if e.multiplier is None]
    cols.append(np.array([any(e.covers(d) for e in estimated) for d in days], dtype=float))
    names.append("promotion")
    t = np.array([(d - origin).days for d in days], dtype=float) / 365.25
    if long:  # with two years, a trend and an annual cycle can be told apart; with less, not
        cols.append(t)
        names.append("trend_per_year")
        for k in (1, 2):
            cols.append(np.sin(2 * math.pi * k * t))
            cols.append(np.cos(2 * math.pi * k * t))
            names += [f"annual_sin{k}", f"annual_cos{k}"]
    offset = np.zeros(n)
    for e in events:
        if e.multiplier is not None:
            if e.multiplier <= 0:
                raise ForecastError(f"the multiplier of event {e.name!r} must be greater than zero")
            offset += np.array([math.log(e.multiplier) if e.covers(d) else 0.0 for d in days])
    return np.column_stack(cols), offset, names


@dataclass
class _Fit:
    params: np.ndarray
    cov: np.ndarray
    scale: float
    keep: np.ndarray  # columns the fit used (columns that never vary in history are dropped)
    names: list[str]
    level: float = 1.0  # recent-level correction


def _fit(y: np.ndarray, x: np.ndarray, offset: np.ndarray, names: list[str]) -> _Fit:
    # The GLM module alone: `statsmodels.api` imports every model (seconds of start-up).
    from statsmodels.genmod import families
    from statsmodels.genmod.generalized_linear_model import GLM

    # Columns constant zero in the history (no holiday seen, no promotion seen) carry no
    # information: dropped from the fit, their effect is 1 (log 0) in the forecast.
    keep = np.array([i == 0 or np.ptp(x[:, i]) > 0 for i in range(x.shape[1])])
    model = GLM(y, x[:, keep], family=families.Poisson(), offset=offset)
    try:
        result = model.fit(scale="X2")
    except (ValueError, np.linalg.LinAlgError) as exc:  # pragma: no cover - degenerate history
        raise ForecastError(f"the model could not be fitted: {exc}") from exc
    params = np.zeros(x.shape[1])
    params[keep] = result.params
    cov = np.zeros((x.shape[1], x.shape[1]))
    cov[np.ix_(keep, keep)] = result.cov_params()
    scale = float(result.scale) if np.isfinite(result.scale) and result.scale > 0 else 1.0
    return _Fit(params, cov, max(scale, 1.0), keep, names)


def _predict(fit: _Fit, x: np.ndarray, offset: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    eta = x @ fit.params + offset
    mu = np.exp(np.clip(eta, -50, 50))
    var_eta = np.einsum("ij,jk,ik->i", x, fit.cov, x)
    var_mu = mu ** 2 * np.maximum(var_eta, 0)  # delta method
    sd = np.sqrt(var_mu + fit.scale * mu)
    return mu, np.maximum(mu - Z80 * sd, 0), mu + Z80 * sd


# --------------------------------------------------------------------------- profile


def intraday_profile(days: Sequence[dt.date], intervals: np.ndarray, cal: Calendar,
                     weeks: int = PROFILE_WEEKS) -> np.ndarray:
    """Shares (3 day types × 48 slots, rows summing to 1) from the last `weeks` weeks."""
    if len(days) == 0:
        return np.full((3, SLOTS), 1 / SLOTS)
    last = days[-1]
    recent = np.array([(last - d).days < weeks * 7 for d in days])
    types = np.array([_day_type(d, cal) for d in days])
    totals = intervals[recent].sum(axis=0)
    overall = totals / totals.sum() if totals.sum() > 0 else np.full(SLOTS, 1 / SLOTS)
    out = np.empty((3, SLOTS))
    for k in range(3):
        rows = intervals[recent & (types == k)]
        s = rows.sum(axis=0)
        out[k] = s / s.sum() if rows.size and s.sum() > 0 else overall
    return out


# --------------------------------------------------------------------------- forecast


def _seasonal_naive(history: np.ndarray, horizon: int) -> np.ndarray:
    """Same weekday one week earlier, repeated."""
    last_week = history[-7:]
    return np.array([last_week[i % 7] for i in range(horizon)], dtype=float)


def _errors(actual: np.ndarray, forecast: np.ndarray) -> tuple[float | None, float | None]:
    mask = actual > 0
    mape = float(np.mean(np.abs(forecast[mask] - actual[mask]) / actual[mask])) if mask.any() else None
    bias = float((forecast.sum() - actual.sum()) / actual.sum()) if actual.sum() > 0 else None
    return mape, bias


def _daily_model(days, y, cal, events, horizon_days: list[dt.date]):
    origin = days[0]
    long = len(days) >= LONG_HISTORY_DAYS
    x, off, names = _design(days, origin, cal, events, long)
    fit = _fit(y, x, off, names)
    xf, offf, _ = _design(horizon_days, origin, cal, events, long)
    mu, low, high = _predict(fit, xf, offf)
    # Recent level: the last four weeks' contacts over what the model says for them. It carries
    # a drift the calendar terms cannot (growth, a lost client) into the forecast.
    recent = min(LEVEL_DAYS, len(days))
    fitted = np.exp(np.clip(x[-recent:] @ fit.params + off[-recent:], -50, 50)).sum()
    level = float(y[-recent:].sum() / fitted) if fitted > 0 else 1.0
    fit.level = level
    return fit, (mu * level, low * level, high * level)


def forecast(days: Sequence[dt.date], intervals: np.ndarray, horizon: Sequence[dt.date], *,
             calendar: Calendar | None = None, events: Iterable[Event] = (),
             holdout_days: int = 28) -> Forecast:
    """Forecast `horizon` (local dates) from history `days` (consecutive local dates, oldest
    first) with `intervals[i, s]` = contacts on days[i] in local half-hour s."""
    cal = calendar or Calendar()
    events = list(events)
    days = list(days)
    horizon = list(horizon)
    intervals = np.asarray(intervals, dtype=float)
    if intervals.shape != (len(days), SLOTS):
        raise ForecastError("intervals must have one row of 48 half-hours per history day")
    if len(days) < MIN_HISTORY_DAYS:
        raise ForecastError(f"at least {MIN_HISTORY_DAYS} days of history are needed, there are {len(days)}")
    if any((b - a).days != 1 for a, b in zip(days, days[1:])):
        raise ForecastError("history days must be consecutive")
    if not horizon:
        raise ForecastError("the horizon must have at least one day")
    y = intervals.sum(axis=1)
    if y.sum() <= 0:
        raise ForecastError("the history has no contacts")

    accuracy = None
    hold = min(holdout_days, len(days) // 4)
    if hold >= 7:
        train_days, test_days = days[:-hold], days[-hold:]
        _, (mu, _, _) = _daily_model(train_days, y[:-hold], cal, events, test_days)
        actual = y[-hold:]
        mape, bias = _errors(actual, mu)
        n_mape, n_bias = _errors(actual, _seasonal_naive(y[:-hold], hold))
        accuracy = Accuracy(hold, mape, bias, n_mape, n_bias, tuple(test_days), tuple(actual.tolist()),
                            tuple(mu.tolist()))

    fit, (mu, low, high) = _daily_model(days, y, cal, events, horizon)
    profile = intraday_profile(days, intervals, cal)
    types = np.array([_day_type(d, cal) for d in horizon])
    shares = profile[types]
    effects = {name: float(math.exp(p)) for name, p, k in zip(fit.names, fit.params, fit.keep, strict=True)
               if k and name != "intercept"}
    effects["recent_level"] = fit.level
    return Forecast(horizon, mu, low, high, shares * mu[:, None], shares * low[:, None], shares * high[:, None],
                    accuracy, effects, days, y)


def interval_matrix(days: Sequence[dt.date], counts: Mapping[tuple[dt.date, int], float]) -> np.ndarray:
    """(days × 48) matrix from {(local date, slot): contacts}; missing cells are 0."""
    index = {d: i for i, d in enumerate(days)}
    out = np.zeros((len(days), SLOTS))
    for (d, slot), n in counts.items():
        i = index.get(d)
        if i is not None and 0 <= slot < SLOTS:
            out[i, slot] += n
    return out
