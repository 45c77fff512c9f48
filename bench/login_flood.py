"""A logged-in user's plan page while anonymous clients guess passwords, with and without the login lockout.

Run:  .venv/bin/python bench/login_flood.py [--guessers 8] [--seconds 10]

Starts the README's gunicorn command (3 workers) on a throwaway SQLite database with the real password hasher,
logs `ldtbxh` in, times its plan page alone, then again while each guesser posts wrong passwords as fast as it can,
each from its own address (as the reverse proxy reports it in X-Forwarded-For) and for its own account. It does this
twice: with the lockout as configured (5 failures) and with a limit nobody reaches (the site before django-axes).
Prints the page's median and 95th-percentile time and what the guessers got.
"""

import argparse
import http.cookiejar
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
PASSWORD = "laichau2024"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Client:
    """A browser-like client: cookies, CSRF token, no redirects followed."""

    def __init__(self, base: str, address: str):
        self.base, self.address = base, address
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect())

    def request(self, path: str, data: dict | None = None) -> int:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body, headers={"X-Forwarded-For": self.address})
        if data is not None:
            request.add_header("Referer", self.base + path)
        try:
            with self.opener.open(request, timeout=60) as response:
                self.last_body = response.read().decode()
                return response.status
        except urllib.error.HTTPError as error:
            self.last_body = error.read().decode()
            return error.code

    def login_form(self, username: str, password: str) -> int:
        self.request("/dang-nhap/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.last_body).group(1)
        return self.request("/dang-nhap/", {"csrfmiddlewaretoken": token, "username": username, "password": password})


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _page_times(client: Client, path: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        assert client.request(path) == 200
        times.append((time.perf_counter() - started) * 1000)
    return times


def _run(env: dict, label: str, guessers: int, seconds: float) -> None:
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [GUNICORN, "lai_chau.wsgi", "--bind", f"127.0.0.1:{port}", "--workers", "3", "--log-level", "warning"],
        cwd=BASE_DIR,
        env=env,
        stderr=subprocess.DEVNULL,  # Django logs every refused (429) attempt
    )
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/dang-nhap/", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        user = Client(base, "192.0.2.10")
        assert user.login_form("ldtbxh", PASSWORD) == 302
        plan_path = "/ke-hoach/1/"
        _page_times(user, plan_path, 3)  # warm up
        alone = _page_times(user, plan_path, 20)

        stop = threading.Event()
        results: list[int] = []

        def guess(index: int) -> None:
            client = Client(base, f"203.0.113.{index + 1}")
            while not stop.is_set():
                results.append(client.login_form(f"doan-{index}", "sai-mat-khau"))

        threads = [threading.Thread(target=guess, args=(i,)) for i in range(guessers)]
        for thread in threads:
            thread.start()
        time.sleep(1)
        busy = []
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            busy += _page_times(user, plan_path, 1)
        stop.set()
        for thread in threads:
            thread.join()
        refused = sum(status == 429 for status in results)
        print(
            f"{label:<28} alone: median {statistics.median(alone):6.0f} ms | with {guessers} guessers: "
            f"median {statistics.median(busy):6.0f} ms, p95 {statistics.quantiles(busy, n=20)[-1]:6.0f} ms | "
            f"{len(results)} guesses, {refused} refused by the lockout"
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--guessers", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite:///{folder}/bench.sqlite3",
            "SECRET_KEY_FILE": f"{folder}/secret",
            "DEBUG": "1",  # demo accounts are allowed, static files served without collectstatic
            "LOG_LEVEL": "ERROR",  # axes logs every failure as a warning
            "REVERSE_PROXY_COUNT": "1",  # each guesser's X-Forwarded-For counts as its own address, as behind nginx
        }
        for step in (["migrate", "--noinput"], ["setup_demo"]):
            subprocess.run(
                [PYTHON, "manage.py", *step, "-v", "0"], cwd=BASE_DIR, env=env, check=True, stdout=subprocess.DEVNULL
            )
        print(f"{os.cpu_count()} CPU(s); gunicorn, 3 workers; SQLite; real PBKDF2 password hasher")
        _run({**env, "LOGIN_FAILURE_LIMIT": "5"}, "lockout after 5 failures", args.guessers, args.seconds)
        _run({**env, "LOGIN_FAILURE_LIMIT": "1000000"}, "no lockout (before)", args.guessers, args.seconds)


if __name__ == "__main__":
    main()
