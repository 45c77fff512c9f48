"""Small pieces every app's admin uses: money columns formatted the Vietnamese way."""

from django.contrib import admin

from lai_chau.money import format_vnd


def money_column(field: str, description):
    """Return a list_display callable that shows `field` as '1.728.000.000 đồng', sortable by the field."""

    @admin.display(description=description, ordering=field)
    def column(obj) -> str:
        return format_vnd(getattr(obj, field))

    column.__name__ = f"{field}_formatted"
    return column
