"""``make bench``: every hot path through gunicorn on SQLite and PostgreSQL, beside its reference.

    python bench/run.py --n 100000 --db sqlite|postgres|both [--scenarios import,export_xlsx]

For each database: prepare it (bench/prepare.py: migrate, generate the data once, pick the
workload), start gunicorn with 2 workers on it, warm up, run each scenario from a separate load
process (bench/load.py) with a fixed concurrency and request count, run the reference (the same
SQL straight on a cursor, bench/raw.py), and stop the server. One table is printed; the figures
go to bench/results/<date>-<db>-<n>.json and bench/results/latest.md.

The document scenarios run one operation at a time from bench/fetch.py, which follows a job
(202) to its end and downloads its file: an N-row import of the full template into a fresh
organization beside the textbook django-import-export import of its first rows
(bench/reference_import.py), exports of the whole list as xlsx and csv beside the same rows
written straight from a cursor (bench/raw.py), a 500-transaction statement and a 5,000-row list
PDF. Jobs run as in production: queued in Redis (BENCH_REDIS_URL) and run by a Celery worker
that this script starts beside gunicorn; peak RSS is reported for both.

``--scenarios`` (or BENCH_SCENARIOS, a comma-separated list) reruns a subset; the JSON file and
latest.md then hold only those rows.
"""

import argparse
import contextlib
import fcntl
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from guard import require_bench_database

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"
PYTHON = sys.executable
CONCURRENCY = 2
# Rounds in which a scenario's requests and its raw reference take turns (measure_with_reference).
REFERENCE_ROUNDS = 5
WORKERS = 2
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")

TARGETS = {
    "quick_search": {"p95_ms": 30, "ratio": 1.5},
    "list_filtered": {"p95_ms": 100},
    "list_by_balance": {"p95_ms": 100},
    "detail": {"p95_ms": 30, "rps": 300},
    "import": {"rows_per_s": 10_000, "speedup": 10},
    "export_xlsx": {"rows_per_s": 20_000, "rss_mb": 250},
    "export_csv": {"rows_per_s": 100_000},
    "statement_pdf": {"p95_ms": 3000},
}
HTTP_SCENARIOS = ("quick_search", "list_filtered", "list_by_balance", "detail", "summary", "create")
# In this order: the import comes last, so the list the others read is the generated one.
DOCUMENT_SCENARIOS = ("export_xlsx", "export_csv", "statement_pdf", "list_pdf", "import")
SCENARIOS = HTTP_SCENARIOS + DOCUMENT_SCENARIOS


