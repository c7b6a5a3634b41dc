"""ETag and If-Match: two people editing the same record cannot silently overwrite each other."""

import re
from dataclasses import dataclass

import pytest

from billing.models import BillingEntity
from billing.services import billing_entity_update
from core.exceptions import PreconditionFailed
from customers.models import ContactEmail, ContactPhone, Customer
from customers.services import contact_email_update, contact_phone_update, customer_update

pytestmark = pytest.mark.django_db

STRONG_ETAG = re.compile(r'^"[^"]+"$')


@dataclass(frozen=True)
class Resource:
    """One kind of versioned record: where it lives, a change to send, and how someone else changes it."""

    noun: str
    fixture: str
    patch: dict

    def path(self, obj) -> str:
        if isinstance(obj, Customer):
            return f"customers/{obj.pk}"
        kind = {ContactEmail: "emails", ContactPhone: "phones", BillingEntity: "billing-entities"}[type(obj)]
        return f"customers/{obj.customer_id}/{kind}/{obj.pk}"

    def change_elsewhere(self, obj) -> None:
        """Another editor (the back office, say) saves the record in between."""
        if isinstance(obj, Customer):
            customer_update(customer=obj, city="Nakuru")
        elif isinstance(obj, ContactEmail):
            contact_email_update(contact=obj, role="Accounts payable")
        elif isinstance(obj, ContactPhone):
            contact_phone_update(contact=obj, role="Store manager")
        else:
            billing_entity_update(entity=obj, fiscal_address="Kenyatta Avenue 12, Nairobi")


RESOURCES = [
    Resource("customer", "customer", {"name": "Wanjiku Traders (Kisumu) Ltd"}),
    Resource("email", "email", {"contact_name": "Grace W. Kamau"}),
    Resource("phone", "phone", {"contact_name": "Peter O. Otieno"}),
    Resource("billing entity", "billing_entity", {"billing_address": "P.O. Box 4410-00100 Nairobi"}),
]
ids = [resource.noun for resource in RESOURCES]


@pytest.fixture(params=RESOURCES, ids=ids)
def resource(request):
    return request.param, request.getfixturevalue(request.param.fixture)


def test_a_record_answers_with_a_strong_etag(api, resource):
    kind, obj = resource

    response = api.get(kind.path(obj))

    assert response.status_code == 200
    assert STRONG_ETAG.match(response["ETag"])


