import pytest
from django.urls import reverse

from budgets.models import Allocation, Ceiling, FundingSource, LineFunding
from budgets.services import BudgetEdit, budget_apply
from plans.models import OrgUnit, Plan, PlanItem
from tests.adminforms import posted
from tests.factories import cover_with_ceiling, make_plan, make_plan_shell, nstw, only_source
from tests.pagetext import visible_text

# Unit officers do not see a draft's budget pages at all (404): tests/test_permission_matrix.py covers them.
PERSONAS = [
    "staff_user",
    "leader",
    "finance_officer",
    "user_without_role",
]


def _url(name, plan):
    return reverse(f"budgets:{name}", args=[plan.pk])


def _field(form, prefix, item, unit=None) -> str:
    return f"{prefix}_{item.pk}" + (f"_{unit.pk}" if unit else "")


@pytest.fixture
def line_3_2(seed):
    return PlanItem.objects.get(plan=seed, sub_project__code="3.2")


@pytest.mark.parametrize("persona", PERSONAS)
def test_role_matrix_for_budget_pages(client, seed, persona, request):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    reader = persona != "user_without_role"
    editor = persona == "staff_user"
    assert client.get(_url("budget_report", seed)).status_code == (200 if reader else 403)
    assert client.get(_url("budget_history", seed)).status_code == (200 if reader else 403)
    assert client.get(_url("allocation_edit", seed)).status_code == (200 if editor else 403)
    before = list(Allocation.objects.values_list("pk", "amount"))
    response = client.post(_url("allocation_edit", seed), {"based_on": ""})
    assert response.status_code == (200 if editor else 403)  # staff: the form again, every line amount required
    assert list(Allocation.objects.values_list("pk", "amount")) == before


def test_anonymous_visitor_is_sent_to_login_from_the_editor(client, seed):
    response = client.post(_url("allocation_edit", seed), {})
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_report_shows_a_passing_plan_in_million_and_in_exact_dong(client, seed, leader):
    client.force_login(leader)
    text = visible_text(client.get(_url("budget_report", seed)).content)
    assert "✓ Mọi quy tắc kinh phí đều được bảo đảm." in text
    assert "Tổng cộng 1.386 1.728" in text
    assert "Sửa phân bổ" not in text  # leadership reads, does not edit
    exact = visible_text(client.get(_url("budget_report", seed) + "?don-vi=dong").content)
    assert "Tổng cộng 1.386.000.000 1.728.000.000" in exact


def test_report_flags_the_failing_row_and_the_overall_verdict(client, seed, staff_user):
    Allocation.objects.filter(item__sub_project__code="4.3").update(amount=81_000_001)
    client.force_login(staff_user)
    text = visible_text(client.get(_url("budget_report", seed)).content)
    assert "✗ 1 quy tắc kinh phí bị vi phạm" in text
    assert "✗ Nội dung 4.3: tổng phân bổ 81.000.001 đồng vượt kinh phí của nội dung 81.000.000 đồng là 1 đồng." in text


def test_staff_splits_line_3_2_in_the_editor(client, seed, staff_user, line_3_2):
    client.force_login(staff_user)
    form = client.get(_url("allocation_edit", seed)).context["form"]
    office, health = OrgUnit.objects.get(code="city-vp-hdnd-ubnd"), OrgUnit.objects.get(code="city-ttyt")
    data = posted(
        form, **{_field(form, "alloc", line_3_2, office): "42", _field(form, "alloc", line_3_2, health): "300"}
    )
    response = client.post(_url("allocation_edit", seed), data, follow=True)
    assert "Đã lưu: 2 thay đổi." in visible_text(response.content)
    assert dict(Allocation.objects.filter(item=line_3_2).values_list("unit__code", "amount")) == {
        "city-vp-hdnd-ubnd": 42_000_000,
        "city-ttyt": 300_000_000,
    }
    history = visible_text(client.get(_url("budget_history", seed) + "?dong=3.2").content)
    assert "ldtbxh trang phân bổ phân bổ (thêm) 3.2 Trung tâm Y tế thành phố 300.000.000" in history


