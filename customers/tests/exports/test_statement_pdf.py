"""GET /api/v1/customers/{id}/statement.pdf: the statement of account as a PDF."""

from datetime import datetime
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from transactions.services import transaction_record

pytestmark = pytest.mark.django_db

NAIROBI = ZoneInfo("Africa/Nairobi")


@pytest.fixture
def ledger(kamau):
    """Kamau owes 1,500.50 from 20 May 2024 (the fixture's sale); more entries around it."""
    organization = kamau.organization

    def record(entry_type, amount, day, reference):
        transaction_record(
            organization=organization,
            customer=kamau,
            type=entry_type,
            total_amount=amount,
            reference=reference,
            occurred_at=datetime.fromisoformat(day).replace(hour=11, tzinfo=NAIROBI),
        )

    record("opening_balance", "2000.00", "2024-01-15", "OB-2024")
    record("payment", "1200.00", "2024-04-10", "RCT-3001")
    record("sale", "640.00", "2024-06-12", "INV-1102")
    record("credit_note", "40.50", "2024-06-14", "CN-0009")
    kamau.refresh_from_db()
    return kamau


def test_the_statement_shows_opening_lines_running_and_closing_balances_and_ageing(api, organization, ledger, pdf_text):
    response = api.get(f"customers/{ledger.pk}/statement.pdf", {"from_date": "2024-05-01", "to_date": "2024-06-30"})

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="statement-CUST001-20240501-20240630.pdf"'
    text, pages = pdf_text(response.content)
    assert organization.name in text
    assert "Statement of account: Kamau Wholesalers Ltd" in text
    assert "Period 2024-05-01 to 2024-06-30" in text
    # Opening: 2,000.00 - 1,200.00 before May.
    assert "Opening balance 800.00" in text
    for reference, running in (("INV-1001", "2,300.50"), ("INV-1102", "2,940.50"), ("CN-0009", "2,900.00")):
        line = next(line for line in text.splitlines() if reference in line)
        assert line.endswith(running), line
    assert "OB-2024" not in text and "RCT-3001" not in text
    assert "Closing balance 2,900.00" in text
    # FIFO: the payment and the credit note (1,240.50) settle the oldest debit, the opening balance:
    # 759.50 of it is still open, 167 days old at 30 June; May's sale (41 days) and June's (18 days)
    # are open in full.
    ageing = text[text.index("Ageing of the closing balance") :]
    assert "640.00 1,500.50 0.00 759.50 2,900.00" in ageing
    assert f"Page 1 of {pages}" in text


def test_without_dates_the_statement_covers_the_last_90_days(api, ledger, pdf_text):
    with mock.patch("django.utils.timezone.now", return_value=datetime(2024, 6, 30, 9, 0, tzinfo=NAIROBI)):
        response = api.get(f"customers/{ledger.pk}/statement.pdf")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="statement-CUST001-20240401-20240630.pdf"'
    text, _ = pdf_text(response.content)
    assert "RCT-3001" in text and "OB-2024" not in text


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from_date": "2024-02-30"}, "from_date"),
        ({"from_date": "yesterday"}, "from_date"),
        ({"to_date": "30/06/2024"}, "to_date"),
        ({"from_date": "2024-07-01", "to_date": "2024-06-30"}, "from_date"),
        ({"since": "2024-01-01"}, "since"),
        # The calendar's edges, which no timezone can hold whole.
        ({"to_date": "9999-12-31"}, "to_date"),
        ({"from_date": "0001-01-01"}, "from_date"),
        ({"from_date": "0001-01-01", "to_date": "0001-01-02"}, "from_date"),
    ],
)
def test_a_bad_date_or_parameter_is_a_400_naming_it(api, kamau, params, field):
    response = api.get(f"customers/{kamau.pk}/statement.pdf", params)

    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Validation failed"
    assert field in body["errors"]


def test_another_organizations_customer_answers_404(api, other_api, kamau, stranger):
    assert api.get(f"customers/{stranger.pk}/statement.pdf").status_code == 404
    assert other_api.get(f"customers/{kamau.pk}/statement.pdf").status_code == 404
    assert api.get("customers/999999/statement.pdf").json()["message"] == "Customer not found"


def test_a_read_key_and_a_viewer_can_download_a_statement(read_api, api_as, viewer, kamau):
    assert read_api.get(f"customers/{kamau.pk}/statement.pdf").status_code == 200
    assert api_as(viewer).get(f"customers/{kamau.pk}/statement.pdf/").status_code == 200


def test_the_statement_query_count_does_not_grow_with_the_ledger(api, ledger, django_assert_max_num_queries):
    for day in range(1, 29):
        transaction_record(
            organization=ledger.organization,
            customer=ledger,
            type="sale",
            total_amount="12.00",
            occurred_at=datetime(2024, 6, day, 9, tzinfo=NAIROBI),
        )

    # The API key (and its last-used stamp), the customer, the opening sums, the period's lines, the debits aged.
    with django_assert_max_num_queries(6):
        response = api.get(f"customers/{ledger.pk}/statement.pdf", {"from_date": "2024-06-01", "to_date": "2024-06-30"})

    assert response.status_code == 200


def test_long_references_and_amounts_stay_on_one_line(api, kamau, pdf_text):
    transaction_record(
        organization=kamau.organization,
        customer=kamau,
        type="sale",
        total_amount="1234567.89",
        reference="INV-2026-00211",
        occurred_at=datetime(2024, 6, 12, 11, tzinfo=NAIROBI),
    )

    response = api.get(f"customers/{kamau.pk}/statement.pdf", {"from_date": "2024-06-01", "to_date": "2024-06-30"})

    text, _ = pdf_text(response.content)
    line = next(line for line in text.splitlines() if "INV-2026-0021" in line)
    assert "INV-2026-00211" in line and "1,234,567.89" in line, line
