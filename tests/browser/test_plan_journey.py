"""The main journey in a real Chromium: the LĐ-TBXH officer logs in and reads the 2024 plan."""

import os
import re

from tests.browser.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def test_staff_officer_logs_in_and_reads_the_plan_total(live_server, page, demo_data):
    page.goto(live_server.url + "/")
    assert "/dang-nhap/" in page.url
    page.get_by_label("Tên đăng nhập").fill("ldtbxh")
    page.get_by_label("Mật khẩu").fill("laichau2024")
    page.get_by_role("button", name="Đăng nhập").click()

    page.get_by_role("link", name="4159/KH-UBND").click()
    page.wait_for_url(re.compile(r"/ke-hoach/\d+/$"))
    assert page.get_by_role("heading", name="KẾ HOẠCH", exact=True).is_visible()
    assert page.get_by_test_id("plan-total").inner_text() == "1.728"
    assert "Một tỷ bảy trăm hai mươi tám triệu đồng" in page.inner_text(".in-words")
    assert "Vừa đúng mức trần" in page.inner_text(".budget-table")
    assert page.locator(".signer").inner_text() == "Trần Đình Tiến"
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "plan-desktop.png"), full_page=True)
        page.set_viewport_size({"width": 390, "height": 844})
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], "plan-phone.png"), full_page=False)
