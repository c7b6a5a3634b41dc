"""``make bench``: every hot path through gunicorn on SQLite and PostgreSQL, beside its reference.

    python bench/run.py --n 100000 --db sqlite|postgres|both

For each database: prepare it (bench/prepare.py: migrate, generate the data once, pick the
workload), start gunicorn with 2 workers on it, warm up, run each scenario from a separate load
process (bench/load.py) with a fixed concurrency and request count, run the reference (the same
SQL straight on a cursor, bench/raw.py), and stop the server. One table is printed; the figures
go to bench/results/<date>-<db>-<n>.json and bench/results/latest.md.
"""

import argparse
import contextlib
import json
import os
import platform
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
DATA = ROOT / "bench" / "data"
PYTHON = sys.executable
CONCURRENCY = 2
WORKERS = 2
POSTGRES_ADMIN_URL = os.environ.get("BENCH_POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")

TARGETS = {
    "quick_search": {"p95_ms": 30, "ratio": 1.5},
    "list_filtered": {"p95_ms": 100},
    "list_by_balance": {"p95_ms": 100},
    "detail": {"p95_ms": 30, "rps": 300},
}


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


def server_environment(url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DJANGO_SECURE_SSL_REDIRECT": "false",
        "DJANGO_ALLOW_SQLITE": "true",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "API_THROTTLE_RATE": "100000000/min",
        "DJANGO_LOG_LEVEL": "WARNING",
        # Production settings need a cache and a broker; the scenarios measured here enqueue no job.
        "REDIS_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
        "CELERY_BROKER_URL": os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"),
    }


def run_json(args: list[str], env: dict[str, str], payload: dict | None = None) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(payload or {}, handle)
    try:
        output = subprocess.run(
            [*args, handle.name] if payload is not None else args,
            env=env,
            check=True,
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
    finally:
        os.unlink(handle.name)
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
    from urllib.parse import urlencode

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


def bench_database(kind: str, n: int) -> list[dict]:
    url = database_url(kind, n)
    if url is None:
        return []
    env = server_environment(url)
    print(f"[{kind}] preparing {n:,} customers …", flush=True)
    prepare_env = {**env, "DJANGO_SETTINGS_MODULE": "config.settings.dev", "DJANGO_DEBUG": "false"}
    workload = run_json([PYTHON, "bench/prepare.py", "--count", str(n)], prepare_env)
    port = 8700 + (0 if kind == "sqlite" else 1)
    server = start_server(env, port)
    rows = []
    try:
        pids = worker_pids(server.pid)
        headers = {"Authorization": f"Bearer {workload['api_key']}", "Host": "127.0.0.1"}
        for name, requests in http_scenarios(workload).items():
            count = REQUEST_COUNTS[name]
            spec = {"base_url": f"http://127.0.0.1:{port}", "headers": headers, "concurrency": CONCURRENCY}
            run_json(
                [PYTHON, "bench/load.py"], env, {**spec, "requests": requests, "count": min(count, 100)}
            )  # warm-up
            reset_peak_rss(pids)
            measured = run_json([PYTHON, "bench/load.py"], env, {**spec, "requests": requests, "count": count})
            row = summarize(name, kind, n, measured, peak_rss_mb(pids))
            reference = workload["references"].get(name)
            if reference:
                raw = run_json(
                    [PYTHON, "bench/raw.py"],
                    env,
                    {"database_url": url, "requests": reference, "count": count, "concurrency": CONCURRENCY},
                )
                row["reference_p95_ms"] = round(percentile(raw["latencies_ms"], 0.95), 2)
                row["ratio"] = round(row["p95_ms"] / row["reference_p95_ms"], 2) if row["reference_p95_ms"] else None
            judge(row)
            rows.append(row)
            print(format_row(row), flush=True)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return rows


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
    parts, met = [], row["errors"] == 0
    if "p95_ms" in target:
        parts.append(f"p95≤{target['p95_ms']}ms")
        met &= row["p95_ms"] <= target["p95_ms"]
    if "ratio" in target:
        parts.append(f"≤{target['ratio']}×raw")
        met &= row.get("ratio") is not None and row["ratio"] <= target["ratio"]
    if "rps" in target:
        parts.append(f"≥{target['rps']} req/s")
        met &= (row["rps"] or 0) >= target["rps"]
    row["target"], row["met"] = ", ".join(parts), bool(met)


HEADER = (
    "| scenario | db | N | requests | p50 ms | p95 ms | p99 ms | req/s | peak RSS MB "
    "| reference p95 ms | ratio | target | met |"
)


def format_row(row: dict) -> str:
    mark = "" if row["met"] is None else ("✓" if row["met"] else "✗")
    return (
        f"| {row['scenario']} | {row['database']} | {row['n']:,} | {row['requests']} "
        f"| {row['p50_ms']} | {row['p95_ms']} "
        f"| {row['p99_ms']} | {row['rps']} | {row['peak_rss_mb']} | {row.get('reference_p95_ms', '')} "
        f"| {row.get('ratio', '') or ''} | {row['target']} | {mark} |"
    )


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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    args = parser.parse_args()
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H%M%SZ")
    all_rows = []
    print(HEADER)
    print("|" + "---|" * 13)
    for kind in kinds:
        rows = bench_database(kind, args.n)
        all_rows.extend(rows)
        if rows:
            write_atomically(
                RESULTS / f"{stamp}-{kind}-{args.n}.json",
                json.dumps(
                    {"date": stamp, "database": kind, "n": args.n, "machine": machine(), "results": rows}, indent=2
                ),
            )
    command = f"make bench BENCH_N={args.n} BENCH_DB={args.db}"
    summary = "\n".join(
        [
            f"Measured {stamp} with `{command}` ({machine()['cpus']} CPUs, "
            f"{WORKERS} gunicorn workers, concurrency {CONCURRENCY}).",
            "",
            HEADER,
            "|" + "---|" * 13,
            *(format_row(row) for row in all_rows),
        ]
    )
    write_atomically(RESULTS / "latest.md", summary + "\n")
    print(f"\nResults: {RESULTS}/latest.md")


if __name__ == "__main__":
    main()
