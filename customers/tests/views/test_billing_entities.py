import pytest

from billing.models import BillingEntity
from billing.services import billing_entity_create

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def base(customer) -> str:
    return f"/customers/{customer.pk}/billing-entities"


def test_add_billing_entity_inline_first_one_becomes_default(client_as, clerk, wanjiku):
    response = client_as(clerk).post(
        f"{base(wanjiku)}/add/",
        {"billing-legal_name": "Wanjiku Holdings Ltd", "billing-tax_id": "a000111222c", "billing-billing_email": ""},
        **HTMX,
    )

    html = response.content.decode()
    assert html.startswith('<section class="card panel" id="billing"')
    entity = BillingEntity.objects.get(customer=wanjiku)
    assert entity.tax_id == "A000111222C" and entity.is_default
    assert "Wanjiku Holdings Ltd" in html and "Default" in html


def test_bad_tax_id_is_shown_beside_the_field(client_as, clerk, wanjiku):
    response = client_as(clerk).post(
        f"{base(wanjiku)}/add/", {"billing-legal_name": "Wanjiku Holdings", "billing-tax_id": "X1"}, **HTMX
    )

    html = response.content.decode()
    assert "The tin format is invalid." in html and 'value="X1"' in html
    assert not BillingEntity.objects.exists()


def test_make_default_moves_the_default(client_as, clerk, wanjiku):
    first = billing_entity_create(customer=wanjiku, legal_name="Alpha Ltd")
    second = billing_entity_create(customer=wanjiku, legal_name="Beta Ltd")

    client_as(clerk).post(f"{base(wanjiku)}/{second.pk}/make-default/", **HTMX)

    first.refresh_from_db()
    second.refresh_from_db()
    assert second.is_default and not first.is_default


def test_deactivate_and_reactivate(client_as, clerk, wanjiku):
    entity = billing_entity_create(customer=wanjiku, legal_name="Alpha Ltd")
    session = client_as(clerk)

    html = session.post(f"{base(wanjiku)}/{entity.pk}/deactivate/", **HTMX).content.decode()
    entity.refresh_from_db()
    assert not entity.is_active and not entity.is_default
    assert "Inactive" in html and "Reactivate" in html

    session.post(f"{base(wanjiku)}/{entity.pk}/activate/", **HTMX)
    entity.refresh_from_db()
    assert entity.is_active


def test_inactive_entity_cannot_become_default(client_as, clerk, wanjiku):
    entity = billing_entity_create(customer=wanjiku, legal_name="Alpha Ltd")
    session = client_as(clerk)
    session.post(f"{base(wanjiku)}/{entity.pk}/deactivate/", **HTMX)

    response = session.post(f"{base(wanjiku)}/{entity.pk}/make-default/", **HTMX)

    entity.refresh_from_db()
    assert not entity.is_default
    assert "An inactive billing entity cannot be the default" in response.content.decode()


def test_without_javascript_actions_redirect_to_the_customer(client_as, clerk, wanjiku):
    entity = billing_entity_create(customer=wanjiku, legal_name="Alpha Ltd")

    response = client_as(clerk).post(f"{base(wanjiku)}/{entity.pk}/deactivate/")

    assert response.status_code == 302 and response["Location"] == f"/customers/{wanjiku.pk}/#billing"


def test_viewer_is_refused(client_as, viewer, wanjiku):
    entity = billing_entity_create(customer=wanjiku, legal_name="Alpha Ltd")
    session = client_as(viewer)

    assert session.post(f"{base(wanjiku)}/add/", {"billing-legal_name": "X Ltd"}).status_code == 403
    assert session.post(f"{base(wanjiku)}/{entity.pk}/deactivate/").status_code == 403
    entity.refresh_from_db()
    assert entity.is_active and BillingEntity.objects.count() == 1


def test_entity_of_another_organization_is_a_404(client_as, clerk, wanjiku, foreign_customer):
    foreign = billing_entity_create(customer=foreign_customer, legal_name="Ajena SAS")

    assert client_as(clerk).post(f"{base(wanjiku)}/{foreign.pk}/deactivate/").status_code == 404
    assert client_as(clerk).post(f"{base(foreign_customer)}/{foreign.pk}/deactivate/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active
