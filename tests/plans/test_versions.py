"""Versions in force (design.md §13): the plan list and the plan page say which version of a chain is in force,
which replaced which, and which amendment is in the making, from queryset annotations."""

import datetime

import pytest
from django.urls import reverse

from plans.lifecycle import plan_amend, plan_sign, plan_submit
from plans.models import Plan
from tests.factories import make_plan
from tests.pagetext import visible_text


@pytest.fixture
def chain(seed, staff_user, leader):
    """4159 (signed) → 1520 (signed, in force) → 1600 (draft amendment of 1520)."""
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)
    first = plan_amend(plan=seed, by=staff_user, number=1520, issued_on=datetime.date(2024, 6, 20))
    plan_submit(plan=first, by=staff_user)
    plan_sign(plan=first, by=leader)
    draft = plan_amend(plan=first, by=staff_user, number=1600, issued_on=datetime.date(2024, 9, 1))
    return Plan.objects.get(pk=seed.pk), Plan.objects.get(pk=first.pk), draft


def _row(html: str, number: str) -> str:
    """The visible text of the plan list's row for `number`."""
    row = next(part for part in html.split("<tr>") if f">{number}</a>" in part)
    return visible_text(row.split("</tr>")[0])


def test_the_plan_list_says_which_version_is_in_force(client, chain, staff_user):
    seed, first, draft = chain
    client.force_login(staff_user)
    html = client.get(reverse("plans:plan_list")).content.decode()
    assert "Đã được thay thế bởi Kế hoạch số 1520/KH-UBND" in _row(html, "4159/KH-UBND")
    assert "Đang có hiệu lực" not in _row(html, "4159/KH-UBND")
    assert "Đang có hiệu lực" in _row(html, "1520/KH-UBND")
    assert "Bản điều chỉnh đang soạn: Kế hoạch số 1600/KH-UBND" in _row(html, "1520/KH-UBND")
    assert "Đang có hiệu lực" not in _row(html, "1600/KH-UBND")
    assert visible_text(html).count("Đang có hiệu lực") == 1
    assert f'href="{first.get_absolute_url()}">Kế hoạch số 1520/KH-UBND</a>' in html
    assert f'href="{draft.get_absolute_url()}">Kế hoạch số 1600/KH-UBND</a>' in html


def test_a_unit_officer_is_not_told_of_an_amendment_in_the_making(client, chain, sung_phai_officer):
    client.force_login(sung_phai_officer)
    html = client.get(reverse("plans:plan_list")).content.decode()
    assert "Đang có hiệu lực" in _row(html, "1520/KH-UBND")
    assert "1600" not in html and "Bản điều chỉnh đang soạn" not in html
    page = client.get(chain[1].get_absolute_url()).content.decode()
    assert "1600" not in page and "Bản điều chỉnh đang soạn" not in page


def test_the_plan_page_says_where_the_version_stands(client, chain, staff_user):
    seed, first, draft = chain
    client.force_login(staff_user)
    old = visible_text(client.get(seed.get_absolute_url()).content)
    assert "Hiệu lực Đã được thay thế bởi Kế hoạch số 1520/KH-UBND" in old
    current = visible_text(client.get(first.get_absolute_url()).content)
    assert "Đang có hiệu lực" in current and "Bản điều chỉnh đang soạn: Kế hoạch số 1600/KH-UBND" in current
    assert "Đang có hiệu lực" not in visible_text(client.get(draft.get_absolute_url()).content)


def _chains(count: int, staff_user, leader, *, start: int = 0) -> None:
    """`count` chains of a signed plan, its signed amendment and a draft amendment of that."""
    for index in range(start, start + count):
        plan = make_plan(lines=1, units_per_line=1, number=9000 + 10 * index)
        plan_submit(plan=plan, by=staff_user)
        plan_sign(plan=plan, by=leader)
        amendment = plan_amend(plan=plan, by=staff_user, number=9001 + 10 * index, issued_on=plan.issued_on)
        plan_submit(plan=amendment, by=staff_user)
        plan_sign(plan=amendment, by=leader)
        plan_amend(plan=amendment, by=staff_user, number=9002 + 10 * index, issued_on=plan.issued_on)


def test_the_plan_list_runs_a_constant_number_of_queries(client, seed, staff_user, leader, django_assert_num_queries):
    client.force_login(staff_user)
    _chains(1, staff_user, leader)
    client.get(reverse("plans:plan_list"))  # warm caches (content types, session)
    with django_assert_num_queries(5) as small:  # session, user, membership, installation's issuer, plans
        small_page = client.get(reverse("plans:plan_list")).content.decode()
    _chains(4, staff_user, leader, start=1)
    with django_assert_num_queries(len(small.captured_queries)):
        large_page = client.get(reverse("plans:plan_list")).content.decode()
    assert visible_text(small_page).count("Đang có hiệu lực") == 1  # one chain (the seed is a draft)
    assert visible_text(large_page).count("Đang có hiệu lực") == 5
    assert visible_text(large_page).count("Bản điều chỉnh đang soạn") == 5
