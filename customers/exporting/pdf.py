"""PDFs from Django templates with WeasyPrint, which may read the project's static files and nothing else."""

import logging
import mimetypes
from collections.abc import Sequence
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

# WeasyPrint reports every rendering step, and fontTools every font it subsets, at INFO; the
# application log keeps their warnings only.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
logging.getLogger("fontTools").setLevel(logging.WARNING)

from weasyprint import HTML  # noqa: E402
from weasyprint.urls import URLFetcher, URLFetcherResponse  # noqa: E402

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


def render_pdf(*, template_name: str, context: dict[str, Any]) -> bytes:
    html = render_to_string(template_name, context)
    return HTML(string=html, base_url=PDF_BASE_URL, url_fetcher=StaticFilesFetcher()).write_pdf()
