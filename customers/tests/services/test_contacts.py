import pytest
from django.core.exceptions import ValidationError

from core.exceptions import Conflict, InvalidState, RecordLocked
from customers.models import ContactEmail, ContactPhone, Customer
from customers.services import (
    contact_email_create,
    contact_email_delete,
    contact_email_set_locked,
    contact_email_update,
    contact_phone_create,
    contact_phone_delete,
    contact_phone_set_locked,
    contact_phone_update,
    customer_create,
    customer_soft_delete,
)
from customers.validators import PHONE_INVALID

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(organization) -> Customer:
    return customer_create(organization=organization, name="Otieno Hardware", customer_no="CUST003")


@pytest.fixture
def email(customer, clerk) -> ContactEmail:
    return contact_email_create(
        customer=customer, actor=clerk, email="accounts@otienohardware.co.ke", contact_name="Mary Achieng"
    )


@pytest.fixture
def phone(customer, clerk) -> ContactPhone:
    return contact_phone_create(customer=customer, actor=clerk, number="+254712345678", contact_name="Peter Otieno")


# Emails


def test_an_email_is_stored_lower_case(customer, clerk):
    contact = contact_email_create(
        customer=customer, actor=clerk, email=" Invoices@OtienoHardware.CO.KE ", use_for_invoicing=True
    )

    contact.refresh_from_db()
    assert (contact.email, contact.use_for_invoicing) == ("invoices@otienohardware.co.ke", True)
    assert contact.history.get().history_user == clerk


@pytest.mark.parametrize("value", ["", "accounts@@otieno.co.ke", "accounts.otieno.co.ke"])
def test_a_missing_or_invalid_email_is_refused_on_email(customer, value):
    with pytest.raises(ValidationError) as excinfo:
        contact_email_create(customer=customer, email=value)

    assert list(excinfo.value.message_dict) == ["email"]
    assert not customer.emails.exists()


def test_the_same_email_twice_on_a_customer_is_a_conflict_whatever_its_case(customer, email):
    with pytest.raises(Conflict) as excinfo:
        contact_email_create(customer=customer, email="ACCOUNTS@otienohardware.co.ke")

    assert excinfo.value.status_code == 409
    assert excinfo.value.errors == {"email": ["This customer already has this email."]}
    assert customer.emails.count() == 1


def test_another_customer_may_use_the_same_email(organization, email):
    other = customer_create(organization=organization, name="Otieno Hardware Kisumu")

    contact_email_create(customer=other, email=email.email)

    assert ContactEmail.objects.filter(email=email.email).count() == 2


def test_changing_an_email_to_one_the_customer_already_has_is_a_conflict(customer, email):
    second = contact_email_create(customer=customer, email="sales@otienohardware.co.ke")

    with pytest.raises(Conflict):
        contact_email_update(contact=second, email="Accounts@OtienoHardware.co.ke")

    second.refresh_from_db()
    assert second.email == "sales@otienohardware.co.ke"


def test_an_unlocked_email_can_be_edited_and_deleted(email):
    contact_email_update(contact=email, email="Finance@OtienoHardware.co.ke", role="Finance")

    email.refresh_from_db()
    assert (email.email, email.role, email.contact_name) == ("finance@otienohardware.co.ke", "Finance", "Mary Achieng")

    contact_email_delete(contact=email)
    assert not ContactEmail.objects.filter(pk=email.pk).exists()


def test_a_locked_email_cannot_be_edited_or_deleted(email, manager):
    contact_email_set_locked(contact=email, locked=True, actor=manager)

    with pytest.raises(RecordLocked) as excinfo:
        contact_email_update(contact=email, email="someone.else@example.com")
    assert excinfo.value.status_code == 400
    assert "locked" in excinfo.value.message
    with pytest.raises(RecordLocked):
        contact_email_delete(contact=email)

    stored = ContactEmail.objects.get(pk=email.pk)
    assert (stored.email, stored.is_locked) == ("accounts@otienohardware.co.ke", True)


def test_unlocking_an_email_allows_editing_and_deleting_again(email, manager):
    contact_email_set_locked(contact=email, locked=True, actor=manager)

    contact_email_set_locked(contact=email, locked=False, actor=manager)
    contact_email_update(contact=email, notes="Send statements on the 1st")

    assert ContactEmail.objects.get(pk=email.pk).notes == "Send statements on the 1st"
    contact_email_delete(contact=email)
    assert not ContactEmail.objects.filter(pk=email.pk).exists()


