import datetime
import io
import unicodedata
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from openpyxl import Workbook, load_workbook
from openpyxl.chart import BarChart, Reference

from budgets import excel
from budgets.excel import (
    COL_AMOUNT,
    COL_CODE,
    COL_SOURCE,
    COL_UNIT,
    META_SHEET,
    SHEET_TITLE,
    budget_workbook_import,
    budget_workbook_trial,
    changes_since_export,
    export_budget_workbook,
    neutralise_formula,
    read_budget_workbook,
    workbook_filename,
)
from budgets.history import latest_change_time, plan_budget_history
from budgets.models import Allocation, FundingSource, LineFunding
from budgets.services import BudgetEdit, BudgetRefused, StaleBudget, budget_apply
from lai_chau.money import AMOUNT_FRACTIONAL_DONG, AMOUNT_MALFORMED, AMOUNT_NEGATIVE
from plans.models import ImplementingUnit, OrgUnit, Plan, PlanItem
from tests.budgets.workbooks import (
    BUDGET_SHEET_PART,
    bulk_plan,
    delete_rows,
    edit_workbook,
    every_allocation_set,
    insert_rows,
    open_workbook,
    parts,
    row_of,
    save,
    snapshot,
    with_amounts,
    with_merged_ranges,
    with_parts,
    with_row_before_header,
    with_shared_strings,
    with_styles,
)
from tests.factories import cover_with_ceiling, make_plan, nstw, only_source

OFFICE = "Văn phòng HĐND-UBND thành phố"
HEALTH = "Trung tâm Y tế thành phố"
LDTBXH = "Phòng Lao động - Thương binh và Xã hội thành phố"


def _item(plan, code) -> PlanItem:
    return next(item for item in plan.items.select_related("project", "sub_project") if item.code == code)


@pytest.fixture
def workbook(seed) -> bytes:
    return export_budget_workbook(seed)


# --- export ---------------------------------------------------------------------------------------------------


def test_the_workbook_is_laid_out_as_a_vietnamese_budget_table(seed, workbook):
    sheet = load_workbook(io.BytesIO(workbook))[SHEET_TITLE]
    texts = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value is not None]
    assert "ỦY BAN NHÂN DÂN THÀNH PHỐ LAI CHÂU" in texts
    assert any("Kế hoạch số 4159/KH-UBND ngày 29 tháng 12 năm 2023" in text for text in texts)  # as documents write it
    assert seed.summary in texts
    assert "ĐVT: triệu đồng" in texts
    header = [cell.value for cell in sheet[8]]
    assert header == [
        "STT",
        "Mã dự án",
        "Nội dung",
        "Đơn vị thực hiện",
        "Nguồn vốn",
        "Số tiền (triệu đồng)",
        "Ghi chú",
    ]
    line_2 = row_of(sheet, "2")
    assert [sheet.cell(line_2, c).value for c in (1, 2, 4, 6)] == [1, "2", "Cả nội dung", 530]
    assert sheet.cell(row_of(sheet, "2", "UBND xã Sùng Phài"), COL_AMOUNT).value == 530
    # One source per line: the line's row names it, its units' rows do not (as before issue 8).
    assert sheet.cell(line_2, COL_SOURCE).value == "Ngân sách Trung ương - vốn sự nghiệp"
    assert sheet.cell(row_of(sheet, "2", "UBND xã Sùng Phài"), COL_SOURCE).value is None
    assert sheet.cell(row_of(sheet, "3.2", OFFICE), COL_AMOUNT).value is None  # not split yet
    total_row = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "TỔNG CỘNG")
    assert sheet.cell(total_row, COL_AMOUNT).value == 1728
    ceiling = sheet.cell(total_row + 1, 1).value
    assert "Mức trần" in ceiling and "Công văn số 5114/UBND-TH ngày 28/12/2023" in ceiling
    assert sheet.cell(total_row + 1, COL_AMOUNT).value == 1728
    assert any(text.startswith("Kiểm tra quy tắc kinh phí – ĐẠT") for text in texts)


def test_the_workbook_prints_on_a4_landscape_with_grouped_amounts(workbook):
    sheet = load_workbook(io.BytesIO(workbook))[SHEET_TITLE]
    assert sheet.page_setup.orientation == "landscape"
    assert int(sheet.page_setup.paperSize) == int(sheet.PAPERSIZE_A4)
    assert sheet.sheet_properties.pageSetUpPr.fitToPage and sheet.page_setup.fitToWidth == 1
    assert sheet.print_title_rows == "$8:$8"
    assert sheet.cell(row_of(sheet, "4.1"), COL_AMOUNT).number_format == "#,##0"
    assert sheet.column_dimensions["C"].width >= 40


def test_fractional_amounts_are_exported_exactly_and_read_back_unchanged(seed, staff_user):
    line = _item(seed, "3.2")
    office, health = OrgUnit.objects.get(name=OFFICE), OrgUnit.objects.get(name=HEALTH)
    source = only_source(line)
    edit = BudgetEdit(allocations={(line.pk, office.pk, source): 12_345_678, (line.pk, health.pk, source): 300_000_001})
    budget_apply(plan=seed, edit=edit, by=staff_user, reason="editor")
    data = export_budget_workbook(seed)
    sheet = load_workbook(io.BytesIO(data))[SHEET_TITLE]
    cell = sheet.cell(row_of(sheet, "3.2", OFFICE), COL_AMOUNT)
    assert Decimal(str(cell.value)) == Decimal("12.345678")
    assert cell.number_format == "#,##0.######"
    parsed = read_budget_workbook(seed, data)
    assert parsed.ok and parsed.edit.is_empty()


def test_the_workbook_records_its_plan_and_the_change_it_is_based_on(seed, workbook):
    meta_sheet = load_workbook(io.BytesIO(workbook))[META_SHEET]
    meta = dict(meta_sheet.iter_rows(values_only=True))
    assert meta_sheet.sheet_state == "hidden"
    assert meta["plan_id"] == str(seed.pk)
    assert datetime.datetime.fromisoformat(meta["based_on"]) == latest_change_time(seed)


def test_the_file_name_names_the_plan():
    assert workbook_filename(Plan(number=4159, symbol="KH-UBND", year=2024)) == "Kinh-phi-4159-KH-UBND-2024.xlsx"


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_text_a_spreadsheet_would_run_as_a_formula_is_neutralised(text):
    assert neutralise_formula(text) == "'" + text


def test_ordinary_text_is_left_alone():
    assert neutralise_formula("UBND xã Sùng Phài") == "UBND xã Sùng Phài"


