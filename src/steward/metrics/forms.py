import datetime as dt
import re
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from steward.metrics.selectors import PERIOD_KINDS

PERIOD_CHOICES = [("month", _("Month")), ("week", _("Week")), ("day", _("Day"))]
assert [c[0] for c in PERIOD_CHOICES] == list(PERIOD_KINDS)


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (inclusive)"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self):
        data = super().clean()
        a, b = data.get("date_from"), data.get("date_to")
        if bool(a) != bool(b):
            raise forms.ValidationError(_("Give both dates, or neither for the default periods."))
        if a and b and b < a:
            raise forms.ValidationError(_("The period ends before it starts."))
        if a and b and (b - a).days > 800:
            raise forms.ValidationError(_("Choose a period of at most about two years."))
        return data


class CompareForm(forms.Form):
    a = forms.ChoiceField(label=_("Vendor A"))
    b = forms.ChoiceField(label=_("Vendor B"))
    metric = forms.ChoiceField(label=_("Metric"))

    def __init__(self, *args, vendors, metrics, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(v.code, v.name) for v in vendors]
        self.fields["a"].choices = choices
        self.fields["b"].choices = choices
        self.fields["metric"].choices = metrics


class PeriodCompareForm(forms.Form):
    """Compare one vendor (or all) across two periods: A (before) and B (after)."""

    pc_metric = forms.ChoiceField(label=_("Metric"))
    pc_vendor = forms.ChoiceField(label=_("Vendor"), required=False)
    pc_a_from = forms.DateField(label=_("Period A from"), widget=forms.DateInput(attrs={"type": "date"}))
    pc_a_to = forms.DateField(label=pgettext_lazy("date range end", "to"), widget=forms.DateInput(attrs={"type": "date"}))
    pc_b_from = forms.DateField(label=_("Period B from"), widget=forms.DateInput(attrs={"type": "date"}))
    pc_b_to = forms.DateField(label=pgettext_lazy("date range end", "to"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, vendors, metrics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pc_metric"].choices = metrics
        self.fields["pc_vendor"].choices = [("", _("All vendors"))] + [(v.code, v.name) for v in vendors]

    def clean(self):
        data = super().clean()
        for side in ("a", "b"):
            first, last = data.get(f"pc_{side}_from"), data.get(f"pc_{side}_to")
            if first and last and last < first:
                self.add_error(f"pc_{side}_to", _("The period ends before it starts."))
            elif first and last and (last - first).days > 800:
                self.add_error(f"pc_{side}_to", _("Choose a period of at most about two years."))
        return data


class HeatmapForm(forms.Form):
    """The KPI page's weekday × hour heatmap: which metric, and one vendor or all."""

    hm_metric = forms.ChoiceField(label=_("Metric"))
    hm_vendor = forms.ChoiceField(label=_("Vendor"), required=False)

    def __init__(self, *args, vendors, metrics, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hm_metric"].choices = metrics
        self.fields["hm_vendor"].choices = [("", _("All vendors"))] + [(v.code, v.name) for v in vendors]


class PolicyForm(forms.Form):
    yaml_text = forms.CharField(label=_("Policy (YAML)"), widget=forms.Textarea(attrs={"rows": 28, "cols": 90,
                                                                                       "spellcheck": "false"}))


def _fee_field():
    return forms.DecimalField(label=_("Fee for the period"), min_value=Decimal(0), max_digits=16, decimal_places=2,
                              initial=Decimal("100000"))


class EvaluateForm(forms.Form):
    vendor = forms.ChoiceField(label=_("Vendor"))
    period = forms.CharField(label=_("Period"), help_text=_("2026-10 (month), 2026-W40 (week) or 2026-10-05 (day)"))
    fee = _fee_field()

    def __init__(self, *args, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [(v.code, v.name) for v in vendors]

    def clean_period(self):
        from steward.metrics.selectors import parse_period

        from steward.metrics.engine import PERIOD_YEARS

        try:
            kind, day = parse_period(self.cleaned_data["period"])
        except ValueError:
            raise forms.ValidationError(_("Write a period like 2026-10, 2026-W40 or 2026-10-05.")) from None
        if not PERIOD_YEARS[0] <= day.year <= PERIOD_YEARS[1]:
            raise forms.ValidationError(_("Choose a period between the years %(first)s and %(last)s.")
                                        % {"first": PERIOD_YEARS[0], "last": PERIOD_YEARS[1]})
        return kind, day


class BacktestForm(forms.Form):
    yaml_text = PolicyForm.base_fields["yaml_text"]
    vendor = forms.ChoiceField(label=_("Vendor"))
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To (inclusive)"), widget=forms.DateInput(attrs={"type": "date"}))
    kind = forms.ChoiceField(label=_("Evaluate per"), choices=PERIOD_CHOICES)
    fee = _fee_field()

    def __init__(self, *args, vendors, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["vendor"].choices = [(v.code, v.name) for v in vendors]

    def clean(self):
        data = super().clean()
        a, b = data.get("date_from"), data.get("date_to")
        if a and b and b < a:
            raise forms.ValidationError(_("The period ends before it starts."))
        if a and b and (b - a).days > 800:
            raise forms.ValidationError(_("A backtest covers at most about two years."))
        if any(d and not 1900 <= d.year <= 2200 for d in (a, b)):  # periods around 9999-12-31 overflow
            raise forms.ValidationError(_("Choose dates between the years 1900 and 2200."))
        return data


class AlertRuleForm(forms.Form):
    project = forms.ChoiceField(label=_("Project"))
    vendor = forms.ChoiceField(label=_("Vendor"), required=False)
    metric = forms.ChoiceField(label=_("Metric"))
    target = forms.CharField(label=_("Target"), max_length=40, initial=">= 0.80",
                             help_text=_('What is acceptable, e.g. ">= 0.80" or "<= 30".'))
    window = forms.ChoiceField(label=_("Window"))
    intervals = forms.IntegerField(label=_("Intervals"), min_value=1, max_value=96, initial=4,
                                   help_text=_("For the last-N-intervals window (N × 30 minutes)."))
    min_contacts = forms.IntegerField(label=_("Minimum contacts"), min_value=0, max_value=1_000_000, initial=20)
    channel = forms.CharField(label=_("Only channel"), required=False, max_length=32)
    queue = forms.CharField(label=_("Only queue"), required=False, max_length=64)
    params = forms.CharField(label=_("Parameters"), required=False, max_length=500,
                             help_text=_("key=value, separated by commas, e.g. threshold_seconds=30"))

    def __init__(self, *args, projects, vendors, metrics, windows, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.code, p.name) for p in projects]
        self.fields["vendor"].choices = [("", _("each vendor"))] + [(v.code, v.name) for v in vendors]
        self.fields["metric"].choices = metrics
        self.fields["window"].choices = windows

    def clean_params(self):
        from steward.metrics import formulas

        text = self.cleaned_data.get("params", "")
        metric = self.data.get("metric", "")
        pairs = [p.strip() for p in text.split(",") if p.strip()]
        if not pairs or metric not in formulas.CATALOG:
            return {}
        try:
            return formulas.params_from_text([metric], pairs)[metric]
        except (KeyError, ValueError) as exc:
            raise forms.ValidationError(str(exc).strip("'\"")) from None


class AlertChannelForm(forms.Form):
    project = forms.ChoiceField(label=_("Project"))
    kind = forms.ChoiceField(label=_("Channel"), choices=[("email", _("Email")), ("feishu", _("Feishu group bot")),
                                                          ("dingtalk", _("DingTalk group bot")),
                                                          ("wecom", _("WeCom group bot"))])
    target = forms.CharField(label=_("Addresses or webhook URL"), max_length=1000,
                             help_text=_("Email: addresses separated by commas. A bot: its webhook URL (https)."))

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].choices = [(p.code, f"{p.name} ({p.code})") for p in projects]


# A date, or a range of dates as the State Council's notice writes them: 2027-02-06..2027-02-12
# (also ~, 至 or a dash between two dates). Dates may be separated by commas, 、, ; or spaces.
_DATE = r"\d{4}-\d{1,2}-\d{1,2}"
_DATE_OR_RANGE = re.compile(rf"({_DATE})(?:\s*(?:\.\.|~|～|至|–|—)\s*({_DATE}))?")
_SEPARATORS = re.compile(r"[\s,，、;；]+")
MAX_DATES = 366


def parse_dates(text: str) -> set[dt.date]:
    """The dates a field lists (ranges included), or a ValidationError naming what it cannot read."""
    days: set[dt.date] = set()
    position = 0
    for match in _DATE_OR_RANGE.finditer(text):
        if _SEPARATORS.sub("", text[position:match.start()]):
            break
        position = match.end()
        try:
            first = dt.date.fromisoformat(_zero_padded(match[1]))
            last = dt.date.fromisoformat(_zero_padded(match[2])) if match[2] else first
        except ValueError:
            raise forms.ValidationError(_("%(text)s is not a date.") % {"text": match[0]}) from None
        if last < first:
            raise forms.ValidationError(_("%(text)s ends before it starts.") % {"text": match[0]})
        if (last - first).days >= MAX_DATES:
            raise forms.ValidationError(_("At most %(n)s dates.") % {"n": MAX_DATES})
        days.update(first + dt.timedelta(days=n) for n in range((last - first).days + 1))
        if len(days) > MAX_DATES:
            raise forms.ValidationError(_("At most %(n)s dates.") % {"n": MAX_DATES})
    if rest := _SEPARATORS.sub(" ", text[position:]).strip():
        raise forms.ValidationError(_("Cannot read %(text)s: write dates as YYYY-MM-DD, and a range as "
                                      "YYYY-MM-DD..YYYY-MM-DD.") % {"text": rest[:40]})
    return days


def _zero_padded(text: str) -> str:
    year, month, day = text.split("-")
    return f"{year}-{int(month):02d}-{int(day):02d}"


class HolidayYearForm(forms.Form):
    year = forms.IntegerField(label=_("Year"))
    holidays = forms.CharField(
        label=_("Holidays"), widget=forms.Textarea(attrs={"rows": 4}), max_length=10_000,
        help_text=_("Every day off the notice announces, weekends within a holiday included: dates "
                    "(YYYY-MM-DD) or ranges (YYYY-MM-DD..YYYY-MM-DD), separated by commas or new lines."))
    workdays = forms.CharField(
        label=_("Make-up working days"), widget=forms.Textarea(attrs={"rows": 2}), max_length=10_000,
        required=False, help_text=_("The Saturdays and Sundays the notice makes working days (调休上班)."))
    source = forms.CharField(label=_("Source"), max_length=300, required=False,
                             help_text=_("Where the dates come from, e.g. the address of the State Council's notice."))

    def clean_holidays(self):
        return parse_dates(self.cleaned_data["holidays"])

    def clean_workdays(self):
        return parse_dates(self.cleaned_data["workdays"])
