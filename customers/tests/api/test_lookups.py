"""/api/v1/categories, /groups, /finance-codes, /origins and /payment-terms: the same CRUD on each."""

from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import PaymentTerms
from customers.models import Category, ContactOrigin, Customer, CustomerGroup, FinanceCode, LookupBase
from customers.services import customer_create, customer_soft_delete, lookup_archive, lookup_create

pytestmark = pytest.mark.django_db

LOOKUP_FIELDS = {"id", "name", "description", "is_archived", "customer_count", "created_at", "updated_at"}
LIST_QUERY_BOUND = 3  # the API key, the count, the page


@dataclass(frozen=True)
class Lookup:
    path: str
    model: type[LookupBase]
    customer_field: str
    noun: str
    names: tuple[str, str, str]

    def __str__(self) -> str:
        return self.path


LOOKUPS = [
    Lookup("categories", Category, "category", "Category", ("Wholesale", "Retail", "Government")),
    Lookup("groups", CustomerGroup, "group", "Customer group", ("Key Accounts", "Nairobi Route", "Upcountry")),
    Lookup(
        "finance-codes",
        FinanceCode,
        "finance_code",
        "Finance code",
        ("1100 Trade Debtors", "1150 Staff Debtors", "1190 Related Parties"),
    ),
    Lookup("origins", ContactOrigin, "origin", "Contact origin", ("Referral", "Walk-in", "Web form")),
    Lookup("payment-terms", PaymentTerms, "payment_terms", "Payment terms", ("Net 30", "Cash on delivery", "EOM 15")),
]


def fields_of(lookup: Lookup) -> set[str]:
    return LOOKUP_FIELDS | ({"days", "type"} if lookup.model is PaymentTerms else set())


def make(lookup: Lookup, organization, name: str, **fields) -> LookupBase:
    return lookup_create(model=lookup.model, organization=organization, name=name, **fields)


def filed_under(lookup: Lookup, organization, item: LookupBase, name: str) -> Customer:
    return customer_create(organization=organization, name=name, **{lookup.customer_field: item})


@pytest.fixture(params=LOOKUPS, ids=str)
def lookup(request) -> Lookup:
    return request.param


class TestList:
    def test_lists_by_name_with_customer_counts(self, read_api, organization, lookup):
        first, _, third = lookup.names
        busy = make(lookup, organization, third, description="Most customers")
        make(lookup, organization, first)
        filed_under(lookup, organization, busy, "ABC Trading Ltd")
        filed_under(lookup, organization, busy, "Jane Wanjiku")
        gone = filed_under(lookup, organization, busy, "Closed Kiosk")
        customer_soft_delete(customer=gone)

        response = read_api.get(lookup.path)

        assert response.status_code == 200
        body = response.json()
        assert [item["name"] for item in body["data"]] == sorted([first, third])
        assert set(body["data"][0]) == fields_of(lookup)
        assert {item["name"]: item["customer_count"] for item in body["data"]} == {first: 0, third: 2}
        assert body["meta"]["total"] == 2
        assert {"timestamp", "request_id", "per_page", "current_page", "last_page"} <= set(body["meta"])

    @pytest.mark.parametrize(("archived", "expected"), [("true", [1]), ("false", [0, 2]), ("False", [0, 2])])
    def test_archived_filter(self, api, organization, lookup, archived, expected):
        items = [make(lookup, organization, name) for name in sorted(lookup.names)]
        lookup_archive(item=items[1])

        response = api.get(lookup.path, {"archived": archived})

        assert [item["id"] for item in response.json()["data"]] == [items[i].pk for i in expected]

    @pytest.mark.parametrize("params", [{"archived": "yes"}, {"active": "true"}])
    def test_bad_query_is_a_400(self, api, lookup, params):
        response = api.get(lookup.path, params)

        assert response.status_code == 400
        assert set(response.json()["errors"]) == set(params)

    def test_another_organizations_items_are_not_listed(self, api, organization, other_organization, lookup):
        mine = make(lookup, organization, lookup.names[0])
        make(lookup, other_organization, lookup.names[1])

        response = api.get(lookup.path)

        assert [item["id"] for item in response.json()["data"]] == [mine.pk]

    def test_query_count_does_not_grow_with_rows(self, api, organization, lookup, django_assert_max_num_queries):
        for n in range(3):
            item = make(lookup, organization, f"{lookup.names[0]} {n:02d}")
            filed_under(lookup, organization, item, f"Duka {n}")
        api.get(lookup.path)  # the key's first use also records last_used_at
        with CaptureQueriesContext(connection) as few:
            api.get(lookup.path)

        for n in range(3, 30):
            item = make(lookup, organization, f"{lookup.names[0]} {n:02d}")
            filed_under(lookup, organization, item, f"Duka {n}")
        with django_assert_max_num_queries(LIST_QUERY_BOUND):
            response = api.get(lookup.path, {"per_page": 100})
        with CaptureQueriesContext(connection) as many:
            api.get(lookup.path, {"per_page": 100})

        assert len(response.json()["data"]) == 30
        assert all(item["customer_count"] == 1 for item in response.json()["data"])
        assert len(many) == len(few)


