"""Every write to contracts, their rates and responsibilities. Keyword-only, transactional,
validated by the models' rules plus the contract rules that span rows: projects must be served
by the contract's vendor, rates must fit the pricing model and respect the price-adjustment
cap, and an attached SLA policy must be valid YAML per steward.metrics.sla."""

import datetime as dt
from decimal import ROUND_UP, Decimal
from fractions import Fraction

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from steward.contracts import invoicing, pricing, selectors
from steward.contracts.models import (
    Budget, Contract, ContractRate, Invoice, InvoiceLine, InvoiceVolume, RateComponent, Responsibility,
)
from steward.core.forms import month_refusal
from steward.core.models import Project, User, Vendor
from steward.core.notifications import notify
from steward.core.roles import Role
from steward.metrics import sla

# The contract's own terms, settable at creation and on edit.
TERM_FIELDS = ("title", "status", "signed_on", "start_date", "end_date", "auto_renew", "renewal_term_months",
               "notice_days", "currency", "pricing_model", "flex_percent", "flex_notice_days",
               "price_adjustment_cap_percent", "payment_terms_days", "payment_terms_note", "sla_policy_text",
               "at_risk_percent", "notes", "rounding_mode", "rounding_unit")


def _plain(x: Decimal) -> str:
    """9450.0000 → '9450', 3.50 → '3.5' (never exponent notation)."""
    return format(x.normalize(), "f")


def _client_only(actor) -> None:
    if actor is not None and not (actor.is_superuser or actor.is_client_side):
        raise PermissionDenied


def _apply_terms(contract: Contract, terms: dict) -> None:
    unknown = set(terms) - set(TERM_FIELDS)
    if unknown:
        raise TypeError(f"unknown contract terms: {sorted(unknown)}")
    for name, value in terms.items():
        setattr(contract, name, value)
    contract.sla_policy_text = (contract.sla_policy_text or "").strip()
    if contract.sla_policy_text:
        try:
            policy = sla.parse_policy(contract.sla_policy_text)
        except sla.SlaValidationError as error:
            raise ValidationError({"sla_policy_text": [str(e) for e in error.errors]}) from None
        # An invoice settles credits and bonuses per month: a term judged per week or day would
        # never be invoiced (monitoring SLAs of the metrics pages may have such terms).
        unsettled = [f"terms[{i}] ({t.label}): {t.period}" for i, t in enumerate(policy.terms) if t.period != "month"]
        if unsettled:
            raise ValidationError({"sla_policy_text": _(
                "A contract's credits and bonuses are settled per month, so each of its SLA terms must be "
                "judged per month (period: month); these are not: %(terms)s.") % {"terms": "; ".join(unsettled)}})
        # The policy is the source of truth for the share at risk: the two cannot disagree.
        contract.sla_policy_name, contract.sla_policy_version = policy.sla, policy.version
        contract.at_risk_percent = Decimal(policy.at_risk_percent)
    else:
        contract.sla_policy_name, contract.sla_policy_version = "", None


def _projects(vendor: Vendor, codes: list[str]) -> list[Project]:
    found = {p.code: p for p in Project.objects.filter(code__in=codes, vendors=vendor)}
    missing = [c for c in codes if c not in found]
    if missing:
        raise ValidationError({"projects": _("%(vendor)s does not serve project(s): %(codes)s.") % {
            "vendor": vendor.name, "codes": ", ".join(missing)}})
    return [found[c] for c in codes]


def _check_rates_fit(contract: Contract) -> None:
    allowed = pricing.MODEL_COMPONENTS[pricing.Model(contract.pricing_model)]
    misfits = sorted({r.get_component_display() for r in contract.rates.all()
                      if pricing.Component(r.component) not in allowed}, key=str)
    if misfits:
        raise ValidationError({"pricing_model": _(
            "The contract has rates that this pricing model does not use: %(rates)s. Remove them first.") % {
            "rates": ", ".join(map(str, misfits))}})


