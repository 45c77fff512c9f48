"""Vietnamese in and out in a real Chromium (issue 8): the admin shows dates dd/mm/yyyy and amounts in Vietnamese
notation, every amount box echoes what it reads as the user types, and saving without retyping changes nothing."""

import datetime
import os

from django import forms
from playwright.sync_api import expect

from budgets.models import Allocation, FundingSource, LineFunding
from lai_chau.fields import AmountFormField, AmountInput
from lai_chau.money import MILLION
from plans.models import OrgUnit, Plan, PlanItem
from tests.browser.conftest import BROWSER_MARKS

pytestmark = BROWSER_MARKS

# Typed texts on which the script's reading must agree with the server's (lai_chau.money.parse_amount).
PARITY_VECTORS = [
    "12,345",
    "1.728",
    "1.728.000.000",
    "1728000000",
    "0",
    "0,000001",
    "0,0000001",
    "0,999999999999999999999999999999",
    "12,5",
    "12,5 triệu",
    "1.728.000.000 đồng",
    "530.000.000 đ",
    "1.000 ĐỒNG",
    "5 VND",
    "7₫",
    " 1 234 ",
    "1\u00a0234",
    "1\u202f234",
    "1,728,000",
    "1.5",
    "1.72.000",
    "-5",
    "- 5",
    "abc",
    "1e9",
    "１２３",
    "١٢",
    "12,٥",
    "99999999999999999999",
    "1.000.000.000.000.000",
    "1.000.000.000.000.001",
    "1" * 70,
    ",5",
    "5,",
    "đồng",
    "",
]


def _shot(page, name: str) -> None:
    if folder := os.environ.get("SCREENSHOT_DIR"):
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def _watch_csp(page) -> list:
    blocked = []
    page.on("console", lambda message: "Content Security Policy" in message.text and blocked.append(message.text))
    return blocked


def test_admin_dates_read_day_first_and_survive_a_save_without_retyping(live_server, page, demo_data, log_in):
    plan = Plan.objects.get(number=4159, year=2024)
    blocked = _watch_csp(page)
    log_in("ldtbxh")
    page.goto(f"{live_server.url}/quan-tri/plans/plan/{plan.pk}/change/")
    date_box = page.locator("input[name='issued_on']")
    assert date_box.input_value() == "29/12/2023"
    assert page.locator("input[name='number']").input_value() == "4159/KH-UBND"
    _shot(page, "admin-plan-vietnamese")

    # Saved untouched: the date and the number stay what they were.
    page.locator("input[name='_continue']").click()
    expect(page.locator(".messagelist")).to_contain_text("thành công")
    plan.refresh_from_db()
    assert plan.issued_on == datetime.date(2023, 12, 29) and plan.document_number == "4159/KH-UBND"

    # The calendar opens on the month the box holds and writes the day it is given as dd/mm/yyyy.
    page.locator("input[name='issued_on'] ~ span .date-icon, #calendarlink0").first.click()
    calendar = page.locator("#calendarbox0")
    expect(calendar).to_be_visible()
    expect(calendar.locator("caption")).to_contain_text("2023")
    calendar.locator("td a", has_text="1").first.click()
    assert date_box.input_value() == "01/12/2023"
    page.locator("input[name='_continue']").click()
    expect(page.locator(".messagelist")).to_contain_text("thành công")
    plan.refresh_from_db()
    assert plan.issued_on == datetime.date(2023, 12, 1)  # the first of December, not 12 January
    assert page.locator("input[name='issued_on']").input_value() == "01/12/2023"
    assert blocked == []


