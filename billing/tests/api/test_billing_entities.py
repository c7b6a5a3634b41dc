import pytest

from billing.models import BillingEntity
from billing.services import billing_entity_create
from customers.services import customer_soft_delete
from tests.factories import BillingEntityFactory, CustomerFactory
from transactions.services import transaction_record


@pytest.fixture
def customer(organization):
    return CustomerFactory(organization=organization, name="Wanjiku Hardware Ltd", tax_id="A012345678Z")


@pytest.fixture
def head_office(customer):
    return billing_entity_create(
        customer=customer,
        legal_name="Wanjiku Hardware Ltd",
        tax_id="A012345678Z",
        billing_email="accounts@wanjikuhardware.co.ke",
        fiscal_address="Kenyatta Avenue, Nairobi",
    )


@pytest.fixture
def mombasa(customer, head_office):
    return billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Mombasa Ltd", tax_id="A098765432B")


def entities_url(customer, suffix: str = "") -> str:
    return f"customers/{customer.pk}/billing-entities{suffix}"


def entity_url(entity, suffix: str = "") -> str:
    return f"customers/{entity.customer_id}/billing-entities/{entity.pk}{suffix}"


def defaults_of(customer) -> list[str]:
    return list(BillingEntity.objects.filter(customer=customer, is_default=True).values_list("legal_name", flat=True))


class TestCreate:
    def test_first_entity_becomes_the_default_with_the_success_envelope(self, api, customer):
        response = api.post(
            entities_url(customer),
            {
                "legal_name": "Wanjiku Hardware Ltd",
                "tin": "a012345678z",
                "billing_email": "Accounts@WanjikuHardware.co.ke",
                "fiscal_address": "Kenyatta Avenue, Nairobi",
                "billing_address": "P.O. Box 12345-00100, Nairobi",
            },
        )

        assert response.status_code == 201
        body = response.json()
        assert body["status"] == "success"
        assert body["message"] == "Billing entity created successfully"
        assert body["meta"]["timestamp"].endswith("Z")
        assert body["meta"]["request_id"]
        data = body["data"]
        assert data["legal_name"] == "Wanjiku Hardware Ltd"
        assert data["tin"] == data["tax_id"] == "A012345678Z"
        assert data["billing_email"] == "accounts@wanjikuhardware.co.ke"
        assert data["billing_address"] == "P.O. Box 12345-00100, Nairobi"
        assert data["is_default"] is True
        assert data["is_active"] is True
        assert defaults_of(customer) == ["Wanjiku Hardware Ltd"]

    def test_tax_id_is_accepted_as_well_as_tin(self, api, customer):
        response = api.post(entities_url(customer), {"legal_name": "Wanjiku Hardware Ltd", "tax_id": "A012345678Z"})

        assert response.status_code == 201
        assert response.json()["data"]["tin"] == "A012345678Z"

    def test_a_later_entity_is_not_the_default_unless_asked(self, api, head_office):
        response = api.post(entities_url(head_office.customer), {"legal_name": "Wanjiku Hardware Mombasa Ltd"})

        assert response.status_code == 201
        assert response.json()["data"]["is_default"] is False
        assert defaults_of(head_office.customer) == ["Wanjiku Hardware Ltd"]

    def test_creating_a_new_default_clears_the_previous_one(self, api, head_office):
        response = api.post(
            entities_url(head_office.customer), {"legal_name": "Wanjiku Hardware Mombasa Ltd", "is_default": True}
        )

        assert response.status_code == 201
        assert response.json()["data"]["is_default"] is True
        assert defaults_of(head_office.customer) == ["Wanjiku Hardware Mombasa Ltd"]

    def test_tax_id_is_validated_by_the_customers_country(self, api, organization):
        bogota = CustomerFactory(organization=organization, name="Distribuidora Andina SAS", country="CO")

        valid = api.post(entities_url(bogota), {"legal_name": "Distribuidora Andina SAS", "tin": "860002964-4"})
        wrong_check_digit = api.post(entities_url(bogota), {"legal_name": "Andina Norte SAS", "tin": "860002964-5"})

        assert valid.status_code == 201
        assert valid.json()["data"]["tin"] == "860002964-4"
        assert wrong_check_digit.status_code == 400
        assert wrong_check_digit.json()["errors"] == {"tin": ["The tin format is invalid."]}

    def test_a_danish_cvr_is_checked(self, api, organization):
        copenhagen = CustomerFactory(organization=organization, name="Nordisk Handel ApS", country="DK")

        assert api.post(entities_url(copenhagen), {"legal_name": "Novo A/S", "tin": "24256790"}).status_code == 201
        assert api.post(entities_url(copenhagen), {"legal_name": "Typo A/S", "tin": "24256791"}).status_code == 400

    def test_an_invalid_kra_pin_is_a_400_under_tin(self, api, customer):
        response = api.post(entities_url(customer), {"legal_name": "Wanjiku Hardware Ltd", "tin": "P12345"})

        assert response.status_code == 400
        body = response.json()
        assert body["message"] == "Validation failed"
        assert body["errors"] == {"tin": ["The tin format is invalid."]}
        assert not BillingEntity.objects.filter(customer=customer).exists()

    def test_legal_name_is_required(self, api, customer):
        response = api.post(entities_url(customer), {"tin": "A012345678Z"})

        assert response.status_code == 400
        assert "legal_name" in response.json()["errors"]

    def test_an_invalid_billing_email_is_a_400_naming_the_field(self, api, customer):
        response = api.post(
            entities_url(customer), {"legal_name": "Wanjiku Hardware Ltd", "billing_email": "accounts@"}
        )

        assert response.status_code == 400
        assert list(response.json()["errors"]) == ["billing_email"]

    def test_an_inactive_entity_cannot_be_created_as_the_default(self, api, customer):
        response = api.post(
            entities_url(customer), {"legal_name": "Wanjiku Hardware Ltd", "is_active": False, "is_default": True}
        )

        assert response.status_code == 400
        assert "is_default" in response.json()["errors"]
        assert not BillingEntity.objects.filter(customer=customer).exists()

    def test_a_deleted_customer_answers_404(self, api, customer):
        customer_soft_delete(customer=customer)

        response = api.post(entities_url(customer), {"legal_name": "Wanjiku Hardware Ltd"})

        assert response.status_code == 404
        assert response.json()["message"] == "Customer not found"


