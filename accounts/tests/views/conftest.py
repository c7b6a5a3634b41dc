import pytest
from django.test import Client


@pytest.fixture
def client_as():
    """``client_as(user)``: a browser session signed in as ``user``."""

    def make(user, **kwargs) -> Client:
        session = Client(**kwargs)
        session.force_login(user)
        return session

    return make