def test_locking_is_recorded_in_the_history_with_the_manager(email, manager):
    contact_email_set_locked(contact=email, locked=True, actor=manager)
    records = email.history.count()

    contact_email_set_locked(contact=email, locked=True, actor=manager)

    latest = email.history.order_by("-history_id").first()
    assert (latest.is_locked, latest.history_user) == (True, manager)
    assert email.history.count() == records


def test_emails_cannot_be_added_to_a_deleted_customer(customer):
    customer_soft_delete(customer=customer)

    with pytest.raises(InvalidState):
        contact_email_create(customer=customer, email="late@otienohardware.co.ke")

    assert not customer.emails.exists()


def test_an_email_refuses_fields_it_does_not_have(customer, email):
    with pytest.raises(ValidationError) as excinfo:
        contact_email_update(contact=email, is_locked=False)
    assert excinfo.value.message_dict == {"is_locked": ["This field cannot be set."]}

    with pytest.raises(ValidationError):
        contact_email_create(customer=customer, email="new@otienohardware.co.ke", is_locked=True)
    assert customer.emails.count() == 1


# Phones


@pytest.mark.parametrize(
    ("country", "raw", "stored"),
    [
        ("KE", "0712 345 678", "+254712345678"),
        ("KE", "712-345-678", "+254712345678"),
        ("CO", "(300) 123 4567", "+573001234567"),
        ("DK", "32 12 34 56", "+4532123456"),
        ("DK", "+254 712 345 678", "+254712345678"),
    ],
)
def test_a_phone_is_stored_in_e164_read_in_the_customers_country(organization, country, raw, stored):
    customer = customer_create(organization=organization, name="Caller", country=country)

    contact = contact_phone_create(customer=customer, number=raw, is_whatsapp=True)

    contact.refresh_from_db()
    assert (contact.number, contact.is_whatsapp) == (stored, True)


@pytest.mark.parametrize("value", ["", "12345", "call the office"])
def test_a_missing_or_invalid_phone_is_refused_on_number(customer, value):
    with pytest.raises(ValidationError) as excinfo:
        contact_phone_create(customer=customer, number=value)

    assert list(excinfo.value.message_dict) == ["number"]
    assert not customer.phones.exists()


def test_an_invalid_phone_says_how_to_write_one(customer):
    with pytest.raises(ValidationError) as excinfo:
        contact_phone_create(customer=customer, number="12345")

    assert excinfo.value.message_dict == {"number": [PHONE_INVALID]}


def test_the_same_phone_written_another_way_is_a_conflict(customer, phone):
    with pytest.raises(Conflict) as excinfo:
        contact_phone_create(customer=customer, number="0712 345 678")

    assert excinfo.value.errors == {"number": ["This customer already has this phone."]}
    assert customer.phones.count() == 1


def test_the_same_phone_with_another_extension_is_a_separate_line(customer, phone):
    contact_phone_create(customer=customer, number="0712 345 678", extension=" 204 ")

    assert sorted(customer.phones.values_list("number", "extension")) == [
        ("+254712345678", ""),
        ("+254712345678", "204"),
    ]


def test_an_unlocked_phone_can_be_edited_and_deleted(phone):
    contact_phone_update(contact=phone, number="0733 345 678", role="Procurement")

    phone.refresh_from_db()
    assert (phone.number, phone.role, phone.contact_name) == ("+254733345678", "Procurement", "Peter Otieno")

    contact_phone_delete(contact=phone)
    assert not ContactPhone.objects.filter(pk=phone.pk).exists()


def test_a_locked_phone_cannot_be_edited_or_deleted(phone, manager):
    contact_phone_set_locked(contact=phone, locked=True, actor=manager)

    with pytest.raises(RecordLocked) as excinfo:
        contact_phone_update(contact=phone, number="0733 345 678")
    assert "phone is locked" in excinfo.value.message
    with pytest.raises(RecordLocked):
        contact_phone_delete(contact=phone)

    stored = ContactPhone.objects.get(pk=phone.pk)
    assert (stored.number, stored.is_locked) == ("+254712345678", True)


def test_unlocking_a_phone_allows_editing_and_deleting_again(phone, manager):
    contact_phone_set_locked(contact=phone, locked=True, actor=manager)

    contact_phone_set_locked(contact=phone, locked=False, actor=manager)
    contact_phone_update(contact=phone, is_whatsapp=True)

    assert ContactPhone.objects.get(pk=phone.pk).is_whatsapp is True
    contact_phone_delete(contact=phone)
    assert not ContactPhone.objects.filter(pk=phone.pk).exists()


def test_phones_cannot_be_added_to_a_deleted_customer(customer):
    customer_soft_delete(customer=customer)

    with pytest.raises(InvalidState):
        contact_phone_create(customer=customer, number="0712 345 678")

    assert not customer.phones.exists()
