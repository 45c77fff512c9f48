"""Bad input through the admin forms is refused with a Vietnamese message and changes nothing."""

import pytest
from django.contrib.auth import get_user_model

from budgets.history import plan_budget_history
from budgets.models import Allocation, LineFunding
from plans.models import Plan, PlanItem
from projects.models import Project, SubProject
from tests.pagetext import visible_text


@pytest.fixture
def admin_client(client, seed):
    admin = get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x")
    client.force_login(admin)
    return client


def _item_form(seed, *, amount: str = "22.000.000", **overrides) -> dict:
    """The admin's change form for line 7.2 as the browser would post it, with some fields changed; `amount` is typed
    in the box of its one funding source (the inline of the line's page)."""
    item = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    funding = LineFunding.objects.get(item=item)
    data = {
        "plan": seed.pk,
        "position": item.position,
        "project": item.project_id,
        "sub_project": item.sub_project_id,
        "objective": item.objective,
        "beneficiaries": item.beneficiaries,
        "activities_label": item.activities_label,
        "activities_intro": item.activities_intro,
        "activities": item.activities,
        "outputs": item.outputs,
        "units_label": item.units_label,
        "fundings-TOTAL_FORMS": "1",
        "fundings-INITIAL_FORMS": "1",
        "fundings-0-id": funding.pk,
        "fundings-0-item": item.pk,
        "fundings-0-source": funding.source_id,
        "fundings-0-amount": amount,
    }
    for prefix in ["implementing_units", "allocations", "targets"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    return item, {**data, **overrides}


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5.000.000", "Số tiền không được âm."),
        ("22.000.000,5", "không phải là số nguyên đồng"),
        ("hai mươi hai triệu", "không phải là số tiền hợp lệ"),
        ("22,000,000", "không phải là số tiền hợp lệ"),
        ("9.999.999.999.999.999.999", "Số tiền quá lớn"),
    ],
)
def test_bad_line_amounts_are_refused_and_nothing_changes(admin_client, seed, typed, message):
    item, data = _item_form(seed, amount=typed)
    response = admin_client.post(f"/quan-tri/plans/planitem/{item.pk}/change/", data)
    assert response.status_code == 200  # the form again, with its errors
    assert message in visible_text(response.content)
    assert PlanItem.objects.get(pk=item.pk).amount == 22_000_000


def _with_allocation(item, data, amount: str) -> dict:
    allocation = Allocation.objects.get(item=item)
    return {
        **data,
        "allocations-TOTAL_FORMS": "1",
        "allocations-INITIAL_FORMS": "1",
        "allocations-0-id": allocation.pk,
        "allocations-0-item": item.pk,
        "allocations-0-unit": allocation.unit_id,
        "allocations-0-source": allocation.source_id,
        "allocations-0-amount": amount,
    }


def test_amount_typed_in_vietnamese_notation_is_saved_in_dong(admin_client, seed):
    item, data = _item_form(seed, amount="21.500.000")
    response = admin_client.post(
        f"/quan-tri/plans/planitem/{item.pk}/change/", _with_allocation(item, data, "21.500.000")
    )
    assert response.status_code == 302
    assert PlanItem.objects.get(pk=item.pk).amount == 21_500_000
    assert Allocation.objects.get(item=item).amount == 21_500_000
    reasons = {c.reason for c in plan_budget_history(seed) if c.line == "7.2" and c.kind in ("line", "allocation")}
    assert reasons == {"seed", "admin"}


def test_admin_cannot_put_a_line_below_its_allocations(admin_client, seed):
    item, data = _item_form(seed, amount="21.500.000")
    response = admin_client.post(f"/quan-tri/plans/planitem/{item.pk}/change/", data, follow=True)
    text = visible_text(response.content)
    assert "Chưa lưu: các thay đổi sẽ vi phạm quy tắc kinh phí." in text
    assert (
        "Nội dung 7.2: tổng phân bổ 22.000.000 đồng vượt kinh phí của nội dung 21.500.000 đồng là 500.000 đồng." in text
    )
    assert "thành công" not in text
    assert PlanItem.objects.get(pk=item.pk).amount == 22_000_000


def test_admin_cannot_raise_a_line_above_the_ceiling(admin_client, seed):
    item, data = _item_form(seed, amount="23.000.000")
    response = admin_client.post(f"/quan-tri/plans/planitem/{item.pk}/change/", data, follow=True)
    assert "vượt mức trần 1.728.000.000 đồng là 1.000.000 đồng" in visible_text(response.content)
    assert PlanItem.objects.get(pk=item.pk).amount == 22_000_000


