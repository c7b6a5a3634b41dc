import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from tests.factories import CategoryFactory

SHORT_HEADER = ["Name", "Phone Number", "Email-Address", "Address", "Unpaid Amount"]


@pytest.fixture(autouse=True)
def _media_and_job_routes(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The job routes are included by config/api_urls.py; these tests also work before that.
    settings.ROOT_URLCONF = "customers.tests.imports.urls"


def xlsx_bytes(rows: list[list]) -> bytes:
    """A workbook whose first sheet holds ``rows`` (the first is the header)."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Customers"
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(rows: list[list], *, bom: bool = False, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return (("\ufeff" if bom else "") + buffer.getvalue()).encode()


def post_import(client, content: bytes, name: str = "customers.xlsx", **fields):
    """POST /customers/import as multipart with ``client`` (an ApiClient of the root conftest)."""
    data = {"file": SimpleUploadedFile(name, content), **{key: str(value) for key, value in fields.items()}}
    return client.client.post("/api/v1/customers/import", data=data, **client._headers({}))


@pytest.fixture
def wholesale(organization):
    return CategoryFactory(organization=organization, name="Wholesale")
