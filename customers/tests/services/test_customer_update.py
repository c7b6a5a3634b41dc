from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.exceptions import DuplicateCustomerNumber, InvalidState
from customers.models import Customer
from customers.services import customer_create, customer_soft_delete, customer_update
from customers.validators import TAX_ID_INVALID
from tests.factories import CategoryFactory
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(organization, clerk) -> Customer:
    return customer_create(
        organization=organization,
        actor=clerk,
        name="Otieno Hardware",
        customer_no="CUST003",
        type="company",
        tax_id="P051234567X",
        phone="+254712345678",
        email="sales@otienohardware.co.ke",
        address="Moi Avenue 12",
        city="Nairobi",
        metadata={"erp_id": "4411"},
    )


def _stored(customer: Customer) -> Customer:
    return Customer.objects.get(pk=customer.pk)


def test_only_the_given_fields_change(customer, manager):
    customer_update(customer=customer, actor=manager, name="Otieno Hardware Ltd")

    stored = _stored(customer)
    assert stored.name == "Otieno Hardware Ltd"
    assert stored.updated_by == manager
    assert (stored.customer_no, stored.type, stored.tax_id) == ("CUST003", "company", "P051234567X")
    assert (stored.phone, stored.email) == ("+254712345678", "sales@otienohardware.co.ke")
    assert (stored.address, stored.city, stored.metadata) == ("Moi Avenue 12", "Nairobi", {"erp_id": "4411"})


def test_an_update_keeps_the_balance_moved_by_a_later_transaction(organization, customer):
    # ``customer`` was loaded before the sale; its in-memory balance is stale.
    transaction_record(
        organization=organization, customer=_stored(customer), type="sale", total_amount="1500.00", reference="INV-1"
    )

    customer_update(customer=customer, name="Otieno Hardware Ltd")

    stored = _stored(customer)
    assert stored.name == "Otieno Hardware Ltd"
    assert (stored.balance, stored.total_debit, stored.total_transactions) == (
        Decimal("1500.00"),
        Decimal("1500.00"),
        1,
    )
    assert stored.used_in_booked is True


def test_an_update_keeps_another_editors_change_to_a_different_field(customer):
    customer_update(customer=_stored(customer), email="accounts@otienohardware.co.ke")

    customer_update(customer=customer, city="Mombasa")

    stored = _stored(customer)
    assert (stored.email, stored.city) == ("accounts@otienohardware.co.ke", "Mombasa")


def test_updated_contact_data_is_normalized(customer):
    customer_update(customer=customer, phone="0733 345 678", email="Info@Otieno.CO.KE", tax_id="a012345678b")

    stored = _stored(customer)
    assert (stored.phone, stored.email, stored.tax_id) == ("+254733345678", "info@otieno.co.ke", "A012345678B")


def test_an_optional_field_can_be_cleared(organization, customer):
    customer_update(customer=customer, category=CategoryFactory(organization=organization, name="Wholesale"))

    customer_update(customer=customer, category=None, email="", phone="")

    stored = _stored(customer)
    assert (stored.category, stored.email, stored.phone) == (None, "", "")


def test_a_country_change_revalidates_the_tax_id(customer):
    with pytest.raises(ValidationError) as excinfo:
        customer_update(customer=customer, country="DK")

    assert excinfo.value.message_dict == {"tax_id": [TAX_ID_INVALID]}
    stored = _stored(customer)
    assert (stored.country, stored.tax_id) == ("KE", "P051234567X")


def test_a_country_change_with_a_valid_tax_id_of_the_new_country_is_saved(customer):
    customer_update(customer=customer, country="dk", currency="dkk", tax_id="DK24256790")

    stored = _stored(customer)
    assert (stored.country, stored.currency, stored.tax_id) == ("DK", "DKK", "24256790")


def test_a_bad_value_leaves_the_stored_customer_unchanged(customer):
    with pytest.raises(ValidationError) as excinfo:
        customer_update(customer=customer, name="Renamed", phone="12345")

    assert list(excinfo.value.message_dict) == ["phone"]
    stored = _stored(customer)
    assert (stored.name, stored.phone) == ("Otieno Hardware", "+254712345678")


def test_read_only_fields_are_refused_and_untouched(customer):
    with pytest.raises(ValidationError) as excinfo:
        customer_update(customer=customer, balance="-5000.00", name="Renamed")

    assert excinfo.value.message_dict == {"balance": ["This field cannot be set."]}
    stored = _stored(customer)
    assert (stored.balance, stored.name) == (Decimal("0.00"), "Otieno Hardware")


def test_a_deleted_customer_cannot_be_changed(customer):
    customer_soft_delete(customer=customer)

    with pytest.raises(InvalidState) as excinfo:
        customer_update(customer=customer, name="Back from the dead")

    assert excinfo.value.message == "A deleted customer cannot be changed."
    assert _stored(customer).name == "Otieno Hardware"


def test_a_lookup_of_another_organization_is_refused(other_organization, customer):
    foreign = CategoryFactory(organization=other_organization, name="Their VIPs")

    with pytest.raises(ValidationError) as excinfo:
        customer_update(customer=customer, category=foreign)

    assert excinfo.value.message_dict == {"category": ["Unknown category."]}
    assert _stored(customer).category is None


def test_saving_a_customer_with_its_own_customer_no_is_not_a_duplicate(customer):
    customer_update(customer=customer, customer_no="CUST003", name="Otieno Hardware Ltd")

    assert _stored(customer).name == "Otieno Hardware Ltd"


def test_taking_another_customers_number_in_the_branch_is_a_conflict(organization, customer):
    other = customer_create(organization=organization, name="Kamau Stores", customer_no="CUST004")

    with pytest.raises(DuplicateCustomerNumber) as excinfo:
        customer_update(customer=other, customer_no="CUST003")

    assert excinfo.value.errors == {"customer_no": ["Customer with this customer_no already exists in this branch"]}
    assert _stored(other).customer_no == "CUST004"


def test_moving_to_a_branch_where_the_number_is_taken_is_a_conflict(organization, westlands, customer):
    customer_create(organization=organization, branch=westlands, name="Westlands Otieno", customer_no="CUST003")

    with pytest.raises(DuplicateCustomerNumber):
        customer_update(customer=customer, branch=westlands)

    assert _stored(customer).branch.code == "00"


def test_an_update_is_recorded_in_the_history_with_the_actor_and_its_changes(customer, clerk, manager):
    customer_update(customer=customer, actor=manager, name="Otieno Hardware Ltd", email="Accounts@Otieno.co.ke")

    latest, created = customer.history.order_by("-history_id")[:2]
    assert (latest.history_type, latest.history_user) == ("~", manager)
    assert created.history_user == clerk
    changes = {change.field: (change.old, change.new) for change in latest.diff_against(created).changes}
    assert changes == {
        "name": ("Otieno Hardware", "Otieno Hardware Ltd"),
        "email": ("sales@otienohardware.co.ke", "accounts@otieno.co.ke"),
        "updated_by": (clerk.pk, manager.pk),
    }
