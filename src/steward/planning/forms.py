"""Input forms: they parse and present; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from steward.collaboration.forms import DateInput, _people_choices
from steward.core.forms import ServiceForm
from steward.core.models import Channel
from steward.planning.models import Plan, ReadinessSignoff, Task


class PlanCreateForm(ServiceForm):
    start_date = forms.DateField(label=_("Plan starts on"), widget=DateInput)
    planned_headcount = forms.IntegerField(label=_("Planned headcount (agents)"), min_value=1, max_value=100000,
                                           required=False)


class NeedsForm(ServiceForm):
    business_type = forms.CharField(label=_("Business type"), max_length=200, required=False,
                                    help_text=_("E.g. online retail, consumer electronics, insurance."))
    scale = forms.ChoiceField(label=_("Scale"), choices=[("", "—")] + Plan.Scale.choices, required=False)
    channels = forms.MultipleChoiceField(label=_("Channels"), choices=Channel.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    presales_percent = forms.IntegerField(label=_("Pre-sales share (%)"), min_value=0, max_value=100, required=False,
                                          help_text=_("The rest is after-sales."))
    service_hours = forms.CharField(label=_("Service hours"), max_length=200, required=False,
                                    help_text=_("E.g. Mon–Sun 08:00–22:00, holidays included."))
    languages = forms.CharField(label=_("Languages"), max_length=200, required=False)
    peak_seasons = forms.CharField(label=_("Peak seasons"), max_length=300, required=False)
    planned_headcount = forms.IntegerField(label=_("Planned headcount (agents)"), min_value=1, max_value=100000,
                                           required=False)
    needs_notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Channel.choices:
            self.fields[f"volume_{value}"] = forms.IntegerField(
                label=_("Expected %(channel)s contacts per month") % {"channel": label}, min_value=0,
                max_value=10**9, required=False)

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        volumes = {c: data.pop(f"volume_{c}") for c in Channel.values}
        data["monthly_volumes"] = {c: v for c, v in volumes.items() if v is not None and c in data["channels"]}
        return data


class PhaseForm(ServiceForm):
    name = forms.CharField(label=_("Name"), max_length=200)
    start_date = forms.DateField(label=_("Start"), widget=DateInput)
    end_date = forms.DateField(label=_("End"), widget=DateInput)


class TaskForm(ServiceForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    phase = forms.ChoiceField(label=_("Phase"))
    assignee = forms.ChoiceField(label=_("Assignee"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Task.Priority.choices, initial=Task.Priority.NORMAL)
    start_date = forms.DateField(label=_("Start"), widget=DateInput, required=False)
    due_date = forms.DateField(label=_("Due date"), widget=DateInput, required=False)
    effort = forms.IntegerField(label=_("Effort (days)"), min_value=1, max_value=365, initial=1)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    depends_on = forms.MultipleChoiceField(label=_("Depends on"), required=False,
                                           widget=forms.SelectMultiple(attrs={"size": 6}))

    def __init__(self, *args, phases, people, candidates=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["phase"].choices = [(str(p.pk), p.name) for p in phases]
        self.fields["assignee"].choices = [("", "—")] + _people_choices(people)
        if candidates is None:
            del self.fields["depends_on"]
        else:
            self.fields["depends_on"].choices = [(str(t.pk), f"{t.phase.name} · {t.title}") for t in candidates]


class MoveForm(forms.Form):
    status = forms.ChoiceField(choices=Task.Status.choices)


class DependencyForm(forms.Form):
    prerequisite = forms.IntegerField(min_value=1)


class SignoffForm(forms.Form):
    item = forms.ChoiceField(label=_("Item"), choices=ReadinessSignoff.Item.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class RaciPartyForm(ServiceForm):
    name = forms.CharField(label=_("Role"), max_length=100)
    vendor = forms.ChoiceField(label=_("Side"), required=False)

    def __init__(self, *args, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [("", _("Client"))] + [(v.code, v.name) for v in vendors]


class RaciActivityForm(ServiceForm):
    name = forms.CharField(label=_("Activity"), max_length=200)
    accountable = forms.ChoiceField(label=_("Accountable (A)"))
    responsible = forms.ChoiceField(label=_("Responsible (R)"))

    def __init__(self, *args, parties, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(str(p.pk), p.name + (f" · {p.vendor.name}" if p.vendor_id else "")) for p in parties]
        self.fields["accountable"].choices = choices
        self.fields["responsible"].choices = choices
