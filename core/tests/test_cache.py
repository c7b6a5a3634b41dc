"""The production cache answers as an empty cache while Redis is down, and caches while it is up."""

import logging

import pytest
import redis
from django.core.cache import caches

CLOSED_PORT = "redis://127.0.0.1:1/14"
LOCAL_REDIS = "redis://127.0.0.1:6379/14"


def use_cache(settings, location: str):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.cache.FailOpenRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": "customerhub-test",
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    return caches["default"]


def test_with_redis_down_reads_miss_and_writes_are_dropped_with_a_warning(settings, caplog):
    cache = use_cache(settings, CLOSED_PORT)

    with caplog.at_level(logging.WARNING, logger="customerhub.cache"):
        cache.set("throttle_api_key-7", [1700000000.0], 60)
        missed = cache.get("throttle_api_key-7", "missing")
        computed = cache.get_or_set("category-counts-demo", lambda: {"Wholesale": 12}, 60)
        added = cache.add("lock-import-42", "1", 60)
        failed_keys = cache.set_many({"a": 1, "b": 2}, 60)

    assert missed == "missing"
    assert computed == {"Wholesale": 12}
    assert added is False
    assert sorted(failed_keys) == ["a", "b"]
    assert cache.get_many(["a", "b"]) == {}
    assert "Cache unavailable (ConnectionError)" in caplog.text


def test_with_redis_up_values_are_cached(settings):
    try:
        redis.Redis.from_url(LOCAL_REDIS, socket_connect_timeout=1).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    cache = use_cache(settings, LOCAL_REDIS)
    cache.delete("summary-demo")

    cache.set("summary-demo", {"customer_count": 214}, 60)

    assert cache.get("summary-demo") == {"customer_count": 214}
    assert cache.add("summary-demo", {"customer_count": 0}, 60) is False
    cache.delete("summary-demo")


def test_operations_share_one_client_of_the_connection_pool(settings):
    cache = use_cache(settings, LOCAL_REDIS)

    cache.set("customer-count", 3, 60)
    first = cache._cache.get_client("customer-count", write=True)
    cache.incr("customer-count")

    assert cache._cache.get_client("customer-count", write=True) is first
    assert cache.get("customer-count") == 4
    cache.delete("customer-count")
