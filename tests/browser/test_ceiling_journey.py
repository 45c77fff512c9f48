"""Finance lowers the 2024 ceiling in a real Chromium (issue 8): from the navigation to the form, the amount read
back as typed, the warning naming the plan over it, then the plan page saying so at the top; at 390 px, nothing
scrolls sideways and the Content-Security-Policy refuses nothing."""

import os

from playwright.sync_api import expect

from budgets.models import Ceiling
from tests.browser.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def _shot(page, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def _fits(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_finance_lowers_the_ceiling_and_the_plan_says_it_is_over(live_server, page, demo_data, log_in):
    blocked = []
    page.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))
    page.set_viewport_size({"width": 390, "height": 844})
    log_in("taichinh")
    page.get_by_test_id("nav-ceilings").click()
    expect(page.get_by_test_id("ceilings")).to_contain_text("1.728.000.000")
    _shot(page, "ceilings-390")
    _fits(page)

    page.get_by_role("link", name="Sửa mức trần").click()
    box = page.locator("input[name='amount']")
    expect(box).to_have_value("1.728.000.000")  # shown in full đồng, unit "đồng"
    page.get_by_label("triệu đồng").check()
    box.fill("1.700")
    expect(page.locator("#id_amount_echo")).to_have_text("= 1.700.000.000 đồng")
    _shot(page, "ceiling-form-390")
    _fits(page)
    page.get_by_role("button", name="Lưu mức trần").click()

    warning = page.locator(".message.warning")
    expect(warning).to_contain_text("kế hoạch 4159/KH-UBND (dự thảo)")
    expect(warning).to_contain_text("vượt mức trần 28.000.000 đồng")
    expect(page.locator(".message.success")).to_contain_text("1.728.000.000 đồng → 1.700.000.000 đồng")
    assert Ceiling.objects.get(year=2024).amount == 1_700_000_000
    _shot(page, "ceiling-saved-390")
    _fits(page)

    page.get_by_role("link", name="4159/KH-UBND").first.click()
    banner = page.get_by_test_id("ceiling-banner")
    expect(banner).to_contain_text("vượt 28.000.000 đồng")
    _shot(page, "plan-over-ceiling-390")
    _fits(page)
    assert blocked == []
