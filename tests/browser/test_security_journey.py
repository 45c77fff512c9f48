"""Logins, step-up signing and the Content-Security-Policy in a real Chromium."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.db import SessionStore
from playwright.sync_api import expect

from lai_chau.security import AUTH_TIME_KEY
from plans.lifecycle import plan_submit
from plans.models import OrgUnit, Plan, PlanItem
from tests.browser.conftest import BROWSER_MARKS, DEMO_PASSWORD

pytestmark = BROWSER_MARKS

# Records every CSP violation the page reports, before any of the page's own scripts run.
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline"));
});
"""


def _submit_login(page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + "/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_wrong_passwords_lock_the_account_and_the_right_one_is_refused(live_server, page, demo_data):
    for _ in range(4):
        _submit_login(page, live_server, "lanhdao", "doan-sai")
        assert "/dang-nhap/" in page.url
    _submit_login(page, live_server, "lanhdao", "doan-sai")
    message = page.get_by_test_id("lockout").inner_text()
    assert "Đăng nhập tạm thời bị khoá vì nhập sai mật khẩu quá nhiều lần. Hãy thử lại sau 15 phút" in message

    _submit_login(page, live_server, "lanhdao", DEMO_PASSWORD)
    assert "Đăng nhập tạm thời bị khoá" in page.get_by_test_id("lockout").inner_text()
    page.goto(live_server.url + "/")
    assert "/dang-nhap/" in page.url  # still not logged in


def _age_the_login(page, minutes: int) -> None:
    """What a leader who logged in `minutes` ago and left the page open would have in their session."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "sessionid")
    session = SessionStore(session_key=cookie["value"])
    session[AUTH_TIME_KEY] = int(time.time()) - minutes * 60
    session.save()


@pytest.fixture
def submitted_plan(demo_data):
    plan = Plan.objects.get(number=4159, year=2024)
    plan_submit(plan=plan, by=get_user_model().objects.get(username="ldtbxh"))
    return plan


def test_an_old_login_gives_the_password_again_before_signing(live_server, page, submitted_plan, log_in):
    log_in("lanhdao")
    page.get_by_role("link", name="4159/KH-UBND").click()
    _age_the_login(page, minutes=10)

    page.get_by_role("button", name="Ký kế hoạch").click()
    step_up = page.get_by_test_id("step-up")
    assert "Bạn đang ký Kế hoạch số 4159/KH-UBND ngày 29/12/2023" in step_up.inner_text()
    assert Plan.objects.get(pk=submitted_plan.pk).status == Plan.Status.SUBMITTED

    page.get_by_label("Mật khẩu").fill("doan-sai")
    page.get_by_role("button", name="Xác nhận và ký").click()
    assert "Mật khẩu không đúng: kế hoạch chưa được ký." in page.get_by_test_id("step-up").inner_text()
    assert Plan.objects.get(pk=submitted_plan.pk).status == Plan.Status.SUBMITTED

    page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Xác nhận và ký").click()
    assert "Đã ký kế hoạch. Bản PDF đã được cố định." in page.locator(".messages").inner_text()
    assert Plan.objects.get(pk=submitted_plan.pk).status == Plan.Status.SIGNED


def _violations(page) -> list[str]:
    return page.evaluate("window.__cspViolations")


def test_admin_and_allocation_editor_scripts_run_under_the_csp(live_server, page, demo_data, log_in):
    console_errors = []
    page.on("console", lambda message: message.type == "error" and console_errors.append(message.text))
    page.add_init_script(WATCH_CSP)
    plan = Plan.objects.get(number=4159, year=2024)
    line_3_2 = PlanItem.objects.get(plan=plan, sub_project__code="3.2")

    log_in("admin")
    page.goto(f"{live_server.url}/quan-tri/plans/planitem/{line_3_2.pk}/change/")
    # SelectFilter2.js turned the target-group <select> into its two-box chooser, and inlines.js added "add another".
    assert page.locator(".selector-available").count() == 1
    assert page.locator(".add-row a").count() >= 1
    assert _violations(page) == []
    page.goto(f"{live_server.url}/quan-tri/plans/plan/{plan.pk}/change/")
    assert page.locator("#content-main form").count() == 1
    assert _violations(page) == []
    page.goto(f"{live_server.url}/quan-tri/budgets/allocation/")
    assert _violations(page) == []

    page.goto(f"{live_server.url}/ke-hoach/{plan.pk}/kinh-phi/phan-bo/")
    ldtbxh = OrgUnit.objects.get(code="city-ldtbxh")
    line_4_1 = PlanItem.objects.get(plan=plan, sub_project__code="4.1")
    page.locator(f"input[name='alloc_{line_4_1.pk}_{ldtbxh.pk}']").fill("600")
    page.locator(f"input[name='line_{line_4_1.pk}']").fill("600")
    expect(page.get_by_test_id("editor-total")).to_have_text("1.643")  # the editor's script recomputed it
    page.goto(f"{live_server.url}/ke-hoach/{plan.pk}/kinh-phi/")
    assert page.locator("meter.bar").count() >= 7
    assert _violations(page) == []
    assert [error for error in console_errors if "Content Security Policy" in error] == []
