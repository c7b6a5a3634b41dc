"""/api/v1/schema and /api/v1/docs, and a bounded fuzz of every documented operation."""

import re
from html.parser import HTMLParser

import pytest
import schemathesis
from django.contrib.staticfiles import finders
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.urls import resolve
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import HEAD_OFFICE_CODE, Branch
from billing.services import billing_entity_create
from core.api.access import ApiKeyRateThrottle
from core.api.routing import api_not_found
from customers.models import FinanceCode
from customers.services import contact_email_create, contact_phone_create, customer_create, lookup_create
from tests.factories import CategoryFactory, ContactOriginFactory, CustomerGroupFactory, PaymentTermsFactory
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db

# The endpoints of SPEC §6, with sample ids. Those not built yet answer the API's own 404 and are
# skipped; every one that exists must be in the schema with its method.
SPEC_ENDPOINTS = [
    ("get", "customers"),
    ("post", "customers"),
    ("get", "customers/1"),
    ("patch", "customers/1"),
    ("put", "customers/1"),
    ("delete", "customers/1"),
    ("get", "customers/search"),
    ("get", "customers/summary"),
    ("post", "customers/1/archive"),
    ("post", "customers/1/unarchive"),
    ("post", "customers/1/block"),
    ("post", "customers/1/unblock"),
    ("get", "customers/1/transactions"),
    *[
        (method, f"customers/1/{kind}{suffix}")
        for kind in ("emails", "phones")
        for method, suffix in [
            ("get", ""),
            ("post", ""),
            ("patch", "/2"),
            ("delete", "/2"),
            ("post", "/2/lock"),
            ("post", "/2/unlock"),
        ]
    ],
    ("get", "customers/1/billing-entities"),
    ("post", "customers/1/billing-entities"),
    ("patch", "customers/1/billing-entities/2"),
    ("delete", "customers/1/billing-entities/2"),
    ("post", "customers/1/billing-entities/2/make-default"),
    ("get", "customers/1/statement.pdf"),
    ("get", "customers/1/export"),
    ("get", "customers/export"),
    ("post", "customers/import"),
    ("get", "customers/import/template.xlsx"),
    ("get", "jobs/1"),
    *[
        (method, f"{lookup}{suffix}")
        for lookup in ("categories", "groups", "finance-codes", "origins", "payment-terms", "branches")
        for method, suffix in [("get", ""), ("post", ""), ("get", "/1"), ("patch", "/1"), ("delete", "/1")]
    ],
    ("post", "categories/1/archive"),
    ("get", "transactions"),
    ("post", "transactions"),
    ("get", "transactions/1"),
    ("post", "transactions/1/void"),
]


def _load_json_schema(client) -> dict:
    response = client.get("/api/v1/schema", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    return response.json()


def _served(method: str, path: str) -> bool:
    match = resolve(f"/api/v1/{path}")
    if match.func is api_not_found:
        return False
    actions = getattr(match.func, "actions", None)
    return actions is None or method in actions


def _documented(schema: dict, method: str, path: str) -> bool:
    for template, operations in schema["paths"].items():
        pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template.strip("/")))
        if re.fullmatch(f"{pattern}/?", f"api/v1/{path}") and method in operations:
            return True
    return False


def test_the_schema_is_valid_openapi_3_and_documents_every_spec_endpoint_that_is_served(client):
    schema = _load_json_schema(client)

    validate_schema(schema)
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Customer Hub API"
    served = [(method, path) for method, path in SPEC_ENDPOINTS if _served(method, path)]
    assert ("get", "customers/search") in served
    assert [endpoint for endpoint in served if not _documented(schema, *endpoint)] == []
    api_key_auth = schema["components"]["securitySchemes"]["ApiKeyAuth"]
    assert (api_key_auth["type"], api_key_auth["scheme"]) == ("http", "bearer")


