"""Production log lines are JSON objects carrying the request id, the organization and the user or API key."""

import io
import json
import logging

import pytest

from accounts.models import ApiKey
from core.logging import JsonFormatter, RequestContextFilter
from tests.factories import CustomerFactory


@pytest.fixture
def json_lines():
    """The JSON lines every logger writes while the test runs, formatted as production formats them."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RequestContextFilter())
    root = logging.getLogger()
    request_logger = logging.getLogger("customerhub.request")
    previous_levels = (root.level, request_logger.level)
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    request_logger.setLevel(logging.INFO)

    def read() -> list[dict]:
        return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]

    yield read
    root.removeHandler(handler)
    root.setLevel(previous_levels[0])
    request_logger.setLevel(previous_levels[1])


def lines_of(lines: list[dict], request_id: str, logger: str | None = None) -> list[dict]:
    return [line for line in lines if line.get("request_id") == request_id and logger in (None, line["logger"])]


@pytest.mark.django_db
def test_an_api_request_logs_its_id_organization_and_key(api, organization, json_lines):
    customer = CustomerFactory(organization=organization, name="Kamau & Sons Hardware")

    response = api.get(f"customers/{customer.pk}", HTTP_X_REQUEST_ID="req-pos-till-0042")

    assert response.status_code == 200
    [line] = lines_of(json_lines(), "req-pos-till-0042", logger="customerhub.request")
    key = ApiKey.objects.get(organization=organization)
    assert line["logger"] == "customerhub.request"
    assert line["level"] == "INFO"
    assert line["organization"] == organization.slug
    assert line["api_key"] == key.prefix
    assert "user_id" not in line
    assert (line["method"], line["path"], line["status"]) == ("GET", f"/api/v1/customers/{customer.pk}", 200)
    assert line["duration_ms"] >= 0
    assert line["time"].endswith("+00:00")


@pytest.mark.django_db
def test_every_line_of_a_request_carries_its_context_warnings_included(api, organization, json_lines):
    response = api.get("customers/999999", HTTP_X_REQUEST_ID="req-missing-customer")

    assert response.status_code == 404
    lines = lines_of(json_lines(), "req-missing-customer")
    warning = next(line for line in lines if line["logger"] == "django.request")
    assert warning["level"] == "WARNING"
    assert warning["message"] == "Not Found: /api/v1/customers/999999"
    assert warning["organization"] == organization.slug
    assert warning["status_code"] == 404


@pytest.mark.django_db
def test_a_signed_in_users_page_logs_the_user_and_organization(client, clerk, organization, json_lines):
    client.force_login(clerk)

    response = client.get("/customers/", HTTP_X_REQUEST_ID="req-back-office-7")

    assert response.status_code == 200
    [line] = lines_of(json_lines(), "req-back-office-7", logger="customerhub.request")
    assert line["user_id"] == clerk.pk
    assert line["organization"] == organization.slug
    assert "api_key" not in line


@pytest.mark.django_db
def test_a_refused_key_is_logged_without_an_organization(client, json_lines):
    response = client.get(
        "/api/v1/customers", HTTP_AUTHORIZATION="Bearer chk_not_a_real_key", HTTP_X_REQUEST_ID="req-bad-key"
    )

    assert response.status_code == 401
    [line] = lines_of(json_lines(), "req-bad-key", logger="customerhub.request")
    assert line["status"] == 401
    assert "organization" not in line and "api_key" not in line


def test_an_exception_is_logged_as_one_json_line_with_its_traceback(json_lines):
    try:
        raise ValueError("Unit price must be positive")
    except ValueError:
        logging.getLogger("customerhub.imports").exception(
            "Import job %s failed", "6f1c3e0a", extra={"job_id": "6f1c3e0a"}
        )

    [line] = json_lines()
    assert line["message"] == "Import job 6f1c3e0a failed"
    assert line["job_id"] == "6f1c3e0a"
    assert "ValueError: Unit price must be positive" in line["exception"]
    assert "request_id" not in line
