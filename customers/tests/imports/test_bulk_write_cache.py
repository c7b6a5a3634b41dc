"""bulk_write_cache: a large SQLite page cache while an import writes, the connection's own one after."""

import pytest
from django.db import connection

from customers.services.bulk import BULK_WRITE_CACHE_KIB, bulk_write_cache

pytestmark = pytest.mark.django_db


def _cache_size() -> int:
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        return cursor.fetchone()[0]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's buffers belong to the server")
def test_the_cache_is_raised_for_the_block_and_restored_after_it():
    before = _cache_size()

    with bulk_write_cache():
        during = _cache_size()

    assert during == -BULK_WRITE_CACHE_KIB != before
    assert _cache_size() == before


@pytest.mark.skipif(connection.vendor != "sqlite", reason="PostgreSQL's buffers belong to the server")
def test_the_cache_is_restored_when_the_block_fails():
    before = _cache_size()

    with pytest.raises(RuntimeError), bulk_write_cache():
        raise RuntimeError

    assert _cache_size() == before
