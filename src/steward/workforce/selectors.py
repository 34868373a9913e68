"""Reads for forecasts and staffing plans. History comes from the interaction rollups through
visible_to(user): a vendor user's forecast is built from its own vendor's contacts only."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _

from steward.contracts import pricing
from steward.contracts.models import Contract, ContractRate
from steward.core.models import Project, Vendor
from steward.interactions.models import IntervalRollup, Rollup
from steward.metrics import calendars
from steward.metrics.business_calendars import business_calendar
from steward.workforce import erlang, forecasting, staffing
from steward.workforce.models import Commitment, Event, GapAlert, StaffingProfile

MAX_HISTORY_DAYS = 2 * 366
MAX_HORIZON_DAYS = 92
AHT_DAYS = 28
ACTUAL_DAYS = 28


class PlanError(ValueError):
    """A forecast or plan that cannot be made; the message says why (shown to the user)."""


def project_list(*, user):
    return Project.objects.visible_to(user).order_by("code")


def project_get(*, user, code: str) -> Project:
    return Project.objects.visible_to(user).get(code=code)


def events(*, user, project: Project):
    return Event.objects.visible_to(user).filter(project=project).order_by("first_day", "pk")


def event_get(*, user, pk: int) -> Event:
    return Event.objects.visible_to(user).get(pk=pk)


def commitments(*, user, project: Project):
    return Commitment.objects.visible_to(user).filter(project=project).select_related("vendor", "contract")


def commitment_get(*, user, pk: int) -> Commitment:
    return Commitment.objects.visible_to(user).get(pk=pk)


def profile_for(*, user, project: Project, queue: str = "") -> StaffingProfile | None:
    qs = StaffingProfile.objects.visible_to(user).filter(project=project)
    return qs.filter(queue=queue).first() or (qs.filter(queue="").first() if queue else None)


def gap_alerts(*, user, project: Project | None = None):
    qs = GapAlert.objects.visible_to(user).select_related("vendor", "project")
    return qs.filter(project=project) if project else qs


def vendors_of(*, user, project: Project) -> list[Vendor]:
    return list(Vendor.objects.visible_to(user).filter(pk__in=project.vendors.values("pk")).order_by("code"))


# --------------------------------------------------------------------------- history


def _slot(local: dt.datetime) -> int:
    return local.hour * 2 + local.minute // 30


def _rollups(*, user, project: Project, vendor: Vendor | None, queue: str, per_agent: bool = False):
    """The inbound rollups of the project: per agent only where the agent is needed (the
    interval rollup holds the same sums in far fewer rows)."""
    model = Rollup if per_agent else IntervalRollup
    qs = model.objects.visible_to(user).filter(project=project, direction="inbound")
    if vendor is not None:
        qs = qs.filter(vendor=vendor)
    if queue:
        qs = qs.filter(queue=queue)
    return qs


@dataclass
class History:
    days: list[dt.date]
    intervals: np.ndarray  # days × 48
    aht_seconds: float | None
    resolved_share: float


def history(*, user, project: Project, vendor: Vendor | None = None, queue: str = "",
            today: dt.date | None = None) -> History:
    """Contacts per local day and half-hour, from the first day with contacts (at most two
    years back) to yesterday in the project's time zone."""
    tz = zoneinfo.ZoneInfo(project.time_zone)
    today = today or dt.datetime.now(tz).date()
    end_day = today - dt.timedelta(days=1)
    start_day = end_day - dt.timedelta(days=MAX_HISTORY_DAYS - 1)
    start = dt.datetime.combine(start_day, dt.time(), tz)
    end = dt.datetime.combine(today, dt.time(), tz)
    qs = _rollups(user=user, project=project, vendor=vendor, queue=queue).filter(
        interval_start__gte=start, interval_start__lt=end)
    rows = qs.values("interval_start").annotate(n=Sum("offered")).order_by("interval_start")
    counts: dict[tuple[dt.date, int], float] = {}
    for r in rows:
        local = r["interval_start"].astimezone(tz)
        key = (local.date(), _slot(local))
        counts[key] = counts.get(key, 0) + (r["n"] or 0)
    if not counts:
        return History([], np.zeros((0, forecasting.SLOTS)), None, 0.0)
    first = min(d for d, _ in counts)
    days = [first + dt.timedelta(days=i) for i in range((end_day - first).days + 1)]
    recent = qs.filter(interval_start__gte=end - dt.timedelta(days=AHT_DAYS)).aggregate(
        handled=Sum("answered"), handle=Sum("handle_sum"), resolved=Sum("outcome_resolved"))
    aht = (recent["handle"] / recent["handled"]) if recent["handled"] else None
    resolved = (recent["resolved"] or 0) / recent["handled"] if recent["handled"] else 0.0
    return History(days, forecasting.interval_matrix(days, counts), aht, resolved)


