"""The import wizard: upload → preview of the dry run → confirm → progress → result."""

import io
import zipfile
from pathlib import Path

import lxml.html
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from customers.models import Customer, ExportJob, ImportJob
from customers.tests.imports.conftest import SHORT_HEADER, csv_bytes, xlsx_bytes
from tests.factories import CategoryFactory, MembershipFactory
from transactions.models import Transaction

pytestmark = pytest.mark.django_db

UPLOAD = "/import/"
PIN_MESSAGE = "The tin format is invalid."
VALID_ROWS = [
    ["Name", "KRA PIN", "Phone Number", "Unpaid Amount"],
    ["Jane Wanjiku", "P051234567X", "0712 345 678", 1500],
    ["Kamau Hardware Ltd", "A001234567B", "+254733111222", None],
]
BAD_PIN_ROW = ["Bad Pin Traders", "12345", "0722 000 111", None]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def session(client_as, clerk):
    return client_as(clerk)


def upload(session, content: bytes, name: str = "customers.xlsx", **fields):
    data = {"file": SimpleUploadedFile(name, content), "mode": "all_or_nothing", **fields}
    return session.post(UPLOAD, data)


def page(response) -> lxml.html.HtmlElement:
    return lxml.html.fromstring(response.content.decode())


def text(element) -> str:
    return " ".join(element.text_content().split())


def counts(response) -> dict[str, str]:
    return {cell.get("data-count"): text(cell) for cell in page(response).xpath("//*[@data-count]")}


def file_errors(response) -> list[str]:
    return [text(error) for error in page(response).xpath('//*[@id="id_file-feedback"]/p')]


def kept_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def preview_of(session, content: bytes, **fields):
    """Upload ``content`` and follow the redirect to its preview."""
    response = upload(session, content, **fields)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return session.get(response["Location"])


def confirm(session, preview, mode: str = "all_or_nothing"):
    action = page(preview).xpath('//form[contains(@action, "/confirm/")]/@action')[0]
    return session.post(action, {"mode": mode})


# ---------------------------------------------------------------------------------------------
# Step 1: upload


def test_the_upload_page_has_the_file_field_the_options_and_the_template(session, organization):
    CategoryFactory(organization=organization, name="Retail")

    response = session.get(UPLOAD)

    document = page(response)
    assert response.status_code == 200
    assert document.xpath('//input[@type="file" and @name="file"]/@accept') == [
        ".xlsx,.csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv"
    ]
    assert document.xpath('//input[@name="mode" and @checked]/@value') == ["all_or_nothing"]
    assert "Retail" in document.xpath('string(//select[@name="category"])')
    assert "00 · Head Office" in document.xpath('string(//select[@name="branch"])')
    assert document.xpath('//a[@href="/import/template.xlsx"]')
    assert document.xpath('//ol[@class="import-steps"]/li[@aria-current="step"]/span[2]/text()') == ["Upload a file"]


def test_the_template_downloads_as_a_workbook_with_every_column(session):
    response = session.get("/import/template.xlsx")

    assert response.status_code == 200
    assert 'filename="customer-import-template.xlsx"' in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Customers", "Columns"]
    assert {"Name", "Tax ID", "Phone"} <= {cell.value for cell in workbook["Customers"][1]}


# ---------------------------------------------------------------------------------------------
# Step 2: preview


def test_the_preview_counts_what_the_file_would_do_and_saves_nothing(session):
    response = preview_of(session, xlsx_bytes(VALID_ROWS))

    assert response.status_code == 200
    assert counts(response) == {
        "created": "2",
        "updated": "0",
        "unchanged": "0",
        "skipped": "0",
        "opening_balances": "1",
    }
    assert "Every row is valid." in text(page(response))
    assert not Customer.objects.exists() and not Transaction.objects.exists()
    rows = page(response).xpath('//table[contains(@class, "import-sheet")]/tbody/tr')
    assert [row.get("data-row") for row in rows] == ["2", "3"]
    assert [text(cell) for cell in rows[0].xpath("./td")] == ["Jane Wanjiku", "P051234567X", "0712 345 678", "1500"]


