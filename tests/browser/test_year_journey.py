"""A new plan year in a real Chromium: staff start 2025 from the signed 2024 plan, edit a line and the header, and read
the new text on the plan page; on a phone (390 px) no editor page scrolls sideways."""

import os
import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect

from plans.lifecycle import plan_sign, plan_submit
from plans.models import Plan
from tests.browser.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS

NEW_OBJECTIVE = "Cải thiện dinh dưỡng cho trẻ em dưới 16 tuổi thuộc hộ nghèo trên địa bàn thành phố năm 2025."
NEW_SUMMARY = "Thực hiện Chương trình mục tiêu quốc gia giảm nghèo bền vững trên địa bàn thành phố năm 2025"


def _shot(page, name: str) -> None:
    if os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=os.path.join(os.environ["SCREENSHOT_DIR"], f"{name}.png"), full_page=True)


def _sign_the_2024_plan() -> Plan:
    users = get_user_model().objects
    seed = Plan.objects.get(number=4159, year=2024)
    plan_submit(plan=seed, by=users.get(username="ldtbxh"))
    plan_sign(plan=seed, by=users.get(username="lanhdao"))
    return seed


def test_staff_start_2025_from_the_2024_plan_and_edit_it_in_the_browser(live_server, page, demo_data, log_in):
    _sign_the_2024_plan()
    log_in("ldtbxh")
    page.get_by_role("link", name="Lập kế hoạch năm mới").click()
    page.wait_for_url(re.compile(r"/ke-hoach/nam-moi/$"))
    expect(page.get_by_label("Năm kế hoạch")).to_have_value("2025")
    expect(page.get_by_role("radio", name="Kế hoạch năm 2024: 4159/KH-UBND")).to_be_checked()
    page.get_by_label("Số, ký hiệu").fill("512/KH-UBND")
    page.get_by_label("Ngày ban hành").fill("20/12/2024")
    _shot(page, "year-start")
    page.get_by_role("button", name="Tạo dự thảo").click()

    page.wait_for_url(re.compile(r"/ke-hoach/\d+/$"))
    plan = Plan.objects.get(year=2025)
    assert "Đã lập Kế hoạch 512/KH-UBND năm 2025 từ kế hoạch 4159/KH-UBND" in page.locator(".messages").inner_text()
    assert "Văn bản nhắc đến một năm khác năm 2025: cần kiểm tra." in page.get_by_test_id("year-mentions").inner_text()
    assert page.locator(".doc-number").inner_text() == "Số: 512/KH-UBND"

    # A line: its objective, through the "Sửa" link at the line.
    page.get_by_role("link", name="Sửa – 3.2").click()
    page.get_by_label("Mục tiêu", exact=True).fill(NEW_OBJECTIVE)
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_url(re.compile(r"/ke-hoach/\d+/#dong-3\.2$"))
    assert "Đã lưu: nội dung 3.2." in page.locator(".messages").inner_text()
    expect(page.locator("#dong-3\\.2")).to_contain_text(NEW_OBJECTIVE)

    # The header: its summary line, which named 2024.
    page.get_by_role("link", name="Sửa – Phần đầu văn bản").click()
    page.get_by_label("Trích yếu").fill(NEW_SUMMARY)
    page.get_by_role("button", name="Lưu", exact=True).click()
    page.wait_for_url(re.compile(r"#dau-van-ban$"))
    expect(page.locator(".doc-summary")).to_have_text(NEW_SUMMARY)
    assert "Trích yếu" not in page.get_by_test_id("year-mentions").inner_text()
    _shot(page, "year-draft")
    assert Plan.objects.get(pk=plan.pk).summary == NEW_SUMMARY


def test_no_editor_page_scrolls_sideways_on_a_phone(live_server, page, demo_data, log_in):
    seed = Plan.objects.get(number=4159, year=2024)  # a draft as loaded
    line = seed.items.get(sub_project__code="3.2")
    log_in("ldtbxh")
    page.set_viewport_size({"width": 390, "height": 844})
    pages = [
        "/ke-hoach/nam-moi/",
        f"/ke-hoach/{seed.pk}/",
        f"/ke-hoach/{seed.pk}/sua/thong-tin-chung/",
        f"/ke-hoach/{seed.pk}/sua/muc-dich-yeu-cau/",
        f"/ke-hoach/{seed.pk}/sua/chu-ky/",
        f"/ke-hoach/{seed.pk}/sua/can-cu/",
        f"/ke-hoach/{seed.pk}/sua/to-chuc-thuc-hien/",
        f"/ke-hoach/{seed.pk}/sua/noi-dung/",
        f"/ke-hoach/{seed.pk}/sua/noi-dung/them/",
        f"/ke-hoach/{seed.pk}/sua/noi-dung/{line.pk}/",
        f"/ke-hoach/{seed.pk}/sua/noi-dung/{line.pk}/xoa/",
    ]
    for path in pages:
        page.goto(live_server.url + path)
        assert page.locator("main h1").count() == 1, path
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
    _shot(page, "line-editor-390")
