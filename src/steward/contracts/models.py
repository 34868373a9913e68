"""Contracts between the client (the installation's Organisation) and one vendor: term and
renewal, pricing model with dated rates, headcount flex, price-adjustment cap, payment terms,
responsibilities checklist, and the attached SLA policy (YAML text validated by
steward.metrics.sla) with the share of fees at risk."""

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from steward.contracts import pricing
from steward.core.models import Project, Vendor, code_validator, validate_code_not_reserved
from steward.core.visibility import Visibility, VisibleManager

PERCENT = [MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))]


class PricingModel(models.TextChoices):
    PER_FTE = pricing.Model.PER_FTE.value, _("Per FTE (seat) per month")
    PER_CONTACT = pricing.Model.PER_CONTACT.value, _("Per handled contact")
    PER_MINUTE = pricing.Model.PER_MINUTE.value, _("Per minute")
    PER_RESOLVED = pricing.Model.PER_RESOLVED.value, _("Per resolved ticket")
    FIXED = pricing.Model.FIXED.value, _("Fixed monthly fee")
    HYBRID = pricing.Model.HYBRID.value, _("Hybrid with minimum commitment")


class RateComponent(models.TextChoices):
    FTE_MONTH = pricing.Component.FTE_MONTH.value, _("Per FTE per month")
    HANDLED_CONTACT = pricing.Component.HANDLED_CONTACT.value, _("Per handled contact")
    MINUTE = pricing.Component.MINUTE.value, _("Per minute")
    RESOLVED_TICKET = pricing.Component.RESOLVED_TICKET.value, _("Per resolved ticket")
    FIXED_MONTH = pricing.Component.FIXED_MONTH.value, _("Fixed fee per month")
    MINIMUM_MONTH = pricing.Component.MINIMUM_MONTH.value, _("Minimum commitment per month")


class RoundingMode(models.TextChoices):
    HALF_UP = pricing.RoundingMode.HALF_UP.value, _("Half up (halves away from zero)")
    HALF_EVEN = pricing.RoundingMode.HALF_EVEN.value, _("Half even (banker's rounding)")
    UP = pricing.RoundingMode.UP.value, _("Up (any remainder away from zero)")
    DOWN = pricing.RoundingMode.DOWN.value, _("Down (remainder dropped)")


class RoundingUnit(models.TextChoices):
    CENT = "0.01", _("to 0.01")
    UNIT = "1", _("to 1 (a currency without cents)")


def rounding_statement(mode: str, unit: str) -> str:
    """The rounding rule in words, as contracts and invoices state it."""
    return _("%(mode)s %(unit)s, line by line: each charge component is rounded once and its lines share "
             "that amount in whole units; adjustments, credits and bonuses are rounded one by one; the at-risk "
             "pool is rounded down; every total is the sum of its rounded lines.") % {
        "mode": RoundingMode(mode).label, "unit": RoundingUnit(unit).label}


class RoundingRuleMixin(models.Model):
    rounding_mode = models.CharField(_("rounding"), max_length=16, choices=RoundingMode.choices,
                                     default=RoundingMode.HALF_UP)
    rounding_unit = models.CharField(_("rounded to"), max_length=4, choices=RoundingUnit.choices,
                                     default=RoundingUnit.CENT)

    class Meta:
        abstract = True

    @property
    def rounding(self) -> pricing.Rounding:
        return pricing.Rounding(pricing.RoundingMode(self.rounding_mode), Decimal(self.rounding_unit))

    @property
    def rounding_rule(self) -> str:
        return rounding_statement(self.rounding_mode, self.rounding_unit)


