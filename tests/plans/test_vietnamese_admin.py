"""The admin in Vietnamese, in and out (issue 8): plan numbers typed as written ("512/KH-UBND"), dates day first,
amounts echoed in full đồng as typed and shown grouped when read-only."""

import datetime
import re

import pytest
from django.contrib.auth import get_user_model

from budgets.models import Allocation, Ceiling, LineFunding
from lai_chau.money import MILLION
from plans.lifecycle import plan_sign, plan_submit
from plans.models import Plan, PlanItem
from tests.adminforms import form_data
from tests.pagetext import visible_text


@pytest.fixture
def admin_client(client, seed):
    admin = get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x")
    client.force_login(admin)
    return client


def _page_form(client, url: str, **changes) -> dict:
    """The change form of `url` as the browser posts it, with `changes` typed over it."""
    data = form_data(client.get(url).content)
    data.pop("csrfmiddlewaretoken", None)
    return {**data, **{name: [value] for name, value in changes.items()}, "_save": ["Lưu lại"]}


def _box(page: str, name: str) -> str:
    return re.search(rf'<input[^>]*name="{name}"[^>]*>', page)[0]


def _echo(page: str, id_: str) -> str:
    return visible_text(re.search(rf'<span class="amount-echo"[^>]*id="{id_}_echo"[^>]*>(.*?)</span>', page, re.S)[1])


def _sign(seed, staff_user, leader) -> None:
    plan_submit(plan=seed, by=staff_user)
    plan_sign(plan=seed, by=leader)


# Plan numbers


def test_the_plan_form_has_one_number_and_symbol_box_holding_what_the_document_says(admin_client, seed):
    page = admin_client.get(f"/quan-tri/plans/plan/{seed.pk}/change/").content.decode()
    box = _box(page, "number")
    assert 'type="text"' in box and 'value="4159/KH-UBND"' in box
    assert 'name="symbol"' not in page
    assert "Số, ký hiệu" in visible_text(page)


@pytest.mark.parametrize(
    ("typed", "number", "symbol"),
    [("512/KH-UBND", 512, "KH-UBND"), ("512/KH-BCĐ ", 512, "KH-BCĐ"), ("512", 512, "KH-UBND")],
)
def test_the_plan_number_is_stored_as_typed(admin_client, seed, typed, number, symbol):
    url = f"/quan-tri/plans/plan/{seed.pk}/change/"
    response = admin_client.post(url, _page_form(admin_client, url, number=typed))
    assert response.status_code == 302, visible_text(response.content)[:3000]
    plan = Plan.objects.get(pk=seed.pk)
    assert (plan.number, plan.symbol) == (number, symbol)
    assert plan.document_number == f"{number}/{symbol}"


def test_a_number_typed_alone_keeps_the_symbol_the_plan_has(admin_client, seed):
    Plan.objects.filter(pk=seed.pk).update(symbol="KH-BCĐ")
    url = f"/quan-tri/plans/plan/{seed.pk}/change/"
    assert admin_client.post(url, _page_form(admin_client, url, number="4160")).status_code == 302
    assert Plan.objects.get(pk=seed.pk).document_number == "4160/KH-BCĐ"


@pytest.mark.parametrize("typed", ["512/KH UBND", "KH-UBND", "512/", "512-KH-UBND"])
def test_a_malformed_plan_number_is_refused_and_nothing_changes(admin_client, seed, typed):
    url = f"/quan-tri/plans/plan/{seed.pk}/change/"
    response = admin_client.post(url, _page_form(admin_client, url, number=typed, summary="Không được lưu"))
    assert response.status_code == 200
    assert f"“{typed.strip()}” không phải là số, ký hiệu văn bản" in visible_text(response.content)
    assert f'value="{typed}"' in _box(response.content.decode(), "number")  # kept for correcting
    plan = Plan.objects.get(pk=seed.pk)
    assert (plan.number, plan.symbol, plan.summary) == (seed.number, seed.symbol, seed.summary)


def test_a_new_plan_takes_the_number_and_symbol_from_one_box(admin_client, seed):
    data = _page_form(admin_client, "/quan-tri/plans/plan/add/")
    data |= {
        "programme": [str(seed.programme_id)],
        "issuer": [str(seed.issuer_id)],
        "number": ["77/KH-UBND"],
        "place": ["Thành phố Lai Châu"],
        "issued_on": ["01/03/2025"],
        "year": ["2025"],
        "summary": ["Kế hoạch thử"],
    }
    response = admin_client.post("/quan-tri/plans/plan/add/", data)
    assert response.status_code == 302, visible_text(response.content)[:3000]
    plan = Plan.objects.get(year=2025, number=77)
    assert plan.document_number == "77/KH-UBND"
    assert plan.issued_on == datetime.date(2025, 3, 1)


def test_a_number_the_issuer_already_used_that_year_is_refused_from_the_one_box(admin_client, seed):
    data = _page_form(admin_client, "/quan-tri/plans/plan/add/")
    data |= {
        "programme": [str(seed.programme_id)],
        "issuer": [str(seed.issuer_id)],
        "number": ["4159/KH-BCĐ"],
        "place": ["Thành phố Lai Châu"],
        "issued_on": ["15/01/2024"],
        "year": ["2024"],
        "summary": ["Bản sao"],
    }
    response = admin_client.post("/quan-tri/plans/plan/add/", data)
    assert "Cơ quan này đã có kế hoạch mang số này trong năm này." in visible_text(response.content)
    assert Plan.objects.count() == 1


# Dates


