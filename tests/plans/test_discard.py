"""Discarding a draft (design.md §13): LĐ-TBXH staff delete a draft plan or draft amendment after a confirmation page;
the history says who discarded what; submitted and signed plans are never deleted."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from budgets.models import Allocation
from plans.lifecycle import plan_amend, plan_discard, plan_sign, plan_submit
from plans.models import Duty, ImplementingUnit, LegalBasis, Plan, PlanItem, PlanTransition, Target
from tests.factories import make_plan
from tests.pagetext import visible_text

# Every history-keeping kind of row a plan owns, and how to find a plan's rows of it.
OWNED = {
    PlanItem: "plan",
    LegalBasis: "plan",
    Duty: "plan",
    ImplementingUnit: "item__plan",
    Target: "item__plan",
    Allocation: "item__plan",
}


@pytest.fixture
def signed(seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    return Plan.objects.get(pk=seed.pk)


@pytest.fixture
def draft_amendment(signed, staff_user):
    return plan_amend(plan=signed, by=staff_user, number=1520, issued_on=datetime.date(2024, 6, 20))


def _rows(plan) -> dict:
    return {
        model: set(model.objects.filter(**{path: plan}).values_list("pk", flat=True)) for model, path in OWNED.items()
    }


def test_the_confirmation_page_says_what_will_be_deleted_and_deletes_nothing(client, draft_amendment, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("plans:plan_discard", args=[draft_amendment.pk]))
    text = visible_text(response.content)
    assert "Huỷ dự thảo Kế hoạch số 1520/KH-UBND?" in text
    assert "Số nội dung 7" in text
    assert "Tổng kinh phí 1.728 triệu đồng (1.728.000.000 đồng)" in text
    assert "Điều chỉnh kế hoạch 4159/KH-UBND – giữ nguyên, vẫn có hiệu lực" in text
    assert f'action="{reverse("plans:plan_discard", args=[draft_amendment.pk])}"' in response.content.decode()
    assert Plan.objects.filter(pk=draft_amendment.pk).exists()


def test_staff_discard_a_draft_amendment_and_land_on_the_plan_it_amended(client, signed, draft_amendment, staff_user):
    rows = _rows(draft_amendment)
    kept = _rows(signed)
    assert all(rows.values())  # the amendment has rows of every kind to delete
    client.force_login(staff_user)
    response = client.post(reverse("plans:plan_discard", args=[draft_amendment.pk]), follow=True)
    assert response.redirect_chain[-1][0] == signed.get_absolute_url()
    text = visible_text(response.content)
    assert (
        "Đã huỷ dự thảo Kế hoạch số 1520/KH-UBND: 7 nội dung, tổng 1.728 triệu đồng. "
        "Kế hoạch 4159/KH-UBND (kế hoạch được điều chỉnh) giữ nguyên." in text
    )
    assert not Plan.objects.filter(pk=draft_amendment.pk).exists()
    assert not PlanTransition.objects.filter(plan_id=draft_amendment.pk).exists()
    for model, pks in rows.items():
        assert not model.objects.filter(pk__in=pks).exists(), model
        deleted = model.history.filter(id__in=pks, history_type="-")
        assert deleted.count() == len(pks), model
        assert {(r.history_user_id, r.history_change_reason) for r in deleted} == {
            (staff_user.pk, "discard 1520/KH-UBND")
        }, model
    record = Plan.history.get(id=draft_amendment.pk, history_type="-")
    assert (record.history_user, record.history_change_reason) == (staff_user, "discard 1520/KH-UBND")
    assert _rows(signed) == kept and Plan.objects.get(pk=signed.pk).status == "signed"
    # The version discarded no longer stands in the way: the plan may be amended again.
    assert client.get(reverse("plans:plan_amend", args=[signed.pk])).status_code == 200


def test_a_discarded_draft_plan_leads_to_the_plan_list(client, seed, staff_user):
    plan = make_plan(lines=3, units_per_line=2, number=9500)
    client.force_login(staff_user)
    response = client.post(reverse("plans:plan_discard", args=[plan.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("plans:plan_list")
    text = visible_text(response.content)
    assert "Đã huỷ dự thảo Kế hoạch số 9500/KH-UBND: 3 nội dung, tổng 60 triệu đồng." in text
    assert "9500/KH-UBND" not in text.replace("Kế hoạch số 9500/KH-UBND: 3", "")  # gone from the list


@pytest.mark.parametrize("state", ["submitted", "signed"])
def test_a_submitted_or_signed_plan_is_never_discarded(client, seed, staff_user, leader, state):
    plan_submit(plan=seed, by=staff_user)
    if state == "signed":
        plan_sign(plan=seed, by=leader)
    rows = _rows(seed)
    client.force_login(staff_user)
    for response in (
        client.get(reverse("plans:plan_discard", args=[seed.pk]), follow=True),
        client.post(reverse("plans:plan_discard", args=[seed.pk]), follow=True),
    ):
        assert response.redirect_chain[-1][0] == seed.get_absolute_url()
        text = visible_text(response.content)
        if state == "signed":
            assert "Kế hoạch 4159/KH-UBND đã ký: bản đã ký không bao giờ bị xoá." in text
        else:
            assert "Kế hoạch 4159/KH-UBND đang trình ký: chỉ huỷ được dự thảo" in text
    with pytest.raises(ValidationError):
        plan_discard(plan=seed, by=staff_user)
    assert Plan.objects.get(pk=seed.pk).status == state and _rows(seed) == rows


def test_only_staff_are_offered_the_discard_and_only_on_a_draft(client, signed, draft_amendment, staff_user, leader):
    url = reverse("plans:plan_discard", args=[draft_amendment.pk])
    client.force_login(staff_user)
    assert url in client.get(draft_amendment.get_absolute_url()).content.decode()
    assert "plan_discard" not in client.get(signed.get_absolute_url()).content.decode()
    assert reverse("plans:plan_discard", args=[signed.pk]) not in client.get(signed.get_absolute_url()).content.decode()
    client.force_login(leader)
    assert url not in client.get(draft_amendment.get_absolute_url()).content.decode()
    assert client.post(url).status_code == 403
    assert Plan.objects.filter(pk=draft_amendment.pk).exists()
