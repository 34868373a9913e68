"""Every read of contracts, scoped through visible_to(user)."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

from django.db.models import Prefetch, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from steward.contracts import estimate, invoicing, pricing
from steward.contracts.models import (
    Budget, Contract, ContractRate, Invoice, InvoiceLine, InvoiceVolume, RateComponent, Responsibility,
)
from steward.core.models import Project
from steward.interactions.models import IntervalRollup
from steward.metrics import engine, sla
from steward.vendors.selectors import today

DEFAULT_NOTICE_WINDOW_DAYS = 60


def contract_list(*, user, q: str = "", vendor: str = "", status: str = "") -> QuerySet[Contract]:
    qs = Contract.objects.visible_to(user).select_related("vendor").prefetch_related(
        Prefetch("projects", queryset=Project.objects.visible_to(user)))
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(title__icontains=q) | Q(vendor__code__icontains=q)
                       | Q(vendor__name__icontains=q))
    if vendor:
        qs = qs.filter(vendor__code=vendor)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("code")


def contract_get(*, user, code: str) -> Contract:
    return contract_list(user=user).get(code=code)


def rates(*, user, contract: Contract) -> QuerySet[ContractRate]:
    return ContractRate.objects.visible_to(user).filter(contract=contract).order_by("component", "effective_from")


def rate_get(*, user, pk: int) -> ContractRate:
    return ContractRate.objects.visible_to(user).select_related("contract").get(pk=pk)


def responsibilities(*, user, contract: Contract) -> QuerySet[Responsibility]:
    return Responsibility.objects.visible_to(user).filter(contract=contract)


def responsibility_get(*, user, pk: int) -> Responsibility:
    return Responsibility.objects.visible_to(user).select_related("contract").get(pk=pk)


def _notice_due(qs: QuerySet[Contract], *, within_days: int, on: dt.date) -> list[Contract]:
    # The deadline (end − notice days) is computed per row, so filter the few active, dated
    # contracts in Python; a client has tens of contracts, not millions.
    due = []
    for contract in qs.filter(status=Contract.Status.ACTIVE, end_date__gte=on).select_related("vendor"):
        if contract.notice_deadline <= on + dt.timedelta(days=within_days):
            due.append(contract)
    return sorted(due, key=lambda c: (c.notice_deadline, c.code))


def renewal_notices_due(*, user, within_days: int = DEFAULT_NOTICE_WINDOW_DAYS,
                        on: dt.date | None = None) -> list[Contract]:
    """Active contracts whose renewal notice deadline falls within `within_days` (or has
    passed while the contract still runs), as the user may see them."""
    return _notice_due(Contract.objects.visible_to(user), within_days=within_days, on=on or today())


def renewal_notices_for_reminders(*, within_days: int = DEFAULT_NOTICE_WINDOW_DAYS,
                                  on: dt.date | None = None) -> list[Contract]:
    """The same for the scheduled reminder job, which acts for the client (no signed-in user)."""
    return _notice_due(Contract.objects.all(), within_days=within_days, on=on or today())


def period_charge(*, user, contract: Contract, start: dt.date, end: dt.date,
                  usage: pricing.Usage) -> pricing.PeriodCharge:
    """What the contract's pricing charges for [start, end) and the given usage."""
    return pricing.period_charge(
        model=contract.pricing_model, start=start, end=end, usage=usage,
        rates=[r.as_pricing_rate() for r in rates(user=user, contract=contract)], rounding=contract.rounding,
    )


# --------------------------------------------------------------------------- invoices

def month_bounds(month: dt.date) -> tuple[dt.date, dt.date]:
    """[first day, first day of the next month) of the month containing `month`."""
    first = month.replace(day=1)
    return first, (first + dt.timedelta(days=32)).replace(day=1)


@dataclass(frozen=True)
class ProjectVolumes:
    project: Project
    handled_contacts: int
    minutes: Decimal
    resolved_tickets: int


