"""Build and edit budget workbooks in tests, the way a user would in a spreadsheet program."""

import datetime
import io
import zipfile
from collections.abc import Callable
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from budgets.excel import COL_AMOUNT, COL_CODE, COL_SOURCE, COL_UNIT, SHEET_TITLE, WHOLE_LINE, export_budget_workbook
from budgets.history import record_loaded_rows
from budgets.models import Allocation, FundingSource, LineFunding
from plans.models import ImplementingUnit, OrgUnit, Plan, PlanItem
from projects.models import SubProject
from tests.factories import cover_with_ceiling, make_plan_shell

AMOUNT_COLUMN = "F"


def snapshot(plan) -> tuple:
    """Every figure of the plan's money, to assert that nothing changed."""
    return (
        sorted(LineFunding.objects.filter(item__plan=plan).values_list("item_id", "source_id", "amount")),
        sorted(Allocation.objects.filter(item__plan=plan).values_list("item_id", "unit_id", "source_id", "amount")),
        sorted(ImplementingUnit.objects.filter(item__plan=plan).values_list("item_id", "unit_id")),
    )


def open_workbook(data: bytes) -> Workbook:
    return load_workbook(io.BytesIO(data))


def save(workbook: Workbook) -> bytes:
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def row_of(sheet: Worksheet, code: str, unit: str | None = None, source: str | None = None) -> int:
    """Return the sheet row of a line's amount (unit None) or of one unit's allocation; with `source` (a name), the
    row of that source (a line drawing on several sources has its rows once per source), else the first."""
    wanted = WHOLE_LINE if unit is None else unit
    for row in range(1, sheet.max_row + 1):
        if sheet.cell(row, COL_CODE).value == code and sheet.cell(row, COL_UNIT).value == wanted:
            if source is None or sheet.cell(row, COL_SOURCE).value == source:
                return row
    raise LookupError(f"no row for {code} / {unit} / {source}")


def edit_workbook(data: bytes, change: Callable[[Worksheet], Any]) -> bytes:
    workbook = open_workbook(data)
    change(workbook[SHEET_TITLE])
    return save(workbook)


def with_amounts(data: bytes, amounts: dict[tuple, Any]) -> bytes:
    """Return the workbook with the amount cells of (line code, unit or None[, source name]) set to the given
    values."""

    def change(sheet: Worksheet) -> None:
        for key, value in amounts.items():
            sheet.cell(row_of(sheet, *key), COL_AMOUNT).value = value

    return edit_workbook(data, change)


def exported(plan) -> bytes:
    return export_budget_workbook(plan)


def _shift_merges(sheet: Worksheet, from_row: int, by: int) -> None:
    """Move the merged ranges at or below `from_row` by `by` rows, as a spreadsheet program does (openpyxl's
    insert_rows and delete_rows leave them where they were, over other rows)."""
    for merged in list(sheet.merged_cells.ranges):
        if merged.min_row >= from_row:
            sheet.merged_cells.remove(merged)
            merged.shift(row_shift=by)
            sheet.merged_cells.add(merged)


def insert_rows(sheet: Worksheet, index: int, amount: int = 1) -> None:
    _shift_merges(sheet, index, amount)
    sheet.insert_rows(index, amount)


def delete_rows(sheet: Worksheet, index: int, amount: int = 1) -> None:
    sheet.delete_rows(index, amount)
    _shift_merges(sheet, index + amount, -amount)


# --- crafted workbooks: what a spreadsheet program would not write, built part by part ------------------------

SPREADSHEETML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
BUDGET_SHEET_PART = "xl/worksheets/sheet1.xml"  # where openpyxl writes the first sheet, "Kinh phí"


def parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def with_parts(data: bytes, changed: dict[str, bytes], content_types: dict[str, str] | None = None) -> bytes:
    """Return the workbook with parts replaced or added, each new content type declared for its part."""
    contents = {**parts(data), **changed}
    for name, content_type in (content_types or {}).items():
        override = f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>'.encode()
        contents["[Content_Types].xml"] = contents["[Content_Types].xml"].replace(b"</Types>", override)
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in contents.items():
            archive.writestr(name, content)
    return output.getvalue()


