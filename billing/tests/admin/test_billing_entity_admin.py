import pytest
from django.urls import reverse

from billing.models import BillingEntity
from customers.tests.admin.browser import submit_form

pytestmark = pytest.mark.django_db

FORM = "billingentity_form"
CHANGELIST = reverse("admin:billing_billingentity_changelist")
ADD = reverse("admin:billing_billingentity_add")


def change_url(entity: BillingEntity) -> str:
    return reverse("admin:billing_billingentity_change", args=[entity.pk])


def legal_names(response) -> list[str]:
    return [entity.legal_name for entity in response.context["cl"].result_list]


def test_a_superuser_opens_the_billing_entity_list_page_and_history(admin_client, head_office_entity):
    listing = admin_client.get(CHANGELIST)
    page = admin_client.get(change_url(head_office_entity))
    history = admin_client.get(reverse("admin:billing_billingentity_history", args=[head_office_entity.pk]))

    assert listing.status_code == 200
    assert legal_names(listing) == ["Wanjiku Traders Ltd"]
    assert page.status_code == 200
    assert "A012345678B" in page.content.decode()
    assert history.status_code == 200


def test_a_member_sees_only_their_organizations_billing_entities(clerk_client, head_office_entity, foreign_entity):
    listing = clerk_client.get(CHANGELIST)

    assert legal_names(listing) == ["Wanjiku Traders Ltd"]
    assert clerk_client.get(change_url(foreign_entity)).status_code == 302


def test_a_clerk_adds_a_billing_entity_with_a_normalized_tax_id(clerk_client, clerk, customer):
    response = submit_form(
        clerk_client,
        ADD,
        form_id=FORM,
        changes={"customer": str(customer.pk), "legal_name": "Wanjiku Holdings", "tax_id": "a 012345678 b"},
    )

    assert response.status_code == 302
    entity = BillingEntity.objects.get(legal_name="Wanjiku Holdings")
    # The first active entity becomes the customer's default.
    assert (entity.customer, entity.tax_id, entity.is_default) == (customer, "A012345678B", True)
    assert entity.history.first().history_user == clerk


def test_a_bad_tax_id_is_shown_on_the_field(clerk_client, customer):
    response = submit_form(
        clerk_client,
        ADD,
        form_id=FORM,
        changes={"customer": str(customer.pk), "legal_name": "Wanjiku Holdings", "tax_id": "12345"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["tax_id"] == ["The tin format is invalid."]
    assert not BillingEntity.objects.exists()


def test_a_customer_of_another_organization_cannot_be_chosen(clerk_client, foreign_entity):
    response = submit_form(
        clerk_client,
        ADD,
        form_id=FORM,
        changes={"customer": str(foreign_entity.customer_id), "legal_name": "Smuggled Ltd"},
    )

    assert response.status_code == 200
    assert "customer" in response.context["adminform"].form.errors
    assert not BillingEntity.objects.filter(legal_name="Smuggled Ltd").exists()


def test_make_default_moves_the_default_to_the_chosen_entity(clerk_client, head_office_entity, branch_entity):
    response = clerk_client.post(
        CHANGELIST, {"action": "make_default_selected", "_selected_action": [branch_entity.pk]}
    )

    assert response.status_code == 302
    head_office_entity.refresh_from_db()
    branch_entity.refresh_from_db()
    assert (head_office_entity.is_default, branch_entity.is_default) == (False, True)


def test_ticking_default_on_the_page_makes_it_the_only_default(clerk_client, head_office_entity, branch_entity):
    response = submit_form(clerk_client, change_url(branch_entity), form_id=FORM, changes={"is_default": "on"})

    assert response.status_code == 302
    assert list(BillingEntity.objects.filter(is_default=True)) == [branch_entity]


def test_an_inactive_entity_cannot_be_made_default(clerk_client, head_office_entity, branch_entity):
    submit_form(clerk_client, change_url(branch_entity), form_id=FORM, drop=["is_active"])

    response = clerk_client.post(
        CHANGELIST, {"action": "make_default_selected", "_selected_action": [branch_entity.pk]}, follow=True
    )

    assert "An inactive billing entity cannot be the default" in response.content.decode()
    head_office_entity.refresh_from_db()
    assert head_office_entity.is_default


def test_editing_changes_only_the_edited_fields(clerk_client, head_office_entity):
    response = submit_form(
        clerk_client,
        change_url(head_office_entity),
        form_id=FORM,
        changes={"billing_email": "Invoices@Wanjiku.co.ke"},
    )

    assert response.status_code == 302
    head_office_entity.refresh_from_db()
    assert (head_office_entity.billing_email, head_office_entity.is_default) == ("invoices@wanjiku.co.ke", True)


def test_a_clerk_cannot_delete_a_billing_entity(clerk_client, head_office_entity):
    response = clerk_client.post(
        reverse("admin:billing_billingentity_delete", args=[head_office_entity.pk]), {"post": "yes"}
    )

    assert response.status_code == 403
    assert BillingEntity.objects.filter(pk=head_office_entity.pk).exists()