def test_an_invalid_kra_pin_is_highlighted_in_its_cell_and_listed(session):
    response = preview_of(session, xlsx_bytes([*VALID_ROWS, BAD_PIN_ROW]))

    document = page(response)
    invalid = document.xpath('//td[contains(@class, "import-cell--invalid")]')
    assert [(cell.get("data-cell"), cell.get("title")) for cell in invalid] == [("B4", PIN_MESSAGE)]
    assert text(invalid[0]) == f"12345 — problem: {PIN_MESSAGE}"
    assert document.xpath('//tr[@data-row="4"]/@class') == ["import-row--invalid"]
    assert not document.xpath('//tr[@data-row="2"]/@class')
    errors = [
        [text(cell) for cell in row.xpath("./td")] for row in document.xpath('//*[@id="import-errors"]//tbody/tr')
    ]
    assert errors == [["4", "B KRA PIN", PIN_MESSAGE]]
    assert counts(response)["created"] == "2" and counts(response)["skipped"] == "1"
    assert "nothing is imported while any row is invalid" in text(document)
    assert not Customer.objects.exists()


def test_the_error_report_of_the_preview_downloads_as_a_real_workbook(session):
    preview = preview_of(session, xlsx_bytes([*VALID_ROWS, BAD_PIN_ROW, ["Odd Row", "", "not a phone", "abc"]]))
    link = page(preview).xpath('//a[contains(., "Download the error report")]/@href')[0]

    response = session.get(link)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["Row", "Column", "Field", "Message"]
    assert rows[1:] == [
        [4, "B", "KRA PIN", PIN_MESSAGE],
        [5, "D", "Unpaid Amount", "Enter a number, for example 1500.50."],
        [5, "C", "Phone Number", "Enter a valid phone number, for example +254712345678."],
    ]


def test_invalid_rows_far_down_the_sheet_are_shown_after_the_first_rows(session):
    rows = [SHORT_HEADER, *[[f"Customer {n}", f"07120{n:05d}", "", "", None] for n in range(80)]]
    rows[75] = ["Broken Phone", "12", "", "", None]

    response = preview_of(session, xlsx_bytes(rows))

    document = page(response)
    shown = [int(row) for row in document.xpath("//tr/@data-row")]
    assert shown == [*range(2, 52), 76]
    assert "Rows without problems are not shown here." in text(document)
    assert document.xpath('//td[@data-cell="B76"]/@title') == ["Enter a valid phone number, for example +254712345678."]


def test_the_chosen_mode_is_carried_to_the_confirmation(session):
    response = preview_of(session, xlsx_bytes([*VALID_ROWS, BAD_PIN_ROW]), mode="skip_invalid")

    assert page(response).xpath('//form[contains(@action, "/confirm/")]//input[@name="mode" and @checked]/@value') == [
        "skip_invalid"
    ]


def test_unknown_columns_are_named_as_not_imported(session):
    response = preview_of(session, xlsx_bytes([["Name", "Colour"], ["Jane Wanjiku", "red"]]))

    document = page(response)
    assert "will not be imported: Colour." in text(document)
    assert document.xpath('//th[contains(@class, "import-col--ignored")]/text()') == [" Colour"]


def test_a_sheet_whose_every_row_is_invalid_offers_no_confirmation(session):
    response = preview_of(session, xlsx_bytes([VALID_ROWS[0], BAD_PIN_ROW]))

    assert "No row can be imported." in text(page(response))
    assert not page(response).xpath('//button[@type="submit" and contains(., "Confirm")]')


# ---------------------------------------------------------------------------------------------
# Step 1 refusals: each one beside the file field, nothing written


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    workbook = zipfile.ZipFile(io.BytesIO(xlsx_bytes(VALID_ROWS)))
    members = {info.filename: workbook.read(info.filename) for info in workbook.infolist()}
    members["xl/worksheets/sheet1.xml"] = b"<worksheet>" + b" " * (20 * 1024 * 1024) + b"</worksheet>"
    return _zip(members)