def period_volumes(*, contract: Contract, start: dt.date, end: dt.date) -> list[ProjectVolumes]:
    """The contract vendor's volumes on each of the contract's projects for [start, end), each
    project's days taken in its own time zone, from the rollups (all directions): handled =
    answered contacts, minutes = handle time (talk + hold + wrap) / 60, resolved = contacts with
    outcome 'resolved'. Acts for the client (finance), so it reads every rollup of the vendor."""
    out = []
    for project in contract.projects.order_by("code"):
        period = engine.period(start, end - dt.timedelta(days=1), project.time_zone)
        sums = IntervalRollup.objects.filter(project=project, vendor=contract.vendor, interval_start__gte=period.start,
                                     interval_start__lt=period.end).aggregate(
            handled=Sum("answered"), seconds=Sum("handle_sum"), resolved=Sum("outcome_resolved"))
        seconds = sums["seconds"] or 0
        out.append(ProjectVolumes(project, sums["handled"] or 0,
                                  (Decimal(seconds) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                                  sums["resolved"] or 0))
    return out


def invoice_list(*, user, q: str = "", vendor: str = "", status: str = "", contract: str = "",
                 kind: str = "", month: dt.date | None = None, project: str = "") -> QuerySet[Invoice]:
    qs = Invoice.objects.visible_to(user).select_related("contract", "contract__vendor", "credit_of")
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(contract__code__icontains=q) | Q(contract__title__icontains=q))
    if vendor:
        qs = qs.filter(contract__vendor__code=vendor)
    if status:
        qs = qs.filter(status=status)
    if contract:
        qs = qs.filter(contract__code=contract)
    if kind:
        qs = qs.filter(kind=kind)
    if month:
        qs = qs.filter(period_start=month.replace(day=1))
    if project:
        qs = qs.filter(contract__in=Contract.objects.visible_to(user).filter(projects__code=project))
    return qs.order_by("-period_start", "number")


def invoice_get(*, user, pk: int) -> Invoice:
    return invoice_list(user=user).get(pk=pk)


def invoice_lines(*, user, invoice: Invoice) -> QuerySet[InvoiceLine]:
    return InvoiceLine.objects.visible_to(user).filter(invoice=invoice).order_by("position")


def invoice_line_get(*, user, pk: int) -> InvoiceLine:
    return InvoiceLine.objects.visible_to(user).select_related("invoice", "invoice__contract").get(pk=pk)


# --------------------------------------------------------------------------- cost analytics

COUNTED = (Invoice.Status.SENT, Invoice.Status.CONFIRMED, Invoice.Status.DISPUTED, Invoice.Status.APPROVED,
           Invoice.Status.PAID)


@dataclass
class CostRow:
    vendor: object
    month: dt.date
    currency: str
    cost: Decimal
    handled: int
    resolved: int
    invoices: list
    provisional: bool  # some invoice of the month is not approved yet

    @property
    def per_contact(self) -> Decimal | None:
        return (self.cost / self.handled).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if self.handled else None

    @property
    def per_resolved(self) -> Decimal | None:
        return ((self.cost / self.resolved).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                if self.resolved else None)


def cost_rows(*, user, first: dt.date | None = None, last: dt.date | None = None) -> list[CostRow]:
    """Cost per handled and per resolved contact by vendor and month, from the invoices sent
    to vendors (drafts are not costs yet) and the credit notes against them; the volumes are
    the ones each invoice was computed from. Oldest month first, then vendor."""
    invoices = Invoice.objects.visible_to(user).select_related("contract__vendor").filter(status__in=COUNTED)
    if first:
        invoices = invoices.filter(period_start__gte=first.replace(day=1))
    if last:
        invoices = invoices.filter(period_start__lte=last)
    rows: dict[tuple, CostRow] = {}
    for inv in invoices.order_by("period_start", "number"):
        vendor = inv.contract.vendor
        key = (vendor.code, inv.period_start, inv.currency)
        row = rows.get(key) or rows.setdefault(key, CostRow(vendor, inv.period_start, inv.currency, Decimal("0.00"),
                                                            0, 0, [], False))
        row.cost += inv.total
        if inv.kind == Invoice.Kind.INVOICE:
            row.handled += inv.handled_contacts
            row.resolved += inv.resolved_tickets
            row.invoices.append(inv)
            row.provisional = row.provisional or not inv.locked
    return sorted(rows.values(), key=lambda r: (r.month, r.vendor.code))


# --------------------------------------------------------------------------- pricing comparison

DEFAULT_PERFORMANCE_MONTHS = 3