def with_shared_strings(data: bytes, count: int, text: str = "a") -> bytes:
    """Add a shared-string table of `count` entries (none of them used by a cell): openpyxl parses all of them."""
    entry = f"<si><t>{text}</t></si>".encode()
    table = f'<sst xmlns="{SPREADSHEETML}" count="{count}" uniqueCount="{count}">'.encode() + entry * count + b"</sst>"
    return with_parts(data, {"xl/sharedStrings.xml": table}, {"xl/sharedStrings.xml": SHARED_STRINGS_TYPE})


def with_budget_sheet_xml(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """Return the workbook with the budget sheet's XML passed through `change`."""
    return with_parts(data, {BUDGET_SHEET_PART: change(parts(data)[BUDGET_SHEET_PART])})


def with_row_before_header(data: bytes, cells: int = 0, rows: int = 1) -> bytes:
    """Add `rows` rows above the title block (rows 3, and 1,000,000+ for the rest: rows in the XML need not be
    consecutive), the first holding `cells` numeric cells far right of the table, where the importer ignores them."""
    first = b'<row r="3">' + b'<c r="AA3"><v>1</v></c>' * cells + b"</row>"
    more = b"".join(b'<row r="%d"/>' % (1_000_000 + n) for n in range(rows - 1))

    def change(xml: bytes) -> bytes:
        xml = xml.replace(b'<row r="4">', first + b'<row r="4">', 1)
        return xml.replace(b"</sheetData>", more + b"</sheetData>", 1)

    return with_budget_sheet_xml(data, change)


def with_merged_ranges(data: bytes, refs: list[str]) -> bytes:
    """Add merged ranges to the budget sheet's XML as they are written, whatever the cells under them hold."""
    extra = "".join(f'<mergeCell ref="{ref}"/>' for ref in refs).encode()
    return with_budget_sheet_xml(data, lambda xml: xml.replace(b"</mergeCells>", extra + b"</mergeCells>", 1))


def with_styles(data: bytes, formats: int) -> bytes:
    """Replace the cell formats of the style sheet with `formats` identical ones (openpyxl parses each)."""
    styles = parts(data)["xl/styles.xml"]
    start, end = styles.index(b"<cellXfs"), styles.index(b"</cellXfs>") + len(b"</cellXfs>")
    xfs = b'<cellXfs count="%d">' % formats + b'<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>' * formats
    return with_parts(data, {"xl/styles.xml": styles[:start] + xfs + b"</cellXfs>" + styles[end:]})


def bulk_plan(*, lines: int, units: int, number: int) -> Plan:
    """A plan of `lines` lines × `units` units with an allocation of 10 triệu each, inserted in bulk (the factory's
    one-by-one inserts take minutes at 5,000 allocations), with a first history record as setup_demo gives."""
    amount = 10_000_000
    # A programme of its own: its sub-projects 9.1 … 9.n cannot clash with another test plan's.
    plan, project = make_plan_shell(number=number, programme_code=f"bulk-{number}")
    source = FundingSource.objects.get(code="nstw-su-nghiep")
    city = plan.issuer
    org_units = OrgUnit.objects.bulk_create(
        OrgUnit(
            code=f"bulk-{number}-{i}",
            name=f"Đơn vị {i}",
            kind="department",
            parent=city,
            valid_from=datetime.date(2020, 1, 1),
        )
        for i in range(units)
    )
    subs = SubProject.objects.bulk_create(
        SubProject(project=project, code=f"9.{n}", name=f"Tiểu dự án {n}") for n in range(1, lines + 1)
    )
    items = PlanItem.objects.bulk_create(
        PlanItem(plan=plan, position=n, project=project, sub_project=sub) for n, sub in enumerate(subs, 1)
    )
    LineFunding.objects.bulk_create(LineFunding(item=item, source=source, amount=amount * units) for item in items)
    ImplementingUnit.objects.bulk_create(
        ImplementingUnit(item=item, unit=unit, position=p) for item in items for p, unit in enumerate(org_units)
    )
    Allocation.objects.bulk_create(
        Allocation(item=item, unit=unit, source=source, amount=amount) for item in items for unit in org_units
    )
    cover_with_ceiling(plan, source, amount * units * lines)
    record_loaded_rows(plan)
    return plan


def every_allocation_set(data: bytes, value: Any) -> bytes:
    """Return the workbook with every unit's amount cell set to `value`."""

    def change(sheet: Worksheet) -> None:
        for row in sheet.iter_rows(min_row=9):
            if row[COL_CODE - 1].value and row[COL_UNIT - 1].value not in (None, WHOLE_LINE):
                row[COL_AMOUNT - 1].value = value

    return edit_workbook(data, change)