REFUSALS = {
    "text named xlsx": (lambda: b"Name,Phone\nJane,0712345678\n", "customers.xlsx", "not a real .xlsx"),
    "zip that is no workbook": (lambda: _zip({"notes.txt": b"hello"}), "customers.xlsx", "not an Excel workbook"),
    "zip bomb": (_zip_bomb, "customers.xlsx", "zip bomb"),
    "password-protected": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096, "customers.xlsx", "password"),
    "xls": (lambda: xlsx_bytes(VALID_ROWS), "customers.xls", ".xls files are not accepted"),
    "xlsm": (lambda: xlsx_bytes(VALID_ROWS), "customers.xlsm", ".xlsm files are not accepted"),
    "empty file": (lambda: b"", "customers.xlsx", "The file is empty."),
    "empty sheet": (lambda: xlsx_bytes([]), "customers.xlsx", "The sheet is empty"),
    "no header": (lambda: xlsx_bytes([["Jane Wanjiku", "0712345678", "jane@wanjiku.co.ke"]]), "c.xlsx", "header row"),
    "unknown columns only": (
        lambda: xlsx_bytes([["Colour", "Size"], ["red", "XL"]]),
        "customers.xlsx",
        "None of the columns is known",
    ),
    "latin-1 csv": (lambda: "Name\nMüller Agencies\n".encode("latin-1"), "customers.csv", "not UTF-8 encoded"),
    "pdf": (lambda: b"%PDF-1.7", "customers.pdf", "Upload an Excel workbook (.xlsx) or a CSV file"),
}


@pytest.mark.parametrize("case", REFUSALS, ids=str)
def test_a_refused_file_is_explained_beside_the_file_field_and_nothing_is_written(session, settings, case):
    make, name, message = REFUSALS[case]

    response = upload(session, make(), name=name)

    assert response.status_code == 400
    errors = file_errors(response)
    assert len(errors) == 1 and message in errors[0]
    assert page(response).xpath('//input[@name="file"]/@aria-invalid') == ["true"]
    assert "Nothing was imported." in text(page(response).xpath('//*[@role="alert"]')[0])
    assert not Customer.objects.exists() and not ImportJob.objects.exists()
    assert kept_files(settings) == []


def test_a_file_over_the_size_limit_is_refused(session, settings):
    settings.IMPORT_MAX_BYTES = 4096
    content = xlsx_bytes([SHORT_HEADER, *[[f"Customer {n}", "", "", "x" * 200, None] for n in range(50)]])

    response = upload(session, content)

    assert response.status_code == 413
    assert file_errors(response) == ["The file is larger than 0.00390625 MB; split it into smaller files."]
    assert not ImportJob.objects.exists() and kept_files(settings) == []


def test_a_request_declaring_a_body_far_over_the_limit_is_refused_before_it_is_read(session, settings):
    settings.IMPORT_MAX_BYTES = 1024
    content = b"Name\n" + b"Jane Wanjiku\n" * 10_000

    response = upload(session, content, name="customers.csv", category="1")

    assert response.status_code == 413
    assert file_errors(response) == ["The file is larger than 0.000976562 MB; split it into smaller files."]
    assert not ImportJob.objects.exists()


def test_a_sheet_over_the_row_limit_is_refused(session, settings):
    settings.IMPORT_MAX_ROWS = 3

    response = upload(session, xlsx_bytes([SHORT_HEADER, *[[f"Customer {n}", "", "", "", None] for n in range(5)]]))

    assert response.status_code == 400
    assert file_errors(response) == ["The file has more than 3 rows; split it into smaller files."]
    assert not ImportJob.objects.exists()


def test_the_file_is_required(session):
    response = session.post(UPLOAD, {"mode": "all_or_nothing"})

    assert response.status_code == 400
    assert file_errors(response) == ["This field is required."]


