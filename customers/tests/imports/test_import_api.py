"""POST /api/v1/customers/import and GET /api/v1/customers/import/template.xlsx."""

import io
import zipfile
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from openpyxl import load_workbook

from customers.models import Customer, ImportJob
from customers.resources import CustomerResource
from tests.factories import CategoryFactory
from transactions.models import Transaction
from transactions.services import balances_recompute

from .conftest import SHORT_HEADER, csv_bytes, post_import, xlsx_bytes

pytestmark = pytest.mark.django_db

SHORT_ROWS = [
    SHORT_HEADER,
    ["Jane Wanjiku", "0712 345 678", "Jane@Wanjiku.co.ke", "Moi Avenue 12", 1500.5],
    ["Kamau Hardware", "+254733111222", "", "Kimathi Street", None],
]


def test_an_xlsx_import_answers_with_the_report(api, organization):
    response = post_import(api, xlsx_bytes(SHORT_ROWS))

    body = response.json()
    assert response.status_code == 200
    assert (body["status"], body["message"]) == ("success", "Import completed")
    assert {"timestamp", "request_id"} <= set(body["meta"])
    report = body["data"]
    assert (report["total_rows"], report["created"], report["updated"], report["skipped"]) == (2, 2, 0, 0)
    assert (report["errors"], report["opening_balances"], report["error_report_url"]) == ([], 1, None)
    assert ImportJob.objects.get(pk=report["job_id"]).status == "succeeded"
    assert Customer.objects.get(name="Jane Wanjiku").balance == Decimal("1500.50")
    assert balances_recompute(organization=organization, fix=False) == []


def test_importing_the_same_file_twice_creates_nothing_the_second_time(api):
    content = xlsx_bytes(SHORT_ROWS)
    post_import(api, content)

    report = post_import(api, content).json()["data"]

    assert (report["created"], report["unchanged"]) == (0, 2)
    assert (Customer.objects.count(), Transaction.objects.count()) == (2, 1)


@pytest.mark.parametrize(("bom", "delimiter"), [(True, ","), (False, ","), (True, ";")])
def test_a_utf8_csv_imports_with_or_without_bom(api, bom, delimiter):
    content = csv_bytes(
        [
            ["Name", "Phone Number", "Email-Address", "Address", "Unpaid Amount"],
            ["Müller Agencies", "0712345678", "", "Ngong Road", "1,200.00"],
        ],
        bom=bom,
        delimiter=delimiter,
    )

    response = post_import(api, content, name="customers.csv")

    assert response.status_code == 200, response.json()
    customer = Customer.objects.get()
    assert (customer.name, customer.balance) == ("Müller Agencies", Decimal("1200.00"))


def test_headers_are_matched_whatever_their_case_spaces_and_punctuation(api):
    content = xlsx_bytes(
        [
            [" NAME ", "phone_number", "E-MAIL ADDRESS", "address.", "Unpaid-Amount", "Notes"],
            ["Jane Wanjiku", "0712345678", "jane@wanjiku.co.ke", "Moi Avenue", 10],
        ]
    )

    report = post_import(api, content).json()["data"]

    customer = Customer.objects.get()
    assert (customer.phone, customer.email, customer.address, customer.balance) == (
        "+254712345678",
        "jane@wanjiku.co.ke",
        "Moi Avenue",
        Decimal("10.00"),
    )
    assert report["ignored_columns"] == ["Notes"]


def test_a_dry_run_validates_and_writes_nothing(api):
    response = post_import(api, xlsx_bytes(SHORT_ROWS), dry_run="true")

    body = response.json()
    assert (response.status_code, body["message"]) == (200, "Dry run completed: no problems found; nothing was written")
    assert (body["data"]["created"], body["data"]["dry_run"]) == (2, True)
    assert not Customer.objects.exists() and not Transaction.objects.exists()


def test_all_or_nothing_refuses_the_whole_file_and_skip_invalid_writes_the_valid_rows(api):
    rows = [*SHORT_ROWS, ["Bad Phone", "12", "", "", None]]

    strict_body = post_import(api, xlsx_bytes(rows)).json()
    strict = strict_body["data"]
    assert not Customer.objects.exists()
    # The answer says so in words, not "Import completed", for a client that reads only the message.
    assert strict_body["message"] == "Nothing was imported: the file has 1 problem and the mode is all_or_nothing"
    lenient_body = post_import(api, xlsx_bytes(rows), mode="skip_invalid").json()
    lenient = lenient_body["data"]
    assert lenient_body["message"] == "Import completed; 1 invalid row skipped"

    expected_error = {
        "row": 4,
        "field": "Phone Number",
        "column": "B",
        "message": "Enter a valid phone number, for example +254712345678.",
    }
    assert (strict["created"], strict["skipped"], strict["errors"]) == (0, 3, [expected_error])
    assert (lenient["created"], lenient["skipped"], lenient["errors"]) == (2, 1, [expected_error])
    assert Customer.objects.count() == 2


