from decimal import Decimal

import pytest

from customers.selectors import customer_summary_by_category
from customers.services import customer_archive, customer_create, customer_soft_delete
from tests.factories import CategoryFactory
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db


def test_figures_per_category_largest_first_uncategorised_last(organization, other_organization):
    retail = CategoryFactory(organization=organization, name="Retail")
    wholesale = CategoryFactory(organization=organization, name="Wholesale")
    shops = [customer_create(organization=organization, name=f"Duka {n}", category=retail) for n in range(3)]
    depot = customer_create(organization=organization, name="Depot", category=wholesale)
    loose = customer_create(organization=organization, name="Kiosk")
    gone = customer_create(organization=organization, name="Gone", category=wholesale)
    customer_create(organization=other_organization, name="Elsewhere")
    customer_archive(customer=shops[0])
    customer_soft_delete(customer=gone)
    transaction_record(organization=organization, customer=shops[1], type="sale", total_amount="250")
    transaction_record(organization=organization, customer=depot, type="deposit", total_amount="40")
    transaction_record(organization=organization, customer=loose, type="sale", total_amount="5")

    rows = customer_summary_by_category(organization=organization)

    assert [(row["name"], row["customer_count"], row["archived_customers"]) for row in rows] == [
        ("Retail", 3, 1),
        ("Wholesale", 1, 0),
        ("No category", 1, 0),
    ]
    assert rows[0]["total_balance"] == Decimal("250.00")
    assert rows[1]["total_balance"] == Decimal("-40.00") and rows[1]["total_deposits"] == Decimal("40.00")
    assert rows[2]["category_id"] is None


def test_no_customers_no_rows(organization):
    assert customer_summary_by_category(organization=organization) == []


def test_balances_are_those_of_the_base_currency_and_counts_take_in_every_customer(organization):
    retail = CategoryFactory(organization=organization, name="Retail")
    shop = customer_create(organization=organization, name="Duka", category=retail)
    exporter = customer_create(organization=organization, name="Exporter", category=retail, currency="COP")
    transaction_record(organization=organization, customer=shop, type="sale", total_amount="250")
    transaction_record(organization=organization, customer=exporter, type="sale", total_amount="900000")
    transaction_record(organization=organization, customer=exporter, type="deposit", total_amount="1000000")

    [row] = customer_summary_by_category(organization=organization)

    assert row["customer_count"] == 2
    assert (row["total_balance"], row["total_deposits"]) == (Decimal("250.00"), Decimal("0.00"))