def calendar_for(name: str, days: list[dt.date]) -> forecasting.Calendar:
    """Holidays and make-up days of a business calendar over the given days (outside the
    calendar's published years there are none)."""
    try:
        cal = business_calendar(name)
    except calendars.CalendarError as exc:
        raise PlanError(str(exc)) from None
    if not days:
        return forecasting.Calendar()
    lo, hi = min(days), max(days)
    return forecasting.Calendar(frozenset(d for d in cal.holidays if lo <= d <= hi),
                                frozenset(d for d in cal.workdays if lo <= d <= hi))


def _events(*, user, project: Project) -> list[forecasting.Event]:
    return [forecasting.Event(e.name, e.first_day, e.last_day, float(e.multiplier) if e.multiplier else None)
            for e in events(user=user, project=project)]


@dataclass
class ProjectForecast:
    project: Project
    vendor: Vendor | None
    queue: str
    history: History
    forecast: forecasting.Forecast
    settings: staffing.Settings
    profile: StaffingProfile | None


def settings_for(profile: StaffingProfile | None, measured_aht: float | None) -> staffing.Settings:
    if profile is None:
        return staffing.Settings(aht_seconds=round(measured_aht) if measured_aht else 300.0)
    aht = profile.aht_seconds or (round(measured_aht) if measured_aht else 300)
    return staffing.Settings(
        model=profile.model, aht_seconds=float(aht), target_seconds=float(profile.target_seconds),
        service_level=float(profile.service_level), max_occupancy=float(profile.max_occupancy),
        shrinkage=float(profile.shrinkage),
        patience_seconds=float(profile.patience_seconds) if profile.patience_seconds else None,
        concurrency=int(profile.concurrency))


def project_forecast(*, user, project: Project, horizon_days: int, vendor: Vendor | None = None, queue: str = "",
                     today: dt.date | None = None) -> ProjectForecast:
    if not 1 <= horizon_days <= MAX_HORIZON_DAYS:
        raise PlanError(_("The horizon must be between 1 and %(max)s days.") % {"max": MAX_HORIZON_DAYS})
    h = history(user=user, project=project, vendor=vendor, queue=queue, today=today)
    if len(h.days) < forecasting.MIN_HISTORY_DAYS:
        raise PlanError(_("A forecast needs at least %(n)s days of contacts; there are %(have)s.")
                        % {"n": forecasting.MIN_HISTORY_DAYS, "have": len(h.days)})
    start = h.days[-1] + dt.timedelta(days=1)
    horizon = [start + dt.timedelta(days=i) for i in range(horizon_days)]
    profile = profile_for(user=user, project=project, queue=queue)
    cal = calendar_for(profile.calendar if profile else "cn-9x18", h.days + horizon)
    try:
        fc = forecasting.forecast(h.days, h.intervals, horizon, calendar=cal, events=_events(user=user, project=project))
        settings = settings_for(profile, h.aht_seconds)
    except (forecasting.ForecastError, erlang.StaffingInputError) as exc:
        raise PlanError(str(exc)) from None
    return ProjectForecast(project, vendor, queue, h, fc, settings, profile)


# --------------------------------------------------------------------------- staffing plan


