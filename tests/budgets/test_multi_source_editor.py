"""The allocation editor, the budget report and the history with a line drawing on several funding sources (issue 8,
design.md §13): amounts and allocations per source, a source added or removed, the rules per source; and a plan on one
source reading exactly as before."""

import pytest
from django.urls import reverse
from django.utils.translation import gettext

from budgets.forms import ADD_AMOUNT_WITHOUT_SOURCE, ADD_SOURCE_WITHOUT_AMOUNT, LAST_SOURCE_REMOVED
from budgets.history import plan_budget_history
from budgets.models import Allocation, FundingSource, LineFunding
from budgets.services import BudgetEdit, budget_apply
from plans.models import OrgUnit, PlanItem
from tests.adminforms import posted
from tests.budgets.workbooks import snapshot
from tests.factories import cover_with_ceiling, nstw
from tests.pagetext import visible_text

INVESTMENT = "Ngân sách Trung ương - vốn đầu tư"
RECURRENT = "Ngân sách Trung ương - vốn sự nghiệp"


def _url(name, plan) -> str:
    return reverse(f"budgets:{name}", args=[plan.pk])


@pytest.fixture
def investment(seed):
    """NSTW đầu tư, with a ceiling of 150 triệu for the seed plan's issuer and year."""
    source = FundingSource.objects.get(code="nstw-dau-tu")
    cover_with_ceiling(seed, source, 150_000_000)
    return source


@pytest.fixture
def units():
    return OrgUnit.objects.get(code="city-vp-hdnd-ubnd"), OrgUnit.objects.get(code="city-ttyt")


@pytest.fixture
def line_3_2(seed, investment, units):
    """Line 3.2 draws 342 triệu on NSTW sự nghiệp (not split yet) and 100 triệu on NSTW đầu tư, of which the health
    centre has 60 triệu."""
    item = PlanItem.objects.get(plan=seed, sub_project__code="3.2")
    LineFunding.objects.create(item=item, source=investment, amount=100_000_000)
    Allocation.objects.create(item=item, unit=units[1], source=investment, amount=60_000_000)
    return item


@pytest.fixture
def editor(client, staff_user, seed, line_3_2):
    """Return the editor's form as the page shows it to a logged-in staff user."""
    client.force_login(staff_user)
    return client.get(_url("allocation_edit", seed)).context["form"]


def _funding(item, source) -> int | None:
    row = LineFunding.objects.filter(item=item, source=source).first()
    return None if row is None else row.amount


def _allocations(item) -> dict[tuple[str, str], int]:
    return {
        (unit, source): amount
        for unit, source, amount in Allocation.objects.filter(item=item).values_list(
            "unit__code", "source__code", "amount"
        )
    }


def _refused(client, seed, data) -> str:
    """Post `data`, check that nothing was saved and the form came back; return the page's text."""
    before, history = snapshot(seed), plan_budget_history(seed)
    response = client.post(_url("allocation_edit", seed), data)
    assert response.status_code == 200
    assert snapshot(seed) == before and plan_budget_history(seed) == history
    return visible_text(response.content)


def test_the_page_shows_each_source_of_the_line_with_labelled_inputs(client, seed, editor, line_3_2, investment, units):
    html = client.get(_url("allocation_edit", seed)).content.decode()
    text = visible_text(html)
    assert f"Nguồn vốn: {RECURRENT}" in text and f"Nguồn vốn: {INVESTMENT}" in text
    line_input = f"line_{line_3_2.pk}_{investment.pk}"
    assert (
        f'<label class="visually-hidden" for="id_{line_input}">Kinh phí nội dung 3.2 từ nguồn {INVESTMENT}</label>'
        in html
    )
    assert f'name="{line_input}" value="100"' in html and 'type="number"' not in html
    health = f"alloc_{line_3_2.pk}_{units[1].pk}_{investment.pk}"
    assert (
        f'<label for="id_{health}">Trung tâm Y tế thành phố<span class="visually-hidden"> – nội dung 3.2, nguồn '
        f"{INVESTMENT}</span></label>" in html
    )
    assert f'name="{health}" value="60"' in html
    assert f"Bỏ nguồn {INVESTMENT} khỏi nội dung 3.2" in text
    assert "Bỏ nguồn vốn thì các khoản phân bổ cho đơn vị từ nguồn vốn đó cũng bị xoá." in text
    # The single-source line 7.2 keeps its inputs and says which source it draws on.
    line_7_2 = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    assert f'name="line_{line_7_2.pk}" value="22"' in html