def test_editor_refuses_going_over_the_ceiling_and_keeps_what_was_typed(client, seed, staff_user):
    client.force_login(staff_user)
    form = client.get(_url("allocation_edit", seed)).context["form"]
    line_4_1 = PlanItem.objects.get(plan=seed, sub_project__code="4.1")
    response = client.post(_url("allocation_edit", seed), posted(form, **{_field(form, "line", line_4_1): "686"}))
    text = visible_text(response.content)
    assert "Chưa lưu: các thay đổi sẽ vi phạm quy tắc kinh phí." in text
    assert "vượt mức trần 1.728.000.000 đồng là 1.000.000 đồng" in text
    assert 'value="686"' in response.content.decode()
    assert PlanItem.objects.get(pk=line_4_1.pk).amount == 685_000_000


def test_editor_refuses_a_line_below_its_allocations_next_to_the_row(client, seed, staff_user):
    client.force_login(staff_user)
    form = client.get(_url("allocation_edit", seed)).context["form"]
    line = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    response = client.post(_url("allocation_edit", seed), posted(form, **{_field(form, "line", line): "20"}))
    assert (
        "✗ Nội dung 7.2: tổng phân bổ 22.000.000 đồng vượt kinh phí của nội dung 20.000.000 đồng là 2.000.000 đồng."
        in visible_text(response.content)
    )
    assert PlanItem.objects.get(pk=line.pk).amount == 22_000_000


@pytest.mark.parametrize("typed", ["12.5", "abc", "-3", "1,0000001"])
def test_editor_refuses_malformed_amounts_with_a_message(client, seed, staff_user, typed):
    client.force_login(staff_user)
    form = client.get(_url("allocation_edit", seed)).context["form"]
    line = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    response = client.post(_url("allocation_edit", seed), posted(form, **{_field(form, "line", line): typed}))
    assert response.status_code == 200
    assert response.context["form"].errors[_field(form, "line", line)]
    assert PlanItem.objects.get(pk=line.pk).amount == 22_000_000


def test_editor_with_stale_figures_shows_what_changed_then_saves_on_confirmation(
    client, seed, staff_user, finance_officer
):
    client.force_login(staff_user)
    form = client.get(_url("allocation_edit", seed)).context["form"]
    line_7_2 = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    ldtbxh = OrgUnit.objects.get(code="city-ldtbxh")
    source = only_source(line_7_2)
    budget_apply(
        plan=seed,
        edit=BudgetEdit(
            line_amounts={(line_7_2.pk, source): 21_000_000},
            allocations={(line_7_2.pk, ldtbxh.pk, source): 21_000_000},
        ),
        by=finance_officer,
        reason="import",
    )
    line_2 = PlanItem.objects.get(plan=seed, project__code="2", sub_project=None)
    data = posted(
        form,
        **{
            _field(form, "line", line_2): "529",
            _field(form, "alloc", line_2, OrgUnit.objects.get(code="commune-sung-phai")): "529",
        },
    )
    response = client.post(_url("allocation_edit", seed), data)
    text = visible_text(response.content)
    assert "Có người đã thay đổi kinh phí của kế hoạch này sau khi bạn mở trang. Chưa lưu gì." in text
    assert "taichinh nhập Excel kinh phí nội dung 7.2 22.000.000 21.000.000" in text
    assert PlanItem.objects.get(pk=line_2.pk).amount == 530_000_000
    assert 'value="529"' in response.content.decode()
    # The untouched 7.2 is not rewritten with the stale 22 triệu; saving again confirms the user's own change.
    confirmed = posted(response.context["form"])
    response = client.post(_url("allocation_edit", seed), {**data, "based_on": confirmed["based_on"]})
    assert response.status_code == 302
    assert PlanItem.objects.get(pk=line_2.pk).amount == 529_000_000
    assert PlanItem.objects.get(pk=line_7_2.pk).amount == 21_000_000