class Contract(RoundingRuleMixin, models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        ENDED = "ended", _("Ended")
        TERMINATED = "terminated", _("Terminated")

    code = models.CharField(_("code"), max_length=32, unique=True,
                            validators=[code_validator, validate_code_not_reserved])
    title = models.CharField(_("title"), max_length=200)
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("vendor"))
    projects = models.ManyToManyField(Project, related_name="contracts", blank=True, verbose_name=_("projects"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True,
                                help_text=_("Empty for an open-ended contract."))
    auto_renew = models.BooleanField(_("renews automatically"), default=False)
    renewal_term_months = models.PositiveSmallIntegerField(_("renewal term (months)"), default=12,
                                                           validators=[MinValueValidator(1)])
    notice_days = models.PositiveSmallIntegerField(
        _("notice period (days)"), default=90,
        help_text=_("Days before the end date by which notice of (non-)renewal must be given."))
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    pricing_model = models.CharField(_("pricing model"), max_length=16, choices=PricingModel.choices)
    flex_percent = models.DecimalField(_("headcount flex (± %)"), max_digits=5, decimal_places=2, default=Decimal(0),
                                       validators=PERCENT)
    flex_notice_days = models.PositiveSmallIntegerField(_("flex notice (days)"), default=0)
    price_adjustment_cap_percent = models.DecimalField(
        _("price-adjustment cap (%)"), max_digits=5, decimal_places=2, null=True, blank=True, validators=PERCENT,
        help_text=_("The most a rate may rise over the rate it replaces; empty for no cap."))
    payment_terms_days = models.PositiveSmallIntegerField(_("payment terms (days)"), default=30)
    payment_terms_note = models.CharField(_("payment terms note"), max_length=300, blank=True)
    sla_policy_text = models.TextField(_("SLA policy (YAML)"), blank=True)
    sla_policy_name = models.CharField(_("SLA policy"), max_length=100, blank=True, editable=False)
    sla_policy_version = models.PositiveIntegerField(_("SLA policy version"), null=True, blank=True, editable=False)
    at_risk_percent = models.DecimalField(_("fees at risk (%)"), max_digits=5, decimal_places=2, default=Decimal(0),
                                          validators=PERCENT)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords(m2m_fields=[projects])

    objects = VisibleManager()
    visibility = Visibility(vendor="vendor")

    class Meta:
        ordering = ["code"]
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")

    def __str__(self) -> str:
        return f"{self.title} ({self.code})"

    def get_absolute_url(self) -> str:
        return reverse("contract-detail", kwargs={"code": self.code})

    def clean(self):
        if self.end_date and self.start_date and self.end_date <= self.start_date:
            raise ValidationError({"end_date": _("The end date must come after the start date.")})
        if self.signed_on and self.end_date and self.signed_on > self.end_date:
            raise ValidationError({"signed_on": _("A contract cannot be signed after it ends.")})

    @property
    def notice_deadline(self) -> dt.date | None:
        """The last day to give notice about renewal (None for open-ended contracts)."""
        return self.end_date - dt.timedelta(days=self.notice_days) if self.end_date else None

    @property
    def has_sla(self) -> bool:
        return bool(self.sla_policy_text.strip())


class ContractRate(models.Model):
    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="rates", verbose_name=_("contract"))
    component = models.CharField(_("component"), max_length=16, choices=RateComponent.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=4, validators=[MinValueValidator(0)])
    effective_from = models.DateField(_("effective from"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="contract__vendor")

    class Meta:
        ordering = ["contract", "component", "effective_from"]
        verbose_name = _("contract rate")
        verbose_name_plural = _("contract rates")
        constraints = [models.UniqueConstraint(
            fields=["contract", "component", "effective_from"], name="one_rate_per_component_and_date",
            violation_error_message=_("This component already has a rate from that date."))]

    def __str__(self) -> str:
        return f"{self.get_component_display()} {self.amount} from {self.effective_from}"

    def as_pricing_rate(self) -> pricing.Rate:
        return pricing.Rate(pricing.Component(self.component), self.amount, self.effective_from)


class Responsibility(models.Model):
    class Category(models.TextChoices):
        HEADCOUNT = "headcount", _("Headcount")
        TRAINING = "training", _("Training duties")
        SUPERVISION = "supervision", _("Supervision rights")
        DATA_SECURITY = "data_security", _("Data security")
        REPORTING = "reporting", _("Reporting")
        OTHER = "other", _("Other")

    class Party(models.TextChoices):
        CLIENT = "client", _("Client")
        VENDOR = "vendor", _("Vendor")

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="responsibilities",
                                 verbose_name=_("contract"))
    category = models.CharField(_("category"), max_length=16, choices=Category.choices)
    party = models.CharField(_("responsible party"), max_length=8, choices=Party.choices, default=Party.VENDOR)
    description = models.CharField(_("description"), max_length=500)
    fulfilled = models.BooleanField(_("fulfilled"), default=False)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="contract__vendor")

    class Meta:
        ordering = ["contract", "category", "pk"]
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")

    def __str__(self) -> str:
        return self.description


class InvoiceLocked(Exception):
    """An approved (issued) or paid invoice, or a credit note, is immutable; corrections are
    credit notes."""