@dataclass(frozen=True)
class Volumes:
    """A month's volumes to price, and where they came from."""

    offered: int
    handled_contacts: int
    minutes: Decimal
    resolved_tickets: int
    fte: Decimal
    source: str  # "entered" or "forecast"
    explanation: str = ""

    def usage(self) -> pricing.Usage:
        return pricing.Usage(fte=self.fte, handled_contacts=self.handled_contacts, minutes=self.minutes,
                             resolved_tickets=self.resolved_tickets)


class ForecastUnavailable(ValueError):
    pass


def forecast_volumes(*, user, project: Project, month: dt.date, today_: dt.date | None = None) -> Volumes:
    """The month's volumes from the workforce forecast (steward.workforce): offered contacts =
    the forecast's daily contacts summed over the month; handled = offered × the answered share
    of the last 28 days' contacts (all vendors); minutes = handled × the forecast's AHT ÷ 60;
    resolved = handled × the recent resolved share; FTE = the staffing requirement's FTE for
    the month's forecast intervals (Erlang, the project's staffing profile). The forecast
    starts today, so only a month that has not begun, within its horizon, can be taken."""
    from steward.workforce import selectors as wf  # workforce imports contracts: import late
    from steward.workforce import staffing

    start, end = month_bounds(month)
    today_ = today_ or dt.datetime.now(ZoneInfo(project.time_zone)).date()
    if start <= today_:
        raise ForecastUnavailable(_("The workforce forecast starts today: choose a month that has not begun, "
                                    "or enter the volumes."))
    horizon = (end - today_).days
    if horizon > wf.MAX_HORIZON_DAYS:
        raise ForecastUnavailable(_("%(month)s lies beyond the forecast's horizon of %(days)s days.") % {
            "month": f"{start:%Y-%m}", "days": wf.MAX_HORIZON_DAYS})
    try:
        pf = wf.project_forecast(user=user, project=project, horizon_days=horizon, today=today_)
    except wf.PlanError as error:
        raise ForecastUnavailable(str(error)) from None
    fc, settings_ = pf.forecast, pf.settings
    idx = [i for i, d in enumerate(fc.days) if start <= d < end]
    offered_f = float(fc.daily[idx].sum())
    req = staffing.required(fc.intervals[idx], settings_)
    tot = staffing.totals(req, settings_, len(idx))
    since = dt.datetime.combine(today_ - dt.timedelta(days=28), dt.time(), ZoneInfo(project.time_zone))
    recent = IntervalRollup.objects.visible_to(user).filter(project=project, interval_start__gte=since).aggregate(
        offered=Sum("offered"), answered=Sum("answered"))
    answer_share = Fraction(recent["answered"] or 0, recent["offered"]) if recent["offered"] else Fraction(1)
    offered = int(round(offered_f))
    handled = int(round(offered_f * float(answer_share)))
    q = Decimal("0.01")
    minutes = Decimal(str(handled * settings_.aht_seconds / 60)).quantize(q, ROUND_HALF_UP)
    resolved = int(round(handled * pf.history.resolved_share))
    fte = Decimal(str(tot.fte)).quantize(q, ROUND_HALF_UP)
    explanation = _(
        "Workforce forecast for %(month)s: %(offered)s contacts offered; handled = offered × %(answered)s%% "
        "answered in the last 28 days; minutes = handled × AHT %(aht)s s ÷ 60; resolved = handled × "
        "%(resolved)s%% recently resolved; FTE %(fte)s from the staffing requirement (%(model)s, "
        "service level %(sl)s%% in %(target)s s, shrinkage %(shrinkage)s%%).") % {
        "month": f"{start:%Y-%m}", "offered": offered,
        "answered": f"{float(answer_share) * 100:.1f}", "aht": f"{settings_.aht_seconds:.0f}",
        "resolved": f"{pf.history.resolved_share * 100:.1f}", "fte": fte, "model": settings_.model,
        "sl": f"{settings_.service_level * 100:.0f}", "target": f"{settings_.target_seconds:.0f}",
        "shrinkage": f"{settings_.shrinkage * 100:.0f}"}
    return Volumes(offered, handled, minutes, resolved, fte, "forecast", explanation)


def recent_months(month: dt.date, n: int, today_: dt.date) -> list[dt.date]:
    """The n complete calendar months before both the priced month and today, oldest first."""
    anchor = min(month.replace(day=1), today_.replace(day=1))
    out = []
    for _i in range(n):
        anchor = (anchor - dt.timedelta(days=1)).replace(day=1)
        out.append(anchor)
    return out[::-1]