def test_admin_amounts_show_their_value_echo_as_typed_and_survive_a_save(live_server, page, demo_data, log_in):
    line_2 = PlanItem.objects.get(project__code="2", sub_project=None)
    allocation = Allocation.objects.get(item=line_2)
    funding = LineFunding.objects.get(item=line_2)
    blocked = _watch_csp(page)
    log_in("ldtbxh")

    # A line's money is what it draws on each source: on the line's page, the boxes of its fundings inline.
    for url, model, pk, name in [
        (f"/quan-tri/budgets/allocation/{allocation.pk}/change/", Allocation, allocation.pk, "amount"),
        (f"/quan-tri/budgets/linefunding/{funding.pk}/change/", LineFunding, funding.pk, "amount"),
        (f"/quan-tri/plans/planitem/{line_2.pk}/change/", PlanItem, line_2.pk, "fundings-0-amount"),
    ]:
        page.goto(live_server.url + url)
        box = page.locator(f"input[name='{name}']")
        echo = page.locator(f"#id_{name}_echo")
        assert box.input_value() == "530.000.000"
        expect(echo).to_have_text("= 530.000.000 đồng")
        assert echo.get_attribute("aria-live") == "polite"
        assert f"id_{name}_echo" in box.get_attribute("aria-describedby").split()

        box.fill("530.000.000,5")
        expect(echo).to_have_text("Số tiền không được lẻ dưới 1 đồng")
        box.fill("1,728,000")
        expect(echo).to_have_text("Chưa phải số tiền: viết như 1.234.567 hoặc 12,5")
        box.fill("530000000")
        expect(echo).to_have_text("= 530.000.000 đồng")
        box.fill("530.000.000")
        _shot(page, f"admin-{model.__name__.lower()}-echo")

        page.locator("input[name='_continue']").click()
        expect(page.locator(".messagelist")).to_contain_text("thành công")
        assert model.objects.get(pk=pk).amount == 530_000_000
        assert page.locator(f"input[name='{name}']").input_value() == "530.000.000"
        expect(page.locator(f"#id_{name}_echo")).to_have_text("= 530.000.000 đồng")

    # A row added to an inline echoes too, and its box names its own echo (the admin renumbers the copy).
    page.locator("#allocations-group .add-row a").click()
    new_box = page.locator("input[name='allocations-1-amount']")
    new_box.fill("1.500.000")
    expect(page.locator("#id_allocations-1-amount_echo")).to_have_text("= 1.500.000 đồng")
    assert "id_allocations-1-amount_echo" in new_box.get_attribute("aria-describedby").split()
    assert blocked == []


def test_a_second_funding_source_is_added_on_the_line_page_and_survives_a_save_without_retyping(
    live_server, page, demo_data, log_in
):
    """Issue 8: a line funded from two sources, in the admin's line page: each source's box shows its amount in
    Vietnamese notation, and saving the page again untouched keeps both."""
    line_2 = PlanItem.objects.get(project__code="2", sub_project=None)
    investment = FundingSource.objects.get(code="nstw-dau-tu")
    blocked = _watch_csp(page)
    log_in("ldtbxh")
    page.goto(f"{live_server.url}/quan-tri/plans/planitem/{line_2.pk}/change/")
    page.locator("#fundings-group .add-row a").click()
    page.locator("select[name='fundings-1-source']").select_option(str(investment.pk))
    box = page.locator("input[name='fundings-1-amount']")
    box.fill("0,5")
    expect(page.locator("#id_fundings-1-amount_echo")).to_have_text("Số tiền không được lẻ dưới 1 đồng")
    box.fill("120.000.000")
    expect(page.locator("#id_fundings-1-amount_echo")).to_have_text("= 120.000.000 đồng")
    page.locator("input[name='_continue']").click()
    expect(page.locator(".messagelist")).to_contain_text("thành công")
    assert sorted(LineFunding.objects.filter(item=line_2).values_list("source__code", "amount")) == [
        ("nstw-dau-tu", 120_000_000),
        ("nstw-su-nghiep", 530_000_000),
    ]
    _shot(page, "admin-line-two-sources")

    # The page shows both as typed in Vietnamese notation; saved again without retyping, nothing changes.
    values = sorted(
        page.locator("#fundings-group tr.has_original input.amount").evaluate_all("boxes => boxes.map(b => b.value)")
    )
    assert values == ["120.000.000", "530.000.000"]
    history = LineFunding.history.filter(item_id=line_2.pk).count()
    page.locator("input[name='_continue']").click()
    expect(page.locator(".messagelist")).to_contain_text("thành công")
    assert sorted(LineFunding.objects.filter(item=line_2).values_list("source__code", "amount")) == [
        ("nstw-dau-tu", 120_000_000),
        ("nstw-su-nghiep", 530_000_000),
    ]
    assert LineFunding.history.filter(item_id=line_2.pk).count() == history  # not even rewritten
    listing = page.goto(f"{live_server.url}/quan-tri/plans/planitem/?q=Đa+dạng")
    assert listing.ok
    expect(page.locator("#result_list")).to_contain_text("650.000.000 đồng")
    expect(page.locator("#result_list")).to_contain_text("Ngân sách Trung ương - vốn đầu tư: 120.000.000 đồng")
    assert blocked == []


