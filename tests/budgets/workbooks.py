"""Build and edit budget workbooks in tests, the way a user would in a spreadsheet program."""

import io
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from budgets.excel import COL_AMOUNT, COL_CODE, COL_UNIT, SHEET_TITLE, WHOLE_LINE, export_budget_workbook
from budgets.models import Allocation
from plans.models import ImplementingUnit, PlanItem

AMOUNT_COLUMN = "F"


def snapshot(plan) -> tuple:
    """Every figure of the plan's money, to assert that nothing changed."""
    return (
        sorted(PlanItem.objects.filter(plan=plan).values_list("pk", "amount")),
        sorted(Allocation.objects.filter(item__plan=plan).values_list("item_id", "unit_id", "amount")),
        sorted(ImplementingUnit.objects.filter(item__plan=plan).values_list("item_id", "unit_id")),
    )


def open_workbook(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def save(workbook: Workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def row_of(sheet: Worksheet, code: str, unit: str | None = None) -> int:
    """Return the sheet row of a line's amount (unit None) or of one unit's allocation."""
    wanted = WHOLE_LINE if unit is None else unit
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, COL_CODE).value == code and sheet.cell(row, COL_UNIT).value == wanted:
            return row
    raise LookupError(f"no row for {code} / {unit}")


def edit_workbook(data: bytes, change: Callable[[Worksheet], Any]) -> bytes:
    workbook = open_workbook(data)
    change(workbook[SHEET_TITLE])
    return save(workbook)


def with_amounts(data: bytes, amounts: dict[tuple[str, str | None], Any]) -> bytes:
    """Return the workbook with the amount cells of (line code, unit or None) set to the given values."""

    def change(sheet: Worksheet) -> None:
        for (code, unit), value in amounts.items():
            sheet.cell(row_of(sheet, code, unit), COL_AMOUNT).value = value

    return edit_workbook(data, change)


def exported(plan) -> bytes:
    return export_budget_workbook(plan)