def test_a_unit_named_like_a_formula_is_exported_as_text_and_still_matches_on_import(seed):
    line = _item(seed, "2")
    unit = OrgUnit.objects.create(
        code="formula-unit",
        name='=HYPERLINK("http://example.invalid","bấm")',
        kind="department",
        valid_from=datetime.date(2020, 1, 1),
    )
    ImplementingUnit.objects.create(item=line, unit=unit, position=2)
    data = export_budget_workbook(seed)
    sheet = load_workbook(io.BytesIO(data))[SHEET_TITLE]
    assert not [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"]
    names = [sheet.cell(r, COL_UNIT).value for r in range(1, sheet.max_row + 1)]
    assert "'" + unit.name in names
    parsed = read_budget_workbook(seed, data)
    assert parsed.ok and parsed.edit.is_empty()
    changed = read_budget_workbook(seed, with_amounts(data, {("2", "'" + unit.name): 0}))
    assert changed.ok and changed.edit.allocations == {(line.pk, unit.pk, only_source(line)): 0}


# --- round trip -------------------------------------------------------------------------------------------------


def test_export_then_import_unchanged_gives_an_empty_edit_and_changes_nothing(seed, staff_user, workbook):
    before, history = snapshot(seed), plan_budget_history(seed)
    parsed = read_budget_workbook(seed, workbook)
    assert parsed.ok and parsed.edit.is_empty() and parsed.preview == []
    assert parsed.based_on == latest_change_time(seed)
    assert budget_workbook_import(plan=seed, parsed=parsed, by=staff_user, based_on=parsed.based_on) == []
    assert snapshot(seed) == before
    assert plan_budget_history(seed) == history


def test_splitting_line_3_2_between_its_two_units_applies_and_shows_in_the_history(seed, staff_user, workbook):
    data = with_amounts(workbook, {("3.2", OFFICE): 42, ("3.2", HEALTH): "300"})
    parsed = read_budget_workbook(seed, data)
    assert parsed.ok
    assert [(p.line, p.unit, p.old, p.new) for p in parsed.preview] == [
        ("3.2", OFFICE, None, 42_000_000),
        ("3.2", HEALTH, None, 300_000_000),
    ]
    budget_workbook_import(plan=seed, parsed=parsed, by=staff_user, based_on=parsed.based_on)
    assert dict(Allocation.objects.filter(item=_item(seed, "3.2")).values_list("unit__name", "amount")) == {
        OFFICE: 42_000_000,
        HEALTH: 300_000_000,
    }
    recorded = {(c.kind, c.line, c.unit, c.old, c.new, c.reason, c.user) for c in plan_budget_history(seed)[:2]}
    assert recorded == {
        ("allocation", "3.2", OFFICE, None, 42_000_000, "import", "ldtbxh"),
        ("allocation", "3.2", HEALTH, None, 300_000_000, "import", "ldtbxh"),
    }


def test_amounts_typed_as_text_in_vietnamese_notation_are_read(seed, workbook):
    parsed = read_budget_workbook(seed, with_amounts(workbook, {("3.2", OFFICE): "41,5", ("3.2", HEALTH): "300,5"}))
    assert parsed.ok
    assert [p.new for p in parsed.preview] == [41_500_000, 300_500_000]


def test_moving_money_between_lines_and_zeroing_an_allocation(seed, workbook):
    data = with_amounts(
        workbook, {("2", None): 529, ("2", "UBND xã Sùng Phài"): 529, ("7.2", None): 23, ("7.2", LDTBXH): 0}
    )
    parsed = read_budget_workbook(seed, data)
    line_2, line_7_2 = _item(seed, "2"), _item(seed, "7.2")
    source = nstw().pk
    assert parsed.edit.line_amounts == {(line_2.pk, source): 529_000_000, (line_7_2.pk, source): 23_000_000}
    ldtbxh = OrgUnit.objects.get(name=LDTBXH)
    assert parsed.edit.allocations[(line_7_2.pk, ldtbxh.pk, source)] == 0
    budget_workbook_import(plan=seed, parsed=parsed, by=None, based_on=parsed.based_on)
    assert Allocation.objects.get(item=line_7_2).amount == 0


def test_a_result_that_breaks_a_budget_rule_is_refused_with_the_rule_and_changes_nothing(seed, workbook):
    parsed = read_budget_workbook(seed, with_amounts(workbook, {("7.2", None): 23}))
    assert parsed.ok
    before = snapshot(seed)
    [message] = budget_workbook_trial(plan=seed, parsed=parsed)
    assert "1.000.000 đồng" in message
    with pytest.raises(BudgetRefused) as refused:
        budget_workbook_import(plan=seed, parsed=parsed, by=None, based_on=parsed.based_on)
    assert [v.rule for v in refused.value.violations] == ["ceiling_exceeded"]
    assert snapshot(seed) == before


def test_a_stale_workbook_is_told_what_changed_and_applies_only_when_forced(
    seed, staff_user, finance_officer, workbook
):
    line = _item(seed, "7.1")
    ldtbxh = OrgUnit.objects.get(name=LDTBXH)
    source = only_source(line)
    newer = BudgetEdit(
        line_amounts={(line.pk, source): 50_000_000}, allocations={(line.pk, ldtbxh.pk, source): 50_000_000}
    )
    budget_apply(plan=seed, edit=newer, by=finance_officer, reason="editor")
    after_newer = snapshot(seed)
    parsed = read_budget_workbook(seed, with_amounts(workbook, {("3.2", OFFICE): 42}))
    assert {(c.line, c.old, c.new, c.user) for c in changes_since_export(seed, parsed)} == {
        ("7.1", 51_000_000, 50_000_000, "taichinh")
    }
    with pytest.raises(StaleBudget):
        budget_workbook_import(plan=seed, parsed=parsed, by=staff_user, based_on=parsed.based_on)
    assert snapshot(seed) == after_newer
    budget_workbook_import(plan=seed, parsed=parsed, by=staff_user, based_on=None)
    # The workbook still shows 7.1 at 51: overwriting puts the exported figures back.
    assert PlanItem.objects.get(pk=line.pk).amount == 51_000_000


# --- refused workbooks ------------------------------------------------------------------------------------------


def _refused(plan, data: bytes, message, cell: str | None = None, monkeypatch=None) -> None:
    """Assert the workbook is refused with `message` (at `cell`) and that importing it changes nothing."""
    before, history = snapshot(plan), plan_budget_history(plan)
    parsed = read_budget_workbook(plan, data)
    assert str(message) in [e.message for e in parsed.errors], parsed.errors
    if cell is not None:
        assert cell in [e.cell for e in parsed.errors if e.message == str(message)]
    assert parsed.edit.is_empty()
    with pytest.raises(ValidationError):
        budget_workbook_import(plan=plan, parsed=parsed, by=None, based_on=None)
    assert snapshot(plan) == before
    assert plan_budget_history(plan) == history


def _zip(parts: dict[str, bytes]) -> bytes:
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return output.getvalue()


def test_random_bytes_are_refused(seed):
    _refused(seed, bytes(range(256)) * 40, excel.NOT_XLSX)


def test_a_csv_renamed_xlsx_is_refused(seed):
    _refused(seed, "Mã dự án;Đơn vị thực hiện;Số tiền\n3.2;Trung tâm Y tế thành phố;300\n".encode(), excel.NOT_XLSX)


def test_an_empty_file_is_refused(seed):
    _refused(seed, b"", excel.FILE_EMPTY)


def test_a_file_over_the_size_cap_is_refused_before_it_is_opened(seed, monkeypatch):
    monkeypatch.setattr(excel, "_open_workbook", _must_not_open)
    _refused(seed, b"PK" + b"\0" * excel.MAX_FILE_BYTES, excel.FILE_TOO_LARGE % {"size": "5,0", "limit": 5})


def _must_not_open(*args, **kwargs):
    raise AssertionError("openpyxl must not open this file")


def test_a_zip_bomb_is_refused_from_its_central_directory_before_it_is_opened(seed, monkeypatch):
    monkeypatch.setattr(excel, "_open_workbook", _must_not_open)
    bomb = _zip({"[Content_Types].xml": b"<Types/>", "xl/worksheets/sheet1.xml": b"\0" * (21 * 1024 * 1024)})
    assert len(bomb) < 100_000
    _refused(seed, bomb, excel.ZIP_TOO_LARGE % {"limit": 20})


def test_a_zip_with_thousands_of_parts_is_refused(seed, monkeypatch):
    monkeypatch.setattr(excel, "_open_workbook", _must_not_open)
    parts = {"[Content_Types].xml": b"<Types/>", **{f"x/{i}.xml": b"" for i in range(excel.MAX_ZIP_ENTRIES)}}
    _refused(seed, _zip(parts), excel.ZIP_TOO_MANY_PARTS % {"count": excel.MAX_ZIP_ENTRIES + 1})


def test_a_zip_that_is_not_a_workbook_is_refused(seed):
    _refused(seed, _zip({"word/document.xml": b"<w:document/>"}), excel.NOT_XLSX)


def test_a_damaged_workbook_is_refused(seed):
    parts = {"[Content_Types].xml": b"<Types", "xl/workbook.xml": b"not xml at all"}
    _refused(seed, _zip(parts), excel.UNREADABLE)


def test_a_workbook_without_the_budget_sheet_is_refused(seed, workbook):
    book = open_workbook(workbook)
    book[SHEET_TITLE].title = "Sheet1"
    _refused(seed, save(book), excel.SHEET_MISSING % {"sheet": SHEET_TITLE})


def test_a_workbook_not_exported_by_the_application_is_refused(seed, workbook):
    book = open_workbook(workbook)
    del book[META_SHEET]
    _refused(seed, save(book), excel.META_MISSING % {"sheet": META_SHEET})


def test_a_workbook_with_a_damaged_meta_sheet_is_refused(seed, workbook):
    book = open_workbook(workbook)
    book[META_SHEET]["B5"].value = "hôm qua"
    _refused(seed, save(book), excel.META_INVALID % {"sheet": META_SHEET})


def test_a_missing_header_column_is_refused(seed, workbook):
    data = edit_workbook(workbook, lambda sheet: setattr(sheet.cell(8, COL_UNIT), "value", "Đơn vị"))
    _refused(seed, data, excel.COLUMN_MISSING % {"column": "Đơn vị thực hiện"})


def test_a_sheet_without_a_header_row_is_refused(seed, workbook):
    data = edit_workbook(workbook, lambda sheet: setattr(sheet.cell(8, COL_CODE), "value", "Mã"))
    _refused(seed, data, excel.HEADER_MISSING % {"column": "Mã dự án", "rows": excel.HEADER_SEARCH_ROWS})


def test_an_empty_sheet_is_refused(seed, workbook):
    book = open_workbook(workbook)
    index = book.sheetnames.index(SHEET_TITLE)
    del book[SHEET_TITLE]
    book.create_sheet(SHEET_TITLE, index)
    _refused(seed, save(book), excel.SHEET_EMPTY % {"sheet": SHEET_TITLE})


def test_a_sheet_without_budget_rows_is_refused(seed, workbook):
    def remove_rows(sheet):
        total = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "TỔNG CỘNG")
        delete_rows(sheet, 9, total - 9)

    _refused(seed, edit_workbook(workbook, remove_rows), excel.NO_DATA_ROWS)


