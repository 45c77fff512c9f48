"""The LĐ-TBXH officer edits allocations in a real Chromium: refused over the ceiling, then saved."""

import os

from playwright.sync_api import expect

from budgets.models import Allocation, FundingSource
from plans.models import OrgUnit, PlanItem
from tests.browser.conftest import BROWSER_MARKS
from tests.factories import cover_with_ceiling

pytestmark = BROWSER_MARKS
INVESTMENT = "Ngân sách Trung ương - vốn đầu tư"


def _fill(page, name: str, value: str) -> None:
    page.locator(f"input[name='{name}']").fill(value)


def test_staff_is_refused_over_the_ceiling_then_rebalances_and_sees_the_history(live_server, page, demo_data, log_in):
    line_4_1 = PlanItem.objects.get(sub_project__code="4.1")
    line_7_2 = PlanItem.objects.get(sub_project__code="7.2")
    ldtbxh = OrgUnit.objects.get(code="city-ldtbxh")

    log_in("ldtbxh")
    page.goto(f"{live_server.url}/ke-hoach/{line_4_1.plan_id}/kinh-phi/")
    page.get_by_role("link", name="Sửa phân bổ").click()

    # Raise 4.1 and its allocation by one million: the page warns as the officer types …
    _fill(page, f"line_{line_4_1.pk}", "686")
    _fill(page, f"alloc_{line_4_1.pk}_{ldtbxh.pk}", "686")
    # The totals are recomputed by the page's script as the officer types: wait for it, do not race it.
    expect(page.get_by_test_id("editor-remaining")).to_have_text("-1")
    expect(page.get_by_test_id("editor-total")).to_have_text("1.729")
    # … and the server refuses the save, keeping what was typed.
    page.get_by_role("button", name="Lưu tất cả thay đổi").click()
    assert "vượt mức trần 1.728.000.000 đồng là 1.000.000 đồng" in page.get_by_test_id("refused").inner_text()
    assert page.locator(f"input[name='line_{line_4_1.pk}']").input_value() == "686"
    assert PlanItem.objects.get(pk=line_4_1.pk).amount == 685_000_000

    # Lower 7.2 by the same million, save, and the report passes.
    _fill(page, f"line_{line_7_2.pk}", "21")
    _fill(page, f"alloc_{line_7_2.pk}_{ldtbxh.pk}", "21")
    expect(page.get_by_test_id("editor-remaining")).to_have_text("0")
    page.get_by_role("button", name="Lưu tất cả thay đổi").click()
    assert "Đã lưu: 4 thay đổi." in page.locator(".messages").inner_text()
    assert "Mọi quy tắc kinh phí đều được bảo đảm." in page.get_by_test_id("verdict").inner_text()
    assert page.get_by_test_id("plan-total").inner_text() == "1.728"

    page.get_by_role("link", name="Lịch sử thay đổi").click()
    history = page.locator("table.changes").inner_text()
    assert "kinh phí nội dung\t4.1" in history and "685.000.000\t686.000.000" in history
    assert "22.000.000\t21.000.000" in history
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "history.png"), full_page=True)


def test_staff_adds_a_source_to_a_line_and_splits_it_per_source(live_server, page, demo_data, log_in):
    """Line 7.2 also draws on NSTW đầu tư: its amount and its unit's allocation from each source, totals per source."""
    line_7_2 = PlanItem.objects.get(sub_project__code="7.2")
    investment = FundingSource.objects.get(code="nstw-dau-tu")
    cover_with_ceiling(line_7_2.plan, investment, 10_000_000)

    log_in("ldtbxh")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/ke-hoach/{line_7_2.plan_id}/kinh-phi/phan-bo/")
    page.get_by_text("Thêm nguồn vốn cho nội dung 7.2").click()
    page.get_by_label("Nguồn vốn thêm cho nội dung 7.2").select_option(label=INVESTMENT)
    page.get_by_label("Kinh phí nội dung 7.2 từ nguồn vốn thêm").fill("5")
    expect(page.get_by_test_id("editor-total")).to_have_text("1.733")
    page.get_by_role("button", name="Lưu tất cả thay đổi").click()
    assert "Đã lưu: 1 thay đổi." in page.locator(".messages").inner_text()
    assert "Nguồn vốn: " + INVESTMENT in page.locator("table.budget-table").inner_text()

    page.goto(f"{live_server.url}/ke-hoach/{line_7_2.plan_id}/kinh-phi/phan-bo/")
    allocation = page.get_by_label(
        f"Phòng Lao động - Thương binh và Xã hội thành phố – nội dung 7.2, nguồn {INVESTMENT}"
    )
    allocation.fill("6")
    # Rule 2 per source: 6 triệu from a source the line draws 5 on, said as the officer types.
    sums = page.locator(f"tbody[data-line='7.2'] .line-sum[data-sum-source='{investment.pk}']")
    expect(sums).to_have_text("đã phân bổ 6 · vượt kinh phí nội dung 1")
    expect(page.get_by_test_id("editor-remaining-nstw-dau-tu")).to_have_text("5")
    assert page.get_by_label(f"Kinh phí nội dung 7.2 từ nguồn {INVESTMENT}").input_value() == "5"
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "editor-two-sources.png"), full_page=True)
    page.get_by_role("button", name="Lưu tất cả thay đổi").click()
    refused = page.get_by_test_id("refused").inner_text()
    assert INVESTMENT in refused and "1.000.000 đồng" in refused
    assert Allocation.objects.filter(item=line_7_2, source=investment).count() == 0

    # Removing the source removes its allocations with it: the checkbox says so.
    page.get_by_label(f"Phòng Lao động - Thương binh và Xã hội thành phố – nội dung 7.2, nguồn {INVESTMENT}").fill("5")
    remove = page.get_by_role("checkbox", name=f"Bỏ nguồn {INVESTMENT} khỏi nội dung 7.2")
    expect(remove).to_have_accessible_description(
        "Bỏ nguồn vốn thì các khoản phân bổ cho đơn vị từ nguồn vốn đó cũng bị xoá."
    )
    remove.check()
    page.get_by_role("button", name="Lưu tất cả thay đổi").click()
    assert "Mọi quy tắc kinh phí đều được bảo đảm." in page.get_by_test_id("verdict").inner_text()
    assert list(line_7_2.fundings.values_list("source__code", flat=True)) == ["nstw-su-nghiep"]
    assert "Nguồn vốn: " not in page.locator("table.budget-table").inner_text()