def test_the_editor_echoes_million_dong_in_full_and_reads_as_the_server_does(live_server, page, demo_data, log_in):
    line_7_2 = PlanItem.objects.get(sub_project__code="7.2")
    ldtbxh = OrgUnit.objects.get(code="city-ldtbxh")
    blocked = _watch_csp(page)
    log_in("ldtbxh")
    page.goto(f"{live_server.url}/ke-hoach/{line_7_2.plan_id}/kinh-phi/phan-bo/")
    name = f"alloc_{line_7_2.pk}_{ldtbxh.pk}"
    box = page.locator(f"input[name='{name}']")
    echo = page.locator(f"#id_{name}_echo")
    assert box.input_value() == "22"
    expect(echo).to_have_text("= 22.000.000 đồng")

    box.fill("12,345")
    expect(echo).to_have_text("= 12.345.000 đồng")
    page.set_viewport_size({"width": 390, "height": 844})
    _shot(page, "editor-echo-390")
    # At 390 px the echoes make the page no wider than it is without them.
    width = page.evaluate("document.documentElement.scrollWidth")
    page.evaluate("document.querySelectorAll('.amount-echo').forEach(e => e.hidden = true)")
    assert width == page.evaluate("document.documentElement.scrollWidth")
    page.evaluate("document.querySelectorAll('.amount-echo').forEach(e => e.hidden = false)")

    server = AmountInput(unit=MILLION)
    for typed in PARITY_VECTORS:
        box.fill("7")  # between vectors: a reading none of them has, so each check sees a fresh echo
        expect(echo).to_have_text("= 7.000.000 đồng")
        box.fill(typed)
        expected = server.echo(typed)
        expect(echo, f"typed {typed!r}: the server reads {expected!r}").to_have_text(expected, timeout=2000)
    assert blocked == []


def test_a_refused_editor_post_echoes_what_was_typed_without_javascript(browser, live_server, demo_data):
    """Without JavaScript, the page shown again after a refused save says what each typed figure was read as."""
    line_7_2 = PlanItem.objects.get(sub_project__code="7.2")
    ldtbxh = OrgUnit.objects.get(code="city-ldtbxh")
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(live_server.url + "/dang-nhap/")
    page.get_by_label("Tên đăng nhập").fill("ldtbxh")
    page.get_by_label("Mật khẩu").fill("laichau2024")
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(f"{live_server.url}/ke-hoach/{line_7_2.plan_id}/kinh-phi/phan-bo/")
    name = f"alloc_{line_7_2.pk}_{ldtbxh.pk}"
    page.locator(f"input[name='{name}']").fill("12,5x")
    page.locator(f"input[name='line_{line_7_2.pk}']").fill("12,345")
    page.get_by_role("button", name="Lưu tất cả thay đổi").click()
    expect(page.locator(f"#id_{name}_echo")).to_have_text("Chưa phải số tiền: viết như 1.234.567 hoặc 12,5")
    expect(page.locator(f"#id_line_{line_7_2.pk}_echo")).to_have_text("= 12.345.000 đồng")
    assert PlanItem.objects.get(pk=line_7_2.pk).amount == 22 * MILLION
    context.close()


class _UnitChoiceForm(forms.Form):
    amount = AmountFormField(unit=MILLION)
    amount_unit = forms.ChoiceField(choices=[("trieu", "triệu đồng"), ("dong", "đồng")], widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount"].unit_follows(self.add_prefix("amount_unit"), {"trieu": MILLION, "dong": 1})


def test_the_echo_follows_a_unit_chosen_next_to_the_box(live_server, page, db):
    """A form whose unit is chosen next to the box (AmountFormField.unit_follows): the echo reads in that unit."""
    form = _UnitChoiceForm(initial={"amount_unit": "trieu"})
    page.set_content(f'<form>{form.as_div()}</form><script src="{live_server.url}/static/js/amount_echo.js"></script>')
    page.locator("input[name='amount']").fill("1.728")
    expect(page.locator("#id_amount_echo")).to_have_text("= 1.728.000.000 đồng")
    page.get_by_label("đồng", exact=True).check()
    expect(page.locator("#id_amount_echo")).to_have_text("= 1.728 đồng")
    page.get_by_label("triệu đồng").check()
    expect(page.locator("#id_amount_echo")).to_have_text("= 1.728.000.000 đồng")
