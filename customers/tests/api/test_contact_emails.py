import pytest

from customers.models import ContactEmail
from customers.services import contact_email_create, contact_email_set_locked, customer_soft_delete
from tests.factories import ContactEmailFactory, CustomerFactory

LOCKED_MESSAGE = "This email is locked; a manager must unlock it before it can be changed or deleted."


@pytest.fixture
def customer(organization):
    return CustomerFactory(organization=organization, name="ABC Trading Ltd", tax_id="P051234567X")


@pytest.fixture
def email(customer):
    return contact_email_create(
        customer=customer, email="accounts@abctrading.co.ke", contact_name="Jane Wanjiku", role="Accountant"
    )


@pytest.fixture
def locked_email(email):
    return contact_email_set_locked(contact=email, locked=True)


def emails_url(customer, suffix: str = "") -> str:
    return f"customers/{customer.pk}/emails{suffix}"


def email_url(contact, suffix: str = "") -> str:
    return f"customers/{contact.customer_id}/emails/{contact.pk}{suffix}"


def assert_meta(body):
    assert body["meta"]["timestamp"].endswith("Z")
    assert body["meta"]["request_id"]


class TestCreate:
    def test_adds_an_email_normalized_with_the_success_envelope(self, api, customer):
        response = api.post(
            emails_url(customer),
            {
                "email": "  Billing@ABCTrading.co.ke ",
                "use_for_invoicing": True,
                "contact_name": "Peter Otieno",
                "role": "Finance Manager",
                "notes": "Send statements on the 1st.",
            },
        )

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "success"
        assert body["message"] == "Email added successfully"
        assert_meta(body)
        data = body["data"]
        assert data["email"] == "billing@abctrading.co.ke"
        assert data["use_for_invoicing"] is True
        assert data["contact_name"] == "Peter Otieno"
        assert data["role"] == "Finance Manager"
        assert data["is_locked"] is False
        stored = ContactEmail.objects.get(pk=data["id"])
        assert stored.customer == customer
        assert stored.email == "billing@abctrading.co.ke"

    def test_is_locked_in_the_body_is_ignored(self, api_as, clerk, customer):
        response = api_as(clerk).post(emails_url(customer), {"email": "sales@abctrading.co.ke", "is_locked": True})

        assert response.status_code == 201
        assert response.json()["data"]["is_locked"] is False
        assert ContactEmail.objects.get(pk=response.json()["data"]["id"]).is_locked is False

    def test_invalid_email_is_a_400_naming_the_field(self, api, customer):
        response = api.post(emails_url(customer), {"email": "accounts@abctrading", "role": "Accountant"})

        assert response.status_code == 400
        body = response.json()
        assert body["status"] == "error"
        assert body["message"] == "Validation failed"
        assert list(body["errors"]) == ["email"]
        assert not ContactEmail.objects.filter(customer=customer).exists()

    def test_missing_email_is_a_400_naming_the_field(self, api, customer):
        response = api.post(emails_url(customer), {"contact_name": "Jane Wanjiku"})

        assert response.status_code == 400
        assert "email" in response.json()["errors"]

    def test_the_same_email_twice_on_a_customer_is_a_409(self, api, email):
        response = api.post(emails_url(email.customer), {"email": "ACCOUNTS@abctrading.co.ke"})

        assert response.status_code == 409
        body = response.json()
        assert body["status"] == "error"
        assert body["errors"] == {"email": ["This customer already has this email."]}
        assert ContactEmail.objects.filter(customer=email.customer).count() == 1

    def test_the_same_email_on_another_customer_is_allowed(self, api, organization, email):
        other = CustomerFactory(organization=organization, name="XYZ Enterprises")

        response = api.post(emails_url(other), {"email": email.email})

        assert response.status_code == 201

    def test_a_deleted_customer_answers_404(self, api, customer):
        customer_soft_delete(customer=customer)

        response = api.post(emails_url(customer), {"email": "accounts@abctrading.co.ke"})

        assert response.status_code == 404
        assert response.json()["message"] == "Customer not found"

    def test_a_json_list_body_is_a_400(self, api, customer):
        response = api.post(emails_url(customer), [{"email": "accounts@abctrading.co.ke"}])

        assert response.status_code == 400
        assert response.json()["message"] == "Validation failed"


