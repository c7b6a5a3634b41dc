import io
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from pypdf import PdfReader

from billing.services import billing_entity_create
from customers.services import contact_email_create, contact_phone_create, customer_update
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db


def url(customer) -> str:
    return f"/customers/{customer.pk}/"


def test_header_shows_the_customers_identity_and_balance(client_as, viewer, organization, wanjiku):
    transaction_record(organization=organization, customer=wanjiku, type="sale", total_amount="15250.50")

    response = client_as(viewer).get(url(wanjiku))

    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Wanjiku Traders Ltd", wanjiku.customer_no, "A051234567X", "Retail", "Company", "KES 15,250.50"):
        assert text in html
    assert 'class="badge badge--active"' in html


def test_summary_cards_and_monthly_sales_chart(client_as, viewer, organization, wanjiku):
    now = timezone.now()
    transaction_record(organization=organization, customer=wanjiku, type="sale", total_amount="1000", occurred_at=now)
    transaction_record(
        organization=organization,
        customer=wanjiku,
        type="sale",
        total_amount="400",
        occurred_at=now - timedelta(days=70),
    )
    transaction_record(organization=organization, customer=wanjiku, type="payment", total_amount="300", occurred_at=now)

    response = client_as(viewer).get(url(wanjiku))

    assert response.context["summary"].total_sales_amount == Decimal("1400.00")
    chart = response.context["sales_chart"]
    assert len(chart.columns) == 12
    assert chart.columns[-1].value == Decimal("1000.00")
    assert chart.columns[-1].height == max(column.height for column in chart.columns)
    assert sum(column.value for column in chart.columns) == Decimal("1400.00")
    assert b'class="column-chart"' in response.content


def test_transactions_filter_by_type_and_date_and_paginate(client_as, viewer, organization, wanjiku):
    now = timezone.now()
    for day in range(12):
        transaction_record(
            organization=organization,
            customer=wanjiku,
            type="sale",
            total_amount="100",
            reference=f"INV-{day:03d}",
            occurred_at=now - timedelta(days=day),
        )
    transaction_record(
        organization=organization, customer=wanjiku, type="payment", total_amount="50", reference="RCT-1"
    )
    session = client_as(viewer)

    payments = session.get(url(wanjiku), {"tx_type": "payment"})
    assert [entry.reference for entry in payments.context["tx_page"].object_list] == ["RCT-1"]

    first_page = session.get(url(wanjiku), {"tx_type": "sale"})
    assert first_page.context["tx_page"].paginator.count == 12
    assert len(first_page.context["tx_page"].object_list) == 10
    assert "tx_type=sale&amp;tx_page=2" in first_page.content.decode()

    # A bare date is a whole day in the organization's timezone: today and the two days before.
    two_days_ago = timezone.localdate(now, timezone=ZoneInfo(organization.timezone)) - timedelta(days=2)
    recent = session.get(url(wanjiku), {"tx_type": "sale", "tx_from": two_days_ago.isoformat()})
    assert recent.context["tx_page"].paginator.count == 3


def test_invalid_transaction_date_shows_the_error_and_all_entries(client_as, viewer, organization, wanjiku):
    transaction_record(organization=organization, customer=wanjiku, type="sale", total_amount="100")

    response = client_as(viewer).get(url(wanjiku), {"tx_from": "31/02/2025"})

    assert response.status_code == 200
    assert response.context["tx_page"].paginator.count == 1
    assert "Enter a valid date" in response.content.decode()