def test_too_many_rows_are_refused(seed, workbook, monkeypatch):
    monkeypatch.setattr(excel, "MAX_DATA_ROWS", 14)  # the seed's table has 15 rows: 7 lines, 8 units
    _refused(seed, workbook, excel.TOO_MANY_ROWS % {"limit": "14"})


def test_a_table_of_exactly_the_row_cap_is_read(seed, workbook, monkeypatch):
    monkeypatch.setattr(excel, "MAX_DATA_ROWS", 15)
    parsed = read_budget_workbook(seed, workbook)
    assert parsed.ok and parsed.edit.is_empty()


def test_blank_rows_inside_the_table_are_ignored(seed, workbook):
    def add_blank_rows(sheet):
        row = row_of(sheet, "4.1")
        insert_rows(sheet, row, 2)
        sheet.cell(row + 1, COL_CODE).value = "   "

    parsed = read_budget_workbook(seed, edit_workbook(workbook, add_blank_rows))
    assert parsed.ok and parsed.edit.is_empty()


def test_a_workbook_of_another_plan_is_refused(seed):
    other = make_plan(lines=1, units_per_line=1, number=9100)
    _refused(
        seed,
        export_budget_workbook(other),
        excel.OTHER_PLAN % {"other": "9100/KH-UBND (2026)", "plan": "4159/KH-UBND (2024)"},
    )


def test_an_unknown_line_code_is_refused(seed, workbook):
    data = edit_workbook(
        workbook, lambda sheet: setattr(sheet.cell(row_of(sheet, "3.2", HEALTH), COL_CODE), "value", "9.9")
    )
    sheet = open_workbook(workbook)[SHEET_TITLE]
    _refused(seed, data, excel.UNKNOWN_LINE % {"code": "9.9"}, cell=f"B{row_of(sheet, '3.2', HEALTH)}")


def test_an_unknown_unit_name_is_refused(seed, workbook):
    row = row_of(open_workbook(workbook)[SHEET_TITLE], "2", "UBND xã Sùng Phài")
    data = edit_workbook(workbook, lambda sheet: setattr(sheet.cell(row, COL_UNIT), "value", "UBND xã San Thàng"))
    _refused(seed, data, excel.UNKNOWN_UNIT % {"unit": "UBND xã San Thàng", "code": "2"}, cell=f"D{row}")


def test_a_row_without_a_line_code_is_refused(seed, workbook):
    row = row_of(open_workbook(workbook)[SHEET_TITLE], "3.2", OFFICE)
    data = edit_workbook(workbook, lambda sheet: setattr(sheet.cell(row, COL_CODE), "value", None))
    _refused(seed, data, excel.CODE_MISSING, cell=f"B{row}")


def test_text_that_is_not_an_amount_is_refused(seed, workbook):
    row = row_of(open_workbook(workbook)[SHEET_TITLE], "3.2", OFFICE)
    data = with_amounts(workbook, {("3.2", OFFICE): "năm trăm"})
    message = AMOUNT_MALFORMED % {"value": "năm trăm"}
    assert "không phải là số tiền hợp lệ" in str(message)
    _refused(seed, data, message, cell=f"F{row}")


def test_a_negative_amount_is_refused(seed, workbook):
    row = row_of(open_workbook(workbook)[SHEET_TITLE], "3.2", OFFICE)
    assert str(AMOUNT_NEGATIVE) == "Số tiền không được âm."
    _refused(seed, with_amounts(workbook, {("3.2", OFFICE): -5}), AMOUNT_NEGATIVE, cell=f"F{row}")


