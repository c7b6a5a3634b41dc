"""The Python example of the Customers API reference, run over real HTTP against a live server."""

import pytest
import requests

from accounts.services import api_key_create
from customers.models import Customer
from customers.services import customer_create


@pytest.fixture
def api_base_url(live_server) -> str:
    return live_server.url + "/api/v1"


@pytest.fixture
def headers(organization) -> dict[str, str]:
    api_key = api_key_create(organization=organization, name="Sales app", scope="write").secret
    return {"Authorization": f"Bearer {api_key}"}


@pytest.mark.django_db(transaction=True)
def test_the_reference_python_example_lists_creates_and_searches(api_base_url, headers, organization):
    base_url = api_base_url
    customer_create(organization=organization, customer_no="CUST001", name="ABC Trading Ltd", tax_id="P000123456X")

    # List all customers
    response = requests.get(f"{base_url}/customers", headers=headers, timeout=10)
    customers = response.json()["data"]

    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert [customer["customer_no"] for customer in customers] == ["CUST001"]
    assert response.json()["meta"]["total"] == 1

    # Create a new customer
    new_customer = requests.post(
        f"{base_url}/customers",
        json={
            "branch_id": "00",
            "customer_no": "CUST003",
            "custNm": "XYZ Enterprises",
            "tin": "P000789012Y",
            "phone": "+254733345678",
        },
        headers=headers,
        timeout=10,
    )

    assert new_customer.status_code == 201
    created = new_customer.json()
    assert created["status"] == "success"
    assert created["message"] == "Customer created successfully"
    assert {key: created["data"][key] for key in ("customer_no", "name", "tin", "phone", "branch_id", "is_active")} == {
        "customer_no": "CUST003",
        "name": "XYZ Enterprises",
        "tin": "P000789012Y",
        "phone": "+254733345678",
        "branch_id": "00",
        "is_active": True,
    }
    assert new_customer.headers["X-Request-ID"] == created["meta"]["request_id"]
    assert Customer.objects.filter(organization=organization, customer_no="CUST003").exists()

    # Search customers
    search = requests.get(f"{base_url}/customers/search", params={"q": "XYZ", "limit": 10}, headers=headers, timeout=10)

    assert search.status_code == 200
    found = search.json()
    assert [(item["id"], item["name"]) for item in found["data"]] == [(created["data"]["id"], "XYZ Enterprises")]
    assert (found["meta"]["count"], found["meta"]["query"]) == (1, "XYZ")


@pytest.mark.django_db(transaction=True)
def test_the_example_without_a_key_gets_a_401_over_http(api_base_url):
    response = requests.get(f"{api_base_url}/customers", timeout=10)

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert response.json()["status"] == "error"