class TestList:
    def test_lists_the_default_first_then_by_legal_name(self, api, organization, customer):
        BillingEntityFactory(customer=customer, legal_name="Zebra Supplies Ltd")
        BillingEntityFactory(customer=customer, legal_name="Acacia Traders Ltd")
        BillingEntityFactory(customer=customer, legal_name="Mara Holdings Ltd", is_default=True)
        BillingEntityFactory(customer=CustomerFactory(organization=organization), legal_name="Someone Else Ltd")

        response = api.get(entities_url(customer))

        assert response.status_code == 200
        body = response.json()
        assert [row["legal_name"] for row in body["data"]] == [
            "Mara Holdings Ltd",
            "Acacia Traders Ltd",
            "Zebra Supplies Ltd",
        ]
        assert body["meta"]["total"] == 3

    def test_active_true_lists_only_active_entities(self, api, customer):
        BillingEntityFactory(customer=customer, legal_name="Active Traders Ltd")
        BillingEntityFactory(customer=customer, legal_name="Dormant Traders Ltd", is_active=False)

        active = api.get(entities_url(customer), {"active": "true"})
        inactive = api.get(entities_url(customer), {"active": "false"})
        everything = api.get(entities_url(customer))

        assert [row["legal_name"] for row in active.json()["data"]] == ["Active Traders Ltd"]
        assert [row["legal_name"] for row in inactive.json()["data"]] == ["Dormant Traders Ltd"]
        assert len(everything.json()["data"]) == 2

    def test_an_unreadable_active_value_is_a_400(self, api, customer):
        response = api.get(entities_url(customer), {"active": "maybe"})

        assert response.status_code == 400
        assert "active" in response.json()["errors"]

    def test_an_unknown_query_parameter_is_a_400(self, api, customer):
        response = api.get(entities_url(customer), {"is_active": "true"})

        assert response.status_code == 400
        assert response.json()["message"] == "Validation failed"
        assert "is_active" in response.json()["errors"]

    def test_query_count_does_not_grow_with_rows(self, api, customer, django_assert_max_num_queries):
        BillingEntityFactory.create_batch(30, customer=customer)

        # key lookup and touch, customer, count, page: the same for 1 row or 30.
        with django_assert_max_num_queries(5):
            response = api.get(entities_url(customer), {"per_page": 50, "active": "true"})

        assert len(response.json()["data"]) == 30

    def test_retrieve_returns_one_entity(self, api, head_office, django_assert_max_num_queries):
        with django_assert_max_num_queries(4):
            response = api.get(entity_url(head_office))

        assert response.status_code == 200
        data = response.json()["data"]
        assert (data["id"], data["legal_name"], data["tin"]) == (head_office.pk, "Wanjiku Hardware Ltd", "A012345678Z")

    @pytest.mark.parametrize("suffix", ["", "/"])
    def test_paths_answer_with_and_without_trailing_slash(self, api, mombasa, suffix):
        assert api.get(entities_url(mombasa.customer, suffix)).status_code == 200
        assert api.get(entity_url(mombasa, suffix)).status_code == 200
        assert api.patch(entity_url(mombasa, suffix), {"billing_address": "Moi Avenue, Mombasa"}).status_code == 200
        assert api.post(entity_url(mombasa, "/make-default" + suffix)).status_code == 200
        created = api.post(entities_url(mombasa.customer, suffix), {"legal_name": "Wanjiku Hardware Kisumu Ltd"})
        assert created.status_code == 201
        assert (
            api.delete(entity_url(BillingEntity.objects.get(pk=created.json()["data"]["id"]), suffix)).status_code
            == 200
        )


