"""Leadership signs the submitted plan in a real Chromium and downloads the frozen PDF."""

import hashlib

import pytest
from django.contrib.auth import get_user_model

from plans.lifecycle import plan_submit
from plans.models import Plan, SignedDocument
from tests.browser.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS


@pytest.fixture
def submitted_plan(demo_data):
    plan = Plan.objects.get(number=4159, year=2024)
    plan_submit(plan=plan, by=get_user_model().objects.get(username="ldtbxh"))
    return plan


def test_leader_signs_and_downloads_the_frozen_pdf(live_server, page, submitted_plan, tmp_path, log_in):
    log_in("lanhdao")
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
