"""The budget workbook (design.md §12): what `export_budget` writes, the browser offers and `import_budget` reads.

The sheet is laid out as a Vietnamese budget table (title block, "ĐVT: triệu đồng", one row per plan line and one
per implementing unit, totals, ceiling, check result); amounts are triệu đồng numbers. A line that draws on several
funding sources has these rows once per source, each naming its source in the "Nguồn vốn" column; a single-source
line's unit rows leave that column empty, as they always have. The importer reads the data rows back with openpyxl
into a tablib Dataset and lets a django-import-export Resource clean, diff and validate them row by row, matching
each to a figure by (line code, unit or whole line, source); "saving" a row only adds it to a BudgetEdit, which
budget_apply then applies in one transaction.
Exporting then importing unchanged yields an empty edit. The words in the sheet are the document's own Vietnamese
text; the messages about a refused workbook are interface text (English msgids).
"""

import datetime
import io
import itertools
import logging
import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, NamedTuple

import tablib
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.instance_loaders import BaseInstanceLoader
from import_export.results import Result, RowResult
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.formatting.rule import Rule
from openpyxl.reader.excel import ExcelReader
from openpyxl.styles import Alignment, Border, Font, NamedStyle, Side
from openpyxl.styles.differential import DifferentialStyle
from openpyxl.styles.numbers import NumberFormat
from openpyxl.utils import get_column_letter, range_boundaries
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.xml.constants import (
    ARC_APP,
    ARC_CONTENT_TYPES,
    ARC_CORE,
    ARC_CUSTOM,
    ARC_STYLE,
    ARC_THEME,
    ARC_WORKBOOK,
    SHARED_STRINGS,
    WORKSHEET_TYPE,
)

from budgets.checks import BudgetCheck, check_plan
from budgets.history import REASON_IMPORT, BudgetChange, latest_change_time, plan_budget_history
from budgets.models import FundingSource
from budgets.selectors import LineBudget
from budgets.services import BudgetEdit, BudgetRefused, budget_apply
from lai_chau.money import (
    AMOUNT_MALFORMED,
    MILLION,
    format_million,
    group_digits,
    parse_amount,
)
from lai_chau.text import document_date
from plans.models import Plan

logger = logging.getLogger(__name__)

# Limits on what an upload may be and on what parsing it may cost, all checked from the zip directory and a byte
# scan of each part before openpyxl parses anything: a few MB of XML can hold a million tiny shared strings or cells,
# and openpyxl spends 1–10 µs on each tag. For scale, a 5,000-row export (100 lines × 50 units, bench/import_5000.py)
# is 132 KB zipped: one 1.7 MB worksheet part with 5,112 rows, 35,737 cells, 12 merged ranges and 134,513 XML tags,
# no shared strings, about 600 tags in all other parts; the preview reads it in about 0.9 s. Each limit sits a few
# times above that. bench/upload_starvation.py times the largest workbook each limit admits under load.
MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 20 * 1024 * 1024
MAX_PART_BYTES = 8 * 1024 * 1024  # any one part, unpacked
MAX_ZIP_ENTRIES = 500
MAX_SHEETS = 20  # openpyxl reads a sheet's relationships once per sheet entry
MAX_SHEET_ROWS = 20_000  # in any one worksheet part; the budget table itself stops at MAX_DATA_ROWS
MAX_SHEET_CELLS = 150_000  # in any one worksheet part
MAX_MERGED_RANGES = 1_000  # in any one worksheet part
MAX_SHARED_STRINGS = 50_000
MAX_SHEET_TAGS = 400_000  # in the worksheets and the shared-string table together (2–6 µs each to parse)
MAX_OTHER_TAGS = 20_000  # in every other part together: styles, workbook, properties, relationships (~10 µs each)
MAX_RELATIONSHIP_TAGS = 2_000  # in any one relationships (.rels) part
MAX_DATA_ROWS = 10_000
MAX_COLUMNS = 26  # A–Z: the table has 7 columns; anything further right is ignored
HEADER_SEARCH_ROWS = 30

# The layout: the document's own Vietnamese words.
SHEET_TITLE = "Kinh phí"
META_SHEET = "_meta"
FORMAT_TAG = "lai-chau-budget-workbook/1"
COL_STT, COL_CODE, COL_CONTENT, COL_UNIT, COL_SOURCE, COL_AMOUNT, COL_NOTE = range(1, 8)
HEADERS = {
    COL_STT: "STT",
    COL_CODE: "Mã dự án",
    COL_CONTENT: "Nội dung",
    COL_UNIT: "Đơn vị thực hiện",
    COL_SOURCE: "Nguồn vốn",
    COL_AMOUNT: "Số tiền (triệu đồng)",
    COL_NOTE: "Ghi chú",
}
COLUMN_WIDTHS = {COL_STT: 6, COL_CODE: 10, COL_CONTENT: 48, COL_UNIT: 30, COL_SOURCE: 22, COL_AMOUNT: 16, COL_NOTE: 26}
WHOLE_LINE = "Cả nội dung"
TOTAL_LABEL = "TỔNG CỘNG"
# The ceiling belongs to the issuer and year and is recorded by finance in the application (budgets/ceilings.py):
# the workbook shows it, the importer never reads it (it stops at the totals row).
CEILING_READ_ONLY = "Chỉ để xem: Phòng Tài chính - Kế hoạch ghi mức trần trong ứng dụng"
UNIT_OF_MEASURE = "ĐVT: triệu đồng"
NOT_SPLIT_NOTE = "Chưa phân bổ"
WHOLE_FORMAT = "#,##0"
FRACTION_FORMAT = "#,##0.######"
FONT_NAME = "Times New Roman"