def actual_agents(*, user, project: Project, vendor: Vendor, days: list[dt.date], end_day: dt.date) -> np.ndarray:
    """Recent actual staffing for each forecast interval: the mean number of distinct agents
    who handled contacts in the same half-hour on days of the same type over the last 28 days
    (a lower bound: an agent logged in but idle handled nothing)."""
    tz = zoneinfo.ZoneInfo(project.time_zone)
    end = dt.datetime.combine(end_day + dt.timedelta(days=1), dt.time(), tz)
    rows = (_rollups(user=user, project=project, vendor=vendor, queue="", per_agent=True)
            .filter(interval_start__gte=end - dt.timedelta(days=ACTUAL_DAYS), interval_start__lt=end, answered__gt=0)
            .exclude(agent_code="").values("interval_start").annotate(agents=Count("agent_code", distinct=True)))
    sums = np.zeros((3, forecasting.SLOTS))
    cal = forecasting.Calendar()
    for r in rows:
        local = r["interval_start"].astimezone(tz)
        sums[forecasting._day_type(local.date(), cal), _slot(local)] += r["agents"]
    counts = np.zeros(3)
    for i in range(ACTUAL_DAYS):
        counts[forecasting._day_type(end_day - dt.timedelta(days=i), cal)] += 1
    mean = sums / np.maximum(counts, 1)[:, None]
    return np.array([mean[forecasting._day_type(d, cal)] for d in days])


@dataclass
class DayLine:
    day: dt.date
    contacts: float
    peak_agents: int
    peak_scheduled: int
    fte: float
    committed: float | None
    shortfall: int  # largest (scheduled needed − committed seats) in any half-hour, ≥ 0
    sl_committed: float | None
    sl_actual: float | None
    short: bool


@dataclass
class ScenarioLine:
    scenario: staffing.Scenario
    totals: staffing.Totals
    cost: Decimal | None
    cost_note: str


@dataclass
class Plan:
    pf: ProjectForecast
    requirement: staffing.Requirement
    totals: staffing.Totals
    days: list[DayLine]
    committed: Decimal | None
    contract: Contract | None
    first_short_day: dt.date | None
    sl_committed: float | None
    sl_actual: float | None
    scenarios: list[ScenarioLine] = field(default_factory=list)
    actual: np.ndarray | None = None

    def as_dict(self) -> dict:
        s = self.pf.settings
        return {
            "project": self.pf.project.code,
            "vendor": self.pf.vendor.code if self.pf.vendor else None,
            "settings": {"model": s.model, "aht_seconds": s.aht_seconds, "target_seconds": s.target_seconds,
                         "service_level": s.service_level, "max_occupancy": s.max_occupancy,
                         "shrinkage": s.shrinkage, "concurrency": s.concurrency,
                         "patience_seconds": s.patience_seconds},
            "totals": self.totals.as_dict(),
            "committed_seats": float(self.committed) if self.committed is not None else None,
            "expected_service_level_committed": self.sl_committed,
            "expected_service_level_actual": self.sl_actual,
            "first_short_day": self.first_short_day.isoformat() if self.first_short_day else None,
            "days": [{"date": d.day.isoformat(), "contacts": round(d.contacts, 1), "peak_agents": d.peak_agents,
                      "peak_scheduled": d.peak_scheduled, "fte": round(d.fte, 2), "shortfall": d.shortfall,
                      "service_level_committed": d.sl_committed, "service_level_actual": d.sl_actual,
                      "short": d.short} for d in self.days],
            "scenarios": [{"key": x.scenario.key, "label": x.scenario.label, **x.totals.as_dict(),
                           "cost": str(x.cost) if x.cost is not None else None, "cost_note": x.cost_note}
                          for x in self.scenarios],
        }


def active_contract(*, user, project: Project, vendor: Vendor, on: dt.date) -> Contract | None:
    return (Contract.objects.visible_to(user).filter(vendor=vendor, projects=project, status=Contract.Status.ACTIVE,
                                                     start_date__lte=on)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=on)).order_by("-start_date").first())


def committed_seats(*, user, project: Project, vendor: Vendor, on: dt.date) -> Decimal | None:
    c = (Commitment.objects.visible_to(user).filter(project=project, vendor=vendor, effective_from__lte=on)
         .order_by("-effective_from").first())
    return c.seats if c else None