def test_amounts_per_source_and_a_units_allocation_from_the_second_source_are_saved(
    client, seed, editor, line_3_2, investment, units
):
    office, health = units
    data = posted(
        editor,
        **{
            f"line_{line_3_2.pk}_{nstw().pk}": "300",
            f"line_{line_3_2.pk}_{investment.pk}": "120",
            f"alloc_{line_3_2.pk}_{office.pk}_{investment.pk}": "40",
            f"alloc_{line_3_2.pk}_{health.pk}_{investment.pk}": "80",
            f"alloc_{line_3_2.pk}_{health.pk}_{nstw().pk}": "300",
        },
    )
    response = client.post(_url("allocation_edit", seed), data, follow=True)
    assert "Đã lưu: 5 thay đổi." in visible_text(response.content)
    assert _funding(line_3_2, nstw()) == 300_000_000 and _funding(line_3_2, investment) == 120_000_000
    assert _allocations(line_3_2) == {
        ("city-vp-hdnd-ubnd", "nstw-dau-tu"): 40_000_000,
        ("city-ttyt", "nstw-dau-tu"): 80_000_000,
        ("city-ttyt", "nstw-su-nghiep"): 300_000_000,
    }
    history = visible_text(client.get(_url("budget_history", seed) + "?dong=3.2").content)
    assert f"phân bổ (thêm) 3.2 Văn phòng HĐND-UBND thành phố {INVESTMENT} 40.000.000" in history
    assert f"kinh phí nội dung 3.2 {INVESTMENT} 100.000.000 120.000.000" in history


def test_a_source_is_added_to_a_single_source_line(client, seed, editor, investment):
    line_7_2 = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    data = posted(editor, **{f"add_source_{line_7_2.pk}": str(investment.pk), f"add_source_amount_{line_7_2.pk}": "5"})
    assert client.post(_url("allocation_edit", seed), data).status_code == 302
    assert _funding(line_7_2, nstw()) == 22_000_000 and _funding(line_7_2, investment) == 5_000_000
    # The line now draws on two sources: the editor shows both, with the unit's allocation from each.
    html = client.get(_url("allocation_edit", seed)).content.decode()
    ldtbxh = OrgUnit.objects.get(code="city-ldtbxh")
    assert f'name="line_{line_7_2.pk}_{investment.pk}" value="5"' in html
    assert f'name="alloc_{line_7_2.pk}_{ldtbxh.pk}_{nstw().pk}" value="22"' in html


def test_the_add_source_amount_echoes_full_dong_and_is_never_a_number_input(client, seed, editor, investment):
    line_7_2 = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    data = posted(
        editor, **{f"add_source_{line_7_2.pk}": str(investment.pk), f"add_source_amount_{line_7_2.pk}": "500"}
    )
    text = _refused(client, seed, data)  # 500 triệu is over the 150 triệu ceiling of NSTW đầu tư
    assert "vượt mức trần 150.000.000 đồng là 450.000.000 đồng" in text  # 100 + 500 − 150, per source
    assert "= 500.000.000 đồng" in text  # what the kept entry is read as


def test_removing_a_source_removes_its_allocations(client, seed, editor, line_3_2, investment):
    data = posted(editor, **{f"drop_{line_3_2.pk}_{investment.pk}": "on"})
    assert client.post(_url("allocation_edit", seed), data).status_code == 302
    assert list(LineFunding.objects.filter(item=line_3_2).values_list("source__code", flat=True)) == ["nstw-su-nghiep"]
    assert _allocations(line_3_2) == {}
    # Back to one source: the line reads as it always did.
    html = client.get(_url("allocation_edit", seed)).content.decode()
    assert f'name="line_{line_3_2.pk}" value="342"' in html and "source-breakdown" not in html


