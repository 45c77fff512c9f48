"""Write a plan's PDF: `plan_pdf 4159/KH-UBND -o FILE.pdf`."""

import sys
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from plans.lifecycle import SignedPdfAltered, plan_pdf_bytes
from plans.models import Plan
from plans.selectors import plan_by_reference


class Command(BaseCommand):
    help = "Render a plan, named by its number (4159/KH-UBND) or id, to a PDF file."

    def add_arguments(self, parser):
        parser.add_argument("plan", help="số kế hoạch, ví dụ 4159/KH-UBND, hoặc id")
        parser.add_argument("-o", "--output", required=True, help="the PDF file to write")

    def handle(self, *args, plan: str, output: str, **options):
        try:
            found = plan_by_reference(plan, Plan.objects.all())
        except ValidationError as error:
            self.stderr.write(error.messages[0])
            sys.exit(2)
        target = Path(output)
        try:
            target.write_bytes(plan_pdf_bytes(found))
        except OSError as error:
            self.stderr.write(f"Không ghi được tệp {target}: {error.strerror}")
            sys.exit(1)
        except SignedPdfAltered as altered:
            self.stderr.write(str(altered))
            sys.exit(1)
        self.stdout.write(f"Đã ghi {target}")