@transaction.atomic
def contract_create(*, actor, code: str, vendor_code: str, project_codes: list[str] = (), **terms) -> Contract:
    _client_only(actor)
    vendor = Vendor.objects.filter(code=vendor_code).first()
    if vendor is None:
        raise ValidationError({"vendor": _("Unknown vendor code %(code)s.") % {"code": vendor_code}})
    contract = Contract(code=code, vendor=vendor)
    _apply_terms(contract, terms)
    contract.full_clean()
    contract.save()
    contract.projects.set(_projects(vendor, list(project_codes)))
    return contract


@transaction.atomic
def contract_update(*, actor, contract: Contract, project_codes: list[str] | None = None, **terms) -> Contract:
    _client_only(actor)
    _apply_terms(contract, terms)
    contract.full_clean()
    _check_rates_fit(contract)
    contract.save()
    if project_codes is not None:
        contract.projects.set(_projects(contract.vendor, list(project_codes)))
    return contract


def rate_components(contract: Contract) -> list[str]:
    """The rate components the contract's pricing model takes, in the catalogue's order (the
    choices of the rate form on the page and in the API; rate_add refuses any other)."""
    allowed = {c.value for c in pricing.MODEL_COMPONENTS[pricing.Model(contract.pricing_model)]}
    return [c.value for c in pricing.Component if c.value in allowed]


@transaction.atomic
def rate_add(*, actor, contract: Contract, component: str, amount: Decimal, effective_from) -> ContractRate:
    """Add a dated rate. With a price-adjustment cap, a rate may rise at most that share over
    the rate of the same component it replaces."""
    _client_only(actor)
    if component not in rate_components(contract):
        raise ValidationError({"component": _("The %(model)s pricing model has no such rate.") % {
            "model": contract.get_pricing_model_display()}})
    rate = ContractRate(contract=contract, component=component, amount=amount, effective_from=effective_from)
    rate.full_clean(validate_constraints=False)
    cap = contract.price_adjustment_cap_percent
    previous, following = _neighbours(contract, component, effective_from)
    if previous is not None and _above_cap(cap, previous.amount, Decimal(amount)):
        raise ValidationError({"amount": _(
            "The contract caps price adjustments at %(cap)s%%: this rate may be at most %(ceiling)s "
            "(previous %(previous)s from %(date)s).") % {
            "cap": _plain(cap), "ceiling": _plain(_ceiling(cap, previous.amount)),
            "previous": _plain(previous.amount), "date": previous.effective_from.isoformat()}})
    # A rate dated before a later one becomes the rate that later one replaces.
    if following is not None and _above_cap(cap, Decimal(amount), following.amount):
        raise ValidationError({"amount": _(
            "The contract caps price adjustments at %(cap)s%%: the rate %(next)s from %(date)s may rise at "
            "most that much over this one, so this rate must be at least %(floor)s.") % {
            "cap": _plain(cap), "next": _plain(following.amount), "date": following.effective_from.isoformat(),
            "floor": _plain((following.amount / (1 + cap / 100)).quantize(Decimal("0.0001"), rounding=ROUND_UP))}})
    try:
        with transaction.atomic():
            rate.save()
    except IntegrityError:
        raise ValidationError({"effective_from": _("This component already has a rate from that date.")}) from None
    return rate


@transaction.atomic
def rate_delete(*, actor, rate: ContractRate) -> None:
    _client_only(actor)
    previous, following = _neighbours(rate.contract, rate.component, rate.effective_from)
    cap = rate.contract.price_adjustment_cap_percent
    if previous is not None and following is not None and _above_cap(cap, previous.amount, following.amount):
        raise ValidationError(_(
            "The contract caps price adjustments at %(cap)s%%: without this rate, the rate %(next)s from %(date)s "
            "would replace %(previous)s, a larger rise. Delete or change the later rate first.") % {
            "cap": _plain(cap), "next": _plain(following.amount), "date": following.effective_from.isoformat(),
            "previous": _plain(previous.amount)})
    rate.delete()


