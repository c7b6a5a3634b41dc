"""What every /api/v1/ answer shares: the envelope, request ids, authentication, throttling, money."""

import json

import pytest
from django.test import Client

from accounts.models import ApiKey
from accounts.services import api_key_create, api_key_revoke
from core.api.access import ApiKeyRateThrottle
from customers.services import customer_create
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db


def assert_error_envelope(response, status: int) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "error"
    assert body["message"]
    assert body["meta"]["request_id"] == response["X-Request-ID"]
    return body


# Bodies


def test_malformed_json_is_a_400_in_the_envelope(api):
    response = api.post("customers", '{"custNm": "XYZ Enterprises", ')

    body = assert_error_envelope(response, 400)
    assert "Malformed JSON" in body["message"]
    assert b"<html" not in response.content.lower()


def test_a_body_that_is_not_json_is_a_415(api):
    response = api.client.post(
        "/api/v1/customers",
        data="custNm=XYZ Enterprises",
        content_type="text/plain",
        HTTP_AUTHORIZATION=f"Bearer {api.key}",
    )

    body = assert_error_envelope(response, 415)
    assert "text/plain" in body["message"]


def test_a_json_body_over_one_megabyte_is_a_413(api, organization):
    response = api.post("customers", {"custNm": "Big Body Ltd", "notes": "x" * (1024 * 1024)})

    body = assert_error_envelope(response, 413)
    assert "1 MB" in body["message"]
    assert not organization.customers.exists()


def test_a_json_body_just_under_one_megabyte_is_read(api):
    response = api.post("customers", {"custNm": "Padded Body Ltd", "address": "Moi Avenue", "pad": "x" * 1000_000})

    assert response.status_code == 201
    assert response.json()["data"]["name"] == "Padded Body Ltd"


# Paths and methods


@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing", "/api/v1/customers/1/no-such-thing", "/api/", "/api/v2/customers"]
)
def test_an_unknown_api_path_is_a_404_in_the_envelope(api, path):
    body = assert_error_envelope(api.get(path), 404)

    assert path in body["message"]


def test_a_method_the_path_does_not_support_is_a_405_in_the_envelope(api):
    response = api.delete("customers")

    assert_error_envelope(response, 405)
    assert "DELETE" in response.json()["message"]


def test_paths_answer_with_and_without_a_trailing_slash(api):
    without = api.get("/api/v1/customers")
    with_slash = api.get("/api/v1/customers/")

    assert without.status_code == with_slash.status_code == 200


TOO_LARGE_ID = "99999999999999999999999"


@pytest.mark.parametrize(
    ("path", "params", "status"),
    [
        (f"customers/{TOO_LARGE_ID}", {}, 404),
        ("customers", {"category_id": TOO_LARGE_ID}, 400),
        ("customers", {"group_id": f"-{TOO_LARGE_ID}"}, 400),
        ("customers/summary", {"category_id": TOO_LARGE_ID}, 400),
        ("transactions", {"customer_id": TOO_LARGE_ID}, 400),
    ],
)
def test_an_id_too_large_for_the_database_is_refused_not_a_server_error(api, path, params, status):
    assert_error_envelope(api.get(path, params), status)


# Request ids and times


def test_every_answer_carries_a_request_id_in_its_header_and_meta(api):
    success = api.get("customers")
    failure = api.get("customers/999999")

    for response in (success, failure):
        request_id = response["X-Request-ID"]
        assert request_id.startswith("req_")
        assert response.json()["meta"]["request_id"] == request_id
    assert success["X-Request-ID"] != failure["X-Request-ID"]


def test_an_incoming_request_id_is_reused(api):
    response = api.get("customers", HTTP_X_REQUEST_ID="pos-terminal-7.0042")

    assert response["X-Request-ID"] == "pos-terminal-7.0042"
    assert response.json()["meta"]["request_id"] == "pos-terminal-7.0042"


@pytest.mark.parametrize("hostile", ["abc def", "abc\r\nX-Injected: 1", "x" * 500, "<script>"])
def test_a_hostile_request_id_is_replaced(api, hostile):
    response = api.get("customers", HTTP_X_REQUEST_ID=hostile)

    assert response["X-Request-ID"].startswith("req_")
    assert response.json()["meta"]["request_id"] == response["X-Request-ID"]
    assert "X-Injected" not in response


def test_meta_timestamp_is_utc_with_z(api):
    timestamp = api.get("customers").json()["meta"]["timestamp"]

    assert timestamp.endswith("Z")
    assert len(timestamp) == len("2025-01-17T10:00:00Z")


# API keys


