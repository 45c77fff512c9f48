"""Leadership signs the submitted plan in a real Chromium and downloads the frozen PDF."""

import hashlib
import os
import shutil

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from plans.lifecycle import plan_submit
from plans.models import Plan, SignedDocument

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")) and not os.environ.get("REQUIRE_BROWSER"),
        reason="Chromium is not installed (apt-get install chromium); .ci/run installs it and sets REQUIRE_BROWSER",
    ),
]


@pytest.fixture
def submitted_plan(transactional_db, settings):
    settings.DEBUG = True  # setup_demo creates demo accounts only in a DEBUG setup
    call_command("setup_demo", verbosity=0)
    settings.DEBUG = False
    plan = Plan.objects.get(number=4159, year=2024)
    plan_submit(plan=plan, by=get_user_model().objects.get(username="ldtbxh"))
    return plan


def test_leader_signs_and_downloads_the_frozen_pdf(live_server, page, submitted_plan, tmp_path):
    page.goto(live_server.url + "/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("lanhdao")
    page.get_by_label("Mật khẩu").fill("laichau2024")
    page.get_by_role("button", name="Đăng nhập").click()
    page.get_by_role("link", name="4159/KH-UBND").click()
    assert "đã trình" in page.locator(".plan-meta").inner_text()

    page.get_by_role("button", name="Ký kế hoạch").click()
    assert "Đã ký kế hoạch. Bản PDF đã được cố định." in page.locator(".messages").inner_text()
    stored = SignedDocument.objects.get(plan=submitted_plan)
    assert stored.sha256 in page.get_by_test_id("signed-info").inner_text()

    with page.expect_download() as download_info:
        page.get_by_test_id("pdf-download").click()
    download = download_info.value
    assert download.suggested_filename == "Ke-hoach-4159-KH-UBND-2024.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    assert hashlib.sha256(target.read_bytes()).hexdigest() == stored.sha256
