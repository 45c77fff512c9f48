import os
import shutil

import pytest
from django.core.management import call_command

from tests.factories import make_user

# live_server runs in a thread while sync Playwright drives the browser from the test's thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def seed(db):
    """Load the catalogue, units and the 2024 plan exactly as `setup_demo` does, without accounts."""
    call_command("setup_demo", "--no-accounts", verbosity=0)
    from plans.models import Plan

    return Plan.objects.get(number=4159, year=2024)


@pytest.fixture
def staff_user(seed):
    return make_user("ldtbxh", "programme_staff", "city-ldtbxh")


@pytest.fixture
def sung_phai_officer(seed):
    return make_user("sungphai", "unit_officer", "commune-sung-phai")


@pytest.fixture
def health_centre_officer(seed):
    return make_user("ttyt", "unit_officer", "city-ttyt")


@pytest.fixture
def leader(seed):
    return make_user("lanhdao", "leadership", "lai-chau-city")


@pytest.fixture
def finance_officer(seed):
    return make_user("taichinh", "finance", "city-tckh")


@pytest.fixture
def user_without_role(db):
    return make_user("khach", None, None)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Drive Debian's Chromium: Playwright cannot download its own browser on these machines."""
    executable = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")
    return {
        **browser_type_launch_args,
        "executable_path": executable,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


def pytest_report_header(config):
    from django.conf import settings

    return f"database: {settings.DATABASES['default']['ENGINE']}"