class TestUpdate:
    def test_patch_changes_only_the_given_fields(self, api, head_office):
        response = api.patch(
            entity_url(head_office), {"legal_name": "Wanjiku Hardware & Tools Ltd", "tin": "a012345678y"}
        )

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Billing entity updated successfully"
        assert body["data"]["legal_name"] == "Wanjiku Hardware & Tools Ltd"
        assert body["data"]["tin"] == "A012345678Y"
        head_office.refresh_from_db()
        assert head_office.billing_email == "accounts@wanjikuhardware.co.ke"
        assert head_office.fiscal_address == "Kenyatta Avenue, Nairobi"
        assert head_office.is_default is True

    def test_an_invalid_tin_is_a_400_under_tin_and_changes_nothing(self, api, head_office):
        response = api.patch(entity_url(head_office), {"tin": "X123"})

        assert response.status_code == 400
        assert response.json()["errors"] == {"tin": ["The tin format is invalid."]}
        head_office.refresh_from_db()
        assert head_office.tax_id == "A012345678Z"

    def test_a_blank_legal_name_is_a_400(self, api, head_office):
        response = api.patch(entity_url(head_office), {"legal_name": ""})

        assert response.status_code == 400
        assert "legal_name" in response.json()["errors"]

    def test_deactivating_the_default_clears_it(self, api, head_office):
        response = api.patch(entity_url(head_office), {"is_active": False})

        assert response.status_code == 200
        assert response.json()["data"]["is_active"] is False
        assert response.json()["data"]["is_default"] is False
        assert defaults_of(head_office.customer) == []

    def test_sending_back_the_same_is_default_is_accepted(self, api, head_office):
        response = api.patch(entity_url(head_office), {"is_default": True, "billing_address": "Moi Avenue, Nairobi"})

        assert response.status_code == 200
        assert response.json()["data"]["billing_address"] == "Moi Avenue, Nairobi"

    def test_changing_is_default_through_patch_points_to_make_default(self, api, mombasa):
        response = api.patch(entity_url(mombasa), {"is_default": True})

        assert response.status_code == 400
        assert "make-default" in response.json()["errors"]["is_default"][0]
        assert defaults_of(mombasa.customer) == ["Wanjiku Hardware Ltd"]


class TestMakeDefault:
    def test_makes_it_the_only_default(self, api, head_office, mombasa):
        response = api.post(entity_url(mombasa, "/make-default"))

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Billing entity is now the default"
        assert body["data"]["id"] == mombasa.pk
        assert body["data"]["is_default"] is True
        assert defaults_of(mombasa.customer) == ["Wanjiku Hardware Mombasa Ltd"]
        listed = api.get(entities_url(mombasa.customer)).json()["data"]
        assert [(row["legal_name"], row["is_default"]) for row in listed] == [
            ("Wanjiku Hardware Mombasa Ltd", True),
            ("Wanjiku Hardware Ltd", False),
        ]

    def test_making_the_default_default_again_keeps_one_default(self, api, head_office, mombasa):
        response = api.post(entity_url(head_office, "/make-default"))

        assert response.status_code == 200
        assert defaults_of(head_office.customer) == ["Wanjiku Hardware Ltd"]

    def test_an_inactive_entity_cannot_become_the_default(self, api, head_office):
        dormant = BillingEntityFactory(customer=head_office.customer, legal_name="Dormant Ltd", is_active=False)

        response = api.post(entity_url(dormant, "/make-default"))

        assert response.status_code == 400
        body = response.json()
        assert body["message"] == "An inactive billing entity cannot be the default; activate it first."
        assert "is_default" in body["errors"]
        assert defaults_of(head_office.customer) == ["Wanjiku Hardware Ltd"]


