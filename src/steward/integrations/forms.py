from django import forms
from django.utils.translation import gettext_lazy as _

from steward.core.models import Vendor
from steward.integrations.webhooks import EVENTS


class EndpointForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https",
                         help_text=_("Receives a POST with a JSON body for each event."))
    vendor = forms.ModelChoiceField(label=_("Vendor"), queryset=Vendor.objects.order_by("name"), required=False,
                                    empty_label=_("The whole organisation"),
                                    help_text=_("An endpoint of a vendor receives only that vendor's events."))
    events = forms.MultipleChoiceField(label=_("Events"), choices=list(EVENTS.items()),
                                       widget=forms.CheckboxSelectMultiple)
    active = forms.BooleanField(label=_("Active"), required=False, initial=True)
