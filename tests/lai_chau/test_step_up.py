"""Signing a plan asks for the password again when the last login is older than SIGNING_REAUTH_SECONDS."""

import datetime

import pytest
from freezegun import freeze_time

from plans.lifecycle import plan_submit
from plans.models import Plan
from tests.factories import PASSWORD
from tests.pagetext import visible_text

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


@pytest.fixture
def submitted(seed, staff_user):
    plan_submit(plan=seed, by=staff_user)
    return seed


@pytest.fixture
def clock():
    with freeze_time(START) as frozen:
        yield frozen


def _log_in(client, username: str) -> None:
    assert client.post("/dang-nhap/", {"username": username, "password": PASSWORD}).status_code == 302


def _sign(client, plan, **data):
    return client.post(f"/ke-hoach/{plan.pk}/ky/", data)


def _status(plan) -> str:
    return Plan.objects.get(pk=plan.pk).status


def test_a_fresh_login_signs_at_once(client, submitted, leader, clock):
    _log_in(client, "lanhdao")
    clock.tick(datetime.timedelta(minutes=4))
    response = _sign(client, submitted)
    assert response.status_code == 302
    assert _status(submitted) == Plan.Status.SIGNED


def test_an_old_login_is_asked_for_the_password_then_signs(client, submitted, leader, clock):
    _log_in(client, "lanhdao")
    clock.tick(datetime.timedelta(minutes=6))
    response = _sign(client, submitted)
    assert response.status_code == 200
    text = visible_text(response.content)
    assert "Xác nhận mật khẩu để ký" in text
    assert "Bạn đang ký Kế hoạch số 4159/KH-UBND ngày 29/12/2023" in text
    assert "Lần nhập mật khẩu gần nhất của bạn đã quá 5 phút" in text
    assert _status(submitted) == Plan.Status.SUBMITTED

    response = _sign(client, submitted, password=PASSWORD)
    assert response.status_code == 302 and response["Location"] == submitted.get_absolute_url()
    assert _status(submitted) == Plan.Status.SIGNED
    assert "Đã ký kế hoạch." in visible_text(client.get(response["Location"]).content)


def test_a_wrong_password_signs_nothing(client, submitted, leader, clock):
    _log_in(client, "lanhdao")
    clock.tick(datetime.timedelta(minutes=6))
    response = _sign(client, submitted, password="doan-sai")
    assert response.status_code == 200
    assert "Mật khẩu không đúng: kế hoạch chưa được ký." in visible_text(response.content)
    assert _status(submitted) == Plan.Status.SUBMITTED


def test_wrong_confirmation_passwords_count_towards_the_lockout(client, submitted, leader, clock):
    _log_in(client, "lanhdao")
    clock.tick(datetime.timedelta(minutes=6))
    for _ in range(4):
        assert _sign(client, submitted, password="doan-sai").status_code == 200
    response = _sign(client, submitted, password="doan-sai")
    assert response.status_code == 429
    assert "Đăng nhập tạm thời bị khoá vì nhập sai mật khẩu quá nhiều lần. Hãy thử lại sau 15 phút" in visible_text(
        response.content
    )
    response = _sign(client, submitted, password=PASSWORD)
    assert response.status_code == 429
    assert _status(submitted) == Plan.Status.SUBMITTED


def test_the_age_limit_comes_from_the_settings(client, submitted, leader, clock, settings):
    settings.SIGNING_REAUTH_SECONDS = 20 * 60
    _log_in(client, "lanhdao")
    clock.tick(datetime.timedelta(minutes=19))
    assert _sign(client, submitted).status_code == 302
    assert _status(submitted) == Plan.Status.SIGNED
