from django import forms
from django.utils.translation import gettext_lazy as _

from steward.reviews.models import WeightSet


class MonthForm(forms.Form):
    month = forms.CharField(label=_("Month"), max_length=7, required=False,
                            widget=forms.TextInput(attrs={"placeholder": "YYYY-MM", "type": "month"}))


class WeightForm(forms.ModelForm):
    class Meta:
        model = WeightSet
        fields = ["sla", "qa", "csat", "capa", "compliance"]

    def clean(self):
        data = super().clean()
        if not any(data.get(k) for k in self.Meta.fields):
            raise forms.ValidationError(_("At least one weight must be greater than zero."))
        return data
