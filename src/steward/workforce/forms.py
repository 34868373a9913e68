from django import forms
from django.utils.translation import gettext_lazy as _

from steward.core.forms import ServiceForm
from steward.workforce.models import StaffingProfile
from steward.workforce.selectors import MAX_HORIZON_DAYS


class PlanForm(forms.Form):
    days = forms.IntegerField(label=_("Horizon (days)"), min_value=1, max_value=MAX_HORIZON_DAYS, initial=14,
                              required=False)
    vendor = forms.ChoiceField(label=_("Vendor"), required=False)
    queue = forms.CharField(label=_("Queue"), max_length=64, required=False)

    def __init__(self, *args, vendors=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [("", _("All vendors"))] + [(v.code, v.name) for v in vendors]


class EventForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    first_day = forms.DateField(label=_("First day"), widget=forms.DateInput(attrs={"type": "date"}))
    last_day = forms.DateField(label=_("Last day"), widget=forms.DateInput(attrs={"type": "date"}))
    multiplier = forms.DecimalField(
        label=_("Volume multiplier (manual override)"), required=False, min_value=0.01, max_value=100,
        decimal_places=3,
        help_text=_("Leave empty to use the promotion effect estimated from history; 1.5 means 50 % more contacts."))
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


class CommitmentForm(ServiceForm):
    vendor = forms.ChoiceField(label=_("Vendor"))
    seats = forms.DecimalField(label=_("Committed seats"), min_value=0, max_digits=7, decimal_places=1,
                               help_text=_("People the vendor keeps logged in during opening hours."))
    effective_from = forms.DateField(label=_("Effective from"), widget=forms.DateInput(attrs={"type": "date"}))
    contract = forms.ChoiceField(label=_("Contract"), required=False)

    def __init__(self, *args, vendors=(), contracts=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [(v.code, v.name) for v in vendors]
        self.fields["contract"].choices = [("", "—")] + [(c.code, f"{c.code} · {c.title}") for c in contracts]


class ProfileForm(forms.ModelForm):
    class Meta:
        model = StaffingProfile
        fields = ["model", "service_level", "target_seconds", "aht_seconds", "max_occupancy", "shrinkage",
                  "patience_seconds", "concurrency", "calendar"]
