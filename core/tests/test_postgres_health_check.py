"""A persistent PostgreSQL connection is health-checked before a request once it has been idle, not
after every request (core/db_backends/postgresql)."""

import time
from collections.abc import Iterator

import pytest
from django.core.signals import request_finished, request_started
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections

pytestmark = [
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the PostgreSQL backend's health check"),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def checks(monkeypatch) -> Iterator[list[int]]:
    """The default connection as production runs it (persistent, health checks on, 10 s of grace),
    and the backend of every health check it runs."""
    wrapper = connections[DEFAULT_DB_ALIAS]  # patched itself: the proxy ``connection`` would lose them
    monkeypatch.setitem(wrapper.settings_dict, "CONN_MAX_AGE", None)
    monkeypatch.setitem(wrapper.settings_dict, "CONN_HEALTH_CHECKS", True)
    monkeypatch.setattr(wrapper, "check_after_idle", 10.0)
    wrapper.close()
    wrapper.ensure_connection()
    seen: list[int] = []
    is_usable = wrapper.is_usable

    def counted_is_usable() -> bool:
        seen.append(backend_pid())
        return is_usable()

    monkeypatch.setattr(wrapper, "is_usable", counted_is_usable)
    yield seen
    connection.close()


def backend_pid() -> int:
    return connection.connection.info.backend_pid


def serve_request() -> int:
    """One request as Django's handler serves it: the request signals around a query; its backend."""
    request_started.send(sender=None)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            return cursor.fetchone()[0]
    finally:
        request_finished.send(sender=None)


def idle_for(seconds: float) -> None:
    connection.served_at -= seconds


def end_on_the_server(pid: int) -> None:
    """Terminate backend ``pid`` from another connection, as a database restart would."""
    admin = connection.get_new_connection(connection.get_connection_params())
    admin.autocommit = True
    try:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend did not end"
            time.sleep(0.05)
    finally:
        admin.close()


def test_a_connection_that_served_a_request_a_moment_ago_is_used_unchecked(checks):
    backends = {serve_request() for _ in range(5)}

    assert len(backends) == 1
    assert checks == []


def test_a_connection_idle_for_longer_is_checked_before_the_next_request(checks):
    first = serve_request()
    idle_for(11)

    assert serve_request() == first
    assert checks == [first]
    # Checked, and then used: the next request within the grace period is not checked again.
    serve_request()
    assert checks == [first]


def test_an_idle_connection_the_database_ended_is_replaced_before_the_request_uses_it(checks):
    first = serve_request()
    idle_for(11)
    end_on_the_server(first)

    replacement = serve_request()

    assert checks == [first]
    assert replacement != first


def test_a_connection_ended_within_the_grace_period_fails_one_request_and_is_replaced(checks):
    first = serve_request()
    end_on_the_server(first)

    with pytest.raises(DatabaseError):
        serve_request()
    # The failed request's end closed the connection: the next one opens a new one.
    assert serve_request() != first
