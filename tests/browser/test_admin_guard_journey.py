"""The LĐ-TBXH officer in the admin, in a real Chromium: the money rules and the freeze hold there too."""

import os

from django.contrib.auth import get_user_model

from budgets.models import Allocation
from plans.lifecycle import plan_sign, plan_submit
from plans.models import Plan, PlanItem
from tests.browser.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS


def _shot(page, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_admin_refuses_an_allocation_over_its_line_then_a_signed_plan_is_read_only(
    live_server, page, demo_data, log_in
):
    line_2 = PlanItem.objects.get(project__code="2", sub_project=None)
    allocation = Allocation.objects.get(item=line_2)
    blocked = []  # the Content-Security-Policy's refusals, which would silently break a page
    page.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))
    log_in("ldtbxh")

    page.goto(f"{live_server.url}/quan-tri/budgets/allocation/{allocation.pk}/change/")
    page.locator("input[name='amount']").fill("999.000.000")
    page.locator("input[name='_save']").click()
    message = page.locator(".messagelist").inner_text()
    _shot(page, "admin-allocation-refused")
    assert "Chưa lưu: các thay đổi sẽ vi phạm quy tắc kinh phí." in message
    assert "vượt kinh phí của nội dung 530.000.000 đồng là 469.000.000 đồng" in message
    assert Allocation.objects.get(pk=allocation.pk).amount == 530_000_000

    users = get_user_model().objects
    plan = Plan.objects.get(pk=line_2.plan_id)
    plan_submit(plan=plan, by=users.get(username="ldtbxh"))
    plan_sign(plan=plan, by=users.get(username="lanhdao"))

    page.goto(f"{live_server.url}/quan-tri/budgets/allocation/{allocation.pk}/change/")
    _shot(page, "admin-allocation-signed")
    assert page.locator("input[name='amount']").count() == 0  # shown, not editable
    assert page.get_by_role("button", name="Lưu lại").count() == 0
    page.goto(f"{live_server.url}/quan-tri/budgets/allocation/add/")
    options = page.locator("select[name='item'] option").all_inner_texts()
    assert not any("Đa dạng hóa sinh kế" in option for option in options)  # no line of the signed plan to add under

    # The history of the allocation: who changed what, read-only, and nothing refused by the CSP on the way.
    page.goto(f"{live_server.url}/quan-tri/budgets/allocation/{allocation.pk}/history/")
    assert page.locator("#change-history tbody tr").count() >= 1
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "admin-history-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # the table scrolls in its own box
    assert page.get_by_role("button", name="Khôi phục").count() == 0
    assert blocked == []
