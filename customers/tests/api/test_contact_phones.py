import pytest

from customers.models import ContactPhone
from customers.services import contact_phone_create, contact_phone_set_locked
from tests.factories import ContactPhoneFactory, CustomerFactory

LOCKED_MESSAGE = "This phone is locked; a manager must unlock it before it can be changed or deleted."


@pytest.fixture
def customer(organization):
    return CustomerFactory(organization=organization, name="ABC Trading Ltd", tax_id="P051234567X")


@pytest.fixture
def phone(customer):
    return contact_phone_create(
        customer=customer, number="0712 345 678", contact_name="Jane Wanjiku", role="Accountant"
    )


@pytest.fixture
def locked_phone(phone):
    return contact_phone_set_locked(contact=phone, locked=True)


def phones_url(customer, suffix: str = "") -> str:
    return f"customers/{customer.pk}/phones{suffix}"


def phone_url(contact, suffix: str = "") -> str:
    return f"customers/{contact.customer_id}/phones/{contact.pk}{suffix}"


class TestCreate:
    def test_adds_a_phone_in_e164_with_the_success_envelope(self, api, customer):
        response = api.post(
            phones_url(customer),
            {
                "number": "0722 345 678",
                "extension": "204",
                "is_whatsapp": True,
                "contact_name": "Peter Otieno",
                "role": "Procurement",
                "notes": "Calls after 2 pm.",
            },
        )

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "success"
        assert body["message"] == "Phone added successfully"
        assert body["meta"]["timestamp"].endswith("Z")
        assert body["meta"]["request_id"]
        data = body["data"]
        assert data["number"] == "+254722345678"
        assert data["extension"] == "204"
        assert data["is_whatsapp"] is True
        assert data["contact_name"] == "Peter Otieno"
        assert data["is_locked"] is False
        stored = ContactPhone.objects.get(pk=data["id"])
        assert (stored.customer, stored.number) == (customer, "+254722345678")

    def test_a_local_number_is_read_in_the_customers_country(self, api, organization):
        customer = CustomerFactory(organization=organization, name="Distribuidora Andina SAS", country="CO")

        response = api.post(phones_url(customer), {"number": "300 1234567"})

        assert response.status_code == 201
        assert response.json()["data"]["number"] == "+573001234567"

    def test_invalid_number_is_a_400_naming_the_field(self, api, customer):
        response = api.post(phones_url(customer), {"number": "12345", "contact_name": "Jane Wanjiku"})

        assert response.status_code == 400
        body = response.json()
        assert body["message"] == "Validation failed"
        assert list(body["errors"]) == ["number"]
        assert not ContactPhone.objects.filter(customer=customer).exists()

    def test_missing_number_is_a_400_naming_the_field(self, api, customer):
        response = api.post(phones_url(customer), {"is_whatsapp": True})

        assert response.status_code == 400
        assert "number" in response.json()["errors"]

    def test_the_same_number_written_differently_is_a_409(self, api, phone):
        response = api.post(phones_url(phone.customer), {"number": "+254 712 345 678"})

        assert response.status_code == 409
        assert response.json()["errors"] == {"number": ["This customer already has this phone."]}
        assert ContactPhone.objects.filter(customer=phone.customer).count() == 1

    def test_the_same_number_with_another_extension_is_a_new_phone(self, api, phone):
        response = api.post(phones_url(phone.customer), {"number": "0712345678", "extension": "12"})

        assert response.status_code == 201
        assert ContactPhone.objects.filter(customer=phone.customer, number="+254712345678").count() == 2