def _neighbours(contract: Contract, component: str, day: dt.date) -> tuple[ContractRate | None, ContractRate | None]:
    """The component's rates in effect just before and just after ``day``."""
    rates = ContractRate.objects.filter(contract=contract, component=component)
    return (rates.filter(effective_from__lt=day).order_by("-effective_from").first(),
            rates.filter(effective_from__gt=day).order_by("effective_from").first())


def _ceiling(cap: Decimal, previous: Decimal) -> Decimal:
    return (previous * (1 + cap / 100)).quantize(Decimal("0.0001"))


def _above_cap(cap: Decimal | None, previous: Decimal, amount: Decimal) -> bool:
    """Whether a rate rises more than the contract's price-adjustment cap over the one it
    replaces (no cap, or a previous rate of 0, caps nothing)."""
    return cap is not None and previous > 0 and amount > previous * (1 + cap / 100)


@transaction.atomic
def responsibility_add(*, actor, contract: Contract, category: str, description: str,
                       party: str = Responsibility.Party.VENDOR) -> Responsibility:
    _client_only(actor)
    item = Responsibility(contract=contract, category=category, description=description.strip(), party=party)
    item.full_clean()
    item.save()
    return item


@transaction.atomic
def responsibility_set_fulfilled(*, actor, responsibility: Responsibility, fulfilled: bool) -> Responsibility:
    _client_only(actor)
    responsibility.fulfilled = fulfilled
    responsibility.save(update_fields=["fulfilled"])
    return responsibility


@transaction.atomic
def responsibility_delete(*, actor, responsibility: Responsibility) -> None:
    _client_only(actor)
    responsibility.delete()


# --------------------------------------------------------------------------- invoices
#
# draft → sent → confirmed | disputed (with a reason) → (disputed: finance corrects, sends again)
# confirmed → approved (issued; immutable) → paid. Corrections after approval are credit notes.

def _require(actor, capability: str) -> None:
    if actor is not None and not (actor.is_superuser or actor.has_perm(capability)):
        raise PermissionDenied


def _state(invoice: Invoice, *allowed: str, action: str) -> None:
    if invoice.status not in allowed:
        raise ValidationError(_("An invoice that is %(status)s cannot be %(action)s.") % {
            "status": invoice.get_status_display(), "action": action})


def _locked_row(invoice: Invoice) -> Invoice:
    """Re-read the invoice under a row lock so two clicks cannot both move it."""
    return Invoice.objects.select_for_update(of=("self",)).select_related("contract", "contract__vendor").get(
        pk=invoice.pk)


def _charge_labels() -> dict[str, str]:
    labels = {c.value: str(c.label) for c in RateComponent}
    labels[pricing.Component.MINIMUM_MONTH.value] = _("Top-up to the minimum commitment")
    return labels


def _fmt_value(result) -> str:
    value = result.value
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def _sla_evaluation(*, actor, contract: Contract, policy: sla.SlaPolicy, project: Project, start: dt.date,
                    end: dt.date, fee: Decimal) -> sla.Evaluation:
    """The contract's policy judged on the contract's own days of the month, [start, end) (the
    invoice's served period, in the project's time zone): a contract that starts or ends
    within the month is measured on the contacts of the days it was in force, as it is billed
    for them. Each term through the metrics engine with its own parameters and scope, as the
    SLA pages judge a whole month (metrics.selectors.evaluate_on); a term declared for another
    period kind is not judged (no data, no credit)."""
    from steward.metrics import engine
    from steward.metrics import selectors as metrics_selectors  # metrics loads after contracts

    period = engine.period(start, end - dt.timedelta(days=1), project.time_zone)
    evaluation, _skipped = metrics_selectors.evaluate_on(user=actor, project=project, policy=policy,
                                                         vendor=contract.vendor.code, kind="month",
                                                         period=period, fee=fee)
    return evaluation


