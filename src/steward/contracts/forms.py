"""Contract input forms. They parse input; the services validate and write."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from steward.contracts.models import Contract, PricingModel, RateComponent, Responsibility, RoundingMode, RoundingUnit
from steward.core.forms import ServiceForm, month_refusal

DATE = forms.DateInput(attrs={"type": "date"})


class ContractForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=32)
    title = forms.CharField(label=_("Title"), max_length=200)
    vendor = forms.ChoiceField(label=_("Vendor"))
    projects = forms.MultipleChoiceField(label=_("Projects"), required=False, widget=forms.CheckboxSelectMultiple,
                                         help_text=_("Only projects the vendor serves."))
    status = forms.ChoiceField(label=_("Status"), choices=Contract.Status.choices, initial=Contract.Status.DRAFT)
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DATE)
    start_date = forms.DateField(label=_("Start date"), widget=DATE)
    end_date = forms.DateField(label=_("End date"), required=False, widget=DATE,
                               help_text=_("Empty for an open-ended contract."))
    auto_renew = forms.BooleanField(label=_("Renews automatically"), required=False)
    renewal_term_months = forms.IntegerField(label=_("Renewal term (months)"), min_value=1, max_value=120, initial=12)
    notice_days = forms.IntegerField(label=_("Notice period (days)"), min_value=0, max_value=3650, initial=90,
                                     help_text=_("Days before the end date by which notice of (non-)renewal "
                                                 "must be given."))
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    pricing_model = forms.ChoiceField(label=_("Pricing model"), choices=PricingModel.choices)
    rounding_mode = forms.ChoiceField(
        label=_("Rounding"), choices=RoundingMode.choices, initial=RoundingMode.HALF_UP, required=False,
        help_text=_("How every invoice amount is rounded: each charge component once, adjustments, credits and "
                    "bonuses one by one; totals are sums of rounded lines."))
    rounding_unit = forms.ChoiceField(label=_("Rounded to"), choices=RoundingUnit.choices, initial=RoundingUnit.CENT,
                                      required=False)
    flex_percent = forms.DecimalField(label=_("Headcount flex (± %)"), min_value=0, max_value=100, decimal_places=2,
                                      initial=Decimal(0))
    flex_notice_days = forms.IntegerField(label=_("Flex notice (days)"), min_value=0, max_value=365, initial=0)
    price_adjustment_cap_percent = forms.DecimalField(
        label=_("Price-adjustment cap (%)"), min_value=0, max_value=100, decimal_places=2, required=False,
        help_text=_("The most a rate may rise over the rate it replaces; empty for no cap."))
    payment_terms_days = forms.IntegerField(label=_("Payment terms (days)"), min_value=0, max_value=365, initial=30)
    payment_terms_note = forms.CharField(label=_("Payment terms note"), max_length=300, required=False)
    sla_policy_text = forms.CharField(
        label=_("SLA policy (YAML)"), required=False, widget=forms.Textarea(attrs={"rows": 12, "spellcheck": "false"}),
        help_text=_("Optional. When given, it is validated and its at_risk_percent becomes the contract's."))
    at_risk_percent = forms.DecimalField(label=_("Fees at risk (%)"), min_value=0, max_value=100, decimal_places=2,
                                         initial=Decimal(0))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, vendors, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [(v.code, v.name) for v in vendors]
        self.fields["projects"].choices = [(p.code, p.name) for p in projects]

    def terms(self) -> dict:
        data = dict(self.cleaned_data)
        for key in ("code", "vendor", "projects"):
            data.pop(key, None)
        for key in ("rounding_mode", "rounding_unit"):  # not given: the default (or, on edit, unchanged)
            if not data.get(key):
                data.pop(key, None)
        return data


class ContractEditForm(ContractForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["code"], self.fields["vendor"]


class RateForm(ServiceForm):
    component = forms.ChoiceField(label=_("Component"))
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=14, decimal_places=4)
    effective_from = forms.DateField(label=_("Effective from"), widget=DATE)

    def __init__(self, *args, components, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["component"].choices = [(c, RateComponent(c).label) for c in components]


class ResponsibilityForm(ServiceForm):
    category = forms.ChoiceField(label=_("Category"), choices=Responsibility.Category.choices)
    party = forms.ChoiceField(label=_("Responsible party"), choices=Responsibility.Party.choices,
                              initial=Responsibility.Party.VENDOR)
    description = forms.CharField(label=_("Description"), max_length=500)


class EstimateForm(forms.Form):
    """A period and its volumes, to price with the contract's rates."""

    start = forms.DateField(label=_("From"), widget=DATE)
    end = forms.DateField(label=_("To (inclusive)"), widget=DATE)
    fte = forms.DecimalField(label=_("FTE billed"), min_value=0, max_digits=10, decimal_places=2, required=False)
    handled_contacts = forms.IntegerField(label=_("Handled contacts"), min_value=0, required=False)
    minutes = forms.DecimalField(label=_("Billable minutes"), min_value=0, max_digits=14, decimal_places=2,
                                 required=False)
    resolved_tickets = forms.IntegerField(label=_("Resolved tickets"), min_value=0, required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and (end < start or (end - start).days > 366):
            raise forms.ValidationError(_("Choose a period of one day to one year, ending on or after its start."))
        return data


MONTH = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")


class InvoiceGenerateForm(ServiceForm):
    contract = forms.ChoiceField(label=_("Contract"))
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MONTH,
                            help_text=_("The calendar month invoiced, e.g. 2026-10."))
    fte = forms.DecimalField(label=_("FTE billed"), min_value=0, max_digits=10, decimal_places=2, required=False,
                             help_text=_("Required for contracts that bill per FTE."))

    def __init__(self, *args, contracts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contract"].choices = [(c.code, str(c)) for c in contracts]


class AdjustmentForm(ServiceForm):
    label = forms.CharField(label=_("Adjustment"), max_length=200,
                            help_text=_("E.g. extra training fee, compensation, other cost."))
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=2,
                                help_text=_("Positive for a charge, negative for a refund."))