class TestCreate:
    def test_manager_creates(self, api_as, manager, organization, lookup):
        response = api_as(manager).post(lookup.path, {"name": lookup.names[0], "description": "Set up in January"})

        assert response.status_code == 201
        body = response.json()
        assert body["message"] == f"{lookup.noun} created successfully"
        assert set(body["data"]) == fields_of(lookup)
        assert (body["data"]["name"], body["data"]["description"]) == (lookup.names[0], "Set up in January")
        assert (body["data"]["is_archived"], body["data"]["customer_count"]) == (False, 0)
        assert lookup.model.objects.get(pk=body["data"]["id"]).organization == organization

    def test_write_key_creates(self, api, lookup):
        response = api.post(f"{lookup.path}/", {"name": f"  {lookup.names[1]}  "})

        assert response.status_code == 201
        assert response.json()["data"]["name"] == lookup.names[1]

    def test_duplicate_name_is_a_409(self, api, organization, lookup):
        make(lookup, organization, lookup.names[0])

        response = api.post(lookup.path, {"name": lookup.names[0].upper()})

        assert response.status_code == 409
        assert "name" in response.json()["errors"]
        assert lookup.model.objects.filter(organization=organization).count() == 1

    def test_same_name_in_another_organization_is_allowed(self, api, other_organization, lookup):
        make(lookup, other_organization, lookup.names[0])

        response = api.post(lookup.path, {"name": lookup.names[0]})

        assert response.status_code == 201

    @pytest.mark.parametrize("payload", [{}, {"name": ""}, {"name": "   "}, {"name": "x" * 101}])
    def test_invalid_name_is_a_400(self, api, lookup, payload):
        response = api.post(lookup.path, payload)

        assert response.status_code == 400
        assert response.json()["message"] == "Validation failed"
        assert "name" in response.json()["errors"]
        assert not lookup.model.objects.exists()

    def test_malformed_json_is_a_400(self, api, lookup):
        response = api.post(lookup.path, '{"name": "Retail",')

        assert response.status_code == 400
        assert response.json()["status"] == "error"
        assert not lookup.model.objects.exists()

    @pytest.mark.parametrize("role", ["clerk", "viewer"])
    def test_clerk_and_viewer_cannot_create(self, api_as, request, lookup, role):
        response = api_as(request.getfixturevalue(role)).post(lookup.path, {"name": lookup.names[0]})

        assert response.status_code == 403
        assert not lookup.model.objects.exists()

    def test_read_key_cannot_create(self, read_api, lookup):
        response = read_api.post(lookup.path, {"name": lookup.names[0]})

        assert response.status_code == 403
        assert not lookup.model.objects.exists()