def test_the_error_report_downloads_as_xlsx(api):
    report = post_import(api, xlsx_bytes([*SHORT_ROWS, ["", "0712345678", "x@", "", "abc"]])).json()["data"]

    download = api.get(urlsplit(report["error_report_url"]).path)

    assert download.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content))).active
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["Row", "Column", "Field", "Message"],
        [4, "E", "Unpaid Amount", "Enter a number, for example 1500.50."],
        [4, "C", "Email-Address", "Enter a valid email address."],
    ]


def test_every_error_report_downloads_under_its_own_plain_name(api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # a clean folder: the second report's name is the first one's
    bad_rows = [*SHORT_ROWS, ["", "0712345678", "x@", "", "abc"]]
    urls = [post_import(api, xlsx_bytes(bad_rows)).json()["data"]["error_report_url"] for _ in range(2)]

    names = [api.get(urlsplit(url).path)["Content-Disposition"] for url in urls]

    assert urls[0] != urls[1]
    assert names == ['attachment; filename="import-errors.xlsx"'] * 2


def test_the_default_category_and_branch_apply_to_rows_without_their_own(api, organization, wholesale):
    from accounts.services import branch_create

    branch_create(organization=organization, code="01", name="Westlands")

    response = post_import(api, xlsx_bytes(SHORT_ROWS), category_id=wholesale.pk, branch_id="01")

    assert response.status_code == 200
    assert set(Customer.objects.values_list("category__name", "branch__code")) == {("Wholesale", "01")}


def test_a_category_or_branch_of_another_organization_is_refused(api, other_organization):
    foreign = CategoryFactory(organization=other_organization, name="Foreign")

    by_category = post_import(api, xlsx_bytes(SHORT_ROWS), category_id=foreign.pk)
    by_branch = post_import(api, xlsx_bytes(SHORT_ROWS), branch_id="99")

    assert by_category.status_code == by_branch.status_code == 400
    assert by_category.json()["errors"] == {"category_id": [f"Unknown category {foreign.pk}."]}
    assert by_branch.json()["errors"] == {"branch_id": ["Unknown branch '99'."]}
    assert not Customer.objects.exists()


def test_formulas_are_imported_as_their_text(api):
    content = xlsx_bytes([["Customer No", "Name", "Address"], ["F-1", "=1+1", '=HYPERLINK("http://x.test","click")']])

    response = post_import(api, content)

    assert response.status_code == 200, response.json()
    customer = Customer.objects.get(customer_no="F-1")
    assert (customer.name, customer.address) == ("=1+1", '=HYPERLINK("http://x.test","click")')


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_bomb() -> bytes:
    workbook = zipfile.ZipFile(io.BytesIO(xlsx_bytes(SHORT_ROWS)))
    members = {info.filename: workbook.read(info.filename) for info in workbook.infolist()}
    # A few KB packed, 20 MB unpacked: far past a 100:1 ratio.
    members["xl/worksheets/sheet1.xml"] = b"<worksheet>" + b" " * (20 * 1024 * 1024) + b"</worksheet>"
    return _zip(members)


def _macro_workbook() -> bytes:
    workbook = zipfile.ZipFile(io.BytesIO(xlsx_bytes(SHORT_ROWS)))
    members = {info.filename: workbook.read(info.filename) for info in workbook.infolist()}
    members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
        b"sheet.main+xml", b"sheet.macroEnabled.main+xml"
    )
    return _zip(members)


REFUSALS = {
    "zip bomb": (lambda: _zip_bomb(), "customers.xlsx", "zip bomb"),
    "password-protected": (lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 4096, "customers.xlsx", "password"),
    "xls": (lambda: xlsx_bytes(SHORT_ROWS), "customers.xls", ".xls files are not accepted"),
    "xlsm name": (lambda: xlsx_bytes(SHORT_ROWS), "customers.xlsm", ".xlsm files are not accepted"),
    "macro-enabled content": (_macro_workbook, "customers.xlsx", "Macro-enabled"),
    "text named xlsx": (lambda: b"Name,Phone\nJane,0712345678\n", "customers.xlsx", "not a real .xlsx"),
    "zip that is no workbook": (lambda: _zip({"notes.txt": b"hello"}), "customers.xlsx", "not an Excel workbook"),
    "workbook named csv": (lambda: xlsx_bytes(SHORT_ROWS), "customers.csv", "not a CSV file"),
    "empty": (lambda: b"", "customers.xlsx", "The file is empty."),
    "empty sheet": (lambda: xlsx_bytes([]), "customers.xlsx", "The sheet is empty"),
    "no header": (
        lambda: xlsx_bytes([["Jane Wanjiku", "0712345678", "jane@wanjiku.co.ke"]]),
        "customers.xlsx",
        "header row",
    ),
    "header row alone": (lambda: xlsx_bytes([SHORT_HEADER]), "customers.xlsx", "no customers under it"),
    "csv header row alone": (lambda: csv_bytes([SHORT_HEADER]), "customers.csv", "no customers under it"),
    "unknown columns": (
        lambda: xlsx_bytes([["Colour", "Size"], ["red", "XL"]]),
        "customers.xlsx",
        "None of the columns is known",
    ),
    "latin-1 csv": (lambda: "Name\nMüller Agencies\n".encode("latin-1"), "customers.csv", "not UTF-8"),
    "pdf": (lambda: b"%PDF-1.7", "customers.pdf", "Upload an Excel workbook (.xlsx) or a CSV file"),
    "same column twice": (
        lambda: xlsx_bytes([["Phone", "Phone Number"], ["0712345678", "0712345678"]]),
        "customers.xlsx",
        "both mean Phone",
    ),
}


