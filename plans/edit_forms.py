"""Forms of the section editors and of the new plan year (plans/edit_views.py; services in plans/editing.py).

Plain forms that read what the officer typed into the services' terms; the rules live in the services. Every
form of an editor carries `based_on` (plans.editing.based_on), the section as the page showed it. Choices are
built once per page and passed in, so a page with many rows runs as many queries as one with few. Multi-paragraph
fields are text areas holding one paragraph per line.
"""

import datetime

from django import forms
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from lai_chau.fields import DocumentNumber, DocumentNumberField
from plans.editing import (
    LINE_TEXT_FIELDS,
    BasisRow,
    DutyRow,
    NewReference,
    TargetRow,
    parse_based_on,
)
from plans.issue_dates import issue_date_error
from plans.models import Plan

DATE_INPUT = {
    "input_formats": ["%d/%m/%Y", "%Y-%m-%d"],
    "widget": forms.DateInput(format="%d/%m/%Y", attrs={"placeholder": "dd/mm/yyyy", "inputmode": "numeric"}),
}
ONE_PER_LINE_HELP = _("One paragraph per line.")
# Django's Vietnamese for these reads badly ("số tổng thể", a stray space before the full stop).
WHOLE_NUMBER = {
    "invalid": _("Enter a whole number, e.g. 512."),
    "min_value": _("At least %(limit_value)s."),
    "max_value": _("At most %(limit_value)s."),
}


def whole_number(**kwargs) -> forms.IntegerField:
    return forms.IntegerField(error_messages=WHOLE_NUMBER, **kwargs)


