import pytest
from django.urls import reverse

from tests.factories import ceilings_of, make_plan
from tests.pagetext import visible_text


@pytest.mark.parametrize("url", ["/", "/ke-hoach/1/", "/quan-tri/"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, seed, url):
    response = client.get(url, follow=True)
    assert response.redirect_chain, "an anonymous visitor must be redirected"
    assert response.request["PATH_INFO"] == reverse("login")
    assert "4159" not in response.content.decode()


def test_login_page_is_in_vietnamese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    text = visible_text(response.content)
    assert "Đăng nhập" in text and "Mật khẩu" in text


def test_demo_credentials_log_in_and_land_on_the_plan_list(client, staff_user):
    response = client.post(reverse("login"), {"username": "ldtbxh", "password": "mat-khau-thu-nghiem"}, follow=True)
    assert response.status_code == 200
    assert "4159/KH-UBND" in visible_text(response.content)


def test_wrong_password_is_refused_with_a_vietnamese_message(client, staff_user):
    response = client.post(reverse("login"), {"username": "ldtbxh", "password": "sai"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session
    assert "mật khẩu chính xác" in visible_text(response.content)


# The seed is a draft: unit officers read signed plans only (tests/test_permission_matrix.py).
@pytest.mark.parametrize("persona", ["staff_user", "leader", "finance_officer"])
def test_every_internal_role_reads_the_draft_plan_list_and_the_plan(client, seed, persona, request):
    client.force_login(request.getfixturevalue(persona))
    listing = visible_text(client.get("/").content)
    assert "4159/KH-UBND" in listing and "1.728" in listing
    page = visible_text(client.get(seed.get_absolute_url()).content)
    assert "Số: 4159/KH-UBND" in page
    assert "Trần Đình Tiến" in page


def test_a_user_without_a_programme_role_sees_no_plan(client, seed, user_without_role):
    client.force_login(user_without_role)
    assert client.get("/").status_code == 403
    response = client.get(seed.get_absolute_url())
    assert response.status_code == 403
    assert "4159" not in response.content.decode()


def test_unknown_plan_is_not_found(client, staff_user):
    client.force_login(staff_user)
    assert client.get("/ke-hoach/987654/").status_code == 404


def test_plan_page_shows_the_budget_table_against_the_ceiling(client, seed, staff_user):
    client.force_login(staff_user)
    text = visible_text(client.get(seed.get_absolute_url()).content)
    assert "Tổng cộng 1.386 1.728" in text  # allocated 1.386 (3.2 not split yet) of 1.728 planned
    assert "Trần Đình Tiến" in text
    assert "Một tỷ bảy trăm hai mươi tám triệu đồng (1.728.000.000 đồng)" in text
    assert "Vừa đúng mức trần" in text
    assert "Công văn số 5114/UBND-TH ngày 28/12/2023 của UBND tỉnh Lai Châu" in text
    assert text.count("chưa phân chia") == 2  # both units of 3.2


def test_plan_page_shows_an_excess_over_the_ceiling(client, seed, staff_user):
    ceiling = ceilings_of(seed).get()
    ceiling.amount = 1_727_000_000
    ceiling.save(update_fields=["amount"])
    client.force_login(staff_user)
    text = visible_text(client.get(seed.get_absolute_url()).content)
    assert "✗ Vượt mức trần Một triệu đồng 1" in text


@pytest.mark.parametrize("persona", ["staff_user", "leader"])
def test_plan_pages_run_a_constant_number_of_queries(client, seed, persona, request, django_assert_num_queries):
    client.force_login(request.getfixturevalue(persona))
    small = make_plan(lines=2, units_per_line=1, number=9001)
    large = make_plan(lines=30, units_per_line=4, number=9002)
    for url in ["/", small.get_absolute_url(), large.get_absolute_url()]:
        client.get(url)  # warm caches (content types, session)
    # One of them names the installation's issuer in the site header (lai_chau/installation.py).
    with django_assert_num_queries(15) as small_page:
        assert client.get(small.get_absolute_url()).status_code == 200
    with django_assert_num_queries(15):
        response = client.get(large.get_absolute_url())
    assert response.status_code == 200
    assert "9.30" in visible_text(response.content)
    assert small_page  # the query log exists
    with django_assert_num_queries(5):  # session, user, membership, installation's issuer, plans (with amendments)
        assert client.get("/").status_code == 200


def test_plan_page_points_at_sentences_that_name_another_year(client, seed, staff_user):
    client.force_login(staff_user)
    text = visible_text(client.get(seed.get_absolute_url()).content)
    assert "Văn bản nhắc đến một năm khác năm 2024: cần kiểm tra." in text
    assert text.count("Mục đích: “năm 2023”") == 2
    seed.purposes = seed.purposes.replace("năm 2023", "năm 2024")
    seed.save(update_fields=["purposes"])
    assert "cần kiểm tra" not in visible_text(client.get(seed.get_absolute_url()).content)
