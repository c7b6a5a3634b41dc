import pytest
from django.test import Client


def logged_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def manager_client(manager) -> Client:
    return logged_in(manager)


@pytest.fixture
def clerk_client(clerk) -> Client:
    return logged_in(clerk)


@pytest.fixture
def viewer_client(viewer) -> Client:
    return logged_in(viewer)
