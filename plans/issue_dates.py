"""The one rule for the date a plan is issued on, for every way a date is set: the amendment form and plan_amend, the
header editor, and the start of a new plan year (form and service).

- An amendment is dated on or after the plan it amends (it keeps that plan's year, design.md §13): an amendment of
  the 2024 plan may well be issued in 2025.
- A first version of the plan for a year is issued in that year or the year before (plans for a year are usually
  signed in its last weeks of the year before).
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def issue_date_error(year: int, issued_on: datetime.date, amends=None) -> ValidationError | None:
    """Why a plan for `year` (amending `amends`, if any) may not be dated `issued_on`, or None."""
    if amends is not None:
        if issued_on < amends.issued_on:
            return ValidationError(
                _("An amendment is dated on or after the plan it amends: %(date)s or later.")
                % {"date": amends.issued_on.strftime("%d/%m/%Y")},
                code="before_amended",
            )
        return None
    if issued_on.year not in (year - 1, year):
        return ValidationError(
            _("The plan for %(year)d is issued in %(before)d or %(year)d.") % {"year": year, "before": year - 1},
            code="outside_year",
        )
    return None


def validate_issue_date(year: int, issued_on: datetime.date, amends=None) -> None:
    """Raise the ValidationError of issue_date_error, keyed by the field issued_on."""
    if (error := issue_date_error(year, issued_on, amends)) is not None:
        raise ValidationError({"issued_on": error})
