"""Every read of contracts, scoped through visible_to(user)."""

import datetime as dt

from django.db.models import Prefetch, Q, QuerySet

from steward.contracts import pricing
from steward.contracts.models import Contract, ContractRate, Responsibility
from steward.core.models import Project
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
        rates=[r.as_pricing_rate() for r in rates(user=user, contract=contract)],
    )
