from decimal import Decimal

import pytest
from django.urls import reverse

from customers.services import customer_create
from customers.tests.admin.browser import submit_form
from transactions.models import Transaction
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db

FORM = "transaction_form"
CHANGELIST = reverse("admin:transactions_transaction_changelist")
ADD = reverse("admin:transactions_transaction_add")


def change_url(entry: Transaction) -> str:
    return reverse("admin:transactions_transaction_change", args=[entry.pk])


def test_a_superuser_opens_the_ledger_and_an_entry(admin_client, sale):
    listing = admin_client.get(CHANGELIST)
    page = admin_client.get(change_url(sale))

    assert listing.status_code == 200
    assert [entry.reference for entry in listing.context["cl"].result_list] == ["INV-0001"]
    assert page.status_code == 200
    assert "INV-0001" in page.content.decode()


def test_recording_a_sale_in_admin_moves_the_balance(clerk_client, clerk, customer):
    response = submit_form(
        clerk_client,
        ADD,
        form_id=FORM,
        changes={
            "customer": str(customer.pk),
            "type": "sale",
            "total_amount": "580.00",
            "tax_amount": "80.00",
            "reference": "INV-0002",
        },
    )

    assert response.status_code == 302
    entry = Transaction.objects.get(reference="INV-0002")
    assert (entry.total_amount, entry.currency, entry.branch.code, entry.created_by) == (
        Decimal("580.00"),
        "KES",
        "00",
        clerk,
    )
    customer.refresh_from_db()
    assert (customer.balance, customer.total_transactions) == (Decimal("580.00"), 1)


def test_tax_above_the_total_is_refused_with_the_services_message(clerk_client, customer):
    response = submit_form(
        clerk_client,
        ADD,
        form_id=FORM,
        changes={"customer": str(customer.pk), "type": "sale", "total_amount": "100.00", "tax_amount": "150.00"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tax_amount"] == ["The tax amount cannot exceed the total amount."]
    assert not Transaction.objects.exists()


def test_a_recorded_entry_cannot_be_edited_or_deleted(clerk_client, admin_client, sale):
    page = admin_client.get(change_url(sale))

    assert 'name="_save"' not in page.content.decode()
    assert admin_client.post(change_url(sale), {"total_amount": "1.00"}).status_code == 403
    assert (
        admin_client.post(reverse("admin:transactions_transaction_delete", args=[sale.pk]), {"post": "yes"}).status_code
        == 403
    )
    sale.refresh_from_db()
    assert sale.total_amount == Decimal("1160.00")


def test_void_selected_voids_and_takes_the_entry_out_of_the_balance(clerk_client, clerk, customer, sale):
    response = clerk_client.post(CHANGELIST, {"action": "void_selected", "_selected_action": [sale.pk]})

    assert response.status_code == 302
    sale.refresh_from_db()
    assert (sale.status, sale.voided_by) == ("void", clerk)
    customer.refresh_from_db()
    assert (customer.balance, customer.total_transactions) == (Decimal("0.00"), 0)


def test_voiding_twice_says_it_is_already_void(clerk_client, sale):
    clerk_client.post(CHANGELIST, {"action": "void_selected", "_selected_action": [sale.pk]})

    response = clerk_client.post(CHANGELIST, {"action": "void_selected", "_selected_action": [sale.pk]}, follow=True)

    assert "This transaction is already void." in response.content.decode()


def test_a_viewer_cannot_record_or_void(viewer_client, customer, sale):
    assert viewer_client.get(ADD).status_code == 403
    viewer_client.post(CHANGELIST, {"action": "void_selected", "_selected_action": [sale.pk]})

    sale.refresh_from_db()
    assert sale.status == "success"


def test_a_member_sees_only_their_organizations_ledger(clerk_client, sale, other_organization):
    foreign_customer = customer_create(organization=other_organization, name="Kamau Hardware")
    foreign = transaction_record(
        organization=other_organization, customer=foreign_customer, type="sale", total_amount="50", reference="X-1"
    )

    listing = clerk_client.get(CHANGELIST)

    assert [entry.reference for entry in listing.context["cl"].result_list] == ["INV-0001"]
    assert clerk_client.get(change_url(foreign)).status_code == 302


def autocomplete(client, term: str) -> list[str]:
    response = client.get(
        reverse("admin:autocomplete"),
        {"app_label": "transactions", "model_name": "transaction", "field_name": "customer", "term": term},
    )
    assert response.status_code == 200
    return [result["text"] for result in response.json()["results"]]


def test_the_customer_picker_offers_live_customers_of_the_members_organizations(
    clerk_client, admin_client, organization, customer, other_organization
):
    from customers.services import customer_soft_delete

    customer_create(organization=other_organization, name="Jane Kamau")
    gone = customer_create(organization=organization, name="Jane Otieno")
    customer_soft_delete(customer=gone)

    assert autocomplete(clerk_client, "jane") == [str(customer)]
    assert sorted(autocomplete(admin_client, "jane")) == sorted([str(customer), "CUST000001 Jane Kamau"])


def test_every_ledger_page_opens_for_a_superuser(admin_client, sale):
    assert admin_client.get(ADD).status_code == 200
    assert admin_client.get(CHANGELIST, {"q": "INV-0001"}).status_code == 200