def test_a_fraction_of_a_dong_is_refused(seed, workbook):
    data = with_amounts(workbook, {("3.2", OFFICE): 0.0000001})
    _refused(seed, data, AMOUNT_FRACTIONAL_DONG % {"value": "0,0000001"})


def test_a_fraction_of_a_dong_typed_as_text_is_refused(seed, workbook):
    data = with_amounts(workbook, {("3.2", OFFICE): "12,3456789"})
    _refused(seed, data, AMOUNT_FRACTIONAL_DONG % {"value": "12,3456789"})


def test_a_formula_is_refused(seed, workbook):
    row = row_of(open_workbook(workbook)[SHEET_TITLE], "3.2", OFFICE)
    data = with_amounts(workbook, {("3.2", OFFICE): "=342/2"})
    _refused(seed, data, excel.FORMULA_CELL % {"formula": "=342/2"}, cell=f"F{row}")


def test_an_error_cell_is_refused(seed, workbook):
    row = row_of(open_workbook(workbook)[SHEET_TITLE], "3.2", OFFICE)
    data = with_amounts(workbook, {("3.2", OFFICE): "#REF!"})
    _refused(seed, data, excel.ERROR_CELL % {"value": "#REF!"}, cell=f"F{row}")


def test_a_date_is_refused(seed, workbook):
    data = with_amounts(workbook, {("3.2", OFFICE): datetime.date(2024, 3, 1)})
    _refused(seed, data, excel.DATE_CELL)


def test_an_empty_line_amount_is_refused(seed, workbook):
    _refused(seed, with_amounts(workbook, {("4.1", None): None}), excel.LINE_AMOUNT_REQUIRED % {"code": "4.1"})


def test_a_duplicate_row_is_refused(seed, workbook):
    first = row_of(open_workbook(workbook)[SHEET_TITLE], "3.2", HEALTH)

    def duplicate(sheet):
        insert_rows(sheet, first + 1)
        for column in range(1, 8):
            sheet.cell(first + 1, column).value = sheet.cell(first, column).value
        sheet.cell(first + 1, COL_AMOUNT).value = 100

    message = excel.DUPLICATE_ROW % {"row": first, "code": "3.2", "unit": HEALTH}
    _refused(seed, edit_workbook(workbook, duplicate), message, cell=f"D{first + 1}")


def test_every_bad_row_is_reported_at_once(seed, workbook):
    data = with_amounts(workbook, {("3.2", OFFICE): -1, ("3.2", HEALTH): "abc", ("4.1", None): "=1"})
    parsed = read_budget_workbook(seed, data)
    assert [e.column for e in parsed.errors] == ["F", "F", "F"]
    assert len({e.row for e in parsed.errors}) == 3


# --- commands ---------------------------------------------------------------------------------------------------


def _run(*args) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return exit_.code, out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_export_budget_writes_the_workbook(seed, tmp_path):
    target = tmp_path / "kinh-phi.xlsx"
    code, out, _err = _run("export_budget", "4159/KH-UBND", "-o", str(target))
    assert code == 0 and str(target) in out
    assert read_budget_workbook(seed, target.read_bytes()).edit.is_empty()


def test_export_budget_names_an_unknown_plan(seed, tmp_path):
    code, _out, err = _run("export_budget", "1/KH-UBND", "-o", str(tmp_path / "x.xlsx"))
    assert code == 2 and "Không có kế hoạch số 1/KH-UBND" in err


def test_import_budget_of_an_unchanged_workbook_changes_nothing(seed, tmp_path, workbook):
    (tmp_path / "b.xlsx").write_bytes(workbook)
    before = snapshot(seed)
    code, out, _err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"))
    assert code == 0 and "không có gì thay đổi" in out
    assert snapshot(seed) == before


def test_import_budget_dry_run_prints_the_preview_and_changes_nothing(seed, tmp_path, workbook):
    (tmp_path / "b.xlsx").write_bytes(with_amounts(workbook, {("3.2", OFFICE): 42}))
    before, history = snapshot(seed), plan_budget_history(seed)
    code, out, _err = _run("import_budget", str(seed.pk), str(tmp_path / "b.xlsx"), "--dry-run")
    assert code == 0
    assert f"3.2  {OFFICE}: (trống) → 42" in out and "Chạy thử" in out
    assert snapshot(seed) == before and plan_budget_history(seed) == history


def test_import_budget_dry_run_of_a_workbook_that_breaks_a_rule_fails(seed, tmp_path, workbook):
    (tmp_path / "b.xlsx").write_bytes(with_amounts(workbook, {("7.2", None): 23}))
    before = snapshot(seed)
    code, _out, err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"), "--dry-run")
    assert code == 1 and "KHÔNG ĐẠT" in err
    assert snapshot(seed) == before


def test_import_budget_applies_the_workbook(seed, tmp_path, workbook):
    (tmp_path / "b.xlsx").write_bytes(with_amounts(workbook, {("3.2", OFFICE): 42, ("3.2", HEALTH): 300}))
    code, out, _err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"))
    assert code == 0 and "Đã nhập: 2 thay đổi" in out
    assert {(c.unit, c.new, c.reason, c.user) for c in plan_budget_history(seed)[:2]} == {
        (OFFICE, 42_000_000, "import", "—"),
        (HEALTH, 300_000_000, "import", "—"),
    }


def test_import_budget_refuses_a_bad_workbook_with_the_cell_and_reason(seed, tmp_path, workbook):
    (tmp_path / "b.xlsx").write_bytes(with_amounts(workbook, {("3.2", OFFICE): -5}))
    before = snapshot(seed)
    code, _out, err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"))
    assert code == 1 and "Số tiền không được âm." in err and "Ô F" in err
    assert snapshot(seed) == before


def test_import_budget_refuses_a_file_that_does_not_exist(seed, tmp_path):
    code, _out, err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "missing.xlsx"))
    assert code == 2 and "Không đọc được tệp" in err


def test_import_budget_of_a_stale_workbook_prints_what_changed_and_needs_force(
    seed, tmp_path, workbook, finance_officer
):
    line = _item(seed, "7.1")
    ldtbxh = OrgUnit.objects.get(name=LDTBXH)
    source = only_source(line)
    newer = BudgetEdit(
        line_amounts={(line.pk, source): 50_000_000}, allocations={(line.pk, ldtbxh.pk, source): 50_000_000}
    )
    budget_apply(plan=seed, edit=newer, by=finance_officer, reason="editor")
    after_newer = snapshot(seed)
    (tmp_path / "b.xlsx").write_bytes(with_amounts(workbook, {("3.2", OFFICE): 42}))
    code, _out, err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"))
    assert code == 1 and "taichinh" in err and "51 → 50" in err and "--force" in err
    assert snapshot(seed) == after_newer
    code, _out, _err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"), "--force")
    assert code == 0
    assert Allocation.objects.get(item=_item(seed, "3.2"), unit__name=OFFICE).amount == 42_000_000


