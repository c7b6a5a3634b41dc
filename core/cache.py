"""The production cache: Redis, answering as an empty cache while Redis cannot be reached.

The cache holds nothing that must survive (API throttling counters, cached lookups), so a Redis
outage should cost those, not every request: reads miss, writes are dropped and a warning is
logged, while the job queue refuses new jobs with a 503 (core.tasks) and /readyz reports Redis.
Throttling is not enforced during such an outage.
"""

import logging
from functools import wraps

import redis.exceptions
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger("customerhub.cache")

UNREACHABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)


def _fail_open(fallback):
    def decorate(method):
        @wraps(method)
        def guarded(self, *args, **kwargs):
            try:
                return method(self, *args, **kwargs)
            except UNREACHABLE as exc:
                logger.warning("Cache unavailable (%s); %s answered as a miss", exc.__class__.__name__, method.__name__)
                return fallback(*args, **kwargs) if callable(fallback) else fallback

        return guarded

    return decorate


def _default(key, default=None, version=None):
    return default


class ReusedClientRedisCacheClient(RedisCacheClient):
    """Keeps one redis-py client per connection pool instead of making one per cache operation.

    Making a client fills its table of some 170 reply handlers, which cost a throttled API request
    about as much as its round trip to Redis. A client holds no connection of its own (it takes
    one from the shared pool for each command) and may be shared between threads.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailOpenRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient

    @_fail_open(_default)
    def get(self, key, default=None, version=None):
        return super().get(key, default, version)

    @_fail_open(False)
    def add(self, *args, **kwargs):
        return super().add(*args, **kwargs)

    @_fail_open(None)
    def set(self, *args, **kwargs):
        return super().set(*args, **kwargs)

    @_fail_open(False)
    def touch(self, *args, **kwargs):
        return super().touch(*args, **kwargs)

    @_fail_open(False)
    def delete(self, *args, **kwargs):
        return super().delete(*args, **kwargs)

    @_fail_open({})
    def get_many(self, *args, **kwargs):
        return super().get_many(*args, **kwargs)

    @_fail_open(False)
    def has_key(self, *args, **kwargs):
        return super().has_key(*args, **kwargs)

    @_fail_open(lambda data, *args, **kwargs: list(data))
    def set_many(self, *args, **kwargs):
        return super().set_many(*args, **kwargs)

    @_fail_open(None)
    def delete_many(self, *args, **kwargs):
        return super().delete_many(*args, **kwargs)
