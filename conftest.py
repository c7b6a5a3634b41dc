import pytest


@pytest.fixture
def organization(db):
    from tests.factories import OrganizationFactory

    return OrganizationFactory()


@pytest.fixture
def other_organization(db):
    from tests.factories import OrganizationFactory

    return OrganizationFactory(name="Other Traders", slug="other")


@pytest.fixture
def manager(organization):
    from tests.factories import MembershipFactory

    return MembershipFactory(organization=organization, role="manager").user


@pytest.fixture
def clerk(organization):
    from tests.factories import MembershipFactory

    return MembershipFactory(organization=organization, role="clerk").user


@pytest.fixture
def viewer(organization):
    from tests.factories import MembershipFactory

    return MembershipFactory(organization=organization, role="viewer").user


class ApiClient:
    """Django's test client speaking JSON to /api/v1/ with an API key or a signed-in session."""

    def __init__(self, client, key: str | None = None):
        self.client = client
        self.key = key

    def _headers(self, headers):
        merged = dict(headers or {})
        if self.key:
            merged.setdefault("HTTP_AUTHORIZATION", f"Bearer {self.key}")
        return merged

    def _url(self, path: str) -> str:
        return path if path.startswith("/") else f"/api/v1/{path}"

    def get(self, path, params=None, **headers):
        return self.client.get(self._url(path), params or {}, **self._headers(headers))

    def _send(self, method, path, data, headers):
        import json

        body = data if isinstance(data, str | bytes) else json.dumps(data if data is not None else {})
        return getattr(self.client, method)(
            self._url(path), data=body, content_type="application/json", **self._headers(headers)
        )

    def post(self, path, data=None, **headers):
        return self._send("post", path, data, headers)

    def patch(self, path, data=None, **headers):
        return self._send("patch", path, data, headers)

    def put(self, path, data=None, **headers):
        return self._send("put", path, data, headers)

    def delete(self, path, **headers):
        return self.client.delete(self._url(path), **self._headers(headers))


@pytest.fixture
def write_key(organization):
    from accounts.services import api_key_create

    return api_key_create(organization=organization, name="Integration", scope="write").secret


@pytest.fixture
def read_key(organization):
    from accounts.services import api_key_create

    return api_key_create(organization=organization, name="Reporting", scope="read").secret


@pytest.fixture
def other_write_key(other_organization):
    from accounts.services import api_key_create

    return api_key_create(organization=other_organization, name="Other", scope="write").secret


@pytest.fixture
def api(client, write_key):
    """A write-scoped API client of ``organization``."""
    return ApiClient(client, write_key)


@pytest.fixture
def read_api(client, read_key):
    return ApiClient(client, read_key)


@pytest.fixture
def other_api(client, other_write_key):
    """A write-scoped API client of ``other_organization``."""
    return ApiClient(client, other_write_key)


@pytest.fixture
def api_as():
    """``api_as(user)``: an API client signed in as ``user`` through a session (roles apply)."""
    from django.test import Client

    def make(user):
        session_client = Client()
        session_client.force_login(user)
        return ApiClient(session_client)

    return make


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    from django.core.cache import cache

    cache.clear()
    yield