def test_import_budget_into_a_signed_plan_is_refused(seed, tmp_path, workbook):
    Plan.objects.filter(pk=seed.pk).update(status=Plan.Status.SIGNED)
    (tmp_path / "b.xlsx").write_bytes(with_amounts(workbook, {("3.2", OFFICE): 42}))
    before = snapshot(seed)
    code, _out, err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"))
    assert code == 1 and "không còn là dự thảo" in err
    assert snapshot(seed) == before


def test_a_fresh_workbook_typed_by_hand_is_refused(seed):
    book = Workbook()
    book.active.title = SHEET_TITLE
    book.active.append(["STT", "Mã dự án", "Đơn vị thực hiện", "Số tiền (triệu đồng)"])
    _refused(seed, save(book), excel.META_MISSING % {"sheet": META_SHEET})


# --- digits of other scripts ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["١٢٣", "１２３", "𝟏𝟐"])  # Arabic-Indic, full-width, mathematical bold
def test_an_amount_typed_in_digits_of_another_script_is_refused(seed, workbook, text):
    row = row_of(open_workbook(workbook)[SHEET_TITLE], "3.2", OFFICE)
    _refused(seed, with_amounts(workbook, {("3.2", OFFICE): text}), AMOUNT_MALFORMED % {"value": text}, cell=f"F{row}")


# --- blank and merged cells ---------------------------------------------------------------------------------------


def _import_budget_refuses(plan, tmp_path, data: bytes, message: str) -> None:
    """The command refuses the workbook with `message`, with and without --force, and changes nothing."""
    (tmp_path / "b.xlsx").write_bytes(data)
    before, history = snapshot(plan), plan_budget_history(plan)
    for extra in ((), ("--force",)):
        code, _out, err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"), *extra)
        assert code == 1 and message in err and "Không nhập gì" in err
    assert snapshot(plan) == before and plan_budget_history(plan) == history


def test_an_emptied_amount_of_an_allocation_is_an_error_never_a_delete(seed, workbook, tmp_path):
    row = row_of(open_workbook(workbook)[SHEET_TITLE], "2", "UBND xã Sùng Phài")
    data = with_amounts(workbook, {("2", "UBND xã Sùng Phài"): None, ("3.2", HEALTH): 300})
    message = excel.BLANK_OVER_FIGURE % {"cell": f"F{row}", "amount": "530", "unit": "UBND xã Sùng Phài", "code": "2"}
    assert str(message).startswith(f"Ô F{row} để trống nhưng kế hoạch đang có số liệu 530 triệu đồng")
    assert "nhập 0 hoặc bỏ đơn vị trong trang sửa phân bổ" in str(message)
    _refused(seed, data, message, cell=f"F{row}")
    _import_budget_refuses(seed, tmp_path, data, str(message))


def test_an_empty_amount_where_the_plan_has_no_allocation_changes_nothing(seed, workbook):
    parsed = read_budget_workbook(seed, with_amounts(workbook, {("3.2", OFFICE): None, ("3.2", HEALTH): 300}))
    assert parsed.ok
    assert [(p.unit, p.old, p.new) for p in parsed.preview] == [(HEALTH, None, 300_000_000)]


def _merged(workbook: bytes, first: tuple[str, str | None], last: tuple[str, str | None], column: int) -> bytes:
    """Merge one column's cells from the row of `first` to the row of `last`, as a spreadsheet program does:
    the first cell keeps its value, the others are emptied."""

    def merge(sheet):
        sheet.merge_cells(
            start_row=row_of(sheet, *first), start_column=column, end_row=row_of(sheet, *last), end_column=column
        )

    return edit_workbook(workbook, merge)


def test_an_amount_merged_across_two_rows_is_an_error_and_deletes_nothing(seed, workbook, tmp_path):
    """The issue's case: line 2's amount merged with its unit's below it read the allocation as empty, and
    confirming the import deleted it."""
    sheet = open_workbook(workbook)[SHEET_TITLE]
    line_row, unit_row = row_of(sheet, "2"), row_of(sheet, "2", "UBND xã Sùng Phài")
    data = _merged(workbook, ("2", None), ("2", "UBND xã Sùng Phài"), COL_AMOUNT)
    message = excel.MERGED_CELLS % {"range": f"F{line_row}:F{unit_row}"}
    assert "đang được gộp" in str(message)
    _refused(seed, data, message, cell=f"F{line_row}")
    _import_budget_refuses(seed, tmp_path, data, str(message))


def test_merged_cells_that_hide_no_figure_of_the_plan_are_still_refused(seed, workbook):
    """3.2's two units have no allocation yet: the blank-cell rule alone would let a merged 42 pass as one unit's."""
    sheet = open_workbook(workbook)[SHEET_TITLE]
    first, last = row_of(sheet, "3.2", OFFICE), row_of(sheet, "3.2", HEALTH)
    data = _merged(with_amounts(workbook, {("3.2", OFFICE): 42}), ("3.2", OFFICE), ("3.2", HEALTH), COL_AMOUNT)
    _refused(seed, data, excel.MERGED_CELLS % {"range": f"F{first}:F{last}"}, cell=f"F{first}")


@pytest.mark.parametrize(("column", "letter"), [(COL_CODE, "B"), (COL_UNIT, "D")])
def test_merged_code_or_unit_cells_are_refused(seed, workbook, column, letter):
    sheet = open_workbook(workbook)[SHEET_TITLE]
    first, last = row_of(sheet, "3.2", OFFICE), row_of(sheet, "3.2", HEALTH)
    data = _merged(workbook, ("3.2", OFFICE), ("3.2", HEALTH), column)
    _refused(seed, data, excel.MERGED_CELLS % {"range": f"{letter}{first}:{letter}{last}"}, cell=f"{letter}{first}")


def test_merged_cells_outside_the_figures_are_accepted(seed, workbook):
    """The export merges its title block and totals; a user may merge the content or note cells of the table."""
    sheet = open_workbook(workbook)[SHEET_TITLE]
    data = edit_workbook(
        workbook,
        lambda sheet: sheet.merge_cells(f"C{row_of(sheet, '3.2', OFFICE)}:C{row_of(sheet, '3.2', HEALTH)}"),
    )
    assert sheet.merged_cells.ranges  # the export's own merges
    parsed = read_budget_workbook(seed, with_amounts(data, {("3.2", HEALTH): 300}))
    assert parsed.ok and len(parsed.preview) == 1


# --- what parsing costs: refused from the zip directory and a byte scan, before openpyxl parses anything ---------


@pytest.fixture
def never_opened(monkeypatch):
    monkeypatch.setattr(excel, "_open_workbook", _must_not_open)


def test_the_issues_19_mb_of_shared_strings_in_a_2_mb_file_are_refused_before_parsing(seed, workbook, never_opened):
    """The reproduction: under the file-size and total-size caps, three of these held every gunicorn worker past
    its timeout."""
    data = with_shared_strings(workbook, 1_000_000, text="xxx")  # a million entries of 19 bytes
    table = len(parts(data)["xl/sharedStrings.xml"])
    assert len(data) < 2_000_000 and 19_000_000 <= table < excel.MAX_UNCOMPRESSED_BYTES
    size = f"{table / 1024 / 1024:.1f}".replace(".", ",")
    _refused(seed, data, excel.PART_TOO_LARGE % {"part": "xl/sharedStrings.xml", "size": size, "limit": 8})


