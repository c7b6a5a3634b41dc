"""Timed end-to-end operations through the API: an upload or a download, following the job if there is one.

    python bench/fetch.py spec.json -> {"runs": [{"elapsed_ms": t, "rows": n, "bytes": b, ...}], ...}

Run as its own process, like bench/load.py. Each run sends one request; when the answer is 202
(the work became a job) it polls ``GET /api/v1/jobs/{id}`` until the job has finished and then
downloads its file, so the clock covers what a caller waits for: the file in hand, or the import's
report. The spec holds base_url, headers, method, path, count, warmup (and warmup_path, a lighter
request for it), the kind of result (xlsx, csv, pdf or import) and, for an upload, the file to
send as multipart ``file`` with form fields.
Rows are counted from the file received (after the clock stops), or taken from the import's report.
"""

import http.client
import io
import json
import re
import sys
import time
import uuid
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

POLL_INTERVAL_S = 0.1
FINISHED = ("succeeded", "failed")
ROW_TAG = re.compile(rb"<row[ >]")


class OperationFailed(Exception):
    pass


def multipart(path: str, form: dict[str, str]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in form.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    content = Path(path).read_bytes()
    parts.append(
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{Path(path).name}"\r\n'
            "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n"
        ).encode()
        + content
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


class Client:
    def __init__(self, base_url: str, headers: dict[str, str]):
        target = urlsplit(base_url)
        self.host, self.port = target.hostname, target.port
        self.headers = headers
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=3600)

    def request(self, method: str, path: str, body: bytes | None = None, content_type: str = ""):
        headers = dict(self.headers)
        if content_type:
            headers["Content-Type"] = content_type
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            return response.status, response.getheaders(), response.read()
        except (OSError, http.client.HTTPException):
            self.connection.close()
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=3600)
            raise

    def json(self, method: str, path: str, **kwargs) -> tuple[int, dict]:
        status, _, body = self.request(method, path, **kwargs)
        try:
            return status, json.loads(body)
        except ValueError:
            raise OperationFailed(f"{method} {path}: HTTP {status}, not JSON: {body[:300]!r}") from None


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _failure(method: str, path: str, status: int, body: bytes) -> OperationFailed:
    return OperationFailed(f"{method} {path}: HTTP {status}: {body[:400].decode(errors='replace')}")


def follow_job(client: Client, job_path: str, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        status, answer = client.json("GET", job_path)
        if status != 200:
            raise OperationFailed(f"GET {job_path}: HTTP {status}: {json.dumps(answer)[:400]}")
        job = answer["data"]
        if job["status"] in FINISHED:
            if job["status"] == "failed":
                raise OperationFailed(f"job {job['id']} failed: {job.get('error_message')}")
            return job
        if time.monotonic() > deadline:
            raise OperationFailed(f"job {job['id']} still {job['status']} after {timeout_s:.0f} s")
        time.sleep(POLL_INTERVAL_S)


def run_once(client: Client, spec: dict, path: str, body: bytes | None, content_type: str) -> dict:
    method, kind = spec.get("method", "GET"), spec["kind"]
    started = time.perf_counter()
    status, headers, content = client.request(method, path, body=body, content_type=content_type)
    job = None
    if status == 202:
        accepted = json.loads(content)["data"]
        job = follow_job(client, _path_of(dict(headers).get("Location") or accepted["url"]), spec["timeout_s"])
        if kind != "import":
            file_path = _path_of(job["result_url"])
            status, headers, content = client.request("GET", file_path)
            if status != 200:
                raise _failure("GET", file_path, status, content)
    elif status != 200:
        raise _failure(method, path, status, content)
    elapsed_ms = (time.perf_counter() - started) * 1000
    return {"elapsed_ms": elapsed_ms, "job": job is not None, **describe(kind, content, job)}


def describe(kind: str, content: bytes, job: dict | None) -> dict:
    """What the operation produced: rows and bytes of a file, or the counts of an import."""
    if kind == "import":
        report = job["report"] if job is not None else json.loads(content)["data"]
        if report.get("error_count"):
            raise OperationFailed(f"the import reported {report['error_count']} errors: {report['errors'][:3]}")
        return {
            "rows": report["total_rows"],
            "created": report["created"],
            "updated": report["updated"],
            "opening_balances": report.get("opening_balances"),
        }
    if kind == "pdf":
        if not content.startswith(b"%PDF"):
            raise OperationFailed(f"not a PDF: {content[:200]!r}")
        return {"bytes": len(content), "rows": job["total_rows"] if job else None}
    if kind == "csv":
        return {"bytes": len(content), "rows": content.count(b"\n") - 1}
    with zipfile.ZipFile(io.BytesIO(content)) as workbook:
        sheet = next(name for name in workbook.namelist() if name.startswith("xl/worksheets/sheet"))
        rows = len(ROW_TAG.findall(workbook.read(sheet))) - 1
    return {"bytes": len(content), "rows": rows}


def run(spec: dict) -> dict:
    client = Client(spec["base_url"], spec.get("headers", {}))
    body, content_type = (None, "")
    if spec.get("upload"):
        body, content_type = multipart(spec["upload"], spec.get("form", {}))
    runs, errors = [], []
    warmup = spec.get("warmup", 0)
    for index in range(warmup + spec.get("count", 1)):
        # A warm-up may ask for less (one customer) so it loads the code without the job's cost.
        path = spec.get("warmup_path", spec["path"]) if index < warmup else spec["path"]
        try:
            outcome = run_once(client, spec, path, body, content_type)
        except (OperationFailed, OSError, http.client.HTTPException, KeyError, ValueError) as exc:
            errors.append(f"{'warm-up ' if index < warmup else ''}{exc.__class__.__name__}: {exc}"[:600])
            continue
        if index >= warmup:
            runs.append(outcome)
    return {"runs": runs, "errors": errors[:5], "error_count": len(errors)}


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        print(json.dumps(run(json.load(handle))))
