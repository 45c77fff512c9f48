"""Filters for the plan's document template (templates/plans/_document.html), over plans.document."""

from django import template

from plans import document
from plans.models import OrgUnit

register = template.Library()


@register.filter
def issuer_header(unit: OrgUnit) -> list[document.HeaderLine]:
    return document.issuer_header(unit)
