import re

import pytest

from customers.models import ContactEmail, ContactPhone
from customers.services import contact_email_create, contact_phone_create, contact_phone_set_locked

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def base(customer, kind) -> str:
    return f"/customers/{customer.pk}/{kind}"


def test_add_phone_inline_returns_the_refreshed_panel(client_as, clerk, wanjiku):
    response = client_as(clerk).post(
        f"{base(wanjiku, 'phones')}/add/",
        {"phones-number": "0722 000 111", "phones-contact_name": "Grace", "phones-is_whatsapp": "on"},
        **HTMX,
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<section class="card panel" id="phones"')
    assert "+254722000111" in html and "WhatsApp" in html
    assert 'id="messages"' in html and "hx-swap-oob" in html and "added" in html
    phone = ContactPhone.objects.get(customer=wanjiku)
    assert phone.number == "+254722000111" and phone.is_whatsapp


def test_add_form_is_a_fragment_for_htmx_and_a_page_without_javascript(client_as, clerk, wanjiku):
    session = client_as(clerk)

    fragment = session.get(f"{base(wanjiku, 'emails')}/add/", **HTMX).content.decode()
    page = session.get(f"{base(wanjiku, 'emails')}/add/").content.decode()

    assert fragment.startswith('<section class="card panel" id="emails"') and "<html" not in fragment
    assert "<html" in page and 'name="emails-email"' in page


def test_add_without_javascript_redirects_back_to_the_customer(client_as, clerk, wanjiku):
    response = client_as(clerk).post(f"{base(wanjiku, 'emails')}/add/", {"emails-email": "Pay@Wanjiku.co.ke"})

    assert response.status_code == 302
    assert response["Location"] == f"/customers/{wanjiku.pk}/#emails"
    assert ContactEmail.objects.get(customer=wanjiku).email == "pay@wanjiku.co.ke"


def test_bad_phone_shows_the_error_beside_the_field_and_keeps_the_input(client_as, clerk, wanjiku):
    response = client_as(clerk).post(
        f"{base(wanjiku, 'phones')}/add/", {"phones-number": "07", "phones-role": "Owner"}, **HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Enter a valid phone number" in html
    assert 'value="07"' in html and 'value="Owner"' in html
    assert not ContactPhone.objects.exists()


def test_duplicate_email_is_refused_beside_the_field(client_as, clerk, wanjiku):
    contact_email_create(customer=wanjiku, email="pay@wanjiku.co.ke")

    response = client_as(clerk).post(f"{base(wanjiku, 'emails')}/add/", {"emails-email": "PAY@wanjiku.co.ke"}, **HTMX)

    assert "This customer already has this email." in response.content.decode()
    assert ContactEmail.objects.count() == 1


def test_edit_phone_inline(client_as, clerk, wanjiku):
    phone = contact_phone_create(customer=wanjiku, number="+254722000111")
    session = client_as(clerk)

    form = session.get(f"{base(wanjiku, 'phones')}/{phone.pk}/edit/", **HTMX).content.decode()
    assert 'value="+254722000111"' in form

    session.post(
        f"{base(wanjiku, 'phones')}/{phone.pk}/edit/",
        {"phones-number": "+254722000999", "phones-extension": "12"},
        **HTMX,
    )
    phone.refresh_from_db()
    assert (phone.number, phone.extension) == ("+254722000999", "12")


def test_manager_locks_and_unlocks_a_phone(client_as, manager, wanjiku):
    phone = contact_phone_create(customer=wanjiku, number="+254722000111")
    session = client_as(manager)

    locked = session.post(f"{base(wanjiku, 'phones')}/{phone.pk}/lock/", **HTMX).content.decode()
    phone.refresh_from_db()
    assert phone.is_locked
    assert "Locked" in locked and f"/phones/{phone.pk}/unlock/" in locked and f"/phones/{phone.pk}/edit/" not in locked

    session.post(f"{base(wanjiku, 'phones')}/{phone.pk}/unlock/", **HTMX)
    phone.refresh_from_db()
    assert not phone.is_locked


def test_locked_phone_cannot_be_edited_or_removed(client_as, clerk, wanjiku):
    phone = contact_phone_create(customer=wanjiku, number="+254722000111")
    contact_phone_set_locked(contact=phone, locked=True)
    session = client_as(clerk)

    edit = session.post(f"{base(wanjiku, 'phones')}/{phone.pk}/edit/", {"phones-number": "+254722000999"}, **HTMX)
    delete = session.post(f"{base(wanjiku, 'phones')}/{phone.pk}/delete/", **HTMX)

    phone.refresh_from_db()
    assert phone.number == "+254722000111"
    assert "locked" in edit.content.decode()
    assert "a manager must unlock it" in delete.content.decode()
    assert ContactPhone.objects.filter(pk=phone.pk).exists()


def test_clerk_removes_an_email(client_as, clerk, wanjiku):
    email = contact_email_create(customer=wanjiku, email="old@wanjiku.co.ke")

    client_as(clerk).post(f"{base(wanjiku, 'emails')}/{email.pk}/delete/", **HTMX)

    assert not ContactEmail.objects.filter(pk=email.pk).exists()


def test_roles_are_those_of_the_api(client_as, viewer, clerk, wanjiku):
    phone = contact_phone_create(customer=wanjiku, number="+254722000111")

    viewer_add = client_as(viewer).post(f"{base(wanjiku, 'phones')}/add/", {"phones-number": "+254733000111"})
    clerk_lock = client_as(clerk).post(f"{base(wanjiku, 'phones')}/{phone.pk}/lock/")

    assert viewer_add.status_code == 403 and clerk_lock.status_code == 403
    phone.refresh_from_db()
    assert not phone.is_locked and ContactPhone.objects.count() == 1


def test_contact_of_another_customer_is_a_404(client_as, manager, organization, wanjiku):
    from customers.services import customer_create

    other = customer_create(organization=organization, name="Kiprono Farm")
    phone = contact_phone_create(customer=other, number="+254722000111")

    response = client_as(manager).post(f"{base(wanjiku, 'phones')}/{phone.pk}/lock/")

    assert response.status_code == 404
    phone.refresh_from_db()
    assert not phone.is_locked


def test_unknown_contact_kind_is_a_404(client_as, clerk, wanjiku):
    assert client_as(clerk).get(f"{base(wanjiku, 'faxes')}/add/").status_code == 404


def test_cancel_shows_the_panel_without_the_form(client_as, viewer, wanjiku):
    html = client_as(viewer).get(f"{base(wanjiku, 'emails')}/", **HTMX).content.decode()

    assert html.startswith('<section class="card panel" id="emails"') and '<form class="inline-form"' not in html


def test_edit_of_a_stale_copy_is_refused(client_as, clerk, manager, wanjiku):
    from customers.services import contact_phone_update

    phone = contact_phone_create(customer=wanjiku, number="+254722000111")
    session = client_as(clerk)
    form = session.get(f"{base(wanjiku, 'phones')}/{phone.pk}/edit/", **HTMX).content.decode()
    opened_on = re.search(r'name="phones-updated_at" value="([^"]+)"', form).group(1)
    contact_phone_update(contact=phone, actor=manager, role="Owner")

    response = session.post(
        f"{base(wanjiku, 'phones')}/{phone.pk}/edit/",
        {"phones-number": "+254722000999", "phones-updated_at": opened_on},
        **HTMX,
    )

    phone.refresh_from_db()
    assert phone.number == "+254722000111" and phone.role == "Owner"
    assert "changed since you read it" in response.content.decode()
    assert 'value="+254722000999"' in response.content.decode()
