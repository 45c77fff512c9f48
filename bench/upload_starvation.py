"""Can workbook uploads starve the server? Ten concurrent worst-case uploads against the README's gunicorn command.

Run:  .venv/bin/python bench/upload_starvation.py        (SQLite file in a temporary folder)
      DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/upload_starvation.py
      .venv/bin/python bench/upload_starvation.py --parse-only   (time each workbook in this process, no server)

On PostgreSQL it creates a throwaway database (bench_uploads_<pid>) on the server DATABASE_URL names and drops it at
the end; the database DATABASE_URL names is never written to. It migrates, loads the seed plan and a 9,996-row plan,
runs collectstatic (into the project's staticfiles/, as the README's deployment does), then starts the gunicorn
command found in README.md on a free 127.0.0.1 port with DEBUG off. A staff user's session is created directly in the
database. Then, at once:
  * UPLOADS clients post one workbook each to the import preview URL: the largest workbook each parsing limit of
    budgets/excel.py still admits, one with every limit at its maximum, and the issue's 19 MB of shared strings;
  * one client asks for the seed plan's page every PAGE_INTERVAL seconds while any upload is running.
It prints each upload's status and time, the plan page's latency during the storm, and the worker timeouts and
restarts gunicorn logged; then stops gunicorn (SIGTERM, then SIGKILL) and removes what it created. Only 127.0.0.1 is
contacted; every request has a timeout and the storm is bounded in count and time. Not collected by pytest.
"""

import argparse
import http.client
import io
import os
import re
import secrets
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

