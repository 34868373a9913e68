"""Quality forms. They parse and present input; the services validate and write."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from steward.core.forms import ServiceForm
from steward.interactions.forms import DATE_BOUNDS
from steward.quality.models import ComplianceRule, SamplingPlan

EXAMPLE_SCORECARD = """name: Chat quality standard
name_zh: 在线客服质检标准
pass_mark: 80
dispute_days: 7
sections:
  - title: Opening
    title_zh: 开场
    criteria:
      - key: greeting
        label: Uses the brand greeting
        label_zh: 使用标准问候语
        weight: 10
        scale: yes_no
        guidance: Within the first two agent turns.
  - title: Handling
    title_zh: 处理
    criteria:
      - key: accuracy
        label: Gives correct information
        label_zh: 信息准确
        weight: 30
        scale: 1-5
        na_allowed: false
      - key: privacy
        label: Protects the customer's personal data
        label_zh: 保护客户隐私
        weight: 20
        auto_fail: true
"""


class ScorecardForm(ServiceForm):
    project = forms.ChoiceField(label=_("Project"))
    code = forms.CharField(label=_("Code"), max_length=32,
                           help_text=_("1–32 letters, digits, '-' or '_'; unique in the project."))
    source = forms.CharField(label=_("Scorecard (YAML)"), widget=forms.Textarea(attrs={"rows": 30, "class": "code"}),
                             initial=EXAMPLE_SCORECARD, max_length=200_000)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.code, f"{p.name} ({p.code})") for p in projects]


class SourceForm(ServiceForm):
    source = forms.CharField(label=_("Scorecard (YAML)"), widget=forms.Textarea(attrs={"rows": 30, "class": "code"}),
                             max_length=200_000)


class AssignForm(ServiceForm):
    scorecard = forms.ChoiceField(label=_("Scorecard"))
    analyst = forms.ChoiceField(label=_("Analyst"))
    external_ids = forms.CharField(
        label=_("Contacts"), widget=forms.Textarea(attrs={"rows": 6}), max_length=20_000,
        help_text=_("External ids of the contacts to evaluate, one per line (at most 200)."))

    def __init__(self, *args, scorecards, analysts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scorecard"].choices = [(str(s.pk), f"{s.project.code} · {s.code}") for s in scorecards]
        self.fields["analyst"].choices = [(str(u.pk), u.get_full_name() or u.username) for u in analysts]

    def clean_external_ids(self):
        ids = list(dict.fromkeys(line.strip() for line in self.cleaned_data["external_ids"].splitlines() if line.strip()))
        if not ids:
            raise ValidationError(_("Give at least one contact."))
        if len(ids) > 200:
            raise ValidationError(_("At most 200 contacts at a time."))
        return ids


class EvaluationForm(ServiceForm):
    """One answer field and one comment per criterion, named after the criterion's key."""

    comment = forms.CharField(label=_("Overall comment"), required=False, max_length=5000,
                              widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, criteria, answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        answers = answers or {}
        self.criteria = criteria
        for c in criteria:
            given = answers.get(c.pk)
            self.fields[f"c_{c.key}"] = forms.ChoiceField(
                label=c.display_label, choices=c.choices(), required=False, widget=forms.RadioSelect,
                initial=given.value if given else None)
            self.fields[f"n_{c.key}"] = forms.CharField(
                label=_("Comment"), required=False, max_length=5000,
                widget=forms.Textarea(attrs={"rows": 1}), initial=given.comment if given else "")

    def rows(self):
        """[(criterion, answer field, comment field)] for the template."""
        return [(c, self[f"c_{c.key}"], self[f"n_{c.key}"]) for c in self.criteria]

    def answers(self) -> dict[str, tuple[str, str]]:
        data = self.cleaned_data
        return {c.key: (data.get(f"c_{c.key}") or "", data.get(f"n_{c.key}") or "") for c in self.criteria}

    def raw_answers(self) -> dict[str, str]:
        """What the form holds now, valid or not, for the live score preview."""
        return {c.key: str(self.data.get(f"c_{c.key}", "")) for c in self.criteria}

    def apply(self, write, **kwargs):
        try:
            return write(**kwargs)
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for key, errors in error.error_dict.items():
                    name = f"c_{key}" if f"c_{key}" in self.fields else (key if key in self.fields else None)
                    self.add_error(name, errors)
            else:
                self.add_error(None, error)
            return None


class ReviewForm(EvaluationForm):
    comment = None  # the evaluator's overall comment stays as it was
    review_comment = forms.CharField(label=_("Re-review decision"), max_length=5000,
                                     widget=forms.Textarea(attrs={"rows": 3}))


class DisputeForm(ServiceForm):
    reason = forms.CharField(label=_("Why do you dispute this evaluation?"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 4}))


