"""Time the PDF rendering of the seed plan and of a stress plan (60 lines, 300 allocations).

Run:  DEBUG=1 .venv/bin/python bench/render_pdf.py   (add DATABASE_URL=postgres://… for PostgreSQL)

Uses a throwaway test database, as bench/import_5000.py does; prints the median of several renders in one process
(the first render, which pays for WeasyPrint's imports and font loading, is reported apart).
"""

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lai_chau.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

RUNS = 5


def _stress_plan():
    from budgets.models import Allocation, Ceiling, FundingSource
    from plans.models import ImplementingUnit, OrgUnit, Plan, PlanItem
    from projects.models import Programme, Project, SubProject

    programme = Programme.objects.get(code="giam-ngheo-2021-2025")
    city = OrgUnit.objects.get(code="lai-chau-city")
    source = FundingSource.objects.get(code="nstw-su-nghiep")
    plan = Plan.objects.create(
        programme=programme,
        issuer=city,
        number=9999,
        place="Thành phố Lai Châu",
        issued_on=datetime.date(2024, 12, 1),
        year=2025,
        summary="Kế hoạch thử tải",
        purposes="Mục đích",
        solutions="Giải pháp",
        recipients="Lưu: VT.",
    )
    units = [
        OrgUnit.objects.create(
            code=f"bench-unit-{i}",
            name=f"Đơn vị thử {i}",
            kind="department",
            parent=city,
            valid_from=datetime.date(2020, 1, 1),
        )
        for i in range(5)
    ]
    project = Project.objects.create(programme=programme, code="99", name="Dự án thử tải")
    for index in range(1, 61):
        sub = SubProject.objects.create(project=project, code=f"99.{index}", name=f"Tiểu dự án thử tải số {index}")
        item = PlanItem.objects.create(
            plan=plan,
            position=index,
            project=project,
            sub_project=sub,
            objective="Mục tiêu của nội dung thử tải. " * 4,
            activities="Hoạt động một\nHoạt động hai",
            outputs="Kết quả đầu ra.",
            amount=50_000_000,
            source=source,
        )
        for position, unit in enumerate(units):
            ImplementingUnit.objects.create(item=item, unit=unit, position=position)
            Allocation.objects.create(item=item, unit=unit, source=source, amount=10_000_000)
    Ceiling.objects.create(plan=plan, source=source, amount=60 * 50_000_000)
    return plan


def _time(plan_id: int) -> tuple[float, float]:
    from plans.models import Plan
    from plans.pdf import render_plan_pdf

    timings = []
    for _ in range(RUNS):
        started = time.perf_counter()
        render_plan_pdf(Plan.objects.with_document().get(pk=plan_id))
        timings.append(time.perf_counter() - started)
    return timings[0], statistics.median(timings[1:])


def main() -> None:
    old_name = connection.creation.create_test_db(verbosity=0, keepdb=False)
    try:
        call_command("setup_demo", "--no-accounts", verbosity=0, stdout=open(os.devnull, "w"))
        from plans.models import Plan

        seed = Plan.objects.get(number=4159, year=2024)
        stress = _stress_plan()
        print(f"database: {connection.vendor}; {RUNS} renders each, median of the last {RUNS - 1}")
        print(f"{'plan':<34}{'first (s)':>10}{'median (s)':>12}")
        for label, plan in [("seed 4159/KH-UBND (7 lines)", seed), ("stress (60 lines, 300 allocations)", stress)]:
            first, median = _time(plan.pk)
            print(f"{label:<34}{first:>10.2f}{median:>12.2f}")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