# Text an Excel-like program would run as a formula (or a DDE call) when the cell is edited: =, +, -, @, tab, CR.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Messages (interface text).
FILE_EMPTY = _("The file is empty.")
FILE_TOO_LARGE = _("The file is too large (%(size)s MB): at most %(limit)s MB is accepted.")
NOT_XLSX = _(
    "This file is not an Excel workbook (.xlsx). Export the budget workbook from the plan, enter the figures in it "
    "and upload it as .xlsx."
)
ZIP_TOO_LARGE = _("The workbook would unpack to more than %(limit)s MB; it is refused.")
ZIP_TOO_MANY_PARTS = _("The workbook has too many parts (%(count)s); it is refused.")
PART_TOO_LARGE = _("The part “%(part)s” of the workbook unpacks to %(size)s MB: at most %(limit)s MB is accepted.")
TOO_MANY_SHEETS = _("The workbook has more than %(limit)s sheets; it is refused.")
SHEET_TOO_MANY_ROWS = _("The sheet stored as “%(part)s” has more than %(limit)s rows; it is refused before it is read.")
SHEET_TOO_MANY_CELLS = _(
    "The sheet stored as “%(part)s” has more than %(limit)s cells; it is refused before it is read."
)
TOO_MANY_MERGED_RANGES = _("The sheet stored as “%(part)s” has more than %(limit)s merged cell ranges; it is refused.")
TOO_MANY_SHARED_STRINGS = _(
    "The workbook's table of shared texts has more than %(limit)s entries; it is refused before it is read."
)
SHEETS_TOO_COMPLEX = _(
    "The workbook's sheets hold more than %(limit)s XML tags in all: they are too large to be read safely and the "
    "workbook is refused."
)
PARTS_TOO_COMPLEX = _(
    "The workbook's styles, settings and other parts hold more than %(limit)s XML tags in all: they are too complex "
    "to be read safely and the workbook is refused."
)
RELATIONSHIPS_TOO_COMPLEX = _(
    "The part “%(part)s” of the workbook holds more than %(limit)s XML tags: it is too complex to be read safely and "
    "the workbook is refused."
)
UNREADABLE = _("The workbook cannot be read: it is damaged or not an Excel .xlsx file.")
META_MISSING = _(
    "This workbook was not exported by this application (its “%(sheet)s” sheet is missing). Export the budget "
    "workbook from the plan and enter the figures in it."
)
META_INVALID = _("The workbook's hidden “%(sheet)s” sheet is damaged: export the workbook again.")
OTHER_PLAN = _("This workbook belongs to plan %(other)s, not to plan %(plan)s.")
SHEET_MISSING = _("The workbook has no sheet named “%(sheet)s”.")
SHEET_EMPTY = _("The sheet “%(sheet)s” is empty.")
HEADER_MISSING = _("No header row with the column “%(column)s” was found in the first %(rows)s rows of the sheet.")
COLUMN_MISSING = _("The header row has no column “%(column)s”.")
NO_DATA_ROWS = _("The sheet has no budget rows under the header.")
TOO_MANY_ROWS = _("The sheet has more than %(limit)s rows under the header; it is refused.")
FORMULA_CELL = _("The cell holds a formula (%(formula)s): type the figure itself.")
ERROR_CELL = _("The cell holds an error value (%(value)s): type the figure itself.")
DATE_CELL = _("The cell holds a date, not an amount in million đồng.")
MERGED_CELLS = _(
    "Cells %(range)s are merged, and a merged cell is read as empty: unmerge them and give each row its own line "
    "code, unit and amount."
)
BLANK_OVER_FIGURE = _(
    "Cell %(cell)s is empty but the plan has %(amount)s million đồng for %(unit)s on line %(code)s. An empty cell "
    "does not remove an allocation: enter 0, or remove the unit in the allocation editor."
)
BLANK_OVER_SOURCE_FIGURE = _(
    "Cell %(cell)s is empty but the plan has %(amount)s million đồng for %(unit)s on line %(code)s from %(source)s. "
    "An empty cell does not remove an allocation: enter 0, or remove the unit in the allocation editor."
)
CODE_MISSING = _("The row has a unit or an amount but no line code.")
UNKNOWN_LINE = _("Line %(code)s is not in this plan.")
UNKNOWN_UNIT = _(
    "“%(unit)s” is not an implementing unit of line %(code)s: add the unit to the line in the allocation editor first."
)
DUPLICATE_ROW = _("This row repeats row %(row)s (line %(code)s, %(unit)s): each figure may appear only once.")
DUPLICATE_SOURCE_ROW = _(
    "This row repeats row %(row)s (line %(code)s, %(unit)s, %(source)s): each figure may appear only once."
)
LINE_AMOUNT_REQUIRED = _("Line %(code)s needs an amount.")
LINE_SOURCE_AMOUNT_REQUIRED = _("Line %(code)s needs an amount from %(source)s.")
SOURCE_REQUIRED = _(
    "Line %(code)s draws on several funding sources (%(sources)s): name this row's source in the “%(column)s” column."
)
UNKNOWN_SOURCE = _(
    "“%(source)s” is not a known funding source. Name the source as the exported workbook does: %(sources)s."
)
SOURCE_NOT_ON_LINE = _(
    "Line %(code)s does not draw on %(source)s: add the source to the line in the allocation editor first."
)
LINE_WITHOUT_SOURCE = _(
    "Line %(code)s draws on no funding source yet: add a source to the line in the allocation editor first."
)
ROW_UNREADABLE = _("This row could not be read.")
IMPORT_HAS_ERRORS = _("The workbook has errors: nothing was imported.")

# (line code, unit name casefolded or None for the line's own amount, funding source id; None only for a line that
# draws on no source yet)
Key = tuple[str, str | None, int | None]


class RowError(NamedTuple):
    """A reason the workbook is refused; row and column (a letter) are None for problems with the whole file."""

    row: int | None
    column: str | None
    message: str

    @property
    def cell(self) -> str:
        return f"{self.column or ''}{self.row or ''}"


class PreviewRow(NamedTuple):
    """One figure the import changes: old → new in đồng (None: no allocation); unit None is the line's amount;
    source the name of the funding source the figure is from."""

    row: int
    line: str
    unit: str | None
    old: int | None
    new: int | None
    source: str | None = None