def test_no_credentials_is_a_401_asking_for_a_bearer_key(client):
    response = client.get("/api/v1/customers")

    assert_error_envelope(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer chk_deadbeef_not-a-real-secret", "Bearer nonsense", "Bearer ", "Token xyz", "Basic dXNlcjpwYXNz"],
)
def test_a_wrong_key_or_scheme_is_a_401(client, write_key, authorization):
    response = client.get("/api/v1/customers", HTTP_AUTHORIZATION=authorization)

    assert_error_envelope(response, 401)
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_right_prefix_with_a_wrong_secret_is_a_401(client, write_key):
    tampered = write_key[:-4] + ("AAAA" if not write_key.endswith("AAAA") else "BBBB")

    assert_error_envelope(client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {tampered}"), 401)


def test_a_revoked_key_is_a_401(client, organization):
    issued = api_key_create(organization=organization, name="Old POS", scope="write")
    headers = {"HTTP_AUTHORIZATION": f"Bearer {issued.secret}"}
    assert client.get("/api/v1/customers", **headers).status_code == 200

    api_key_revoke(api_key=issued.api_key)

    body = assert_error_envelope(client.get("/api/v1/customers", **headers), 401)
    assert "revoked" in body["message"]


def test_using_a_key_records_when_it_was_last_used(api, organization):
    key = ApiKey.objects.get(organization=organization, scope="write")
    assert key.last_used_at is None

    api.get("customers")

    key.refresh_from_db()
    assert key.last_used_at is not None


def test_a_read_key_reads_but_cannot_write(read_api, organization):
    assert read_api.get("customers").status_code == 200

    body = assert_error_envelope(read_api.post("customers", {"custNm": "Read Only Ltd"}), 403)
    assert "read-only" in body["message"]
    assert not organization.customers.exists()


# Throttling


@pytest.fixture
def three_per_minute(settings, monkeypatch):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "3/min"}}
    # The throttle read its rates when the class was defined; the override alone would not reach it.
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api": "3/min"})


@pytest.mark.usefixtures("three_per_minute")
def test_the_fourth_request_in_a_minute_is_a_429_with_retry_after(api, client, organization):
    for _ in range(3):
        assert api.get("customers").status_code == 200

    response = api.get("customers")

    body = assert_error_envelope(response, 429)
    assert 1 <= int(response["Retry-After"]) <= 60
    assert response["Retry-After"] in body["message"]

    second_key = api_key_create(organization=organization, name="Second POS", scope="read").secret
    assert client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {second_key}").status_code == 200


# Staff sessions


def test_a_signed_in_viewer_reads_but_cannot_write(api_as, viewer, organization):
    session = api_as(viewer)

    assert session.get("customers").status_code == 200
    assert_error_envelope(session.post("customers", {"custNm": "Viewer Made Ltd"}), 403)
    assert not organization.customers.exists()


def test_a_signed_in_user_without_a_membership_is_a_403(api_as):
    outsider = UserFactory(username="outsider")

    assert_error_envelope(api_as(outsider).get("customers"), 403)


def test_the_organization_header_switches_between_a_users_organizations(api_as, organization):
    coast = OrganizationFactory(name="Coast Traders", slug="coast")
    user = MembershipFactory(organization=organization, role="manager").user
    MembershipFactory(user=user, organization=coast, role="viewer")
    customer_create(organization=organization, name="Nairobi Customer")
    customer_create(organization=coast, name="Mombasa Customer")
    session = api_as(user)

    home = session.get("customers", HTTP_X_ORGANIZATION=organization.slug).json()["data"]
    away = session.get("customers", HTTP_X_ORGANIZATION="coast").json()["data"]
    write_away = session.post("customers", {"custNm": "Coast Made Ltd"}, HTTP_X_ORGANIZATION="coast")
    stranger = session.get("customers", HTTP_X_ORGANIZATION=OrganizationFactory(slug="stranger").slug)

    assert [item["name"] for item in home] == ["Nairobi Customer"]
    assert [item["name"] for item in away] == ["Mombasa Customer"]
    # The role follows the organization: a viewer in Coast Traders.
    assert_error_envelope(write_away, 403)
    assert_error_envelope(stranger, 403)


def test_a_session_write_without_a_csrf_token_is_refused(manager, organization):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(manager)

    response = browser.post(
        "/api/v1/customers", data=json.dumps({"custNm": "Forged Ltd"}), content_type="application/json"
    )

    body = assert_error_envelope(response, 403)
    assert "CSRF" in body["message"]
    assert not organization.customers.exists()


# Money


def test_money_is_a_json_number_with_two_decimals(api, organization):
    customer = customer_create(organization=organization, name="Two Decimals Ltd")
    transaction_record(organization=organization, customer=customer, type="sale", total_amount="150.50")
    transaction_record(organization=organization, customer=customer, type="deposit", total_amount="20")

    listed = api.get("customers").content
    detailed = api.get(f"customers/{customer.pk}").content

    assert b'"balance": 130.50' in listed
    assert b'"total_debit": 150.50' in detailed
    assert b'"deposit_amount": 20.00' in detailed
    assert b'"total_amount": 150.50' in detailed
    assert b'"balance": "' not in listed