def _performance_project(contract: Contract, project: Project) -> Project | None:
    if contract.vendor.projects.filter(pk=project.pk).exists():
        return project
    return contract.projects.order_by("code").first()


def _recent_performance(*, user, contract: Contract, project: Project, base: Decimal,
                        months: list[dt.date]) -> tuple[list[estimate.MonthPerformance], str]:
    from steward.metrics import selectors as metrics_selectors  # metrics loads after contracts

    where = _performance_project(contract, project)
    if where is None:
        return [], ""
    policy = sla.parse_policy(contract.sla_policy_text)
    out = []
    for month in months:
        ev = metrics_selectors.evaluate_period(user=user, project=where, policy=policy, vendor=contract.vendor.code,
                                               kind="month", day=month, fee=base).evaluation
        missed = tuple(
            _("%(term)s: %(value)s against %(target)s → %(pct)s%% of its %(alloc)s%% share, %(credit)s") % {
                "term": o.label, "value": _fmt(o.result.value) if o.result else "—", "target": o.target,
                "pct": _fmt(o.credit_percent), "alloc": _fmt(policy.terms[o.index].allocation_percent),
                "credit": o.credit}
            for o in ev.terms if o.status == "missed")
        out.append(estimate.MonthPerformance(month, ev.fee, ev.pool, ev.total_credit, ev.total_bonus, missed,
                                             any(o.status != "no_data" for o in ev.terms)))
    return out, where.code


def _fmt(value) -> str:
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


@dataclass(frozen=True)
class ComparisonRow:
    contract: Contract
    candidate: estimate.Candidate
    charge: pricing.PeriodCharge | None
    performance_project: str
    months: list[dt.date]

    @property
    def lines(self) -> list[tuple[pricing.ChargeLine, str]]:
        """The charge lines with their labels (the top-up to a minimum named as such)."""
        if self.charge is None:
            return []
        labels = {c.value: str(c.label) for c in RateComponent}
        labels[pricing.Component.MINIMUM_MONTH.value] = _("Top-up to the minimum commitment")
        return [(line, labels[line.component.value]) for line in self.charge.lines]


def comparison_candidates(*, user, include_ended: bool = False) -> QuerySet[Contract]:
    qs = Contract.objects.visible_to(user).select_related("vendor").prefetch_related("rates")
    if not include_ended:
        qs = qs.filter(status__in=[Contract.Status.DRAFT, Contract.Status.ACTIVE])
    return qs.order_by("code")


def pricing_comparison(*, user, project: Project, month: dt.date, volumes: Volumes,
                       months_back: int = DEFAULT_PERFORMANCE_MONTHS, include_ended: bool = False,
                       today_: dt.date | None = None) -> dict:
    """Every candidate contract (draft or active; ended ones on request) priced for `volumes`
    in `month` with its own model, rates and rounding rule, and its likely SLA credit at its
    vendor's recent performance (estimate.expected_credit over the `months_back` complete
    months before the month and today), cheapest expected net cost first."""
    start, end = month_bounds(month)
    months = recent_months(start, months_back, today_ or today())
    usage = volumes.usage()
    rows = []
    for contract in comparison_candidates(user=user, include_ended=include_ended):
        contract_rates = [r.as_pricing_rate() for r in contract.rates.all()]
        try:
            charge = pricing.period_charge(model=contract.pricing_model, rates=contract_rates, start=start, end=end,
                                           usage=usage, rounding=contract.rounding)
        except pricing.PricingError as error:
            rows.append(ComparisonRow(contract, estimate.Candidate(contract.code, None, error=str(error)), None, "",
                                      months))
            continue
        est, where, notes = None, "", []
        if contract.has_sla:
            performance, where = _recent_performance(user=user, contract=contract, project=project,
                                                     base=charge.total, months=months)
            est = estimate.expected_credit(base=charge.total, at_risk_percent=contract.at_risk_percent,
                                           months=performance, rounding=contract.rounding)
            if not est.used:
                notes.append(_("No SLA data for the vendor in these months: no credit expected."))
        else:
            notes.append(_("No SLA attached: no credits."))
        candidate = estimate.Candidate(contract.code, charge.total, charge.usage_total, charge.minimum, charge.top_up,
                                       est, volumes.handled_contacts, notes=tuple(notes))
        rows.append(ComparisonRow(contract, candidate, charge, where, months))
    order = {c.key: i for i, c in enumerate(estimate.ranked([r.candidate for r in rows]))}
    rows.sort(key=lambda r: order[r.candidate.key])
    return {"start": start, "end": end, "volumes": volumes, "rows": rows, "months": months}


