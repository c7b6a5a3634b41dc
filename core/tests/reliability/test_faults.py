"""A lost database answers 503 (the API's envelope, or a plain page) with the request id, and is logged.

Two ways to lose it. On any backend, every query of the request meets the error the database
driver itself raises once its server refuses connections (or its file cannot be opened), wrapped
by Django as for any query. On PostgreSQL, the server ends the connection of a request that is
waiting in the middle of its work (``pg_terminate_backend``, as a restart or a failover does).
"""

import logging
import socket
import sqlite3
import threading
import time
from contextlib import contextmanager

import pytest
import requests
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.test import Client

from core.middleware import database_unreachable
from customers.models import Customer
from tests.factories import CustomerFactory

from .conftest import postgres_only

REQUEST_ID = "req_till-7-outage"
TIMEOUT = 30


def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def driver_error_of_a_lost_database(tmp_path) -> None:
    """Raise what the driver raises when its database is gone, wrapped by Django as a query's error is."""
    with connection.wrap_database_errors:
        if connection.vendor == "postgresql":
            import psycopg

            psycopg.connect(host="127.0.0.1", port=closed_port(), dbname="customerhub", connect_timeout=5)
        else:
            sqlite3.connect(f"file:{tmp_path / 'gone' / 'db.sqlite3'}?mode=ro", uri=True)
    raise AssertionError("the driver reached a database that should be gone")


@pytest.fixture
def database_lost(tmp_path):
    """``with database_lost():`` every query of this thread fails as when the database server is gone."""

    @contextmanager
    def lost():
        def refuse(execute, sql, params, many, context):
            driver_error_of_a_lost_database(tmp_path)

        with connection.execute_wrapper(refuse):
            yield

    return lost


def database_errors(caplog) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "customerhub.database"]


def assert_no_traceback(text: str) -> None:
    for leak in ("Traceback", "OperationalError", "psycopg", "sqlite3", 'File "'):
        assert leak not in text


# --- The API ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_api_request_that_loses_the_database_answers_503_in_the_envelope(api, organization, database_lost, caplog):
    CustomerFactory(organization=organization, name="Wanjiku Traders Ltd")

    with database_lost():
        response = api.get("customers", HTTP_X_REQUEST_ID=REQUEST_ID)

    body = response.json()
    assert response.status_code == 503
    assert body["status"] == "error"
    assert body["message"].startswith("The database cannot be reached right now; try again in a minute.")
    assert body["meta"]["request_id"] == REQUEST_ID == response["X-Request-ID"]
    assert response["Retry-After"] == "30"
    assert_no_traceback(response.content.decode())
    [record] = database_errors(caplog)
    assert record.levelname == "ERROR"
    assert record.request_id == REQUEST_ID
    assert "GET /api/v1/customers answered 503" in record.getMessage()
    assert record.exc_info is not None

    again = api.get("customers")

    assert again.status_code == 200
    assert [row["name"] for row in again.json()["data"]] == ["Wanjiku Traders Ltd"]


@pytest.mark.django_db
def test_a_write_during_the_outage_answers_503_and_the_retry_saves_it_once(api, database_lost):
    payload = {"custNm": "Achieng Stores", "tin": "P000789012Y"}

    with database_lost():
        refused = api.post("customers", payload, HTTP_X_REQUEST_ID=REQUEST_ID)
    retried = api.post("customers", payload)

    assert refused.status_code == 503
    assert refused.json()["meta"]["request_id"] == REQUEST_ID
    assert retried.status_code == 201
    assert list(Customer.objects.values_list("name", flat=True)) == ["Achieng Stores"]


@pytest.mark.django_db
def test_a_signed_in_api_caller_gets_503_even_before_the_session_is_read(api_as, manager, database_lost):
    # The session and the user are the request's first queries; the request log asks for the user again.
    session_api = api_as(manager)

    with database_lost():
        response = session_api.get("customers", HTTP_X_REQUEST_ID=REQUEST_ID)

    assert response.status_code == 503
    assert response.json()["meta"]["request_id"] == REQUEST_ID
    assert session_api.get("customers").status_code == 200


# --- Pages ------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(manager) -> Client:
    client = Client()
    client.force_login(manager)
    return client


@pytest.mark.django_db
def test_a_page_that_loses_the_database_answers_a_plain_503_page(signed_in, organization, database_lost, caplog):
    CustomerFactory(organization=organization, name="Wanjiku Traders Ltd")

    with database_lost():
        response = signed_in.get("/customers/?search=wanjiku", HTTP_X_REQUEST_ID=REQUEST_ID)

    page = response.content.decode()
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert response["Retry-After"] == "30"
    assert "Customer Hub is temporarily unavailable" in page
    assert REQUEST_ID in page
    assert 'href="/customers/?search=wanjiku"' in page
    assert_no_traceback(page)
    [record] = database_errors(caplog)
    assert (record.levelname, record.request_id) == ("ERROR", REQUEST_ID)

    again = signed_in.get("/customers/")

    assert again.status_code == 200
    assert "Wanjiku Traders Ltd" in again.content.decode()