class RecomputeForm(ServiceForm):
    fte = forms.DecimalField(label=_("FTE billed"), min_value=0, max_digits=10, decimal_places=2, required=False)


class DisputeForm(ServiceForm):
    reason = forms.CharField(label=_("What is wrong"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CreditNoteForm(ServiceForm):
    amount = forms.DecimalField(label=_("Amount credited"), min_value=Decimal("0.01"), max_digits=14,
                                decimal_places=2)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class CostForm(forms.Form):
    first = forms.DateField(label=_("From month"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MONTH,
                            required=False)
    last = forms.DateField(label=_("To month"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MONTH, required=False)
    year = forms.IntegerField(label=_("Budget year"), min_value=2000, max_value=2100, required=False)
    project = forms.ChoiceField(label=_("Project (budget)"), required=False)
    vendor = forms.ChoiceField(label=_("Vendor (budget)"), required=False)

    def __init__(self, *args, projects, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", _("All projects"))] + [(p.code, p.name) for p in projects]
        self.fields["vendor"].choices = [("", _("All vendors"))] + [(v.code, v.name) for v in vendors]


class _BudgetTarget(ServiceForm):
    project = forms.ChoiceField(label=_("Project"))
    vendor = forms.ChoiceField(label=_("Vendor"), required=False,
                               help_text=_("Empty for the whole project (every vendor)."))

    def __init__(self, *args, projects, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.code, p.name) for p in projects]
        self.fields["vendor"].choices = [("", _("Whole project"))] + [(v.code, v.name) for v in vendors]
        # Keep the money fields after the target.
        self.order_fields(["project", "vendor"])


class BudgetForm(_BudgetTarget):
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MONTH)
    amount = forms.DecimalField(label=_("Amount"), min_value=0, max_digits=14, decimal_places=2)
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    target_cost_per_contact = forms.DecimalField(label=_("Target cost per handled contact"), min_value=0,
                                                 max_digits=10, decimal_places=4, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class BudgetYearForm(_BudgetTarget):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    amount = forms.DecimalField(label=_("Amount for the year"), min_value=0, max_digits=14, decimal_places=2,
                                help_text=_("Split evenly into twelve months to the cent; the months add up to "
                                            "the year exactly. Months already budgeted are replaced."))
    currency = forms.CharField(label=_("Currency"), max_length=3, initial="CNY")
    target_cost_per_contact = forms.DecimalField(label=_("Target cost per handled contact"), min_value=0,
                                                 max_digits=10, decimal_places=4, required=False)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ComparisonForm(forms.Form):
    """A project, a month and its volumes: entered, or taken from the workforce forecast."""

    SOURCE_ENTERED, SOURCE_FORECAST = "entered", "forecast"
    project = forms.ChoiceField(label=_("Project"))
    month = forms.DateField(label=_("Month"), input_formats=["%Y-%m", "%Y-%m-%d"], widget=MONTH)
    source = forms.ChoiceField(label=_("Volumes"), initial=SOURCE_ENTERED, choices=[
        (SOURCE_ENTERED, _("As entered below")), (SOURCE_FORECAST, _("From the workforce forecast"))])
    offered = forms.IntegerField(label=_("Contacts offered"), min_value=0, max_value=100_000_000, required=False)
    handled_contacts = forms.IntegerField(label=_("Handled contacts"), min_value=0, max_value=100_000_000,
                                          required=False)
    minutes = forms.DecimalField(label=_("Billable minutes"), min_value=0, max_digits=12, decimal_places=2,
                                 required=False)
    resolved_tickets = forms.IntegerField(label=_("Resolved tickets"), min_value=0, max_value=100_000_000,
                                          required=False)
    fte = forms.DecimalField(label=_("FTE"), min_value=0, max_digits=7, decimal_places=2, required=False)
    months_back = forms.IntegerField(label=_("Recent months of SLA performance"), min_value=1, max_value=12,
                                     initial=3, required=False)
    include_ended = forms.BooleanField(label=_("Include ended and terminated contracts"), required=False)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.code, p.name) for p in projects]

    def clean_month(self):
        month = self.cleaned_data["month"]
        refusal = month_refusal(month)
        if refusal:
            raise forms.ValidationError(refusal)
        return month