class TestRead:
    def test_list_shows_this_customers_emails_in_order_with_page_meta(self, api, organization, customer):
        first = ContactEmailFactory(customer=customer, email="info@abctrading.co.ke")
        second = ContactEmailFactory(customer=customer, email="orders@abctrading.co.ke")
        ContactEmailFactory(customer=CustomerFactory(organization=organization), email="info@xyz.co.ke")

        response = api.get(emails_url(customer))

        assert response.status_code == 200
        body = response.json()
        assert [row["id"] for row in body["data"]] == [first.pk, second.pk]
        assert body["data"][0]["email"] == "info@abctrading.co.ke"
        assert body["meta"]["total"] == 2
        assert body["meta"]["current_page"] == 1
        assert_meta(body)

    def test_list_query_count_does_not_grow_with_rows(self, api, customer, django_assert_max_num_queries):
        ContactEmailFactory.create_batch(30, customer=customer)

        # key lookup and touch, customer, count, page: the same for 1 row or 30.
        with django_assert_max_num_queries(5):
            response = api.get(emails_url(customer), {"per_page": 50})

        assert len(response.json()["data"]) == 30

    def test_unknown_query_parameter_is_a_400(self, api, customer):
        response = api.get(emails_url(customer), {"email": "x"})

        assert response.status_code == 400
        assert "email" in response.json()["errors"]

    def test_retrieve_returns_one_email(self, api, email, django_assert_max_num_queries):
        with django_assert_max_num_queries(4):
            response = api.get(email_url(email))

        assert response.status_code == 200
        data = response.json()["data"]
        assert data["id"] == email.pk
        assert data["email"] == "accounts@abctrading.co.ke"
        assert data["contact_name"] == "Jane Wanjiku"

    def test_missing_and_malformed_ids_answer_404(self, api, customer):
        assert api.get(f"customers/{customer.pk}/emails/999999").status_code == 404
        assert api.get(f"customers/{customer.pk}/emails/abc").json()["message"] == "Email not found"
        assert api.get("customers/999999/emails").json()["message"] == "Customer not found"

    @pytest.mark.parametrize("suffix", ["", "/"])
    def test_paths_answer_with_and_without_trailing_slash(self, api, email, suffix):
        assert api.get(emails_url(email.customer, suffix)).status_code == 200
        assert api.get(email_url(email, suffix)).status_code == 200
        created = api.post(emails_url(email.customer, suffix), {"email": f"slash{len(suffix)}@abctrading.co.ke"})
        assert created.status_code == 201
        assert api.post(email_url(email, "/lock" + suffix)).status_code == 200


class TestUpdate:
    def test_patch_changes_only_the_given_fields(self, api, email):
        response = api.patch(email_url(email), {"role": "Chief Accountant", "use_for_invoicing": True})

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Email updated successfully"
        assert_meta(body)
        assert body["data"]["role"] == "Chief Accountant"
        assert body["data"]["use_for_invoicing"] is True
        email.refresh_from_db()
        assert email.email == "accounts@abctrading.co.ke"
        assert email.contact_name == "Jane Wanjiku"
        assert email.role == "Chief Accountant"

    def test_patch_to_an_invalid_email_is_a_400_and_changes_nothing(self, api, email):
        response = api.patch(email_url(email), {"email": "not-an-email"})

        assert response.status_code == 400
        assert "email" in response.json()["errors"]
        email.refresh_from_db()
        assert email.email == "accounts@abctrading.co.ke"

    def test_patch_to_an_email_the_customer_already_has_is_a_409(self, api, email):
        other = ContactEmailFactory(customer=email.customer, email="info@abctrading.co.ke")

        response = api.patch(email_url(other), {"email": "Accounts@ABCTrading.co.ke"})

        assert response.status_code == 409
        assert "email" in response.json()["errors"]
        other.refresh_from_db()
        assert other.email == "info@abctrading.co.ke"

    def test_patch_of_a_locked_email_is_a_400_with_the_lock_message(self, api, locked_email):
        response = api.patch(email_url(locked_email), {"role": "Director"})

        assert response.status_code == 400
        assert response.json()["message"] == LOCKED_MESSAGE
        locked_email.refresh_from_db()
        assert locked_email.role == "Accountant"

    def test_is_locked_in_a_patch_does_not_unlock(self, api_as, clerk, locked_email):
        response = api_as(clerk).patch(email_url(locked_email), {"is_locked": False})

        assert response.status_code == 400
        locked_email.refresh_from_db()
        assert locked_email.is_locked is True


class TestDelete:
    def test_delete_removes_the_email(self, api, email):
        response = api.delete(email_url(email))

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Email deleted successfully"
        assert body["data"] is None
        assert not ContactEmail.objects.filter(pk=email.pk).exists()
        assert api.get(email_url(email)).status_code == 404

    def test_delete_of_a_locked_email_is_a_400_and_keeps_it(self, api, locked_email):
        response = api.delete(email_url(locked_email))

        assert response.status_code == 400
        assert response.json()["message"] == LOCKED_MESSAGE
        assert ContactEmail.objects.filter(pk=locked_email.pk).exists()