def test_removing_every_source_of_a_line_is_refused(client, seed, editor, line_3_2, investment):
    data = posted(editor, **{f"drop_{line_3_2.pk}_{investment.pk}": "on", f"drop_{line_3_2.pk}_{nstw().pk}": "on"})
    text = _refused(client, seed, data)
    assert str(LAST_SOURCE_REMOVED) in text
    assert "Mỗi nội dung phải có ít nhất một nguồn vốn" in text


def test_over_allocation_from_one_source_is_refused_naming_the_source_and_the_excess(
    client, seed, editor, line_3_2, investment, units
):
    data = posted(editor, **{f"alloc_{line_3_2.pk}_{units[0].pk}_{investment.pk}": "50"})
    text = _refused(client, seed, data)
    message = gettext(
        "Line %(code)s, %(source)s: allocations %(actual)s exceed the line's amount from this source %(limit)s by "
        "%(excess)s."
    ) % {
        "code": "3.2",
        "source": INVESTMENT,
        "actual": "110.000.000 đồng",
        "limit": "100.000.000 đồng",
        "excess": "10.000.000 đồng",
    }
    assert "Chưa lưu: các thay đổi sẽ vi phạm quy tắc kinh phí." in text
    assert message in text
    assert 'value="50"' in client.post(_url("allocation_edit", seed), data).content.decode()  # kept


def test_going_over_one_sources_ceiling_is_refused(client, seed, editor, line_3_2, investment):
    data = posted(editor, **{f"line_{line_3_2.pk}_{investment.pk}": "151"})
    text = _refused(client, seed, data)
    assert f"{INVESTMENT}: tổng kinh phí các nội dung là 151.000.000 đồng, vượt mức trần" in text
    assert "vượt mức trần 150.000.000 đồng là 1.000.000 đồng" in text


@pytest.mark.parametrize(
    ("choice", "amount", "message"),
    [
        ("", "5", ADD_AMOUNT_WITHOUT_SOURCE),
        ("investment", "", ADD_SOURCE_WITHOUT_AMOUNT),
    ],
)
def test_a_source_added_without_its_amount_or_an_amount_without_its_source_is_refused(
    client, seed, editor, investment, choice, amount, message
):
    line_7_2 = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    data = posted(
        editor,
        **{
            f"add_source_{line_7_2.pk}": str(investment.pk) if choice else "",
            f"add_source_amount_{line_7_2.pk}": amount,
        },
    )
    assert str(message) in _refused(client, seed, data)


def test_a_source_that_does_not_exist_or_is_already_drawn_on_is_refused(client, seed, editor, line_3_2, investment):
    for source in ("999999", str(investment.pk)):  # no such source; a source 3.2 already draws on
        data = posted(editor, **{f"add_source_{line_3_2.pk}": source, f"add_source_amount_{line_3_2.pk}": "1"})
        text = _refused(client, seed, data)
        assert f"Hãy chọn một lựa chọn hợp lệ. {source} không phải là một trong các lựa chọn khả thi." in text


def test_an_allocation_from_a_source_the_line_no_longer_draws_on_is_refused(
    client, seed, editor, line_3_2, investment, units, finance_officer
):
    """Someone removes NSTW đầu tư from 3.2 while the page is open; confirming the page's allocation from it is
    refused with a message, nothing saved."""
    health = f"alloc_{line_3_2.pk}_{units[1].pk}_{investment.pk}"
    budget_apply(
        plan=seed,
        edit=BudgetEdit(line_amounts={(line_3_2.pk, investment.pk): None}),
        by=finance_officer,
        reason="import",
    )
    data = posted(editor, **{health: "70"})
    response = client.post(_url("allocation_edit", seed), data)
    assert "Có người đã thay đổi kinh phí của kế hoạch này sau khi bạn mở trang. Chưa lưu gì." in visible_text(
        response.content
    )
    confirmed = {**data, "based_on": posted(response.context["form"])["based_on"]}
    text = _refused(client, seed, confirmed)
    message = gettext("Line %(code)s does not draw on %(source)s: add the source to the line first.") % {
        "code": "3.2",
        "source": INVESTMENT,
    }
    assert message in text
    assert _allocations(line_3_2) == {}


