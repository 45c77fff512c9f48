"""Login throttling and lockout (django-axes), per account and per address, with the Vietnamese lockout page."""

import datetime
from unittest import mock

import pytest
from django.contrib.auth.hashers import MD5PasswordHasher
from freezegun import freeze_time

from tests.factories import PASSWORD
from tests.pagetext import visible_text

LOCKED = "Đăng nhập tạm thời bị khoá vì nhập sai mật khẩu quá nhiều lần. Hãy thử lại sau 15 phút"


def _login(client, username: str, password: str, address: str = "198.51.100.7", forwarded_for: str = ""):
    # The README's nginx appends the client's address to X-Forwarded-For; the app trusts that last entry.
    forwarded = f"{forwarded_for}, {address}" if forwarded_for else address
    return client.post("/dang-nhap/", {"username": username, "password": password}, HTTP_X_FORWARDED_FOR=forwarded)


def _logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_wrong_passwords_lock_the_account_with_a_vietnamese_message(client, staff_user):
    for _ in range(4):
        response = _login(client, "ldtbxh", "doan-sai")
        assert response.status_code == 200
        assert "Đăng nhập tạm thời bị khoá" not in visible_text(response.content)
    response = _login(client, "ldtbxh", "doan-sai")
    assert response.status_code == 429
    text = visible_text(response.content)
    assert LOCKED in text
    assert "Tên đăng nhập" in text and "Mật khẩu" in text  # the login page itself, not a bare error text

    response = _login(client, "ldtbxh", PASSWORD)
    assert response.status_code == 429
    assert LOCKED in visible_text(response.content)
    assert not _logged_in(client)


def test_the_account_is_locked_whatever_address_the_guesses_come_from(client, staff_user, finance_officer):
    for index in range(5):
        _login(client, "ldtbxh", "doan-sai", address=f"203.0.113.{index + 1}")
    response = _login(client, "ldtbxh", PASSWORD, address="192.0.2.50")
    assert response.status_code == 429
    assert not _logged_in(client)
    # Other accounts from a fresh address are untouched.
    assert _login(client, "taichinh", PASSWORD, address="192.0.2.50").status_code == 302
    assert _logged_in(client)


def test_an_address_guessing_many_accounts_is_locked(client, staff_user, finance_officer):
    for name in ["a", "b", "c", "d", "e"]:
        # What the client itself writes into X-Forwarded-For changes nothing: only the proxy's entry counts.
        _login(client, f"khong-co-{name}", "doan-sai", forwarded_for=f"10.9.8.{len(name) + ord(name)}")
    response = _login(client, "taichinh", PASSWORD)
    assert response.status_code == 429
    assert not _logged_in(client)
    assert _login(client, "taichinh", PASSWORD, address="192.0.2.77").status_code == 302


def test_the_lock_ends_after_the_cool_off(client, staff_user):
    start = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)
    with freeze_time(start) as clock:
        for _ in range(5):
            _login(client, "ldtbxh", "doan-sai")
        clock.tick(datetime.timedelta(minutes=10))
        response = _login(client, "ldtbxh", PASSWORD)
        assert response.status_code == 429
        assert "Hãy thử lại sau 5 phút" in visible_text(response.content)  # the time left, not the whole cool-off
        clock.tick(datetime.timedelta(minutes=4, seconds=30))
        assert "Hãy thử lại sau 1 phút" in visible_text(_login(client, "ldtbxh", PASSWORD).content)
        clock.tick(datetime.timedelta(seconds=31))
        assert _login(client, "ldtbxh", PASSWORD).status_code == 302
        assert _logged_in(client)


def test_the_message_gives_the_configured_cool_off(client, staff_user, settings):
    settings.AXES_COOLOFF_TIME = datetime.timedelta(minutes=45)
    settings.AXES_FAILURE_LIMIT = 3
    for _ in range(3):
        response = _login(client, "ldtbxh", "doan-sai")
    assert response.status_code == 429
    assert "Hãy thử lại sau 45 phút" in visible_text(response.content)


def test_a_locked_out_attempt_never_reaches_the_password_hasher(client, staff_user):
    """Guessing must stay cheap for the server once locked: axes refuses before any hash is computed."""
    for _ in range(5):
        _login(client, "ldtbxh", "doan-sai")
    with (
        mock.patch.object(MD5PasswordHasher, "verify", autospec=True) as verify,
        mock.patch.object(MD5PasswordHasher, "encode", autospec=True) as encode,
    ):
        for _ in range(20):
            assert _login(client, "ldtbxh", "doan-sai").status_code == 429
            assert _login(client, "khong-ton-tai", "doan-sai").status_code == 429  # same address, locked too
    assert verify.call_count == 0 and encode.call_count == 0


@pytest.mark.parametrize("header, expected", [("", "127.0.0.1"), ("1.2.3.4, 198.51.100.7", "198.51.100.7")])
def test_client_address_is_the_entry_the_proxy_added(rf, settings, header, expected):
    from lai_chau.security import client_ip

    settings.REVERSE_PROXY_COUNT = 1
    request = rf.get("/", HTTP_X_FORWARDED_FOR=header) if header else rf.get("/")
    assert client_ip(request) == expected
    settings.REVERSE_PROXY_COUNT = 0
    assert client_ip(rf.get("/", HTTP_X_FORWARDED_FOR="1.2.3.4")) == "127.0.0.1"  # no proxy: the header is a lie