class TestLock:
    def test_manager_locks_then_unlocks(self, api_as, manager, email):
        client = api_as(manager)

        locked = client.post(email_url(email, "/lock"))

        assert locked.status_code == 200
        assert locked.json()["message"] == "Email locked successfully"
        assert locked.json()["data"]["is_locked"] is True
        email.refresh_from_db()
        assert email.is_locked is True

        unlocked = client.post(email_url(email, "/unlock"))

        assert unlocked.status_code == 200
        assert unlocked.json()["message"] == "Email unlocked successfully"
        assert unlocked.json()["data"]["is_locked"] is False
        email.refresh_from_db()
        assert email.is_locked is False

    def test_after_unlock_a_clerk_can_edit_again(self, api_as, manager, clerk, locked_email):
        assert api_as(clerk).patch(email_url(locked_email), {"role": "Director"}).status_code == 400

        api_as(manager).post(email_url(locked_email, "/unlock"))
        response = api_as(clerk).patch(email_url(locked_email), {"role": "Director"})

        assert response.status_code == 200
        assert response.json()["data"]["role"] == "Director"

    def test_locking_twice_keeps_it_locked(self, api, locked_email):
        response = api.post(email_url(locked_email, "/lock"))

        assert response.status_code == 200
        assert response.json()["data"]["is_locked"] is True


class TestPermissions:
    def test_viewer_reads_but_cannot_write(self, api_as, viewer, email):
        client = api_as(viewer)

        assert client.get(emails_url(email.customer)).status_code == 200
        assert client.get(email_url(email)).status_code == 200
        assert client.post(emails_url(email.customer), {"email": "new@abctrading.co.ke"}).status_code == 403
        assert client.patch(email_url(email), {"role": "Director"}).status_code == 403
        assert client.delete(email_url(email)).status_code == 403
        assert client.post(email_url(email, "/lock")).status_code == 403
        email.refresh_from_db()
        assert email.role == "Accountant"
        assert ContactEmail.objects.filter(customer=email.customer).count() == 1

    def test_clerk_edits_unlocked_emails_but_cannot_lock_or_unlock(self, api_as, clerk, email):
        client = api_as(clerk)

        assert client.post(emails_url(email.customer), {"email": "new@abctrading.co.ke"}).status_code == 201
        assert client.patch(email_url(email), {"role": "Director"}).status_code == 200
        lock = client.post(email_url(email, "/lock"))
        assert lock.status_code == 403
        assert lock.json()["status"] == "error"
        email.refresh_from_db()
        assert email.is_locked is False

        contact_email_set_locked(contact=email, locked=True)
        assert client.post(email_url(email, "/unlock")).status_code == 403
        email.refresh_from_db()
        assert email.is_locked is True

    def test_clerk_deletes_an_unlocked_email(self, api_as, clerk, email):
        assert api_as(clerk).delete(email_url(email)).status_code == 200
        assert not ContactEmail.objects.filter(pk=email.pk).exists()

    def test_read_key_reads_but_gets_403_on_every_write(self, read_api, email):
        assert read_api.get(emails_url(email.customer)).status_code == 200
        assert read_api.post(emails_url(email.customer), {"email": "new@abctrading.co.ke"}).status_code == 403
        assert read_api.patch(email_url(email), {"role": "Director"}).status_code == 403
        assert read_api.delete(email_url(email)).status_code == 403
        assert read_api.post(email_url(email, "/lock")).status_code == 403
        email.refresh_from_db()
        assert (email.role, email.is_locked) == ("Accountant", False)

    def test_no_key_is_a_401(self, client, email):
        assert client.get(f"/api/v1/{emails_url(email.customer)}").status_code == 401


class TestOtherOrganizations:
    def test_another_organizations_customer_answers_404_everywhere(self, other_api, email):
        customer = email.customer

        for response in (
            other_api.get(emails_url(customer)),
            other_api.post(emails_url(customer), {"email": "intruder@example.com"}),
            other_api.get(email_url(email)),
            other_api.patch(email_url(email), {"role": "Intruder"}),
            other_api.delete(email_url(email)),
            other_api.post(email_url(email, "/lock")),
        ):
            assert response.status_code == 404
            assert response.json()["message"] == "Customer not found"
        email.refresh_from_db()
        assert (email.role, email.is_locked) == ("Accountant", False)
        assert ContactEmail.objects.filter(customer=customer).count() == 1

    def test_an_email_of_another_customer_answers_404(self, api, organization, email):
        other = CustomerFactory(organization=organization, name="XYZ Enterprises")
        wrong_path = f"customers/{other.pk}/emails/{email.pk}"

        assert api.get(wrong_path).status_code == 404
        response = api.patch(wrong_path, {"role": "Director"})
        assert response.status_code == 404
        assert response.json()["message"] == "Email not found"
        assert api.delete(wrong_path).status_code == 404
        assert api.post(f"{wrong_path}/lock").status_code == 404
        email.refresh_from_db()
        assert (email.role, email.is_locked) == ("Accountant", False)
