"""Input forms: they parse and present; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from steward.collaboration.forms import DateInput, _people_choices
from steward.core.forms import ServiceForm
from steward.improvement.models import CapaAction, CorrectiveAction, Risk

SCALE_CHOICES = [(i, str(i)) for i in range(1, 6)]


class CapaForm(ServiceForm):
    vendor = forms.ChoiceField(label=_("Vendor"))
    project = forms.ChoiceField(label=_("Project"), required=False)
    title = forms.CharField(label=_("Title"), max_length=200)
    source = forms.ChoiceField(label=_("Source"), choices=CorrectiveAction.Source.choices)
    source_reference = forms.CharField(label=_("Source reference"), max_length=200, required=False,
                                       help_text=_("E.g. the KPI and period, the evaluation or the audit finding."))
    problem = forms.CharField(label=_("Problem statement"), widget=forms.Textarea(attrs={"rows": 5}))
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)

    def __init__(self, *args, vendors, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [(v.code, v.name) for v in vendors]
        self.fields["project"].choices = [("", "—")] + [(p.code, p.name) for p in projects]


class RespondForm(ServiceForm):
    why1 = forms.CharField(label=_("Why? (1)"), max_length=500, required=False)
    why2 = forms.CharField(label=_("Why? (2)"), max_length=500, required=False)
    why3 = forms.CharField(label=_("Why? (3)"), max_length=500, required=False)
    why4 = forms.CharField(label=_("Why? (4)"), max_length=500, required=False)
    why5 = forms.CharField(label=_("Why? (5)"), max_length=500, required=False)
    root_cause = forms.CharField(label=_("Root cause"), widget=forms.Textarea(attrs={"rows": 3}))
    response = forms.CharField(label=_("Your response"), widget=forms.Textarea(attrs={"rows": 5}))


class CapaActionForm(ServiceForm):
    description = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ChoiceField(label=_("Owner"))
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _people_choices(people)


class CapaStepForm(forms.Form):
    step = forms.ChoiceField(choices=[(s, s) for s in ("start", "submit", "accept", "reject", "reopen")])
    note = forms.CharField(required=False, widget=forms.Textarea)
    lessons = forms.CharField(required=False, widget=forms.Textarea)


class CapaActionStatusForm(forms.Form):
    status = forms.ChoiceField(choices=CapaAction.Status.choices)


class RiskForm(ServiceForm):
    project = forms.ChoiceField(label=_("Project"))
    title = forms.CharField(label=_("Risk"), max_length=200)
    category = forms.ChoiceField(label=_("Category"), choices=Risk.Category.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    likelihood = forms.TypedChoiceField(label=_("Likelihood (1 rare – 5 almost certain)"), choices=SCALE_CHOICES,
                                        coerce=int)
    impact = forms.TypedChoiceField(label=_("Impact (1 minor – 5 severe)"), choices=SCALE_CHOICES, coerce=int)
    owner = forms.ChoiceField(label=_("Owner"))
    mitigation = forms.CharField(label=_("Mitigation"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    contingency_trigger = forms.CharField(label=_("Contingency trigger"), widget=forms.Textarea(attrs={"rows": 2}),
                                          required=False)
    contingency_plan = forms.CharField(label=_("Contingency plan"), widget=forms.Textarea(attrs={"rows": 4}),
                                       required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Risk.Status.choices, initial=Risk.Status.OPEN)
    review_date = forms.DateField(label=_("Next review"), widget=DateInput)
    vendors = forms.MultipleChoiceField(label=_("Shared with vendors"), required=False,
                                        widget=forms.CheckboxSelectMultiple,
                                        help_text=_("Vendors who see this risk. None keeps it internal to the client."))

    def __init__(self, *args, projects, vendors, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.code, p.name) for p in projects]
        self.fields["vendors"].choices = [(v.code, v.name) for v in vendors]
        self.fields["owner"].choices = _people_choices(people)


class RiskEditForm(RiskForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["project"]
