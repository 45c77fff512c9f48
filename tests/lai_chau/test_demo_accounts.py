"""With DEBUG off, demo accounts (the "demo" group, or a demo username with the published password) stop the server."""

import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from lai_chau.checks import check_demo_accounts
from plans.management.commands.setup_demo import DEMO_PASSWORD
from tests.factories import make_user
from tests.lai_chau.test_settings import PRODUCTION, _manage, _run

User = get_user_model()
ALL_DEMO = ["admin", "lanhdao", "ldtbxh", "sungphai", "taichinh", "ttyt"]


@pytest.fixture
def demo_accounts(db, settings):
    settings.DEBUG = True
    call_command("setup_demo", verbosity=0)
    settings.DEBUG = False


def _reported(settings) -> str:
    settings.DEBUG = False
    return " ".join(message.msg for message in check_demo_accounts() if message.is_serious())


def test_setup_demo_flags_every_account_it_creates(demo_accounts):
    assert sorted(Group.objects.get(name="demo").user_set.values_list("username", flat=True)) == ALL_DEMO


def test_deploy_check_reports_the_demo_accounts_in_vietnamese(demo_accounts, settings):
    text = _reported(settings)
    names = ", ".join(ALL_DEMO)
    assert f"Tài khoản demo (mật khẩu đã công bố trong README) đang hoạt động khi DEBUG tắt: {names}." in text
    assert "Hãy xoá hoặc khoá" in text and "đổi mật khẩu và bỏ chúng khỏi nhóm “demo”" in text
    with pytest.raises(SystemCheckError, match="lai_chau.E001"):
        call_command("check", "--deploy", verbosity=0)


def test_a_new_password_alone_is_not_enough_while_the_flag_stays(demo_accounts, settings):
    for user in User.objects.all():
        user.set_password("mat-khau-rieng-cua-don-vi-2026")
        user.save()
    assert ", ".join(ALL_DEMO) in _reported(settings)
    Group.objects.get(name="demo").user_set.clear()
    assert _reported(settings) == ""


def test_deactivated_demo_accounts_are_harmless(demo_accounts, settings):
    User.objects.update(is_active=False)
    assert _reported(settings) == ""


def test_a_demo_username_with_the_published_password_is_reported_without_the_flag(db, seed, settings):
    user = make_user("lanhdao", "leadership", "lai-chau-city")  # made by hand, not by setup_demo: no flag
    user.set_password(DEMO_PASSWORD)
    user.save()
    make_user("ldtbxh", "programme_staff", "city-ldtbxh")  # its own password: fine
    text = _reported(settings)
    assert "đang hoạt động khi DEBUG tắt: lanhdao." in text


def test_a_demo_installation_is_not_bothered(demo_accounts, settings):
    settings.DEBUG = True
    assert check_demo_accounts() == []


def test_the_wsgi_server_refuses_to_start_with_demo_accounts(tmp_path):
    """What gunicorn does: import lai_chau.wsgi. A real (throwaway) database, migrated and loaded as `make run` does."""
    database = f"sqlite:///{tmp_path / 'prod.sqlite3'}"
    for step in (["migrate", "--noinput"], ["setup_demo"]):
        result = _manage(*step, "-v", "0", DEBUG="1", DATABASE_URL=database, SECRET_KEY="x" * 50)
        assert result.returncode == 0, result.stderr

    start = _run(sys.executable, "-c", "import lai_chau.wsgi", DATABASE_URL=database, **PRODUCTION)
    assert start.returncode != 0
    assert "ImproperlyConfigured" in start.stderr and "Tài khoản demo" in start.stderr
    check = _manage("check", "--deploy", DATABASE_URL=database, **PRODUCTION)
    assert check.returncode != 0 and "lai_chau.E001" in check.stderr

    fix = "from django.contrib.auth.models import User; User.objects.update(is_active=False)"
    assert _manage("shell", "-c", fix, DATABASE_URL=database, **PRODUCTION).returncode == 0
    start = _run(sys.executable, "-c", "import lai_chau.wsgi", DATABASE_URL=database, **PRODUCTION)
    assert start.returncode == 0, start.stderr
