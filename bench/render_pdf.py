"""Time the PDF rendering of the seed plan and of a stress plan (60 lines, 300 allocations).

Run:  DEBUG=1 .venv/bin/python bench/render_pdf.py   (add DATABASE_URL=postgres://… for PostgreSQL)

Uses a throwaway test database, as bench/import_5000.py does; prints the median of several renders in one process
(the first render, which pays for WeasyPrint's imports and font loading, is reported apart).
"""

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
    from tests.factories import make_plan

    return make_plan(lines=60, units_per_line=5, number=9999)


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
