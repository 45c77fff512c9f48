"""The README's backup and restore, run for real: pg_dump a database holding a signed plan, pg_restore it into a fresh
database, and find there the same budget_check result and the same signed PDF (its recorded SHA-256 and its bytes)."""

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import quote

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command

from plans.lifecycle import plan_sign, plan_submit
from plans.models import Plan
from tests.factories import make_user

DB = settings.DATABASES["default"]
BASE_DIR = Path(settings.BASE_DIR)

pytestmark = pytest.mark.skipif(
    DB["ENGINE"] != "django.db.backends.postgresql",
    reason="pg_dump/pg_restore back up PostgreSQL, the production database; run with DATABASE_URL=postgres://…",
)


def _url(name: str) -> str:
    """The DATABASE_URL of database `name` on the test server, as the README's commands take it."""
    credentials = quote(DB["USER"] or "", safe="") + (f":{quote(DB['PASSWORD'], safe='')}" if DB["PASSWORD"] else "")
    return f"postgres://{credentials}@{DB['HOST'] or '127.0.0.1'}:{DB['PORT'] or 5432}/{name}"


def _run(*command: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, env={**os.environ, **env}, cwd=BASE_DIR, timeout=120)


def _manage(database_url: str, *arguments: str) -> subprocess.CompletedProcess:
    """`manage.py …` in its own process, against `database_url`, as an operator runs it after a restore."""
    return _run(
        sys.executable,
        "manage.py",
        *arguments,
        DATABASE_URL=database_url,
        DJANGO_SETTINGS_MODULE="lai_chau.settings_test",
    )


def _budget_check(database_url: str) -> tuple[int, dict]:
    done = _manage(database_url, "budget_check", "4159/KH-UBND", "--json")
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def _signed_pdf(database_url: str) -> tuple[str, bytes]:
    """The stored SHA-256 and PDF bytes of the 2024 plan's signed document, read with a plain database client."""
    with psycopg2.connect(database_url) as connection, connection.cursor() as cursor:
        cursor.execute(
            "SELECT d.sha256, d.pdf FROM plans_signeddocument d JOIN plans_plan p ON p.id = d.plan_id "
            "WHERE p.number = 4159 AND p.year = 2024"
        )
        ((sha256, pdf),) = cursor.fetchall()
    connection.close()
    return sha256, bytes(pdf)


@pytest.mark.django_db(transaction=True)  # the dump, in another process, must see committed data
def test_a_dump_restored_into_a_fresh_database_has_the_same_budget_and_signed_pdf(tmp_path):
    call_command("setup_demo", "--no-accounts", verbosity=0)
    plan = Plan.objects.get(number=4159, year=2024)
    plan_submit(plan=plan, by=make_user("ldtbxh", "programme_staff", "city-ldtbxh"))
    signed = plan_sign(plan=plan, by=make_user("lanhdao", "leadership", "lai-chau-city"))
    original_url = _url(DB["NAME"])
    original_check = _budget_check(original_url)
    assert original_check[0] == 0 and original_check[1]["passed"] is True
    assert _signed_pdf(original_url) == (signed.sha256, bytes(signed.pdf))

    dump = tmp_path / "laichau.dump"
    backup = _run("pg_dump", "-Fc", "--no-owner", "-f", str(dump), original_url)
    assert backup.returncode == 0, backup.stderr
    restored = f"{DB['NAME']}_restored_{os.getpid()}"
    server = ["-h", DB["HOST"] or "127.0.0.1", "-p", str(DB["PORT"] or 5432), "-U", DB["USER"]]
    password = {"PGPASSWORD": DB["PASSWORD"]} if DB["PASSWORD"] else {}
    _run("dropdb", "--if-exists", *server, restored, **password)
    created = _run("createdb", *server, restored, **password)
    assert created.returncode == 0, created.stderr
    try:
        restore = _run("pg_restore", "--no-owner", "--exit-on-error", "-d", _url(restored), str(dump))
        assert restore.returncode == 0, restore.stderr

        assert _budget_check(_url(restored)) == original_check
        sha256, pdf = _signed_pdf(_url(restored))
        assert sha256 == signed.sha256
        assert hashlib.sha256(pdf).hexdigest() == signed.sha256
        verified = _manage(_url(restored), "verify_signed_plans")
        assert verified.returncode == 0, verified.stderr
        assert f"4159/KH-UBND (2024) sha256 {signed.sha256}" in verified.stdout
    finally:
        dropped = _run("dropdb", "--force", *server, restored, **password)
        assert dropped.returncode == 0, dropped.stderr