def test_a_default_category_of_another_organization_is_refused(session, other_organization):
    foreign = CategoryFactory(organization=other_organization, name="Foreign")

    response = upload(session, xlsx_bytes(VALID_ROWS), category=str(foreign.pk))

    assert response.status_code == 400
    assert [text(error) for error in page(response).xpath('//*[@id="id_category-feedback"]/p')] == [
        "Select a valid choice. That choice is not one of the available choices."
    ]
    assert not ImportJob.objects.exists()


# ---------------------------------------------------------------------------------------------
# Step 3: confirm, then the result


def test_confirming_imports_the_rows_and_a_second_import_creates_nothing_new(session, organization, clerk):
    retail = CategoryFactory(organization=organization, name="Retail")
    preview = preview_of(session, xlsx_bytes(VALID_ROWS), category=str(retail.pk))

    response = confirm(session, preview)

    assert response.status_code == 302 and response["Location"].startswith("/import/jobs/")
    result = session.get(response["Location"])
    assert counts(result) == {"created": "2", "updated": "0", "unchanged": "0", "skipped": "0", "opening_balances": "1"}
    assert "Import finished: 2 created, 0 updated, 0 unchanged." in text(page(result))
    assert page(result).xpath('//a[@href="/customers/" and contains(., "Go to the customers")]')
    assert not page(result).xpath("//progress")
    assert set(Customer.objects.values_list("name", "category__name", "created_by")) == {
        ("Jane Wanjiku", "Retail", clerk.pk),
        ("Kamau Hardware Ltd", "Retail", clerk.pk),
    }

    again = preview_of(session, xlsx_bytes(VALID_ROWS))
    assert (counts(again)["created"], counts(again)["unchanged"]) == ("0", "2")
    assert "importing this file changes nothing" in text(page(again))
    second = session.get(confirm(session, again)["Location"])
    assert (counts(second)["created"], counts(second)["unchanged"]) == ("0", "2")
    assert (Customer.objects.count(), Transaction.objects.count()) == (2, 1)


def test_all_or_nothing_with_an_invalid_row_writes_nothing_and_says_so(session):
    preview = preview_of(session, xlsx_bytes([*VALID_ROWS, BAD_PIN_ROW]))

    result = session.get(confirm(session, preview, mode="all_or_nothing")["Location"])

    document = page(result)
    assert "Nothing was imported." in text(document)
    assert "none of its 3 rows was saved" in text(document)
    assert [text(cell) for cell in document.xpath('//*[@id="import-errors"]//tbody/tr/td')] == [
        "4",
        "B KRA PIN",
        PIN_MESSAGE,
    ]
    assert document.xpath('//a[contains(., "Error report")]/@href')
    assert not Customer.objects.exists() and not Transaction.objects.exists()


def test_skip_invalid_writes_the_valid_rows_and_reports_the_others(session):
    preview = preview_of(session, xlsx_bytes([*VALID_ROWS, BAD_PIN_ROW]))

    result = session.get(confirm(session, preview, mode="skip_invalid")["Location"])

    assert (counts(result)["created"], counts(result)["skipped"]) == ("2", "1")
    assert "1 invalid row was left out" in text(page(result))
    assert set(Customer.objects.values_list("name", flat=True)) == {"Jane Wanjiku", "Kamau Hardware Ltd"}


def test_a_preview_is_imported_once_and_its_file_is_not_kept(session, settings):
    preview = preview_of(session, xlsx_bytes(VALID_ROWS))
    action = page(preview).xpath('//form[contains(@action, "/confirm/")]/@action')[0]
    assert len([path for path in kept_files(settings) if "drafts" in path.parts]) == 1

    session.post(action, {"mode": "all_or_nothing"})
    twice = session.post(action, {"mode": "all_or_nothing"}, follow=True)

    assert "already imported" in text(page(twice))
    assert ImportJob.objects.filter(options__dry_run=False).count() == 1
    assert [path for path in kept_files(settings) if "drafts" in path.parts] == []
    assert "can no longer be imported" in text(page(session.get(action.removesuffix("confirm/"))))


