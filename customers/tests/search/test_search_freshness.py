"""Every write that changes what a customer is found by is findable right after the service call."""

import pytest

from billing.services import billing_entity_create, billing_entity_delete, billing_entity_update
from customers.selectors import customer_quick_search
from customers.services import (
    contact_email_create,
    contact_email_delete,
    contact_email_update,
    contact_phone_create,
    contact_phone_delete,
    contact_phone_update,
    customer_archive,
    customer_create,
    customer_soft_delete,
    customer_update,
)
from transactions.services import transaction_record, transaction_void

pytestmark = pytest.mark.django_db


@pytest.fixture
def found(organization):
    def search(query: str) -> list[str]:
        return [customer.name for customer in customer_quick_search(organization=organization, query=query)]

    return search


@pytest.fixture
def otieno(organization):
    return customer_create(
        organization=organization,
        name="Otieno Hardware",
        customer_no="KE-104",
        tax_id="A012345678B",
        phone="0712 345 678",
        email="info@otieno.co.ke",
    )


@pytest.fixture
def neighbour(organization):
    """Another customer, so that a query matching everything would show."""
    return customer_create(organization=organization, name="Wanjiru Grocers", phone="0798 111 222")


def test_a_new_customer_is_found_at_once(organization, found):
    customer_create(organization=organization, name="Akinyi Beauty Parlour", phone="0701 222 333")

    assert found("akinyi") == ["Akinyi Beauty Parlour"]
    assert found("0701222333") == ["Akinyi Beauty Parlour"]


def test_a_renamed_customer_is_found_by_its_new_name_only(otieno, neighbour, found):
    customer_update(customer=otieno, name="Kisumu Building Supplies")

    assert found("kisumu building") == ["Kisumu Building Supplies"]
    assert found("otieno hardware") == []
    # The name sets the ranking too: a prefix of the new name ranks as "starts with".
    assert found("ki") == ["Kisumu Building Supplies"]


def test_a_changed_legal_name_and_alias_are_found(otieno, found):
    customer_update(customer=otieno, legal_name="Otieno Hardware Limited", alias="OHL Kisumu")

    assert found("limited") == ["Otieno Hardware"]
    assert found("ohl kisumu") == ["Otieno Hardware"]


def test_a_changed_phone_is_found_and_the_old_one_is_not(otieno, neighbour, found):
    customer_update(customer=otieno, phone="+254 733 000 111")

    assert found("0733 000 111") == ["Otieno Hardware"]
    assert found("0712 345 678") == []


def test_a_changed_contact_person_phone_is_found(otieno, found):
    customer_update(customer=otieno, contact_phone="0722 100 200")

    assert found("722100200") == ["Otieno Hardware"]


def test_a_changed_tax_id_is_found_and_the_old_one_is_not(otieno, found):
    customer_update(customer=otieno, tax_id="P051234567X")

    assert found("P051234567X") == ["Otieno Hardware"]
    assert found("A012345678B") == []


def test_a_changed_customer_number_and_email_are_found(otieno, found):
    customer_update(customer=otieno, customer_no="KSM-001", email="sales@otieno.co.ke")

    assert found("KSM-001") == ["Otieno Hardware"]
    assert found("KE-104") == []
    assert found("sales@otieno.co.ke") == ["Otieno Hardware"]
    assert found("info@otieno.co.ke") == []


def test_a_contact_email_is_found_after_add_and_update_and_gone_after_delete(otieno, neighbour, found):
    contact = contact_email_create(customer=otieno, email="procurement@otieno.co.ke")
    assert found("procurement@otieno.co.ke") == ["Otieno Hardware"]

    contact_email_update(contact=contact, email="accounts@otieno.co.ke")
    assert found("accounts@otieno.co.ke") == ["Otieno Hardware"]
    assert found("procurement@") == []

    contact_email_delete(contact=contact)
    assert found("accounts@otieno.co.ke") == []


def test_a_contact_phone_is_found_after_add_and_update_and_gone_after_delete(otieno, neighbour, found):
    contact = contact_phone_create(customer=otieno, number="0733 000 111")
    assert found("+254 733 000 111") == ["Otieno Hardware"]

    contact_phone_update(contact=contact, number="0720 555 666")
    assert found("0720 555 666") == ["Otieno Hardware"]
    assert found("733000111") == []

    contact_phone_delete(contact=contact)
    assert found("0720 555 666") == []
    # The customer's own phone still finds it.
    assert found("0712 345 678") == ["Otieno Hardware"]