def test_a_part_over_the_unpacked_size_cap_is_refused(seed, workbook, never_opened):
    data = with_parts(workbook, {"xl/media/image1.png": b"\0" * (9 * 1024 * 1024)})
    _refused(seed, data, excel.PART_TOO_LARGE % {"part": "xl/media/image1.png", "size": "9,0", "limit": 8})


def test_too_many_shared_strings_are_refused(seed, workbook, never_opened):
    data = with_shared_strings(workbook, excel.MAX_SHARED_STRINGS + 1)
    _refused(seed, data, excel.TOO_MANY_SHARED_STRINGS % {"limit": "50.000"})
    assert "văn bản dùng chung" in str(excel.TOO_MANY_SHARED_STRINGS)


def test_shared_strings_up_to_the_cap_are_read(seed, workbook):
    parsed = read_budget_workbook(seed, with_shared_strings(workbook, excel.MAX_SHARED_STRINGS))
    assert parsed.ok and parsed.edit.is_empty()


def test_a_sheet_with_too_many_rows_is_refused(seed, workbook, never_opened):
    data = with_row_before_header(workbook, rows=excel.MAX_SHEET_ROWS)  # plus the sheet's own rows
    _refused(seed, data, excel.SHEET_TOO_MANY_ROWS % {"part": BUDGET_SHEET_PART, "limit": "20.000"})


def test_a_sheet_with_too_many_cells_is_refused(seed, workbook, never_opened, monkeypatch):
    monkeypatch.setattr(excel, "MAX_SHEET_CELLS", 1_000)
    data = with_row_before_header(workbook, cells=1_000)  # plus the sheet's own cells
    _refused(seed, data, excel.SHEET_TOO_MANY_CELLS % {"part": BUDGET_SHEET_PART, "limit": "1.000"})


def test_cells_far_right_of_the_table_under_the_cap_are_read_and_ignored(seed, workbook):
    parsed = read_budget_workbook(seed, with_row_before_header(workbook, cells=10_000))
    assert parsed.ok and parsed.edit.is_empty()


def test_a_sheet_with_too_many_merged_ranges_is_refused(seed, workbook, never_opened):
    refs = [f"AA{row}:AB{row}" for row in range(1, excel.MAX_MERGED_RANGES + 1)]
    data = with_merged_ranges(workbook, refs)  # plus the export's own
    _refused(seed, data, excel.TOO_MANY_MERGED_RANGES % {"part": BUDGET_SHEET_PART, "limit": "1.000"})


def test_sheets_with_too_many_xml_tags_in_all_are_refused(seed, workbook, never_opened, monkeypatch):
    monkeypatch.setattr(excel, "MAX_SHEET_TAGS", 500)  # the seed's two sheets hold about 820
    _refused(seed, workbook, excel.SHEETS_TOO_COMPLEX % {"limit": "500"})


def test_a_style_sheet_with_too_many_tags_is_refused(seed, workbook, never_opened):
    data = with_styles(workbook, excel.MAX_OTHER_TAGS)
    _refused(seed, data, excel.PARTS_TOO_COMPLEX % {"limit": "20.000"})


def test_a_relationships_part_with_too_many_tags_is_refused(seed, workbook, never_opened):
    relationship = '<Relationship Id="r{n}" Type="http://x.invalid/h" Target="http://x.invalid/"/>'
    rels = "".join(relationship.format(n=n) for n in range(excel.MAX_RELATIONSHIP_TAGS))
    xml = f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'
    name = "xl/worksheets/_rels/sheet1.xml.rels"
    data = with_parts(workbook, {name: xml.encode()})
    _refused(seed, data, excel.RELATIONSHIPS_TOO_COMPLEX % {"part": name, "limit": "2.000"})


def test_a_workbook_with_too_many_sheets_is_refused(seed, workbook, never_opened):
    def more_sheets(xml: bytes) -> bytes:
        relationships = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        extra = "".join(
            f'<sheet xmlns:r="{relationships}" name="Trang {n}" sheetId="{n + 10}" r:id="rId1"/>'
            for n in range(excel.MAX_SHEETS)
        )
        return xml.replace(b"</sheets>", extra.encode() + b"</sheets>")

    data = with_parts(workbook, {"xl/workbook.xml": more_sheets(parts(workbook)["xl/workbook.xml"])})
    _refused(seed, data, excel.TOO_MANY_SHEETS % {"limit": excel.MAX_SHEETS})


def test_a_worksheet_declared_as_something_else_gets_the_tight_budget(seed, workbook, monkeypatch):
    """Only the parts [Content_Types].xml declares worksheets or shared strings may be large."""
    monkeypatch.setattr(excel, "MAX_OTHER_TAGS", 1_000)  # the seed's other parts hold about 560, its sheets 820
    assert read_budget_workbook(seed, workbook).ok
    monkeypatch.setattr(excel, "_open_workbook", _must_not_open)
    declared = parts(workbook)["[Content_Types].xml"].replace(b"worksheet+xml", b"styles+xml")
    _refused(
        seed, with_parts(workbook, {"[Content_Types].xml": declared}), excel.PARTS_TOO_COMPLEX % {"limit": "1.000"}
    )


def test_a_chart_sheet_imports_without_its_charts_being_parsed(seed, workbook, monkeypatch):
    """openpyxl parses a chart sheet's drawing and charts even in read-only mode; the limits do not price that XML."""
    book = open_workbook(workbook)
    chart = BarChart()
    chart.add_data(Reference(book[SHEET_TITLE], min_col=COL_AMOUNT, min_row=9, max_row=12))
    book.create_chartsheet("Biểu đồ").add_chart(chart)
    data = with_amounts(save(book), {("3.2", HEALTH): 300})
    monkeypatch.setattr("openpyxl.reader.excel.find_images", _must_not_open)
    parsed = read_budget_workbook(seed, data)
    assert parsed.ok and len(parsed.preview) == 1


def test_a_valid_5000_row_workbook_passes_every_limit_and_imports(db, seed):
    plan = bulk_plan(lines=100, units=50, number=9500)
    data = every_allocation_set(export_budget_workbook(plan), 9.5)
    parsed = read_budget_workbook(plan, data)
    assert parsed.ok, parsed.errors[:3]
    assert len(parsed.edit.allocations) == 5_000
    budget_workbook_import(plan=plan, parsed=parsed, by=None, based_on=parsed.based_on)
    assert Allocation.objects.filter(item__plan=plan, amount=9_500_000).count() == 5_000


# --- a line drawing on several funding sources (issue 8) --------------------------------------------------------

RECURRENT = "Ngân sách Trung ương - vốn sự nghiệp"
INVESTMENT = "Ngân sách Trung ương - vốn đầu tư"


