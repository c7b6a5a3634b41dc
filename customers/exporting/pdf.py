"""PDFs from Django templates with WeasyPrint, which may read the project's static files and nothing else.

WeasyPrint lays out the document in a child process with a time and a memory limit: a document
too large for them fails with a clear message instead of holding a web worker, or a job's
worker, until it is killed from outside.
"""

import logging
import math
import mimetypes
import os
import selectors
import signal
import time
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import url2pathname
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.models import Organization
from core.exceptions import DomainError

# WeasyPrint reports every rendering step, and fontTools every font it subsets, at INFO; the
# application log keeps their warnings only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

logger = logging.getLogger("customerhub.exports")

# Relative and "/static/..." URLs in the templates resolve against this base to file:///static/...,
# which the fetcher maps to the static files.
PDF_BASE_URL = "file:///"


class StaticFilesFetcher(URLFetcher):
    """Serves ``data:`` URLs and the project's own static files; refuses every other URL.

    A PDF is rendered from customer data, so an address such as ``<img src="http://...">`` or
    ``file:///etc/passwd`` must never be fetched: no network, no file outside the static dirs.
    """

    def __init__(self):
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False)

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            return super().fetch(url, headers)
        if scheme == "file":
            path = static_file_for(url)
            if path is not None:
                mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(path.as_uri(), path.read_bytes(), {"Content-Type": mime_type})
        raise ValueError(f"Refused to fetch {url}: a PDF may use only the project's static files.")


def static_roots() -> list[Path]:
    roots = []
    for finder in finders.get_finders():
        for storage in getattr(finder, "storages", {}).values():
            roots.append(Path(storage.location).resolve())
    if settings.STATIC_ROOT:
        roots.append(Path(settings.STATIC_ROOT).resolve())
    return roots


def static_file_for(url: str) -> Path | None:
    """The static file a ``file:`` URL names: a path inside a static dir, or ``/static/<name>``."""
    raw_path = unquote(urlsplit(url).path)
    path = Path(url2pathname(raw_path)).resolve()
    if path.is_file() and any(path.is_relative_to(root) for root in static_roots()):
        return path
    static_prefix = urlsplit(settings.STATIC_URL).path
    if not raw_path.startswith(static_prefix):
        return None
    try:
        found = finders.find(raw_path.removeprefix(static_prefix))
    except SuspiciousFileOperation:
        return None
    if not found or isinstance(found, list):
        return None
    found_path = Path(found).resolve()
    if not found_path.is_file() or not any(found_path.is_relative_to(root) for root in static_roots()):
        return None
    return found_path


def document_context(*, organization: Organization, title: str, header_lines: Sequence[str] = ()) -> dict[str, Any]:
    """What every PDF's header and footer show: organization, title, when (organization time), filters."""
    zone = ZoneInfo(organization.timezone)
    generated_at = timezone.now().astimezone(zone)
    return {
        "organization": organization,
        "title": title,
        "generated_at": f"{generated_at:%Y-%m-%d %H:%M} ({organization.timezone})",
        "header_lines": list(header_lines),
    }


def column_percentages(widths: Sequence[float]) -> list[str]:
    """Spreadsheet column widths as shares of a PDF table (its layout is fixed: fast, and long text wraps)."""
    total = sum(widths) or 1
    return [f"{width * 100 / total:.1f}" for width in widths]


class PdfRenderFailed(DomainError):
    """The PDF could not be rendered within its limits; a smaller document may be."""

    status_code = 503
    default_message = "The PDF could not be rendered; try again, or narrow the filters."


SMALLER_DOCUMENT_ADVICE = "narrow the filters or the date range for a shorter PDF, or export to Excel instead."
# The child's exit code when it ran out of its memory allowance (a Python MemoryError).
EXIT_OUT_OF_MEMORY = 3
READ_CHUNK_BYTES = 1 << 20


# A one-line document in the fonts and weights the templates use (see _prepare_renderer).
WARM_UP_HTML = (
    "<html><body style=\"font-family: 'DejaVu Sans', sans-serif\"><p>Page 1 of 2 <b>0.00</b></p></body></html>"
)


def render_pdf(*, template_name: str, context: dict[str, Any]) -> bytes:
    """The PDF of ``template_name``; PdfRenderFailed past PDF_RENDER_TIMEOUT_SECONDS or PDF_RENDER_MEMORY_MB."""
    html = render_to_string(template_name, context)
    if not hasattr(os, "fork"):
        return _write_pdf(html)
    _prepare_renderer()
    return _render_in_child(
        html, timeout=float(settings.PDF_RENDER_TIMEOUT_SECONDS), memory_mb=int(settings.PDF_RENDER_MEMORY_MB)
    )