def test_a_billing_entity_is_found_after_add_and_rename_and_gone_after_delete(otieno, neighbour, found):
    entity = billing_entity_create(customer=otieno, legal_name="Kariuki Fresh Produce Ltd", tax_id="A098765432K")
    assert found("kariuki fresh") == ["Otieno Hardware"]
    assert found("A098765432K") == ["Otieno Hardware"]

    billing_entity_update(entity=entity, legal_name="Lakeside Distributors Ltd", tax_id="P000123456X")
    assert found("lakeside") == ["Otieno Hardware"]
    assert found("P000123456X") == ["Otieno Hardware"]
    assert found("kariuki") == []
    assert found("A098765432K") == []

    billing_entity_delete(entity=entity)
    assert found("lakeside") == []
    assert found("P000123456X") == []


def test_a_recorded_transaction_reference_finds_its_customer_at_once(organization, otieno, neighbour, found):
    transaction_record(
        organization=organization, customer=otieno, type="sale", total_amount="5800.00", reference="INV-2025-0107"
    )
    assert found("INV-2025-0107") == ["Otieno Hardware"]

    transaction_record(
        organization=organization, customer=neighbour, type="payment", total_amount="1200.00", reference="RCT-88812"
    )
    assert found("rct-88812") == ["Wanjiru Grocers"]
    assert found("INV-2025-0107") == ["Otieno Hardware"]


def test_a_voided_transaction_still_finds_its_customer(organization, otieno, found):
    entry = transaction_record(
        organization=organization, customer=otieno, type="sale", total_amount="5800.00", reference="INV-2025-0108"
    )
    transaction_void(entry=entry)

    assert found("INV-2025-0108") == ["Otieno Hardware"]


def test_a_soft_deleted_customer_disappears_at_once(organization, otieno, neighbour, found):
    transaction_record(
        organization=organization, customer=otieno, type="sale", total_amount="5800.00", reference="INV-2025-0109"
    )
    contact_phone_create(customer=otieno, number="0733 000 111")

    customer_soft_delete(customer=otieno)

    for query in ["otieno", "KE-104", "A012345678B", "0712345678", "0733000111", "info@otieno.co.ke", "INV-2025-0109"]:
        assert found(query) == [], query
    assert found("wanjiru") == ["Wanjiru Grocers"]


def test_a_new_customer_may_reuse_a_deleted_customers_number_and_is_found_by_it(organization, otieno, found):
    customer_soft_delete(customer=otieno)
    customer_create(organization=organization, name="Lakeside Distributors", customer_no="KE-104")

    assert found("KE-104") == ["Lakeside Distributors"]


def test_archiving_keeps_the_customer_findable_with_its_status(organization, otieno):
    customer_archive(customer=otieno)

    [result] = customer_quick_search(organization=organization, query="otieno")
    assert (result.name, result.status) == ("Otieno Hardware", "archived")


def test_edits_through_the_api_are_found_by_the_next_search(api, otieno):
    response = api.patch(f"customers/{otieno.pk}", {"name": "Kisumu Building Supplies", "phone": "0733 000 111"})
    assert response.status_code == 200, response.content

    def quick(query: str) -> list[str]:
        return [item["name"] for item in api.get("customers/search", {"q": query}).json()["data"]]

    assert quick("kisumu") == ["Kisumu Building Supplies"]
    assert quick("0733 000 111") == ["Kisumu Building Supplies"]
    assert quick("otieno hardware") == []

    response = api.post(f"customers/{otieno.pk}/emails", {"email": "procurement@kisumubuilding.co.ke"})
    assert response.status_code == 201, response.content
    assert quick("procurement@kisumubuilding") == ["Kisumu Building Supplies"]


def test_a_deleted_customer_is_not_found_through_the_api(api, otieno):
    assert api.delete(f"customers/{otieno.pk}").status_code == 200

    assert api.get("customers/search", {"q": "otieno"}).json()["data"] == []
    assert api.get("customers", {"search": "KE-104"}).json()["data"] == []