# --------------------------------------------------------------------------- budgets

def budget_list(*, user, year: int | None = None, project: str = "", vendor: str = "") -> QuerySet[Budget]:
    """Budgets as the user may read them: every row for client staff, none for vendor users."""
    qs = Budget.objects.visible_to(user).select_related("project", "vendor")
    if year:
        qs = qs.filter(month__year=year)
    if project:
        qs = qs.filter(project__code=project)
    if vendor == "-":
        qs = qs.filter(vendor__isnull=True)
    elif vendor:
        qs = qs.filter(vendor__code=vendor)
    return qs.order_by("month", "project__code", "vendor__code")


def budget_get(*, user, pk: int) -> Budget:
    return Budget.objects.visible_to(user).select_related("project", "vendor").get(pk=pk)


@dataclass(frozen=True)
class Allocation:
    """The part of one invoice (or credit note) that falls on one project: the invoice is
    shared among the projects it was computed for by the handled contacts of each that it was
    computed from (its stored volumes; evenly when none were handled), in whole units of its
    rounding rule, largest remainder; a credit note in the same shares as the invoice it
    corrects."""

    invoice: Invoice
    project: Project
    amount: Decimal
    handled: int
    resolved: int


def _volumes_prefetch(lookup: str, user) -> Prefetch:
    return Prefetch(lookup, to_attr="stored_volumes", queryset=InvoiceVolume.objects.visible_to(user)
                    .select_related("project").order_by("project__code"))


def invoice_volumes(invoice: Invoice) -> list[ProjectVolumes]:
    """The volumes of each project that an invoice was computed from: those stored with it
    when it was generated. An invoice stored without them (one restored from a backup taken
    before they were kept) falls back on what is left: its own totals when its contract has
    one project, else the rollups' volumes of its served days as they are now."""
    stored = getattr(invoice, "stored_volumes", None)
    if stored is None:
        stored = list(invoice.volumes.select_related("project").order_by("project__code"))
    if stored:
        return [ProjectVolumes(v.project, v.handled_contacts, v.minutes, v.resolved_tickets) for v in stored]
    projects = list(invoice.contract.projects.order_by("code"))
    if len(projects) == 1:
        return [ProjectVolumes(projects[0], invoice.handled_contacts, invoice.minutes, invoice.resolved_tickets)]
    return period_volumes(contract=invoice.contract, start=invoice.served[0], end=invoice.served[1])


def _unit(invoice: Invoice) -> Decimal:
    """The invoice's rounding unit (0.01 or 1), in which its shares are counted; 0.01 for a
    total that is not a multiple of it (never stored by Steward, but a restore can hold one)."""
    unit = Decimal(invoice.rounding_unit)
    return unit if invoice.total % unit == 0 else invoicing.CENT


def invoice_allocations(*, user, first: dt.date, last: dt.date) -> list[Allocation]:
    """Allocations of the counted invoices (sent or later) and credit notes with a period
    starting in [first's month, last]. The shares are computed over every project the
    invoice was computed for, then only the projects the user may see are returned (so a
    project's share never depends on who reads it)."""
    invoices = (Invoice.objects.visible_to(user).select_related("contract", "contract__vendor", "credit_of__contract")
                .filter(status__in=COUNTED, period_start__gte=first.replace(day=1), period_start__lte=last)
                .prefetch_related(_volumes_prefetch("volumes", user), _volumes_prefetch("credit_of__volumes", user))
                .order_by("period_start", "number"))
    visible = set(Project.objects.visible_to(user).values_list("pk", flat=True))
    shares_cache: dict[int, list[ProjectVolumes]] = {}

    def shares(invoice: Invoice) -> list[ProjectVolumes]:
        base = invoice.credit_of or invoice
        if base.pk not in shares_cache:
            shares_cache[base.pk] = invoice_volumes(base)
        return shares_cache[base.pk]

    out = []
    for inv in invoices:
        parts = shares(inv)
        if not parts:
            continue
        amounts = invoicing.split(inv.total, [v.handled_contacts for v in parts], _unit(inv))
        is_invoice = inv.kind == Invoice.Kind.INVOICE
        for v, amount in zip(parts, amounts):
            if v.project.pk in visible:
                out.append(Allocation(inv, v.project, amount, v.handled_contacts if is_invoice else 0,
                                      v.resolved_tickets if is_invoice else 0))
    return out


