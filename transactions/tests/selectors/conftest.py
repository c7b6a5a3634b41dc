import pytest

from customers.services import customer_create


@pytest.fixture
def customer(organization):
    return customer_create(
        organization=organization,
        name="Kamau Wholesalers Ltd",
        type="company",
        tax_id="P051234567X",
        phone="+254712345678",
        email="accounts@kamau.co.ke",
    )


@pytest.fixture
def fresh():
    """Re-read a customer's stored balances, as the next request would see them."""

    def reload(customer):
        customer.refresh_from_db()
        return customer

    return reload