def _sla_amounts(*, actor, contract: Contract, start: dt.date, end: dt.date, month: tuple[dt.date, dt.date],
                 fees: Decimal, volumes) -> tuple[list, list]:
    """Credits and bonuses from the metrics SLA evaluation of the contract's policy on the
    contract's days [start, end) of the invoice's month, one evaluation per project with the
    fees shared by handled contacts. The evaluation decides which share of a term's allocation
    is credited and which bonus is earned; the amounts are exact shares of the invoice's own
    (rounded-down) pool and fees, rounded once by the contract's rule in the invoice."""
    if not contract.has_sla or not volumes or fees <= 0:
        return [], []
    policy = sla.parse_policy(contract.sla_policy_text)
    shares = invoicing.split(fees, [v.handled_contacts for v in volumes])
    pool = Fraction(invoicing.at_risk_pool(fees, contract.at_risk_percent, contract.rounding))
    # A part of the month is said on each SLA line, so nobody reads it as the month's figure.
    measured = "" if (start, end) == month else "; " + _(
        "measured on the contract's days %(first)s – %(last)s") % {
        "first": start.isoformat(), "last": (end - dt.timedelta(days=1)).isoformat()}
    credits, bonuses = [], []
    for vol, fee in zip(volumes, shares):
        evaluation = _sla_evaluation(actor=actor, contract=contract, policy=policy, project=vol.project,
                                     start=start, end=end, fee=fee)
        for term, outcome in zip(policy.terms, evaluation.terms):
            label = f"{vol.project.code} · {outcome.label}"
            credit = (pool * Fraction(fee) / Fraction(fees) * Fraction(term.allocation_percent) / 100
                      * Fraction(outcome.credit_percent) / 100)
            bonus = Fraction(fee) * Fraction(outcome.bonus_percent) / 100
            if credit > 0:
                credits.append(invoicing.SlaAmount(label, _(
                    "%(value)s against target %(target)s: %(pct)s%% of the term's %(alloc)s%% share of the "
                    "pool on fees %(fee)s") % {
                    "value": _fmt_value(outcome.result), "target": outcome.target,
                    "pct": _plain(outcome.credit_percent), "alloc": _plain(term.allocation_percent),
                    "fee": fee} + measured, credit))
            if bonus > 0:
                bonuses.append(invoicing.SlaAmount(label, _(
                    "%(value)s reached the bonus threshold %(bound)s: %(pct)s%% of fees %(fee)s") % {
                    "value": _fmt_value(outcome.result), "bound": term.bonus.bound,
                    "pct": _plain(term.bonus.bonus_percent), "fee": fee} + measured, bonus))
    return credits, bonuses


def _compute(*, actor, invoice: Invoice, adjustments: list[invoicing.Adjustment]) -> Invoice:
    """(Re)compute a draft's volumes, lines and totals from the contract, the rollups and the
    SLA evaluation, keeping its adjustments."""
    contract = invoice.contract
    served_start, served_end = invoice.served
    volumes = selectors.period_volumes(contract=contract, start=served_start, end=served_end)
    usage = pricing.Usage(fte=invoice.fte, handled_contacts=sum(v.handled_contacts for v in volumes),
                          minutes=sum((v.minutes for v in volumes), Decimal(0)),
                          resolved_tickets=sum(v.resolved_tickets for v in volumes))
    try:
        charge = pricing.period_charge(model=contract.pricing_model, start=served_start, end=served_end, usage=usage,
                                       rates=[r.as_pricing_rate() for r in contract.rates.all()],
                                       rounding=contract.rounding)
    except pricing.PricingError as error:
        raise ValidationError(_("This period cannot be priced: %(error)s") % {"error": error}) from None
    credits, bonuses = _sla_amounts(actor=actor, contract=contract, start=served_start, end=served_end,
                                    month=(invoice.period_start, invoice.period_end), fees=charge.total,
                                    volumes=volumes)
    draft = invoicing.draft_invoice(charge=charge, at_risk_percent=contract.at_risk_percent, credits=credits,
                                    bonuses=bonuses, adjustments=adjustments, charge_labels=_charge_labels(),
                                    rounding=contract.rounding)
    # The invoice keeps the rule it was computed with (stated on it, in its PDF and XLSX).
    invoice.rounding_mode, invoice.rounding_unit = contract.rounding_mode, contract.rounding_unit
    invoice.handled_contacts, invoice.minutes = usage.handled_contacts, usage.minutes
    invoice.resolved_tickets = usage.resolved_tickets
    invoice.pricing_model, invoice.currency = contract.pricing_model, contract.currency
    invoice.at_risk_percent = contract.at_risk_percent
    invoice.fees, invoice.adjustments, invoice.at_risk_pool = draft.fees, draft.adjustments, draft.at_risk_pool
    invoice.credits_claimed, invoice.credits, invoice.bonuses = draft.credits_claimed, draft.credits, draft.bonuses
    invoice.total = draft.total
    invoice.full_clean(validate_constraints=False)
    invoice.save()
    invoice.lines.all().delete()
    InvoiceLine.objects.bulk_create(
        InvoiceLine(invoice=invoice, position=i, kind=line.kind, label=line.label[:300],
                    explanation=line.explanation, amount=line.amount)
        for i, line in enumerate(draft.lines, start=1))
    # What each project contributed, kept with the invoice: its fees were shared by these, and
    # cost analytics shares the invoice by them, whatever later imports do to the rollups.
    invoice.volumes.all().delete()
    InvoiceVolume.objects.bulk_create(
        InvoiceVolume(invoice=invoice, project=v.project, handled_contacts=v.handled_contacts, minutes=v.minutes,
                      resolved_tickets=v.resolved_tickets) for v in volumes)
    return invoice


