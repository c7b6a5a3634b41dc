"""Sign-in throttling: five wrong passwords lock a username out from that address for an hour."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate, get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

pytestmark = pytest.mark.django_db

PASSWORD = "Mount-Kenya-5199"
OFFICE_IP = "197.248.10.21"
HOME_IP = "41.90.64.7"
LOGIN = reverse("admin:login")


@pytest.fixture
def staff():
    return get_user_model().objects.create_superuser("akinyi", "akinyi@wanjiku.co.ke", PASSWORD)


def sign_in(client: Client, username: str, password: str, *, ip: str = OFFICE_IP):
    return client.post(LOGIN, {"username": username, "password": password, "next": "/admin/"}, REMOTE_ADDR=ip)


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def fail(client: Client, username: str, times: int, *, ip: str = OFFICE_IP) -> list[int]:
    return [sign_in(client, username, "wrong-password", ip=ip).status_code for _ in range(times)]


def test_four_wrong_passwords_only_show_the_form_again(client, staff):
    assert fail(client, staff.username, 4) == [200, 200, 200, 200]

    response = sign_in(client, staff.username, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_the_fifth_wrong_password_locks_the_account_out_from_that_address(client, staff):
    statuses = fail(client, staff.username, 5)

    assert statuses == [200, 200, 200, 200, 429]
    locked = sign_in(client, staff.username, PASSWORD)
    assert locked.status_code == 429
    assert not signed_in(client)
    assert "Too many failed sign-in attempts" in locked.content.decode()
    assert int(locked["Retry-After"]) == 3600


def test_the_lockout_is_per_username_and_address(client, staff):
    fail(client, staff.username, 5)

    elsewhere = Client()
    response = sign_in(elsewhere, staff.username, PASSWORD, ip=HOME_IP)

    assert response.status_code == 302
    assert signed_in(elsewhere)


def test_the_lockout_ends_after_an_hour(client, staff):
    fail(client, staff.username, 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=1, minutes=1))

    response = sign_in(client, staff.username, PASSWORD)

    assert response.status_code == 302
    assert signed_in(client)


def test_a_successful_sign_in_clears_the_failures(client, staff):
    fail(client, staff.username, 4)
    sign_in(client, staff.username, PASSWORD)
    client.logout()

    assert fail(client, staff.username, 4) == [200, 200, 200, 200]
    assert sign_in(client, staff.username, PASSWORD).status_code == 302


def test_a_json_client_gets_the_lockout_in_the_envelope(client, staff):
    fail(client, staff.username, 5)

    response = client.post(
        LOGIN, {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR=OFFICE_IP, HTTP_ACCEPT="application/json"
    )

    assert response.status_code == 429
    body = response.json()
    assert body["status"] == "error"
    assert "Too many failed sign-in attempts" in body["message"]
    assert body["meta"]["request_id"]


def test_checking_a_password_without_a_request_still_works(staff):
    assert authenticate(username=staff.username, password=PASSWORD) == staff
    assert authenticate(username=staff.username, password="wrong-password") is None
