"""A PDF that exceeds its time or memory limit fails cleanly: a clear error, a failed job, no process left.

PDFs are rendered in a child process (customers/exporting/pdf.py); these cases give it limits no
real document fits in, and check that the caller hears why and that the child is gone.
"""

import os
from pathlib import Path

import pytest

from customers.exporting.services import customer_list_export_job_create
from customers.models import ExportJob
from tests.factories import CustomerFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(not hasattr(os, "fork"), reason="PDFs are rendered in a forked child on POSIX only"),
]

REQUEST_ID = "req_statement-0099"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def customer(organization):
    return CustomerFactory(organization=organization, name="Wanjiku Traders Ltd")


def child_processes() -> list[tuple[int, str]]:
    """(pid, state) of every process whose parent is this one; a zombie's state is Z."""
    me = os.getpid()
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == me:
            children.append((int(stat.parent.name), fields[0]))
    return children


@pytest.fixture
def no_process_left_behind():
    before = child_processes()
    yield
    assert child_processes() == before


def test_a_statement_that_takes_too_long_answers_503_with_the_reason(api, customer, settings, no_process_left_behind):
    settings.PDF_RENDER_TIMEOUT_SECONDS = 0.05

    response = api.get(f"customers/{customer.pk}/statement.pdf", HTTP_X_REQUEST_ID=REQUEST_ID)

    body = response.json()
    assert response.status_code == 503
    assert response["Content-Type"].startswith("application/json")
    assert body["status"] == "error"
    assert body["message"].startswith("The PDF took longer than 0.05 seconds to render and was stopped;")
    assert "export to Excel instead" in body["message"]
    assert body["meta"]["request_id"] == REQUEST_ID


# The allowance is on top of the forking process's address space, and memory that process has
# freed stays usable by the child; so the limit is checked from a fresh process, whose heap holds
# nothing the suite left behind.
OUT_OF_MEMORY_SCRIPT = """
import django
django.setup()
from customers.exporting import pdf
try:
    pdf._render_in_child("<h1>Statement</h1>" * 200, timeout=60, memory_mb=1)
except pdf.PdfRenderFailed as exc:
    print("refused:", exc.message)
else:
    print("rendered")
"""


def test_a_pdf_that_needs_more_memory_than_allowed_fails_with_the_reason():
    import subprocess
    import sys

    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(  # noqa: S603 - a fixed script, run with this interpreter
        [sys.executable, "-c", OUT_OF_MEMORY_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        env=environment,
        cwd=Path(__file__).resolve().parents[3],
    )

    assert (
        result.stdout.strip()
        .splitlines()[-1]
        .startswith("refused: The PDF is too large to render within its memory limit;")
    ), result.stderr[-2000:]


def test_within_its_limits_the_same_pdf_renders(api, customer, no_process_left_behind):
    response = api.get(f"customers/{customer.pk}/statement.pdf")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF-")


def test_an_export_job_whose_pdf_takes_too_long_is_failed_with_the_reason(
    api, organization, customer, settings, django_capture_on_commit_callbacks, no_process_left_behind
):
    settings.PDF_RENDER_TIMEOUT_SECONDS = 0.05

    with django_capture_on_commit_callbacks(execute=True):
        job = customer_list_export_job_create(organization=organization, format="pdf", filters={})

    job = ExportJob.objects.get(pk=job.pk)
    polled = api.get(f"jobs/{job.pk}").json()["data"]
    assert job.status == "failed"
    assert not job.result_file
    assert polled["status"] == "failed"
    assert polled["error_message"].startswith("The PDF took longer than 0.05 seconds to render and was stopped;")