def _adjustments(invoice: Invoice) -> list[invoicing.Adjustment]:
    return [invoicing.Adjustment(line.label, line.amount)
            for line in invoice.lines.filter(kind=InvoiceLine.Kind.ADJUSTMENT).order_by("position")]


@transaction.atomic
def invoice_generate(*, actor, contract: Contract, month: dt.date, fte: Decimal | None = None,
                     adjustments: list[tuple[str, Decimal]] = ()) -> Invoice:
    """A draft invoice for the calendar month containing `month`. `fte` is the FTE billed
    (required for contracts with a per-FTE rate)."""
    _require(actor, "contracts.add_invoice")
    refusal = month_refusal(month)
    if refusal:
        raise ValidationError({"month": refusal})
    start, end = selectors.month_bounds(month)
    components = {r.component for r in contract.rates.all()}
    if pricing.Component.FTE_MONTH.value in components and fte is None:
        raise ValidationError({"fte": _("This contract bills per FTE: enter the FTE billed for the month.")})
    if fte is not None and fte < 0:
        raise ValidationError({"fte": _("FTE cannot be negative.")})
    # Two generations of the same contract at once queue here, so the second is refused below
    # instead of failing on the one-invoice-per-month constraint.
    Contract.objects.select_for_update().filter(pk=contract.pk).first()
    if Invoice.objects.filter(contract=contract, period_start=start, kind=Invoice.Kind.INVOICE).exists():
        raise ValidationError({"month": _("%(contract)s already has an invoice for %(month)s.") % {
            "contract": contract.code, "month": f"{start:%Y-%m}"}})
    if start < contract.start_date.replace(day=1) or (contract.end_date and start > contract.end_date):
        raise ValidationError({"month": _("The month lies outside the contract's term.")})
    invoice = Invoice(number=f"INV-{contract.code}-{start:%Y-%m}", contract=contract, period_start=start,
                      period_end=end, fte=fte or Decimal(0), currency=contract.currency,
                      pricing_model=contract.pricing_model, created_by=actor)
    adjustments = [invoicing.Adjustment(label.strip(), Decimal(amount)) for label, amount in adjustments]
    return _compute(actor=actor, invoice=invoice, adjustments=adjustments)


