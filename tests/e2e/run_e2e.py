#!/usr/bin/env python
"""End-to-end run of the production shape on this machine's PostgreSQL and Redis.

Creates a fresh database, migrates it, collects static files, issues a write API key, starts
gunicorn (two workers) and a Celery worker with production settings, then through the API:
imports a 20,000-row workbook as a job, checks the counts, exports the list as a job and reads
the downloaded workbook back. Everything it started is stopped and the database dropped at the
end, also when a step fails; the exit status is non-zero on any failure.

    .venv/bin/python tests/e2e/run_e2e.py        (or: make e2e)

Environment: E2E_POSTGRES_URL (server, default postgres://postgres@127.0.0.1:5432),
E2E_DATABASE (default customerhub_e2e), E2E_REDIS_URL (default redis://127.0.0.1:6379/15, flushed
at the start and the end), E2E_ROWS (default 20000), E2E_JOB_TIMEOUT seconds (default 300).
"""

import io
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import redis
import requests
from openpyxl import Workbook, load_workbook

BASE_DIR = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POSTGRES_URL = os.environ.get("E2E_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432").rstrip("/")
DATABASE = os.environ.get("E2E_DATABASE", "customerhub_e2e")
REDIS_URL = os.environ.get("E2E_REDIS_URL", "redis://127.0.0.1:6379/15")
ROWS = int(os.environ.get("E2E_ROWS", "20000"))
JOB_TIMEOUT = float(os.environ.get("E2E_JOB_TIMEOUT", "300"))
ORGANIZATION = "e2e-traders"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The load balancer terminates TLS and says so; production settings redirect plain HTTP to HTTPS.
BEHIND_TLS = {"X-Forwarded-Proto": "https"}

FIRST_NAMES = ["Jane", "John", "Grace", "Peter", "Mary", "James", "Esther", "David", "Faith", "Samuel"]
LAST_NAMES = ["Wanjiku", "Kamau", "Otieno", "Achieng", "Mwangi", "Njeri", "Kiprop", "Wambui", "Ochieng", "Mutua"]
BUSINESSES = ["Hardware", "Traders", "Agencies", "Pharmacy", "Stores", "Enterprises", "Motors", "Salon"]
TOWNS = ["Nairobi", "Mombasa", "Kisumu", "Nakuru", "Eldoret", "Thika", "Nyeri", "Machakos"]
CHECK_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"
SERVICES = ("gunicorn", "worker")


class E2EFailure(Exception):
    pass


def say(message: str) -> None:
    print(message, flush=True)


def check(condition: bool, message: str) -> None:
    if not condition:
        raise E2EFailure(message)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def server_connection() -> psycopg.Connection:
    return psycopg.connect(f"{POSTGRES_URL}/postgres", autocommit=True, connect_timeout=5)


def database_recreate() -> None:
    with server_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')


def database_drop() -> None:
    with server_connection() as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')


