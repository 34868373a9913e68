from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from steward.core.models import Channel, Project, Vendor
from steward.interactions.models import Direction, Outcome
from steward.interactions.selectors import EARLIEST_DATE, LATEST_DATE, MAX_ID

MAX_UPLOAD_BYTES = 2 * 1024**3
DATE_BOUNDS = [MinValueValidator(EARLIEST_DATE), MaxValueValidator(LATEST_DATE)]


class UploadForm(forms.Form):
    file = forms.FileField(label=_("File (CSV, XLSX or JSON Lines)"))
    profile = forms.ChoiceField(label=_("Mapping profile"))
    project = forms.ModelChoiceField(label=_("Project"), queryset=Project.objects.none(), to_field_name="code")
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.none(), to_field_name="code")
    file_format = forms.ChoiceField(
        label=_("Format"), required=False,
        choices=[("", _("From the file name")), ("csv", "CSV"), ("xlsx", "XLSX"), ("jsonl", "JSON Lines")],
    )
    allow_rejects = forms.BooleanField(
        label=_("Store the valid rows even if some rows are rejected"), required=False,
        help_text=_("Unticked, the import is all-or-nothing: one rejected row and nothing is stored."),
    )

    def __init__(self, *args, user, profiles: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["profile"].choices = [(p, p) for p in profiles]
        self.fields["project"].queryset = Project.objects.visible_to(user)
        self.fields["vendor"].queryset = Vendor.objects.visible_to(user)
        if user.vendor_id:
            self.fields["vendor"].initial = user.vendor.code

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 2 GB: split it or use the command line."))
        return upload


class FilterForm(forms.Form):
    project = forms.CharField(required=False, label=_("Project"))
    vendor = forms.CharField(required=False, label=_("Vendor"))
    queue = forms.CharField(required=False, label=_("Queue"))
    channel = forms.ChoiceField(required=False, label=_("Channel"), choices=[("", _("Any"))] + Channel.choices)
    agent = forms.CharField(required=False, label=_("Agent code"))
    outcome = forms.ChoiceField(required=False, label=_("Outcome"), choices=[("", _("Any"))] + Outcome.choices)
    date_from = forms.DateField(required=False, label=_("From"), widget=forms.DateInput(attrs={"type": "date"}),
                                validators=DATE_BOUNDS)
    date_to = forms.DateField(required=False, label=_("To"), widget=forms.DateInput(attrs={"type": "date"}),
                              validators=DATE_BOUNDS)
    # Arrival weekday (ISO, 1 = Monday) and hour in the project's time zone: the KPI heatmap's cells.
    weekday = forms.TypedChoiceField(required=False, label=_("Weekday"), coerce=int, empty_value=None,
                                     choices=[("", _("Any"))] + [(d + 1, WEEKDAYS[d]) for d in range(7)])
    hour = forms.TypedChoiceField(required=False, label=_("Hour"), coerce=int, empty_value=None,
                                  choices=[("", _("Any"))] + [(h, f"{h:02d}:00–{h:02d}:59") for h in range(24)])
    direction = forms.ChoiceField(required=False, label=_("Direction"), choices=[("", _("Any"))] + Direction.choices)
    complaint = forms.BooleanField(required=False, label=_("Complaints"))
    low_csat = forms.BooleanField(required=False, label=_("Low CSAT (1–2)"))
    abandoned = forms.BooleanField(required=False, label=_("Abandoned"))
    q = forms.CharField(required=False, label=_("Id or customer"),
                        help_text=_("A contact id (or its beginning) or a customer reference."))
    sort = forms.CharField(required=False, widget=forms.HiddenInput)
    # The contacts an import wrote last (its report's drill-down)
    batch = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)


class ProfileYamlForm(forms.Form):
    yaml_file = forms.FileField(label=_("Profile (YAML)"))


class ProfileEditForm(forms.Form):
    definition = forms.CharField(
        label=_("Profile (YAML)"),
        widget=forms.Textarea(attrs={"rows": 28, "class": "code", "spellcheck": "false"}),
        help_text=_("The name inside the YAML decides which profile is saved; built-in profiles "
                    "cannot be changed, so give your copy a name of its own."),
    )
