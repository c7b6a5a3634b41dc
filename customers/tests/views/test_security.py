"""Tenancy, CSRF and escaping across the customer pages."""

import pytest
from django.test import Client

from customers.models import CustomerStatus
from customers.services import contact_phone_create, customer_create

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


@pytest.mark.parametrize(
    "path",
    [
        "/customers/{id}/",
        "/customers/{id}/edit/",
        "/customers/{id}/delete/",
        "/customers/{id}/emails/add/",
        "/customers/{id}/phones/",
        "/customers/{id}/billing-entities/add/",
    ],
)
def test_another_organizations_customer_is_a_404_page(client_as, manager, foreign_customer, path):
    response = client_as(manager).get(path.format(id=foreign_customer.pk))

    assert response.status_code == 404
    assert b"We couldn't find that page" in response.content
    assert b"Bogot" not in response.content


def test_another_organizations_customer_cannot_be_changed(client_as, manager, foreign_customer):
    phone = contact_phone_create(customer=foreign_customer, number="+573001234567")
    session = client_as(manager)

    assert session.post(f"/customers/{foreign_customer.pk}/status/archive/").status_code == 404
    assert session.post(f"/customers/{foreign_customer.pk}/delete/").status_code == 404
    assert session.post(f"/customers/{foreign_customer.pk}/phones/{phone.pk}/lock/").status_code == 404
    foreign_customer.refresh_from_db()
    phone.refresh_from_db()
    assert foreign_customer.status == CustomerStatus.ACTIVE and foreign_customer.deleted_at is None
    assert not phone.is_locked


def test_missing_and_malformed_ids_are_404s(client_as, viewer):
    session = client_as(viewer)

    assert session.get("/customers/999999/").status_code == 404
    assert session.get("/customers/99999999999999999999999/").status_code == 404


def test_posts_without_a_csrf_token_are_refused(manager, wanjiku):
    session = Client(enforce_csrf_checks=True)
    session.force_login(manager)

    response = session.post(f"/customers/{wanjiku.pk}/status/archive/")

    assert response.status_code == 403
    wanjiku.refresh_from_db()
    assert wanjiku.status == CustomerStatus.ACTIVE


def test_posts_with_the_pages_csrf_token_go_through(manager, wanjiku):
    session = Client(enforce_csrf_checks=True)
    session.force_login(manager)
    session.get(f"/customers/{wanjiku.pk}/")

    response = session.post(
        f"/customers/{wanjiku.pk}/status/archive/", {"csrfmiddlewaretoken": session.cookies["csrftoken"].value}
    )

    assert response.status_code == 302
    wanjiku.refresh_from_db()
    assert wanjiku.status == CustomerStatus.ARCHIVED


def test_every_form_on_the_detail_page_carries_a_csrf_token(client_as, manager, wanjiku):
    contact_phone_create(customer=wanjiku, number="+254722000111")
    html = client_as(manager).get(f"/customers/{wanjiku.pk}/").content.decode()

    post_forms = html.count('method="post"')
    assert post_forms >= 4
    assert html.count('name="csrfmiddlewaretoken"') >= post_forms
    # htmx requests send the token as a header from the page's body.
    assert "X-CSRFToken" in html


def test_customer_text_is_escaped_on_every_page(client_as, manager, organization):
    customer = customer_create(
        organization=organization, name=SCRIPT, legal_name=f"{SCRIPT} Ltd", metadata={"note": SCRIPT}
    )
    contact_phone_create(customer=customer, number="+254722000111", contact_name=SCRIPT, notes=SCRIPT)
    session = client_as(manager)

    pages = [
        session.get("/"),
        session.get("/customers/"),
        session.get("/customers/", {"search": SCRIPT}),
        session.get(f"/customers/{customer.pk}/"),
        session.get(f"/customers/{customer.pk}/edit/"),
        session.get(f"/customers/{customer.pk}/delete/"),
        session.get("/customers/", {"search": "script"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="quick-results"),
    ]

    for response in pages:
        html = response.content.decode()
        assert SCRIPT not in html, response.request["PATH_INFO"]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages[3].content.decode()