def test_adding_and_removing_a_unit_in_the_editor(client, seed, staff_user):
    client.force_login(staff_user)
    line_2 = PlanItem.objects.get(plan=seed, project__code="2", sub_project=None)
    sung_phai, san_thang = OrgUnit.objects.get(code="commune-sung-phai"), OrgUnit.objects.get(code="commune-san-thang")
    form = client.get(_url("allocation_edit", seed)).context["form"]
    data = posted(
        form,
        **{
            f"add_unit_{line_2.pk}": str(san_thang.pk),
            f"add_amount_{line_2.pk}": "30",
            _field(form, "alloc", line_2, sung_phai): "500",
        },
    )
    assert client.post(_url("allocation_edit", seed), data).status_code == 302
    assert dict(Allocation.objects.filter(item=line_2).values_list("unit__code", "amount")) == {
        "commune-sung-phai": 500_000_000,
        "commune-san-thang": 30_000_000,
    }
    form = client.get(_url("allocation_edit", seed)).context["form"]
    data = posted(
        form, **{_field(form, "remove", line_2, san_thang): "on", _field(form, "alloc", line_2, sung_phai): "530"}
    )
    assert client.post(_url("allocation_edit", seed), data).status_code == 302
    assert list(line_2.implementing_units.values_list("unit__code", flat=True)) == ["commune-sung-phai"]


def test_signed_plan_editor_is_read_only(client, seed, staff_user):
    Plan.objects.filter(pk=seed.pk).update(status=Plan.Status.SIGNED)
    client.force_login(staff_user)
    response = client.get(_url("allocation_edit", seed), follow=True)
    assert "Kế hoạch này không còn là dự thảo: kinh phí chỉ được xem." in visible_text(response.content)
    assert response.request["PATH_INFO"] == _url("budget_report", seed)


def _second_source(plan: Plan) -> None:
    """Every line of `plan` also draws on NSTW đầu tư, split between its units like its first source."""
    investment = FundingSource.objects.get(code="nstw-dau-tu")
    total = 0
    for item in plan.items.prefetch_related("implementing_units"):
        units = list(item.implementing_units.all())
        LineFunding.objects.create(item=item, source=investment, amount=5_000_000 * len(units))
        for implementing in units:
            Allocation.objects.create(item=item, unit_id=implementing.unit_id, source=investment, amount=5_000_000)
        total += 5_000_000 * len(units)
    cover_with_ceiling(plan, investment, total)


@pytest.mark.parametrize("sources", [1, 2], ids=["one-source", "two-sources"])
@pytest.mark.parametrize("name", ["budget_report", "allocation_edit", "budget_history"])
def test_budget_pages_run_a_constant_number_of_queries(client, staff_user, name, sources):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff_user)
    counts = []
    for number, (lines, units) in enumerate([(2, 1), (25, 4)], start=9001):
        plan = make_plan(lines=lines, units_per_line=units, number=number)
        if sources == 2:
            _second_source(plan)
        for allocation in Allocation.objects.filter(item__plan=plan, source=nstw())[:2]:  # some history to list
            key = (allocation.item_id, allocation.unit_id, allocation.source_id)
            budget_apply(
                plan=plan, edit=BudgetEdit(allocations={key: allocation.amount - 1}), by=staff_user, reason="editor"
            )
        client.get(_url(name, plan))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(_url(name, plan))
        assert response.status_code == 200
        assert ("Nguồn vốn: Ngân sách Trung ương - vốn đầu tư" in visible_text(response.content)) == (
            sources == 2 and name != "budget_history"
        )
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_editor_of_an_empty_plan_says_where_to_add_lines_and_a_missing_ceiling_says_so(client, seed, staff_user):
    empty, _project = make_plan_shell(number=9701)
    client.force_login(staff_user)
    page = client.get(reverse("budgets:allocation_edit", args=[empty.pk])).content.decode()
    assert "Kế hoạch chưa có nội dung nào: hãy thêm ở trang các nội dung của kế hoạch" in visible_text(page)
    assert reverse("plans:plan_edit_lines", args=[empty.pk]) in page
    assert "Còn trong mức trần" not in visible_text(page)

    # A plan whose lines draw on a source with no ceiling for its year: the editor names the gap, not a blank.
    plan = make_plan(lines=1, units_per_line=1, number=9702)
    Ceiling.objects.filter(issuer_id=plan.issuer_id, year=plan.year).delete()
    text = visible_text(client.get(reverse("budgets:allocation_edit", args=[plan.pk])).content)
    assert "Còn trong mức trần chưa có mức trần" in text
