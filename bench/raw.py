"""The reference: the same SQL the endpoint runs, executed straight on a database cursor.

    python bench/raw.py spec.json -> {"latencies_ms": [...], "elapsed_s": t}
Each request of the spec is a list of statements run in turn on one connection, as the
endpoint runs them; workers keep their connection open like gunicorn's persistent ones.

A spec with ``export`` (xlsx or csv) instead writes the rows of one statement into a file in
memory, with openpyxl's write-only workbook or the csv module, straight from the cursor:
    -> {"rows": n, "bytes": b, "elapsed_s": t, "peak_rss_mb": m}
"""

import csv
import io
import json
import resource
import sys
import threading
import time
from datetime import datetime
from urllib.parse import urlsplit

EXPORT_BATCH = 2000


def connect(database_url: str):
    if database_url.startswith("sqlite"):
        import sqlite3

        path = database_url.split("sqlite:///", 1)[1]
        connection = sqlite3.connect(path, check_same_thread=False)
        connection.execute("PRAGMA journal_mode=WAL")
        return connection, "?"
    import psycopg

    parts = urlsplit(database_url)
    connection = psycopg.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname=parts.path[1:],
    )
    connection.autocommit = True
    return connection, "%s"


def run(spec: dict) -> dict:
    groups = spec["requests"]
    total = spec["count"]
    start = spec.get("start", 0)  # as in load.py
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(start, start + total))

    def run_statements(cursor, statements: list[dict], placeholder: str) -> None:
        for statement in statements:
            sql = statement["sql"] if placeholder == "%s" else statement["sql"].replace("%s", "?")
            cursor.execute(sql, statement["params"])
            cursor.fetchall()

    def worker() -> None:
        connection, placeholder = connect(spec["database_url"])
        # Untimed: a new connection's first statements load the catalog, which the server's
        # persistent connections did long ago.
        run_statements(connection.cursor(), groups[0], placeholder)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            statements = groups[index % len(groups)]
            started = time.perf_counter()
            run_statements(connection.cursor(), statements, placeholder)
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(spec["concurrency"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies_ms": latencies, "elapsed_s": time.perf_counter() - started}


def naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo is not None else moment


def export(spec: dict) -> dict:
    from openpyxl import Workbook

    connection, placeholder = connect(spec["database_url"])
    started = time.perf_counter()
    if placeholder == "%s":
        connection.autocommit = False
        cursor = connection.cursor(name="export")  # server-side: rows arrive a batch at a time
        cursor.itersize = EXPORT_BATCH
        sql = spec["sql"]
    else:
        cursor = connection.cursor()
        sql = spec["sql"].replace("%s", "?")
    cursor.execute(sql, spec["params"])
    buffer = io.BytesIO()
    rows = 0
    if spec["export"] == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("Customers")
        sheet.append(spec["headers"])
        for batch in iter(lambda: cursor.fetchmany(EXPORT_BATCH), []):
            for row in batch:
                # Excel has no time zones: aware times (PostgreSQL's timestamptz) are written as UTC.
                sheet.append([naive(value) if isinstance(value, datetime) else value for value in row])
            rows += len(batch)
        workbook.save(buffer)
    else:
        text = io.TextIOWrapper(buffer, encoding="utf-8-sig", newline="")
        writer = csv.writer(text)
        writer.writerow(spec["headers"])
        for batch in iter(lambda: cursor.fetchmany(EXPORT_BATCH), []):
            writer.writerows(batch)
            rows += len(batch)
        text.flush()
        text.detach()
    elapsed = time.perf_counter() - started
    connection.close()
    return {
        "rows": rows,
        "bytes": buffer.getbuffer().nbytes,
        "elapsed_s": elapsed,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        spec = json.load(handle)
    print(json.dumps(export(spec) if spec.get("export") else run(spec)))
