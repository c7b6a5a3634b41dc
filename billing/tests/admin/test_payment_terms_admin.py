import pytest
from django.urls import reverse

from billing.models import PaymentTerms
from customers.services import customer_update, lookup_create
from customers.tests.admin.browser import submit_form

pytestmark = pytest.mark.django_db


def test_a_superuser_opens_the_payment_terms_list_and_page(admin_client, organization, customer):
    net_30 = lookup_create(model=PaymentTerms, organization=organization, name="Net 30", days=30)
    customer_update(customer=customer, payment_terms=net_30)

    listing = admin_client.get(reverse("admin:billing_paymentterms_changelist"))
    page = admin_client.get(reverse("admin:billing_paymentterms_change", args=[net_30.pk]))

    assert listing.status_code == 200
    (row,) = listing.context["cl"].result_list
    assert (row.name, row.customer_count) == ("Net 30", 1)
    assert page.status_code == 200


def test_a_manager_adds_end_of_month_terms(manager_client, organization):
    response = submit_form(
        manager_client,
        reverse("admin:billing_paymentterms_add"),
        form_id="paymentterms_form",
        changes={"name": "EOM + 15", "days": "15", "type": "end_of_month"},
    )

    assert response.status_code == 302
    terms = PaymentTerms.objects.get(organization=organization)
    assert (terms.name, terms.days, terms.type) == ("EOM + 15", 15, "end_of_month")


def test_more_than_a_year_of_days_is_refused(manager_client, organization):
    response = submit_form(
        manager_client,
        reverse("admin:billing_paymentterms_add"),
        form_id="paymentterms_form",
        changes={"name": "Forever", "days": "400"},
    )

    assert response.status_code == 200
    assert "days" in response.context["adminform"].form.errors
    assert not PaymentTerms.objects.exists()
