import pytest

from customers.services import customer_create


@pytest.fixture
def customer(organization):
    return customer_create(
        organization=organization,
        name="Wanjiku Hardware Ltd",
        type="company",
        tax_id="A012345678Z",
        phone="+254712345678",
    )