def test_a_unit_added_to_a_two_source_line_gets_an_allocation_from_each(client, seed, editor, line_3_2, investment):
    social = OrgUnit.objects.get(code="city-ldtbxh")
    data = posted(
        editor,
        **{
            f"add_unit_{line_3_2.pk}": str(social.pk),
            f"add_amount_{line_3_2.pk}_{nstw().pk}": "10",
            f"add_amount_{line_3_2.pk}_{investment.pk}": "20",
        },
    )
    assert client.post(_url("allocation_edit", seed), data).status_code == 302
    assert _allocations(line_3_2) == {
        ("city-ttyt", "nstw-dau-tu"): 60_000_000,
        ("city-ldtbxh", "nstw-su-nghiep"): 10_000_000,
        ("city-ldtbxh", "nstw-dau-tu"): 20_000_000,
    }


def test_removing_a_unit_removes_its_allocations_from_every_source(client, seed, editor, line_3_2, units):
    data = posted(editor, **{f"remove_{line_3_2.pk}_{units[1].pk}": "on"})
    assert client.post(_url("allocation_edit", seed), data).status_code == 302
    assert _allocations(line_3_2) == {}
    assert list(line_3_2.implementing_units.values_list("unit__code", flat=True)) == ["city-vp-hdnd-ubnd"]


def test_a_single_source_plan_has_no_source_breakdown(client, seed, staff_user):
    client.force_login(staff_user)
    html = client.get(_url("allocation_edit", seed)).content.decode()
    text = visible_text(html)
    for marker in ("source-breakdown", 'name="drop_', "data-total-source", "editor-total-nstw", "line-source"):
        assert marker not in html
    assert "Nguồn vốn:" not in text and "Tổng cộng –" not in text
    assert "Tổng kinh phí các nội dung 1.728 Còn trong mức trần 0 Lưu" in text  # the one ceiling's, as before
    report = visible_text(client.get(_url("budget_report", seed)).content)
    assert "Nguồn vốn:" not in report and "Tổng cộng –" not in report
    history = client.get(_url("budget_history", seed)).content.decode()
    assert '<th scope="col">Nguồn vốn</th>' not in history


def test_the_report_breaks_each_line_down_by_source_with_totals_against_each_ceiling(client, seed, leader, line_3_2):
    client.force_login(leader)
    text = visible_text(client.get(_url("budget_report", seed)).content)
    # Line 3.2: 442 triệu in all, 342 from sự nghiệp (not split), 100 from đầu tư (60 allocated, 40 left).
    assert f"Nguồn vốn: {RECURRENT} 0 342 chưa phân bổ: 342" in text
    assert f"Nguồn vốn: {INVESTMENT} 60 100 chưa phân bổ: 40" in text
    # Single-source lines get their source's sub-row too, since the plan draws on several.
    assert f"Nguồn vốn: {RECURRENT} 22 22" in text
    assert f"Tổng cộng – {RECURRENT} 1.728 Mức trần – {RECURRENT}" in text
    assert (
        f"Tổng cộng – {INVESTMENT} 100 Mức trần – {INVESTMENT} 150 ✓ Còn trong mức trần Năm mươi triệu đồng 50" in text
    )
    assert "Tổng cộng 1.446 1.828" in text  # the plan's totals, over both sources


def test_history_names_the_source_only_when_the_plan_draws_on_several(client, seed, staff_user, line_3_2, investment):
    budget_apply(
        plan=seed,
        edit=BudgetEdit(line_amounts={(line_3_2.pk, investment.pk): 90_000_000}),
        by=staff_user,
        reason="editor",
    )
    client.force_login(staff_user)
    html = client.get(_url("budget_history", seed)).content.decode()
    assert '<th scope="col">Nguồn vốn</th>' in html
    assert f"kinh phí nội dung 3.2 {INVESTMENT} 100.000.000 90.000.000" in visible_text(html)
