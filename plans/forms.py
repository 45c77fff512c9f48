from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from lai_chau.fields import DocumentNumber, DocumentNumberField
from plans.issue_dates import issue_date_error
from plans.models import Plan


class ReturnForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for sending back"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class AmendmentForm(forms.Form):
    """The amendment's number and symbol as written ("512/KH-UBND"; a number alone keeps the plan's symbol)."""

    number = DocumentNumberField(label=_("Number and symbol of the amendment"))
    issued_on = forms.DateField(label=_("Issued on"), widget=forms.DateInput(attrs={"placeholder": "dd/mm/yyyy"}))

    def __init__(self, *args, plan: Plan | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan  # the version amended: its date is the earliest the amendment may carry, its year is kept

    def clean_issued_on(self):
        issued_on = self.cleaned_data["issued_on"]
        if self.plan is not None and (error := issue_date_error(self.plan.year, issued_on, self.plan)) is not None:
            raise error
        return issued_on

    def clean(self) -> dict:
        """Hand plan_amend its number and symbol apart: cleaned_data is its keyword arguments."""
        cleaned = super().clean()
        if (written := cleaned.pop("number", None)) is not None:
            cleaned["number"], cleaned["symbol"] = written.number, written.symbol
        return cleaned


class PlanAdminForm(forms.ModelForm):
    """The admin's plan form: one "Số, ký hiệu" box ("512/KH-UBND") for the number and the symbol.

    A number typed alone keeps the plan's symbol (KH-UBND for a new plan). The number stays the form's `number`
    field, so the model's checks on it (one number per issuer and year) still run on the form.
    """

    number = DocumentNumberField(
        label=capfirst(_("number and symbol")),  # "Số, ký hiệu", as the model's own labels read
        help_text=_("As written on the document, e.g. 4159/KH-UBND; a number alone keeps the symbol."),
    )

    class Meta:
        model = Plan
        fields = ["number"]  # the admin adds the fields of its fieldsets; the symbol is read from this box

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.number:
            self.initial["number"] = DocumentNumber(self.instance.number, self.instance.symbol)

    def clean(self) -> dict:
        cleaned = super().clean()
        if (written := cleaned.get("number")) is not None:
            cleaned["number"] = written.number
            self.instance.symbol = written.symbol or self.instance.symbol
        return cleaned
