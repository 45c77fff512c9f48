from django import forms
from django.utils.translation import gettext_lazy as _


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for sending back"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class AmendmentForm(forms.Form):
    number = forms.IntegerField(label=_("Number of the amendment"), min_value=1, max_value=999_999)
    issued_on = forms.DateField(
        label=_("Issued on"),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}),
    )