class PlanForm(ServiceForm):
    scorecard = forms.ChoiceField(label=_("Scorecard"))
    name = forms.CharField(label=_("Name"), max_length=200)
    per_agent_per_week = forms.IntegerField(label=_("Contacts per agent per week"), min_value=1, max_value=500,
                                            initial=5)
    share_percent = forms.DecimalField(
        label=_("Or a share of each agent's weekly contacts (%)"), required=False, min_value=Decimal("0.01"),
        max_value=100, decimal_places=2,
        help_text=_("When given, each agent-week gives this share of its contacts, rounded up, instead of N."))
    seed = forms.IntegerField(label=_("Seed"), required=False, min_value=0, max_value=2**62,
                              help_text=_("Leave empty for a random seed; it is stored, so every draw can be repeated."))
    stratify_by = forms.ChoiceField(label=_("Stratify by"), required=False, choices=[
        ("", _("Nothing (per agent and week)")), ("channel", _("Channel")), ("queue", _("Queue")),
        ("outcome", _("Outcome"))], help_text=_("Draw N (or the share) in each stratum of an agent's week."))
    targets = forms.MultipleChoiceField(label=_("Also draw targeted contacts"), required=False,
                                        widget=forms.CheckboxSelectMultiple,
                                        choices=list(SamplingPlan.TARGETS.items()),
                                        help_text=_("Up to N more per agent and week among the contacts that match."))
    long_handle_seconds = forms.IntegerField(label=_("Long handle time from (seconds)"), min_value=60,
                                             max_value=86400, initial=900, required=False)
    negative_sentiment_min = forms.IntegerField(
        label=_("Negative customer sentiment from (terms)"), min_value=1, max_value=20, initial=2, required=False,
        help_text=_("Negative-emotion words and phrases the customer used (angry, disappointed, complain …), "
                    "negated ones not counted."))

    def __init__(self, *args, scorecards, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scorecard"].choices = [(str(s.pk), f"{s.project.code} · {s.code}") for s in scorecards]


class DrawForm(ServiceForm):
    analyst = forms.ChoiceField(label=_("Analyst"))
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, analysts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["analyst"].choices = [(str(u.pk), u.get_full_name() or u.username) for u in analysts]


# --- compliance --------------------------------------------------------------------------------



class RuleForm(ServiceForm):
    project = forms.ChoiceField(label=_("Project"))
    code = forms.CharField(label=_("Code"), max_length=64,
                           help_text=_("Letters, digits, '-' or '_'; unique in the project."))
    name = forms.CharField(label=_("Name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=ComplianceRule.Kind.choices)
    phrases = forms.CharField(label=_("Phrases"), required=False, max_length=20_000,
                              widget=forms.Textarea(attrs={"rows": 5}),
                              help_text=_("Banned or required phrases, one per line, Chinese or English; "
                                          "any one of them counts. Case does not matter."))
    pattern = forms.CharField(label=_("Regular expression"), required=False, max_length=500,
                              help_text=_("For the regular-expression kind (Python syntax, case-insensitive)."))
    pii_kind = forms.ChoiceField(label=_("Personal data"), required=False,
                                 choices=[("", "—")] + list(ComplianceRule.PiiKind.choices))
    speaker = forms.ChoiceField(label=_("Said by"), choices=ComplianceRule.Speaker.choices, initial="agent")
    scope = forms.ChoiceField(label=_("Where"), choices=ComplianceRule.Scope.choices)
    turns = forms.IntegerField(label=_("Turns (opening / closing)"), min_value=1, max_value=50, initial=2)
    whole_word = forms.BooleanField(label=_("Whole words only (jieba segmentation for Chinese)"), required=False)
    severity = forms.ChoiceField(label=_("Severity"), choices=ComplianceRule.Severity.choices, initial="medium")
    source = forms.CharField(label=_("Source"), required=False, max_length=200,
                             help_text=_("Where the rule comes from, e.g. the brand manual's section."))
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args, projects, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.code, f"{p.name} ({p.code})") for p in projects]
        if editing:
            del self.fields["project"]
            del self.fields["code"]
        else:
            del self.fields["active"]


class RuleImportForm(ServiceForm):
    project = forms.ChoiceField(label=_("Project"))
    kind = forms.ChoiceField(label=_("Kind"), choices=[c for c in ComplianceRule.Kind.choices if c[0] in ("banned", "required")])
    speaker = forms.ChoiceField(label=_("Said by"), choices=ComplianceRule.Speaker.choices, initial="agent")
    scope = forms.ChoiceField(label=_("Where"), choices=ComplianceRule.Scope.choices)
    turns = forms.IntegerField(label=_("Turns (opening / closing)"), min_value=1, max_value=50, initial=2)
    source = forms.CharField(label=_("Source"), required=False, max_length=200)
    text = forms.CharField(label=_("Phrases"), required=False, max_length=500_000,
                           widget=forms.Textarea(attrs={"rows": 12}),
                           help_text=_("One rule per line: “code: phrase | phrase” or just a phrase. "
                                       "Lines starting with # are ignored."))
    file = forms.FileField(label=_("Or a brand-manual phrase file (UTF-8 text)"), required=False)

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.code, f"{p.name} ({p.code})") for p in projects]

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > 2_000_000:
                raise forms.ValidationError(_("The file is larger than 2 MB."))
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("The file is not UTF-8 text.")) from None
        if not (data.get("text") or "").strip():
            raise forms.ValidationError(_("Paste the phrases or choose a file."))
        if "\x00" in data["text"]:
            raise forms.ValidationError(_("The file is not UTF-8 text."))
        return data