class TestRead:
    def test_list_shows_this_customers_phones_with_page_meta(self, api, organization, phone):
        second = ContactPhoneFactory(customer=phone.customer, number="+254733345678")
        ContactPhoneFactory(customer=CustomerFactory(organization=organization), number="+254744345678")

        response = api.get(phones_url(phone.customer))

        assert response.status_code == 200
        body = response.json()
        assert [row["number"] for row in body["data"]] == ["+254712345678", "+254733345678"]
        assert [row["id"] for row in body["data"]] == [phone.pk, second.pk]
        assert body["meta"]["total"] == 2

    def test_list_query_count_does_not_grow_with_rows(self, api, customer, django_assert_max_num_queries):
        ContactPhoneFactory.create_batch(30, customer=customer)

        with django_assert_max_num_queries(5):
            response = api.get(phones_url(customer), {"per_page": 50})

        assert len(response.json()["data"]) == 30

    def test_retrieve_returns_one_phone(self, api, phone, django_assert_max_num_queries):
        with django_assert_max_num_queries(4):
            response = api.get(phone_url(phone))

        assert response.status_code == 200
        assert response.json()["data"]["number"] == "+254712345678"
        assert response.json()["data"]["contact_name"] == "Jane Wanjiku"

    def test_unknown_query_parameter_is_a_400(self, api, customer):
        assert api.get(phones_url(customer), {"number": "0712"}).status_code == 400

    @pytest.mark.parametrize("suffix", ["", "/"])
    def test_paths_answer_with_and_without_trailing_slash(self, api, phone, suffix):
        assert api.get(phones_url(phone.customer, suffix)).status_code == 200
        assert api.get(phone_url(phone, suffix)).status_code == 200
        assert api.patch(phone_url(phone, suffix), {"is_whatsapp": True}).status_code == 200
        assert api.post(phone_url(phone, "/lock" + suffix)).status_code == 200
        assert api.post(phone_url(phone, "/unlock" + suffix)).status_code == 200
        assert api.delete(phone_url(phone, suffix)).status_code == 200


class TestUpdate:
    def test_patch_changes_only_the_given_fields(self, api, phone):
        response = api.patch(phone_url(phone), {"number": "0733 345 678", "is_whatsapp": True})

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Phone updated successfully"
        assert body["data"]["number"] == "+254733345678"
        assert body["data"]["is_whatsapp"] is True
        phone.refresh_from_db()
        assert (phone.number, phone.contact_name, phone.role) == ("+254733345678", "Jane Wanjiku", "Accountant")

    def test_patch_to_an_invalid_number_is_a_400_and_changes_nothing(self, api, phone):
        response = api.patch(phone_url(phone), {"number": "not a phone"})

        assert response.status_code == 400
        assert "number" in response.json()["errors"]
        phone.refresh_from_db()
        assert phone.number == "+254712345678"

    def test_patch_to_a_number_the_customer_already_has_is_a_409(self, api, phone):
        other = ContactPhoneFactory(customer=phone.customer, number="+254733345678")

        response = api.patch(phone_url(other), {"number": "0712345678"})

        assert response.status_code == 409
        other.refresh_from_db()
        assert other.number == "+254733345678"

    def test_patch_of_a_locked_phone_is_a_400_with_the_lock_message(self, api_as, clerk, locked_phone):
        response = api_as(clerk).patch(phone_url(locked_phone), {"role": "Director"})

        assert response.status_code == 400
        assert response.json()["message"] == LOCKED_MESSAGE
        locked_phone.refresh_from_db()
        assert locked_phone.role == "Accountant"


class TestDelete:
    def test_delete_removes_the_phone(self, api, phone):
        response = api.delete(phone_url(phone))

        assert response.status_code == 200
        assert response.json()["message"] == "Phone deleted successfully"
        assert not ContactPhone.objects.filter(pk=phone.pk).exists()

    def test_delete_of_a_locked_phone_is_a_400_and_keeps_it(self, api_as, clerk, locked_phone):
        response = api_as(clerk).delete(phone_url(locked_phone))

        assert response.status_code == 400
        assert response.json()["message"] == LOCKED_MESSAGE
        assert ContactPhone.objects.filter(pk=locked_phone.pk).exists()


