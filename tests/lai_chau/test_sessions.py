"""Sessions end after 30 idle minutes and when the browser closes; an active user stays logged in."""

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from tests.factories import PASSWORD

START = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=datetime.UTC)


def _log_in(client, username: str) -> None:
    response = client.post("/dang-nhap/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302


def _plans_page(client):
    return client.get("/")


def test_a_session_idle_longer_than_the_timeout_is_logged_out(client, staff_user):
    with freeze_time(START) as clock:
        _log_in(client, "ldtbxh")
        assert _plans_page(client).status_code == 200
        clock.tick(datetime.timedelta(minutes=31))
        response = _plans_page(client)
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")


def test_an_active_user_stays_logged_in_past_the_timeout(client, staff_user):
    with freeze_time(START) as clock:
        _log_in(client, "ldtbxh")
        for _ in range(4):  # 4 × 20 minutes = 80 minutes of work, never 30 idle
            clock.tick(datetime.timedelta(minutes=20))
            assert _plans_page(client).status_code == 200


def test_the_session_cookie_ends_with_the_browser(client, staff_user):
    response = client.post("/dang-nhap/", {"username": "ldtbxh", "password": PASSWORD})
    cookie = response.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""  # no persistent cookie on a shared computer
    assert cookie["httponly"] and cookie["secure"]


def test_the_timeout_is_slid_forward_at_most_once_a_minute(client, staff_user):
    """One session write per minute of activity, not one per page (SESSION_SAVE_EVERY_REQUEST would)."""
    with freeze_time(START) as clock:
        _log_in(client, "ldtbxh")
        _plans_page(client)
        writes = []
        for seconds in [10, 20, 30, 61]:
            clock.move_to(START + datetime.timedelta(seconds=seconds))
            with CaptureQueriesContext(connection) as queries:
                _plans_page(client)
            writes.append(sum("django_session" in q["sql"] and "UPDATE" in q["sql"] for q in queries))
    assert writes == [0, 0, 0, 1]