class HitFilterForm(forms.Form):
    project = forms.CharField(required=False, max_length=100)
    vendor = forms.CharField(required=False, max_length=100)
    rule = forms.CharField(required=False, max_length=100)
    kind = forms.CharField(required=False, max_length=20)
    agent = forms.CharField(required=False, max_length=100)
    # The API's bounds: the day after 9999-12-31 (the end of the last day asked for) overflows.
    date_from = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=DATE_BOUNDS)
    date_to = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}), validators=DATE_BOUNDS)


# --- calibration -------------------------------------------------------------------------------

class CalibrationForm(ServiceForm):
    scorecard = forms.ChoiceField(label=_("Scorecard"))
    title = forms.CharField(label=_("Title"), max_length=200)
    evaluators = forms.MultipleChoiceField(label=_("Evaluators"), widget=forms.CheckboxSelectMultiple)
    contacts = forms.CharField(label=_("Contacts"), widget=forms.Textarea(attrs={"rows": 6}), max_length=10_000,
                               help_text=_("External ids of the contacts, one per line (1 to 50)."))

    def __init__(self, *args, scorecards, analysts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scorecard"].choices = [(str(s.pk), f"{s.project.code} · {s.code}") for s in scorecards]
        self.fields["evaluators"].choices = [(str(u.pk), u.get_full_name() or u.username) for u in analysts]

    def external_ids(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["contacts"].splitlines() if line.strip()][:200]


class CalibrationScoreForm(EvaluationForm):
    """The scorecard's criteria, answered blind; no per-criterion comments."""

    def __init__(self, *args, criteria, **kwargs):
        super().__init__(*args, criteria=criteria, **kwargs)
        for c in criteria:
            del self.fields[f"n_{c.key}"]
        self.fields["comment"].label = _("Comment")

    def rows(self):
        return [(c, self[f"c_{c.key}"], None) for c in self.criteria]

    def answers(self) -> dict[str, str]:
        return {c.key: self.cleaned_data.get(f"c_{c.key}") or "" for c in self.criteria}


# --- coaching ----------------------------------------------------------------------------------

class CoachingForm(ServiceForm):
    kind = forms.ChoiceField(label=_("Kind"), widget=forms.RadioSelect)
    text = forms.CharField(label=_("What the agent should work on"), max_length=5000,
                           widget=forms.Textarea(attrs={"rows": 4}))
    course = forms.ChoiceField(label=_("Course (for a training)"), required=False)
    session = forms.ChoiceField(label=_("Register the agent in a session (optional)"), required=False,
                                help_text=_("A scheduled session of the course for the agent's vendor."))
    due_on = forms.DateField(label=_("Due"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, courses=(), sessions=(), **kwargs):
        from steward.quality.models import Coaching

        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = Coaching.Kind.choices
        self.fields["kind"].initial = Coaching.Kind.NOTE
        self.courses = {c.code: c for c in courses}
        self.sessions = {str(s.pk): s for s in sessions}
        self.fields["course"].choices = [("", "—")] + [(c.code, f"{c.name} ({c.code})") for c in courses]
        self.fields["session"].choices = [("", "—")] + [
            (str(s.pk), f"{s.course.code} · {timezone.localtime(s.starts_at):%Y-%m-%d %H:%M} · {s.get_mode_display()}")
            for s in sessions]
        if not sessions:
            del self.fields["session"]

    def chosen_course(self):
        return self.courses.get(self.cleaned_data.get("course") or "")

    def chosen_session(self):
        return self.sessions.get(self.cleaned_data.get("session") or "")


class CoachingActionForm(ServiceForm):
    note = forms.CharField(label=_("Note"), max_length=5000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class CoachingFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False)
    agent = forms.CharField(label=_("Agent code"), required=False, max_length=64)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        from steward.quality.models import Coaching

        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("All"))] + list(Coaching.Status.choices)
