"""Every write to contracts, their rates and responsibilities. Keyword-only, transactional,
validated by the models' rules plus the contract rules that span rows: projects must be served
by the contract's vendor, rates must fit the pricing model and respect the price-adjustment
cap, and an attached SLA policy must be valid YAML per steward.metrics.sla."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from steward.contracts import pricing
from steward.contracts.models import Contract, ContractRate, Responsibility
from steward.core.models import Project, Vendor
from steward.metrics import sla

# The contract's own terms, settable at creation and on edit.
TERM_FIELDS = ("title", "status", "signed_on", "start_date", "end_date", "auto_renew", "renewal_term_months",
               "notice_days", "currency", "pricing_model", "flex_percent", "flex_notice_days",
               "price_adjustment_cap_percent", "payment_terms_days", "payment_terms_note", "sla_policy_text",
               "at_risk_percent", "notes")


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


@transaction.atomic
def rate_add(*, actor, contract: Contract, component: str, amount: Decimal, effective_from) -> ContractRate:
    """Add a dated rate. With a price-adjustment cap, a rate may rise at most that share over
    the rate of the same component it replaces."""
    _client_only(actor)
    allowed = pricing.MODEL_COMPONENTS[pricing.Model(contract.pricing_model)]
    if component not in {c.value for c in allowed}:
        raise ValidationError({"component": _("The %(model)s pricing model has no such rate.") % {
            "model": contract.get_pricing_model_display()}})
    rate = ContractRate(contract=contract, component=component, amount=amount, effective_from=effective_from)
    rate.full_clean(validate_constraints=False)
    cap = contract.price_adjustment_cap_percent
    previous = (ContractRate.objects.filter(contract=contract, component=component,
                                            effective_from__lt=effective_from).order_by("-effective_from").first())
    if cap is not None and previous is not None and previous.amount > 0:
        ceiling = previous.amount * (1 + cap / 100)
        if Decimal(amount) > ceiling:
            raise ValidationError({"amount": _(
                "The contract caps price adjustments at %(cap)s%%: this rate may be at most %(ceiling)s "
                "(previous %(previous)s from %(date)s).") % {
                "cap": _plain(cap), "ceiling": _plain(ceiling.quantize(Decimal("0.0001"))),
                "previous": _plain(previous.amount), "date": previous.effective_from.isoformat()}})
    try:
        with transaction.atomic():
            rate.save()
    except IntegrityError:
        raise ValidationError({"effective_from": _("This component already has a rate from that date.")}) from None
    return rate


@transaction.atomic
def rate_delete(*, actor, rate: ContractRate) -> None:
    _client_only(actor)
    rate.delete()


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