class TestLockAndPermissions:
    def test_manager_locks_and_unlocks(self, api_as, manager, phone):
        client = api_as(manager)

        locked = client.post(phone_url(phone, "/lock"))
        assert locked.status_code == 200
        assert locked.json()["message"] == "Phone locked successfully"
        assert locked.json()["data"]["is_locked"] is True
        phone.refresh_from_db()
        assert phone.is_locked is True

        unlocked = client.post(phone_url(phone, "/unlock"))
        assert unlocked.status_code == 200
        assert unlocked.json()["message"] == "Phone unlocked successfully"
        phone.refresh_from_db()
        assert phone.is_locked is False

    def test_clerk_cannot_lock_or_unlock(self, api_as, clerk, phone):
        client = api_as(clerk)

        assert client.post(phone_url(phone, "/lock")).status_code == 403
        phone.refresh_from_db()
        assert phone.is_locked is False
        contact_phone_set_locked(contact=phone, locked=True)
        assert client.post(phone_url(phone, "/unlock")).status_code == 403
        phone.refresh_from_db()
        assert phone.is_locked is True

    def test_clerk_creates_edits_and_deletes_unlocked_phones(self, api_as, clerk, phone):
        client = api_as(clerk)

        assert client.post(phones_url(phone.customer), {"number": "0733345678"}).status_code == 201
        assert client.patch(phone_url(phone), {"role": "Director"}).status_code == 200
        assert client.delete(phone_url(phone)).status_code == 200
        assert list(ContactPhone.objects.filter(customer=phone.customer).values_list("number", flat=True)) == [
            "+254733345678"
        ]

    def test_viewer_reads_but_cannot_write(self, api_as, viewer, phone):
        client = api_as(viewer)

        assert client.get(phone_url(phone)).status_code == 200
        assert client.post(phones_url(phone.customer), {"number": "0733345678"}).status_code == 403
        assert client.patch(phone_url(phone), {"role": "Director"}).status_code == 403
        assert client.delete(phone_url(phone)).status_code == 403
        assert client.post(phone_url(phone, "/lock")).status_code == 403
        phone.refresh_from_db()
        assert (phone.role, phone.is_locked) == ("Accountant", False)

    def test_read_key_gets_403_on_writes(self, read_api, phone):
        assert read_api.get(phones_url(phone.customer)).status_code == 200
        response = read_api.post(phones_url(phone.customer), {"number": "0733345678"})
        assert response.status_code == 403
        assert response.json()["status"] == "error"
        assert read_api.post(phone_url(phone, "/unlock")).status_code == 403
        assert read_api.delete(phone_url(phone)).status_code == 403
        assert ContactPhone.objects.filter(customer=phone.customer).count() == 1


class TestOtherOrganizations:
    def test_another_organizations_customer_answers_404(self, other_api, phone):
        assert other_api.get(phones_url(phone.customer)).status_code == 404
        assert other_api.post(phones_url(phone.customer), {"number": "0733345678"}).status_code == 404
        assert other_api.patch(phone_url(phone), {"role": "Intruder"}).status_code == 404
        assert other_api.delete(phone_url(phone)).status_code == 404
        response = other_api.post(phone_url(phone, "/lock"))
        assert response.status_code == 404
        assert response.json()["message"] == "Customer not found"
        phone.refresh_from_db()
        assert (phone.role, phone.is_locked) == ("Accountant", False)

    def test_a_phone_of_another_customer_answers_404(self, api, organization, phone):
        other = CustomerFactory(organization=organization, name="XYZ Enterprises")
        wrong_path = f"customers/{other.pk}/phones/{phone.pk}"

        response = api.patch(wrong_path, {"role": "Director"})

        assert response.status_code == 404
        assert response.json()["message"] == "Phone not found"
        assert api.delete(wrong_path).status_code == 404
        assert ContactPhone.objects.filter(pk=phone.pk, role="Accountant").exists()
