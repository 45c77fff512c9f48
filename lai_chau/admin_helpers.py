"""Small pieces every app's admin uses: money columns and read-only amounts formatted the Vietnamese way."""

import functools

from django import forms
from django.contrib import admin
from django.contrib.admin.options import InlineModelAdmin

from lai_chau.fields import AmountField
from lai_chau.money import format_vnd


def money_column(field: str, description):
    """Return a list_display callable that shows `field` as '1.728.000.000 đồng', sortable by the field."""

    @admin.display(description=description, ordering=field)
    def column(obj) -> str:
        return format_vnd(getattr(obj, field))

    column.__name__ = f"{field}_formatted"
    return column


@functools.cache
def amount_display(model, name: str):
    """Return a read-only admin field showing the amount `name` of `model` as '1.728.000.000 đồng'.

    One function per field, always the same object: the admin matches the names of its fields against its read-only
    fields by equality.
    """
    field = model._meta.get_field(name)

    @admin.display(description=field.verbose_name)
    def display(obj) -> str:
        value = getattr(obj, field.attname)
        return admin.site.empty_value_display if value is None else format_vnd(value)

    display.__name__ = name  # the row keeps its CSS class (field-amount) and its help text
    return display


class ReadOnlyAmountsMixin:
    """Where the admin shows a record read-only (a frozen plan's rows, a view-only user, a view-only model), its
    amounts read '1.728.000.000 đồng' instead of the raw digits the admin prints for a BigIntegerField. An admin may
    show other fields its own way there too (read_only_displays)."""

    def read_only_displays(self) -> dict:
        """The fields shown another way on a read-only page: field name → admin display function (always the same
        object for a field)."""
        return {
            f.name: amount_display(self.model, f.name) for f in self.model._meta.fields if isinstance(f, AmountField)
        }

    def _shows_read_only(self, request, obj) -> bool:
        if isinstance(self, InlineModelAdmin):
            return not self.has_change_permission(request, obj) and not self.has_add_permission(request, obj)
        return obj is not None and not self.has_change_permission(request, obj)

    def _read_only_swaps(self, request, obj) -> dict:
        return self.read_only_displays() if self._shows_read_only(request, obj) else {}

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        displays = self._read_only_swaps(request, obj)
        if not displays:
            return fieldsets
        seen = set()

        def swap(names):
            swapped = []
            for name in names:
                if isinstance(name, (list, tuple)):
                    swapped.append(swap(name))
                    continue
                name = displays.get(name, name) if isinstance(name, str) else name
                if name not in seen:
                    seen.add(name)
                    swapped.append(name)
            return swapped

        return [(title, {**options, "fields": swap(options["fields"])}) for title, options in fieldsets]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        return fields + [d for d in self._read_only_swaps(request, obj).values() if d not in fields]


class FixedChoicesMixin:
    """Fetch each select box's choices once per form class, not once per inline row.

    Without this every inline row re-runs the query behind each of its select boxes, so a plan with
    many lines would cost many queries. Validation still checks submitted ids against the database.
    """

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        # An inline's key to its parent is replaced by the formset; listing every parent here would be waste.
        is_parent_key = db_field.related_model is not None and db_field.related_model is getattr(
            self, "parent_model", None
        )
        if (
            isinstance(field, forms.ModelChoiceField)
            and not is_parent_key
            and db_field.name not in self.get_autocomplete_fields(request)
        ):
            choices = list(field.choices)
            field.choices = choices
            inner = getattr(field.widget, "widget", None)  # admin wraps selects to add the "+" link
            if inner is not None:
                inner.choices = choices
        return field
