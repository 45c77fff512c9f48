"""Small pieces every app's admin uses: money columns formatted the Vietnamese way."""

from django import forms
from django.contrib import admin

from lai_chau.money import format_vnd


def money_column(field: str, description):
    """Return a list_display callable that shows `field` as '1.728.000.000 đồng', sortable by the field."""

    @admin.display(description=description, ordering=field)
    def column(obj) -> str:
        return format_vnd(getattr(obj, field))

    column.__name__ = f"{field}_formatted"
    return column


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