@pytest.fixture
def two_sources(seed, staff_user):
    """Line 3.2 also draws 100 triệu on NSTW đầu tư (covered by a ceiling), 60 of them allocated to the health
    centre; its 342 triệu of NSTW sự nghiệp stay unallocated. Returns the đầu tư source."""
    investment = FundingSource.objects.get(code="nstw-dau-tu")
    cover_with_ceiling(seed, investment, 100_000_000)
    line, health = _item(seed, "3.2"), OrgUnit.objects.get(name=HEALTH)
    edit = BudgetEdit(
        line_amounts={(line.pk, investment.pk): 100_000_000},
        allocations={(line.pk, health.pk, investment.pk): 60_000_000},
    )
    budget_apply(plan=seed, edit=edit, by=staff_user, reason="editor")
    return investment


@pytest.fixture
def multi_workbook(seed, two_sources) -> bytes:
    return export_budget_workbook(seed)


def _source_cell(data: bytes, code: str, unit: str | None, source: str | None, text) -> bytes:
    """Return the workbook with the source cell of one row (found by its code, unit and source) set to `text`."""

    def change(sheet):
        sheet.cell(row_of(sheet, code, unit, source), COL_SOURCE).value = text

    return edit_workbook(data, change)


def test_a_two_source_line_has_its_rows_once_per_source_each_naming_it(seed, multi_workbook):
    sheet = open_workbook(multi_workbook)[SHEET_TITLE]
    first = row_of(sheet, "3.2")
    rows = [[sheet.cell(row, column).value for column in range(1, 8)] for row in range(first, first + 7)]
    name = _item(seed, "3.2").name
    assert rows == [
        # Sources in the order Vietnamese budget documents name them: sự nghiệp before đầu tư.
        [2, "3.2", name, "Cả nội dung", RECURRENT, 342, "Chưa phân bổ: 342"],
        [None, "3.2", None, OFFICE, RECURRENT, None, "Chưa phân bổ"],
        [None, "3.2", None, HEALTH, RECURRENT, None, "Chưa phân bổ"],
        [None, "3.2", None, "Cả nội dung", INVESTMENT, 100, "Chưa phân bổ: 40"],
        [None, "3.2", None, OFFICE, INVESTMENT, None, "Chưa phân bổ"],
        [None, "3.2", None, HEALTH, INVESTMENT, 60, None],
        [3, "4.1", _item(seed, "4.1").name, "Cả nội dung", RECURRENT, 685, None],
    ]
    # A single-source line of the same plan reads as before: its unit row names no source.
    assert sheet.cell(row_of(sheet, "4.1", LDTBXH), COL_SOURCE).value is None
    assert sheet.cell(first + 3, COL_AMOUNT).font.b  # each source's line row is bold, as a line's row always is
    footer = {sheet.cell(r, 1).value: sheet.cell(r, COL_AMOUNT).value for r in range(first, sheet.max_row + 1)}
    assert footer["TỔNG CỘNG"] == 1828
    assert footer[f"Mức trần – {INVESTMENT}"] == 100


def test_export_then_import_unchanged_changes_nothing_with_two_sources(seed, multi_workbook, tmp_path):
    before, history = snapshot(seed), plan_budget_history(seed)
    parsed = read_budget_workbook(seed, multi_workbook)
    assert parsed.ok, parsed.errors
    assert parsed.edit.is_empty() and parsed.preview == [] and parsed.several_sources
    assert budget_workbook_import(plan=seed, parsed=parsed, by=None, based_on=parsed.based_on) == []
    (tmp_path / "b.xlsx").write_bytes(multi_workbook)
    code, out, _err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"))
    assert code == 0 and "không có gì thay đổi" in out
    assert snapshot(seed) == before and plan_budget_history(seed) == history


def test_a_single_source_plan_is_read_without_naming_sources(seed, workbook):
    assert not read_budget_workbook(seed, workbook).several_sources


def test_an_edit_of_the_second_sources_allocation_applies_to_that_source_only(
    seed, two_sources, multi_workbook, staff_user, tmp_path
):
    line, office = _item(seed, "3.2"), OrgUnit.objects.get(name=OFFICE)
    recurrent = nstw()
    data = with_amounts(multi_workbook, {("3.2", OFFICE, RECURRENT): 42})
    parsed = read_budget_workbook(seed, data)
    assert parsed.ok, parsed.errors
    assert [(p.line, p.unit, p.source, p.old, p.new) for p in parsed.preview] == [
        ("3.2", OFFICE, RECURRENT, None, 42_000_000)
    ]
    assert parsed.edit.allocations == {(line.pk, office.pk, recurrent.pk): 42_000_000}
    (tmp_path / "b.xlsx").write_bytes(data)
    code, out, _err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"), "--dry-run")
    assert code == 0 and f"3.2  {OFFICE} ({RECURRENT}): (trống) → 42" in out
    budget_workbook_import(plan=seed, parsed=parsed, by=staff_user, based_on=parsed.based_on)
    amounts = {(a.unit.name, a.source.name): a.amount for a in Allocation.objects.filter(item=line)}
    assert amounts == {(OFFICE, RECURRENT): 42_000_000, (HEALTH, INVESTMENT): 60_000_000}
    [change] = plan_budget_history(seed)[:1]
    assert (change.line, change.unit, change.source, change.new, change.reason) == (
        "3.2",
        OFFICE,
        RECURRENT,
        42_000_000,
        "import",
    )


def test_what_a_line_draws_on_one_of_its_sources_is_edited_by_its_own_row(seed, two_sources, multi_workbook):
    line = _item(seed, "3.2")
    parsed = read_budget_workbook(seed, with_amounts(multi_workbook, {("3.2", None, INVESTMENT): 90}))
    assert parsed.ok
    assert parsed.edit.line_amounts == {(line.pk, two_sources.pk): 90_000_000}
    budget_workbook_import(plan=seed, parsed=parsed, by=None, based_on=parsed.based_on)
    assert dict(line.fundings.values_list("source__code", "amount")) == {
        "nstw-dau-tu": 90_000_000,
        "nstw-su-nghiep": 342_000_000,
    }


@pytest.mark.parametrize(
    "typed",
    ["  ngân sách trung ương -  VỐN ĐẦU TƯ ", unicodedata.normalize("NFD", INVESTMENT)],
    ids=["case and spaces", "decomposed diacritics"],
)
def test_a_source_name_is_matched_like_a_unit_name(seed, two_sources, multi_workbook, typed):
    line, health = _item(seed, "3.2"), OrgUnit.objects.get(name=HEALTH)
    data = _source_cell(
        with_amounts(multi_workbook, {("3.2", HEALTH, INVESTMENT): 55}), "3.2", HEALTH, INVESTMENT, typed
    )
    parsed = read_budget_workbook(seed, data)
    assert parsed.ok, parsed.errors
    assert parsed.edit.allocations == {(line.pk, health.pk, two_sources.pk): 55_000_000}


def test_a_row_of_a_two_source_line_without_a_source_is_refused(seed, two_sources, multi_workbook):
    row = row_of(open_workbook(multi_workbook)[SHEET_TITLE], "3.2", HEALTH, INVESTMENT)
    data = _source_cell(multi_workbook, "3.2", HEALTH, INVESTMENT, None)
    message = excel.SOURCE_REQUIRED % {"code": "3.2", "sources": f"{RECURRENT}, {INVESTMENT}", "column": "Nguồn vốn"}
    _refused(seed, data, message, cell=f"E{row}")


