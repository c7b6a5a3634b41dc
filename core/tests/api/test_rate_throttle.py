"""The API's rate limit: a window per caller opens with its first request; the excess waits for it to close."""

import logging
import time
import uuid

import pytest
import redis
from django.core.cache import caches

from accounts.services import api_key_create
from core.api.access import ApiKeyRateThrottle

pytestmark = pytest.mark.django_db

LOCAL_REDIS = "redis://127.0.0.1:6379/14"
CLOSED_PORT = "redis://127.0.0.1:1/14"


def limit_to(monkeypatch, rate: str) -> None:
    # The throttle read its rates when the class was defined; a settings override alone would not reach it.
    monkeypatch.setattr(ApiKeyRateThrottle, "THROTTLE_RATES", {"api": rate})


def use_redis_cache(settings, location: str, prefix: str):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return caches["default"]


@pytest.fixture
def redis_cache(settings):
    """The production cache on the local Redis, under a prefix of its own that is removed afterwards."""
    client = redis.Redis.from_url(LOCAL_REDIS, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    prefix = f"throttle-test-{uuid.uuid4().hex}"
    yield use_redis_cache(settings, LOCAL_REDIS, prefix)
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


@pytest.fixture
def clock(monkeypatch):
    now = [1_700_000_000.0]
    monkeypatch.setattr(ApiKeyRateThrottle, "timer", staticmethod(lambda: now[0]))
    return now


def assert_throttled(response) -> int:
    assert response.status_code == 429, response.content
    body = response.json()
    assert body["status"] == "error"
    assert body["message"] == f"Too many requests; retry in {response['Retry-After']} seconds."
    return int(response["Retry-After"])


def test_a_caller_over_the_limit_waits_until_its_window_closes(api, monkeypatch, clock):
    limit_to(monkeypatch, "3/min")
    for _ in range(3):
        assert api.get("customers").status_code == 200
        clock[0] += 5

    clock[0] += 15  # 30 seconds after the window opened
    assert assert_throttled(api.get("customers")) == 30
    clock[0] += 29.5
    assert assert_throttled(api.get("customers")) == 1
    clock[0] += 0.5
    assert api.get("customers").status_code == 200


def test_refused_requests_do_not_keep_the_window_open(api, monkeypatch, clock):
    limit_to(monkeypatch, "2/min")
    for _ in range(2):
        assert api.get("customers").status_code == 200
    for _ in range(5):
        clock[0] += 10
        assert_throttled(api.get("customers"))

    clock[0] += 10
    assert api.get("customers").status_code == 200


def test_on_redis_the_fourth_request_in_a_minute_is_a_429_and_other_keys_are_not_held_back(
    api, client, organization, monkeypatch, redis_cache
):
    limit_to(monkeypatch, "3/min")
    for _ in range(3):
        assert api.get("customers").status_code == 200

    assert 1 <= assert_throttled(api.get("customers")) <= 60
    second_key = api_key_create(organization=organization, name="Second POS", scope="read").secret
    assert client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {second_key}").status_code == 200


def test_on_redis_a_caller_is_served_again_once_its_window_closes(api, monkeypatch, redis_cache):
    limit_to(monkeypatch, "2/s")
    # Within a second the third request is refused (a slow machine may need another window for it).
    refused = next((response for _ in range(20) if (response := api.get("customers")).status_code == 429), None)
    assert refused is not None

    time.sleep(assert_throttled(refused) + 0.1)

    assert api.get("customers").status_code == 200


def test_with_redis_unreachable_requests_are_served_and_a_warning_is_logged(api, settings, monkeypatch, caplog):
    limit_to(monkeypatch, "1/min")
    use_redis_cache(settings, CLOSED_PORT, "throttle-test")

    with caplog.at_level(logging.WARNING, logger="customerhub.cache"):
        responses = [api.get("customers") for _ in range(2)]

    assert [response.status_code for response in responses] == [200, 200]
    assert "the API rate limit was not applied" in caplog.text