@pytest.mark.parametrize("case", REFUSALS, ids=str)
def test_a_file_that_is_not_a_customer_sheet_is_refused_and_nothing_is_written(api, case):
    make, name, message = REFUSALS[case]

    response = post_import(api, make(), name=name)

    body = response.json()
    assert response.status_code == 400, body
    assert (body["status"], body["message"]) == ("error", body["errors"]["file"][0])
    assert message in body["message"]
    assert not Customer.objects.exists() and not ImportJob.objects.exists()


def test_a_file_over_the_size_limit_is_a_413(api, settings):
    settings.IMPORT_MAX_BYTES = 2048
    content = xlsx_bytes([*SHORT_ROWS, *[[f"Customer {n}", "", "", "x" * 200, None] for n in range(50)]])

    response = post_import(api, content)

    assert response.status_code == 413
    assert "larger than" in response.json()["message"]
    assert not Customer.objects.exists()


def test_a_sheet_over_the_row_limit_is_refused(api, settings):
    settings.IMPORT_MAX_ROWS = 3
    content = xlsx_bytes([SHORT_HEADER, *[[f"Customer {n}", "", "", "", None] for n in range(5)]])

    response = post_import(api, content)

    assert response.status_code == 400
    assert "more than 3 rows" in response.json()["message"]
    assert not Customer.objects.exists()


def test_a_workbook_unpacking_past_the_declared_limit_is_refused(api, settings):
    settings.IMPORT_MAX_UNCOMPRESSED_BYTES = 4096

    response = post_import(api, xlsx_bytes(SHORT_ROWS))

    assert response.status_code == 400
    assert "zip bomb" in response.json()["message"]


def test_a_json_body_is_an_unsupported_media_type(api):
    response = api.post("customers/import", {"file": "x"})

    assert response.status_code == 415


def test_the_file_field_is_required(api):
    response = api.client.post("/api/v1/customers/import", data={"dry_run": "true"}, **api._headers({}))

    assert response.status_code == 400
    assert "file" in response.json()["errors"]


def test_viewers_and_read_keys_cannot_import_but_clerks_can(api_as, viewer, clerk, read_api):
    as_viewer = post_import(api_as(viewer), xlsx_bytes(SHORT_ROWS))
    with_read_key = post_import(read_api, xlsx_bytes(SHORT_ROWS))
    as_clerk = post_import(api_as(clerk), xlsx_bytes(SHORT_ROWS))

    assert (as_viewer.status_code, with_read_key.status_code, as_clerk.status_code) == (403, 403, 200)
    assert Customer.objects.count() == 2
    assert Customer.objects.filter(created_by=clerk).count() == 2


def test_a_large_file_becomes_a_job_that_finishes_with_its_counts(
    api, organization, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_ASYNC_ROW_THRESHOLD = 3
    rows = [SHORT_HEADER, *[[f"Customer {n}", f"07120000{n:02d}", "", "", 100] for n in range(6)]]

    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(api, xlsx_bytes(rows))
    job = api.get(f"jobs/{response.json()['data']['id']}").json()["data"]

    assert response.status_code == 202
    assert response["Location"].endswith(f"/api/v1/jobs/{job['id']}")
    assert (response.json()["data"]["status"], response.json()["data"]["kind"]) == ("queued", "import")
    assert (job["status"], job["progress"], job["processed_rows"]) == ("succeeded", 100, 6)
    assert job["counts"]["created"] == 6 and job["errors"] == []
    assert Customer.objects.count() == 6
    assert balances_recompute(organization=organization, fix=False) == []


def test_the_template_has_every_column_an_example_and_a_sheet_explaining_them(read_api):
    response = read_api.get("customers/import/template.xlsx")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Customers", "Columns"]
    rows = list(workbook["Customers"].iter_rows(values_only=True))
    labels = list(CustomerResource.column_labels().values())
    assert list(rows[0]) == labels
    assert {"Customer No", "Tax ID", "Opening Balance", "Branch", "Payment Terms"} <= set(labels)
    example = dict(zip(rows[0], rows[1], strict=True))
    assert (example["Name"], example["Tax ID"], example["Branch"]) == ("Wanjiku Traders Ltd", "P051234567X", "00")
    explained = [row[0] for row in workbook["Columns"].iter_rows(min_row=2, values_only=True) if row[0]]
    assert explained[: len(labels)] == labels


def test_the_template_itself_imports(api):
    template = api.get("customers/import/template.xlsx").content

    report = post_import(api, template, name="customer-import-template.xlsx").json()["data"]

    assert (report["created"], report["errors"]) == (1, [])
    assert Customer.objects.get().customer_no == "CUST000123"
