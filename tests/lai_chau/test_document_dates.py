"""Documents write dates as Nghị định 30/2020/NĐ-CP says: a leading zero for days 1–9 and the months 1 and 2 only."""

import datetime
import io

import pytest
from openpyxl import load_workbook

from lai_chau.text import document_date
from tests.pagetext import visible_text

MONTHS = {
    1: "tháng 01",
    2: "tháng 02",
    3: "tháng 3",
    4: "tháng 4",
    5: "tháng 5",
    6: "tháng 6",
    7: "tháng 7",
    8: "tháng 8",
    9: "tháng 9",
    10: "tháng 10",
    11: "tháng 11",
    12: "tháng 12",
}


@pytest.mark.parametrize(("month", "written"), MONTHS.items())
def test_only_the_months_one_and_two_take_a_leading_zero(month, written):
    assert document_date(datetime.date(2024, month, 15)) == f"ngày 15 {written} năm 2024"


@pytest.mark.parametrize(
    ("day", "written"),
    [(1, "01"), (5, "05"), (9, "09"), (10, "10"), (11, "11"), (20, "20"), (29, "29"), (31, "31")],
)
def test_days_below_ten_take_a_leading_zero(day, written):
    assert document_date(datetime.date(2023, 8, day)) == f"ngày {written} tháng 8 năm 2023"


def test_examples_as_documents_print_them():
    assert document_date(datetime.date(2023, 8, 5)) == "ngày 05 tháng 8 năm 2023"
    assert document_date(datetime.date(2023, 12, 28)) == "ngày 28 tháng 12 năm 2023"
    assert document_date(datetime.date(2024, 2, 1)) == "ngày 01 tháng 02 năm 2024"
    assert document_date(datetime.date(2025, 1, 10)) == "ngày 10 tháng 01 năm 2025"


def test_the_plan_page_the_pdf_and_the_workbook_print_the_same_document_date(client, seed, staff_user):
    from budgets.excel import export_budget_workbook
    from plans.models import Plan
    from plans.pdf import plan_pdf_html

    Plan.objects.filter(pk=seed.pk).update(issued_on=datetime.date(2023, 8, 5))
    plan = Plan.objects.with_document().get(pk=seed.pk)

    client.force_login(staff_user)
    page = visible_text(client.get(plan.get_absolute_url()).content)
    assert "Thành phố Lai Châu, ngày 05 tháng 8 năm 2023" in page
    assert "tháng 08" not in page

    pdf_text = visible_text(plan_pdf_html(plan, draft=True).encode())
    assert "(Kèm theo Kế hoạch số 4159/KH-UBND ngày 05 tháng 8 năm 2023 của" in pdf_text
    assert "tháng 08" not in pdf_text

    sheet = load_workbook(io.BytesIO(export_budget_workbook(plan))).active
    titles = [cell.value for cell in sheet["A"][:8] if isinstance(cell.value, str)]
    assert any("Kế hoạch số 4159/KH-UBND ngày 05 tháng 8 năm 2023 của" in title for title in titles)
