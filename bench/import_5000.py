"""Time the budget workbook round trip on a plan with 5,000 allocations (100 lines × 50 units).

Run:  DEBUG=1 .venv/bin/python bench/import_5000.py   (add DATABASE_URL=postgres://… for PostgreSQL)

It creates a throwaway test database (in-memory SQLite, or bench_import_5000_<pid> on the server given) and drops it
at the end; the database DATABASE_URL names is never written to. Not collected by pytest: bench/ is outside testpaths.
"""

import io
import os
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lai_chau.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from openpyxl import load_workbook  # noqa: E402

from budgets.excel import (  # noqa: E402
    COL_AMOUNT,
    COL_CODE,
    COL_UNIT,
    SHEET_TITLE,
    WHOLE_LINE,
    budget_workbook_import,
    export_budget_workbook,
    read_budget_workbook,
)
from budgets.models import Allocation, Ceiling  # noqa: E402
from plans.models import Plan  # noqa: E402
from tests.budgets.workbooks import bulk_plan  # noqa: E402

LINES, UNITS = 100, 50
ALLOCATION = 10_000_000  # đồng per unit and line
PARSE_RUNS = 5


def build_plan() -> Plan:
    """Create the plan with bulk inserts (the tests' builder), with a generous ceiling so every edit may apply."""
    plan = bulk_plan(lines=LINES, units=UNITS, number=9999)
    Ceiling.objects.filter(issuer_id=plan.issuer_id, year=plan.year).update(amount=2 * ALLOCATION * UNITS * LINES)
    return plan


def edit_every_allocation(data: bytes) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    sheet = workbook[SHEET_TITLE]
    for row in sheet.iter_rows(min_row=9):
        if row[COL_CODE - 1].value and row[COL_UNIT - 1].value not in (None, WHOLE_LINE):
            row[COL_AMOUNT - 1].value = 9.5  # triệu đồng: 9,500,000 đồng instead of 10,000,000
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def timed(action: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def peak_mb(action: Callable[[], Any]) -> float:
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1] / 1024 / 1024
    finally:
        tracemalloc.stop()


def rolled_back(action: Callable[[], Any]) -> Callable[[], None]:
    def run() -> None:
        with transaction.atomic():
            action()
            transaction.set_rollback(True)

    return run


def main() -> None:
    if connection.vendor != "sqlite":  # its own name: never clobber the test database a parallel pytest run uses
        connection.settings_dict["TEST"]["NAME"] = f"bench_import_5000_{os.getpid()}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        call_command("setup_demo", "--no-accounts", verbosity=0, stdout=io.StringIO())
        setup_seconds, plan = timed(build_plan)
        export_seconds, workbook = timed(lambda: export_budget_workbook(plan))
        export_peak = peak_mb(lambda: export_budget_workbook(plan))
        edited = edit_every_allocation(workbook)

        parse_times = [timed(lambda: read_budget_workbook(plan, edited))[0] for _ in range(PARSE_RUNS)]
        parse_peak = peak_mb(lambda: read_budget_workbook(plan, edited))
        with CaptureQueriesContext(connection) as parse_queries:
            parsed = read_budget_workbook(plan, edited)
        assert parsed.ok, parsed.errors[:5]
        assert len(parsed.edit.allocations) == LINES * UNITS

        def apply() -> list:
            return budget_workbook_import(plan=plan, parsed=parsed, by=None, based_on=parsed.based_on)

        apply_peak = peak_mb(rolled_back(apply))
        with CaptureQueriesContext(connection) as apply_queries:
            apply_seconds, changes = timed(apply)
        assert Allocation.objects.filter(item__plan=plan, amount=9_500_000).count() == LINES * UNITS

        vendor = connection.vendor
        print(f"Budget workbook, {LINES} lines × {UNITS} units = {LINES * UNITS} allocations ({vendor})")
        print(f"  setup (bulk inserts + history)      {setup_seconds:6.2f} s")
        print(
            f"  workbook size                       {len(workbook) / 1024:6.0f} KB (edited {len(edited) / 1024:.0f} KB)"
        )
        print(f"  export                              {export_seconds:6.2f} s   peak {export_peak:6.1f} MB")
        print(
            f"  parse (median of {PARSE_RUNS}, min {min(parse_times):.2f})    {statistics.median(parse_times):6.2f} s"
            f"   peak {parse_peak:6.1f} MB   {len(parse_queries)} queries"
        )
        print(
            f"  apply (once, {len(changes)} changes)           {apply_seconds:6.2f} s"
            f"   peak {apply_peak:6.1f} MB   {len(apply_queries)} queries"
        )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
