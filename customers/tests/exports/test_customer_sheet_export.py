"""GET /api/v1/customers/{id}/export: one customer's information sheet as pdf and xlsx."""

import io
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from customers.exporting import customer_sheet
from customers.services import customer_soft_delete
from tests.factories import CustomerFactory
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db

NAIROBI = ZoneInfo("Africa/Nairobi")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def details(sheet) -> dict:
    return {row[0].value: row[1] for row in sheet.iter_rows(min_row=2)}


def test_xlsx_has_details_contacts_billing_entities_and_transactions_sheets(api, kamau_with_contacts, read_xlsx):
    response = api.get(f"customers/{kamau_with_contacts.pk}/export", {"format": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert response["Content-Disposition"].startswith('attachment; filename="customer-CUST001-')
    book = read_xlsx(response.content)
    assert book.sheetnames == ["Customer", "Contacts", "Billing entities", "Transactions"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref.startswith("A1:")
        assert all(cell.font.b for cell in next(sheet.iter_rows(max_row=1)))

    fields = details(book["Customer"])
    assert fields["Name"].value == "Kamau Wholesalers Ltd"
    assert fields["Tax ID"].value == "A051234567X"
    assert fields["Category"].value == "Wholesale"
    # Codes are shown with their names, for a reader who does not know them.
    assert (fields["Country"].value, fields["Language"].value) == ("Kenya (KE)", "English (en)")
    assert fields["Balance"].data_type == "n"
    assert fields["Balance"].value == pytest.approx(1000.50)
    assert fields["Credit limit"].value == pytest.approx(50000)
    assert fields["Last transaction"].is_date
    assert fields["Last transaction"].value == datetime(2024, 5, 28, 15, 0)

    contacts = [[cell.value for cell in row] for row in book["Contacts"].iter_rows(min_row=2)]
    assert contacts == [
        ["Email", "billing@kamau.co.ke", None, "Wanjiku Mwangi", "Accounts", False, None, False, None],
        # The phone begins with "+": kept as text, quote-prefixed.
        ["Phone", "+254722000111", None, "Otieno", None, None, True, False, None],
    ]
    assert book["Contacts"]["B3"].quotePrefix is True

    entities = [[cell.value for cell in row] for row in book["Billing entities"].iter_rows(min_row=2)]
    assert entities == [
        [
            "Kamau Wholesalers Limited",
            "A051234567X",
            "invoices@kamau.co.ke",
            "Moi Avenue 12, Nairobi",
            None,
            True,
            True,
        ]
    ]

    transactions = list(book["Transactions"].iter_rows(min_row=2))
    # Newest first, in Nairobi time, amounts as numbers.
    assert [row[2].value for row in transactions] == ["RCT-2001", "INV-1001"]
    assert transactions[0][0].value == datetime(2024, 5, 28, 15, 0)
    assert transactions[0][1].value == "Payment"
    assert transactions[1][4].value == pytest.approx(1500.50)
    assert transactions[1][4].data_type == "n"
    assert transactions[1][5].value == pytest.approx(206.97)


def test_pdf_carries_the_details_contacts_entities_and_transactions(api, organization, kamau_with_contacts, pdf_text):
    response = api.get(f"customers/{kamau_with_contacts.pk}/export", {"format": "pdf"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('.pdf"')
    text, pages = pdf_text(response.content)
    assert organization.name in text
    assert "Customer information sheet: Kamau Wholesalers Ltd" in text
    for expected in (
        "A051234567X",
        "billing@kamau.co.ke",
        "+254722000111",
        "Kamau Wholesalers Limited",
        "INV-1001",
        "RCT-2001",
        "1,500.50",
        "1,000.50",
    ):
        assert expected in text, expected
    assert f"Page 1 of {pages}" in text
    box = PdfReader(io.BytesIO(response.content)).pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 portrait


def test_pdf_is_the_default_format(api, kamau):
    response = api.get(f"customers/{kamau.pk}/export")

    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")


def test_the_pdf_lists_the_newest_transactions_and_says_how_many_there_are(
    api, organization, kamau, monkeypatch, pdf_text
):
    monkeypatch.setattr(customer_sheet, "PDF_TRANSACTION_LIMIT", 2)
    for day in (21, 22, 23):
        transaction_record(
            organization=organization,
            customer=kamau,
            type="sale",
            total_amount="10.00",
            reference=f"INV-20{day}",
            occurred_at=datetime(2024, 5, day, 12, 0, tzinfo=NAIROBI),
        )

    text, _ = pdf_text(api.get(f"customers/{kamau.pk}/export", {"format": "pdf"}).content)

    assert "INV-2023" in text and "INV-2022" in text
    assert "INV-2021" not in text and "INV-1001" not in text
    assert "The 2 most recent of 4 transactions" in text


def test_formula_like_text_in_the_sheet_is_neutralized(api, organization, read_xlsx):
    customer = CustomerFactory(organization=organization, name='=HYPERLINK("http://evil.example")', alias="@x")

    fields = details(read_xlsx(api.get(f"customers/{customer.pk}/export", {"format": "xlsx"}).content)["Customer"])

    assert (fields["Name"].value, fields["Name"].data_type, fields["Name"].quotePrefix) == (
        '=HYPERLINK("http://evil.example")',
        "s",
        True,
    )
    assert fields["Alias"].quotePrefix is True


@pytest.mark.parametrize("value", ["csv", "docx"])
def test_an_unsupported_format_is_a_400_naming_format(api, kamau, value):
    response = api.get(f"customers/{kamau.pk}/export", {"format": value})

    assert response.status_code == 400
    assert "format" in response.json()["errors"]


def test_an_unknown_parameter_is_a_400(api, kamau):
    response = api.get(f"customers/{kamau.pk}/export", {"format": "pdf", "lang": "sw"})

    assert response.status_code == 400
    assert "lang" in response.json()["errors"]


def test_another_organizations_missing_and_deleted_customers_answer_404(api, stranger, munoz):
    customer_soft_delete(customer=munoz)

    for customer_id in (stranger.pk, munoz.pk, 999999, "abc"):
        response = api.get(f"customers/{customer_id}/export", {"format": "xlsx"})
        assert response.status_code == 404, customer_id
        assert response.json()["message"] == "Customer not found"


def test_a_read_key_and_a_viewer_can_export_a_sheet(read_api, api_as, viewer, kamau):
    assert read_api.get(f"customers/{kamau.pk}/export", {"format": "xlsx"}).status_code == 200
    assert api_as(viewer).get(f"customers/{kamau.pk}/export", {"format": "pdf"}).status_code == 200


def test_the_xlsx_query_count_does_not_grow_with_contacts_or_transactions(
    api, organization, kamau_with_contacts, django_assert_max_num_queries
):
    for _ in range(30):
        transaction_record(organization=organization, customer=kamau_with_contacts, type="sale", total_amount="5.00")

    # The API key (and its last-used stamp), the customer, its emails, phones, bank accounts and billing
    # entities, then the ledger in one streamed query.
    with django_assert_max_num_queries(8):
        response = api.get(f"customers/{kamau_with_contacts.pk}/export", {"format": "xlsx"})

    assert response.status_code == 200


def test_the_pdfs_long_references_stay_on_one_line(api, organization, kamau, pdf_text):
    transaction_record(
        organization=organization, customer=kamau, type="sale", total_amount="125.00", reference="RCT-2026-00598"
    )

    response = api.get(f"customers/{kamau.pk}/export", {"format": "pdf"})

    text, _ = pdf_text(response.content)
    assert "RCT-2026-00598" in text