@dataclass
class ParsedWorkbook:
    """What a workbook would change. When `errors` is not empty the edit is empty: nothing may be applied."""

    edit: BudgetEdit = field(default_factory=BudgetEdit)
    based_on: datetime.datetime | None = None
    preview: list[PreviewRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    several_sources: bool = False  # the plan draws on more than one source: the preview names each figure's source

    @property
    def ok(self) -> bool:
        return not self.errors


def workbook_filename(plan: Plan) -> str:
    """Return 'Kinh-phi-4159-KH-UBND-2024.xlsx'."""
    symbol = re.sub(r"[^A-Za-z0-9]+", "-", plan.symbol).strip("-")
    return f"Kinh-phi-{plan.number}-{symbol}-{plan.year}.xlsx"


def neutralise_formula(text: str) -> str:
    """Prefix text that a spreadsheet would run as a formula with an apostrophe, so it stays text."""
    return "'" + text if text.startswith(FORMULA_TRIGGERS) else text


def _restore_text(text: str) -> str:
    """Undo neutralise_formula on text read back from a workbook."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_TRIGGERS) else text


def _normal(text: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", text)).strip()


def _match_key(text: str) -> str:
    return _normal(text).casefold()


# ---------------------------------------------------------------------------------------------------------------
# Export
# ---------------------------------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
# Table cells share named styles registered once per workbook: a style object per cell costs seconds at 5,000 rows.
STYLE_TEXT, STYLE_TEXT_BOLD = "lc-text", "lc-text-bold"
STYLE_AMOUNT, STYLE_AMOUNT_BOLD = "lc-amount", "lc-amount-bold"
STYLE_HEADER = "lc-header"


def export_budget_workbook(plan: Plan) -> bytes:
    """Return the plan's budget as an .xlsx laid out as a Vietnamese budget table, ready to print on A4."""
    plan = Plan.objects.with_document().get(pk=plan.pk)
    check = check_plan(plan)
    based_on = latest_change_time(plan)
    workbook = Workbook()
    _add_styles(workbook)
    sheet = workbook.active
    sheet.title = SHEET_TITLE
    header_row = _write_title(sheet, plan)
    for column, title in HEADERS.items():
        _put(sheet, header_row, column, title, STYLE_HEADER)
    footer_row = _write_lines(sheet, check.budget.lines, header_row + 1)
    last_row = _write_footer(sheet, check, footer_row, based_on)
    _format_sheet(sheet, header_row, footer_row - 1, last_row)
    _write_meta(workbook, plan, based_on)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def _add_styles(workbook: Workbook) -> None:
    top_wrap = Alignment(vertical="top", wrap_text=True)
    right = Alignment(horizontal="right", vertical="top")
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    specs = {
        STYLE_TEXT: (False, top_wrap, "General"),
        STYLE_TEXT_BOLD: (True, top_wrap, "General"),
        STYLE_AMOUNT: (False, right, WHOLE_FORMAT),
        STYLE_AMOUNT_BOLD: (True, right, WHOLE_FORMAT),
        STYLE_HEADER: (True, centre, "General"),
    }
    for name, (bold, alignment, number_format) in specs.items():
        font = Font(name=FONT_NAME, size=12, bold=bold)
        style = NamedStyle(name=name, font=font, border=_BORDER, alignment=alignment, number_format=number_format)
        workbook.add_named_style(style)


def _put(sheet: Worksheet, row: int, column: int, value: Any, style: str | None = None) -> Cell:
    """Write one cell; text is neutralised against formula injection and always stored as text."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = neutralise_formula(value)
        cell.data_type = "s"  # "#REF!" and friends would otherwise become error cells
    else:
        cell.value = value
    if style:
        cell.style = style
    return cell


def _banner(
    sheet: Worksheet, row: int, text: str, *, first: int = COL_STT, last: int = COL_NOTE, align="center", **font
) -> Cell:
    """Write text across merged columns (title block and notes under the table)."""
    sheet.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)
    cell = _put(sheet, row, first, text)
    cell.font = Font(name=FONT_NAME, size=font.pop("size", 12), **font)
    cell.alignment = Alignment(horizontal=align, vertical="center", wrap_text=True)
    return cell


def _write_title(sheet: Worksheet, plan: Plan) -> int:
    """Write the title block and return the header row's number."""
    from plans.document import issuer_header

    parent, *own = issuer_header(plan.issuer)
    if parent.parent:  # a department prints under the body it answers to, as in the document (plans.document)
        _banner(sheet, 1, parent.text, last=COL_CONTENT)
        _banner(sheet, 2, " ".join(line.text for line in own), last=COL_CONTENT, bold=True)
    else:
        _banner(sheet, 1, plan.issuer.display_full_name.upper(), last=COL_CONTENT, bold=True)
    _banner(sheet, 1, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", first=COL_UNIT, bold=True)
    _banner(sheet, 2, "Độc lập - Tự do - Hạnh phúc", first=COL_UNIT, bold=True)
    _banner(sheet, 4, "BIỂU TỔNG HỢP KINH PHÍ THỰC HIỆN KẾ HOẠCH", bold=True, size=14)
    reference = (
        f"(Kèm theo Kế hoạch số {plan.document_number} {document_date(plan.issued_on)} "
        f"của {plan.issuer.display_full_name})"
    )
    _banner(sheet, 5, reference, italic=True)
    _banner(sheet, 6, plan.summary, bold=True)
    sheet.row_dimensions[6].height = 16 * (1 + len(plan.summary) // 120)
    _banner(sheet, 7, UNIT_OF_MEASURE, first=COL_AMOUNT, italic=True, align="right")
    return 8


def _amount_cell(sheet: Worksheet, row: int, amount: int | None, *, bold: bool = False) -> Cell:
    """Write an amount in đồng as a triệu đồng number: an int when whole, an exact Decimal otherwise."""
    whole, rest = divmod(amount, MILLION) if amount is not None else (None, 0)
    value = None if amount is None else (whole if not rest else Decimal(amount) / MILLION)
    cell = _put(sheet, row, COL_AMOUNT, value, STYLE_AMOUNT_BOLD if bold else STYLE_AMOUNT)
    if rest:
        cell.number_format = FRACTION_FORMAT
    return cell


def _write_lines(sheet: Worksheet, lines: list[LineBudget], row: int) -> int:
    """Write, for each source of each line, one row for what the line draws on it and one per implementing unit
    (its allocation from that source); return the next row. A single-source line reads as it always has: its unit
    rows name no source."""
    for number, line in enumerate(lines, 1):
        item = line.item
        first = {COL_STT: number, COL_CONTENT: item.name}
        if not line.fundings:  # no source yet (all removed in the editor): nothing the workbook may set
            _table_row(sheet, row, {**first, COL_CODE: item.code, COL_UNIT: WHOLE_LINE}, bold=True)
            _amount_cell(sheet, row, None, bold=True)
            row += 1
            for share in line.shares:
                _table_row(sheet, row, {COL_CODE: item.code, COL_UNIT: share.unit.name})
                _amount_cell(sheet, row, None)
                row += 1
            continue
        for funding in line.fundings:
            source = funding.source.name
            note = f"{NOT_SPLIT_NOTE}: {format_million(funding.unallocated)}" if funding.unallocated else ""
            values = {**first, COL_CODE: item.code, COL_UNIT: WHOLE_LINE, COL_SOURCE: source, COL_NOTE: note}
            _table_row(sheet, row, values, bold=True)
            _amount_cell(sheet, row, funding.amount, bold=True)
            row += 1
            first = {}  # number and content once per line, on its first source's row
            for share in funding.shares:
                note = "" if share.allocation else NOT_SPLIT_NOTE
                values = {COL_CODE: item.code, COL_UNIT: share.unit.name, COL_NOTE: note}
                if line.several_sources:
                    values[COL_SOURCE] = source
                _table_row(sheet, row, values)
                _amount_cell(sheet, row, share.amount)
                row += 1
    return row


def _table_row(sheet: Worksheet, row: int, values: dict[int, Any], *, bold: bool = False) -> None:
    for column in HEADERS:
        if column != COL_AMOUNT:
            _put(sheet, row, column, values.get(column), STYLE_TEXT_BOLD if bold else STYLE_TEXT)


def _write_footer(sheet: Worksheet, check: BudgetCheck, row: int, based_on: datetime.datetime | None) -> int:
    """Write the totals, each source's ceiling with its notifying document and the check result; return the last
    row written."""
    budget = check.budget
    note = f"Đã phân bổ: {format_million(budget.allocated)}; chưa phân bổ: {format_million(budget.unallocated)}"
    _footer_row(sheet, row, TOTAL_LABEL, budget.total, note, bold=True)
    for source in budget.sources:
        row += 1
        label = f"Mức trần – {source.source.name}"
        if source.ceiling and source.ceiling.notified_by:
            label += f" (theo {source.ceiling.notified_by})"
        amount = source.ceiling.amount if source.ceiling else None
        _footer_row(sheet, row, label, amount, CEILING_READ_ONLY if source.ceiling else "Chưa có mức trần")
        if source.remaining is not None:
            row += 1
            words = "Vượt mức trần" if source.remaining < 0 else "Còn lại dưới mức trần"
            _footer_row(sheet, row, words, abs(source.remaining), "")
    row += 2
    verdict = "ĐẠT: mọi quy tắc kinh phí đều được bảo đảm." if check.passed else "KHÔNG ĐẠT:"
    _banner(sheet, row, f"Kiểm tra quy tắc kinh phí – {verdict}", bold=True, align="left")
    for violation in check.violations:
        row += 1
        _banner(sheet, row, f"- {violation.message}", align="left")
        sheet.row_dimensions[row].height = 16 * (1 + len(violation.message) // 120)
    row += 1
    when = timezone.localtime(based_on).strftime("%d/%m/%Y %H:%M") if based_on else "—"
    _banner(sheet, row, f"Số liệu tại thời điểm thay đổi gần nhất: {when}", italic=True, align="left", size=10)
    return row


def _footer_row(sheet: Worksheet, row: int, label: str, amount: int | None, note: str, *, bold: bool = False) -> None:
    """A row under the table: the label across columns A–E, the amount, a note."""
    style = STYLE_TEXT_BOLD if bold else STYLE_TEXT
    _put(sheet, row, COL_STT, label, style)
    for column in range(COL_STT + 1, COL_AMOUNT):
        _put(sheet, row, column, None, style)
    sheet.merge_cells(start_row=row, start_column=COL_STT, end_row=row, end_column=COL_SOURCE)
    _amount_cell(sheet, row, amount, bold=bold)
    _put(sheet, row, COL_NOTE, note, style)


def _format_sheet(sheet: Worksheet, header_row: int, last_data_row: int, last_row: int) -> None:
    """Column widths, A4 landscape fitted to the page width, header repeated on each page, amount cells checked."""
    for column, width in COLUMN_WIDTHS.items():
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left, sheet.page_margins.right = 0.6, 0.4
    sheet.page_margins.top, sheet.page_margins.bottom = 0.6, 0.6
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_area = f"A1:{get_column_letter(COL_NOTE)}{last_row}"
    sheet.oddFooter.center.text = "Trang &P/&N"
    amounts = f"{get_column_letter(COL_AMOUNT)}{header_row + 1}:{get_column_letter(COL_AMOUNT)}{last_row}"
    first_amount = f"{get_column_letter(COL_AMOUNT)}{header_row + 1}"
    # Whole triệu show without decimals; a fraction typed later shows its decimals (no "530." with a bare point).
    fraction_style = DifferentialStyle(numFmt=NumberFormat(numFmtId=164, formatCode=FRACTION_FORMAT))
    rule = Rule(type="expression", formula=[f"MOD({first_amount},1)<>0"], dxf=fraction_style)
    sheet.conditional_formatting.add(amounts, rule)
    if last_data_row > header_row:
        validation = DataValidation(
            type="decimal",
            operator="greaterThanOrEqual",
            formula1="0",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Số tiền không hợp lệ",
            error="Nhập số tiền bằng triệu đồng, không âm (ví dụ 12,5). Để trống nếu chưa phân bổ.",
        )
        column = get_column_letter(COL_AMOUNT)
        validation.add(f"{column}{header_row + 1}:{column}{last_data_row}")
        sheet.add_data_validation(validation)


def _write_meta(workbook: Workbook, plan: Plan, based_on: datetime.datetime | None) -> None:
    """Record which plan and which state of its money the workbook shows, for the importer to check."""
    sheet = workbook.create_sheet(META_SHEET)
    rows = [
        ("format", FORMAT_TAG),
        ("plan_id", str(plan.pk)),
        ("plan", plan.document_number),
        ("year", str(plan.year)),
        ("based_on", based_on.isoformat() if based_on else ""),
        ("exported_at", timezone.now().isoformat()),
    ]
    for row, (key, value) in enumerate(rows, 1):
        _put(sheet, row, 1, key)
        _put(sheet, row, 2, value)
    sheet.sheet_state = "hidden"
    sheet.protection.sheet = True


# ---------------------------------------------------------------------------------------------------------------
# Import, stage 1: the file itself and the formatted sheet, read with openpyxl into plain rows
# ---------------------------------------------------------------------------------------------------------------


class WorkbookRefused(Exception):
    """The file as a whole cannot be read as this plan's budget workbook."""

    def __init__(self, message: str, row: int | None = None, column: str | None = None):
        super().__init__(message)
        self.error = RowError(row, column, str(message))


@dataclass
class SheetData:
    plan_id: int
    plan_label: str
    based_on: datetime.datetime | None
    dataset: tablib.Dataset
    columns: dict[str, str]  # resource field → column letter
    errors: list[RowError]


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.1f}".replace(".", ",")


def _check_archive(data: bytes) -> None:
    """Refuse, before any parser sees it, what is not a reasonable .xlsx or would cost too much to parse: size, zip
    structure, unpacked sizes, then what a byte scan of each part finds (see _check_parsing_cost)."""
    if not data:
        raise WorkbookRefused(FILE_EMPTY)
    if len(data) > MAX_FILE_BYTES:
        raise WorkbookRefused(FILE_TOO_LARGE % {"size": _megabytes(len(data)), "limit": MAX_FILE_BYTES // 1024 // 1024})
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError):
        raise WorkbookRefused(NOT_XLSX) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ZIP_ENTRIES:
            raise WorkbookRefused(ZIP_TOO_MANY_PARTS % {"count": len(entries)})
        if sum(entry.file_size for entry in entries) > MAX_UNCOMPRESSED_BYTES:
            raise WorkbookRefused(ZIP_TOO_LARGE % {"limit": MAX_UNCOMPRESSED_BYTES // 1024 // 1024})
        if ARC_CONTENT_TYPES not in {entry.filename for entry in entries}:
            raise WorkbookRefused(NOT_XLSX)
        for entry in entries:
            if entry.file_size > MAX_PART_BYTES:
                size, limit = _megabytes(entry.file_size), MAX_PART_BYTES // 1024 // 1024
                raise WorkbookRefused(PART_TOO_LARGE % {"part": entry.filename, "size": size, "limit": limit})
        try:
            _check_parsing_cost(archive, entries)
        except (zipfile.BadZipFile, zlib.error, EOFError, RuntimeError, NotImplementedError):
            # a wrong checksum or size, a damaged stream, encryption, an unknown compression method
            raise WorkbookRefused(UNREADABLE) from None


# An opening tag, with or without a namespace prefix ("<row " or "<x:row>").
_PREFIX = rb"<(?:[A-Za-z_][\w.-]*:)?"
_ROW_TAG = re.compile(_PREFIX + rb"row[\s/>]")
_CELL_TAG = re.compile(_PREFIX + rb"c[\s/>]")
_SHARED_STRING_TAG = re.compile(_PREFIX + rb"si[\s/>]")
_SHEET_TAG = re.compile(_PREFIX + rb"sheet[\s/>]")
_MERGED_RANGE = re.compile(_PREFIX + rb"""mergeCell\b[^>]*?\bref\s*=\s*["']([^"']*)["']""")
_OVERRIDE = re.compile(_PREFIX + rb"Override\b([^>]*)>")
_ATTRIBUTE = re.compile(rb"""\b(PartName|ContentType)\s*=\s*["']([^"']*)["']""")
# Parts openpyxl reads by their fixed names, whatever [Content_Types].xml calls them: never a worksheet.
_FIXED_PARTS = frozenset({ARC_CONTENT_TYPES, ARC_WORKBOOK, ARC_STYLE, ARC_CORE, ARC_APP, ARC_CUSTOM, ARC_THEME})


def _more_than(pattern: re.Pattern, part: bytes, limit: int) -> bool:
    """Whether `pattern` occurs more than `limit` times in `part`; stops counting there."""
    return next(itertools.islice(pattern.finditer(part), limit, None), None) is not None


def _large_parts(content_types: bytes) -> dict[str, str]:
    """Map each part that [Content_Types].xml declares a worksheet or the shared-string table to that type.

    Only these parts may be large: openpyxl reads them with its streaming parsers. A part declared otherwise, or
    declared so but read by openpyxl as something else (a fixed name, a relationships part), gets the tight budget
    of MAX_OTHER_TAGS: a mistake here can only refuse a workbook, never let a costly one through."""
    parts = {}
    for override in _OVERRIDE.finditer(content_types):
        attributes = {key: value.decode("utf-8", "replace") for key, value in _ATTRIBUTE.findall(override[1])}
        name, kind = attributes.get(b"PartName", "").lstrip("/"), attributes.get(b"ContentType")
        if kind in (WORKSHEET_TYPE, SHARED_STRINGS) and name not in _FIXED_PARTS and not name.endswith(".rels"):
            parts[name] = kind
    return parts


def _check_parsing_cost(archive: zipfile.ZipFile, entries: list[zipfile.ZipInfo]) -> None:
    """Refuse a workbook that openpyxl would take too long to parse, from a byte scan of every part.

    zipfile unpacks no more than the size the zip directory declares (already checked) and verifies the checksum,
    so what is scanned here is what openpyxl would read."""
    large = _large_parts(archive.read(ARC_CONTENT_TYPES))
    sheet_tags = other_tags = sheets = 0
    for entry in entries:
        part, name = archive.read(entry), entry.filename
        tags = part.count(b"<")
        kind = large.get(name)
        if kind is None:
            other_tags += tags
            if other_tags > MAX_OTHER_TAGS:
                raise WorkbookRefused(PARTS_TOO_COMPLEX % {"limit": group_digits(MAX_OTHER_TAGS)})
            if name.endswith(".rels") and tags > MAX_RELATIONSHIP_TAGS:
                limit = group_digits(MAX_RELATIONSHIP_TAGS)
                raise WorkbookRefused(RELATIONSHIPS_TOO_COMPLEX % {"part": name, "limit": limit})
            sheets += sum(1 for _match in itertools.islice(_SHEET_TAG.finditer(part), MAX_SHEETS + 1))
            if sheets > MAX_SHEETS:
                raise WorkbookRefused(TOO_MANY_SHEETS % {"limit": MAX_SHEETS})
            continue
        sheet_tags += tags
        if sheet_tags > MAX_SHEET_TAGS:
            raise WorkbookRefused(SHEETS_TOO_COMPLEX % {"limit": group_digits(MAX_SHEET_TAGS)})
        if kind == SHARED_STRINGS:
            if _more_than(_SHARED_STRING_TAG, part, MAX_SHARED_STRINGS):
                raise WorkbookRefused(TOO_MANY_SHARED_STRINGS % {"limit": group_digits(MAX_SHARED_STRINGS)})
            continue
        for pattern, limit, message in (
            (_ROW_TAG, MAX_SHEET_ROWS, SHEET_TOO_MANY_ROWS),
            (_CELL_TAG, MAX_SHEET_CELLS, SHEET_TOO_MANY_CELLS),
            (_MERGED_RANGE, MAX_MERGED_RANGES, TOO_MANY_MERGED_RANGES),
        ):
            if _more_than(pattern, part, limit):
                raise WorkbookRefused(message % {"part": name, "limit": group_digits(limit)})


class _BudgetWorkbookReader(ExcelReader):
    """openpyxl's reader without chart sheets: they hold no figures, and reading one parses its drawing and charts,
    openpyxl's slowest XML, which the limits above do not price."""

    def read_chartsheet(self, sheet, rel) -> None:
        return None


def _open_workbook(data: bytes):
    """Open the workbook read-only (rows are streamed as they are iterated), formulas as written, no links."""
    reader = _BudgetWorkbookReader(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    reader.read()
    return reader.wb


def _merged_ranges(data: bytes, sheet) -> list[str]:
    """The merged ranges of a read-only sheet, from its XML: openpyxl's read-only mode skips them and reads every
    cell of a merge but the first as empty. Their number was bounded by _check_parsing_cost for declared worksheets;
    it is bounded here again for a sheet that was not declared one."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        part = archive.read(sheet._worksheet_path)  # openpyxl keeps no public name for the part it streams
    refs = [match[1].decode("ascii", "replace") for match in _MERGED_RANGE.finditer(part)]
    if len(refs) > MAX_MERGED_RANGES:
        limit = group_digits(MAX_MERGED_RANGES)
        raise WorkbookRefused(TOO_MANY_MERGED_RANGES % {"part": sheet._worksheet_path, "limit": limit})
    return refs


def _read_sheet_data(data: bytes) -> SheetData:
    _check_archive(data)
    try:
        workbook = _open_workbook(data)
    except Exception:  # a third-party parser on untrusted bytes fails in many ways; none of them is the user's bug
        logger.info("Unreadable budget workbook", exc_info=True)
        raise WorkbookRefused(UNREADABLE) from None
    try:
        plan_id, plan_label, based_on = _read_meta(workbook)
        if SHEET_TITLE not in workbook.sheetnames:
            raise WorkbookRefused(SHEET_MISSING % {"sheet": SHEET_TITLE})
        sheet = workbook[SHEET_TITLE]
        dataset, columns, errors = _read_table(sheet, _merged_ranges(data, sheet))
    except WorkbookRefused:
        raise
    except Exception:  # damaged XML inside an otherwise valid zip surfaces only while iterating
        logger.info("Unreadable budget workbook", exc_info=True)
        raise WorkbookRefused(UNREADABLE) from None
    finally:
        workbook.close()
    return SheetData(plan_id, plan_label, based_on, dataset, columns, errors)


def _read_meta(workbook) -> tuple[int, str, datetime.datetime | None]:
    if META_SHEET not in workbook.sheetnames:
        raise WorkbookRefused(META_MISSING % {"sheet": META_SHEET})
    values = {}
    for key, value, *_rest in workbook[META_SHEET].iter_rows(max_row=20, max_col=2, values_only=True):
        if isinstance(key, str):
            values[key] = "" if value is None else str(value)
    invalid = WorkbookRefused(META_INVALID % {"sheet": META_SHEET})
    if values.get("format") != FORMAT_TAG or not re.fullmatch(r"[0-9]{1,18}", values.get("plan_id", "")):
        raise invalid
    based_on = None
    if values.get("based_on"):
        try:
            based_on = parse_datetime(values["based_on"])
        except ValueError:
            based_on = None
        if based_on is None or timezone.is_naive(based_on):
            raise invalid
    label = f"{values.get('plan', '?')} ({values.get('year', '?')})"
    return int(values["plan_id"]), label, based_on


def _is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float | Decimal):
        return _plain_number(value)
    return _restore_text(_normal(str(value)))


def _plain_number(value: float | int | Decimal) -> str:
    """Write a number read from a cell without exponent: 3.2 → '3.2', 1e-07 → '0.0000001'."""
    return format(Decimal(str(value)), "f")


def _find_header(rows: Iterator[tuple], sheet_title: str) -> tuple[int, dict[str, int]]:
    """Consume rows up to the header row; return its number and the column index of each field."""
    wanted = {"code": HEADERS[COL_CODE], "unit": HEADERS[COL_UNIT], "amount": HEADERS[COL_AMOUNT]}
    # The source column may be deleted where every line draws on one source: its rows then name none.
    optional = {"source": HEADERS[COL_SOURCE]}
    seen_anything = False
    for number, cells in enumerate(rows, 1):
        texts = [_match_key(_cell_text(cell.value)) for cell in cells]
        seen_anything = seen_anything or any(texts)
        if _match_key(wanted["code"]) in texts:
            columns = {
                name: texts.index(_match_key(title))
                for name, title in {**wanted, **optional}.items()
                if _match_key(title) in texts
            }
            for name, title in wanted.items():
                if name not in columns:
                    raise WorkbookRefused(COLUMN_MISSING % {"column": title}, row=number)
            return number, columns
        if number >= HEADER_SEARCH_ROWS:
            break
    if not seen_anything:
        raise WorkbookRefused(SHEET_EMPTY % {"sheet": sheet_title})
    raise WorkbookRefused(HEADER_MISSING % {"column": wanted["code"], "rows": HEADER_SEARCH_ROWS})


def _read_table(sheet, merged: list[str]) -> tuple[tablib.Dataset, dict[str, str], list[RowError]]:
    """Read the data rows between the header and the totals row into a Dataset (row, code, unit, source, amount).

    Cells holding a formula or an error value become errors here and their row stays out of the Dataset; so do
    merged ranges (`merged`, as "F12:F13") that reach into the code, unit or amount cells of the data rows. A merged
    source cell is let through: the rows under it read no source, which only a single-source line accepts.
    """
    sheet.reset_dimensions()  # a wrong <dimension> would otherwise silently cut rows or columns off
    rows = iter(sheet.iter_rows(max_col=MAX_COLUMNS))
    header_row, positions = _find_header(rows, sheet.title)
    letters = {name: get_column_letter(index + 1) for name, index in positions.items()}
    dataset = tablib.Dataset(headers=["row", "code", "unit", "source", "amount"])
    errors: list[RowError] = []
    total_label = _match_key(TOTAL_LABEL)
    last_row = header_row
    for number, cells in enumerate(rows, header_row + 1):
        if any(isinstance(cell.value, str) and _match_key(cell.value) == total_label for cell in cells):
            break
        last_row = number
        if number - header_row > MAX_DATA_ROWS:
            raise WorkbookRefused(TOO_MANY_ROWS % {"limit": group_digits(MAX_DATA_ROWS)})
        picked = {name: cells[index] for name, index in positions.items()}
        cell_errors = [error for name, cell in picked.items() if (error := _cell_problem(cell, number, letters[name]))]
        source = picked["source"].value if "source" in picked else None
        if cell_errors:
            errors.extend(cell_errors)
        elif not all(_is_blank(picked[name].value) for name in ("code", "unit", "amount")):
            dataset.append([number, picked["code"].value, picked["unit"].value, source, picked["amount"].value])
    columns = sorted(index + 1 for name, index in positions.items() if name != "source")
    errors.extend(_merge_errors(merged, rows=(header_row + 1, last_row), columns=columns))
    if not dataset and not errors:
        raise WorkbookRefused(NO_DATA_ROWS)
    return dataset, letters, errors


def _merge_errors(merged: list[str], *, rows: tuple[int, int], columns: list[int]) -> Iterator[RowError]:
    """An error for each merged range that covers one of `columns` (1-based) in the data rows `rows` (first, last):
    there the merge hides a line code, unit or amount that would be read as empty."""
    first_row, last_row = rows
    for ref in merged:
        try:
            min_col, min_row, max_col, max_row = range_boundaries(ref)
        except (ValueError, TypeError):  # not a range: openpyxl would not merge anything either
            continue
        min_row, max_row = min_row or 1, max_row or last_row  # "F:F" spans every row
        touched = [column for column in columns if (min_col or 1) <= column <= (max_col or column)]
        if touched and min_row <= last_row and max_row >= first_row:
            row = max(min_row, first_row)
            yield RowError(row, get_column_letter(touched[0]), str(MERGED_CELLS % {"range": ref}))


def _cell_problem(cell, row: int, column: str) -> RowError | None:
    if cell.data_type == "f":
        formula = cell.value if isinstance(cell.value, str) else getattr(cell.value, "text", "") or "="
        return RowError(row, column, str(FORMULA_CELL % {"formula": formula[:40]}))
    if cell.data_type == "e":
        return RowError(row, column, str(ERROR_CELL % {"value": cell.value}))
    if isinstance(cell.value, datetime.date | datetime.time | datetime.timedelta):
        return RowError(row, column, str(DATE_CELL))
    return None


# ---------------------------------------------------------------------------------------------------------------
# Import, stage 2: rows cleaned, matched, diffed and validated by a django-import-export Resource
# ---------------------------------------------------------------------------------------------------------------


@dataclass
class BudgetFigure:
    """One figure of the plan as the workbook names it: what a line draws on a source (unit None) or a unit's
    allocation from a source; `source` is the source's name (None, with source_id, for a line without a source)."""

    line_code: str
    unit: str | None
    source: str | None
    amount: int | None
    item_id: int
    unit_id: int | None = None
    source_id: int | None = None


@dataclass(frozen=True)
class LineSources:
    """The sources a line draws on, by id, with their names in the order the workbook lists them."""

    item_id: int
    sources: dict[int, str]

    @property
    def names(self) -> str:
        return ", ".join(self.sources.values())


class TextWidget(widgets.Widget):
    """Text as typed in a cell: NFC, single spaces, an anti-formula apostrophe removed; numbers written plainly."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str:
        return _cell_text(value)


class UnitWidget(TextWidget):
    """The implementing unit's name; empty or "Cả nội dung" names the line's own amount (None)."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> str | None:
        text = super().clean(value, row, **kwargs)
        return None if not text or _match_key(text) == _match_key(WHOLE_LINE) else text


class MillionAmountWidget(widgets.Widget):
    """An amount in triệu đồng (a number, or text in Vietnamese notation such as "12,5") ↔ whole đồng."""

    def clean(self, value: Any, row: dict | None = None, **kwargs: Any) -> int | None:
        if _is_blank(value):
            return None
        try:
            if isinstance(value, bool):
                raise ValidationError(AMOUNT_MALFORMED, params={"value": value})
            if isinstance(value, int | float | Decimal):
                return _million_number_to_dong(value)
            return parse_amount(str(value), unit=MILLION)
        except ValidationError as error:
            raise ValueError(error.messages[0]) from None

    def render(self, value: int | None, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else format_million(value)


def _million_number_to_dong(value: float | int | Decimal) -> int:
    """Convert a triệu đồng number from a cell to whole đồng exactly: its shortest decimal text (never float
    arithmetic), written in Vietnamese notation, goes through the one amount parser and its checks."""
    return parse_amount(_plain_number(value).replace(".", ","), unit=MILLION)


class _FigureLoader(BaseInstanceLoader):
    def get_instance(self, row: dict) -> BudgetFigure | None:
        return self.resource.figure_for(row)


class BudgetFigureResource(resources.Resource):
    """Match each row to a figure of the plan by (line code, unit, source); the amount is the only field it changes.

    The source may be left empty on the rows of a line that draws on one source (workbooks name none on its unit
    rows); it is matched by name like units are. Never touches the database: figures come from the plan as fetched
    once, and saving a row records it in `self.saved` for the caller to turn into a BudgetEdit.
    """

    line_code = fields.Field(attribute="line_code", column_name="code", widget=TextWidget(), readonly=True)
    unit = fields.Field(attribute="unit", column_name="unit", widget=UnitWidget(), readonly=True)
    source = fields.Field(attribute="source", column_name="source", widget=TextWidget(), readonly=True)
    amount = fields.Field(attribute="amount", column_name="amount", widget=MillionAmountWidget())

    class Meta:
        import_id_fields = ("line_code", "unit", "source")
        instance_loader_class = _FigureLoader
        skip_unchanged = True
        report_skipped = True
        store_instance = True
        skip_html_diff = True
        use_transactions = False

    def __init__(
        self,
        figures: dict[Key, BudgetFigure],
        lines: dict[str, LineSources],
        known_sources: dict[str, tuple[int, str]],
        amount_column: str,
    ):
        super().__init__()
        self.figures = figures
        self.lines = lines
        self.known_sources = known_sources  # source name _match_key → (id, name)
        self.amount_column = amount_column
        self.seen: dict[Key, int] = {}
        self.saved: list[BudgetFigure] = []
        self.row_number: int | None = None  # the sheet row being imported
        self.row_key: Key | None = None  # its figure's key, once before_import_row has resolved it

    def figure_for(self, row: dict) -> BudgetFigure | None:
        figure = self.figures.get(self.row_key)
        return None if figure is None else replace(figure)

    def before_import_row(self, row: dict, **kwargs: Any) -> None:
        self.row_number, self.row_key = row["row"], None
        code = self.fields["line_code"].clean(row)
        if not code:
            raise ValidationError({"line_code": CODE_MISSING})
        line = self.lines.get(code)
        if line is None:
            raise ValidationError({"line_code": UNKNOWN_LINE % {"code": code}})
        source_id = self._source_of(code, line, self.fields["source"].clean(row))
        unit = self.fields["unit"].clean(row)
        key = (code, None if unit is None else _match_key(unit), source_id)
        if key in self.seen:
            params = {"row": self.seen[key], "code": code, "unit": WHOLE_LINE if unit is None else unit}
            if len(line.sources) > 1:
                message = DUPLICATE_SOURCE_ROW % {**params, "source": line.sources[source_id]}
            else:
                message = DUPLICATE_ROW % params
            raise ValidationError({"unit": message})
        self.seen[key] = row["row"]
        self.row_key = key

    def _source_of(self, code: str, line: LineSources, text: str) -> int | None:
        """The id of the source a row names, or of the line's only source when it names none."""
        if not text:
            if len(line.sources) > 1:
                params = {"code": code, "sources": line.names, "column": HEADERS[COL_SOURCE]}
                raise ValidationError({"source": SOURCE_REQUIRED % params})
            return next(iter(line.sources), None)
        known = self.known_sources.get(_match_key(text))
        if known is None:
            names = "; ".join(name for _id, name in self.known_sources.values())
            raise ValidationError({"source": UNKNOWN_SOURCE % {"source": text, "sources": names}})
        source_id, name = known
        if source_id not in line.sources:
            # As with lines and units, the importer never adds a source to a line.
            raise ValidationError({"source": SOURCE_NOT_ON_LINE % {"code": code, "source": name}})
        return source_id

    def init_instance(self, row: dict | None = None) -> BudgetFigure:
        """A figure the plan does not have: the importer changes amounts, it does not invent lines or units."""
        code = self.fields["line_code"].clean(row)
        raise ValidationError({"unit": UNKNOWN_UNIT % {"unit": self.fields["unit"].clean(row), "code": code}})

    def validate_instance(self, instance: BudgetFigure, import_validation_errors=None, validate_unique=True) -> None:
        errors = dict(import_validation_errors or {})
        several = len(self.lines[instance.line_code].sources) > 1
        if instance.source_id is None and instance.amount is not None and "amount" not in errors:
            errors["source"] = ValidationError(LINE_WITHOUT_SOURCE % {"code": instance.line_code})
        elif instance.amount is None and "amount" not in errors:
            current = self.figures[self.row_key]
            if instance.unit is None:
                params = {"code": instance.line_code, "source": instance.source}
                message = LINE_SOURCE_AMOUNT_REQUIRED if several else LINE_AMOUNT_REQUIRED
                errors["amount"] = ValidationError(message % params)
            elif current.amount is not None:
                # A cell emptied by mistake, or read as empty because it is merged, must not delete money.
                params = {
                    "cell": f"{self.amount_column}{self.row_number}",
                    "amount": format_million(current.amount),
                    "unit": instance.unit,
                    "code": instance.line_code,
                    "source": instance.source,
                }
                message = BLANK_OVER_SOURCE_FIGURE if several else BLANK_OVER_FIGURE
                errors["amount"] = ValidationError(message % params)
        if errors:
            raise ValidationError(errors)

    def do_instance_save(self, instance: BudgetFigure, is_create: bool) -> None:
        self.saved.append(instance)


def _plan_figures(plan: Plan) -> tuple[dict[Key, BudgetFigure], dict[str, LineSources]]:
    """Index the plan's figures and each line's sources (plan fetched with_document: no queries here)."""
    figures, lines = {}, {}
    for item in plan.items.all():
        fundings = item.funding_list()
        lines[item.code] = LineSources(item.pk, {funding.source_id: funding.source.name for funding in fundings})
        units = [implementing.unit for implementing in item.implementing_units.all()]
        if not fundings:  # a line without a source: its rows are read, but may set nothing
            figures[(item.code, None, None)] = BudgetFigure(item.code, None, None, None, item.pk)
            for unit in units:
                key = (item.code, _match_key(unit.name), None)
                figures[key] = BudgetFigure(item.code, unit.name, None, None, item.pk, unit.pk)
        allocations = {(a.unit_id, a.source_id): a.amount for a in item.allocations.all()}
        for funding in fundings:
            source, source_id = funding.source.name, funding.source_id
            figures[(item.code, None, source_id)] = BudgetFigure(
                item.code, None, source, funding.amount, item.pk, None, source_id
            )
            for unit in units:
                figures[(item.code, _match_key(unit.name), source_id)] = BudgetFigure(
                    item.code, unit.name, source, allocations.get((unit.pk, source_id)), item.pk, unit.pk, source_id
                )
    return figures, lines


def _known_sources() -> dict[str, tuple[int, str]]:
    """Every funding source by its name as the importer matches it (a handful of rows)."""
    return {_match_key(source.name): (source.pk, source.name) for source in FundingSource.objects.order_by("code")}


def refuse_before_reading(file_bytes: bytes) -> ParsedWorkbook | None:
    """Return why the workbook is refused by the checks made before anything parses it (its zip directory and a
    byte scan, a fraction of a second at most), or None when it may be read. read_budget_workbook makes them too."""
    try:
        _check_archive(file_bytes)
    except WorkbookRefused as refused:
        return ParsedWorkbook(errors=[refused.error])
    return None


def read_budget_workbook(plan: Plan, file_bytes: bytes) -> ParsedWorkbook:
    """Read a budget workbook for `plan` and return what it would change, row by row, or why it is refused.

    Only figures that differ from the plan's current ones enter the edit. Nothing is written to the database.
    """
    try:
        sheet = _read_sheet_data(file_bytes)
    except WorkbookRefused as refused:
        return ParsedWorkbook(errors=[refused.error])
    plan = Plan.objects.with_document().get(pk=plan.pk)
    if sheet.plan_id != plan.pk:
        message = OTHER_PLAN % {"other": sheet.plan_label, "plan": f"{plan.document_number} ({plan.year})"}
        return ParsedWorkbook(errors=[RowError(None, None, str(message))])
    figures, lines = _plan_figures(plan)
    several = len({source_id for line in lines.values() for source_id in line.sources}) > 1
    resource = BudgetFigureResource(figures, lines, _known_sources(), amount_column=sheet.columns["amount"])
    result = resource.import_data(sheet.dataset, dry_run=False, use_transactions=False)
    preview, errors = _row_outcomes(sheet, result)
    errors = sorted([*sheet.errors, *errors], key=lambda e: (e.row or 0, e.column or ""))
    parsed = ParsedWorkbook(based_on=sheet.based_on, preview=preview, errors=errors, several_sources=several)
    if not errors:
        parsed.edit = _edit_of(resource.saved)
    return parsed


def _row_outcomes(sheet: SheetData, result: Result) -> tuple[list[PreviewRow], list[RowError]]:
    columns = {
        "line_code": sheet.columns["code"],
        "unit": sheet.columns["unit"],
        "source": sheet.columns.get("source"),  # None when the column was deleted
        "amount": sheet.columns["amount"],
    }
    preview: list[PreviewRow] = []
    errors = [RowError(None, None, str(ROW_UNREADABLE)) for _error in result.base_errors]
    for values, outcome in zip(sheet.dataset, result.rows, strict=True):
        row = values[0]
        if outcome.import_type == RowResult.IMPORT_TYPE_UPDATE:
            new, old = outcome.instance, outcome.original
            preview.append(PreviewRow(row, new.line_code, new.unit, old.amount, new.amount, new.source))
        elif outcome.import_type == RowResult.IMPORT_TYPE_INVALID:
            errors.extend(_validation_errors(row, outcome.validation_error, columns))
        elif outcome.import_type == RowResult.IMPORT_TYPE_ERROR:
            logger.error("Budget workbook row %s failed: %s", row, [e.error for e in outcome.errors])
            errors.append(RowError(row, None, str(ROW_UNREADABLE)))
    return preview, errors


def _validation_errors(row: int, error: ValidationError, columns: dict[str, str | None]) -> Iterable[RowError]:
    for name, messages in error.message_dict.items():
        column = None if name == NON_FIELD_ERRORS else columns.get(name)
        for message in messages:
            yield RowError(row, column, message)


def _edit_of(figures: list[BudgetFigure]) -> BudgetEdit:
    edit = BudgetEdit()
    for figure in figures:
        if figure.unit_id is None:
            edit.line_amounts[(figure.item_id, figure.source_id)] = figure.amount
        else:
            edit.allocations[(figure.item_id, figure.unit_id, figure.source_id)] = figure.amount
    return edit


# ---------------------------------------------------------------------------------------------------------------
# Applying
# ---------------------------------------------------------------------------------------------------------------


def changes_since_export(plan: Plan, parsed: ParsedWorkbook) -> list[BudgetChange]:
    """Return the budget changes recorded after the workbook was exported (all of them if it carries no mark)."""
    return plan_budget_history(plan, since=parsed.based_on)


def budget_workbook_import(
    *, plan: Plan, parsed: ParsedWorkbook, by, based_on: datetime.datetime | None
) -> list[BudgetChange]:
    """Apply a parsed workbook through budget_apply (reason "import"); refuse one that has errors.

    Raise StaleBudget when the plan's money changed after `based_on`, BudgetRefused when the result breaks a rule.
    """
    if not parsed.ok:
        raise ValidationError(IMPORT_HAS_ERRORS, code="workbook_errors")
    return budget_apply(plan=plan, edit=parsed.edit, by=by, reason=REASON_IMPORT, based_on=based_on)


class _TrialOver(Exception):
    pass


def budget_workbook_trial(*, plan: Plan, parsed: ParsedWorkbook) -> list[str]:
    """Run the import through budget_apply in a transaction that is always rolled back; return why it would be
    refused (empty when it would apply). Staleness is not checked here: see changes_since_export."""
    try:
        with transaction.atomic():
            budget_workbook_import(plan=plan, parsed=parsed, by=None, based_on=None)
            raise _TrialOver
    except _TrialOver:
        return []
    except BudgetRefused as refused:
        return [violation.message for violation in refused.violations]
    except ValidationError as error:
        return list(error.messages)