def customers_workbook(rows: int) -> bytes:
    """Kenyan customers with unique numbers, KRA PINs and phones, in the import template's columns."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Customers")
    sheet.append(["Customer No", "Name", "Tax ID", "Phone Number", "Email-Address", "Address"])
    for n in range(1, rows + 1):
        first, last = FIRST_NAMES[n % len(FIRST_NAMES)], LAST_NAMES[(n // 10) % len(LAST_NAMES)]
        business = BUSINESSES[(n // 100) % len(BUSINESSES)]
        sheet.append(
            [
                f"E2E{n:06d}",
                f"{first} {last} {business} {n}",
                f"P{n:09d}{CHECK_LETTERS[n % len(CHECK_LETTERS)]}",
                f"+2547{n:08d}",
                f"{first.lower()}.{last.lower()}{n}@example.co.ke",
                f"Plot {n}, {TOWNS[n % len(TOWNS)]}",
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


class Stack:
    """The processes, database and files this run made, undone in reverse order."""

    def __init__(self, workdir: Path):
        self.workdir = workdir
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.cleanups: list[tuple[str, Callable[[], None]]] = []

    def start(self, name: str, command: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.workdir / f"{name}.log").open("wb")
        # A session of its own, so stopping it stops the process group (gunicorn's and Celery's children too).
        process = subprocess.Popen(  # noqa: S603 - our own virtualenv's programs
            command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        self.processes.append((name, process))
        return process

    def log_of(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop_processes(self) -> None:
        for name, process in reversed(self.processes):
            if process.poll() is not None:
                continue
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                say(f"   {name} did not stop in 20 s; killing it")
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=30)
            except ProcessLookupError:
                pass

    def close(self) -> None:
        self.stop_processes()
        for name, cleanup in reversed(self.cleanups):
            try:
                cleanup()
            except Exception as exc:  # every cleanup is tried, whatever the one before it did
                say(f"   cleanup '{name}' failed: {exc!r}")


def run(stack: Stack, env: dict[str, str], *arguments: str) -> str:
    result = subprocess.run(  # noqa: S603 - our own manage.py
        [str(BIN / "python"), "manage.py", *arguments],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if result.returncode != 0:
        raise E2EFailure(f"manage.py {' '.join(arguments)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


class Api:
    def __init__(self, base_url: str, key: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {key}", **BEHIND_TLS})

    def url(self, path_or_url: str) -> str:
        # Links in answers carry the public (https) origin; this run talks to gunicorn directly.
        parts = urlsplit(path_or_url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return f"{self.base_url}{path if path.startswith('/') else '/api/v1/' + path}"

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.url(path), timeout=120, **kwargs)

    def post(self, path: str, **kwargs) -> requests.Response:
        return self.session.post(self.url(path), timeout=120, **kwargs)

    def wait_for_job(self, job_id: str) -> dict:
        deadline = time.monotonic() + JOB_TIMEOUT
        last_progress = None
        while time.monotonic() < deadline:
            response = self.get(f"jobs/{job_id}")
            check(response.status_code == 200, f"GET /jobs/{job_id} answered {response.status_code}: {response.text}")
            job = response.json()["data"]
            if job["progress"] != last_progress:
                say(f"   job {job_id}: {job['status']} {job['progress']}% ({job['processed_rows']} rows)")
                last_progress = job["progress"]
            if job["status"] in ("succeeded", "failed"):
                return job
            time.sleep(1)
        raise E2EFailure(f"job {job_id} did not finish within {JOB_TIMEOUT:.0f} s")


def wait_until_ready(base_url: str, stack: Stack) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        for name, process in stack.processes:
            if name in SERVICES:
                check(process.poll() is None, f"{name} exited early:\n{stack.log_of(name)[-3000:]}")
        try:
            response = requests.get(f"{base_url}/readyz", timeout=30)
            if response.status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # still starting
        time.sleep(0.5)
    raise E2EFailure(f"/readyz never answered 200:\n{stack.log_of('gunicorn')[-3000:]}")


def json_lines(text: str) -> list[dict]:
    lines = []
    for line in text.splitlines():
        if line.startswith("{"):
            try:
                lines.append(json.loads(line))
            except json.JSONDecodeError:
                continue
    return lines


def scenario(stack: Stack) -> None:
    workdir = stack.workdir
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "CELERY_", "GUNICORN_")) and key != "REDIS_URL"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DATABASE_URL": f"{POSTGRES_URL}/{DATABASE}",
            "REDIS_URL": REDIS_URL,
            "CELERY_BROKER_URL": REDIS_URL,
            "DJANGO_MEDIA_ROOT": str(workdir / "media"),
            "DJANGO_STATIC_ROOT": str(workdir / "static"),
            "DJANGO_LOG_LEVEL": "INFO",
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": "2",
            "GUNICORN_TIMEOUT": "120",
            # Polling a job once a second for a few minutes is more than the default per-key rate.
            "API_THROTTLE_RATE": "100000/min",
        }
    )

    say(f"== database {DATABASE} and Redis {REDIS_URL}")
    database_recreate()
    stack.cleanups.append(("drop the database", database_drop))
    broker = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    broker.flushdb()
    stack.cleanups.append(("flush Redis", broker.flushdb))

    say("== migrate, collectstatic and an API key (production settings)")
    collectstatic = stack.start(
        "collectstatic", [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"], env
    )
    run(stack, env, "migrate", "--noinput")
    key = (
        run(
            stack,
            env,
            "create_api_key",
            "--org",
            ORGANIZATION,
            "--name",
            "E2E import",
            "--scope",
            "write",
            "--create-org",
            "E2E Traders",
        )
        .strip()
        .splitlines()[-1]
        .strip()
    )
    check(collectstatic.wait(timeout=600) == 0, f"collectstatic failed:\n{stack.log_of('collectstatic')[-3000:]}")

    say(f"== gunicorn (2 workers) on {base_url} and a Celery worker")
    stack.start("gunicorn", [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "config.wsgi"], env)
    stack.start(
        "worker", [str(BIN / "celery"), "-A", "config", "worker", "--loglevel", "INFO", "--concurrency", "2"], env
    )
    wait_until_ready(base_url, stack)
    api = Api(base_url, key)

    say("== HTTPS and static files as the load balancer sees them")
    plain = requests.get(f"{base_url}/api/v1/customers", allow_redirects=False, timeout=30)
    check(plain.status_code == 301 and plain.headers["Location"].startswith("https://"), "plain HTTP is not redirected")
    check(requests.get(f"{base_url}/healthz", timeout=30).status_code == 200, "/healthz does not answer over HTTP")
    manifest = json.loads((workdir / "static" / "staticfiles.json").read_text())
    stylesheet = api.session.get(f"{base_url}/static/{manifest['paths']['admin/css/base.css']}", timeout=30)
    check(stylesheet.status_code == 200, f"a hashed static file answered {stylesheet.status_code}")
    check("immutable" in stylesheet.headers.get("Cache-Control", ""), "hashed static files are not cached for long")

    say(f"== import {ROWS:,} rows through POST /api/v1/customers/import")
    started = time.monotonic()
    workbook = customers_workbook(ROWS)
    response = api.post(
        "customers/import",
        files={"file": ("customers.xlsx", workbook, XLSX)},
        headers={"X-Request-ID": "req-e2e-import"},
    )
    check(response.status_code == 202, f"import answered {response.status_code}: {response.text[:2000]}")
    check(response.headers.get("X-Request-ID") == "req-e2e-import", "the request id was not echoed")
    import_job = api.wait_for_job(response.json()["data"]["id"])
    check(import_job["status"] == "succeeded", f"the import job failed: {import_job}")
    counts = import_job["counts"]
    check(counts.get("created") == ROWS, f"the import created {counts.get('created')} customers, not {ROWS}: {counts}")
    check(counts.get("error_count", 0) == 0, f"the import reported errors: {import_job['errors'][:5]}")
    say(f"   imported in {time.monotonic() - started:.1f} s")

    listed = api.get("customers", params={"per_page": 1})
    check(listed.status_code == 200, f"the customer list answered {listed.status_code}")
    meta = listed.json()["meta"]
    # The list counts up to LIST_EXACT_TOTAL_UP_TO and says when there are more; the summary counts all.
    check(
        meta["total"] == ROWS if meta["total_is_exact"] else meta["total"] < ROWS,
        f"the list counts {meta['total']} customers (exact: {meta['total_is_exact']})",
    )
    summary = api.get("customers/summary").json()["data"]
    check(summary["customer_count"] == ROWS, f"the summary counts {summary['customer_count']} customers")
    found = api.get("customers/search", params={"q": f"E2E{ROWS:06d}"}).json()["data"]
    check(found and found[0]["customer_no"] == f"E2E{ROWS:06d}", f"search does not find the last row: {found}")

    say("== export the list as xlsx through GET /api/v1/customers/export")
    started = time.monotonic()
    response = api.get("customers/export", params={"format": "xlsx"})
    check(response.status_code == 202, f"export answered {response.status_code}: {response.text[:2000]}")
    export_job = api.wait_for_job(response.json()["data"]["id"])
    check(export_job["status"] == "succeeded", f"the export job failed: {export_job}")
    check(bool(export_job["result_url"]), "the finished export has no result URL")
    download = api.get(export_job["result_url"])
    check(download.status_code == 200, f"the export download answered {download.status_code}")
    sheet = load_workbook(io.BytesIO(download.content), read_only=True).worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    data_rows = sum(1 for row in rows if any(cell is not None for cell in row))
    check(data_rows == ROWS, f"the exported workbook has {data_rows} data rows, not {ROWS}")
    check(any(str(cell).lower().startswith("customer") for cell in header if cell), f"unexpected header: {header}")
    say(f"   exported and read back in {time.monotonic() - started:.1f} s")

    say("== structured logs")
    web_lines = [line for line in json_lines(stack.log_of("gunicorn")) if line.get("request_id") == "req-e2e-import"]
    check(
        any(line.get("organization") == ORGANIZATION and line.get("api_key") for line in web_lines),
        f"no JSON log line of the import request with its organization and key: {web_lines}",
    )
    task_lines = [line for line in json_lines(stack.log_of("worker")) if line.get("job_id") == import_job["id"]]
    check(bool(task_lines), "no JSON log line of the worker carries the import job's id")


def main() -> int:
    # A CI timeout or a Ctrl-C still stops the servers and drops the database (the finally below).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    workdir = Path(tempfile.mkdtemp(prefix="customerhub-e2e-"))
    stack = Stack(workdir)
    stack.cleanups.append(("remove the work folder", lambda: shutil.rmtree(workdir, ignore_errors=True)))
    started = time.monotonic()
    try:
        scenario(stack)
    except (E2EFailure, requests.RequestException, psycopg.Error, redis.RedisError, OSError) as exc:
        say(f"E2E FAILED after {time.monotonic() - started:.0f} s: {exc}")
        for name, _ in stack.processes:
            say(f"--- last lines of {name}.log ---\n{stack.log_of(name)[-4000:]}")
        return 1
    finally:
        stack.close()
    say(
        f"E2E OK in {time.monotonic() - started:.0f} s: {ROWS:,} rows imported and exported through gunicorn and Celery"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
