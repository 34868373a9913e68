"""Every read of contracts, scoped through visible_to(user)."""

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch, Q, QuerySet, Sum

from steward.contracts import pricing
from steward.contracts.models import Contract, ContractRate, Invoice, InvoiceLine, Responsibility
from steward.core.models import Project
from steward.interactions.models import Rollup
from steward.metrics import engine
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
        sums = Rollup.objects.filter(project=project, vendor=contract.vendor, interval_start__gte=period.start,
                                     interval_start__lt=period.end).aggregate(
            handled=Sum("answered"), seconds=Sum("handle_sum"), resolved=Sum("outcome_resolved"))
        seconds = sums["seconds"] or 0
        out.append(ProjectVolumes(project, sums["handled"] or 0,
                                  (Decimal(seconds) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                                  sums["resolved"] or 0))
    return out


def invoice_list(*, user, q: str = "", vendor: str = "", status: str = "", contract: str = "",
                 kind: str = "") -> QuerySet[Invoice]:
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


@dataclass(frozen=True)
class PricingOption:
    contract: Contract
    charge: pricing.PeriodCharge | None
    error: str
    handled: int
    resolved: int

    @property
    def per_contact(self) -> Decimal | None:
        if self.charge is None or not self.handled:
            return None
        return (self.charge.total / self.handled).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def pricing_comparison(*, user, project: Project, month: dt.date, fte: Decimal | None = None) -> dict:
    """What the project's actual volumes of `month` (every vendor's, from the rollups) would
    have cost under each visible contract's pricing model and rates (before SLA credits and
    bonuses). FTE cannot be read from contacts: it is entered (default: none)."""
    start, end = month_bounds(month)
    period = engine.period(start, end - dt.timedelta(days=1), project.time_zone)
    sums = Rollup.objects.visible_to(user).filter(
        project=project, interval_start__gte=period.start, interval_start__lt=period.end).aggregate(
        handled=Sum("answered"), seconds=Sum("handle_sum"), resolved=Sum("outcome_resolved"))
    handled, resolved = sums["handled"] or 0, sums["resolved"] or 0
    minutes = (Decimal(sums["seconds"] or 0) / 60).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    usage = pricing.Usage(fte=fte or Decimal(0), handled_contacts=handled, minutes=minutes,
                          resolved_tickets=resolved)
    options = []
    for contract in Contract.objects.visible_to(user).select_related("vendor").order_by("code"):
        contract_rates = [r.as_pricing_rate() for r in rates(user=user, contract=contract)]
        try:
            charge = pricing.period_charge(model=contract.pricing_model, rates=contract_rates, start=start, end=end,
                                           usage=usage)
            error = ""
        except pricing.PricingError as e:
            charge, error = None, str(e)
        options.append(PricingOption(contract, charge, error, handled, resolved))
    options.sort(key=lambda o: (o.charge is None, o.charge.total if o.charge else 0, o.contract.code))
    return {"start": start, "end": end, "usage": usage, "options": options}
