"""The admin keeps the amendment rules (design.md §13): an amendment keeps the amended plan's year and is dated on or
after it; PostgreSQL's trigger, the last line, names plans by number and symbol, never by database id."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, InternalError, connection, transaction
from django.urls import reverse

from plans.lifecycle import plan_amend, plan_sign, plan_submit
from plans.models import Plan
from tests.adminforms import form_data
from tests.pagetext import visible_text


@pytest.fixture
def amendment(seed, staff_user, leader):
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    return plan_amend(plan=seed, by=staff_user, number=4170, issued_on=datetime.date(2024, 6, 1))


def _post(client, plan: Plan, **changes):
    url = reverse("admin:plans_plan_change", args=[plan.pk])
    data = form_data(client.get(url).content, form_id=None)
    data = {name: values for name, values in data.items() if name != "csrfmiddlewaretoken"}
    return client.post(url, {**data, **{name: [value] for name, value in changes.items()}, "_save": ["Lưu"]})


@pytest.fixture
def admin_client(client, seed):
    client.force_login(get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x"))
    return client


def test_the_admin_shows_an_amendments_year_read_only_and_ignores_a_posted_one(admin_client, amendment):
    page = admin_client.get(reverse("admin:plans_plan_change", args=[amendment.pk])).content.decode()
    assert 'name="year"' not in page
    response = _post(admin_client, amendment, year="2023", summary="Điều chỉnh")
    assert response.status_code == 302
    saved = Plan.objects.get(pk=amendment.pk)
    assert (saved.year, saved.summary) == (2024, "Điều chỉnh")


def test_the_admin_refuses_an_amendment_dated_before_the_amended_plan(admin_client, seed, amendment):
    before = seed.issued_on - datetime.timedelta(days=1)
    response = _post(admin_client, amendment, issued_on=before.strftime("%d/%m/%Y"))
    assert response.status_code == 200
    text = visible_text(response.content)
    assert f"Kế hoạch điều chỉnh phải có ngày ban hành từ ngày {seed.issued_on:%d/%m/%Y}" in text, text[:2000]
    assert Plan.objects.get(pk=amendment.pk).issued_on == datetime.date(2024, 6, 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="triggers exist on PostgreSQL only")
def test_the_trigger_names_the_plans_by_number_and_symbol(seed, amendment):
    with pytest.raises((IntegrityError, InternalError)) as refused, transaction.atomic():
        Plan.objects.filter(pk=amendment.pk).update(issued_on=datetime.date(2023, 1, 1))
    message = str(refused.value)
    assert "Kế hoạch điều chỉnh 4170/KH-UBND phải cùng năm 2024" in message, message
    assert f"từ ngày {seed.issued_on:%d/%m/%Y} (ngày của kế hoạch được điều chỉnh 4159/KH-UBND)" in message
    assert " id " not in message
