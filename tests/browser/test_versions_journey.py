"""Versions in a real Chromium at a phone's width: the comparison of an amendment, the checklist of a draft and the
discard confirmation read without sideways scrolling at 390 px."""

import datetime
import os

from django.contrib.auth import get_user_model

from budgets.models import Allocation
from budgets.services import BudgetEdit, budget_apply
from plans.lifecycle import plan_amend, plan_sign, plan_submit
from plans.models import Plan
from tests.browser.conftest import BROWSER_MARKS
from tests.factories import only_source

pytestmark = BROWSER_MARKS


def _shot(page, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def test_the_comparison_and_the_draft_pages_fit_a_phone(live_server, page, demo_data, log_in):
    users = get_user_model().objects
    staff, leader = users.get(username="ldtbxh"), users.get(username="lanhdao")
    seed = Plan.objects.get(number=4159, year=2024)
    line = seed.items.get(sub_project__code="3.2")
    units = [iu.unit for iu in line.implementing_units.select_related("unit")]
    source = only_source(line)
    edit = BudgetEdit(allocations={(line.pk, unit.pk, source): 171_000_000 for unit in units})
    budget_apply(plan=seed, edit=edit, by=staff, reason="editor")
    plan_submit(plan=seed, by=staff)
    plan_sign(plan=seed, by=leader)
    amendment = plan_amend(plan=seed, by=staff, number=1520, issued_on=datetime.date(2024, 6, 20))
    moved = amendment.items.get(sub_project__code="3.2")
    budget_apply(
        plan=amendment,
        edit=BudgetEdit(
            allocations={(moved.pk, units[0].pk, source): 271_000_000, (moved.pk, units[1].pk, source): 71_000_000}
        ),
        by=staff,
        reason="editor",
    )
    long_word = "Chương-trình-mục-tiêu-quốc-gia-giảm-nghèo-bền-vững-giai-đoạn-2021-2025-thành-phố-Lai-Châu"
    Plan.objects.filter(pk=amendment.pk).update(summary=f"{amendment.summary} {long_word}", signer_name="")
    assert Allocation.objects.filter(item=moved).count() == 2

    log_in("ldtbxh")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/ke-hoach/{amendment.pk}/so-sanh/")
    text = page.inner_text("main")
    assert "171 → 271 (+100)" in text and "171 → 71 (-100)" in text
    _shot(page, "compare-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.goto(f"{live_server.url}/ke-hoach/{amendment.pk}/")
    assert "Chưa có họ tên người ký." in page.get_by_test_id("checklist").inner_text()
    assert page.get_by_role("button", name="Trình ký").is_disabled()
    _shot(page, "draft-checklist-390")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.get_by_role("link", name="Huỷ dự thảo này").click()
    assert "Số nội dung" in page.get_by_test_id("discard-confirm").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.get_by_role("button", name="Đồng ý, huỷ dự thảo").click()
    assert "Đã huỷ dự thảo Kế hoạch số 1520/KH-UBND" in page.locator(".messages").inner_text()
    assert not Plan.objects.filter(pk=amendment.pk).exists()
