import os
import shutil

import pytest
from django.core.management import call_command

# Every module here drives Chromium; on a machine without it they skip, except under .ci/run which requires them.
BROWSER_MARKS = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (os.environ.get("CHROMIUM_PATH") or shutil.which("chromium")) and not os.environ.get("REQUIRE_BROWSER"),
        reason="Chromium is not installed (apt-get install chromium); .ci/run installs it and sets REQUIRE_BROWSER",
    ),
]
DEMO_PASSWORD = "laichau2024"


@pytest.fixture
def demo_data(transactional_db, settings):
    """The data and demo accounts of `make run`, in a database the live server shares."""
    settings.DEBUG = True  # setup_demo creates demo accounts only in a DEBUG setup
    call_command("setup_demo", verbosity=0)
    settings.DEBUG = False


@pytest.fixture
def log_in(live_server, page):
    """Return a function that logs a demo account in through the login form."""

    def log_in_as(username: str) -> None:
        page.goto(live_server.url + "/dang-nhap/")
        page.get_by_label("Tên đăng nhập").fill(username)
        page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Đăng nhập").click()

    return log_in_as
