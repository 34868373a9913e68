"""Registry input forms. They parse input; the services validate and write."""

from django import forms
from django.utils.translation import gettext_lazy as _

from steward.core.forms import ServiceForm
from steward.core.models import Channel, Vendor
from steward.vendors.models import Certification, VendorContact, VendorDocument


class TextListField(forms.CharField):
    """A list of texts typed one per line or separated by commas (also Chinese commas)."""

    widget = forms.Textarea(attrs={"rows": 3})

    def to_python(self, value):
        text = super().to_python(value) or ""
        for sep in ("，", "、", ";", "；", "\n"):
            text = text.replace(sep, ",")
        return list(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))

    def prepare_value(self, value):
        return "\n".join(value) if isinstance(value, list) else value


class ProfileForm(ServiceForm):
    legal_name = forms.CharField(label=_("Legal name"), max_length=200, required=False)
    registration_number = forms.CharField(label=_("Registration number"), max_length=64, required=False,
                                          help_text=_("E.g. the unified social credit code."))
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")
    locations = TextListField(label=_("Delivery locations"), required=False, help_text=_("One per line."))
    languages = TextListField(label=_("Languages"), required=False, help_text=_("One per line."))
    channels = forms.MultipleChoiceField(label=_("Channels"), choices=Channel.choices, required=False,
                                         widget=forms.CheckboxSelectMultiple)
    seats = forms.IntegerField(label=_("Seats"), min_value=0, required=False)
    industries = TextListField(label=_("Industries served"), required=False, help_text=_("One per line."))
    reference_clients = forms.CharField(label=_("Reference clients"), required=False,
                                        widget=forms.Textarea(attrs={"rows": 3}))
    reference_cases = forms.CharField(label=_("Reference cases"), required=False,
                                      widget=forms.Textarea(attrs={"rows": 5}))


class CertificationForm(ServiceForm):
    standard = forms.ChoiceField(label=_("Standard"), choices=Certification.Standard.choices)
    title = forms.CharField(label=_("Title or scope"), max_length=200, required=False,
                            help_text=_("Required for 'Other'."))
    certificate_number = forms.CharField(label=_("Certificate number"), max_length=100, required=False)
    issuer = forms.CharField(label=_("Issuer"), max_length=200, required=False)
    issued_on = forms.DateField(label=_("Issued on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    expires_on = forms.DateField(label=_("Expires on"), widget=forms.DateInput(attrs={"type": "date"}))


class DocumentUploadForm(ServiceForm):
    title = forms.CharField(label=_("Document title"), max_length=200,
                            help_text=_("The same title as an existing document adds a new version of it."))
    category = forms.ChoiceField(label=_("Category"), choices=VendorDocument.Category.choices,
                                 initial=VendorDocument.Category.OTHER)
    upload = forms.FileField(label=_("File"), help_text=_("PDF, Word, Excel, PowerPoint, PNG, JPEG, text or CSV; "
                                                          "at most 20 MB."))
    note = forms.CharField(label=_("Note"), max_length=500, required=False)


class ContactForm(ServiceForm):
    side = forms.ChoiceField(label=_("Side"), choices=VendorContact.Side.choices)
    name = forms.CharField(label=_("Name"), max_length=200)
    job_title = forms.CharField(label=_("Job title"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=50, required=False)
    is_liaison = forms.BooleanField(label=_("Designated liaison for this side"), required=False)


class TransitionForm(ServiceForm):
    to_status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(label=_("Reason"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s, Vendor.Status(s).label) for s in allowed]