def _textarea(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class BasedOnForm(forms.Form):
    """The mark of what the page showed; a damaged one is the form's own error, nothing is saved."""

    based_on = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean_based_on(self) -> str:
        value = self.cleaned_data["based_on"]
        parse_based_on(value)  # raises the Vietnamese "page out of date" error
        return value


def rebased(data, mark: str):
    """The posted data, now based on the section as it is: saving again confirms the officer's version."""
    data = data.copy()
    data["based_on"] = mark
    return data


# --- the new plan year ---------------------------------------------------------------------------------------------

EMPTY = "empty"


def _proposed_year(newest: int | None, programmes: list) -> int:
    """The year after the newest plan's (next year without plans), moved into a programme's period when none covers
    it, so that the proposal can be accepted as it stands."""
    year = newest + 1 if newest else datetime.date.today().year + 1
    covered = [y for p in programmes for y in range(p.start_year, p.end_year + 1)]
    return year if not covered or year in covered else min(covered, key=lambda y: (abs(y - year), -y))


class StartYearForm(forms.Form):
    year = whole_number(label=_("Plan year"), min_value=2000, max_value=2100)
    source = forms.ChoiceField(label=_("Start from"), widget=forms.RadioSelect)
    number = DocumentNumberField(
        label=capfirst(_("number and symbol")),
        help_text=_(
            "As written on the document, e.g. 512/KH-UBND; a number alone takes the symbol of the plan copied."
        ),
    )
    issued_on = forms.DateField(label=_("Date of issue"), **DATE_INPUT)
    place = forms.CharField(label=_("Place"), max_length=100, help_text=_("e.g. Thành phố Lai Châu"))
    issuer = forms.ChoiceField(label=_("Issuer"), required=False)
    programme = forms.ChoiceField(label=_("Programme"), required=False)

    def __init__(self, *args, sources: list[Plan], issuers, programmes, latest: Plan | None, **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = {str(plan.pk): plan for plan in sources}
        self.issuers = {str(unit.pk): unit for unit in issuers}
        self.programmes = {str(p.pk): p for p in programmes}
        self.fields["source"].choices = [
            *(
                (
                    pk,
                    _("The plan for %(year)d: %(number)s of %(date)s (in force), %(issuer)s")
                    % {
                        "year": plan.year,
                        "number": plan.document_number,
                        "date": plan.issued_on.strftime("%d/%m/%Y"),
                        "issuer": plan.issuer.name,
                    },
                )
                for pk, plan in self.sources.items()
            ),
            (EMPTY, _("An empty document")),
        ]
        self.fields["programme"].choices = [("", "—"), *((pk, p.name) for pk, p in self.programmes.items())]
        newest = max((plan.year for plan in sources), default=None)
        self.initial.setdefault("source", str(sources[0].pk) if sources else EMPTY)
        self.initial.setdefault("year", _proposed_year(newest, list(self.programmes.values())))
        # Issuers of the year being started (the one posted, else the one proposed): since 01/07/2025 the wards and
        # communes, the province too, issue plans, and the districts no longer do.
        year = self.initial["year"]
        if self.is_bound and str(self.data.get("year", "")).strip().isdigit():
            year = int(self.data["year"])
        self.issuers = {pk: unit for pk, unit in self.issuers.items() if unit.is_valid_in_year(year)}
        self.fields["issuer"].choices = [("", "—"), *((pk, unit.name) for pk, unit in self.issuers.items())]
        if latest is not None:
            self.initial.setdefault("place", latest.place)
            self.initial.setdefault("issuer", str(latest.issuer_id))
            self.initial.setdefault("programme", str(latest.programme_id))

    def clean(self) -> dict:
        cleaned = super().clean()
        source = cleaned.get("source")
        cleaned["source_plan"] = self.sources.get(source) if source and source != EMPTY else None
        cleaned["issuer_unit"] = self.issuers.get(cleaned.get("issuer") or "")
        cleaned["programme_obj"] = self.programmes.get(cleaned.get("programme") or "")
        if cleaned.get("year") and cleaned.get("issued_on"):
            if (error := issue_date_error(cleaned["year"], cleaned["issued_on"])) is not None:
                self.add_error("issued_on", error)
        if source == EMPTY:
            if cleaned["issuer_unit"] is None:
                self.add_error("issuer", _("Choose the issuer of the empty plan."))
            if cleaned["programme_obj"] is None:
                self.add_error("programme", _("Choose the programme of the empty plan."))
        return cleaned


# --- sections that are fields of the plan --------------------------------------------------------------------------

TEXTAREA_ROWS = {"preamble": 3, "summary": 2, "closing": 3, "time_frame": 2, "scope": 3, "funding_statement": 3}


def plan_section_form(section, plan: Plan, data=None, *, mark: str) -> BasedOnForm:
    """A form with the section's fields of the plan, built from the model's own fields (labels, lengths, blanks)."""
    fields = {}
    for name in section.fields:
        model_field = Plan._meta.get_field(name)
        if name == "issued_on":
            formfield = forms.DateField(label=model_field.verbose_name, **DATE_INPUT)
        elif name == "number":  # the number and the symbol from one box: "4159/KH-UBND"
            formfield = DocumentNumberField(
                label=capfirst(_("number and symbol")),
                help_text=_("As written on the document, e.g. 4159/KH-UBND; a number alone keeps the symbol."),
            )
        elif name == "symbol":
            continue
        else:
            formfield = model_field.formfield()
            if isinstance(formfield.widget, forms.Textarea):
                formfield.widget = _textarea(TEXTAREA_ROWS.get(name, 6))
        fields[name] = formfield
    form_class = type("PlanSectionForm", (BasedOnForm,), fields)
    initial = {name: getattr(plan, name) for name in section.fields}
    if "number" in section.fields:
        initial["number"] = DocumentNumber(plan.number, plan.symbol)
    return form_class(data, initial={**initial, "based_on": mark})


def plan_section_values(section, form, plan: Plan) -> dict:
    """The form's values in the plan's terms: the number box gives the number and the symbol (kept when not typed)."""
    values = {name: form.cleaned_data[name] for name in section.fields if name in form.fields}
    if "number" in values:
        written = values["number"]
        values["number"], values["symbol"] = written.number, written.symbol or plan.symbol
    return values


# --- legal bases ---------------------------------------------------------------------------------------------------


class RowForm(forms.Form):
    """A row of a formset: an existing row (`id`) or a new one; the formset adds ORDER and DELETE."""

    id = forms.IntegerField(widget=forms.HiddenInput, required=False)


class BasisForm(RowForm):
    text = forms.CharField(label=_("Text"), widget=_textarea(3), help_text=_("As the plan writes it: “Căn cứ …;”"))
    references = forms.TypedMultipleChoiceField(
        label=_("Documents cited"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    new_kind = forms.CharField(label=_("Document type"), max_length=60, required=False, help_text=_("e.g. Công văn"))
    new_number = forms.CharField(
        label=_("Number and symbol"), max_length=60, required=False, help_text=_("e.g. 5114/UBND-TH")
    )
    new_issued_on = forms.DateField(label=_("Issued on"), required=False, **DATE_INPUT)
    new_issuer = forms.CharField(
        label=_("Issuer"), max_length=200, required=False, help_text=_("e.g. UBND tỉnh Lai Châu")
    )
    new_subject = forms.CharField(label=_("Subject"), required=False, widget=_textarea(2))

    NEW = ("new_kind", "new_number", "new_issued_on", "new_issuer")

    def __init__(self, *args, documents: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["references"].choices = documents

    def clean(self) -> dict:
        cleaned = super().clean()
        typed = [name for name in (*self.NEW, "new_subject") if cleaned.get(name)]
        if typed:
            for name in self.NEW:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed for the new document: fill in its type, number, date and issuer."))
        return cleaned

    def row(self, delete: bool) -> BasisRow:
        data = self.cleaned_data
        new = None
        if data.get("new_number"):
            new = NewReference(
                kind=data["new_kind"],
                number=data["new_number"].strip(),
                issued_on=data["new_issued_on"],
                issuer=data["new_issuer"],
                subject=data.get("new_subject") or "",
            )
        return BasisRow(
            pk=data.get("id"),
            text=data.get("text", ""),
            references=data.get("references", []),
            new_reference=new,
            delete=delete,
        )


class RowFormSet(forms.BaseFormSet):
    """Rows in the order the officer numbered them (ORDER), deleted ones marked; blank new rows ignored."""

    def add_fields(self, form, index) -> None:
        super().add_fields(form, index)
        if "ORDER" in form.fields:
            form.fields["ORDER"].error_messages.update(WHOLE_NUMBER)

    def rows(self) -> list:
        kept = [form for form in self.ordered_forms]
        deleted = [form for form in self.deleted_forms if form.cleaned_data.get("id")]
        return [form.row(delete=False) for form in kept] + [form.row(delete=True) for form in deleted]


BasisFormSet = forms.formset_factory(BasisForm, formset=RowFormSet, extra=1, can_order=True, can_delete=True)


def document_choices(documents) -> list[tuple[int, str]]:
    return [(doc.pk, str(doc)) for doc in documents]


# --- duties --------------------------------------------------------------------------------------------------------


class DutyForm(RowForm):
    assignee = forms.CharField(
        label=_("Assignee heading"),
        max_length=200,
        help_text=_("As written, e.g. Phòng Tài chính - Kế hoạch thành phố"),
    )
    unit = forms.TypedChoiceField(label=_("Unit"), coerce=int, required=False, empty_value=None)
    tasks = forms.CharField(label=_("Tasks"), widget=_textarea(5), help_text=ONE_PER_LINE_HELP)

    def __init__(self, *args, units: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].choices = [("", "—"), *units]

    def row(self, delete: bool) -> DutyRow:
        data = self.cleaned_data
        return DutyRow(
            pk=data.get("id"),
            assignee=data.get("assignee", ""),
            unit_id=data.get("unit"),
            tasks=data.get("tasks", ""),
            delete=delete,
        )


DutyFormSet = forms.formset_factory(DutyForm, formset=RowFormSet, extra=1, can_order=True, can_delete=True)


# --- lines ---------------------------------------------------------------------------------------------------------


class LineAddForm(forms.Form):
    line = forms.ChoiceField(label=_("Line of the catalogue"))
    title = forms.CharField(
        label=_("Title in this plan"),
        max_length=300,
        required=False,
        help_text=_("Empty to use the catalogue's name."),
    )
    source = forms.TypedChoiceField(label=_("Funding source"), coerce=int)

    def __init__(self, *args, lines: list, sources: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = {line.code: line for line in lines}
        self.fields["line"].choices = [(line.code, f"{line.code} – {line.name}") for line in lines]
        self.fields["source"].choices = [(s.pk, s.name) for s in sources]


class LineForm(BasedOnForm):
    title = forms.CharField(label=_("Title in this plan"), max_length=300, required=False)
    objective = forms.CharField(label=_("Objective"), widget=_textarea(4), required=False)
    target_groups = forms.TypedMultipleChoiceField(
        label=_("Target groups (catalogue)"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )
    beneficiaries = forms.CharField(
        label=_("Beneficiaries"), widget=_textarea(3), required=False, help_text=ONE_PER_LINE_HELP
    )
    activities_label = forms.CharField(label=_("Activities heading"), max_length=60)
    activities_intro = forms.CharField(label=_("Activities introduction"), widget=_textarea(2), required=False)
    activities = forms.CharField(
        label=_("Activities"), widget=_textarea(5), required=False, help_text=ONE_PER_LINE_HELP
    )
    outputs = forms.CharField(label=_("Outputs"), widget=_textarea(3), required=False)
    units_label = forms.CharField(label=_("Units heading"), max_length=60)
    units = forms.TypedMultipleChoiceField(
        label=_("Implementing units"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple
    )

    TEXT = LINE_TEXT_FIELDS

    def __init__(self, *args, groups: list, units: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target_groups"].choices = groups
        self.fields["units"].choices = units

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.TEXT}


def line_initial(item, mark: str) -> dict:
    return {
        **{name: getattr(item, name) for name in LineForm.TEXT},
        "title": item.name,
        "target_groups": [g.pk for g in item.target_groups.all()],
        "units": [iu.unit_id for iu in item.implementing_units.all()],
        "based_on": mark,
    }


class TargetForm(RowForm):
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = whole_number(label=_("Quantity"), min_value=1, max_value=2_000_000_000)
    measure = forms.CharField(label=_("Unit of measure"), max_length=40, help_text=_("e.g. trẻ, phiếu"))
    rounds = whole_number(label=_("Rounds"), min_value=1, max_value=1000, initial=1)

    def row(self, delete: bool) -> TargetRow:
        data = self.cleaned_data
        return TargetRow(
            pk=data.get("id"),
            description=data.get("description", ""),
            quantity=data.get("quantity") or 1,
            measure=data.get("measure", ""),
            rounds=data.get("rounds") or 1,
            delete=delete,
        )


class UnorderedRowFormSet(RowFormSet):
    """Rows in the order shown (targets are numbered as listed), deleted ones marked; blank new rows ignored."""

    def rows(self) -> list:
        kept = [form for form in self.forms if form.has_changed() or form.cleaned_data.get("id")]
        kept = [form for form in kept if not self._should_delete_form(form)]
        deleted = [form for form in self.deleted_forms if form.cleaned_data.get("id")]
        return [form.row(delete=False) for form in kept] + [form.row(delete=True) for form in deleted]


TargetFormSet = forms.formset_factory(TargetForm, formset=UnorderedRowFormSet, extra=1, can_delete=True)


def target_initial(item) -> list[dict]:
    return [
        {"id": t.pk, "description": t.description, "quantity": t.quantity, "measure": t.measure, "rounds": t.rounds}
        for t in item.targets.all()
    ]