def test_project_with_sub_projects_is_not_a_budget_line(admin_client, seed):
    item, data = _item_form(seed, project=Project.objects.get(code="7").pk, sub_project="")
    response = admin_client.post(f"/quan-tri/plans/planitem/{item.pk}/change/", data)
    assert "Dự án 7 gồm các tiểu dự án (7.1, 7.2)" in visible_text(response.content)
    assert PlanItem.objects.get(pk=item.pk).sub_project.code == "7.2"


def test_line_code_outside_the_catalogue_is_refused(admin_client, seed):
    item, data = _item_form(seed, sub_project="999999")
    response = admin_client.post(f"/quan-tri/plans/planitem/{item.pk}/change/", data)
    assert "Hãy chọn một lựa chọn hợp lệ" in visible_text(response.content)
    assert PlanItem.objects.get(pk=item.pk).sub_project.code == "7.2"


def test_sub_project_of_another_project_is_refused(admin_client, seed):
    item, data = _item_form(seed, sub_project=SubProject.objects.get(code="3.1").pk)
    response = admin_client.post(f"/quan-tri/plans/planitem/{item.pk}/change/", data)
    assert "Tiểu dự án 3.1 không thuộc Dự án 7" in visible_text(response.content)


def test_duplicate_line_is_refused(admin_client, seed):
    count = PlanItem.objects.count()
    _, data = _item_form(seed, **{"fundings-TOTAL_FORMS": "0", "fundings-INITIAL_FORMS": "0"})
    response = admin_client.post("/quan-tri/plans/planitem/add/", data)
    assert "mỗi mã dự án, tiểu dự án chỉ xuất hiện một lần trong một kế hoạch" in visible_text(response.content)
    assert PlanItem.objects.count() == count


def test_plan_number_reused_by_the_same_issuer_in_the_same_year_is_refused(admin_client, seed):
    data = {
        "programme": seed.programme_id,
        "issuer": seed.issuer_id,
        "number": "4159",
        "symbol": "KH-UBND",
        "place": "Thành phố Lai Châu",
        "issued_on": "15/01/2024",
        "year": "2024",
        "summary": "Bản sao",
        "status": "draft",
    }
    for prefix in ["legal_bases", "items", "duties"]:
        data |= {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}
    response = admin_client.post("/quan-tri/plans/plan/add/", data)
    assert "Cơ quan này đã có kế hoạch mang số này trong năm này." in visible_text(response.content)
    assert Plan.objects.count() == 1


def test_allocation_amount_typed_badly_in_the_inline_changes_nothing(admin_client, seed):
    item, data = _item_form(seed)
    allocation = Allocation.objects.get(item=item)
    data |= {
        "allocations-TOTAL_FORMS": "1",
        "allocations-INITIAL_FORMS": "1",
        "allocations-0-id": allocation.pk,
        "allocations-0-item": item.pk,
        "allocations-0-unit": allocation.unit_id,
        "allocations-0-source": allocation.source_id,
        "allocations-0-amount": "-1",
        "fundings-0-amount": "10.000.000",
    }
    response = admin_client.post(f"/quan-tri/plans/planitem/{item.pk}/change/", data)
    assert "Số tiền không được âm." in visible_text(response.content)
    assert Allocation.objects.get(pk=allocation.pk).amount == 22_000_000
    assert PlanItem.objects.get(pk=item.pk).amount == 22_000_000  # the line's own change was not saved either


@pytest.mark.parametrize("model_field", ["linefunding", "allocation", "ceiling"])
def test_database_refuses_negative_amounts_whatever_path_writes_them(seed, model_field):
    from django.db import IntegrityError, transaction

    from budgets.models import Ceiling

    item = PlanItem.objects.get(plan=seed, sub_project__code="7.2")
    queryset = {
        "linefunding": LineFunding.objects.filter(item=item),
        "allocation": Allocation.objects.filter(item=item),
        "ceiling": Ceiling.objects.filter(issuer_id=seed.issuer_id, year=seed.year),
    }[model_field]
    with pytest.raises(IntegrityError), transaction.atomic():
        queryset.update(amount=-1)
    assert queryset.get().amount >= 0


def test_admin_shows_each_objects_history(admin_client, seed):
    item, data = _item_form(seed, amount="21.500.000")
    admin_client.post(f"/quan-tri/plans/planitem/{item.pk}/change/", _with_allocation(item, data, "21.500.000"))
    response = admin_client.get(f"/quan-tri/plans/planitem/{item.pk}/history/")
    assert response.status_code == 200
    text = visible_text(response.content)
    assert "admin" in text and "quantri" in text
