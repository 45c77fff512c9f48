"""Check a plan's budget rules: exit 0 when every rule holds, 1 when one fails, 2 on a usage error."""

import json
import sys

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand

from budgets.checks import check_plan
from lai_chau.money import format_vnd
from plans.models import Plan
from plans.selectors import plan_by_reference


class Command(BaseCommand):
    help = "Check the budget rules of a plan named by its number (4159/KH-UBND) or id."

    def add_arguments(self, parser):
        parser.add_argument("plan", help="số kế hoạch, ví dụ 4159/KH-UBND, hoặc id")
        parser.add_argument("--json", action="store_true", dest="as_json", help="JSON output, amounts in đồng")

    def handle(self, *args, plan: str, as_json: bool = False, **options):
        try:
            found = plan_by_reference(plan, Plan.objects.with_document())
        except ValidationError as error:
            self.stderr.write(error.messages[0])
            sys.exit(2)
        result = check_plan(found)
        if as_json:
            self.stdout.write(self._as_json(result))
        else:
            self._print(result)
        if not result.passed:
            sys.exit(1)

    def _as_json(self, result) -> str:
        budget = result.budget
        return json.dumps(
            {
                "plan": result.plan.document_number,
                "year": result.plan.year,
                "passed": result.passed,
                "total": budget.total,
                "allocated": budget.allocated,
                "unallocated": budget.unallocated,
                "lines": [
                    {
                        "code": line.item.code,
                        "amount": line.amount,
                        "allocated": line.allocated,
                        "unallocated": line.unallocated,
                        # Each unit over the line's sources; per source in "fundings".
                        "units": [{"unit": share.unit.name, "amount": share.amount} for share in line.shares],
                        "fundings": [
                            {
                                "source": funding.source.code,
                                "name": funding.source.name,
                                "amount": funding.amount,
                                "allocated": funding.allocated,
                                "unallocated": funding.unallocated,
                                "units": [
                                    {"unit": share.unit.name, "amount": share.amount} for share in funding.shares
                                ],
                            }
                            for funding in line.fundings
                        ],
                    }
                    for line in budget.lines
                ],
                "sources": [
                    {
                        "source": s.source.code,
                        "name": s.source.name,
                        "planned": s.planned,
                        "ceiling": s.ceiling.amount if s.ceiling else None,
                        "remaining": s.remaining,
                    }
                    for s in budget.sources
                ],
                "violations": [v.as_dict() for v in result.violations],
            },
            ensure_ascii=False,
            indent=2,
        )

    def _print(self, result) -> None:
        budget = result.budget
        self.stdout.write(f"Kế hoạch {result.plan.document_number} ({result.plan.year})")
        for line in budget.lines:
            row = f"  {line.item.code:>5}  {format_vnd(line.amount):>24}  đã phân bổ {format_vnd(line.allocated)}"
            if budget.several_sources and len(line.fundings) == 1:
                row += f"  ({line.fundings[0].source.name})"
            self.stdout.write(row)
            if line.several_sources:
                # Rule 2 holds per source: each source of the line with its own figures.
                for funding in line.fundings:
                    self.stdout.write(
                        f"         {format_vnd(funding.amount):>24}  đã phân bổ {format_vnd(funding.allocated)}"
                        f"  ({funding.source.name})"
                    )
        self.stdout.write(f"  Tổng: {format_vnd(budget.total)}")
        for source in budget.sources:
            ceiling = format_vnd(source.ceiling.amount) if source.ceiling else "chưa có"
            self.stdout.write(f"  Mức trần {source.source.name}: {ceiling}")
        if result.passed:
            self.stdout.write(self.style.SUCCESS("ĐẠT: mọi quy tắc kinh phí đều được bảo đảm."))
        for violation in result.violations:
            self.stdout.write(self.style.ERROR(f"KHÔNG ĐẠT: {violation.message}"))
