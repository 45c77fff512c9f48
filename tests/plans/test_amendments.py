"""Amendments (design.md §13): only the version in force is amended, one amendment at a time, dated on or after what
it amends, for the same year."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse

from plans.lifecycle import plan_amend, plan_sign, plan_submit, version_in_force
from plans.models import Plan
from tests.pagetext import visible_text

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="database triggers exist on PostgreSQL only"
)


@pytest.fixture
def signed(seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    return Plan.objects.get(pk=seed.pk)


def _amend_and_sign(plan, number, day, staff_user, leader) -> Plan:
    amendment = plan_amend(plan=plan, by=staff_user, number=number, issued_on=day)
    plan_submit(plan=amendment, by=staff_user)
    plan_sign(plan=amendment, by=leader)
    return Plan.objects.get(pk=amendment.pk)


def _plans() -> list:
    return sorted(Plan.objects.values_list("pk", "number", "status"))


def test_a_superseded_version_leads_to_the_version_in_force(client, signed, staff_user, leader):
    first = _amend_and_sign(signed, 1520, datetime.date(2024, 6, 20), staff_user, leader)
    second = _amend_and_sign(first, 1600, datetime.date(2024, 9, 1), staff_user, leader)
    assert version_in_force(signed) == second
    before = _plans()
    client.force_login(staff_user)
    for response in (
        client.get(reverse("plans:plan_amend", args=[signed.pk])),
        client.post(reverse("plans:plan_amend", args=[signed.pk]), {"number": "1700", "issued_on": "01/10/2024"}),
    ):
        assert response.status_code == 302 and response["Location"] == second.get_absolute_url()
    assert _plans() == before
    text = visible_text(client.get(second.get_absolute_url()).content)
    assert (
        "Kế hoạch 4159/KH-UBND không còn hiệu lực: đã được thay thế bởi 1520/KH-UBND. "
        "Chỉ điều chỉnh được bản đang có hiệu lực, 1600/KH-UBND." in text
    )
    with pytest.raises(ValidationError) as refused:
        plan_amend(plan=first, by=staff_user, number=1700, issued_on=datetime.date(2024, 10, 1))
    assert refused.value.code == "superseded"
    assert _plans() == before


def test_a_version_with_an_amendment_in_the_making_leads_to_that_draft(client, signed, staff_user):
    draft = plan_amend(plan=signed, by=staff_user, number=1520, issued_on=datetime.date(2024, 6, 20))
    before = _plans()
    client.force_login(staff_user)
    for response in (
        client.get(reverse("plans:plan_amend", args=[signed.pk])),
        client.post(reverse("plans:plan_amend", args=[signed.pk]), {"number": "1521", "issued_on": "21/06/2024"}),
    ):
        assert response.status_code == 302 and response["Location"] == draft.get_absolute_url()
    assert _plans() == before
    text = visible_text(client.get(draft.get_absolute_url()).content)
    assert "Kế hoạch 4159/KH-UBND đã có bản điều chỉnh đang soạn, 1520/KH-UBND: hãy tiếp tục bản đó." in text
    with pytest.raises(ValidationError) as refused:
        plan_amend(plan=signed, by=staff_user, number=1521, issued_on=datetime.date(2024, 6, 21))
    assert refused.value.code == "amendment_in_making"
    assert _plans() == before


def test_a_plan_not_yet_signed_is_not_amended_and_the_page_says_so(client, seed, staff_user):
    client.force_login(staff_user)
    response = client.get(reverse("plans:plan_amend", args=[seed.pk]), follow=True)
    assert response.redirect_chain[-1][0] == seed.get_absolute_url()
    assert "Chỉ kế hoạch đã ký mới có thể điều chỉnh." in visible_text(response.content)


def test_an_amendment_dated_before_the_plan_it_amends_is_refused_naming_the_date(client, signed, staff_user):
    before = _plans()
    client.force_login(staff_user)
    response = client.post(reverse("plans:plan_amend", args=[signed.pk]), {"number": "1520", "issued_on": "28/12/2023"})
    assert response.status_code == 200
    message = "Kế hoạch điều chỉnh phải có ngày ban hành từ ngày 29/12/2023 (ngày của kế hoạch được điều chỉnh) trở đi."
    assert message in visible_text(response.content)
    assert _plans() == before
    with pytest.raises(ValidationError) as refused:
        plan_amend(plan=signed, by=staff_user, number=1520, issued_on=datetime.date(2023, 12, 28))
    assert refused.value.message_dict == {"issued_on": [message]}
    assert _plans() == before


def test_an_amendment_may_carry_the_same_date_and_keeps_the_year(client, signed, staff_user):
    client.force_login(staff_user)
    page = visible_text(client.get(reverse("plans:plan_amend", args=[signed.pk])).content)
    assert "Năm kế hoạch: 2024, năm của kế hoạch được điều chỉnh (bản điều chỉnh không đổi năm)." in page
    assert "Ngày ban hành: từ ngày 29/12/2023 trở đi." in page
    data = {"number": "1520", "issued_on": "29/12/2023", "year": "2030"}  # a year posted is not read
    response = client.post(reverse("plans:plan_amend", args=[signed.pk]), data)
    amendment = Plan.objects.get(amends=signed)
    assert response["Location"] == amendment.get_absolute_url()
    assert (amendment.number, amendment.issued_on, amendment.year) == (1520, datetime.date(2023, 12, 29), 2024)


def test_exactly_one_version_of_a_chain_is_in_force_the_latest_signed(signed, staff_user, leader):
    assert list(Plan.objects.in_force()) == [signed]
    first = _amend_and_sign(signed, 1520, datetime.date(2024, 6, 20), staff_user, leader)
    draft = plan_amend(plan=first, by=staff_user, number=1600, issued_on=datetime.date(2024, 9, 1))
    assert list(Plan.objects.in_force()) == [first]
    assert version_in_force(signed) == version_in_force(first) == first
    assert version_in_force(draft) is None  # a draft is in force nowhere; what it amends is


@on_postgresql
@pytest.mark.parametrize(
    "change", [{"issued_on": datetime.date(2023, 12, 1)}, {"year": 2025}], ids=["dated before", "other year"]
)
def test_the_database_refuses_an_amendment_dated_before_or_of_another_year(signed, staff_user, change):
    draft = plan_amend(plan=signed, by=staff_user, number=1520, issued_on=datetime.date(2024, 6, 20))
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        Plan.objects.filter(pk=draft.pk).update(**change)
    assert "29/12/2023" in str(refused.value)
    assert Plan.objects.filter(pk=draft.pk).update(issued_on=datetime.date(2023, 12, 29)) == 1  # the same day is fine