class Invoice(RoundingRuleMixin, models.Model):
    """An invoice (or a credit note) for one contract period. Amounts are stored as computed
    at generation (steward.contracts.invoicing) and never recomputed once approved."""

    class Kind(models.TextChoices):
        INVOICE = "invoice", _("Invoice")
        CREDIT_NOTE = "credit_note", _("Credit note")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent to vendor")
        CONFIRMED = "confirmed", _("Confirmed by vendor")
        DISPUTED = "disputed", _("Disputed by vendor")
        APPROVED = "approved", _("Approved (issued)")
        PAID = "paid", _("Paid")

    LOCKED = frozenset({Status.APPROVED, Status.PAID})
    EDITABLE = frozenset({Status.DRAFT, Status.DISPUTED})
    # The only change an approved invoice accepts: being marked paid.
    PAYMENT_FIELDS = frozenset({"status", "paid_at", "paid_by"})

    number = models.CharField(_("number"), max_length=64, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices, default=Kind.INVOICE)
    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="invoices",
                                 verbose_name=_("contract"))
    credit_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="credit_notes", verbose_name=_("corrects invoice"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end (exclusive)"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    currency = models.CharField(_("currency"), max_length=3)
    pricing_model = models.CharField(_("pricing model"), max_length=16, choices=PricingModel.choices)
    # Volumes the charge was computed from (from the rollups; FTE as entered by finance).
    fte = models.DecimalField(_("FTE billed"), max_digits=10, decimal_places=2, default=Decimal(0))
    handled_contacts = models.PositiveIntegerField(_("handled contacts"), default=0)
    minutes = models.DecimalField(_("billable minutes"), max_digits=14, decimal_places=2, default=Decimal(0))
    resolved_tickets = models.PositiveIntegerField(_("resolved tickets"), default=0)
    fees = models.DecimalField(_("fees"), max_digits=14, decimal_places=2, default=Decimal(0))
    adjustments = models.DecimalField(_("adjustments"), max_digits=14, decimal_places=2, default=Decimal(0))
    at_risk_percent = models.DecimalField(_("fees at risk (%)"), max_digits=5, decimal_places=2, default=Decimal(0))
    at_risk_pool = models.DecimalField(_("at-risk pool"), max_digits=14, decimal_places=2, default=Decimal(0))
    credits_claimed = models.DecimalField(_("SLA credits claimed"), max_digits=14, decimal_places=2,
                                          default=Decimal(0))
    credits = models.DecimalField(_("SLA credits"), max_digits=14, decimal_places=2, default=Decimal(0))
    bonuses = models.DecimalField(_("SLA bonuses"), max_digits=14, decimal_places=2, default=Decimal(0))
    total = models.DecimalField(_("total"), max_digits=14, decimal_places=2, default=Decimal(0))
    reason = models.TextField(_("reason"), blank=True, help_text=_("Why a credit note corrects its invoice."))
    dispute_reason = models.TextField(_("dispute reason"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered by vendor"), null=True, blank=True)
    answered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("answered by"))
    approved_at = models.DateTimeField(_("approved"), null=True, blank=True)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("approved by"))
    paid_at = models.DateTimeField(_("paid"), null=True, blank=True)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", verbose_name=_("marked paid by"))
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor="contract__vendor")

    class Meta:
        ordering = ["-period_start", "number"]
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        constraints = [models.UniqueConstraint(
            fields=["contract", "period_start"], condition=models.Q(kind="invoice"),
            name="one_invoice_per_contract_period",
            violation_error_message=_("This contract already has an invoice for that period."))]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("invoice-detail", kwargs={"pk": self.pk})

    @property
    def locked(self) -> bool:
        return self.status in self.LOCKED

    @property
    def editable(self) -> bool:
        return self.kind == self.Kind.INVOICE and self.status in self.EDITABLE

    @property
    def period_last(self) -> dt.date:
        return self.period_end - dt.timedelta(days=1)

    @property
    def served(self) -> tuple[dt.date, dt.date]:
        """[start, end) of the period within the contract's term (its start and end dates
        inclusive): what is priced and counted, so that a contract starting or ending within the
        month is billed for its own days only."""
        start = max(self.period_start, self.contract.start_date)
        end = self.period_end
        if self.contract.end_date is not None:
            end = min(end, self.contract.end_date + dt.timedelta(days=1))
        return start, end

    def _stored_status(self) -> str | None:
        if self.pk is None:
            return None
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()

    def save(self, *args, **kwargs):
        stored = self._stored_status()
        if stored in self.LOCKED:
            fields = kwargs.get("update_fields")
            if not (stored == self.Status.APPROVED and self.status == self.Status.PAID and fields is not None
                    and set(fields) <= self.PAYMENT_FIELDS):
                raise InvoiceLocked(f"invoice {self.number} is {stored} and cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._stored_status() in self.LOCKED:
            raise InvoiceLocked(f"invoice {self.number} is approved and cannot be deleted")
        return super().delete(*args, **kwargs)


class PartOfInvoice(models.Model):
    """A row an invoice is made of: frozen with its invoice once that is approved (neither saved
    nor deleted). ``parts`` names the rows in the refusal."""

    parts = ""

    class Meta:
        abstract = True

    def _invoice_locked(self) -> bool:
        return Invoice.objects.filter(pk=self.invoice_id, status__in=Invoice.LOCKED).exists()

    def save(self, *args, **kwargs):
        if self._invoice_locked():
            raise InvoiceLocked(f"the {self.parts} of an approved invoice cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self._invoice_locked():
            raise InvoiceLocked(f"the {self.parts} of an approved invoice cannot be deleted")
        return super().delete(*args, **kwargs)


class InvoiceLine(PartOfInvoice):
    parts = "lines"

    class Kind(models.TextChoices):
        CHARGE = "charge", _("Charge")
        ADJUSTMENT = "adjustment", _("Adjustment")
        CREDIT = "credit", _("SLA credit")
        BONUS = "bonus", _("SLA bonus")
        CORRECTION = "correction", _("Correction")

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice"))
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    label = models.CharField(_("label"), max_length=300)
    explanation = models.TextField(_("explanation"), blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)

    objects = VisibleManager()
    visibility = Visibility(vendor="invoice__contract__vendor")

    class Meta:
        ordering = ["invoice", "position"]
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")

    def __str__(self) -> str:
        return f"{self.label}: {self.amount}"



class InvoiceVolume(PartOfInvoice):
    """The volumes of one of the contract's projects that an invoice was computed from, stored
    when it is generated (and again when a draft is recomputed): its fees were shared among the
    projects by these handled contacts for the SLA evaluation, and cost analytics shares the
    invoice among the projects by them. Later imports, undos or a rollup rebuild never change
    them, nor does a change of the contract's projects. Immutable once the invoice is approved."""

    parts = "volumes"

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="volumes", verbose_name=_("invoice"))
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="+", verbose_name=_("project"))
    handled_contacts = models.PositiveIntegerField(_("handled contacts"), default=0)
    minutes = models.DecimalField(_("billable minutes"), max_digits=14, decimal_places=2, default=Decimal(0))
    resolved_tickets = models.PositiveIntegerField(_("resolved tickets"), default=0)

    objects = VisibleManager()
    visibility = Visibility(vendor="invoice__contract__vendor")

    class Meta:
        ordering = ["invoice", "project__code"]
        verbose_name = _("invoice volume")
        verbose_name_plural = _("invoice volumes")
        constraints = [models.UniqueConstraint(fields=["invoice", "project"], name="one_volume_per_invoice_project")]

    def __str__(self) -> str:
        return f"{self.invoice_id}/{self.project_id}: {self.handled_contacts}"



