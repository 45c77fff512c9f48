"""The admin's header names the installation's issuer (ISSUER_CODE), like the rest of the site (issue 8)."""

from django.contrib.auth import get_user_model

from tests.pagetext import visible_text


def test_the_admin_header_names_the_installations_issuer(client, seed, settings):
    client.force_login(get_user_model().objects.create_superuser("quantri", "qt@example.vn", "x"))
    text = visible_text(client.get("/quan-tri/").content.decode())
    assert "Quản trị – Giảm nghèo bền vững – UBND thành phố Lai Châu" in text

    settings.ISSUER_CODE = "commune-sung-phai"
    text = visible_text(client.get("/quan-tri/").content.decode())
    assert "Quản trị – Giảm nghèo bền vững – UBND xã Sùng Phài" in text and "Lai Châu" not in text