@transaction.atomic
def invoice_recompute(*, actor, invoice: Invoice, fte: Decimal | None = None) -> Invoice:
    """Recompute a draft (or disputed) invoice from the current volumes and SLA results."""
    _require(actor, "contracts.add_invoice")
    invoice = _locked_row(invoice)
    if not invoice.editable:
        raise ValidationError(_("Only a draft or disputed invoice can be changed."))
    if fte is not None:
        if fte < 0:
            raise ValidationError({"fte": _("FTE cannot be negative.")})
        invoice.fte = fte
    return _compute(actor=actor, invoice=invoice, adjustments=_adjustments(invoice))


@transaction.atomic
def invoice_add_adjustment(*, actor, invoice: Invoice, label: str, amount: Decimal) -> Invoice:
    """An extra charge (training fee, other cost; positive) or compensation (negative)."""
    _require(actor, "contracts.add_invoice")
    invoice = _locked_row(invoice)
    if not invoice.editable:
        raise ValidationError(_("Only a draft or disputed invoice can be changed."))
    label = (label or "").strip()
    if not label:
        raise ValidationError({"label": _("Say what the adjustment is for.")})
    if amount == 0:
        raise ValidationError({"amount": _("An adjustment of zero changes nothing.")})
    return _compute(actor=actor, invoice=invoice,
                    adjustments=[*_adjustments(invoice), invoicing.Adjustment(label, Decimal(amount))])


@transaction.atomic
def invoice_remove_adjustment(*, actor, line: InvoiceLine) -> Invoice:
    _require(actor, "contracts.add_invoice")
    invoice = _locked_row(line.invoice)
    if not invoice.editable:
        raise ValidationError(_("Only a draft or disputed invoice can be changed."))
    if line.kind != InvoiceLine.Kind.ADJUSTMENT:
        raise ValidationError(_("Only adjustments can be removed; charges and SLA lines are computed."))
    kept = [invoicing.Adjustment(x.label, x.amount) for x in
            invoice.lines.filter(kind=InvoiceLine.Kind.ADJUSTMENT).exclude(pk=line.pk).order_by("position")]
    return _compute(actor=actor, invoice=invoice, adjustments=kept)


@transaction.atomic
def invoice_delete(*, actor, invoice: Invoice) -> None:
    _require(actor, "contracts.add_invoice")
    invoice = _locked_row(invoice)
    _state(invoice, Invoice.Status.DRAFT, action=_("deleted"))
    invoice.delete()


def _vendor_managers(invoice: Invoice):
    return User.objects.filter(role=Role.VENDOR_MANAGER, vendor=invoice.contract.vendor, is_active=True)


def _finance():
    return User.objects.filter(role=Role.FINANCE, is_active=True)


@transaction.atomic
def invoice_send(*, actor, invoice: Invoice) -> Invoice:
    """Send a draft (or a corrected, disputed) invoice to the vendor for confirmation."""
    _require(actor, "contracts.add_invoice")
    invoice = _locked_row(invoice)
    _state(invoice, Invoice.Status.DRAFT, Invoice.Status.DISPUTED, action=_("sent"))
    invoice.status, invoice.sent_at = Invoice.Status.SENT, timezone.now()
    invoice.save(update_fields=["status", "sent_at"])
    notify(_vendor_managers(invoice), gettext_noop("Invoice %(number)s (%(total)s %(currency)s) awaits your "
                                                   "confirmation"),
           {"number": invoice.number, "total": str(invoice.total), "currency": invoice.currency},
           url=invoice.get_absolute_url())
    return invoice


def _vendor_side(actor, invoice: Invoice) -> None:
    _require(actor, "contracts.confirm_invoice")
    if actor is not None and not actor.is_superuser and actor.vendor_id != invoice.contract.vendor_id:
        raise PermissionDenied


@transaction.atomic
def invoice_confirm(*, actor, invoice: Invoice) -> Invoice:
    invoice = _locked_row(invoice)
    _vendor_side(actor, invoice)
    _state(invoice, Invoice.Status.SENT, action=_("confirmed"))
    invoice.status, invoice.answered_at, invoice.answered_by = Invoice.Status.CONFIRMED, timezone.now(), actor
    invoice.dispute_reason = ""
    invoice.save(update_fields=["status", "answered_at", "answered_by", "dispute_reason"])
    notify(_finance(), gettext_noop("%(vendor)s confirmed invoice %(number)s"),
           {"vendor": invoice.contract.vendor.name, "number": invoice.number}, url=invoice.get_absolute_url())
    return invoice