def _write_pdf(html: str) -> bytes:
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesFetcher()).write_pdf()


@cache
def _prepare_renderer() -> None:
    """Render a one-line PDF in this process once, so that every forked render starts prepared.

    WeasyPrint prepares much of itself on first use: cffi parses the C declarations of Pango and
    HarfBuzz (about a quarter of a second), fontconfig and Pango load the fonts. A child forked
    before that pays it on every document. Done here once, the children inherit it; this process
    grows once by that fixed amount (about 30 MB of resident memory), never by a document's layout.
    """
    try:
        _write_pdf(WARM_UP_HTML)
    except Exception:
        # The real render, in its child, reports any problem with its own limits and messages.
        logger.exception("Preparing the PDF renderer failed")


def _render_in_child(html: str, *, timeout: float, memory_mb: int) -> bytes:
    """Render ``html`` in a forked child that sends the PDF back through a pipe; always reaped."""
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        os.close(read_end)
        os.close(write_end)
        logger.error("Could not start the PDF renderer: %s", exc)
        raise PdfRenderFailed("The PDF renderer could not be started; try again in a minute.") from exc
    if pid == 0:
        os.close(read_end)
        _child_render(html, write_end, timeout=timeout, memory_mb=memory_mb)
    os.close(write_end)
    reaped = False
    try:
        pdf, finished = _read_until(read_end, deadline=time.monotonic() + timeout)
        if not finished:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            reaped = True
            logger.warning("A PDF render took longer than %s s and was stopped", timeout)
            raise PdfRenderFailed(
                f"The PDF took longer than {timeout:g} seconds to render and was stopped; {SMALLER_DOCUMENT_ADVICE}"
            )
        _, status = os.waitpid(pid, 0)
        reaped = True
        exit_code = os.waitstatus_to_exitcode(status)
    finally:
        os.close(read_end)
        if not reaped:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
    if exit_code == 0:
        return pdf
    if exit_code == EXIT_OUT_OF_MEMORY or exit_code < 0:
        # A C library that cannot allocate may end the process by a signal instead of raising.
        logger.warning("A PDF render ran out of its %s MB (exit %s)", memory_mb, exit_code)
        raise PdfRenderFailed(f"The PDF is too large to render within its memory limit; {SMALLER_DOCUMENT_ADVICE}")
    logger.error("A PDF render failed (exit %s); the renderer logged the error", exit_code)
    raise PdfRenderFailed()


def _read_until(fd: int, *, deadline: float) -> tuple[bytes, bool]:
    """Everything written to ``fd`` until it is closed, and whether that happened before ``deadline``."""
    chunks: list[bytes] = []
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ)
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return b"", False
            if not selector.select(remaining):
                continue
            chunk = os.read(fd, READ_CHUNK_BYTES)
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)


def _child_render(html: str, write_end: int, *, timeout: float, memory_mb: int):
    """The child's whole life: limit itself, render, send the PDF, exit without running the parent's cleanup."""
    exit_code = 1
    try:
        import resource

        # Only the pipe stays open: a pipe end or socket of the parent's, held here, would keep
        # another render's pipe from closing, or a connection from ending, until this child exits.
        os.closerange(3, write_end)
        os.closerange(write_end + 1, os.sysconf("SC_OPEN_MAX"))

        # CPU time too: if the parent is killed (a worker timeout), an orphaned render still ends.
        cpu_seconds = math.ceil(timeout) + 5
        resource.setrlimit(resource.RLIMIT_CPU, (cpu_seconds, cpu_seconds))
        address_space = _address_space_bytes()
        if address_space is not None:
            # The fork starts as large as the web or job worker it came from; the allowance is on top.
            limit = address_space + memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        pdf = _write_pdf(html)
        view = memoryview(pdf)
        while view:
            view = view[os.write(write_end, view) :]
        exit_code = 0
    except MemoryError:
        exit_code = EXIT_OUT_OF_MEMORY
    except BaseException:
        logger.exception("The PDF renderer failed")
    finally:
        # os._exit: the child shares the parent's database connections and files, which it must not close.
        os._exit(exit_code)


def _address_space_bytes() -> int | None:
    """This process's virtual memory size (Linux), or None where /proc does not tell it."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmSize:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