def test_every_operation_declares_exactly_the_path_parameters_of_its_template(client):
    schema = _load_json_schema(client)

    mismatched = []
    for template, operations in schema["paths"].items():
        expected = set(re.findall(r"\{(\w+)\}", template))
        for method, operation in operations.items():
            declared = {parameter["name"] for parameter in operation.get("parameters", []) if parameter["in"] == "path"}
            if declared != expected:
                mismatched.append((method, template, sorted(declared)))
    assert mismatched == []


@pytest.fixture
def wsgi_app():
    """The project's WSGI application, called in the test's own database transaction.

    As Django's test client does, connections are not closed at the end of each request: closing
    one inside the test's transaction would end the transaction (PostgreSQL).
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_the_schema_loads_in_schemathesis_and_is_served_as_yaml_by_default(client, wsgi_app):
    loaded = schemathesis.openapi.from_wsgi("/api/v1/schema", wsgi_app)
    operations = [result.ok() for result in loaded.get_all_operations()]

    assert client.get("/api/v1/schema").content.startswith(b"openapi: 3.")
    labels = {operation.label for operation in operations}
    assert {"GET /api/v1/customers/", "POST /api/v1/customers/", "GET /api/v1/customers/search/"} <= labels


def test_the_create_operation_describes_the_spec_example(client):
    operation = _load_json_schema(client)["paths"]["/api/v1/customers/"]["post"]

    example = operation["requestBody"]["content"]["application/json"]["examples"]["Create"]["value"]
    assert example["custNm"] == "XYZ Enterprises"
    assert {"201", "400", "401", "403", "409", "413", "415", "429"} <= set(operation["responses"])


def test_parameter_bounds_and_the_search_meta_are_in_the_schema_for_generated_clients(client):
    schema = _load_json_schema(client)

    def parameters(path: str) -> dict:
        return {parameter["name"]: parameter["schema"] for parameter in schema["paths"][path]["get"]["parameters"]}

    customers = parameters("/api/v1/customers/")
    assert "-balance" in customers["ordering"]["enum"] and "name" in customers["ordering"]["enum"]
    assert customers["page"]["minimum"] == 1 and customers["per_page"]["minimum"] == 1
    search = parameters("/api/v1/customers/search/")
    assert search["q"]["minLength"] == 2 and search["limit"]["minimum"] == 1
    assert parameters("/api/v1/transactions/")["page"]["minimum"] == 1
    search_answer = schema["paths"]["/api/v1/customers/search/"]["get"]["responses"]["200"]
    envelope = search_answer["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    meta = schema["components"]["schemas"][envelope]["properties"]["meta"]["$ref"].rsplit("/", 1)[-1]
    assert {"count", "query"} <= set(schema["components"]["schemas"][meta]["properties"])


def test_every_answer_is_described_as_one_envelope_object_even_for_lists(client):
    schema = _load_json_schema(client)

    described_as_arrays = [
        f"{method.upper()} {path} {status}"
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        for status, response in operation.get("responses", {}).items()
        if response.get("content", {}).get("application/json", {}).get("schema", {}).get("type") == "array"
    ]
    assert described_as_arrays == []
    listing = schema["paths"]["/api/v1/customers/"]["get"]["responses"]["200"]["content"]["application/json"]
    envelope = schema["components"]["schemas"][listing["schema"]["$ref"].rsplit("/", 1)[1]]
    assert envelope["properties"]["data"]["type"] == "array"
    assert {"total", "per_page", "current_page", "last_page"} <= set(
        schema["components"]["schemas"]["PageMeta"]["properties"]
    )


class _Assets(HTMLParser):
    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href") and value:
                self.urls.append(value)


def test_the_docs_page_loads_its_assets_from_this_sites_static_files(client):
    response = client.get("/api/v1/docs")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    page = response.content.decode()
    parser = _Assets()
    parser.feed(page)
    assert parser.urls
    assert all(url.startswith("/static/") for url in parser.urls), parser.urls
    assert not re.search(r"https?://(?!localhost|127\.0\.0\.1)", page)
    # Looked for in the addresses only: the page also carries a random CSRF token,
    # which spells "cdn" now and then.
    assert not any("cdn" in url.lower() or url.startswith("//") for url in parser.urls), parser.urls
    for url in parser.urls:
        assert finders.find(url.removeprefix("/static/")), f"{url} is not among the static files"
    assert "/api/v1/schema" in page


# Fuzzing


@pytest.fixture
def unthrottled(monkeypatch):
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api": "1000000/min"})


@pytest.fixture
def known_ids(organization):
    """Real rows of the key's organization, so the fuzz also reaches past the 404 of a missing id."""
    customer = customer_create(
        organization=organization, customer_no="CUST001", name="ABC Trading Ltd", tax_id="P000123456X"
    )
    email = contact_email_create(customer=customer, email="accounts@abctrading.co.ke")
    phone = contact_phone_create(customer=customer, number="+254722000111")
    entity = billing_entity_create(customer=customer, legal_name="ABC Trading Limited")
    entry = transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="1500.00", reference="INV-001"
    )
    by_collection = {
        "customers": customer.pk,
        "emails": email.pk,
        "phones": phone.pk,
        "billing-entities": entity.pk,
        "transactions": str(entry.pk),
        "categories": CategoryFactory(organization=organization).pk,
        "groups": CustomerGroupFactory(organization=organization).pk,
        "origins": ContactOriginFactory(organization=organization).pk,
        "payment-terms": PaymentTermsFactory(organization=organization).pk,
        "finance-codes": lookup_create(model=FinanceCode, organization=organization, name="4000 Trade debtors").pk,
        "branches": Branch.objects.get(organization=organization, code=HEAD_OFFICE_CODE).pk,
    }
    return by_collection