class TestDelete:
    def test_delete_removes_an_unused_entity(self, api, mombasa):
        response = api.delete(entity_url(mombasa))

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Billing entity deleted successfully"
        assert body["data"] is None
        assert not BillingEntity.objects.filter(pk=mombasa.pk).exists()
        assert api.get(entity_url(mombasa)).status_code == 404

    def test_an_entity_used_by_a_transaction_cannot_be_deleted(self, api, organization, head_office):
        transaction_record(
            organization=organization,
            customer=head_office.customer,
            type="sale",
            reference="INV-045",
            total_amount="15000.00",
            tax_amount="2068.97",
            billing_entity=head_office,
        )

        response = api.delete(entity_url(head_office))

        assert response.status_code == 400
        assert response.json()["message"] == "This billing entity is used by transactions; deactivate it instead."
        assert BillingEntity.objects.filter(pk=head_office.pk).exists()


class TestPermissions:
    def test_viewer_reads_but_cannot_write(self, api_as, viewer, head_office, mombasa):
        client = api_as(viewer)

        assert client.get(entities_url(head_office.customer)).status_code == 200
        assert client.get(entity_url(head_office)).status_code == 200
        assert client.post(entities_url(head_office.customer), {"legal_name": "New Ltd"}).status_code == 403
        assert client.patch(entity_url(head_office), {"legal_name": "Renamed Ltd"}).status_code == 403
        assert client.post(entity_url(mombasa, "/make-default")).status_code == 403
        assert client.delete(entity_url(mombasa)).status_code == 403
        assert defaults_of(head_office.customer) == ["Wanjiku Hardware Ltd"]
        assert BillingEntity.objects.filter(customer=head_office.customer).count() == 2

    def test_clerk_manages_billing_entities(self, api_as, clerk, head_office, mombasa):
        client = api_as(clerk)

        assert client.post(entities_url(head_office.customer), {"legal_name": "Kisumu Ltd"}).status_code == 201
        assert client.patch(entity_url(head_office), {"billing_address": "Moi Avenue"}).status_code == 200
        assert client.post(entity_url(mombasa, "/make-default")).status_code == 200
        assert defaults_of(head_office.customer) == ["Wanjiku Hardware Mombasa Ltd"]

    def test_manager_manages_billing_entities(self, api_as, manager, head_office, mombasa):
        client = api_as(manager)

        assert client.post(entity_url(mombasa, "/make-default")).status_code == 200
        assert client.delete(entity_url(head_office)).status_code == 200
        assert defaults_of(mombasa.customer) == ["Wanjiku Hardware Mombasa Ltd"]

    def test_read_key_reads_but_gets_403_on_writes(self, read_api, head_office, mombasa):
        assert read_api.get(entities_url(head_office.customer)).status_code == 200
        response = read_api.post(entity_url(mombasa, "/make-default"))
        assert response.status_code == 403
        assert response.json()["status"] == "error"
        assert read_api.post(entities_url(head_office.customer), {"legal_name": "New Ltd"}).status_code == 403
        assert read_api.patch(entity_url(head_office), {"legal_name": "Renamed Ltd"}).status_code == 403
        assert read_api.delete(entity_url(mombasa)).status_code == 403
        assert defaults_of(head_office.customer) == ["Wanjiku Hardware Ltd"]


class TestOtherOrganizations:
    def test_another_organizations_customer_answers_404(self, other_api, head_office, mombasa):
        customer = head_office.customer

        for response in (
            other_api.get(entities_url(customer)),
            other_api.post(entities_url(customer), {"legal_name": "Intruder Ltd"}),
            other_api.get(entity_url(head_office)),
            other_api.patch(entity_url(head_office), {"legal_name": "Intruder Ltd"}),
            other_api.post(entity_url(mombasa, "/make-default")),
            other_api.delete(entity_url(mombasa)),
        ):
            assert response.status_code == 404
            assert response.json()["message"] == "Customer not found"
        assert defaults_of(customer) == ["Wanjiku Hardware Ltd"]
        assert BillingEntity.objects.filter(customer=customer).count() == 2

    def test_an_entity_of_another_customer_answers_404(self, api, organization, head_office):
        other = CustomerFactory(organization=organization, name="XYZ Enterprises")
        wrong_path = f"customers/{other.pk}/billing-entities/{head_office.pk}"

        response = api.patch(wrong_path, {"legal_name": "Renamed Ltd"})

        assert response.status_code == 404
        assert response.json()["message"] == "Billing entity not found"
        assert api.post(f"{wrong_path}/make-default").status_code == 404
        assert api.delete(wrong_path).status_code == 404
        head_office.refresh_from_db()
        assert head_office.legal_name == "Wanjiku Hardware Ltd"