def test_a_source_the_line_does_not_draw_on_is_refused_and_never_added(seed, two_sources, multi_workbook, tmp_path):
    local = "Ngân sách địa phương - vốn sự nghiệp"
    row = row_of(open_workbook(multi_workbook)[SHEET_TITLE], "4.1", LDTBXH)
    data = _source_cell(with_amounts(multi_workbook, {("4.1", LDTBXH): 10}), "4.1", LDTBXH, None, local)
    message = excel.SOURCE_NOT_ON_LINE % {"code": "4.1", "source": local}
    _refused(seed, data, message, cell=f"E{row}")
    _import_budget_refuses(seed, tmp_path, data, str(message))


def test_a_line_row_naming_another_source_does_not_add_it(seed, two_sources, multi_workbook):
    """The line's own row with a third source's name: refused, never a new funding of the line."""
    row = row_of(open_workbook(multi_workbook)[SHEET_TITLE], "3.2", None, RECURRENT)
    data = _source_cell(multi_workbook, "3.2", None, RECURRENT, "Các nguồn kinh phí hợp pháp khác")
    message = excel.SOURCE_NOT_ON_LINE % {"code": "3.2", "source": "Các nguồn kinh phí hợp pháp khác"}
    _refused(seed, data, message, cell=f"E{row}")


def test_an_unknown_source_name_is_refused(seed, two_sources, multi_workbook):
    row = row_of(open_workbook(multi_workbook)[SHEET_TITLE], "3.2", OFFICE, INVESTMENT)
    data = _source_cell(multi_workbook, "3.2", OFFICE, INVESTMENT, "Ngân sách xã")
    names = "; ".join(FundingSource.objects.order_by("code").values_list("name", flat=True))
    message = excel.UNKNOWN_SOURCE % {"source": "Ngân sách xã", "sources": names}
    _refused(seed, data, message, cell=f"E{row}")


def test_a_duplicate_line_unit_and_source_is_refused(seed, two_sources, multi_workbook):
    first = row_of(open_workbook(multi_workbook)[SHEET_TITLE], "3.2", HEALTH, INVESTMENT)

    def duplicate(sheet):
        insert_rows(sheet, first + 1)
        for column in range(1, 8):
            sheet.cell(first + 1, column).value = sheet.cell(first, column).value
        sheet.cell(first + 1, COL_AMOUNT).value = 10

    message = excel.DUPLICATE_SOURCE_ROW % {"row": first, "code": "3.2", "unit": HEALTH, "source": INVESTMENT}
    _refused(seed, edit_workbook(multi_workbook, duplicate), message, cell=f"D{first + 1}")


def test_the_same_unit_from_each_of_two_sources_is_no_duplicate(seed, two_sources, multi_workbook):
    data = with_amounts(multi_workbook, {("3.2", HEALTH, INVESTMENT): 50, ("3.2", HEALTH, RECURRENT): 50})
    parsed = read_budget_workbook(seed, data)
    assert parsed.ok and len(parsed.edit.allocations) == 2


def test_an_emptied_amount_of_one_source_is_refused_naming_the_source(seed, two_sources, multi_workbook):
    sheet = open_workbook(multi_workbook)[SHEET_TITLE]
    line_row, unit_row = row_of(sheet, "3.2", None, INVESTMENT), row_of(sheet, "3.2", HEALTH, INVESTMENT)
    data = with_amounts(multi_workbook, {("3.2", None, INVESTMENT): None, ("3.2", HEALTH, INVESTMENT): None})
    line_message = excel.LINE_SOURCE_AMOUNT_REQUIRED % {"code": "3.2", "source": INVESTMENT}
    unit_message = excel.BLANK_OVER_SOURCE_FIGURE % {
        "cell": f"F{unit_row}",
        "amount": "60",
        "unit": HEALTH,
        "code": "3.2",
        "source": INVESTMENT,
    }
    _refused(seed, data, line_message, cell=f"F{line_row}")
    _refused(seed, data, unit_message, cell=f"F{unit_row}")


def test_over_allocating_one_source_is_refused_naming_the_source(seed, two_sources, multi_workbook, tmp_path):
    """60 + 50 triệu allocated from đầu tư, which line 3.2 draws only 100 triệu on; sự nghiệp has room to spare."""
    data = with_amounts(multi_workbook, {("3.2", OFFICE, INVESTMENT): 50})
    parsed = read_budget_workbook(seed, data)
    assert parsed.ok
    before = snapshot(seed)
    [message] = budget_workbook_trial(plan=seed, parsed=parsed)
    assert f"3.2, {INVESTMENT}:" in message and "10.000.000 đồng" in message
    with pytest.raises(BudgetRefused) as refused:
        budget_workbook_import(plan=seed, parsed=parsed, by=None, based_on=parsed.based_on)
    assert [(v.rule, v.source) for v in refused.value.violations] == [("line_over_allocated", "nstw-dau-tu")]
    (tmp_path / "b.xlsx").write_bytes(data)
    code, _out, err = _run("import_budget", "4159/KH-UBND", str(tmp_path / "b.xlsx"))
    assert code == 1 and f"KHÔNG ĐẠT: {message}" in err
    assert snapshot(seed) == before


def test_a_workbook_without_the_source_column_still_imports_a_single_source_plan(seed, workbook):
    line, office = _item(seed, "3.2"), OrgUnit.objects.get(name=OFFICE)
    data = edit_workbook(with_amounts(workbook, {("3.2", OFFICE): 42}), lambda sheet: sheet.delete_cols(COL_SOURCE))
    parsed = read_budget_workbook(seed, data)
    assert parsed.ok, parsed.errors
    assert parsed.edit.allocations == {(line.pk, office.pk, only_source(line)): 42_000_000}


def test_a_workbook_without_the_source_column_is_refused_for_a_two_source_line(seed, two_sources, multi_workbook):
    data = edit_workbook(multi_workbook, lambda sheet: sheet.delete_cols(COL_SOURCE))
    parsed = read_budget_workbook(seed, data)
    message = excel.SOURCE_REQUIRED % {"code": "3.2", "sources": f"{RECURRENT}, {INVESTMENT}", "column": "Nguồn vốn"}
    assert [e.message for e in parsed.errors] == [str(message)] * 6  # each of 3.2's rows, and only those
    assert parsed.edit.is_empty()


def test_a_line_without_a_source_exports_blank_and_accepts_no_amount(seed):
    line = _item(seed, "7.2")
    # The editor and budget_apply keep a line's last source; the admin may still delete it (its allocations first).
    Allocation.objects.filter(item=line).delete()
    LineFunding.objects.filter(item=line).delete()
    data = export_budget_workbook(seed)
    sheet = open_workbook(data)[SHEET_TITLE]
    row = row_of(sheet, "7.2")
    assert [sheet.cell(row, column).value for column in (2, 4, 5, 6)] == ["7.2", "Cả nội dung", None, None]
    parsed = read_budget_workbook(seed, data)
    assert parsed.ok and parsed.edit.is_empty()
    message = excel.LINE_WITHOUT_SOURCE % {"code": "7.2"}
    _refused(seed, with_amounts(data, {("7.2", None): 5}), message, cell=f"E{row}")
