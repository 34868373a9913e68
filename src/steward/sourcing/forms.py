"""Sourcing input forms. They parse input; the services validate and write."""

import zoneinfo
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.contracts.models import PricingModel, RateComponent
from steward.core.forms import MomentField, ServiceForm
from steward.core.models import Channel
from steward.sourcing.models import RATE_FIELDS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


def _volume_field(label):
    return forms.IntegerField(label=label, min_value=0, max_value=100_000_000, required=False,
                              help_text=_("Contacts per month."))


class EventForm(ServiceForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    project = forms.ChoiceField(label=_("Project"))
    description = forms.CharField(label=_("Scope of the service"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    handle_minutes = forms.DecimalField(label=_("Billable minutes per contact"), min_value=0, max_value=10000,
                                        decimal_places=2, initial=Decimal(5),
                                        help_text=_("Used to compare per-minute prices with the others."))
    languages = forms.CharField(label=_("Languages"), max_length=500, required=False,
                                help_text=_("Separated by commas."))
    service_hours = forms.CharField(label=_("Service hours"), max_length=300, required=False)
    draft_sla = forms.CharField(label=_("Draft SLA"), required=False, widget=forms.Textarea(attrs={"rows": 6}))
    deadline = MomentField(label=_("Proposal deadline"), widget=DATETIME,
                                   help_text=_("In the project's time zone."))
    evaluators = forms.MultipleChoiceField(label=_("Evaluators"), required=False,
                                           widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, projects, evaluators, **kwargs):
        super().__init__(*args, **kwargs)
        self.projects = {p.code: p for p in projects}
        self.fields["project"].choices = [(p.code, p.name) for p in projects]
        self.evaluator_users = {str(u.pk): u for u in evaluators}
        self.fields["evaluators"].choices = [(str(u.pk), u.get_full_name() or u.username) for u in evaluators]
        # One volume field per channel, after the title.
        for channel, label in Channel.choices:
            self.fields[f"volume_{channel}"] = _volume_field(_("Volume: %(channel)s") % {"channel": label})
        self.order_fields(["title", "project", "description", *[f"volume_{c}" for c in Channel.values]])

    def requirements(self) -> dict:
        data = self.cleaned_data
        project = self.projects[data["project"]]
        # The deadline is typed in the project's time zone, whatever the browser's.
        naive = timezone.make_naive(data["deadline"]) if timezone.is_aware(data["deadline"]) else data["deadline"]
        deadline = timezone.make_aware(naive, zoneinfo.ZoneInfo(project.time_zone))
        return dict(
            title=data["title"], description=data["description"], handle_minutes=data["handle_minutes"],
            languages=[x.strip() for x in data["languages"].split(",") if x.strip()],
            service_hours=data["service_hours"], draft_sla=data["draft_sla"], deadline=deadline,
            volumes={c: data[f"volume_{c}"] for c in Channel.values if data.get(f"volume_{c}")},
        )

    def chosen_project(self):
        return self.projects[self.cleaned_data["project"]]

    def chosen_evaluators(self):
        return [self.evaluator_users[pk] for pk in self.cleaned_data["evaluators"]]

    @staticmethod
    def initial_from(event) -> dict:
        tz = zoneinfo.ZoneInfo(event.project.time_zone)
        initial = {"title": event.title, "project": event.project.code, "description": event.description,
                   "handle_minutes": event.handle_minutes, "languages": ", ".join(event.languages),
                   "service_hours": event.service_hours, "draft_sla": event.draft_sla,
                   "deadline": timezone.make_naive(event.deadline, tz).replace(tzinfo=None),
                   "evaluators": [str(u.pk) for u in event.evaluators.all()]}
        initial.update({f"volume_{c}": n for c, n in event.volumes.items()})
        return initial


class InviteForm(ServiceForm):
    vendor = forms.ChoiceField(label=_("Vendor"))

    def __init__(self, *args, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendors = {v.code: v for v in vendors}
        self.fields["vendor"].choices = [(v.code, v.name) for v in vendors]


class WeightsForm(ServiceForm):
    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, **kwargs)
        for c in criteria:
            self.fields[c.key] = forms.IntegerField(label=c.get_key_display(), min_value=0, max_value=100,
                                                    initial=c.weight)

    def clean(self):
        data = super().clean()
        if not self.errors and sum(data.values()) != 100:
            raise forms.ValidationError(_("The weights add up to %(total)s; they must add up to 100."),
                                        params={"total": sum(data.values())})
        return data


class SubmissionForm(ServiceForm):
    proposal = forms.CharField(label=_("Proposal"), widget=forms.Textarea(attrs={"rows": 8}),
                               help_text=_("Your approach: staffing, training, quality, reporting, transition."))
    cases = forms.CharField(label=_("Reference cases"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    pricing_model = forms.ChoiceField(label=_("Pricing model"), choices=PricingModel.choices)
    proposed_fte = forms.DecimalField(label=_("Proposed FTE"), required=False, min_value=0, max_value=100000,
                                      decimal_places=2, help_text=_("Needed for a price per FTE."))
    price_notes = forms.CharField(label=_("Price assumptions"), required=False,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for component, label in RateComponent.choices:
            self.fields[f"rate_{component}"] = forms.DecimalField(
                label=label, required=False, min_value=0, max_value=Decimal("99999999"), decimal_places=4,
                help_text=_("Leave empty when your pricing model does not use it."))

    def rates(self) -> dict:
        return {c.value: self.cleaned_data[f"rate_{c.value}"] for c in RATE_FIELDS
                if self.cleaned_data.get(f"rate_{c.value}") is not None}

    @staticmethod
    def initial_from(submission) -> dict:
        initial = {"proposal": submission.proposal, "cases": submission.cases,
                   "pricing_model": submission.pricing_model, "proposed_fte": submission.proposed_fte,
                   "price_notes": submission.price_notes}
        initial.update({f"rate_{c}": amount for c, amount in submission.rates().items()})
        return initial


class DecisionForm(ServiceForm):
    chosen_vendor = forms.ChoiceField(label=_("Chosen vendor"))
    memo = forms.CharField(label=_("Decision memo"), widget=forms.Textarea(attrs={"rows": 6}))
    rationale = forms.CharField(label=_("Rationale"), widget=forms.Textarea(attrs={"rows": 4}),
                                help_text=_("Why this vendor, in particular where it is not the best ranked."))

    def __init__(self, *args, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.vendors = {v.code: v for v in vendors}
        self.fields["chosen_vendor"].choices = [(v.code, v.name) for v in vendors]


class ChecklistItemForm(ServiceForm):
    text = forms.CharField(label=_("New checklist item"), max_length=300)
