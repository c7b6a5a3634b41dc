"""A small load driver: fixed concurrency, fixed request count, keep-alive HTTP/1.1 connections.

Run as its own process so the client's CPU is not counted in the server's figures:
    python bench/load.py spec.json  ->  prints {"latencies_ms": [...], "errors": n, "elapsed_s": t}
The spec holds base_url, headers, concurrency, requests and a list of request templates that
the workers take in turn.
"""

import http.client
import json
import sys
import threading
import time
from urllib.parse import urlsplit


def run(spec: dict) -> dict:
    target = urlsplit(spec["base_url"])
    templates = spec["requests"]
    total = spec["count"]
    # Where in the templates' cycle to begin: a run split into rounds goes on where the last stopped.
    start = spec.get("start", 0)
    concurrency = spec["concurrency"]
    headers = spec.get("headers", {})
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    counter = iter(range(start, start + total))

    def worker() -> None:
        connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
        while True:
            with lock:
                index = next(counter, None)
            if index is None:
                break
            request = templates[index % len(templates)]
            body = request.get("body")
            payload = json.dumps(body).encode() if isinstance(body, dict) else None
            request_headers = dict(headers)
            if payload is not None:
                request_headers["Content-Type"] = "application/json"
            started = time.perf_counter()
            try:
                connection.request(request.get("method", "GET"), request["path"], body=payload, headers=request_headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                connection.close()
                connection = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
                with lock:
                    errors.append(f"{request['path']}: {exc.__class__.__name__}")
                continue
            elapsed = (time.perf_counter() - started) * 1000
            with lock:
                latencies.append(elapsed)
                if status >= 400 and status != request.get("expect", 0):
                    errors.append(f"{request['path']}: HTTP {status}")
        connection.close()

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "latencies_ms": latencies,
        "errors": errors[:20],
        "error_count": len(errors),
        "elapsed_s": time.perf_counter() - started,
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        print(json.dumps(run(json.load(handle))))
