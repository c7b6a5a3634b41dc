"""/api/v1/branches: list with customer counts, open, rename and deactivate branches."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Branch
from accounts.services import branch_create
from customers.models import Customer
from customers.services import customer_create, customer_soft_delete

pytestmark = pytest.mark.django_db

BRANCH_FIELDS = {"id", "code", "name", "is_active", "customer_count", "created_at", "updated_at"}
LIST_QUERY_BOUND = 3  # the API key, the count, the page


@pytest.fixture
def head_office(organization) -> Branch:
    return Branch.objects.get(organization=organization, code="00")


@pytest.fixture
def westlands(organization) -> Branch:
    return branch_create(organization=organization, code="01", name="Westlands")


@pytest.fixture
def kumasi(other_organization) -> Branch:
    return branch_create(organization=other_organization, code="01", name="Kumasi")


def customer_at(branch: Branch, name: str) -> Customer:
    return customer_create(organization=branch.organization, branch=branch, name=name)


class TestList:
    def test_lists_branches_by_code_with_customer_counts(self, read_api, head_office, westlands, kumasi):
        customer_at(westlands, "ABC Trading Ltd")
        customer_at(westlands, "Jane Wanjiku")
        customer_soft_delete(customer=customer_at(westlands, "Closed Kiosk"))
        customer_at(head_office, "Walk-in Customer")
        customer_at(kumasi, "Kofi Mensah Enterprises")

        response = read_api.get("branches")

        assert response.status_code == 200
        body = response.json()
        assert [(item["code"], item["name"], item["customer_count"]) for item in body["data"]] == [
            ("00", "Head Office", 1),
            ("01", "Westlands", 2),
        ]
        assert set(body["data"][0]) == BRANCH_FIELDS
        assert body["meta"]["total"] == 2
        assert {"timestamp", "request_id"} <= set(body["meta"])

    def test_active_filter(self, api, organization, westlands):
        branch_create(organization=organization, code="02", name="Closed Kiosk", is_active=False)

        every = api.get("branches")
        active = api.get("branches", {"active": "true"})
        inactive = api.get("branches", {"active": "false"})

        assert [item["code"] for item in every.json()["data"]] == ["00", "01", "02"]
        assert [item["code"] for item in active.json()["data"]] == ["00", "01"]
        assert [item["code"] for item in inactive.json()["data"]] == ["02"]

    @pytest.mark.parametrize("params", [{"active": "sometimes"}, {"code": "01"}])
    def test_bad_query_is_a_400(self, api, params):
        response = api.get("branches", params)

        assert response.status_code == 400
        assert set(response.json()["errors"]) == set(params)

    def test_viewer_can_list(self, api_as, viewer, westlands):
        response = api_as(viewer).get("branches")

        assert [item["code"] for item in response.json()["data"]] == ["00", "01"]

    def test_query_count_does_not_grow_with_rows(self, api, organization, django_assert_max_num_queries):
        for n in range(1, 3):
            customer_at(branch_create(organization=organization, code=f"{n:02d}", name=f"Branch {n}"), f"Duka {n}")
        api.get("branches")  # the key's first use also records last_used_at
        with CaptureQueriesContext(connection) as few:
            api.get("branches")

        for n in range(3, 30):
            customer_at(branch_create(organization=organization, code=f"{n:02d}", name=f"Branch {n}"), f"Duka {n}")
        with django_assert_max_num_queries(LIST_QUERY_BOUND):
            response = api.get("branches", {"per_page": 100})
        with CaptureQueriesContext(connection) as many:
            api.get("branches", {"per_page": 100})

        assert len(response.json()["data"]) == 30
        assert len(many) == len(few)


class TestCreate:
    def test_manager_opens_a_branch(self, api_as, manager, organization):
        response = api_as(manager).post("branches", {"code": "MSA", "name": "Mombasa Road"})

        assert response.status_code == 201
        body = response.json()
        assert body["message"] == "Branch created successfully"
        assert set(body["data"]) == BRANCH_FIELDS
        assert (body["data"]["code"], body["data"]["name"], body["data"]["is_active"]) == ("MSA", "Mombasa Road", True)
        assert body["data"]["customer_count"] == 0
        assert Branch.objects.get(pk=body["data"]["id"]).organization == organization

    def test_new_branch_takes_customers(self, api):
        api.post("branches/", {"code": "01", "name": "Westlands"})

        response = api.post("customers", {"name": "ABC Trading Ltd", "branch_id": "01"})

        assert response.status_code == 201
        assert response.json()["data"]["branch_id"] == "01"

    def test_duplicate_code_is_a_409(self, api, westlands):
        response = api.post("branches", {"code": "01", "name": "Westlands Mall"})

        assert response.status_code == 409
        assert response.json()["errors"] == {"code": ["A branch with the code '01' already exists."]}

    def test_code_of_another_organization_is_free(self, api, kumasi):
        response = api.post("branches", {"code": "01", "name": "Westlands"})

        assert response.status_code == 201

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"code": "NBO#1", "name": "Nairobi CBD"}, "code"),
            ({"code": "", "name": "Nairobi CBD"}, "code"),
            ({"name": "Nairobi CBD"}, "code"),
            ({"code": "02"}, "name"),
            ({"code": "02", "name": "Nairobi CBD", "is_active": "maybe"}, "is_active"),
        ],
    )
    def test_invalid_branch_is_a_400(self, api, organization, payload, field):
        response = api.post("branches", payload)

        assert response.status_code == 400
        assert response.json()["message"] == "Validation failed"
        assert field in response.json()["errors"]
        assert Branch.objects.filter(organization=organization).count() == 1

    def test_malformed_json_is_a_400(self, api, organization):
        response = api.post("branches", '{"code": "02", ')

        assert response.status_code == 400
        assert response.json()["status"] == "error"
        assert Branch.objects.filter(organization=organization).count() == 1

    @pytest.mark.parametrize("role", ["clerk", "viewer"])
    def test_clerk_and_viewer_cannot_open_branches(self, api_as, request, organization, role):
        response = api_as(request.getfixturevalue(role)).post("branches", {"code": "02", "name": "Nairobi CBD"})

        assert response.status_code == 403
        assert Branch.objects.filter(organization=organization).count() == 1

    def test_read_key_cannot_open_branches(self, read_api, organization):
        response = read_api.post("branches", {"code": "02", "name": "Nairobi CBD"})

        assert response.status_code == 403
        assert Branch.objects.filter(organization=organization).count() == 1


class TestDetail:
    def test_retrieve(self, read_api, westlands):
        customer_at(westlands, "ABC Trading Ltd")

        response = read_api.get(f"branches/{westlands.pk}")

        assert response.status_code == 200
        data = response.json()["data"]
        assert (data["id"], data["code"], data["name"], data["customer_count"]) == (westlands.pk, "01", "Westlands", 1)

    @pytest.mark.parametrize("branch_id", ["999999", "westlands", "1.5"])
    def test_unknown_id_is_a_404(self, api, westlands, branch_id):
        response = api.get(f"branches/{branch_id}")

        assert response.status_code == 404
        assert response.json()["message"] == "Branch not found"

    def test_another_organizations_branch_is_a_404(self, api, kumasi):
        response = api.get(f"branches/{kumasi.pk}")

        assert response.status_code == 404
        assert response.json()["message"] == "Branch not found"


class TestUpdate:
    def test_rename_changes_only_the_name(self, api, westlands):
        response = api.patch(f"branches/{westlands.pk}", {"name": "Westlands Mall"})

        assert response.status_code == 200
        assert response.json()["message"] == "Branch updated successfully"
        westlands.refresh_from_db()
        assert (westlands.code, westlands.name, westlands.is_active) == ("01", "Westlands Mall", True)

    def test_head_office_can_be_renamed(self, api, head_office):
        response = api.put(f"branches/{head_office.pk}", {"name": "Nairobi Head Office"})

        assert response.status_code == 200
        head_office.refresh_from_db()
        assert (head_office.code, head_office.name) == ("00", "Nairobi Head Office")

    def test_recoding_follows_into_customers(self, api, westlands):
        customer = customer_at(westlands, "ABC Trading Ltd")

        api.patch(f"branches/{westlands.pk}", {"code": "WL"})

        assert api.get(f"customers/{customer.pk}").json()["data"]["branch_id"] == "WL"

    def test_reactivate(self, api, organization):
        closed = branch_create(organization=organization, code="02", name="Closed Kiosk", is_active=False)

        response = api.patch(f"branches/{closed.pk}", {"is_active": True})

        assert response.json()["data"]["is_active"] is True

    def test_taking_a_used_code_is_a_409(self, api, organization, westlands):
        other = branch_create(organization=organization, code="02", name="Karen")

        response = api.patch(f"branches/{other.pk}", {"code": "01"})

        assert response.status_code == 409
        other.refresh_from_db()
        assert other.code == "02"

    def test_head_office_cannot_be_deactivated(self, api, head_office):
        response = api.patch(f"branches/{head_office.pk}", {"is_active": False})

        assert response.status_code == 400
        body = response.json()
        assert "head office" in body["message"] and "cannot be deactivated" in body["message"]
        assert "is_active" in body["errors"]
        head_office.refresh_from_db()
        assert head_office.is_active

    def test_head_office_keeps_its_code(self, api, head_office):
        response = api.patch(f"branches/{head_office.pk}", {"code": "HQ"})

        assert response.status_code == 400
        assert "code" in response.json()["errors"]
        head_office.refresh_from_db()
        assert head_office.code == "00"

    def test_clerk_cannot_update(self, api_as, clerk, westlands):
        response = api_as(clerk).patch(f"branches/{westlands.pk}", {"name": "Renamed"})

        assert response.status_code == 403
        westlands.refresh_from_db()
        assert westlands.name == "Westlands"

    def test_another_organizations_branch_is_a_404_and_unchanged(self, api, kumasi):
        response = api.patch(f"branches/{kumasi.pk}", {"name": "Taken over"})

        assert response.status_code == 404
        kumasi.refresh_from_db()
        assert kumasi.name == "Kumasi"


class TestDelete:
    def test_delete_deactivates_and_keeps_customers(self, api_as, manager, westlands):
        customer = customer_at(westlands, "ABC Trading Ltd")

        response = api_as(manager).delete(f"branches/{westlands.pk}")

        assert response.status_code == 200
        body = response.json()
        assert body["message"] == "Branch deactivated successfully"
        assert (body["data"]["is_active"], body["data"]["customer_count"]) == (False, 1)
        assert api_as(manager).get(f"branches/{westlands.pk}").json()["data"]["is_active"] is False
        assert [item["code"] for item in api_as(manager).get("branches", {"active": "true"}).json()["data"]] == ["00"]
        customer.refresh_from_db()
        assert customer.branch == westlands

    def test_head_office_cannot_be_deleted(self, api, head_office):
        response = api.delete(f"branches/{head_office.pk}")

        assert response.status_code == 400
        assert "cannot be deactivated" in response.json()["message"]
        head_office.refresh_from_db()
        assert head_office.is_active

    @pytest.mark.parametrize("role", ["clerk", "viewer"])
    def test_clerk_and_viewer_cannot_delete(self, api_as, request, westlands, role):
        response = api_as(request.getfixturevalue(role)).delete(f"branches/{westlands.pk}")

        assert response.status_code == 403
        westlands.refresh_from_db()
        assert westlands.is_active

    def test_read_key_cannot_delete(self, read_api, westlands):
        response = read_api.delete(f"branches/{westlands.pk}")

        assert response.status_code == 403
        westlands.refresh_from_db()
        assert westlands.is_active

    def test_another_organizations_branch_is_a_404_and_stays_active(self, api, kumasi):
        response = api.delete(f"branches/{kumasi.pk}")

        assert response.status_code == 404
        kumasi.refresh_from_db()
        assert kumasi.is_active
