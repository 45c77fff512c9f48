"""The allocation editor: every line amount and unit allocation of a plan as one form, in triệu đồng.

Each amount field carries its initial value as a hidden input (show_hidden_initial), so a save applies only
what this user changed and never rewrites someone else's newer figure with the copy shown on the page. The hidden
inputs (those initial values and `based_on`, the budget state the page shows) have no place on the page to show an
error, so the form checks them itself and reports a damaged one at the top of the form: nothing is saved then.

A line drawing on one funding source keeps the fields it always had (line_<item>, alloc_<item>_<unit>), keyed to
that source. A line drawing on several has one amount per source (line_<item>_<source>), each unit's allocation
per source (alloc_<item>_<unit>_<source>) and a box to remove a source (drop_<item>_<source>). Every line may gain
a source (add_source_<item> with add_source_amount_<item>).

Which sources a line's fields stand for is the page's own hidden input (sources_<item>): a post is read with the
fields the user was shown even when someone else has since added or removed a source of the line (the save is then
stale and says so, and the service refuses an allocation from a source the line no longer draws on).
"""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _

from budgets.models import FundingSource
from budgets.services import BudgetEdit
from lai_chau.fields import AmountFormField
from lai_chau.money import MILLION
from plans.models import OrgUnit, Plan, PlanItem

BASED_ON_INVALID = _("The page is out of date: reload it and enter your changes again.")
HIDDEN_INITIAL_INVALID = _(
    "The page's hidden figures are damaged, so it cannot tell what you changed: nothing was saved. Reload the page "
    "and enter your changes again."
)
ADD_SOURCE_WITHOUT_AMOUNT = _("Enter what the line draws on this source (0 is allowed).")
ADD_AMOUNT_WITHOUT_SOURCE = _("Choose the source this amount is from.")
LAST_SOURCE_REMOVED = _("A line draws on at least one source: add another source before removing the last one.")


@dataclass
class UnitRow:
    unit: OrgUnit
    amount: forms.BoundField | None  # None on a line with several sources: its amounts are per source
    remove: forms.BoundField


@dataclass
class SourceRow:
    """One source of a line drawing on several: what the line draws on it and each unit's allocation from it."""

    source: FundingSource
    amount: forms.BoundField
    drop: forms.BoundField
    units: list[UnitRow]
    add_amount: forms.BoundField


@dataclass
class LineRow:
    item: PlanItem
    amount: forms.BoundField | None  # the line amount of a single-source line
    units: list[UnitRow]
    add_unit: forms.BoundField
    add_amount: forms.BoundField | None  # a single-source line's allocation to the unit being added
    add_source: forms.BoundField
    add_source_amount: forms.BoundField
    layout: forms.BoundField  # the hidden list of the sources the line's fields stand for
    source: FundingSource | None = None  # the one source of a single-source line
    sources: list[SourceRow] = field(default_factory=list)  # a line drawing on several (or none)

    @property
    def several(self) -> bool:
        return self.source is None

    @property
    def rowspan(self) -> int:
        """Rows of the line's cells spanning its table rows: units (or "no unit") then "add a unit" and "add a
        source"; on a line with several sources, a header and the units per source before them."""
        if not self.several:
            return len(self.units) + 2
        return max(sum(1 + len(source.units) for source in self.sources), 1) + 3

    @property
    def add_source_open(self) -> bool:
        """Keep the "add a source" box open when it holds something (a refused or kept entry)."""
        return bool(
            self.add_source.value()
            or self.add_source_amount.value()
            or self.add_source.errors
            or self.add_source_amount.errors
        )


def units_in_force(plan: Plan):
    """Units that existed on the plan's date: a plan refers to units as they were when it was issued."""
    return (
        OrgUnit.objects.filter(valid_from__lte=plan.issued_on)
        .exclude(valid_to__lt=plan.issued_on)
        .exclude(kind=OrgUnit.Kind.PROVINCE)
        .order_by("kind", "name")
    )


def _amount_field(**kwargs) -> AmountFormField:
    return AmountFormField(unit=MILLION, **kwargs)


