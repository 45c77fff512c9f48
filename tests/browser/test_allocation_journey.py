"""The LĐ-TBXH officer edits allocations in a real Chromium: refused over the ceiling, then saved."""

import os

from playwright.sync_api import expect

from plans.models import OrgUnit, PlanItem
from tests.browser.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS


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
