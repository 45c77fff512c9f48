"""The ceiling form of finance: issuer, year, source, amount in Vietnamese notation (triệu đồng or đồng) and the
notifying document, chosen among the known ones or typed in the same form."""

from django import forms
from django.utils.translation import gettext_lazy as _

from budgets.ceilings import ISSUER_KINDS, NewDocument
from budgets.models import Ceiling, FundingSource
from lai_chau.fields import AmountFormField
from lai_chau.money import MILLION
from plans.edit_forms import whole_number
from plans.models import DocumentReference, OrgUnit

UNIT_MILLION, UNIT_DONG = "trieu", "dong"
NEW_DOCUMENT_FIELDS = ["doc_kind", "doc_number", "doc_issued_on", "doc_issuer"]
NEEDED_FOR_NEW_DOCUMENT = _("Needed for a new document (or choose a known document above).")


class DocumentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: DocumentReference) -> str:
        return str(obj)


class CeilingForm(forms.Form):
    """Without `ceiling`: a new ceiling. With it: its amount and document (issuer, year and source stay)."""

    issuer = forms.ModelChoiceField(
        queryset=OrgUnit.objects.filter(kind__in=ISSUER_KINDS).order_by("name"), label=_("Issuer of the plans")
    )
    year = whole_number(label=_("Plan year"), min_value=2000, max_value=2100)
    source = forms.ModelChoiceField(queryset=FundingSource.objects.order_by("code"), label=_("Funding source"))
    amount = AmountFormField(
        label=_("Ceiling"),
        help_text=_("Vietnamese notation: 1.728 or 12,5 in million đồng; 1.728.000.000 in đồng."),
    )
    amount_unit = forms.ChoiceField(
        label=_("typed in"),
        choices=[(UNIT_MILLION, _("million đồng")), (UNIT_DONG, _("đồng"))],
        initial=UNIT_MILLION,
        widget=forms.RadioSelect,
    )
    notified_by = DocumentChoiceField(
        queryset=DocumentReference.objects.order_by("-issued_on", "number"),
        required=False,
        label=_("Notified by"),
        empty_label=_("— a document not in this list: type it below —"),
    )
    doc_kind = forms.CharField(label=_("Document type"), max_length=60, required=False, initial="Công văn")
    doc_number = forms.CharField(
        label=_("Number and symbol"),
        max_length=60,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "5114/UBND-TH"}),
    )
    doc_issued_on = forms.DateField(
        label=_("Issued on"),
        required=False,
        input_formats=["%d/%m/%Y"],
        widget=forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy"}),
    )
    doc_issuer = forms.CharField(label=_("Issued by"), max_length=200, required=False, initial="UBND tỉnh Lai Châu")
    # The version of the ceiling the edit form shows (budgets.ceilings.ceiling_version): a later change refuses it.
    based_on = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args, ceiling: Ceiling | None = None, based_on: int | None = None, **kwargs):
        self.ceiling = ceiling
        if ceiling is not None:
            kwargs["initial"] = {
                "based_on": based_on,
                "amount": ceiling.amount,
                "amount_unit": UNIT_DONG,
                "notified_by": ceiling.notified_by_id,
                **kwargs.get("initial", {}),
            }
        super().__init__(*args, **kwargs)
        if ceiling is not None:
            for name in ("issuer", "year", "source"):
                del self.fields[name]
        # The amount is read in the unit chosen next to it; shown back in full đồng (amount_unit "dong").
        self.fields["amount"].unit = 1 if self["amount_unit"].value() == UNIT_DONG else MILLION
        self.fields["amount"].unit_follows(self.add_prefix("amount_unit"), {UNIT_MILLION: MILLION, UNIT_DONG: 1})

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("notified_by") is None:
            for name in NEW_DOCUMENT_FIELDS:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, NEEDED_FOR_NEW_DOCUMENT)
        return cleaned

    def new_document(self) -> NewDocument | None:
        if self.cleaned_data.get("notified_by") is not None:
            return None
        data = self.cleaned_data
        return NewDocument(
            kind=data["doc_kind"].strip(),
            number=data["doc_number"].strip(),
            issued_on=data["doc_issued_on"],
            issuer=data["doc_issuer"].strip(),
        )

    def typed_amount(self) -> str:
        """What the user typed, to echo next to what was read."""
        return str(self.data.get(self.add_prefix("amount"), "")).strip()

    def unit_label(self) -> str:
        return str(dict(self.fields["amount_unit"].choices)[self.cleaned_data["amount_unit"]])
