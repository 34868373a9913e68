"""Input forms: they parse and present; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from steward.collaboration.models import ActionItem, Announcement, FeedbackMessage, Meeting
from steward.core.forms import MomentField, ServiceForm


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def format_value(self, value):
        if hasattr(value, "strftime"):
            return value.strftime("%Y-%m-%dT%H:%M")
        return value


class DateInput(forms.DateInput):
    input_type = "date"


def _people_choices(people):
    return [(u.pk, f"{u.get_full_name() or u.username} · {u.vendor.name if u.vendor_id else _('client')}")
            for u in people]


class MeetingForm(ServiceForm):
    project = forms.ChoiceField(label=_("Project"))
    kind = forms.ChoiceField(label=_("Kind"), choices=Meeting.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    starts_at = MomentField(label=_("Starts at"), widget=DateTimeInput,
                                    input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
                                    help_text=_("In the project's time zone."))
    duration_minutes = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=24 * 60, initial=60)
    location = forms.CharField(label=_("Location or link"), max_length=300, required=False)
    vendors = forms.MultipleChoiceField(label=_("Vendors taking part"), required=False,
                                        widget=forms.CheckboxSelectMultiple)
    attendees = forms.MultipleChoiceField(label=_("Attendees"), required=False, widget=forms.CheckboxSelectMultiple,
                                          help_text=_("Client staff and staff of the vendors taking part."))
    agenda = forms.CharField(label=_("Agenda"), widget=forms.Textarea(attrs={"rows": 6}), required=False)

    def __init__(self, *args, projects, vendors, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.code, p.name) for p in projects]
        self.fields["vendors"].choices = [(v.code, v.name) for v in vendors]
        self.fields["attendees"].choices = _people_choices(people)


class MeetingEditForm(MeetingForm):
    minutes = forms.CharField(label=_("Minutes"), widget=forms.Textarea(attrs={"rows": 10}), required=False)
    status = forms.ChoiceField(label=_("Status"), choices=Meeting.Status.choices)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["project"]


class DecisionForm(ServiceForm):
    text = forms.CharField(label=_("Decision"), widget=forms.Textarea(attrs={"rows": 2}))


class ActionItemForm(ServiceForm):
    title = forms.CharField(label=_("Action"), max_length=300)
    owner = forms.ChoiceField(label=_("Owner"))
    due_date = forms.DateField(label=_("Due date"), widget=DateInput)
    notes = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, people, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = _people_choices(people)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices)


class AnnouncementForm(ServiceForm):
    AUDIENCE_CLIENT, AUDIENCE_ALL, AUDIENCE_CHOSEN = "client", "all", "chosen"

    kind = forms.ChoiceField(label=_("Kind"), choices=Announcement.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 10}))
    project = forms.ChoiceField(label=_("Project"), required=False,
                                help_text=_("Leave empty for the whole engagement."))
    to_client = forms.BooleanField(label=_("Send to the client's staff"), required=False, initial=True)
    audience = forms.ChoiceField(label=_("Vendors"), widget=forms.RadioSelect, initial="none", choices=[
        ("none", _("No vendor")), (AUDIENCE_ALL, _("All vendors (of the project, if one is chosen)")),
        (AUDIENCE_CHOSEN, _("Only the vendors ticked below")),
    ])
    vendors = forms.MultipleChoiceField(label=_("Chosen vendors"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, projects, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "—")] + [(p.code, p.name) for p in projects]
        self.fields["vendors"].choices = [(v.code, v.name) for v in vendors]


class FeedbackForm(ServiceForm):
    topic = forms.ChoiceField(label=_("Topic"), choices=FeedbackMessage.Topic.choices)
    project = forms.ChoiceField(label=_("Project"), required=False,
                                help_text=_("Optional. Shown only if enough colleagues work on it."))
    body = forms.CharField(label=_("Your message"), widget=forms.Textarea(attrs={"rows": 6}), max_length=4000)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "—")] + [(p.code, p.name) for p in projects]


class FeedbackAnswerForm(ServiceForm):
    answer = forms.CharField(label=_("Answer"), widget=forms.Textarea(attrs={"rows": 3}))
