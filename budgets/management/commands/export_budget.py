"""Write a plan's budget workbook: exit 0 when written, 1 when the file cannot be written, 2 on a usage error."""

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from budgets.excel import export_budget_workbook
from plans.selectors import plan_by_reference


class Command(BaseCommand):
    help = "Export a plan's budget workbook (.xlsx), the one import_budget reads back."

    def add_arguments(self, parser):
        parser.add_argument("plan", help="số kế hoạch, ví dụ 4159/KH-UBND, hoặc id")
        parser.add_argument("-o", "--output", required=True, help="tệp .xlsx sẽ ghi")

    def handle(self, *args, plan: str, output: str, **options):
        try:
            found = plan_by_reference(plan)
        except ValidationError as error:
            self.stderr.write(error.messages[0])
            sys.exit(2)
        data = export_budget_workbook(found)
        try:
            Path(output).write_bytes(data)
        except OSError as error:
            self.stderr.write(f"Không ghi được tệp {output}: {error.strerror or error}")
            sys.exit(1)
        self.stdout.write(f"Đã xuất bảng kinh phí Kế hoạch {found.document_number} ({found.year}) ra {output}.")