UPLOADS = 10
PAGE_INTERVAL = 0.25  # seconds between two plan page requests
REQUEST_TIMEOUT = 120  # seconds, for any one request
STORM_DEADLINE = 300  # seconds: the storm is abandoned after this, whatever is still running
BIG_PLAN = (196, 50)  # lines × units: 196 × 51 = 9,996 table rows, just under MAX_DATA_ROWS
SPREADSHEETML = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _prepare_environment(args) -> tuple[dict, callable]:
    """Environment for this process and gunicorn: DEBUG off, a throwaway database. Return it and a cleanup."""
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_HSTS_SECONDS": "0",
        "DJANGO_SETTINGS_MODULE": "lai_chau.settings",
        "PYTHONUNBUFFERED": "1",
    }
    server_url = os.environ.get("DATABASE_URL", "")
    if server_url.startswith("postgres"):
        name = f"bench_uploads_{os.getpid()}"
        parts = urlsplit(server_url)
        env["DATABASE_URL"] = urlunsplit(parts._replace(path=f"/{name}"))
        _postgres(server_url, f'CREATE DATABASE "{name}"')
        return env, lambda: _postgres(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    folder = tempfile.mkdtemp(prefix="bench_uploads_")
    env["DATABASE_URL"] = f"sqlite:///{folder}/bench.sqlite3"
    return env, lambda: subprocess.run(["rm", "-rf", folder], check=False)


def _postgres(url: str, statement: str) -> None:
    import psycopg2

    connection = psycopg2.connect(url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(statement)
    connection.close()


# --- the workbooks --------------------------------------------------------------------------------------------


@dataclass
class Upload:
    label: str
    data: bytes
    plan_id: int
    status: int | None = None
    seconds: float | None = None
    outcome: str = ""


def _rich_inline_cells(count: int, row: int = 3) -> bytes:
    """Cells far right of the table holding rich text: openpyxl's costliest cells (17 tags each)."""
    run = b"<r><rPr><b/><i/><strike/><u/><sz val='1'/><color rgb='FF000000'/><rFont val='a'/></rPr><t>a</t></r>"
    return b"".join(b'<c r="AA%d" t="inlineStr"><is>' % row + run + b"</is></c>" for _ in range(count))


def worst_case_workbooks(seed_id: int, seed_workbook: bytes, big_id: int, big_workbook: bytes) -> list[Upload]:
    """The largest workbook each limit admits (on top of the seed's export), every limit at once, and the issue's."""
    from budgets import excel
    from lai_chau.money import group_digits
    from tests.budgets.workbooks import (
        BUDGET_SHEET_PART,
        parts,
        with_budget_sheet_xml,
        with_merged_ranges,
        with_parts,
        with_shared_strings,
        with_styles,
    )

    base_tags = sum(part.count(b"<") for name, part in parts(seed_workbook).items() if name.startswith("xl/worksheets"))
    other_tags = sum(part.count(b"<") for part in parts(seed_workbook).values()) - base_tags
    sheet_budget = excel.MAX_SHEET_TAGS - base_tags - 50  # what a workbook may add to the seed's sheets

    def rich_strings(data: bytes, tags: int) -> bytes:
        """Shared strings up to the cap, each a rich run (6 tags) while the tag budget lasts."""
        rich = min(excel.MAX_SHARED_STRINGS, tags // 6)
        plain = min(excel.MAX_SHARED_STRINGS - rich, (tags - 6 * rich) // 4)
        entries = b"<si><r><t>a</t></r></si>" * rich + b"<si><t>a</t></si>" * plain
        table = f'<sst xmlns="{SPREADSHEETML}">'.encode() + entries + b"</sst>"
        declared = {
            "xl/sharedStrings.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
        }
        return with_parts(data, {"xl/sharedStrings.xml": table}, declared)

    def rows_and_cells(data: bytes, cells: int = excel.MAX_SHEET_CELLS - 1_000) -> bytes:
        """MAX_SHEET_CELLS empty cells (1 tag each) in a row above the header, which the importer reads through,
        and rows up to MAX_SHEET_ROWS after the table (not read: the importer stops at the totals row)."""
        row = b'<c r="AA3"/>' * cells
        rows = b"".join(b'<row r="%d"/>' % (100_000 + n) for n in range(excel.MAX_SHEET_ROWS - 100))

        def change(xml: bytes) -> bytes:
            xml = xml.replace(b'<row r="4">', b'<row r="3">' + row + b'</row><row r="4">', 1)
            return xml.replace(b"</sheetData>", rows + b"</sheetData>", 1)

        return with_budget_sheet_xml(data, change)

    def rich_cells(data: bytes, tags: int) -> bytes:
        cells = _rich_inline_cells(tags // 18)
        return with_budget_sheet_xml(
            data, lambda xml: xml.replace(b'<row r="4">', b'<row r="3">' + cells + b'</row><row r="4">', 1)
        )

    def styles(data: bytes, reserve: int = 300) -> bytes:
        """Cell formats (1 tag each) up to MAX_OTHER_TAGS, less `reserve` tags left for other parts."""
        return with_styles(data, excel.MAX_OTHER_TAGS - other_tags - reserve)

    def sheets_and_relationships(data: bytes) -> bytes:
        """MAX_SHEETS sheet entries, all the budget sheet, whose relationships part holds MAX_RELATIONSHIP_TAGS."""
        book = parts(data)["xl/workbook.xml"]
        extra = "".join(
            f'<sheet xmlns:r="{RELATIONSHIPS}" name="Trang {n}" sheetId="{n + 10}" r:id="rId1"/>'
            for n in range(excel.MAX_SHEETS - 2)
        )
        relationship = (
            '<Relationship Id="x{n}" Type="http://x.invalid/h" Target="http://x.invalid/" TargetMode="External"/>'
        )
        rels = "".join(relationship.format(n=n) for n in range(excel.MAX_RELATIONSHIP_TAGS - 5))
        xml = f'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">{rels}</Relationships>'
        return with_parts(
            data,
            {
                "xl/workbook.xml": book.replace(b"</sheets>", extra.encode() + b"</sheets>"),
                "xl/worksheets/_rels/sheet1.xml.rels": xml.encode(),
            },
        )

    def merges_and_big_part(data: bytes) -> bytes:
        """MAX_MERGED_RANGES merged ranges right of the table, and a cell above the header holding text up to
        MAX_PART_BYTES for the sheet's part."""
        refs = [f"AA{row}:AB{row}" for row in range(100, 100 + excel.MAX_MERGED_RANGES - 20)]
        data = with_merged_ranges(data, refs)
        text = b"x" * (excel.MAX_PART_BYTES - len(parts(data)[BUDGET_SHEET_PART]) - 1_000)
        big_cell = b'<row r="3"><c r="AA3" t="inlineStr"><is><t>' + text + b"</t></is></c></row>"
        return with_budget_sheet_xml(data, lambda xml: xml.replace(b'<row r="4">', big_cell + b'<row r="4">', 1))

    def sheet_tags(data: bytes) -> int:
        return sum(part.count(b"<") for name, part in parts(data).items() if name.startswith("xl/worksheets"))

    everything = rows_and_cells(seed_workbook, cells=excel.MAX_SHEET_CELLS * 2 // 3)
    left = excel.MAX_SHEET_TAGS - sheet_tags(everything) - 50
    everything = rich_cells(rich_strings(everything, left // 2), left // 2)
    everything = sheets_and_relationships(styles(everything, reserve=excel.MAX_RELATIONSHIP_TAGS + 600))
    refs = [f"AA{row}:AB{row}" for row in range(100, 100 + excel.MAX_MERGED_RANGES - 20)]
    everything = with_merged_ranges(everything, refs)
    n = group_digits
    return [
        Upload(f"{n(BIG_PLAN[0] * (BIG_PLAN[1] + 1))} dòng hợp lệ, mọi số đổi", big_workbook, big_id),
        Upload(f"{n(excel.MAX_SHARED_STRINGS)} chuỗi dùng chung", rich_strings(seed_workbook, sheet_budget), seed_id),
        Upload(f"{n(excel.MAX_SHEET_ROWS)} dòng, {n(excel.MAX_SHEET_CELLS)} ô", rows_and_cells(seed_workbook), seed_id),
        Upload(f"{n(excel.MAX_SHEET_TAGS)} thẻ XML (ô rich text)", rich_cells(seed_workbook, sheet_budget), seed_id),
        Upload(f"{n(excel.MAX_OTHER_TAGS)} thẻ định dạng", styles(seed_workbook), seed_id),
        Upload(
            f"{excel.MAX_SHEETS} trang tính, quan hệ {n(excel.MAX_RELATIONSHIP_TAGS)} thẻ",
            sheets_and_relationships(seed_workbook),
            seed_id,
        ),
        Upload(
            f"{n(excel.MAX_MERGED_RANGES)} vùng gộp, phần {excel.MAX_PART_BYTES // 2**20} MB",
            merges_and_big_part(seed_workbook),
            seed_id,
        ),
        Upload("mọi giới hạn cùng lúc", everything, seed_id),
        Upload("mọi giới hạn cùng lúc (2)", everything, seed_id),
        Upload("19 MB chuỗi dùng chung (vụ việc)", with_shared_strings(seed_workbook, 1_000_000, text="xxx"), seed_id),
    ]


# --- setup ----------------------------------------------------------------------------------------------------


def _setup_database() -> tuple[int, bytes, int, bytes, str]:
    """Migrate, load the seed plan and the big plan, export their workbooks, log a staff user in.

    Return (seed plan id, its workbook, big plan id, its workbook with every allocation changed, session key)."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    from budgets.excel import export_budget_workbook
    from plans.models import Plan
    from tests.budgets.workbooks import bulk_plan, every_allocation_set
    from tests.factories import make_user

    quiet = io.StringIO()
    call_command("migrate", verbosity=0, stdout=quiet)
    call_command("setup_demo", "--no-accounts", verbosity=0, stdout=quiet)
    seed = Plan.objects.get(number=4159, year=2024)
    big = bulk_plan(lines=BIG_PLAN[0], units=BIG_PLAN[1], number=9600)
    staff = make_user(f"bench-{uuid.uuid4().hex[:8]}", "programme_staff", "city-ldtbxh")
    client = Client()
    client.force_login(staff)
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    big_workbook = every_allocation_set(export_budget_workbook(big), 9.5)
    return seed.pk, export_budget_workbook(seed), big.pk, big_workbook, session


def _readme_gunicorn_command() -> list[str]:
    """The gunicorn command line of README.md, as written there."""
    for line in (BASE_DIR / "README.md").read_text(encoding="utf-8").splitlines():
        if line.strip().startswith(".venv/bin/gunicorn lai_chau.wsgi"):
            return shlex.split(line.split("#")[0].strip())
    raise SystemExit("README.md has no 'gunicorn lai_chau.wsgi' command line")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _with_bind(command: list[str], port: int) -> list[str]:
    command = [str(BASE_DIR / part) if part.startswith(".venv/") else part for part in command]
    bind = f"127.0.0.1:{port}"
    for index, part in enumerate(command):
        if part in ("--bind", "-b"):
            return [*command[: index + 1], bind, *command[index + 2 :]]
        if part.startswith("--bind="):
            return [*command[:index], f"--bind={bind}", *command[index + 1 :]]
    return [*command, "--bind", bind]


# --- the storm ------------------------------------------------------------------------------------------------


class Site:
    """Requests to the server as the logged-in staff user, through the HTTPS reverse proxy the README describes
    (X-Forwarded-Proto: https; the connection itself is plain HTTP on 127.0.0.1)."""

    def __init__(self, port: int, session: str, session_cookie: str, csrf_cookie: str):
        self.port = port
        self.csrf = secrets.token_hex(16)  # 32 characters: Django accepts a cookie it did not set, if well formed
        self.cookie = f"{session_cookie}={session}; {csrf_cookie}={self.csrf}"
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, method: str, path: str, body: bytes = b"", content_type: str = "") -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
        headers = {
            "Host": f"127.0.0.1:{self.port}",
            "Cookie": self.cookie,
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": "127.0.0.1",
        }
        if method == "POST":
            headers.update({"Origin": self.origin, "Referer": self.origin + path, "X-CSRFToken": self.csrf})
            headers.update({"Content-Type": content_type, "Content-Length": str(len(body))})
        try:
            connection.request(method, path, body=body or None, headers=headers)
            response = connection.getresponse()
            return response.status, response.read()
        finally:
            connection.close()

    def upload(self, plan_id: int, data: bytes) -> tuple[int, bytes]:
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="upload"\r\n\r\n\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="workbook"; filename="kinh-phi.xlsx"\r\n'
                "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        return self.request(
            "POST", f"/ke-hoach/{plan_id}/kinh-phi/nhap-excel/", body, f"multipart/form-data; boundary={boundary}"
        )


def _outcome(status: int, body: bytes) -> str:
    """What the preview page said, in a few words."""
    if status != 200:
        return f"HTTP {status}"
    text = body.decode("utf-8", "replace")
    if 'data-testid="import-errors"' in text:
        first = re.search(r'<tr class="problem"><td>[^<]*</td><td>[^<]*</td><td>([^<]*)</td>', text)
        return "từ chối: " + (first[1][:70] if first else "?")
    if 'data-testid="import-preview"' in text:
        return "xem trước: " + str(text.count("<tr>") - 1) + " thay đổi"
    if "verdict pass" in text:
        return "đọc xong: khớp kế hoạch, không có gì để nhập"
    busy = re.search(r'<li class="message[^"]*">([^<]*)</li>', text)
    return busy[1][:70] if busy else "trang nhập"


def _storm(site: Site, uploads: list[Upload], page: str) -> tuple[list[tuple[float, float]], list[str]]:
    """Fire every upload at once while a separate client reads `page`; return when (seconds from the storm's start,
    negative before it) and how long each page request took, and the failures."""
    latencies, failures = [], []
    storm_start = time.perf_counter() + 2
    running = threading.Event()
    running.set()

    def send(upload: Upload) -> None:
        started = time.perf_counter()
        try:
            upload.status, body = site.upload(upload.plan_id, upload.data)
            upload.outcome = _outcome(upload.status, body)
        except OSError as error:  # timeout, reset: the worker was killed
            upload.outcome = f"{type(error).__name__}: {error}"[:80]
        upload.seconds = time.perf_counter() - started

    def read_page() -> None:
        deadline = time.monotonic() + STORM_DEADLINE
        while running.is_set() and time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                status, _body = site.request("GET", page)
                if status != 200:
                    failures.append(f"HTTP {status}")
            except OSError as error:
                failures.append(type(error).__name__)
            latencies.append((started - storm_start, time.perf_counter() - started))
            time.sleep(PAGE_INTERVAL)

    reader = threading.Thread(target=read_page)
    senders = [threading.Thread(target=send, args=(upload,)) for upload in uploads]
    reader.start()
    time.sleep(max(0.0, storm_start - time.perf_counter()))  # a quiet baseline first
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(STORM_DEADLINE)
    running.clear()
    reader.join()
    return latencies, failures


def _worker_memory(arbiter: int) -> list[tuple[int, int]]:
    """(peak, current) resident memory in MB of each gunicorn worker (a child of the arbiter), from /proc."""
    sizes = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        if fields.get("PPid", "").strip() == str(arbiter) and "VmHWM" in fields:
            sizes.append((int(fields["VmHWM"].split()[0]) // 1024, int(fields["VmRSS"].split()[0]) // 1024))
    return sorted(sizes)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def _report(
    uploads: list[Upload],
    timeline: list[tuple[float, float]],
    failures: list[str],
    log: str,
    command: list[str],
    memory: list,
) -> None:
    print(f"\ngunicorn: {' '.join(command[1:])}   ({os.cpu_count()} CPU)")
    print(f"\n{'upload':<36}{'MB':>6}{'HTTP':>6}{'time (s)':>10}  outcome")
    for upload in uploads:
        status = "—" if upload.status is None else str(upload.status)
        seconds = "—" if upload.seconds is None else f"{upload.seconds:.1f}"
        print(f"{upload.label:<36}{len(upload.data) / 1e6:>6.2f}{status:>6}{seconds:>10}  {upload.outcome}")
    before = [latency for when, latency in timeline if when < 0]
    during = [(latency, when) for when, latency in timeline if when >= 0]
    if before:
        print(f"\nplan page before the storm: {len(before)} requests, median {statistics.median(before):.3f} s")
    if during:
        latencies = [latency for latency, _when in during]
        worst, when = max(during)
        print(
            f"plan page during the storm: {len(latencies)} requests, p50 {_percentile(latencies, 0.5):.2f} s, "
            f"p95 {_percentile(latencies, 0.95):.2f} s, max {worst:.2f} s (sent {when:.1f} s after the uploads)"
            + (f"; failures: {', '.join(sorted(set(failures)))} ({len(failures)})" if failures else "; no failure")
        )
    answered = [upload.status for upload in uploads]
    print(
        f"uploads: {answered.count(200)} answered 200, {answered.count(503)} told to come back (503), "
        f"{sum(1 for status in answered if status not in (200, 503))} other"
    )
    timeouts = len(re.findall(r"WORKER TIMEOUT", log))
    boots = len(re.findall(r"Booting worker", log))
    killed = len(re.findall(r"was sent SIGKILL|Worker \(pid:\d+\) was sent", log))
    print(f"gunicorn log: {timeouts} worker timeout(s), {killed} worker(s) killed, {boots} worker boot(s) in all")
    if memory:
        print("workers' resident memory, peak / now (MB): " + ", ".join(f"{peak} / {now}" for peak, now in memory))


# --- parse-only -----------------------------------------------------------------------------------------------


def _time_in_process(uploads: list[Upload]) -> None:
    """Each workbook through what the preview runs, one at a time in this process: parse, then the rule trial."""
    from budgets.excel import budget_workbook_trial, read_budget_workbook
    from plans.models import Plan

    print(f"\n{'workbook':<36}{'MB':>6}{'parse (s)':>11}{'trial (s)':>11}  outcome")
    for upload in uploads:
        plan = Plan.objects.get(pk=upload.plan_id)
        started = time.perf_counter()
        parsed = read_budget_workbook(plan, upload.data)
        parse = time.perf_counter() - started
        trial = 0.0
        if parsed.ok and not parsed.edit.is_empty():
            started = time.perf_counter()
            budget_workbook_trial(plan=plan, parsed=parsed)
            trial = time.perf_counter() - started
        outcome = f"refused: {parsed.errors[0].message[:60]}" if parsed.errors else f"{len(parsed.preview)} changes"
        print(f"{upload.label:<36}{len(upload.data) / 1e6:>6.2f}{parse:>11.2f}{trial:>11.2f}  {outcome}")


# --- main -----------------------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--parse-only", action="store_true", help="time each workbook in this process, no server")
    parser.add_argument("--uploads", type=int, default=UPLOADS, help="concurrent uploads (the list is cycled)")
    parser.add_argument(
        "--only", metavar="TEXT", help="send only the workbooks whose label contains TEXT, e.g. '19 MB'"
    )
    parser.add_argument(
        "--gunicorn", metavar="COMMAND", help="another gunicorn command line to compare with the README's"
    )
    args = parser.parse_args()
    env, cleanup = _prepare_environment(args)
    os.environ.update(env)
    server = None
    log_file = tempfile.TemporaryFile(mode="w+")
    try:
        import django

        django.setup()
        from django.conf import settings

        print("preparing the database and the workbooks…", flush=True)
        seed_id, seed_workbook, big_id, big_workbook, session = _setup_database()
        kinds = worst_case_workbooks(seed_id, seed_workbook, big_id, big_workbook)
        kinds = [kind for kind in kinds if not args.only or args.only in kind.label] or kinds
        uploads = [
            Upload(kinds[n % len(kinds)].label, kinds[n % len(kinds)].data, kinds[n % len(kinds)].plan_id)
            for n in range(args.uploads)
        ]
        if args.parse_only:
            _time_in_process(kinds)
            return
        from django.core.management import call_command

        call_command("collectstatic", "--noinput", verbosity=0)
        from django.db import connections

        connections.close_all()
        port = _free_port()
        command = _with_bind(shlex.split(args.gunicorn) if args.gunicorn else _readme_gunicorn_command(), port)
        server = subprocess.Popen(
            command, cwd=BASE_DIR, env=env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        site = Site(port, session, settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
        page = f"/ke-hoach/{seed_id}/"
        _wait_until_up(site, page, server)
        _warm_up(site, page)
        print(f"server up on 127.0.0.1:{port}; {len(uploads)} uploads at once…", flush=True)
        timeline, failures = _storm(site, uploads, page)
        time.sleep(2)  # let gunicorn log what happened to its workers
        log_file.seek(0)
        _report(uploads, timeline, failures, log_file.read(), command, _worker_memory(server.pid))
    finally:
        if server is not None:
            _stop(server)
        from django.db import connections

        connections.close_all()
        cleanup()


def _wait_until_up(site: Site, page: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            status, _body = site.request("GET", page)
        except OSError:
            time.sleep(0.3)
            continue
        if status == 200:
            return
        raise SystemExit(f"the plan page answers {status}: check the settings the bench passes")
    raise SystemExit("gunicorn did not answer within 60 s")


def _warm_up(site: Site, page: str) -> None:
    """Concurrent page requests, so that every worker has served the page once (a worker's first page costs about
    2 s of imports and template loading, which is not what the bench measures)."""
    for _round in range(3):
        threads = [threading.Thread(target=site.request, args=("GET", page)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(REQUEST_TIMEOUT)


def _stop(server: subprocess.Popen) -> None:
    """SIGTERM gunicorn's process group (arbiter and workers), SIGKILL it if still there after 10 s."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(5)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    main()
