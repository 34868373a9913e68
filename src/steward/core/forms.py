"""Input forms. They only parse and present input; the services validate and write, and their
ValidationErrors are shown on the form's fields."""

import zoneinfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from steward.core.models import ROLE_CHOICES, ApiToken, Channel, Project, Vendor

TIME_ZONES = sorted(zoneinfo.available_timezones())

# A date and time typed or sent for a meeting, a session or a deadline lies in these years (as
# stored contacts do): year 1 or 9999 with an offset or a zone overflows the datetime when it is
# converted, or is stored as a year before 1 or after 9999 that PostgreSQL then cannot read back.
MOMENT_YEARS = (1900, 2199)
MOMENT_REFUSED = gettext_noop("Choose a date and time between the years %(first)s and %(last)s.")

# The months Steward plans, bills and scores (budgets, invoices, price comparisons, scorecards):
# one beyond them is a typo, and 9999-12 overflows the arithmetic of the month after it.
MONTH_YEARS = (2000, 2100)


def month_refusal(month) -> str | None:
    """The translated refusal for a month outside MONTH_YEARS, else None."""
    if not MONTH_YEARS[0] <= month.year <= MONTH_YEARS[1]:
        return gettext("Choose a month between %(first)s and %(last)s.") % {
            "first": MONTH_YEARS[0], "last": MONTH_YEARS[1]}
    return None


def moment_refusal(value) -> str | None:
    """The translated refusal for a date and time outside MOMENT_YEARS, else None."""
    if value is not None and not MOMENT_YEARS[0] <= value.year <= MOMENT_YEARS[1]:
        return gettext(MOMENT_REFUSED) % {"first": MOMENT_YEARS[0], "last": MOMENT_YEARS[1]}
    return None


class MomentField(forms.DateTimeField):
    """A date and time field refusing years outside MOMENT_YEARS."""

    def validate(self, value):
        super().validate(value)
        refusal = moment_refusal(value)
        if refusal:
            raise ValidationError(refusal, code="year")


class ServiceForm(forms.Form):
    """A form whose `save` calls a service; a ValidationError from it lands on the fields."""

    def apply(self, write, **kwargs):
        try:
            return write(**kwargs)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    self.add_error(field if field in self.fields else None, errors)
            else:
                self.add_error(None, error)
            return None


class VendorForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=200)
    status = forms.ChoiceField(label=_("Status"), choices=Vendor.Status.choices, initial=Vendor.Status.ACTIVE)


class VendorEditForm(ServiceForm):
    """The status is not here: it moves only along the lifecycle (vendors.services.vendor_transition)."""

    name = forms.CharField(label=_("Name"), max_length=200)


class ProjectForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=32)
    name = forms.CharField(label=_("Name"), max_length=200)
    time_zone = forms.ChoiceField(label=_("Time zone"), choices=[(tz, tz) for tz in TIME_ZONES],
                                  initial="Asia/Shanghai")
    channels = forms.MultipleChoiceField(label=_("Channels"), choices=Channel.choices,
                                         widget=forms.CheckboxSelectMultiple)
    vendors = forms.MultipleChoiceField(label=_("Vendors"), required=False, widget=forms.CheckboxSelectMultiple)
    status = forms.ChoiceField(label=_("Status"), choices=Project.Status.choices, initial=Project.Status.PLANNING)
    business_calendar = forms.CharField(
        label=_("Business calendar"), max_length=32, required=False,
        help_text=_("Working hours and holidays for business-hours metrics: cn-9x18 (mainland China, "
                    "09:00–18:00 on working days, statutory holidays and make-up days), cn-24x7, 24x7; "
                    "empty: none."))

    def __init__(self, *args, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendors"].choices = [(v.code, v.name) for v in vendors]


class ProjectEditForm(ProjectForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["code"]


class UserForm(ServiceForm):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Family name"), max_length=150, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    role = forms.ChoiceField(label=_("Role"), choices=ROLE_CHOICES)
    vendor = forms.ChoiceField(label=_("Vendor"), required=False,
                               help_text=_("Only for vendor managers and agents."))
    password = forms.CharField(label=_("Initial password"), widget=forms.PasswordInput, required=False,
                               help_text=_("Leave empty to create the account without log-in."))

    def __init__(self, *args, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [("", "—")] + [(v.code, v.name) for v in vendors]

    def clean_password(self):
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data["password"]
        if password:
            validate_password(password)
        return password


class ApiTokenForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for, e.g. 'nightly ACD upload'."))
    scopes = forms.MultipleChoiceField(label=_("Scopes"), choices=ApiToken.Scope.choices,
                                       widget=forms.CheckboxSelectMultiple, initial=[ApiToken.Scope.READ])
    expires_in_days = forms.IntegerField(label=_("Expires after (days)"), min_value=1, max_value=366, initial=90)