def test_the_plan_date_is_shown_and_read_day_first(admin_client, seed):
    url = f"/quan-tri/plans/plan/{seed.pk}/change/"
    assert 'value="29/12/2023"' in _box(admin_client.get(url).content.decode(), "issued_on")
    assert admin_client.post(url, _page_form(admin_client, url, issued_on="01/03/2024")).status_code == 302
    assert Plan.objects.get(pk=seed.pk).issued_on == datetime.date(2024, 3, 1)
    # Saved again without retyping: the date the page shows is read back as the same day.
    assert admin_client.post(url, _page_form(admin_client, url)).status_code == 302
    assert Plan.objects.get(pk=seed.pk).issued_on == datetime.date(2024, 3, 1)


# Amounts


@pytest.mark.parametrize("model", ["allocation", "linefunding", "planitem"])
def test_admin_amount_boxes_echo_their_value_in_full_dong(admin_client, seed, model):
    line = PlanItem.objects.get(plan=seed, project__code="2", sub_project=None)
    obj = (
        {"allocation": Allocation, "linefunding": LineFunding}[model].objects.get(item=line)
        if model != "planitem"
        else line
    )
    app = "plans" if model == "planitem" else "budgets"
    name = "fundings-0-amount" if model == "planitem" else "amount"  # a line's money: its fundings inline
    page = admin_client.get(f"/quan-tri/{app}/{model}/{obj.pk}/change/").content.decode()
    box = _box(page, name)
    assert 'value="530.000.000"' in box and 'data-amount-unit="1"' in box
    assert f"id_{name}_echo" in re.search(r'aria-describedby="([^"]*)"', box)[1]
    assert _echo(page, f"id_{name}") == "= 530.000.000 đồng"
    assert "js/amount_echo.js" in page and "css/amount-echo.css" in page


def test_a_refused_admin_amount_echoes_what_was_typed(admin_client, seed):
    allocation = Allocation.objects.get(item__plan=seed, item__project__code="2", item__sub_project=None)
    url = f"/quan-tri/budgets/allocation/{allocation.pk}/change/"
    response = admin_client.post(url, _page_form(admin_client, url, amount="12,5"))
    assert response.status_code == 200
    assert _echo(response.content.decode(), "id_amount") == "Số tiền không được lẻ dưới 1 đồng"
    assert Allocation.objects.get(pk=allocation.pk).amount == 530_000_000


def test_a_signed_plan_shows_its_amounts_grouped_in_dong_and_its_number_whole(admin_client, seed, staff_user, leader):
    _sign(seed, staff_user, leader)
    line = PlanItem.objects.get(plan=seed, project__code="2", sub_project=None)
    allocation = Allocation.objects.get(item=line)

    plan_page = admin_client.get(f"/quan-tri/plans/plan/{seed.pk}/change/").content.decode()
    assert "<input" not in re.sub(r'<input type="hidden"[^>]*>', "", plan_page.split('id="plan_form"')[1])
    text = visible_text(plan_page)
    assert "4159/KH-UBND" in text
    assert "530.000.000 đồng" in text  # the line 2 row of the lines inline
    assert "530000000" not in plan_page

    for url in [
        f"/quan-tri/plans/planitem/{line.pk}/change/",
        f"/quan-tri/budgets/linefunding/{LineFunding.objects.get(item=line).pk}/change/",
        f"/quan-tri/budgets/allocation/{allocation.pk}/change/",
    ]:
        page = admin_client.get(url).content.decode()
        assert 'name="amount"' not in page and 'name="fundings-0-amount"' not in page
        assert "530.000.000 đồng" in visible_text(page), url
        assert "530000000" not in page, url


def test_the_ceiling_the_admin_only_shows_reads_in_grouped_dong(admin_client, seed):
    ceiling = Ceiling.objects.get(amount=1_728 * MILLION)
    page = admin_client.get(f"/quan-tri/budgets/ceiling/{ceiling.pk}/change/").content.decode()
    assert "1.728.000.000 đồng" in visible_text(page)
    assert "1728000000" not in page


# The amendment form


@pytest.mark.parametrize(
    ("typed", "document_number"),
    [("4160/KH-UBND", "4160/KH-UBND"), ("4160/KH-BCĐ", "4160/KH-BCĐ"), ("4160", "4160/KH-UBND")],
)
def test_an_amendment_takes_its_number_and_symbol_as_written(client, seed, staff_user, leader, typed, document_number):
    _sign(seed, staff_user, leader)
    client.force_login(staff_user)
    response = client.post(f"/ke-hoach/{seed.pk}/dieu-chinh/", {"number": typed, "issued_on": "01/03/2024"})
    assert response.status_code == 302, visible_text(response.content)[:2000]
    amendment = Plan.objects.get(amends=seed)
    assert amendment.document_number == document_number
    assert amendment.issued_on == datetime.date(2024, 3, 1)


def test_an_amendment_number_typed_badly_is_refused_in_vietnamese(client, seed, staff_user, leader):
    _sign(seed, staff_user, leader)
    client.force_login(staff_user)
    page = client.get(f"/ke-hoach/{seed.pk}/dieu-chinh/").content.decode()
    assert 'placeholder="512/KH-UBND"' in _box(page, "number") and 'type="text"' in _box(page, "number")
    response = client.post(f"/ke-hoach/{seed.pk}/dieu-chinh/", {"number": "4160 KH", "issued_on": "01/03/2024"})
    assert response.status_code == 200
    assert "“4160 KH” không phải là số, ký hiệu văn bản" in visible_text(response.content)
    assert not Plan.objects.filter(amends=seed).exists()