class AllocationEditorForm(forms.Form):
    based_on = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, plan: Plan, based_on: datetime.datetime | None, **kwargs):
        """`plan` must come from Plan.objects.with_document() (its lines, sources, units and allocations
        prefetched)."""
        super().__init__(*args, initial={"based_on": based_on.isoformat() if based_on else ""}, **kwargs)
        self.plan = plan
        self.latest_change = based_on
        self.items = list(plan.items.all())
        unit_choices = [("", "—")] + [(str(u.pk), u.name) for u in units_in_force(plan)]
        all_sources = {source.pk: source for source in FundingSource.objects.order_by("code")}
        self.layout: dict[int, list[FundingSource]] = {}
        self.layout_damaged = False
        for item in self.items:
            fundings = {funding.source_id: funding.amount for funding in item.funding_list()}
            self.layout[item.pk] = sources = self._shown_sources(item, list(fundings), all_sources)
            self.fields[f"sources_{item.pk}"] = forms.CharField(
                widget=forms.HiddenInput, required=False, initial=",".join(str(s.pk) for s in sources)
            )
            allocations = {(a.unit_id, a.source_id): a.amount for a in item.allocations.all()}
            units = [implementing.unit_id for implementing in item.implementing_units.all()]
            if len(sources) == 1:
                self._single_source_fields(item, sources[0].pk, fundings, units, allocations)
            else:
                self._several_sources_fields(item, sources, fundings, units, allocations)
            self.fields[f"add_unit_{item.pk}"] = forms.ChoiceField(choices=unit_choices, required=False)
            drawn_on = set(fundings) | {source.pk for source in sources}
            self.fields[f"add_source_{item.pk}"] = forms.ChoiceField(
                choices=[("", "—")] + [(str(pk), s.name) for pk, s in all_sources.items() if pk not in drawn_on],
                required=False,
            )
            self.fields[f"add_source_amount_{item.pk}"] = _amount_field(required=False)
            self._mark(f"add_source_{item.pk}", role="add-source-choice")
            self._mark(f"add_source_amount_{item.pk}", role="add-source")

    def _shown_sources(self, item, drawn_on: list[int], all_sources: dict) -> list[FundingSource]:
        """The sources the page showed for the line (its sources_<item> input), or those it draws on now."""
        current = [all_sources[pk] for pk in drawn_on]
        if not self.is_bound:
            return current
        posted = self.data.get(f"sources_{item.pk}")
        if posted is None:
            return current
        try:
            ids = [int(part) for part in posted.split(",")] if posted else []
        except ValueError:
            ids = None
        if ids is None or len(set(ids)) != len(ids) or any(pk not in all_sources for pk in ids):
            self.layout_damaged = True
            return current
        return [all_sources[pk] for pk in ids]

    def _single_source_fields(self, item, source, fundings, units, allocations) -> None:
        """The fields a line always had: its amount, each unit's allocation, all from the line's one source."""
        self.fields[f"line_{item.pk}"] = _amount_field(
            initial=fundings.get(source), show_hidden_initial=True, label=item.code
        )
        self._mark(f"line_{item.pk}", role="line", source=source)
        for unit in units:
            key = f"{item.pk}_{unit}"
            self.fields[f"alloc_{key}"] = _amount_field(
                required=False, initial=allocations.get((unit, source)), show_hidden_initial=True
            )
            self._mark(f"alloc_{key}", role="alloc", source=source, unit=unit)
            self.fields[f"remove_{key}"] = forms.BooleanField(required=False)
            self._mark(f"remove_{key}", role="remove-unit", unit=unit)
        self.fields[f"add_amount_{item.pk}"] = _amount_field(required=False)
        self._mark(f"add_amount_{item.pk}", role="alloc", source=source)

    def _several_sources_fields(self, item, sources, fundings, units, allocations) -> None:
        for funding_source in sources:
            source = funding_source.pk
            self.fields[f"line_{item.pk}_{source}"] = _amount_field(
                initial=fundings.get(source), show_hidden_initial=True, label=f"{item.code} {funding_source.name}"
            )
            self._mark(f"line_{item.pk}_{source}", role="line", source=source)
            self.fields[f"drop_{item.pk}_{source}"] = forms.BooleanField(required=False)
            self._mark(f"drop_{item.pk}_{source}", role="drop-source", source=source)
            # The note next to the box says that the source's allocations go with it.
            self.fields[f"drop_{item.pk}_{source}"].widget.attrs["aria-describedby"] = (
                f"id_drop_{item.pk}_{source}_note"
            )
            for unit in units:
                key = f"alloc_{item.pk}_{unit}_{source}"
                self.fields[key] = _amount_field(
                    required=False, initial=allocations.get((unit, source)), show_hidden_initial=True
                )
                self._mark(key, role="alloc", source=source, unit=unit)
            self.fields[f"add_amount_{item.pk}_{source}"] = _amount_field(required=False)
            self._mark(f"add_amount_{item.pk}_{source}", role="alloc", source=source)
        for unit in units:
            self.fields[f"remove_{item.pk}_{unit}"] = forms.BooleanField(required=False)
            self._mark(f"remove_{item.pk}_{unit}", role="remove-unit", unit=unit)

    def _mark(self, name: str, **data) -> None:
        """What static/js/allocation_editor.js needs to total a field: its role, its source and its unit."""
        self.fields[name].widget.attrs.update({f"data-{key}": str(value) for key, value in data.items()})

    def rows(self) -> list[LineRow]:
        rows = []
        for item in self.items:
            sources = self.layout[item.pk]
            implementing = list(item.implementing_units.all())
            common = {
                "item": item,
                "add_unit": self[f"add_unit_{item.pk}"],
                "add_source": self[f"add_source_{item.pk}"],
                "add_source_amount": self[f"add_source_amount_{item.pk}"],
                "layout": self[f"sources_{item.pk}"],
            }
            if len(sources) == 1:
                units = [
                    UnitRow(iu.unit, self[f"alloc_{item.pk}_{iu.unit_id}"], self[f"remove_{item.pk}_{iu.unit_id}"])
                    for iu in implementing
                ]
                rows.append(
                    LineRow(
                        **common,
                        amount=self[f"line_{item.pk}"],
                        units=units,
                        add_amount=self[f"add_amount_{item.pk}"],
                        source=sources[0],
                    )
                )
                continue
            source_rows = [
                SourceRow(
                    source=source,
                    amount=self[f"line_{item.pk}_{source.pk}"],
                    drop=self[f"drop_{item.pk}_{source.pk}"],
                    units=[
                        UnitRow(iu.unit, self[f"alloc_{item.pk}_{iu.unit_id}_{source.pk}"], None) for iu in implementing
                    ],
                    add_amount=self[f"add_amount_{item.pk}_{source.pk}"],
                )
                for source in sources
            ]
            units = [UnitRow(iu.unit, None, self[f"remove_{item.pk}_{iu.unit_id}"]) for iu in implementing]
            rows.append(LineRow(**common, amount=None, units=units, add_amount=None, sources=source_rows))
        return rows

    def clean(self) -> dict:
        """Check the hidden inputs; their errors are the form's own (shown at its top), never a hidden field's."""
        cleaned = super().clean()
        cleaned["based_on"] = self._based_on(cleaned.get("based_on") or "")
        if self.layout_damaged:
            raise forms.ValidationError(HIDDEN_INITIAL_INVALID, code="hidden_initial")
        for name, field_ in self.fields.items():
            if field_.show_hidden_initial and not self._hidden_initial_is_valid(name, field_):
                raise forms.ValidationError(HIDDEN_INITIAL_INVALID, code="hidden_initial")
        for item in self.items:
            self._clean_sources(item, cleaned)
        return cleaned

    def _clean_sources(self, item: PlanItem, cleaned: dict) -> None:
        """A source is added with an amount, and a line keeps at least one source."""
        source, amount = f"add_source_{item.pk}", f"add_source_amount_{item.pk}"
        if cleaned.get(source) and cleaned.get(amount) is None and amount not in self.errors:
            self.add_error(amount, forms.ValidationError(ADD_SOURCE_WITHOUT_AMOUNT, code="required"))
        if cleaned.get(amount) is not None and not cleaned.get(source) and source not in self.errors:
            self.add_error(source, forms.ValidationError(ADD_AMOUNT_WITHOUT_SOURCE, code="required"))
        sources = self.layout[item.pk]
        drops = [f"drop_{item.pk}_{source.pk}" for source in sources if len(sources) > 1]
        if drops and all(cleaned.get(name) for name in drops) and not cleaned.get(source):
            self.add_error(drops[-1], forms.ValidationError(LAST_SOURCE_REMOVED, code="last_source"))

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

    def _hidden_initial_is_valid(self, name: str, field_: forms.Field) -> bool:
        """The initial value the page was shown (initial-<name>) must be there whenever the field is, and be what
        the form wrote: an amount, empty only for an optional field. Django would otherwise take an unreadable one
        as "changed" and save the figure on the page over the current one."""
        bound = self[name]
        initial = field_.hidden_widget().value_from_datadict(self.data, self.files, bound.html_initial_name)
        if initial is None:
            return bound.html_name not in self.data
        if initial == "":
            return not field_.required
        try:
            field_.to_python(initial)
        except forms.ValidationError:
            return False
        return True

    def edit(self) -> BudgetEdit:
        """Return the changes the user made, and only those."""
        edit = BudgetEdit()
        changed = set(self.changed_data)
        data = self.cleaned_data
        for item in self.items:
            sources = [source.pk for source in self.layout[item.pk]]
            units = [implementing.unit_id for implementing in item.implementing_units.all()]
            removed = {unit for unit in units if data.get(f"remove_{item.pk}_{unit}")}
            edit.units_removed += [(item.pk, unit) for unit in units if unit in removed]
            new_unit = int(data[f"add_unit_{item.pk}"]) if data.get(f"add_unit_{item.pk}") else None
            if new_unit:
                edit.units_added.append((item.pk, new_unit))
            for source in sources:
                if len(sources) == 1:  # the fields a single-source line always had, keyed to its source
                    line, alloc, added = f"line_{item.pk}", f"alloc_{item.pk}_{{}}", f"add_amount_{item.pk}"
                elif data.get(f"drop_{item.pk}_{source}"):
                    edit.line_amounts[(item.pk, source)] = None  # its allocations go with it
                    continue
                else:
                    line, added = f"line_{item.pk}_{source}", f"add_amount_{item.pk}_{source}"
                    alloc = f"alloc_{item.pk}_{{}}_{source}"
                if line in changed:
                    edit.line_amounts[(item.pk, source)] = data[line]
                for unit in units:
                    if unit not in removed and alloc.format(unit) in changed:
                        edit.allocations[(item.pk, unit, source)] = data[alloc.format(unit)]
                if new_unit and data.get(added) is not None:
                    edit.allocations[(item.pk, new_unit, source)] = data[added]
            if data.get(f"add_source_{item.pk}"):
                edit.line_amounts[(item.pk, int(data[f"add_source_{item.pk}"]))] = data[f"add_source_amount_{item.pk}"]
        return edit