class Budget(models.Model):
    """What the client plans to spend on one project (optionally one vendor of it) in one
    calendar month, in a currency; an optional target cost per handled contact. Finance enters
    months one by one or a year split into twelve months (services.budget_create_year)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="budgets", verbose_name=_("project"))
    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("vendor"), help_text=_("Empty for the whole project (every vendor)."))
    month = models.DateField(_("month"), help_text=_("The first day of the month budgeted."))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)])
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    target_cost_per_contact = models.DecimalField(
        _("target cost per handled contact"), max_digits=10, decimal_places=4, null=True, blank=True,
        validators=[MinValueValidator(0)])
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    history = HistoricalRecords()

    objects = VisibleManager()
    visibility = Visibility(vendor=None)  # the client's planning figures: never shown to vendors

    class Meta:
        ordering = ["month", "project", "vendor"]
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        constraints = [
            models.UniqueConstraint(fields=["project", "vendor", "month"], condition=models.Q(vendor__isnull=False),
                                    name="one_budget_per_project_vendor_month",
                                    violation_error_message=_("This vendor already has a budget for that month.")),
            models.UniqueConstraint(fields=["project", "month"], condition=models.Q(vendor__isnull=True),
                                    name="one_project_budget_per_month",
                                    violation_error_message=_("The project already has a budget for that month.")),
        ]

    def __str__(self) -> str:
        who = f"{self.project.code}/{self.vendor.code}" if self.vendor_id else self.project.code
        return f"{who} {self.month:%Y-%m}: {self.amount} {self.currency}"

    def clean(self):
        if self.month and self.month.day != 1:
            raise ValidationError({"month": _("A budget covers a calendar month: give its first day.")})
