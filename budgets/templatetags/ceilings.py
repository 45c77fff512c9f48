"""Who may open the ceiling pages, for the navigation and the links on plan pages (plans.permissions decides)."""

from django import template

from plans.permissions import can_read_ceilings

register = template.Library()


@register.filter
def may_read_ceilings(user) -> bool:
    return can_read_ceilings(user)
