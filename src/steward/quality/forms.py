"""Quality forms. They parse and present input; the services validate and write."""

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from steward.core.forms import ServiceForm

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
