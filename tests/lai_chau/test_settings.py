import os
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "SECRET_KEY": "k" * 20 + "-production-secret-with-enough-entropy-9f8e7d6c5b4a",
    "ALLOWED_HOSTS": "kehoach.laichau.gov.vn",
    "DEBUG": "0",
}
INHERITED_NOT = {
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "DEBUG",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
}
READ_KEY = "from django.conf import settings; print(settings.SECRET_KEY)"


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    return _run(sys.executable, "manage.py", *args, **env)


def _run(*command: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in INHERITED_NOT}
    return subprocess.run(
        list(command),
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_without_warnings(tmp_path):
    # A fresh, not yet migrated database: the demo-account check must neither crash nor warn on it.
    database = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    result = _manage("check", "--deploy", "--fail-level", "WARNING", DATABASE_URL=database, **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_debug_without_secret_key_generates_a_key_per_installation_and_keeps_it(tmp_path):
    key_file = tmp_path / "first" / ".secret_key"
    key_file.parent.mkdir()
    first = _manage("shell", "-v", "0", "-c", READ_KEY, DEBUG="1", SECRET_KEY_FILE=str(key_file))
    assert first.returncode == 0, first.stderr
    key = first.stdout.strip()
    assert len(key) >= 50 and "insecure" not in key
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600  # readable by the service account only

    again = _manage("shell", "-v", "0", "-c", READ_KEY, DEBUG="1", SECRET_KEY_FILE=str(key_file))
    assert again.stdout.strip() == key  # sessions survive a restart

    other = _manage("shell", "-v", "0", "-c", READ_KEY, DEBUG="1", SECRET_KEY_FILE=str(tmp_path / "other-key"))
    assert other.stdout.strip() not in {"", key}  # another installation, another key


def test_the_generated_key_file_stays_out_of_the_repository():
    result = subprocess.run(["git", "check-ignore", ".secret_key"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, "add /.secret_key to .gitignore"
