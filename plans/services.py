"""Rules about plans that need more than one row to check."""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from lai_chau.text import paragraphs

LINE_SUB_PROJECT_MISMATCH = _("Sub-project %(sub)s does not belong to project %(project)s.")
LINE_NEEDS_SUB_PROJECT = _(
    "Project %(project)s is divided into sub-projects (%(codes)s): "
    "choose the sub-project, the budget line is the sub-project."
)
LINE_OUTSIDE_PROGRAMME = _("Project %(project)s is not in the plan's programme catalogue.")


def validate_plan_item_line(item) -> None:
    """Check that a plan line names exactly one budget line of the plan's programme catalogue."""
    if not item.project_id:
        return
    project = item.project
    if item.plan_id and project.programme_id != item.plan.programme_id:
        raise ValidationError(
            {
                "project": ValidationError(
                    LINE_OUTSIDE_PROGRAMME, code="outside_programme", params={"project": project.code}
                )
            }
        )
    if item.sub_project_id:
        if item.sub_project.project_id != project.pk:
            raise ValidationError(
                {
                    "sub_project": ValidationError(
                        LINE_SUB_PROJECT_MISMATCH,
                        code="sub_project_mismatch",
                        params={"sub": item.sub_project.code, "project": project.code},
                    )
                }
            )
        return
    codes = [sub.code for sub in project.sub_projects.all()]
    if codes:
        raise ValidationError(
            {
                "sub_project": ValidationError(
                    LINE_NEEDS_SUB_PROJECT,
                    code="sub_project_required",
                    params={"project": project.code, "codes": ", ".join(codes)},
                )
            }
        )


YEAR_IN_TEXT = re.compile(r"\bnăm (\d{4})\b", re.IGNORECASE)
TEXT_FIELDS_CHECKED_FOR_YEAR = [
    "summary",
    "preamble",
    "purposes",
    "requirements",
    "scope",
    "target_groups",
    "time_frame",
    "funding_statement",
    "solutions",
    "closing",
]


@dataclass(frozen=True)
class YearMention:
    field: str  # verbose name of the field
    year: int
    sentence: str


def other_year_mentions(plan) -> list[YearMention]:
    """Return sentences of the plan's own text that speak of "năm YYYY" for a year other than the plan's.

    The text is kept as written (the 2024 seed says "năm 2023" twice); this only points at it for review.
    """
    found = []
    for name in TEXT_FIELDS_CHECKED_FOR_YEAR:
        for paragraph in paragraphs(getattr(plan, name)):
            for match in YEAR_IN_TEXT.finditer(paragraph):
                if int(match[1]) != plan.year:
                    field = plan._meta.get_field(name).verbose_name
                    found.append(YearMention(field=str(field), year=int(match[1]), sentence=paragraph))
    return found
