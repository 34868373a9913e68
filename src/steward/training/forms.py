"""Input forms: they parse and present; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from steward.collaboration.forms import DateInput, DateTimeInput
from steward.core.forms import MomentField, ServiceForm
from steward.interactions.models import Agent
from steward.training.models import Article, Assessment, Attendance, Session

PHRASES_HELP = _("One phrase per line.")


class ArticleForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=64)
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Article.Kind.choices)
    project = forms.ChoiceField(label=_("Project"), required=False,
                                help_text=_("Empty for an article every project uses."))
    body = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 12}))
    sample_dialogues = forms.CharField(label=_("Sample dialogues"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 6}),
                                       help_text=_("Lines “agent: …” / “customer: …”; a blank line between dialogues."))
    banned_phrases = forms.CharField(label=_("Banned phrases"), required=False,
                                     widget=forms.Textarea(attrs={"rows": 4}), help_text=PHRASES_HELP)
    required_phrases = forms.CharField(label=_("Required phrases"), required=False,
                                       widget=forms.Textarea(attrs={"rows": 4}), help_text=PHRASES_HELP)
    change_note = forms.CharField(label=_("What changed"), max_length=300, required=False)

    def __init__(self, *args, projects, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [("", "—")] + [(p.code, p.name) for p in projects]
        if editing:
            for name in ("code", "kind", "project"):
                del self.fields[name]


class CourseForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    programme = forms.ChoiceField(label=_("Programme"), required=False)
    new_programme = forms.CharField(label=_("Or a new programme"), max_length=200, required=False)
    description = forms.CharField(label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    refresher_months = forms.IntegerField(label=_("Refresher every (months)"), min_value=0, max_value=60, initial=0,
                                          help_text=_("0 means the certification does not expire; 1 is a monthly refresher."))
    articles = forms.MultipleChoiceField(label=_("Reading"), required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, programmes, articles, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "—")] + [(p.code, p.name) for p in programmes]
        self.fields["articles"].choices = [(a.code, a.title) for a in articles]


class AssessmentForm(ServiceForm):
    code = forms.CharField(label=_("Code"), max_length=64)
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Assessment.Kind.choices)
    max_score = forms.DecimalField(label=_("Maximum score"), max_digits=6, decimal_places=2, initial=100, min_value=0)
    pass_mark = forms.DecimalField(label=_("Pass mark"), max_digits=6, decimal_places=2, initial=80, min_value=0)
    scenario = forms.CharField(label=_("Scenario"), required=False, widget=forms.Textarea(attrs={"rows": 5}),
                               help_text=_("For a role-play: the customer, the situation and what a good answer shows."))


class RequireForm(ServiceForm):
    project = forms.ChoiceField(label=_("Project"))

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.code, p.name) for p in projects]


class SessionForm(ServiceForm):
    course = forms.ChoiceField(label=_("Course"))
    vendor = forms.ChoiceField(label=_("Vendor"))
    mode = forms.ChoiceField(label=_("Mode"), choices=Session.Mode.choices)
    starts_at = MomentField(label=_("Starts at"), widget=DateTimeInput)
    ends_at = MomentField(label=_("Ends at"), widget=DateTimeInput)
    location = forms.CharField(label=_("Location or link"), max_length=300, required=False)
    trainer = forms.CharField(label=_("Trainer"), max_length=200, required=False)
    refresher = forms.BooleanField(label=_("Refresher"), required=False)
    agents = forms.MultipleChoiceField(label=_("Agents"), required=False, widget=forms.CheckboxSelectMultiple)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, courses, vendors, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course"].choices = [(c.code, c.name) for c in courses]
        self.fields["vendor"].choices = [(v.code, v.name) for v in vendors]
        self.fields["agents"].choices = [(a.pk, f"{a} · {a.vendor.code}") for a in agents]


class AttendanceForm(forms.Form):
    agent = forms.IntegerField()
    status = forms.ChoiceField(choices=Attendance.Status.choices)


class ResultForm(ServiceForm):
    assessment = forms.ChoiceField(label=_("Assessment"))
    agent = forms.ChoiceField(label=_("Agent"))
    score = forms.DecimalField(label=_("Score"), max_digits=6, decimal_places=2, min_value=0)
    taken_on = forms.DateField(label=_("Taken on"), widget=DateInput)
    notes = forms.CharField(label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, assessments, agents, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assessment"].choices = [(a.pk, f"{a.name} ({a.get_kind_display()})") for a in assessments]
        self.fields["agent"].choices = [(a.pk, str(a)) for a in agents]


class AgentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Agent.Status.choices)