class TestPaymentTerms:
    def test_days_and_type(self, api):
        response = api.post("payment-terms", {"name": "EOM 15", "days": 15, "type": "end_of_month"})

        assert response.status_code == 201
        assert (response.json()["data"]["days"], response.json()["data"]["type"]) == (15, "end_of_month")

    def test_defaults_to_net_30(self, api):
        response = api.post("payment-terms", {"name": "Standard"})

        assert (response.json()["data"]["days"], response.json()["data"]["type"]) == (30, "net")

    @pytest.mark.parametrize("days", [0, 365])
    def test_day_bounds_are_accepted(self, api, days):
        response = api.post("payment-terms", {"name": f"Net {days}", "days": days})

        assert response.status_code == 201
        assert response.json()["data"]["days"] == days

    @pytest.mark.parametrize(
        ("payload", "field"),
        [({"days": 366}, "days"), ({"days": -1}, "days"), ({"days": "thirty"}, "days"), ({"type": "weekly"}, "type")],
    )
    def test_invalid_terms_are_a_400(self, api, payload, field):
        response = api.post("payment-terms", {"name": "Net 30", **payload})

        assert response.status_code == 400
        assert field in response.json()["errors"]
        assert not PaymentTerms.objects.exists()

    def test_update_days(self, api, organization):
        terms = lookup_create(model=PaymentTerms, organization=organization, name="Net 30")

        response = api.patch(f"payment-terms/{terms.pk}", {"days": 45, "name": "Net 45"})

        terms.refresh_from_db()
        assert response.status_code == 200
        assert (terms.name, terms.days, terms.type) == ("Net 45", 45, "net")

    def test_other_lookups_ignore_days(self, api):
        response = api.post("categories", {"name": "Wholesale", "days": 30})

        assert response.status_code == 201
        assert "days" not in response.json()["data"]


class TestDetail:
    def test_retrieve(self, read_api, organization, lookup):
        item = make(lookup, organization, lookup.names[0], description="Main list")
        filed_under(lookup, organization, item, "ABC Trading Ltd")

        response = read_api.get(f"{lookup.path}/{item.pk}")

        assert response.status_code == 200
        data = response.json()["data"]
        assert (data["id"], data["name"], data["description"], data["customer_count"]) == (
            item.pk,
            lookup.names[0],
            "Main list",
            1,
        )

    @pytest.mark.parametrize("item_id", ["999999", "abc"])
    def test_unknown_id_is_a_404(self, api, lookup, item_id):
        response = api.get(f"{lookup.path}/{item_id}")

        assert response.status_code == 404
        assert response.json()["message"] == f"{lookup.noun} not found"

    def test_another_organizations_item_is_a_404(self, api, other_organization, lookup):
        theirs = make(lookup, other_organization, lookup.names[0])

        response = api.get(f"{lookup.path}/{theirs.pk}")

        assert response.status_code == 404
        assert response.json()["message"] == f"{lookup.noun} not found"


class TestUpdate:
    def test_only_given_fields_change(self, api, organization, lookup):
        item = make(lookup, organization, lookup.names[0], description="Kept as it is")

        response = api.patch(f"{lookup.path}/{item.pk}", {"name": lookup.names[1]})

        assert response.status_code == 200
        assert response.json()["message"] == f"{lookup.noun} updated successfully"
        item.refresh_from_db()
        assert (item.name, item.description) == (lookup.names[1], "Kept as it is")

    def test_put_behaves_as_patch(self, api, organization, lookup):
        item = make(lookup, organization, lookup.names[0], description="Kept as it is")

        response = api.put(f"{lookup.path}/{item.pk}", {"description": "Reviewed"})

        assert response.status_code == 200
        item.refresh_from_db()
        assert (item.name, item.description) == (lookup.names[0], "Reviewed")

    def test_renaming_to_a_taken_name_is_a_409(self, api, organization, lookup):
        make(lookup, organization, lookup.names[0])
        item = make(lookup, organization, lookup.names[1])

        response = api.patch(f"{lookup.path}/{item.pk}", {"name": lookup.names[0]})

        assert response.status_code == 409
        assert "name" in response.json()["errors"]
        item.refresh_from_db()
        assert item.name == lookup.names[1]

    def test_blank_name_is_a_400(self, api, organization, lookup):
        item = make(lookup, organization, lookup.names[0])

        response = api.patch(f"{lookup.path}/{item.pk}", {"name": ""})

        assert response.status_code == 400
        assert "name" in response.json()["errors"]

    def test_clerk_cannot_update(self, api_as, clerk, organization, lookup):
        item = make(lookup, organization, lookup.names[0])

        response = api_as(clerk).patch(f"{lookup.path}/{item.pk}", {"name": lookup.names[1]})

        assert response.status_code == 403
        item.refresh_from_db()
        assert item.name == lookup.names[0]

    def test_another_organizations_item_is_a_404_and_unchanged(self, api, other_organization, lookup):
        theirs = make(lookup, other_organization, lookup.names[0])

        response = api.patch(f"{lookup.path}/{theirs.pk}", {"name": lookup.names[1]})

        assert response.status_code == 404
        theirs.refresh_from_db()
        assert theirs.name == lookup.names[0]


