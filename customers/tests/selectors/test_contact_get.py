import pytest

from core.exceptions import NotFound
from customers.selectors import contact_email_get, contact_email_list, contact_phone_get, contact_phone_list
from customers.services import contact_email_create, contact_phone_create, customer_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(organization):
    return customer_create(organization=organization, name="Otieno Hardware")


@pytest.fixture
def neighbour(organization):
    return customer_create(organization=organization, name="Kamau Stores")


def test_contacts_are_listed_in_the_order_they_were_added(customer, neighbour):
    for address in ["sales@otieno.co.ke", "accounts@otieno.co.ke"]:
        contact_email_create(customer=customer, email=address)
    for number in ["0733 000 111", "0712 345 678"]:
        contact_phone_create(customer=customer, number=number)
    contact_email_create(customer=neighbour, email="info@kamau.co.ke")
    contact_phone_create(customer=neighbour, number="0722 100 200")

    assert [contact.email for contact in contact_email_list(customer=customer)] == [
        "sales@otieno.co.ke",
        "accounts@otieno.co.ke",
    ]
    assert [contact.number for contact in contact_phone_list(customer=customer)] == ["+254733000111", "+254712345678"]


def test_a_contact_is_found_only_under_its_own_customer(customer, neighbour):
    email = contact_email_create(customer=customer, email="sales@otieno.co.ke")
    phone = contact_phone_create(customer=customer, number="0733 000 111")

    assert contact_email_get(customer=customer, email_id=str(email.pk)) == email
    assert contact_phone_get(customer=customer, phone_id=phone.pk) == phone
    with pytest.raises(NotFound, match="^Email not found$"):
        contact_email_get(customer=neighbour, email_id=email.pk)
    with pytest.raises(NotFound, match="^Phone not found$"):
        contact_phone_get(customer=neighbour, phone_id=phone.pk)


@pytest.mark.parametrize("contact_id", ["abc", None, 10**20])
def test_a_malformed_contact_id_is_not_found(customer, contact_id):
    with pytest.raises(NotFound):
        contact_email_get(customer=customer, email_id=contact_id)
    with pytest.raises(NotFound):
        contact_phone_get(customer=customer, phone_id=contact_id)
