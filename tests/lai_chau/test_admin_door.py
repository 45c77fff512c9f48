"""/quan-tri/ for someone the admin does not let in: anonymous → the login page; logged in → a page, not a loop."""

from tests.pagetext import visible_text


def test_a_logged_in_user_without_admin_access_gets_a_page_not_a_redirect_loop(client, sung_phai_officer):
    client.force_login(sung_phai_officer)
    response = client.get("/quan-tri/", follow=True)
    assert len(response.redirect_chain) == 1  # /quan-tri/ → /quan-tri/login/, and it stops there
    assert response.status_code == 403
    text = visible_text(response.content)
    assert "Tài khoản của bạn không được vào trang quản trị" in text
    assert "Phòng Lao động - Thương binh và Xã hội (LĐ-TBXH), Phòng Tài chính - Kế hoạch và quản trị hệ thống" in text
    assert 'href="/"' in response.content.decode()  # a way home
    assert "Đăng xuất" in text  # the site layout, with its header


def test_leadership_without_admin_access_is_told_the_same(client, leader):
    client.force_login(leader)
    response = client.get("/quan-tri/plans/plan/", follow=True)
    assert response.status_code == 403
    assert "không được vào trang quản trị" in visible_text(response.content)


def test_an_anonymous_visitor_goes_to_the_login_page_and_back(client, staff_user):
    response = client.get("/quan-tri/plans/plan/", follow=True)
    assert response.redirect_chain[-1][0] == "/dang-nhap/?next=/quan-tri/plans/plan/"
    assert response.status_code == 200
    response = client.post(
        "/dang-nhap/?next=/quan-tri/plans/plan/",
        {"username": "ldtbxh", "password": "mat-khau-thu-nghiem", "next": "/quan-tri/plans/plan/"},
    )
    assert response["Location"] == "/quan-tri/plans/plan/"


def test_admin_staff_reach_the_admin(client, staff_user):
    staff_user.is_staff = True
    staff_user.save(update_fields=["is_staff"])
    client.force_login(staff_user)
    assert client.get("/quan-tri/").status_code == 200
    assert client.get("/quan-tri/login/")["Location"] == "/quan-tri/"