def redis_reachable() -> bool:
    """Whether the job queue answers; without it the document scenarios cannot queue their jobs."""
    parts = urlsplit(REDIS_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(64).startswith((b"+PONG", b"-NOAUTH"))
    except OSError:
        return False


def database_url(kind: str, n: int) -> str | None:
    if kind == "sqlite":
        DATA.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{DATA / f'bench-{n}.sqlite3'}"
    try:
        import psycopg

        with psycopg.connect(POSTGRES_ADMIN_URL.replace("postgres://", "postgresql://"), autocommit=True) as admin:
            name = f"customerhub_bench_{n}"
            exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if not exists:
                admin.execute(f'CREATE DATABASE "{name}"')
    except Exception as exc:  # noqa: BLE001 - any connection problem means "no PostgreSQL here"
        print(f"PostgreSQL is not reachable ({exc.__class__.__name__}); running the SQLite half only.")
        return None
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    return f"{base}/{name}"


def server_environment(url: str, media_root: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        # Nothing of the development set-up may leak in: no replica, files under bench/data.
        "DATABASE_REPLICA_URL": "",
        "DJANGO_MEDIA_ROOT": str(media_root),
        "DJANGO_STORAGE": "disk",
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOW_SQLITE": "true",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_THROTTLE_RATE": "100000000/min",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Production settings: a Redis cache and broker; the jobs (large imports and exports) run
        # in the Celery worker started beside gunicorn (start_worker).
        "REDIS_URL": REDIS_URL,
        "CELERY_BROKER_URL": REDIS_URL,
    }


def run_json(args: list[str], env: dict[str, str], payload: dict | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(payload or {}, handle)
    try:
        output = subprocess.run(
            [*args, handle.name] if payload is not None else args,
            env=env,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    finally:
        os.unlink(handle.name)
    if output.returncode != 0:
        raise RuntimeError(f"{' '.join(args[1:])} failed (exit {output.returncode}):\n{output.stderr[-3000:]}")
    return json.loads(output.stdout.strip().splitlines()[-1])


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def worker_pids(master_pid: int) -> list[int]:
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def reset_peak_rss(pids: list[int]) -> None:
    for pid in pids:
        with contextlib.suppress(OSError):
            Path(f"/proc/{pid}/clear_refs").write_text("5")  # resets VmHWM


def peak_rss_mb(pids: list[int]) -> float:
    peaks = []
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peaks.append(int(line.split()[1]) / 1024)
        except OSError:
            continue
    return max(peaks, default=0.0)


def start_server(env: dict[str, str], port: int) -> subprocess.Popen:
    log = (DATA / f"server-{port}.log").open("w")  # the server's own log, kept out of the table
    server = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "gunicorn",
            "config.wsgi",
            "-c",
            "gunicorn.conf.py",
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "--timeout",
            "300",
        ],
        env={**env, "GUNICORN_MAX_REQUESTS": "0"},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):  # noqa: S310 - loopback
                return server
        except OSError:
            time.sleep(0.3)
    server.terminate()
    raise RuntimeError("gunicorn did not start within 60 s")


def http_scenarios(workload: dict) -> dict[str, list[dict]]:
    ids = workload["customer_ids"]
    queries = workload["search_queries"]
    return {
        "quick_search": [
            {"path": "/api/v1/customers/search?" + urlencode({"q": query, "limit": 10})} for query in queries
        ],
        "list_filtered": [{"path": "/api/v1/customers?" + urlencode(filters)} for filters in workload["list_filters"]],
        "list_by_balance": [{"path": f"/api/v1/customers?ordering=-balance&page={page}"} for page in (1, 2, 3)],
        "detail": [{"path": f"/api/v1/customers/{customer_id}"} for customer_id in ids],
        "summary": [{"path": "/api/v1/customers/summary"}],
        "create": [
            {
                "method": "POST",
                "path": "/api/v1/customers",
                "body": {"name": f"Bench Customer {i}", "phone": f"+2547{i % 100:02d}{i:06d}"[:13]},
            }
            for i in range(2000)
        ],
    }


REQUEST_COUNTS = {
    "quick_search": 1000,
    "list_filtered": 300,
    "list_by_balance": 300,
    "detail": 1500,
    "summary": 60,
    "create": 300,
}


def start_worker(env: dict[str, str], kind: str) -> subprocess.Popen:
    """A Celery worker for the jobs, one process (solo pool) so its peak RSS is the job's; queue emptied first."""
    node = f"bench-{kind}@{platform.node()}"
    log_path = DATA / f"worker-{kind}.log"
    worker = subprocess.Popen(
        [
            PYTHON,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "INFO",
            "--purge",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            node,
        ],
        env=env,
        cwd=ROOT,
        stdout=log_path.open("w"),
        stderr=subprocess.STDOUT,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        if f"{node} ready." in log_path.read_text(errors="replace"):
            return worker
        if worker.poll() is not None:
            break
        time.sleep(0.3)
    stop(worker)
    raise RuntimeError(f"the Celery worker did not start within 60 s; see {log_path}")


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def serving(env: dict[str, str], port: int, worker_kind: str | None = None) -> Iterator[tuple[list[int], int | None]]:
    """gunicorn (and a Celery worker when ``worker_kind`` is given); yields the web workers' pids and the worker's."""
    server = start_server(env, port)
    worker = None
    try:
        if worker_kind is not None:
            worker = start_worker(env, worker_kind)
        yield worker_pids(server.pid), worker.pid if worker is not None else None
    finally:
        stop(worker)
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def measure_with_reference(env: dict[str, str], load: dict, reference: dict | None) -> tuple[dict, dict | None]:
    """The requests of ``load`` through the server and, when given, the same work as raw SQL.

    With a reference, both run in REFERENCE_ROUNDS alternating rounds (each a share of the count,
    going on through the request cycle where the last round stopped) and are pooled: the machine's
    speed drifts over minutes, and a ratio of two runs minutes apart measured the drift as much as
    the code.
    """
    if reference is None:
        return run_json([PYTHON, "bench/load.py"], env, load), None
    measured = {"latencies_ms": [], "errors": [], "error_count": 0, "elapsed_s": 0.0}
    raw = {"latencies_ms": [], "elapsed_s": 0.0}
    count, start = load["count"], 0
    for round_number in range(REFERENCE_ROUNDS):
        share = count * (round_number + 1) // REFERENCE_ROUNDS - start
        part = run_json([PYTHON, "bench/load.py"], env, {**load, "count": share, "start": start})
        measured["latencies_ms"] += part["latencies_ms"]
        measured["errors"] = (measured["errors"] + part["errors"])[:20]
        measured["error_count"] += part["error_count"]
        measured["elapsed_s"] += part["elapsed_s"]
        part = run_json([PYTHON, "bench/raw.py"], env, {**reference, "count": share, "start": start})
        raw["latencies_ms"] += part["latencies_ms"]
        raw["elapsed_s"] += part["elapsed_s"]
        start += share
    return measured, raw


def bench_database(kind: str, n: int, scenarios: list[str]) -> list[dict]:
    url = database_url(kind, n)
    if url is None:
        return []
    require_bench_database(url, development_url=os.environ.get("DATABASE_URL", ""))
    media_root = DATA / f"media-{kind}-{n}"
    shutil.rmtree(media_root, ignore_errors=True)  # the files of earlier runs' jobs
    env = server_environment(url, media_root)
    print(f"[{kind}] preparing {n:,} customers (generated on the first run, then reused) …", flush=True)
    prepare_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DJANGO_DEBUG": "false"}
    prepare = [PYTHON, "bench/prepare.py", "--count", str(n)]
    workload = run_json([*prepare, "--scenarios", ",".join(scenarios)], prepare_env)
    port = 8700 + (0 if kind == "sqlite" else 1)
    headers = {"Authorization": f"Bearer {workload['api_key']}", "Host": "127.0.0.1"}
    rows = []
    requests_by_scenario = {name: requests for name, requests in http_scenarios(workload).items() if name in scenarios}
    if requests_by_scenario:
        with serving(env, port) as (pids, _):
            for name, requests in requests_by_scenario.items():
                count = REQUEST_COUNTS[name]
                spec = {"base_url": f"http://127.0.0.1:{port}", "headers": headers, "concurrency": CONCURRENCY}
                run_json(
                    [PYTHON, "bench/load.py"], env, {**spec, "requests": requests, "count": min(count, 100)}
                )  # warm-up
                reset_peak_rss(pids)
                reference = workload["references"].get(name)
                measured, raw = measure_with_reference(
                    env,
                    {**spec, "requests": requests, "count": count},
                    {"database_url": url, "requests": reference, "count": count, "concurrency": CONCURRENCY}
                    if reference
                    else None,
                )
                row = summarize(name, kind, n, measured, peak_rss_mb(pids))
                if raw is not None:
                    row["reference_p95_ms"] = round(percentile(raw["latencies_ms"], 0.95), 2)
                    row["ratio"] = (
                        round(row["p95_ms"] / row["reference_p95_ms"], 2) if row["reference_p95_ms"] else None
                    )
                judge(row)
                rows.append(row)
                print(format_row(row), flush=True)
    context = {"kind": kind, "n": n, "url": url, "env": env, "port": port, "headers": headers}
    for name in (name for name in DOCUMENT_SCENARIOS if name in scenarios):
        # Fresh processes for each: a Python process keeps the memory of its largest job, so the
        # peak RSS of one scenario would otherwise carry the one before it.
        with serving(env, port, worker_kind=kind) as (pids, worker_pid):
            row = DOCUMENT_RUNNERS[name](context, workload, pids, worker_pid)
        judge(row)
        rows.append(row)
        print(format_row(row), flush=True)
    if "import" in scenarios:
        # The imported customers are not part of the benchmark data the next run reads.
        run_json([*prepare, "--purge-imports"], prepare_env)
    return rows


# --- document scenarios: one operation at a time, jobs followed to their end ---------------------


def fetch(context: dict, spec: dict, pids: list[int], worker_pid: int) -> tuple[dict, float, float]:
    """Run bench/fetch.py with ``spec``; the peak RSS of the web workers and of the job worker while it ran."""
    reset_peak_rss([*pids, worker_pid])
    measured = run_json(
        [PYTHON, "bench/fetch.py"],
        context["env"],
        {"base_url": f"http://127.0.0.1:{context['port']}", "headers": context["headers"], "timeout_s": 3600, **spec},
    )
    return measured, peak_rss_mb(pids), peak_rss_mb([worker_pid])


def summarize_operations(name: str, context: dict, measured: dict, rss: float, worker_rss: float) -> dict:
    runs = measured["runs"]
    latencies = [run["elapsed_ms"] for run in runs]
    row = summarize(name, context["kind"], context["n"], {**measured, "latencies_ms": latencies, "elapsed_s": 0}, rss)
    rows = sum(run.get("rows") or 0 for run in runs)
    seconds = sum(latencies) / 1000
    row.update(
        {
            "rps": None,
            "rows": runs[-1].get("rows") if runs else None,
            "rows_per_s": round(rows / seconds) if rows and seconds else None,
            "bytes": runs[-1].get("bytes") if runs else None,
            "as_job": any(run["job"] for run in runs),
            # The Celery worker only matters when the work became a job.
            "worker_peak_rss_mb": round(worker_rss, 1) if any(run["job"] for run in runs) else None,
        }
    )
    return row


def run_import(context: dict, workload: dict, pids: list[int], worker_pid: int) -> dict:
    spec = workload["import"]
    # The key of the empty organization made for this run: the rows are new customers there.
    headers = {**context["headers"], "Authorization": f"Bearer {spec['api_key']}"}
    upload = {"method": "POST", "path": "/api/v1/customers/import", "upload": spec["file"], "headers": headers}
    measured, rss, worker_rss = fetch(context, {"kind": "import", **upload, "count": 1}, pids, worker_pid)
    row = summarize_operations("import", context, measured, rss, worker_rss)
    if measured["runs"]:
        outcome = measured["runs"][0]
        row.update({"created": outcome.get("created"), "updated": outcome.get("updated")})
        if outcome.get("created") != spec["rows"]:
            row["errors"] += 1
            row["error_samples"].append(f"created {outcome.get('created')} customers of {spec['rows']} rows")
    reference = run_json(
        [PYTHON, "bench/reference_import.py"],
        {**context["env"], "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DJANGO_DEBUG": "false"},
        {"file": spec["reference_file"], "organization_id": spec["reference_organization_id"]},
    )
    row["reference_rows"] = reference["rows"]
    row["reference_rows_per_s"] = round(reference["rows"] / reference["elapsed_s"]) if reference["elapsed_s"] else None
    row["reference_errors"] = reference["errors"]
    if reference["errors"] or reference["created"] != reference["rows"]:
        row["reference_note"] = f"reference created {reference['created']} of {reference['rows']} rows"
    row["speedup"] = (
        round(row["rows_per_s"] / row["reference_rows_per_s"], 1)
        if row["rows_per_s"] and row["reference_rows_per_s"]
        else None
    )
    row["note"] = (
        f"POST of the {spec['rows']:,}-row full-template xlsx into an empty organization, timed until the "
        f"report; reference: textbook django-import-export ModelResource on the file's first "
        f"{reference['rows']:,} rows (tablib load + import_data; no lookups, opening balances or search index)"
    )
    return row


def run_export(export_format: str):
    def runner(context: dict, workload: dict, pids: list[int], worker_pid: int) -> dict:
        path = "/api/v1/customers/export?" + urlencode({"format": export_format})
        one = "/api/v1/customers/export?" + urlencode({"format": export_format, "customer_no": "GEN0000001"})
        measured, rss, worker_rss = fetch(
            context,
            {"kind": export_format, "path": path, "warmup_path": one, "warmup": 2, "count": 1},
            pids,
            worker_pid,
        )
        row = summarize_operations(f"export_{export_format}", context, measured, rss, worker_rss)
        reference = run_json(
            [PYTHON, "bench/raw.py"],
            context["env"],
            {"database_url": context["url"], "export": export_format, **workload["export_reference"]},
        )
        row["reference_rows"] = reference["rows"]
        row["reference_rows_per_s"] = round(reference["rows"] / reference["elapsed_s"])
        row["reference_peak_rss_mb"] = round(reference["peak_rss_mb"], 1)
        row["speedup"] = round(row["rows_per_s"] / row["reference_rows_per_s"], 2) if row["rows_per_s"] else None
        row["note"] = (
            f"the whole list as {export_format} (timed until the file was downloaded); reference: the same rows "
            f"and columns from one SQL statement written with "
            f"{'openpyxl write_only' if export_format == 'xlsx' else 'csv.writer'} in its own process"
        )
        return row

    return runner


def run_statement(context: dict, workload: dict, pids: list[int], worker_pid: int) -> dict:
    statement = workload["statement"]
    query = urlencode({"from_date": statement["from_date"], "to_date": statement["to_date"]})
    path = f"/api/v1/customers/{statement['customer_id']}/statement.pdf?{query}"
    measured, rss, worker_rss = fetch(context, {"kind": "pdf", "path": path, "warmup": 1, "count": 5}, pids, worker_pid)
    row = summarize_operations("statement_pdf", context, measured, rss, worker_rss)
    row["rows"], row["rows_per_s"] = statement["transactions"], None
    row["note"] = f"statement of a customer with {statement['transactions']} transactions, 5 requests after 1 warm-up"
    return row


def run_list_pdf(context: dict, workload: dict, pids: list[int], worker_pid: int) -> dict:
    listed = workload["list_pdf"]
    path = "/api/v1/customers/export?" + urlencode({"format": "pdf", **listed["filters"]})
    one = "/api/v1/customers/export?" + urlencode({"format": "pdf", "customer_no": "GEN0000001"})
    measured, rss, worker_rss = fetch(
        context, {"kind": "pdf", "path": path, "warmup_path": one, "warmup": 2, "count": 1}, pids, worker_pid
    )
    row = summarize_operations("list_pdf", context, measured, rss, worker_rss)
    row["rows"] = listed["rows"]
    row["rows_per_s"] = round(listed["rows"] / (row["mean_ms"] / 1000)) if row["mean_ms"] else None
    row["note"] = f"the {listed['rows']:,} oldest customers (a created_to filter) as the list PDF"
    return row


DOCUMENT_RUNNERS = {
    "import": run_import,
    "export_xlsx": run_export("xlsx"),
    "export_csv": run_export("csv"),
    "statement_pdf": run_statement,
    "list_pdf": run_list_pdf,
}


def summarize(name: str, kind: str, n: int, measured: dict, rss: float) -> dict:
    latencies = measured["latencies_ms"]
    return {
        "scenario": name,
        "database": kind,
        "n": n,
        "requests": len(latencies),
        "errors": measured["error_count"],
        "error_samples": measured["errors"],
        "p50_ms": round(percentile(latencies, 0.50), 2),
        "p95_ms": round(percentile(latencies, 0.95), 2),
        "p99_ms": round(percentile(latencies, 0.99), 2),
        "mean_ms": round(statistics.fmean(latencies), 2) if latencies else None,
        "rps": round(len(latencies) / measured["elapsed_s"], 1) if measured["elapsed_s"] else None,
        "peak_rss_mb": round(rss, 1),
    }


def judge(row: dict) -> None:
    target = TARGETS.get(row["scenario"])
    if not target:
        row["target"], row["met"] = "", None
        return
    parts, met = [], row["errors"] == 0 and row["requests"] > 0
    if "p95_ms" in target:
        parts.append(f"p95≤{target['p95_ms']}ms")
        met &= row["p95_ms"] <= target["p95_ms"]
    if "ratio" in target:
        parts.append(f"≤{target['ratio']}×raw")
        met &= row.get("ratio") is not None and row["ratio"] <= target["ratio"]
    if "rps" in target:
        parts.append(f"≥{target['rps']} req/s")
        met &= (row["rps"] or 0) >= target["rps"]
    if "rows_per_s" in target:
        parts.append(f"≥{target['rows_per_s']:,} rows/s")
        met &= (row.get("rows_per_s") or 0) >= target["rows_per_s"]
    if "speedup" in target:
        parts.append(f"≥{target['speedup']}× reference rows/s")
        met &= (row.get("speedup") or 0) >= target["speedup"]
    if "rss_mb" in target:
        parts.append(f"peak RSS≤{target['rss_mb']}MB")
        met &= max(row["peak_rss_mb"], row.get("worker_peak_rss_mb") or 0) <= target["rss_mb"]
    row["target"], row["met"] = ", ".join(parts), bool(met)


COLUMNS = (
    "scenario", "db", "N", "requests", "p50 ms", "p95 ms", "p99 ms", "req/s", "rows", "rows/s", "peak RSS MB",
    "worker RSS MB", "reference p95 ms", "reference rows/s", "ratio", "target", "met",
)  # fmt: skip
HEADER = "| " + " | ".join(COLUMNS) + " |"
RULE = "|" + "---|" * len(COLUMNS)
NOTES = (
    "ratio: p95 ÷ the reference's p95 for requests; for the import and the exports, rows/s ÷ the reference's "
    "rows/s (shown with ×). Document scenarios time one operation end to end: the request, the job it became "
    "(polled until finished) and the file's download. peak RSS MB: the gunicorn workers; worker RSS MB: the "
    "Celery worker that ran the jobs."
)


def _cell(value) -> str:
    if value is None or value == "":
        return ""
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)


def format_row(row: dict) -> str:
    mark = "" if row["met"] is None else ("✓" if row["met"] else "✗")
    ratio = f"{row['speedup']}×" if row.get("speedup") is not None else row.get("ratio") or ""
    cells = [
        row["scenario"],
        row["database"],
        f"{row['n']:,}",
        row["requests"],
        row["p50_ms"],
        row["p95_ms"],
        row["p99_ms"],
        row["rps"],
        row.get("rows"),
        row.get("rows_per_s"),
        row["peak_rss_mb"],
        row.get("worker_peak_rss_mb"),
        row.get("reference_p95_ms"),
        row.get("reference_rows_per_s"),
        ratio,
        row["target"],
        mark,
    ]
    return "| " + " | ".join(_cell(cell) for cell in cells) + " |"


def row_notes(rows: list[dict]) -> list[str]:
    notes = []
    for row in rows:
        label = f"{row['scenario']} ({row['database']})"
        if row.get("note"):
            how = {True: " It ran as a job (202, polled).", False: " It was answered in the request."}
            notes.append(f"- {label}: {row['note']}.{how.get(row.get('as_job'), '')}")
        if row.get("reference_note"):
            notes.append(f"- {label}: {row['reference_note']}.")
        for sample in row["error_samples"][:3]:
            notes.append(f"- {label} error: {sample}")
    return notes


def machine() -> dict:
    import django

    return {
        "python": platform.python_version(),
        "django": django.get_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "gunicorn_workers": WORKERS,
        "concurrency": CONCURRENCY,
    }


def write_atomically(path: Path, text: str) -> None:
    partial = path.with_suffix(path.suffix + ".partial")
    partial.write_text(text)
    partial.replace(path)


def chosen_scenarios(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in SCENARIOS]
    if unknown:
        raise SystemExit(f"Unknown scenario(s) {', '.join(unknown)}; choose among: {', '.join(SCENARIOS)}.")
    return [name for name in SCENARIOS if name in names] if names else list(SCENARIOS)


@contextlib.contextmanager
def only_run() -> Iterator[None]:
    """One benchmark at a time on this checkout: two would share the databases, ports and queue."""
    DATA.mkdir(parents=True, exist_ok=True)
    with (DATA / "run.lock").open("w") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SystemExit(
                "Another benchmark is running on this checkout (bench/data/run.lock); wait for it."
            ) from None
        yield


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument(
        "--scenarios",
        default=os.environ.get("BENCH_SCENARIOS", ""),
        help=f"comma-separated subset of {','.join(SCENARIOS)} (default: BENCH_SCENARIOS, else all)",
    )
    args = parser.parse_args()
    scenarios = chosen_scenarios(args.scenarios)
    documents = [name for name in scenarios if name in DOCUMENT_SCENARIOS]
    if documents and not redis_reachable():
        print(
            f"Redis is not reachable at {REDIS_URL} (BENCH_REDIS_URL); the jobs of {', '.join(documents)} "
            "need it, so those scenarios are skipped."
        )
        scenarios = [name for name in scenarios if name not in DOCUMENT_SCENARIOS]
        if not scenarios:
            raise SystemExit("Nothing left to run.")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    all_rows = []
    with only_run():
        print(HEADER)
        print(RULE)
        for kind in kinds:
            rows = bench_database(kind, args.n, scenarios)
            all_rows.extend(rows)
            if rows:
                write_atomically(
                    RESULTS / f"{stamp}-{kind}-{args.n}.json",
                    json.dumps(
                        {
                            "date": stamp,
                            "database": kind,
                            "n": args.n,
                            "scenarios": scenarios,
                            "machine": machine(),
                            "results": rows,
                        },
                        indent=2,
                    ),
                )
    command = f"make bench BENCH_N={args.n} BENCH_DB={args.db}"
    if scenarios != list(SCENARIOS):
        command += f" BENCH_SCENARIOS={','.join(scenarios)}"
    notes = row_notes(all_rows)
    summary = "\n".join(
        [
            f"Measured {stamp} with `{command}` ({machine()['cpus']} CPUs, "
            f"{WORKERS} gunicorn workers, concurrency {CONCURRENCY}).",
            "",
            HEADER,
            RULE,
            *(format_row(row) for row in all_rows),
            "",
            NOTES,
            *([""] + notes if notes else []),
        ]
    )
    if notes:
        print("\n" + "\n".join(notes))
    write_atomically(RESULTS / "latest.md", summary + "\n")
    print(f"\nResults: {RESULTS}/latest.md")


if __name__ == "__main__":
    main()
