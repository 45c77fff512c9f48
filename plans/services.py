"""Rules about plans that need more than one row to check."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

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