def test_a_fresh_if_match_lets_the_change_through_and_a_new_etag_comes_back(api, resource):
    kind, obj = resource
    etag = api.get(kind.path(obj))["ETag"]

    response = api.patch(kind.path(obj), kind.patch, HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    field, value = next(iter(kind.patch.items()))
    assert response.json()["data"][field] == value
    assert response["ETag"] != etag
    assert response["ETag"] == api.get(kind.path(obj))["ETag"]


def test_a_stale_if_match_on_patch_is_a_412_and_changes_nothing(api, resource):
    kind, obj = resource
    etag = api.get(kind.path(obj))["ETag"]
    kind.change_elsewhere(type(obj).objects.get(pk=obj.pk))

    response = api.patch(kind.path(obj), kind.patch, HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    body = response.json()
    assert body["status"] == "error"
    assert body["message"] == f"The {kind.noun} changed since you read it; fetch it again."
    assert body["meta"]["request_id"]
    field, value = next(iter(kind.patch.items()))
    assert api.get(kind.path(obj)).json()["data"][field] != value


def test_a_stale_if_match_on_delete_is_a_412_and_the_record_stays(api, resource):
    kind, obj = resource
    etag = api.get(kind.path(obj))["ETag"]
    kind.change_elsewhere(type(obj).objects.get(pk=obj.pk))

    response = api.delete(kind.path(obj), HTTP_IF_MATCH=etag)

    assert response.status_code == 412
    assert response.json()["message"] == f"The {kind.noun} changed since you read it; fetch it again."
    assert api.get(kind.path(obj)).status_code == 200


def test_a_fresh_if_match_on_delete_deletes(api, resource):
    kind, obj = resource
    etag = api.get(kind.path(obj))["ETag"]

    response = api.delete(kind.path(obj), HTTP_IF_MATCH=etag)

    assert response.status_code == 200
    assert api.get(kind.path(obj)).status_code == 404


def test_without_if_match_the_last_write_wins_as_before(api, resource):
    kind, obj = resource
    kind.change_elsewhere(type(obj).objects.get(pk=obj.pk))

    assert api.patch(kind.path(obj), kind.patch).status_code == 200
    assert api.delete(kind.path(obj)).status_code == 200


def test_if_match_star_means_whatever_version_is_current(api, customer):
    assert api.patch(f"customers/{customer.pk}", {"city": "Eldoret"}, HTTP_IF_MATCH="*").status_code == 200


def test_a_weak_tag_never_matches_if_match(api, customer):
    etag = api.get(f"customers/{customer.pk}")["ETag"]

    response = api.patch(f"customers/{customer.pk}", {"city": "Eldoret"}, HTTP_IF_MATCH=f"W/{etag}")

    assert response.status_code == 412


def test_another_records_tag_never_matches(api, customer, email):
    email_etag = api.get(f"customers/{customer.pk}/emails/{email.pk}")["ETag"]

    response = api.patch(f"customers/{customer.pk}", {"city": "Eldoret"}, HTTP_IF_MATCH=email_etag)

    assert response.status_code == 412


def test_one_of_several_tags_matching_is_enough(api, customer):
    etag = api.get(f"customers/{customer.pk}")["ETag"]
    older = f'"{customer.pk}-1"'

    response = api.patch(f"customers/{customer.pk}", {"city": "Eldoret"}, HTTP_IF_MATCH=f"{older}, {etag}")

    assert response.status_code == 200


def test_the_etag_of_a_create_is_the_etag_of_the_record(api, customer):
    created = api.post(f"customers/{customer.pk}/emails", {"email": "sales@wanjiku.co.ke"})

    detail = api.get(f"customers/{customer.pk}/emails/{created.json()['data']['id']}")

    assert created.status_code == 201
    assert created["ETag"] == detail["ETag"]


def test_making_another_billing_entity_default_changes_the_old_defaults_etag(api, customer, billing_entity):
    path = f"customers/{customer.pk}/billing-entities"
    etag = api.get(f"{path}/{billing_entity.pk}")["ETag"]
    branch_office = api.post(path, {"legal_name": "Wanjiku Traders Mombasa Branch"}).json()["data"]

    api.post(f"{path}/{branch_office['id']}/make-default")
    response = api.patch(f"{path}/{billing_entity.pk}", {"billing_address": "Mombasa"}, HTTP_IF_MATCH=etag)

    assert response.status_code == 412


def test_a_session_user_gets_the_same_precondition_check(api_as, clerk, customer):
    client = api_as(clerk)
    etag = client.get(f"customers/{customer.pk}")["ETag"]
    customer_update(customer=Customer.objects.get(pk=customer.pk), city="Nakuru")

    assert client.patch(f"customers/{customer.pk}", {"city": "Eldoret"}, HTTP_IF_MATCH=etag).status_code == 412


def test_the_service_refuses_a_stale_version_for_every_front_door(customer):
    read_version = customer.updated_at
    customer_update(customer=Customer.objects.get(pk=customer.pk), city="Nakuru")

    with pytest.raises(PreconditionFailed, match="The customer changed since you read it"):
        customer_update(customer=Customer.objects.get(pk=customer.pk), expected_updated_at=read_version, city="Thika")

    fresh = Customer.objects.get(pk=customer.pk)
    customer_update(customer=fresh, expected_updated_at=fresh.updated_at, city="Thika")
    assert Customer.objects.get(pk=customer.pk).city == "Thika"
