import pytest

pytestmark = pytest.mark.django_db


def test_login_page_has_labelled_fields(client):
    response = client.get("/accounts/login/")

    html = response.content.decode()
    assert response.status_code == 200
    assert '<label for="id_username"' in html and '<label for="id_password"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_sign_in_lands_on_the_dashboard(client, clerk):
    response = client.post("/accounts/login/", {"username": clerk.username, "password": "pass12345"}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert response.context["user"] == clerk
    assert b"Dashboard" in response.content


def test_sign_in_follows_next(client, clerk):
    response = client.post(
        "/accounts/login/", {"username": clerk.username, "password": "pass12345", "next": "/customers/"}
    )

    assert response["Location"] == "/customers/"


def test_wrong_password_shows_an_error_and_keeps_the_username(client, clerk):
    response = client.post("/accounts/login/", {"username": clerk.username, "password": "nope"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "Please enter a correct username and password" in html
    assert f'value="{clerk.username}"' in html


def test_sign_out_needs_post_and_returns_to_sign_in(client_as, clerk):
    session = client_as(clerk)

    assert session.get("/accounts/logout/").status_code == 405
    response = session.post("/accounts/logout/")

    assert response["Location"] == "/accounts/login/"
    assert session.get("/").status_code == 302


def test_signed_in_user_visiting_login_goes_to_the_dashboard(client_as, clerk):
    assert client_as(clerk).get("/accounts/login/")["Location"] == "/"
