"""The reference: the same SQL the endpoint runs, executed straight on a database cursor.

    python bench/raw.py spec.json -> {"latencies_ms": [...], "elapsed_s": t}
Each request of the spec is a list of statements run in turn on one connection, as the
endpoint runs them; workers keep their connection open like gunicorn's persistent ones.
"""

import json
import sys
import threading
import time
from urllib.parse import urlsplit


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
    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(total))

    def worker() -> None:
        connection, placeholder = connect(spec["database_url"])
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            statements = groups[index % len(groups)]
            started = time.perf_counter()
            cursor = connection.cursor()
            for statement in statements:
                sql = statement["sql"] if placeholder == "%s" else statement["sql"].replace("%s", "?")
                cursor.execute(sql, statement["params"])
                cursor.fetchall()
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


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        print(json.dumps(run(json.load(handle))))
