"""The allocation editor: every line amount and unit allocation of a plan as one form, in triệu đồng.

Each amount field carries its initial value as a hidden input (show_hidden_initial), so a save applies only
what this user changed and never rewrites someone else's newer figure with the copy shown on the page. The hidden
inputs (those initial values and `based_on`, the budget state the page shows) have no place on the page to show an
error, so the form checks them itself and reports a damaged one at the top of the form: nothing is saved then.
"""

import datetime
from dataclasses import dataclass

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from budgets.services import BudgetEdit
from lai_chau.fields import AmountFormField
from lai_chau.money import MILLION
from plans.models import OrgUnit, Plan, PlanItem

BASED_ON_INVALID = _("The page is out of date: reload it and enter your changes again.")
HIDDEN_INITIAL_INVALID = _(
    "The page's hidden figures are damaged, so it cannot tell what you changed: nothing was saved. Reload the page "
    "and enter your changes again."
)


@dataclass
class UnitRow:
    unit: OrgUnit
    amount: forms.BoundField
    remove: forms.BoundField


@dataclass
class LineRow:
    item: PlanItem
    amount: forms.BoundField
    units: list[UnitRow]
    add_unit: forms.BoundField
    add_amount: forms.BoundField


def units_in_force(plan: Plan):
    """Units that existed on the plan's date: a plan refers to units as they were when it was issued."""
    return (
        OrgUnit.objects.filter(valid_from__lte=plan.issued_on)
        .exclude(valid_to__lt=plan.issued_on)
        .exclude(kind=OrgUnit.Kind.PROVINCE)
        .order_by("kind", "name")
    )


class AllocationEditorForm(forms.Form):
    based_on = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, plan: Plan, based_on: datetime.datetime | None, **kwargs):
        """`plan` must come from Plan.objects.with_document() (its lines, units and allocations prefetched)."""
        super().__init__(*args, initial={"based_on": based_on.isoformat() if based_on else ""}, **kwargs)
        self.plan = plan
        self.latest_change = based_on
        self.items = list(plan.items.all())
        unit_choices = [("", "—")] + [(str(u.pk), u.name) for u in units_in_force(plan)]
        for item in self.items:
            self.fields[f"line_{item.pk}"] = AmountFormField(
                unit=MILLION, initial=item.amount, show_hidden_initial=True, label=item.code
            )
            allocations = {a.unit_id: a.amount for a in item.allocations.all()}
            for implementing in item.implementing_units.all():
                key = f"{item.pk}_{implementing.unit_id}"
                self.fields[f"alloc_{key}"] = AmountFormField(
                    unit=MILLION,
                    required=False,
                    initial=allocations.get(implementing.unit_id),
                    show_hidden_initial=True,
                )
                self.fields[f"remove_{key}"] = forms.BooleanField(required=False)
            self.fields[f"add_unit_{item.pk}"] = forms.ChoiceField(choices=unit_choices, required=False)
            self.fields[f"add_amount_{item.pk}"] = AmountFormField(unit=MILLION, required=False)

    def rows(self) -> list[LineRow]:
        rows = []
        for item in self.items:
            units = [
                UnitRow(
                    unit=iu.unit,
                    amount=self[f"alloc_{item.pk}_{iu.unit_id}"],
                    remove=self[f"remove_{item.pk}_{iu.unit_id}"],
                )
                for iu in item.implementing_units.all()
            ]
            rows.append(
                LineRow(
                    item=item,
                    amount=self[f"line_{item.pk}"],
                    units=units,
                    add_unit=self[f"add_unit_{item.pk}"],
                    add_amount=self[f"add_amount_{item.pk}"],
                )
            )
        return rows

    def clean(self) -> dict:
        """Check the hidden inputs; their errors are the form's own (shown at its top), never a hidden field's."""
        cleaned = super().clean()
        cleaned["based_on"] = self._based_on(cleaned.get("based_on") or "")
        for name, field in self.fields.items():
            if field.show_hidden_initial and not self._hidden_initial_is_valid(name, field):
                raise forms.ValidationError(HIDDEN_INITIAL_INVALID, code="hidden_initial")
        return cleaned

    def _based_on(self, value: str) -> datetime.datetime | None:
        """The page shows the budget as of its latest change: an aware timestamp no later than the latest change
        now. Anything else (empty although the plan has changes, unparsable, naive, in the future) was not
        written by this application."""
        invalid = forms.ValidationError(BASED_ON_INVALID, code="based_on")
        if not value:
            if self.latest_change is not None:
                raise invalid
            return None
        try:
            parsed = parse_datetime(value)
        except ValueError:  # well formed but impossible, such as month 13
            parsed = None
        if parsed is None or timezone.is_naive(parsed):
            raise invalid
        if self.latest_change is None or parsed > self.latest_change:
            raise invalid
        return parsed

    def _hidden_initial_is_valid(self, name: str, field: forms.Field) -> bool:
        """The initial value the page was shown (initial-<name>) must be there whenever the field is, and be what
        the form wrote: an amount, empty only for an optional field. Django would otherwise take an unreadable one
        as "changed" and save the figure on the page over the current one."""
        bound = self[name]
        initial = field.hidden_widget().value_from_datadict(self.data, self.files, bound.html_initial_name)
        if initial is None:
            return bound.html_name not in self.data
        if initial == "":
            return not field.required
        try:
            field.to_python(initial)
        except forms.ValidationError:
            return False
        return True

    def edit(self) -> BudgetEdit:
        """Return the changes the user made, and only those."""
        edit = BudgetEdit()
        changed = set(self.changed_data)
        for item in self.items:
            if f"line_{item.pk}" in changed:
                edit.line_amounts[item.pk] = self.cleaned_data[f"line_{item.pk}"]
            for iu in item.implementing_units.all():
                key = f"{item.pk}_{iu.unit_id}"
                if self.cleaned_data.get(f"remove_{key}"):
                    edit.units_removed.append((item.pk, iu.unit_id))
                elif f"alloc_{key}" in changed:
                    edit.allocations[(item.pk, iu.unit_id)] = self.cleaned_data[f"alloc_{key}"]
            new_unit = self.cleaned_data.get(f"add_unit_{item.pk}")
            if new_unit:
                edit.units_added.append((item.pk, int(new_unit)))
                amount = self.cleaned_data.get(f"add_amount_{item.pk}")
                if amount is not None:
                    edit.allocations[(item.pk, int(new_unit))] = amount
        return edit