@dataclass
class BudgetMonth:
    month: dt.date
    currency: str
    budget: Decimal | None
    actual: Decimal
    handled: int
    resolved: int
    target_per_contact: Decimal | None
    budgets: list
    allocations: list
    ytd_budget: Decimal = Decimal("0.00")
    ytd_actual: Decimal = Decimal("0.00")
    other_currency: bool = False  # invoices in another currency were left out
    future: bool = False  # a month that has not begun: no year-to-date figures yet

    @property
    def variance(self) -> Decimal | None:
        """actual − budget: above zero is over budget."""
        return None if self.budget is None else self.actual - self.budget

    @property
    def variance_percent(self) -> Decimal | None:
        if self.budget is None or self.budget == 0:
            return None
        return (self.variance / self.budget * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def ytd_variance(self) -> Decimal:
        return self.ytd_actual - self.ytd_budget

    @property
    def ytd_variance_percent(self) -> Decimal | None:
        if not self.ytd_budget:
            return None
        return (self.ytd_variance / self.ytd_budget * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def per_contact(self) -> Decimal | None:
        return (self.actual / self.handled).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) if self.handled else None

    @property
    def per_resolved(self) -> Decimal | None:
        return ((self.actual / self.resolved).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
                if self.resolved else None)

    @property
    def provisional(self) -> bool:
        return any(not a.invoice.locked for a in self.allocations)


def _budgets_for(budgets: list[Budget], vendor: str) -> list[Budget]:
    """Which budgets of one month count: with a vendor chosen, that vendor's; otherwise each
    project's whole-project budget, or (for a project without one) the sum of its vendors'."""
    if vendor:
        return [b for b in budgets if b.vendor_id and b.vendor.code == vendor]
    by_project: dict[int, list[Budget]] = {}
    for b in budgets:
        by_project.setdefault(b.project_id, []).append(b)
    chosen = []
    for rows in by_project.values():
        whole = [b for b in rows if b.vendor_id is None]
        chosen.extend(whole or rows)
    return chosen


def budget_vs_actual(*, user, year: int, project: str = "", vendor: str = "") -> list[BudgetMonth]:
    """Each month of `year`: the budget, the actual cost (counted invoices net of credit notes,
    allocated to projects as `invoice_allocations` says), the variance and the running
    year-to-date totals, in the budget's currency (the first budget's; CNY without budgets)."""
    budgets = list(budget_list(user=user, year=year, project=project))
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    allocations = [a for a in invoice_allocations(user=user, first=first, last=last)
                   if (not project or a.project.code == project)
                   and (not vendor or a.invoice.contract.vendor.code == vendor)]
    currency = budgets[0].currency if budgets else (allocations[0].invoice.currency if allocations else "CNY")
    rows, ytd_b, ytd_a = [], Decimal("0.00"), Decimal("0.00")
    for m in range(1, 13):
        month = dt.date(year, m, 1)
        month_budgets = _budgets_for([b for b in budgets if b.month == month and b.currency == currency], vendor)
        month_alloc = [a for a in allocations if a.invoice.period_start == month]
        counted = [a for a in month_alloc if a.invoice.currency == currency]
        budget = sum((b.amount for b in month_budgets), Decimal("0.00")) if month_budgets else None
        targets = [b.target_cost_per_contact for b in month_budgets if b.target_cost_per_contact is not None]
        row = BudgetMonth(month, currency, budget, sum((a.amount for a in counted), Decimal("0.00")),
                          sum(a.handled for a in counted), sum(a.resolved for a in counted),
                          targets[0] if len(set(targets)) == 1 else None, month_budgets, counted,
                          other_currency=len(counted) < len(month_alloc))
        ytd_b += budget or 0
        ytd_a += row.actual
        row.ytd_budget, row.ytd_actual = ytd_b, ytd_a
        row.future = month > today().replace(day=1)
        rows.append(row)
    return rows