class TestArchive:
    def test_archive_and_unarchive(self, api, organization, lookup):
        item = make(lookup, organization, lookup.names[0])
        customer = filed_under(lookup, organization, item, "ABC Trading Ltd")

        archived = api.post(f"{lookup.path}/{item.pk}/archive")
        unarchived = api.post(f"{lookup.path}/{item.pk}/unarchive/")

        assert archived.status_code == 200
        assert archived.json()["message"] == f"{lookup.noun} archived successfully"
        assert (archived.json()["data"]["is_archived"], archived.json()["data"]["customer_count"]) == (True, 1)
        assert unarchived.json()["message"] == f"{lookup.noun} unarchived successfully"
        assert unarchived.json()["data"]["is_archived"] is False
        customer.refresh_from_db()
        assert getattr(customer, f"{lookup.customer_field}_id") == item.pk

    @pytest.mark.parametrize("role", ["clerk", "viewer"])
    def test_only_managers_archive(self, api_as, request, organization, lookup, role):
        item = make(lookup, organization, lookup.names[0])

        response = api_as(request.getfixturevalue(role)).post(f"{lookup.path}/{item.pk}/archive")

        assert response.status_code == 403
        item.refresh_from_db()
        assert not item.is_archived

    def test_read_key_cannot_archive(self, read_api, organization, lookup):
        item = make(lookup, organization, lookup.names[0])

        response = read_api.post(f"{lookup.path}/{item.pk}/archive")

        assert response.status_code == 403
        item.refresh_from_db()
        assert not item.is_archived

    def test_another_organizations_item_is_a_404(self, api, other_organization, lookup):
        theirs = make(lookup, other_organization, lookup.names[0])

        response = api.post(f"{lookup.path}/{theirs.pk}/archive")

        assert response.status_code == 404
        theirs.refresh_from_db()
        assert not theirs.is_archived


class TestDelete:
    def test_delete_unlinks_its_customers(self, api_as, manager, organization, lookup):
        item = make(lookup, organization, lookup.names[0])
        customer = filed_under(lookup, organization, item, "ABC Trading Ltd")

        response = api_as(manager).delete(f"{lookup.path}/{item.pk}")

        assert response.status_code == 200
        assert response.json()["message"] == f"{lookup.noun} deleted successfully"
        assert response.json()["data"] is None
        assert api_as(manager).get(f"{lookup.path}/{item.pk}").status_code == 404
        customer.refresh_from_db()
        assert getattr(customer, f"{lookup.customer_field}_id") is None

    def test_clerk_cannot_delete(self, api_as, clerk, organization, lookup):
        item = make(lookup, organization, lookup.names[0])

        response = api_as(clerk).delete(f"{lookup.path}/{item.pk}")

        assert response.status_code == 403
        assert lookup.model.objects.filter(pk=item.pk).exists()

    def test_another_organizations_item_is_a_404_and_kept(self, api, other_organization, lookup):
        theirs = make(lookup, other_organization, lookup.names[0])

        response = api.delete(f"{lookup.path}/{theirs.pk}")

        assert response.status_code == 404
        assert lookup.model.objects.filter(pk=theirs.pk).exists()
