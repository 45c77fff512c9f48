"""Import a plan's budget workbook, all or nothing.

Exit 0 when applied (or, with --dry-run, when it would apply), 1 when the workbook is refused, stale or would break
a budget rule, 2 on a usage error (unknown plan, unreadable file).
"""

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from budgets.excel import (
    MAX_FILE_BYTES,
    WHOLE_LINE,
    ParsedWorkbook,
    budget_workbook_import,
    budget_workbook_trial,
    changes_since_export,
    read_budget_workbook,
)
from budgets.history import BudgetChange
from budgets.services import BudgetRefused, StaleBudget
from lai_chau.money import format_million
from plans.models import Plan
from plans.selectors import plan_by_reference


def _million(amount: int | None) -> str:
    return "(trống)" if amount is None else format_million(amount)


class Command(BaseCommand):
    help = "Import a budget workbook written by export_budget into a draft plan (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("plan", help="số kế hoạch, ví dụ 4159/KH-UBND, hoặc id")
        parser.add_argument("file", help="tệp .xlsx do export_budget xuất ra")
        parser.add_argument("--dry-run", action="store_true", help="chỉ xem trước, không thay đổi gì")
        parser.add_argument(
            "--force", action="store_true", help="ghi đè cả những thay đổi được ghi nhận sau khi xuất bảng"
        )

    def handle(self, *args, plan: str, file: str, dry_run: bool = False, force: bool = False, **options):
        found = self._plan(plan)
        parsed = read_budget_workbook(found, self._read(Path(file)))
        if not parsed.ok:
            for error in parsed.errors:
                where = (
                    f"Ô {error.cell}: " if error.row and error.column else f"Dòng {error.row}: " if error.row else ""
                )
                self.stderr.write(f"{where}{error.message}")
            self.stderr.write("Không nhập gì: bảng tính có lỗi.")
            sys.exit(1)
        self._print_preview(parsed)
        if parsed.edit.is_empty():
            self.stdout.write("Bảng tính khớp với kế hoạch: không có gì thay đổi.")
            return
        stale = [] if force else changes_since_export(found, parsed)
        if stale:
            self._print_stale(stale, several_sources=parsed.several_sources)
            sys.exit(1)
        if dry_run:
            self._trial(found, parsed)
        else:
            self._apply(found, parsed, based_on=None if force else parsed.based_on)

    def _plan(self, reference: str) -> Plan:
        try:
            return plan_by_reference(reference)
        except ValidationError as error:
            self.stderr.write(error.messages[0])
            sys.exit(2)

    def _read(self, path: Path) -> bytes:
        try:
            if path.stat().st_size > MAX_FILE_BYTES:
                self.stderr.write(f"Tệp {path} quá lớn: tối đa {MAX_FILE_BYTES // 1024 // 1024} MB.")
                sys.exit(1)
            return path.read_bytes()
        except OSError as error:
            self.stderr.write(f"Không đọc được tệp {path}: {error.strerror or error}")
            sys.exit(2)

    def _print_preview(self, parsed: ParsedWorkbook) -> None:
        for row in parsed.preview:
            unit = row.unit or WHOLE_LINE
            if parsed.several_sources:  # which of the line's sources the figure is from
                unit = f"{unit} ({row.source})"
            self.stdout.write(f"  Dòng {row.row:>5}  {row.line:>5}  {unit}: {_million(row.old)} → {_million(row.new)}")
        self.stdout.write(f"{len(parsed.preview)} số liệu thay đổi (triệu đồng).")

    def _print_stale(self, changes: list[BudgetChange], *, several_sources: bool) -> None:
        self.stderr.write("Kinh phí của kế hoạch đã thay đổi sau khi bảng tính được xuất:")
        for change in changes:
            where = " ".join(part for part in (change.line, change.unit) if part)
            if several_sources and change.kind in ("line", "allocation") and change.source:
                where += f" ({change.source})"
            self.stderr.write(
                f"  {change.when:%d/%m/%Y %H:%M:%S} {change.user} ({change.reason_label}): {change.description} "
                f"{where}: {_million(change.old)} → {_million(change.new)}"
            )
        self.stderr.write("Không nhập gì. Xuất lại bảng tính, hoặc dùng --force để ghi đè những thay đổi trên.")

    def _trial(self, plan: Plan, parsed: ParsedWorkbook) -> None:
        refusals = budget_workbook_trial(plan=plan, parsed=parsed)
        for message in refusals:
            self.stderr.write(f"KHÔNG ĐẠT: {message}")
        if refusals:
            self.stderr.write("Chạy thử: bảng tính sẽ bị từ chối. Không thay đổi gì.")
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS("Chạy thử: bảng tính hợp lệ và sẽ được nhập. Không thay đổi gì."))

    def _apply(self, plan: Plan, parsed: ParsedWorkbook, based_on) -> None:
        try:
            changes = budget_workbook_import(plan=plan, parsed=parsed, by=None, based_on=based_on)
        except StaleBudget as stale:
            self._print_stale(stale.changes, several_sources=parsed.several_sources)
            sys.exit(1)
        except BudgetRefused as refused:
            for violation in refused.violations:
                self.stderr.write(f"KHÔNG ĐẠT: {violation.message}")
            self.stderr.write("Không nhập gì.")
            sys.exit(1)
        except ValidationError as error:
            for message in error.messages:
                self.stderr.write(message)
            sys.exit(1)
        self.stdout.write(self.style.SUCCESS(f"Đã nhập: {len(changes)} thay đổi được ghi nhận."))