def scenario_cost(*, user, contract: Contract | None, totals: staffing.Totals, settings: staffing.Settings,
                  resolved_share: float, first: dt.date, end: dt.date) -> tuple[Decimal | None, str]:
    """What the contract's pricing would charge for the scenario's volumes and FTE over
    [first, end): contacts handled, minutes of handle time, tickets resolved, FTE billed."""
    if contract is None:
        return None, _("no active contract")
    rates = [r.as_pricing_rate() for r in ContractRate.objects.visible_to(user).filter(contract=contract)]
    q = Decimal("0.01")
    usage = pricing.Usage(
        fte=Decimal(str(totals.fte)).quantize(q, ROUND_HALF_UP),
        handled_contacts=int(round(totals.contacts)),
        minutes=Decimal(str(totals.contacts * settings.aht_seconds / 60)).quantize(q, ROUND_HALF_UP),
        resolved_tickets=int(round(totals.contacts * resolved_share)))
    try:
        return pricing.period_charge(model=contract.pricing_model, rates=rates, start=first, end=end,
                                     usage=usage, rounding=contract.rounding).total, ""
    except pricing.PricingError as exc:
        return None, str(exc)


def staffing_plan(*, user, project: Project, vendor: Vendor | None, horizon_days: int, queue: str = "",
                  today: dt.date | None = None, scenarios=staffing.DEFAULT_SCENARIOS) -> Plan:
    pf = project_forecast(user=user, project=project, horizon_days=horizon_days, vendor=vendor, queue=queue,
                          today=today)
    s = pf.settings
    fc = pf.forecast
    req = staffing.required(fc.intervals, s)
    tot = staffing.totals(req, s, len(fc.days))
    committed = contract = actual = None
    sl_c = sl_a = None
    sl_committed_iv = sl_actual_iv = None
    if vendor is not None:
        committed = committed_seats(user=user, project=project, vendor=vendor, on=fc.days[0])
        contract = active_contract(user=user, project=project, vendor=vendor, on=fc.days[0])
        actual = actual_agents(user=user, project=project, vendor=vendor, days=fc.days, end_day=pf.history.days[-1])
        sl_actual_iv = staffing.service_level_with(fc.intervals, np.round(actual), s).reshape(fc.intervals.shape)
        sl_a = staffing.period_service_level(fc.intervals, sl_actual_iv)
        if committed is not None:
            seats = np.full(fc.intervals.shape, float(committed))
            sl_committed_iv = staffing.service_level_with(fc.intervals, seats, s).reshape(fc.intervals.shape)
            sl_c = staffing.period_service_level(fc.intervals, sl_committed_iv)
    lines, first_short = [], None
    for i, day in enumerate(fc.days):
        calls = fc.intervals[i]
        day_sl_c = staffing.period_service_level(calls, sl_committed_iv[i]) if sl_committed_iv is not None else None
        day_sl_a = staffing.period_service_level(calls, sl_actual_iv[i]) if sl_actual_iv is not None else None
        shortfall = int(max(0, (req.scheduled_headcount[i] - float(committed)).max())) if committed is not None else 0
        short = day_sl_c is not None and day_sl_c < s.service_level
        if short and first_short is None:
            first_short = day
        lines.append(DayLine(day, float(calls.sum()), int(req.agents[i].max()), int(req.scheduled_headcount[i].max()),
                             float(req.scheduled_fte[i].sum() * s.interval_seconds / 3600 / (s.hours_per_fte_week / 7)),
                             float(committed) if committed is not None else None, shortfall, day_sl_c, day_sl_a, short))
    end = fc.days[-1] + dt.timedelta(days=1)
    scenario_lines = []
    for sc in scenarios:
        sc_settings = staffing.scenario_settings(s, sc)
        _, sc_totals = staffing.run_scenario(fc.intervals, s, sc, len(fc.days))
        cost, note = scenario_cost(user=user, contract=contract, totals=sc_totals, settings=sc_settings,
                                   resolved_share=pf.history.resolved_share, first=fc.days[0], end=end)
        scenario_lines.append(ScenarioLine(sc, sc_totals, cost, note))
    return Plan(pf, req, tot, lines, committed, contract, first_short, sl_c, sl_a, scenario_lines, actual)
