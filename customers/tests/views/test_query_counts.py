"""The pages' query counts do not grow with the number of rows shown (no N+1 from templates)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.services import billing_entity_create
from customers.services import bank_account_create, contact_email_create, contact_phone_create, customer_create
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db


def count_queries(session, path, **headers) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert session.get(path, **headers).status_code == 200
    return len(queries)


def add_customers(organization, category, count: int) -> None:
    for number in range(count):
        customer_create(organization=organization, name=f"Duka la Mama {number:03d}", category=category)


def test_list_page_queries_do_not_grow_with_rows(client_as, viewer, organization, retail):
    session = client_as(viewer)
    add_customers(organization, retail, 3)
    few = count_queries(session, "/customers/?search=duka")
    add_customers(organization, retail, 22)
    many = count_queries(session, "/customers/?search=duka")

    assert many == few
    assert many <= 14


def test_dashboard_queries_are_bounded(client_as, viewer, organization, retail):
    session = client_as(viewer)
    add_customers(organization, retail, 10)

    assert count_queries(session, "/") <= 12


def test_detail_page_queries_do_not_grow_with_contacts_and_entries(client_as, viewer, manager, organization, wanjiku):
    def add_one_of_each(number: int) -> None:
        contact_email_create(customer=wanjiku, actor=manager, email=f"team{number}@wanjiku.co.ke")
        contact_phone_create(customer=wanjiku, actor=manager, number=f"+25472200011{number}")
        billing_entity_create(customer=wanjiku, actor=manager, legal_name=f"Wanjiku Entity {number}")
        bank_account_create(customer=wanjiku, actor=manager, account_number=f"0100{number}")
        transaction_record(organization=organization, customer=wanjiku, type="sale", total_amount="100")

    session = client_as(viewer)
    add_one_of_each(0)
    few = count_queries(session, f"/customers/{wanjiku.pk}/")
    for number in range(1, 5):
        add_one_of_each(number)
    many = count_queries(session, f"/customers/{wanjiku.pk}/")

    assert many == few
    assert many <= 30