@transaction.atomic
def invoice_dispute(*, actor, invoice: Invoice, reason: str) -> Invoice:
    invoice = _locked_row(invoice)
    _vendor_side(actor, invoice)
    _state(invoice, Invoice.Status.SENT, action=_("disputed"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say what is wrong with the invoice.")})
    invoice.status, invoice.answered_at, invoice.answered_by = Invoice.Status.DISPUTED, timezone.now(), actor
    invoice.dispute_reason = reason
    invoice.save(update_fields=["status", "answered_at", "answered_by", "dispute_reason"])
    notify(_finance(), gettext_noop("%(vendor)s disputed invoice %(number)s: %(reason)s"),
           {"vendor": invoice.contract.vendor.name, "number": invoice.number, "reason": reason[:200]},
           url=invoice.get_absolute_url())
    return invoice


@transaction.atomic
def invoice_approve(*, actor, invoice: Invoice) -> Invoice:
    """Approve (issue) an invoice the vendor confirmed. From now on it cannot change."""
    _require(actor, "contracts.approve_invoice")
    invoice = _locked_row(invoice)
    _state(invoice, Invoice.Status.CONFIRMED, action=_("approved"))
    invoice.status, invoice.approved_at, invoice.approved_by = Invoice.Status.APPROVED, timezone.now(), actor
    invoice.save(update_fields=["status", "approved_at", "approved_by"])
    return invoice


@transaction.atomic
def invoice_mark_paid(*, actor, invoice: Invoice) -> Invoice:
    _require(actor, "contracts.approve_invoice")
    invoice = _locked_row(invoice)
    _state(invoice, Invoice.Status.APPROVED, action=_("marked paid"))
    invoice.status, invoice.paid_at, invoice.paid_by = Invoice.Status.PAID, timezone.now(), actor
    invoice.save(update_fields=list(Invoice.PAYMENT_FIELDS))
    return invoice


@transaction.atomic
def credit_note_create(*, actor, invoice: Invoice, amount: Decimal, reason: str) -> Invoice:
    """A credit note correcting an approved invoice: it references the invoice (which stays as
    it was) and is issued at once. Credit notes together cannot exceed the invoice's total."""
    _require(actor, "contracts.approve_invoice")
    invoice = _locked_row(invoice)
    if invoice.kind != Invoice.Kind.INVOICE or not invoice.locked:
        raise ValidationError(_("Only an approved invoice is corrected by a credit note; change a draft directly."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the invoice is corrected.")})
    try:
        amount = invoicing.money(Decimal(amount), invoice.rounding)
    except (ArithmeticError, TypeError, ValueError):
        raise ValidationError({"amount": _("Enter an amount.")}) from None
    if amount <= 0:
        raise ValidationError({"amount": _("A credit note credits an amount above zero.")})
    credited = -sum(invoice.credit_notes.values_list("total", flat=True), Decimal(0))
    if credited + amount > invoice.total:
        raise ValidationError({"amount": _("Credit notes may credit at most the invoice's total %(total)s "
                                           "(already credited %(credited)s).") % {
            "total": invoice.total, "credited": credited}})
    n = invoice.credit_notes.count() + 1
    note = Invoice(number=f"CN-{invoice.number.removeprefix('INV-')}-{n}", kind=Invoice.Kind.CREDIT_NOTE,
                   contract=invoice.contract, credit_of=invoice, period_start=invoice.period_start,
                   period_end=invoice.period_end, status=Invoice.Status.DRAFT, currency=invoice.currency,
                   pricing_model=invoice.pricing_model, at_risk_percent=invoice.at_risk_percent,
                   adjustments=-amount, total=-amount, reason=reason, created_by=actor,
                   rounding_mode=invoice.rounding_mode, rounding_unit=invoice.rounding_unit)
    note.full_clean(validate_constraints=False)
    note.save()
    InvoiceLine.objects.create(invoice=note, position=1, kind=InvoiceLine.Kind.CORRECTION,
                               label=_("Correction of invoice %(number)s") % {"number": invoice.number},
                               explanation=reason, amount=-amount)
    note.status, note.approved_at, note.approved_by = Invoice.Status.APPROVED, timezone.now(), actor
    note.save(update_fields=["status", "approved_at", "approved_by"])
    notify(_vendor_managers(invoice), gettext_noop("Credit note %(number)s corrects invoice %(invoice)s"),
           {"number": note.number, "invoice": invoice.number}, url=note.get_absolute_url())
    return note


# --------------------------------------------------------------------------- budgets

def _budget_target(project_code: str, vendor_code: str | None) -> tuple[Project, Vendor | None]:
    project = Project.objects.filter(code=project_code).first()
    if project is None:
        raise ValidationError({"project": _("Unknown project code %(code)s.") % {"code": project_code}})
    vendor = None
    if vendor_code:
        vendor = Vendor.objects.filter(code=vendor_code, projects=project).first()
        if vendor is None:
            raise ValidationError({"vendor": _("%(vendor)s does not serve project %(project)s.") % {
                "vendor": vendor_code, "project": project.code}})
    return project, vendor


@transaction.atomic
def budget_set(*, actor, project_code: str, month: dt.date, amount: Decimal, currency: str = "CNY",
               vendor_code: str | None = None, target_cost_per_contact: Decimal | None = None,
               note: str = "") -> Budget:
    """Set the budget of one project (or one vendor on it) for the calendar month containing
    `month`: created, or replaced when that month already has one."""
    _require(actor, "contracts.add_budget")
    project, vendor = _budget_target(project_code, vendor_code)
    first = month.replace(day=1)
    existing = Budget.objects.select_for_update(of=("self",)).filter(project=project, vendor=vendor, month=first).order_by()

    def apply(budget: Budget) -> Budget:
        budget.amount, budget.currency = amount, (currency or "").strip().upper()
        budget.target_cost_per_contact, budget.note = target_cost_per_contact, (note or "").strip()
        if len(budget.currency) != 3 or not budget.currency.isalpha():
            raise ValidationError({"currency": _("A currency is a three-letter code such as CNY.")})
        budget.full_clean(validate_constraints=False)
        return budget

    budget = existing.first()
    if budget is not None:
        apply(budget).save()
        return budget
    budget = apply(Budget(project=project, vendor=vendor, month=first, created_by=actor))
    try:
        with transaction.atomic():  # a concurrent save of the same new month may insert first
            budget.save()
    except IntegrityError:
        budget = apply(existing.get())  # …then this one replaces it, as a later save would
        budget.save()
    return budget


@transaction.atomic
def budget_set_year(*, actor, project_code: str, year: int, amount: Decimal, currency: str = "CNY",
                    vendor_code: str | None = None, target_cost_per_contact: Decimal | None = None,
                    note: str = "") -> list[Budget]:
    """A year's budget split evenly into its twelve months to the cent (the cents left over go
    to the first months, so the months add up to the year exactly)."""
    if not 2000 <= int(year) <= 2100:
        raise ValidationError({"year": _("Enter a year between 2000 and 2100.")})
    if amount is None or amount < 0:
        raise ValidationError({"amount": _("A budget is an amount of 0 or more.")})
    shares = invoicing.split(Decimal(amount).quantize(Decimal("0.01")), [1] * 12)
    return [budget_set(actor=actor, project_code=project_code, vendor_code=vendor_code,
                       month=dt.date(int(year), m, 1), amount=share, currency=currency,
                       target_cost_per_contact=target_cost_per_contact, note=note)
            for m, share in enumerate(shares, start=1)]


@transaction.atomic
def budget_delete(*, actor, budget: Budget) -> None:
    _require(actor, "contracts.delete_budget")
    budget.delete()