@pytest.mark.django_db
def test_a_form_post_during_the_outage_answers_503_and_saves_nothing(signed_in, database_lost):
    with database_lost():
        response = signed_in.post("/customers/new/", {"name": "Achieng Stores", "type": "company"})

    assert response.status_code == 503
    assert "Try again" not in response.content.decode()
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_the_sign_in_page_answers_503_while_the_database_is_gone(client, manager, database_lost):
    with database_lost():
        response = client.post("/accounts/login/", {"username": manager.username, "password": "whatever-2025"})

    assert response.status_code == 503
    assert "temporarily unavailable" in response.content.decode()


# --- Which errors are an outage -----------------------------------------------------------------


def wrapped(raise_driver_error) -> DatabaseError:
    try:
        with connection.wrap_database_errors:
            raise_driver_error()
    except DatabaseError as exc:
        return exc
    raise AssertionError("no error")


@pytest.mark.django_db
def test_a_lost_connection_is_an_outage_but_a_wrong_query_or_a_busy_database_is_not(tmp_path):
    lost = wrapped(lambda: driver_error_of_a_lost_database(tmp_path))

    def wrong_query():
        with connection.cursor() as cursor:
            cursor.execute("SELECT no_such_column FROM customers_customer")

    try:
        with transaction.atomic():
            wrong_query()
    except DatabaseError as exc:
        wrong = exc

    assert database_unreachable(lost)
    assert not database_unreachable(wrong)
    assert not database_unreachable(IntegrityError("duplicate key value violates unique constraint"))
    if connection.vendor == "sqlite":
        path = tmp_path / "busy.sqlite3"
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("CREATE TABLE t (x)")
        holder.execute("BEGIN IMMEDIATE")
        waiter = sqlite3.connect(path, timeout=0)
        busy = wrapped(lambda: waiter.execute("INSERT INTO t VALUES (1)"))
        holder.close()
        waiter.close()
        assert "database is locked" in str(busy)
        assert not database_unreachable(busy)


# --- PostgreSQL: the server ends a request's connection while the request waits on it ----------


@contextmanager
def customers_table_locked():
    """Hold the customers table locked from the test's own connection; yields a function that ends
    the connection of the first request found waiting for it (as a database restart would)."""

    def terminate_waiting_request() -> int:
        deadline = time.monotonic() + TIMEOUT
        with connection.cursor() as cursor:
            while time.monotonic() < deadline:
                # Inside a transaction the activity view is a snapshot taken once; look afresh each time.
                cursor.execute("SELECT pg_stat_clear_snapshot()")
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'"
                )
                row = cursor.fetchone()
                if row:
                    cursor.execute("SELECT pg_terminate_backend(%s)", [row[0]])
                    return row[0]
                time.sleep(0.05)
        raise AssertionError("no request waited for the customers table")

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {Customer._meta.db_table} IN ACCESS EXCLUSIVE MODE")
        yield terminate_waiting_request


def send_in_background(send) -> tuple[threading.Thread, dict]:
    answer: dict = {}
    thread = threading.Thread(target=lambda: answer.update(response=send()))
    thread.start()
    return thread, answer


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_api_request_whose_connection_is_terminated_midway_answers_503(live_server, organization, write_key, caplog):
    CustomerFactory(organization=organization, name="Wanjiku Traders Ltd")
    url = f"{live_server.url}/api/v1/customers"
    headers = {"Authorization": f"Bearer {write_key}"}

    with customers_table_locked() as terminate_waiting_request:
        thread, answer = send_in_background(
            lambda: requests.get(url, headers={**headers, "X-Request-ID": REQUEST_ID}, timeout=TIMEOUT)
        )
        terminate_waiting_request()
    thread.join(TIMEOUT)

    response = answer["response"]
    assert response.status_code == 503
    assert response.json()["status"] == "error"
    assert response.json()["message"].startswith("The database cannot be reached right now")
    assert response.json()["meta"]["request_id"] == REQUEST_ID == response.headers["X-Request-ID"]
    assert_no_traceback(response.text)
    [record] = database_errors(caplog)
    assert record.request_id == REQUEST_ID
    assert "terminating connection due to administrator command" in record.getMessage()

    again = requests.get(url, headers=headers, timeout=TIMEOUT)

    assert again.status_code == 200
    assert [row["name"] for row in again.json()["data"]] == ["Wanjiku Traders Ltd"]


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_page_whose_connection_is_terminated_midway_answers_the_503_page(live_server, organization, manager, caplog):
    CustomerFactory(organization=organization, name="Wanjiku Traders Ltd")
    client = Client()
    client.force_login(manager)
    cookies = {"sessionid": client.cookies["sessionid"].value}
    url = f"{live_server.url}/customers/"

    with customers_table_locked() as terminate_waiting_request:
        thread, answer = send_in_background(
            lambda: requests.get(url, cookies=cookies, headers={"X-Request-ID": REQUEST_ID}, timeout=TIMEOUT)
        )
        terminate_waiting_request()
    thread.join(TIMEOUT)

    response = answer["response"]
    assert response.status_code == 503
    assert "Customer Hub is temporarily unavailable" in response.text
    assert REQUEST_ID in response.text
    assert_no_traceback(response.text)
    assert [record.request_id for record in database_errors(caplog)] == [REQUEST_ID]

    again = requests.get(url, cookies=cookies, timeout=TIMEOUT)

    assert again.status_code == 200
    assert "Wanjiku Traders Ltd" in again.text
