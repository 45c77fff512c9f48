"""The planning year end to end in a real Chromium, each step by the role that owns it (issue 8):
staff start the 2025 plan from the signed 2024 plan and edit a line's text and amounts, finance records the 2025
ceiling, staff submit, leadership signs, and the signed PDF carries the new text and nothing empty."""

import hashlib
import io
import re

from django.contrib.auth import get_user_model
from playwright.sync_api import expect
from pypdf import PdfReader

from budgets.models import LineFunding
from plans.lifecycle import plan_sign, plan_submit
from plans.models import Plan, SignedDocument
from tests.browser.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS

NEW_OBJECTIVE = "Cải thiện tình trạng dinh dưỡng của trẻ em thuộc hộ nghèo, hộ cận nghèo năm 2025."


def _sign_the_2024_plan() -> None:
    users = get_user_model().objects
    seed = Plan.objects.get(number=4159, year=2024)
    plan_submit(plan=seed, by=users.get(username="ldtbxh"))
    plan_sign(plan=seed, by=users.get(username="lanhdao"))


def _log_out(page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()


def test_the_2025_plan_from_2024_to_a_signed_pdf(live_server, page, demo_data, log_in):
    _sign_the_2024_plan()

    # Staff: a new year from the plan in force.
    log_in("ldtbxh")
    page.get_by_role("link", name="Lập kế hoạch năm mới").click()
    page.get_by_label("Số, ký hiệu").fill("512/KH-UBND")
    page.get_by_label("Ngày ban hành").fill("20/12/2024")
    page.get_by_role("button", name="Tạo dự thảo").click()
    page.wait_for_url(re.compile(r"/ke-hoach/\d+/$"))
    plan = Plan.objects.get(year=2025)
    assert plan.document_number == "512/KH-UBND" and plan.issued_on.isoformat() == "2024-12-20"

    # A line's text.
    page.get_by_role("link", name="Sửa – 3.2").click()
    page.get_by_label("Mục tiêu", exact=True).fill(NEW_OBJECTIVE)
    page.get_by_role("button", name="Lưu", exact=True).click()
    expect(page.locator("#dong-3\\.2")).to_contain_text(NEW_OBJECTIVE)

    # Amounts: the copy cleared them; every line gets money again, in triệu đồng, echoed in full đồng as typed.
    line_2 = plan.items.get(project__code="2", sub_project=None)
    line_3_2 = plan.items.get(sub_project__code="3.2")
    sung_phai = line_2.implementing_units.get().unit
    page.goto(live_server.url + f"/ke-hoach/{plan.pk}/kinh-phi/phan-bo/")
    page.locator(f"input[name='line_{line_2.pk}']").fill("600")
    page.locator(f"input[name='alloc_{line_2.pk}_{sung_phai.pk}']").fill("600")
    amount_3_2 = page.locator(f"input[name='line_{line_3_2.pk}']")
    amount_3_2.fill("400,5")
    echo = page.locator("#" + amount_3_2.get_attribute("aria-describedby").split()[0])
    expect(echo).to_have_text("= 400.500.000 đồng")
    others = {"4.1": "100", "4.3": "81", "6.2": "17", "7.1": "51", "7.2": "22"}
    for line in plan.items.filter(sub_project__code__in=others).select_related("sub_project"):
        page.locator(f"input[name='line_{line.pk}']").fill(others[line.code])
    page.get_by_role("button", name="Lưu tất cả thay đổi").click()
    page.wait_for_url(re.compile(r"/kinh-phi/"))
    amounts = sorted(LineFunding.objects.filter(item__plan=plan).values_list("amount", flat=True))
    millions = [17, 22, 51, 81, 100, 400.5, 600]
    assert amounts == [int(m * 1_000_000) for m in millions]

    # Without a 2025 ceiling the plan cannot go to signing, and the page says why.
    page.goto(live_server.url + plan.get_absolute_url())
    expect(page.get_by_role("button", name="Trình ký")).to_be_disabled()
    _log_out(page)

    # Finance: the 2025 ceiling, notified by a document typed in the same form.
    log_in("taichinh")
    page.goto(live_server.url + "/tran-kinh-phi/?nam=2025")
    page.get_by_role("link", name="Ghi mức trần").click()
    page.get_by_label("Năm kế hoạch").fill("2025")
    page.get_by_label("Nguồn vốn").select_option(label="Ngân sách Trung ương - vốn sự nghiệp")
    page.get_by_label("Mức trần").fill("1.500")
    page.get_by_label("Loại văn bản").fill("Công văn")
    page.get_by_label("Số và ký hiệu văn bản").fill("4821/UBND-TH")
    page.get_by_label("Ngày ban hành").fill("16/12/2024")
    page.get_by_role("button", name="Lưu mức trần").click()
    page.wait_for_url(re.compile(r"/tran-kinh-phi/\?nam=2025$"))
    expect(page.locator(".messages")).to_contain_text("1.500.000.000 đồng")
    _log_out(page)

    # Staff submit; leadership signs.
    log_in("ldtbxh")
    page.goto(live_server.url + plan.get_absolute_url())
    page.get_by_role("button", name="Trình ký").click()
    expect(page.locator(".messages")).to_contain_text("Đã trình ký kế hoạch")
    _log_out(page)
    log_in("lanhdao")
    page.goto(live_server.url + plan.get_absolute_url())
    page.get_by_role("button", name="Ký kế hoạch").click()
    expect(page.locator(".messages")).to_contain_text("Đã ký kế hoạch")

    with page.expect_download() as download:
        page.get_by_test_id("pdf-download").click()
    pdf = download.value.path().read_bytes()
    stored = SignedDocument.objects.get(plan=plan)
    assert hashlib.sha256(pdf).hexdigest() == stored.sha256

    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = re.sub(r"\s+", " ", text)
    assert "Số: 512/KH-UBND" in text
    assert NEW_OBJECTIVE in text
    assert "1.271,5 triệu đồng" in text  # the plan's total
    assert "DỰ THẢO" not in text
    # Nothing empty: no zero-money lines, recipients under "Nơi nhận:", the signer named.
    assert " 0 triệu đồng" not in text
    recipients = text.split("Nơi nhận:", 1)[1]
    assert recipients.lstrip().startswith("-")
    assert "Trần Đình Tiến" in text
