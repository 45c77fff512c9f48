"""The budget workbook's title names a department issuer under the body it answers to, as the document does."""

import io

from openpyxl import load_workbook

from budgets.excel import SHEET_TITLE, export_budget_workbook
from plans.models import OrgUnit, Plan


def _title(plan: Plan) -> list[tuple[str | None, bool]]:
    sheet = load_workbook(io.BytesIO(export_budget_workbook(plan)))[SHEET_TITLE]
    return [(sheet.cell(row, 1).value, bool(sheet.cell(row, 1).font.bold)) for row in (1, 2)]


def test_a_department_prints_under_its_parent_and_a_city_as_before(seed):
    assert _title(seed) == [("ỦY BAN NHÂN DÂN THÀNH PHỐ LAI CHÂU", True), (None, False)]

    Plan.objects.filter(pk=seed.pk).update(issuer=OrgUnit.objects.get(code="city-ldtbxh"))
    assert _title(Plan.objects.get(pk=seed.pk)) == [
        ("UBND THÀNH PHỐ LAI CHÂU", False),
        ("PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", True),
    ]
