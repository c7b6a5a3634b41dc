import pytest

from billing.services import billing_entity_create
from core.exceptions import NotFound
from customers.models import Customer
from customers.selectors import customer_get, customer_get_detailed
from customers.services import (
    bank_account_create,
    contact_email_create,
    contact_phone_create,
    customer_create,
    customer_soft_delete,
)
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(organization) -> Customer:
    return customer_create(
        organization=organization,
        name="Otieno Hardware",
        customer_no="CUST003",
        category=CategoryFactory(organization=organization, name="Wholesale"),
    )


def _not_found(organization, customer_id) -> NotFound:
    with pytest.raises(NotFound) as excinfo:
        customer_get(organization=organization, customer_id=customer_id)
    return excinfo.value


def test_a_customer_is_found_by_its_id_as_number_or_text(organization, customer):
    assert customer_get(organization=organization, customer_id=customer.pk) == customer
    assert customer_get(organization=organization, customer_id=str(customer.pk)) == customer


def test_reading_a_customer_with_its_branch_and_category_takes_one_query(
    organization, customer, django_assert_num_queries
):
    with django_assert_num_queries(1):
        found = customer_get(organization=organization, customer_id=customer.pk)
        shown = (found.organization.slug, found.branch.code, found.category.name, found.group)

    assert shown == (organization.slug, "00", "Wholesale", None)


def test_another_organizations_customer_answers_exactly_like_a_missing_one(organization, other_organization):
    theirs = customer_create(organization=other_organization, name="Kofi Mensah")
    missing_id = Customer.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000

    foreign = _not_found(organization, theirs.pk)
    missing = _not_found(organization, missing_id)

    assert type(foreign) is type(missing) is NotFound
    assert (foreign.status_code, foreign.message, foreign.errors) == (404, "Customer not found", {})
    assert (missing.status_code, missing.message, missing.errors) == (foreign.status_code, foreign.message, {})
    # The owner still sees it.
    assert customer_get(organization=other_organization, customer_id=theirs.pk) == theirs


def test_a_deleted_customer_is_not_found_unless_asked_for(organization, customer):
    customer_soft_delete(customer=customer)

    assert _not_found(organization, customer.pk).message == "Customer not found"
    assert customer_get(organization=organization, customer_id=customer.pk, include_deleted=True) == customer


@pytest.mark.parametrize("customer_id", ["abc", "", None, "1.5", "1; DROP TABLE customers", 10**20, -1])
def test_an_id_that_is_not_a_customer_id_is_not_found(organization, customer, customer_id):
    assert _not_found(organization, customer_id).message == "Customer not found"


def test_the_detail_carries_contacts_bank_accounts_and_billing_entities(organization, customer):
    contact_email_create(customer=customer, email="accounts@otienohardware.co.ke")
    contact_email_create(customer=customer, email="sales@otienohardware.co.ke")
    contact_phone_create(customer=customer, number="0712 345 678")
    bank_account_create(customer=customer, iban="DE89370400440532013000")
    billing_entity_create(customer=customer, legal_name="Otieno Hardware Ltd")
    billing_entity_create(customer=customer, legal_name="Otieno Holdings Ltd", is_default=True)

    detailed = customer_get_detailed(organization=organization, customer_id=customer.pk)

    assert [email.email for email in detailed.emails.all()] == [
        "accounts@otienohardware.co.ke",
        "sales@otienohardware.co.ke",
    ]
    assert [phone.number for phone in detailed.phones.all()] == ["+254712345678"]
    assert [account.iban for account in detailed.bank_accounts.all()] == ["DE89370400440532013000"]
    # The default entity comes first.
    assert [entity.legal_name for entity in detailed.billing_entities.all()] == [
        "Otieno Holdings Ltd",
        "Otieno Hardware Ltd",
    ]


def test_the_detail_is_read_in_a_fixed_number_of_queries(organization, customer, django_assert_num_queries):
    for index in range(3):
        contact_email_create(customer=customer, email=f"desk{index}@otienohardware.co.ke")
        contact_phone_create(customer=customer, number=f"+2547123456{index:02d}")
        bank_account_create(customer=customer, account_number=f"01001234567{index}")
        billing_entity_create(customer=customer, legal_name=f"Otieno Entity {index} Ltd")

    # The customer with its lookups, then emails, phones, bank accounts and billing entities.
    with django_assert_num_queries(5):
        detailed = customer_get_detailed(organization=organization, customer_id=customer.pk)
        counts = [
            len(detailed.emails.all()),
            len(detailed.phones.all()),
            len(detailed.bank_accounts.all()),
            len(detailed.billing_entities.all()),
        ]

    assert counts == [3, 3, 3, 3]


def test_the_detail_of_another_organizations_customer_is_not_found(organization, other_organization):
    theirs = customer_create(organization=other_organization, name="Kofi Mensah")

    with pytest.raises(NotFound) as excinfo:
        customer_get_detailed(organization=organization, customer_id=theirs.pk)

    assert excinfo.value.message == "Customer not found"