def _known_path_parameters(operation, known_ids: dict) -> dict | None:
    """Path parameters naming real rows: each placeholder takes the id of the collection before it."""
    segments = operation.path.strip("/").split("/")
    values = {}
    for index, segment in enumerate(segments):
        placeholder = re.fullmatch(r"\{(\w+)\}", segment)
        if not placeholder:
            continue
        value = known_ids.get(segments[index - 1])
        if value is None:
            return None
        values[placeholder.group(1)] = value
    return values or None


FUZZ_CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
FUZZ_EXAMPLES = 10


def _fuzz(strategies, *, headers: dict, max_examples: int) -> None:
    @settings(
        max_examples=max_examples,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def run(case):
        response = case.call(headers=headers)
        case.validate_response(response, checks=FUZZ_CHECKS, headers=headers)

    run()


@pytest.mark.usefixtures("unthrottled")
def test_fuzzing_every_operation_finds_no_server_error_and_no_answer_outside_the_schema(wsgi_app, write_key, known_ids):
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema", wsgi_app)
    headers = {"Authorization": f"Bearer {write_key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    # Deletes last, so the known rows serve every other operation first.
    operations.sort(key=lambda operation: operation.method.lower() == "delete")

    failures: dict[str, str] = {}
    for operation in operations:
        generated = [operation.as_strategy(), operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
        known = _known_path_parameters(operation, known_ids)
        if known:
            generated.append(operation.as_strategy(path_parameters=known))
        # The schema's own examples (the SPEC's create body among them) are sent as they are written.
        documented = schema.get_strategies_from_examples(operation)
        try:
            if documented:
                _fuzz(documented, headers=headers, max_examples=len(documented))
            _fuzz(generated, headers=headers, max_examples=FUZZ_EXAMPLES)
        except (FailureGroup, Exception) as exc:  # noqa: BLE001 - every operation is fuzzed before the verdict
            failures[operation.label] = str(exc)

    assert not failures, "\n\n".join(f"{label}:\n{message[:1500]}" for label, message in failures.items())