def test_htmx_transaction_filter_returns_only_the_ledger_part(client_as, viewer, organization, wanjiku):
    transaction_record(organization=organization, customer=wanjiku, type="sale", total_amount="100", reference="INV-9")

    response = client_as(viewer).get(
        url(wanjiku), {"tx_type": "sale"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="transactions-panel"
    )

    html = response.content.decode()
    assert html.startswith('<section class="card" id="transactions-panel"')
    assert "INV-9" in html and "Change history" not in html


def test_contacts_billing_entities_and_change_history(client_as, viewer, manager, organization, wanjiku):
    contact_email_create(customer=wanjiku, actor=manager, email="Billing@Wanjiku.co.ke", use_for_invoicing=True)
    contact_phone_create(customer=wanjiku, actor=manager, number="0722 000 111", is_whatsapp=True)
    billing_entity_create(customer=wanjiku, actor=manager, legal_name="Wanjiku Holdings Ltd", tax_id="A000111222C")
    customer_update(customer=wanjiku, actor=manager, city="Nakuru")

    response = client_as(viewer).get(url(wanjiku))

    html = response.content.decode()
    assert "billing@wanjiku.co.ke" in html and "+254722000111" in html and "WhatsApp" in html
    assert "Wanjiku Holdings Ltd" in html and "Default" in html
    history = response.context["history"]
    city_change = next(entry for entry in history if entry.subject == "Customer" and entry.action == "changed")
    assert [(change.field, change.old, change.new) for change in city_change.changes] == [("City", "—", "Nakuru")]
    assert city_change.user == manager.username
    assert {entry.subject for entry in history} >= {
        "Customer",
        "Email billing@wanjiku.co.ke",
        "Phone +254722000111",
        "Billing entity Wanjiku Holdings Ltd",
    }
    assert "Nakuru" in html


def test_actions_follow_the_role(client_as, viewer, clerk, manager, wanjiku):
    viewer_html = client_as(viewer).get(url(wanjiku)).content.decode()
    clerk_html = client_as(clerk).get(url(wanjiku)).content.decode()
    manager_html = client_as(manager).get(url(wanjiku)).content.decode()

    edit = f"/customers/{wanjiku.pk}/edit/"
    archive = f"/customers/{wanjiku.pk}/status/archive/"
    assert edit not in viewer_html and "Add email" not in viewer_html
    assert edit in clerk_html and "Add email" in clerk_html and archive not in clerk_html
    assert archive in manager_html and f"/customers/{wanjiku.pk}/delete/" in manager_html
    for html in (viewer_html, clerk_html, manager_html):
        assert f"/api/v1/customers/{wanjiku.pk}/statement.pdf" in html
        assert f"/api/v1/customers/{wanjiku.pk}/export?format=pdf" in html
        assert f"/api/v1/customers/{wanjiku.pk}/export?format=xlsx" in html


def test_deleted_customer_is_a_404(client_as, viewer, wanjiku):
    from customers.services import customer_soft_delete

    customer_soft_delete(customer=wanjiku)

    assert client_as(viewer).get(url(wanjiku)).status_code == 404


def test_the_statement_link_carries_the_chosen_dates_to_a_statement_of_that_period(
    client_as, viewer, organization, wanjiku
):
    zone = ZoneInfo(organization.timezone)
    for day, amount in ((3, "100"), (10, "250"), (20, "400")):
        occurred = datetime(2026, 3, day, 12, 0, tzinfo=zone)
        transaction_record(
            organization=organization,
            customer=wanjiku,
            type="sale",
            total_amount=amount,
            reference=f"INV-MAR-{day}",
            occurred_at=occurred,
        )
    session = client_as(viewer)

    page = session.get(url(wanjiku), {"tx_from": "2026-03-05", "tx_to": "2026-03-15"})

    link = f"/api/v1/customers/{wanjiku.pk}/statement.pdf?from_date=2026-03-05&amp;to_date=2026-03-15"
    assert link in page.content.decode()
    statement = session.get(link.replace("&amp;", "&"))
    assert statement.status_code == 200
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(statement.content)).pages)
    assert "INV-MAR-10" in text
    assert "INV-MAR-3" not in text and "INV-MAR-20" not in text
    # The sale of the 3rd is before the period: it is the opening balance.
    assert "Opening balance 100.00" in text


def test_without_dates_the_statement_link_is_the_last_90_days(client_as, viewer, wanjiku):
    html = client_as(viewer).get(url(wanjiku)).content.decode()

    assert f'href="/api/v1/customers/{wanjiku.pk}/statement.pdf"' in html
    assert "Statement, last 90 days (PDF)" in html


def test_an_end_date_before_the_start_date_is_shown_beside_the_field_and_ignored(
    client_as, viewer, organization, wanjiku
):
    transaction_record(organization=organization, customer=wanjiku, type="sale", total_amount="100")

    response = client_as(viewer).get(url(wanjiku), {"tx_from": "2026-03-15", "tx_to": "2026-03-05"})

    assert response.status_code == 200
    assert response.context["tx_form"].errors == {"tx_to": ["The end date is before the start date."]}
    assert "The end date is before the start date." in response.content.decode()
    # The statement link keeps only the valid date.
    assert "statement.pdf?from_date=2026-03-15" in response.content.decode()


def test_times_are_shown_in_the_organizations_timezone_as_in_its_documents(client_as, viewer, organization, wanjiku):

    organization.timezone = "Africa/Nairobi"
    organization.save(update_fields=["timezone"])
    transaction_record(
        organization=organization,
        customer=wanjiku,
        type="sale",
        total_amount="100",
        reference="INV-LATE",
        occurred_at=datetime(2026, 12, 6, 22, 30, tzinfo=UTC),
    )

    html = client_as(viewer).get(url(wanjiku)).content.decode()

    # 22:30 UTC is 01:30 the next day in Nairobi.
    nairobi = '<time datetime="2026-12-07T01:30:00+03:00">7 Dec 2026</time><span class="cell-sub">01:30</span>'
    assert nairobi in html
    assert "2026-12-06T22:30:00+00:00" not in html
