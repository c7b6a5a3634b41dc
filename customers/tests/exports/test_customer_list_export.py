"""GET /api/v1/customers/export: the filtered list as xlsx, csv and pdf, answered in the request."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest

from customers.exporting import customer_list as customer_list_module
from customers.exporting.cells import csv_text
from customers.exporting.customer_list import CUSTOMER_LIST_COLUMNS, customer_rows
from customers.exporting.resources import CustomerListExportResource
from customers.selectors import customer_list
from customers.services import customer_soft_delete
from tests.factories import CategoryFactory, CustomerFactory, CustomerGroupFactory

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in CUSTOMER_LIST_COLUMNS]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def column(name: str) -> int:
    return HEADERS.index(name)


def rows_by_number(sheet) -> dict[str, tuple]:
    return {row[column("Customer No")].value: row for row in sheet.iter_rows(min_row=2)}


def test_xlsx_has_a_bold_frozen_filtered_header_and_typed_cells(api, kamau, munoz, read_xlsx):
    response = api.get("customers/export", {"format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    assert response["Content-Disposition"].endswith('.xlsx"')
    sheet = read_xlsx(response.content)["Customers"]
    header = next(sheet.iter_rows(max_row=1))
    assert [cell.value for cell in header] == HEADERS
    assert all(cell.font.b for cell in header)
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:U{1 + 2}"
    assert sheet.column_dimensions["B"].width == 32  # Name

    rows = rows_by_number(sheet)
    kamau_row = rows["CUST001"]
    assert kamau_row[column("Name")].value == "Kamau Wholesalers Ltd"
    assert kamau_row[column("Type")].value == "Company"
    assert kamau_row[column("Category")].value == "Wholesale"
    assert kamau_row[column("Branch")].value == "00"
    balance = kamau_row[column("Balance")]
    assert balance.data_type == "n"
    assert balance.value == pytest.approx(1500.50)
    assert balance.number_format == "#,##0.00"
    assert kamau_row[column("Credit limit")].value == pytest.approx(50000)
    assert kamau_row[column("Transactions")].value == 1
    last = kamau_row[column("Last transaction")]
    assert last.is_date
    # Written in the organization's time (Nairobi), as the user reads it.
    assert last.value == datetime(2024, 5, 20, 9, 30)
    assert rows["CUST002"][column("Name")].value == "José Muñoz"
    # A customer in credit: the negative balance is a number, not text.
    assert rows["CUST002"][column("Balance")].data_type == "n"
    assert rows["CUST002"][column("Balance")].value == pytest.approx(-250.0)


def test_the_export_follows_the_lists_filters_and_order(api, kamau, munoz, archived, read_xlsx):
    active = read_xlsx(api.get("customers/export", {"format": "xlsx", "status": "active"}).content)["Customers"]
    inactive = read_xlsx(api.get("customers/export", {"format": "xlsx", "status": "inactive"}).content)["Customers"]
    by_balance = read_xlsx(api.get("customers/export", {"format": "xlsx", "ordering": "-balance"}).content)
    searched = read_xlsx(api.get("customers/export", {"format": "xlsx", "search": "kamau"}).content)["Customers"]

    assert set(rows_by_number(active)) == {"CUST001", "CUST002"}
    assert set(rows_by_number(inactive)) == {"CUST003"}
    assert list(rows_by_number(by_balance["Customers"])) == ["CUST001", "CUST003", "CUST002"]
    assert list(rows_by_number(searched)) == ["CUST001"]


def test_by_default_rows_come_in_the_lists_order_by_name(api, kamau, munoz, archived, read_xlsx):
    sheet = read_xlsx(api.get("customers/export").content)["Customers"]

    assert [row[column("Name")].value for row in sheet.iter_rows(min_row=2)] == [
        "José Muñoz",
        "Kamau Wholesalers Ltd",
        "Old Duka Stores",
    ]


def test_another_organizations_and_deleted_customers_are_never_exported(api, kamau, munoz, stranger, read_xlsx):
    customer_soft_delete(customer=munoz)

    xlsx = read_xlsx(api.get("customers/export", {"format": "xlsx"}).content)["Customers"]
    text = api.get("customers/export", {"format": "csv"}).content.decode("utf-8-sig")

    assert set(rows_by_number(xlsx)) == {"CUST001"}
    assert "Foreign Traders" not in text
    assert "Muñoz" not in text


def test_csv_is_utf8_with_a_bom_and_parses_back(api, kamau, munoz):
    response = api.get("customers/export", {"format": "csv", "ordering": "customer_no"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].endswith('.csv"')
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == HEADERS
    assert [row[column("Name")] for row in rows[1:]] == ["Kamau Wholesalers Ltd", "José Muñoz"]
    assert rows[1][column("Balance")] == "1500.50"
    assert rows[2][column("Balance")] == "-250.00"
    assert rows[1][column("Last transaction")] == "2024-05-20 09:30:00"
    # A phone begins with "+", which a spreadsheet would evaluate: it is neutralized like any such text.
    assert rows[1][column("Phone")] == "'+254712345678"


# Text the CSV must quote (delimiters, quotes, line breaks) or that PostgreSQL's COPY escapes.
AWKWARD_CSV_NAMES = {
    "Q1": "Smith, Jones & Sons",
    "Q2": 'The "Best" Traders',
    "Q3": "Line\nBreak\r\nWindows",
    "Q4": "Back\\slash \\N Traders",
    "Q5": "Tab\tInside",
    "Q6": "=SUM(1,2)",
    "Q7": "Rocket 🚀 שלום",
    "Q8": "  Padded  ",
}


def test_csv_gives_back_every_awkward_text_exactly_as_stored(api, organization):
    for number, name in AWKWARD_CSV_NAMES.items():
        CustomerFactory(organization=organization, customer_no=number, name=name, legal_name="", email="")

    content = api.get("customers/export", {"format": "csv", "ordering": "customer_no"}).content.decode("utf-8-sig")

    rows = list(csv.reader(io.StringIO(content, newline="")))
    assert [row[column("Customer No")] for row in rows[1:]] == list(AWKWARD_CSV_NAMES)
    assert {row[0]: row[column("Name")] for row in rows[1:]} == {
        number: csv_text(name) for number, name in AWKWARD_CSV_NAMES.items()
    }
    assert all(row[column("Legal name")] == "" and row[column("Email")] == "" for row in rows[1:])
    # Records end with CRLF as csv.writer ends them; line breaks inside a quoted name stay as stored.
    assert content.count("\r\n") == len(AWKWARD_CSV_NAMES) + 2
    assert content.endswith("\r\n")


@pytest.mark.parametrize("format", ["csv", "xlsx"])
def test_a_search_left_with_nothing_to_match_exports_the_header_alone(api, kamau, format, read_xlsx):
    # Zero-width spaces pass as a query but leave nothing searchable: the list is empty.
    response = api.get("customers/export", {"format": format, "search": "\u200b\u200b"})

    assert response.status_code == 200
    if format == "csv":
        assert list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")))) == [HEADERS]
    else:
        assert read_xlsx(response.content)["Customers"].max_row == 1


def test_formula_like_text_is_neutralized_in_xlsx(api, injected, munoz, read_xlsx):
    response = api.get("customers/export", {"format": "xlsx"})

    sheet = read_xlsx(response.content)["Customers"]
    rows = rows_by_number(sheet)
    first, second = rows["INJ1"], rows["INJ2"]
    cells = [
        (first[column("Name")], "=cmd|' /C calc'!A0"),
        (first[column("Legal name")], "+1 Holdings"),
        (first[column("Address")], "-2 Kenyatta Avenue"),
        (first[column("City")], "@SUM(1+1)"),
        (second[column("Name")], "\tTab Traders"),
        (second[column("Address")], "\rCarriage Road"),
    ]
    for cell, text in cells:
        # A string cell marked quote-prefixed: shown as the text, never evaluated.
        assert (cell.value, cell.data_type, cell.quotePrefix) == (text, "s", True)
    assert rows["CUST002"][column("Balance")].value == pytest.approx(-250.0)
    # No formula at all in the stored sheet.
    import zipfile

    sheet_xml = zipfile.ZipFile(io.BytesIO(response.content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet_xml
    assert b"<f " not in sheet_xml


def test_formula_like_text_is_neutralized_in_csv(api, injected, munoz):
    text = api.get("customers/export", {"format": "csv"}).content.decode("utf-8-sig")

    rows = {row[0]: row for row in csv.reader(io.StringIO(text))}
    assert rows["INJ1"][column("Name")] == "'=cmd|' /C calc'!A0"
    assert rows["INJ1"][column("Legal name")] == "'+1 Holdings"
    assert rows["INJ1"][column("Address")] == "'-2 Kenyatta Avenue"
    assert rows["INJ1"][column("City")] == "'@SUM(1+1)"
    assert rows["INJ2"][column("Name")] == "'\tTab Traders"
    assert rows["INJ2"][column("Address")] == "'\rCarriage Road"
    # Numbers are not text: a negative balance stays a plain number.
    assert rows["CUST002"][column("Balance")] == "-250.00"


def test_pdf_is_a_landscape_a4_table_with_the_organization_filters_and_page_numbers(
    api, organization, kamau, munoz, archived, wholesale, pdf_text
):
    response = api.get(
        "customers/export",
        {"format": "pdf", "status": "active", "type": "company", "category_id": wholesale.pk, "ordering": "-balance"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    text, pages = pdf_text(response.content)
    assert organization.name in text
    assert "Customer list" in text
    assert "Status: Active" in text and "Type: Company" in text
    assert "Category: Wholesale" in text
    assert "Order: Balance, descending" in text
    assert "Kamau Wholesalers Ltd" in text
    # Amounts of different currencies sit in one column: each row names its currency.
    assert "Currency" in text and "KES 1,500.50" in text
    assert "Muñoz" not in text
    assert "Old Duka" not in text
    assert f"Page 1 of {pages}" in text
    assert "Generated" in text

    from pypdf import PdfReader

    box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
    # A4 landscape: 297 x 210 mm in points.
    assert (round(float(box.width)), round(float(box.height))) == (842, 595)


def test_a_multi_page_pdf_numbers_every_page(api, organization, pdf_text):
    CustomerFactory.create_batch(120, organization=organization)

    text, pages = pdf_text(api.get("customers/export", {"format": "pdf"}).content)

    assert pages > 1
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in text


@pytest.mark.parametrize("value", ["xls", "docx", "PDF", "xlsx,csv"])
def test_an_unknown_format_is_a_400_naming_format(api, kamau, value):
    response = api.get("customers/export", {"format": value})

    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Validation failed"
    assert "format" in body["errors"]


def test_an_unknown_filter_or_a_bad_filter_value_is_a_400_naming_it(api, kamau):
    unknown = api.get("customers/export", {"format": "csv", "colour": "red"})
    bad_status = api.get("customers/export", {"format": "csv", "status": "sleeping"})
    bad_date = api.get("customers/export", {"format": "csv", "created_from": "2024-02-30"})

    assert unknown.status_code == 400 and "colour" in unknown.json()["errors"]
    assert bad_status.status_code == 400 and "status" in bad_status.json()["errors"]
    assert bad_date.status_code == 400 and "created_from" in bad_date.json()["errors"]


def test_a_read_key_and_a_viewer_can_export(read_api, api_as, viewer, kamau, read_xlsx):
    by_key = read_api.get("customers/export", {"format": "xlsx"})
    by_viewer = api_as(viewer).get("customers/export", {"format": "csv"})

    assert by_key.status_code == 200
    assert set(rows_by_number(read_xlsx(by_key.content)["Customers"])) == {"CUST001"}
    assert by_viewer.status_code == 200
    assert "Kamau Wholesalers Ltd" in by_viewer.content.decode("utf-8-sig")


def test_without_credentials_the_export_is_refused(client, kamau):
    response = client.get("/api/v1/customers/export", {"format": "csv"})

    assert response.status_code == 401
    assert response.json()["status"] == "error"


def test_another_organizations_key_exports_only_its_own_customers(other_api, kamau, stranger):
    text = other_api.get("customers/export", {"format": "csv"}).content.decode("utf-8-sig")

    assert "Foreign Traders Ltd" in text
    assert "Kamau" not in text


def test_the_query_count_does_not_grow_with_the_rows(api, organization, django_assert_max_num_queries):
    category = CategoryFactory(organization=organization)
    group = CustomerGroupFactory(organization=organization)
    CustomerFactory.create_batch(60, organization=organization, category=category, group=group)

    # The API key (and its last-used stamp), one count, and one statement for the rows with their joins.
    with django_assert_max_num_queries(5):
        response = api.get("customers/export", {"format": "xlsx"})

    assert response.status_code == 200


def test_rows_are_read_in_primary_key_batches_in_the_lists_order(organization, monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(customer_list_module, "BATCH_SIZE", 2)
    for index, balance in enumerate(["10.00", "50.00", "30.00", "20.00", "40.00"]):
        CustomerFactory(organization=organization, customer_no=f"B{index}", balance=Decimal(balance))
    customers = customer_list(organization=organization, filters={"ordering": "-balance"})
    done = []

    with django_assert_num_queries(1 + 3):  # the ordered ids, then 3 batches of at most 2 rows
        rows = list(
            customer_rows(
                customers=customers,
                columns=CUSTOMER_LIST_COLUMNS[:1],
                zone=organization_zone(organization),
                on_batch=done.append,
            )
        )

    assert rows == [["B1"], ["B4"], ["B2"], ["B3"], ["B0"]]
    assert done == [2, 4, 5]


def organization_zone(organization):
    from zoneinfo import ZoneInfo

    return ZoneInfo(organization.timezone)


def test_the_import_export_resource_gives_admin_the_same_columns_scope_and_neutralization(
    organization, kamau, injected, stranger
):
    dataset = CustomerListExportResource(organization=organization).export()

    assert list(dataset.headers) == HEADERS
    numbers = [row[column("Customer No")] for row in dataset]
    assert sorted(numbers) == ["CUST001", "INJ1", "INJ2"]
    first = next(row for row in dataset if row[column("Customer No")] == "INJ1")
    assert first[column("Name")] == "'=cmd|' /C calc'!A0"
    kamau_row = next(row for row in dataset if row[column("Customer No")] == "CUST001")
    assert kamau_row[column("Balance")] == Decimal("1500.50")