def test_a_csv_file_goes_through_the_same_steps(session):
    content = csv_bytes([["Name", "Phone Number"], ["Müller Agencies", "0712345678"]], bom=True)

    preview = preview_of(session, content, name="customers.csv")
    result = session.get(confirm(session, preview)["Location"])

    assert counts(result)["created"] == "1"
    assert Customer.objects.get().name == "Müller Agencies"


# ---------------------------------------------------------------------------------------------
# Large files: the dry run and the import run as jobs, and the pages show their progress


def test_a_large_file_is_checked_and_imported_as_jobs_with_a_progress_bar(
    session, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROW_THRESHOLD = 3
    rows = [SHORT_HEADER, *[[f"Customer {n}", f"07120000{n:02d}", "", "", 100] for n in range(6)]]

    with django_capture_on_commit_callbacks() as queued:
        checking = preview_of(session, xlsx_bytes(rows))
    document = page(checking)
    assert document.xpath('//*[@id="import-status"]/@hx-trigger') == ["every 1s"]
    assert document.xpath('//noscript/meta[@http-equiv="refresh"]/@content') == ["2"]
    assert document.xpath("//progress/@aria-valuenow") == ["0"]
    assert not document.xpath('//form[contains(@action, "/confirm/")]')
    preview_url = checking.wsgi_request.get_full_path()
    early = session.post(f"{checking.wsgi_request.path}confirm/", {"mode": "all_or_nothing"})
    assert early.status_code == 302 and ImportJob.objects.count() == 1
    assert len(queued) == 1
    queued[0]()
    assert session.get(preview_url, headers={"HX-Request": "true"})["HX-Refresh"] == "true"
    preview = session.get(preview_url)
    assert counts(preview)["created"] == "6"

    with django_capture_on_commit_callbacks() as queued:
        job_url = confirm(session, preview)["Location"]
    running = page(session.get(job_url))
    assert running.xpath('//*[@id="import-status"]/@hx-get') == [job_url]
    bar = running.xpath("//progress")[0]
    assert (bar.get("max"), bar.get("aria-valuemin"), bar.get("aria-valuemax"), bar.get("aria-valuenow")) == (
        "100",
        "0",
        "100",
        "0",
    )
    assert running.xpath('//noscript/meta[@http-equiv="refresh"]')
    assert running.xpath('//a[contains(., "Check again")]/@href') == [job_url]
    assert session.get(job_url, headers={"Accept": "application/json"}).json()["status"] == "queued"
    assert not Customer.objects.exists()

    queued[0]()

    state = session.get(job_url, headers={"Accept": "application/json"}).json()
    assert (state["status"], state["finished"], state["progress"], state["processed_rows"]) == (
        "succeeded",
        True,
        100,
        6,
    )
    assert (state["counts"]["created"], state["error_report_url"]) == (6, None)
    part = session.get(job_url, headers={"HX-Request": "true"})
    assert b"<html" not in part.content and b"hx-trigger" not in part.content
    assert counts(part)["created"] == "6"
    assert Customer.objects.count() == 6


def test_the_job_page_shows_the_progress_of_a_running_import(session, organization, clerk):
    job = ImportJob.objects.create(
        organization=organization,
        created_by=clerk,
        original_name="big.xlsx",
        status="running",
        total_rows=5000,
        processed_rows=2000,
        progress=40,
    )
    url = f"/import/jobs/{job.pk}/"

    html = page(session.get(url))
    part = session.get(url, headers={"HX-Request": "true"})
    state = session.get(url, headers={"Accept": "application/json"}).json()

    assert html.xpath("//progress/@value") == ["40"] and html.xpath("//progress/@aria-valuenow") == ["40"]
    assert "2000 of about 5000 rows done." in text(html)
    assert b"<html" not in part.content and page(part).get("id") == "import-status"
    assert page(part).xpath("//progress/@aria-valuenow") == ["40"]
    assert state == {
        "id": str(job.pk),
        "status": "running",
        "finished": False,
        "progress": 40,
        "processed_rows": 2000,
        "total_rows": 5000,
        "dry_run": False,
        "mode": None,
        "counts": {},
        "error_message": "",
        "error_report_url": None,
    }


def test_a_failed_import_says_why(session, organization, clerk):
    job = ImportJob.objects.create(
        organization=organization,
        created_by=clerk,
        original_name="big.xlsx",
        status="failed",
        error_message="The import stopped because of an unexpected error.",
    )

    response = session.get(f"/import/jobs/{job.pk}/")

    assert "The import failed. The import stopped because of an unexpected error." in text(
        page(response).xpath('//*[@role="alert"]')[0]
    )
    assert not page(response).xpath("//progress")


# ---------------------------------------------------------------------------------------------
# Who may import, and whose jobs are visible


def test_viewers_cannot_use_any_step(client_as, viewer, session):
    preview = upload(session, xlsx_bytes(VALID_ROWS))["Location"]
    job_id = preview.split("/")[3]
    as_viewer = client_as(viewer)

    answers = [
        as_viewer.get(UPLOAD).status_code,
        upload(as_viewer, xlsx_bytes(VALID_ROWS)).status_code,
        as_viewer.get("/import/template.xlsx").status_code,
        as_viewer.get(preview).status_code,
        as_viewer.post(f"/import/preview/{job_id}/confirm/", {"mode": "all_or_nothing"}).status_code,
        as_viewer.get(f"/import/jobs/{job_id}/").status_code,
    ]

    assert answers == [403] * 6
    assert ImportJob.objects.count() == 1 and not Customer.objects.exists()


def test_another_organizations_import_is_a_404(client_as, other_organization, session, settings):
    preview = upload(session, xlsx_bytes([*VALID_ROWS, BAD_PIN_ROW]))["Location"]
    job_id = preview.split("/")[3]
    outsider = client_as(MembershipFactory(organization=other_organization, role="manager").user)

    answers = [
        outsider.get(preview).status_code,
        outsider.post(f"/import/preview/{job_id}/confirm/", {"mode": "skip_invalid"}).status_code,
        outsider.get(f"/import/jobs/{job_id}/").status_code,
        outsider.get(f"/import/jobs/{job_id}/", headers={"Accept": "application/json"}).status_code,
        outsider.get(f"/import/jobs/{job_id}/errors.xlsx").status_code,
    ]

    assert answers == [404] * 5
    assert not Customer.objects.exists()
    assert session.get(f"/import/jobs/{job_id}/errors.xlsx").status_code == 200


def test_a_preview_belongs_to_the_member_who_uploaded_it(client_as, organization, session):
    preview = upload(session, xlsx_bytes(VALID_ROWS))["Location"]
    job_id = preview.split("/")[3]
    colleague = client_as(MembershipFactory(organization=organization, role="manager").user)

    assert colleague.get(preview).status_code == 404
    assert colleague.post(f"/import/preview/{job_id}/confirm/", {"mode": "all_or_nothing"}).status_code == 404
    assert not Customer.objects.exists()


def test_an_unknown_or_malformed_job_id_or_an_export_job_is_a_404(session, organization):
    export = ExportJob.objects.create(organization=organization, kind="customer_list", format="xlsx")

    assert session.get(f"/import/jobs/{export.pk}/").status_code == 404
    assert session.get("/import/jobs/6f1c3e0a-8f5e-4a53-9f3e-2b1f6c7d8e9f/").status_code == 404
    assert session.get("/import/jobs/not-a-uuid/").status_code == 404
    assert session.get("/import/preview/6f1c3e0a-8f5e-4a53-9f3e-2b1f6c7d8e9f/").status_code == 404
