import pytest
from django.urls import reverse

from customers.models import Category, ContactOrigin, CustomerGroup, FinanceCode
from customers.services import lookup_create
from customers.tests.admin.browser import submit_form

pytestmark = pytest.mark.django_db

LOOKUPS = [Category, CustomerGroup, FinanceCode, ContactOrigin]


def url(model, action: str, *args) -> str:
    return reverse(f"admin:customers_{model._meta.model_name}_{action}", args=args)


@pytest.mark.parametrize("model", LOOKUPS, ids=lambda model: model.__name__)
def test_a_superuser_opens_each_lookup_list_and_page(admin_client, organization, customer, model):
    item = lookup_create(model=model, organization=organization, name="Walk-in", description="Came in off the street")

    listing = admin_client.get(url(model, "changelist"))
    page = admin_client.get(url(model, "change", item.pk))

    assert listing.status_code == 200
    assert "Walk-in" in [row.name for row in listing.context["cl"].result_list]
    assert page.status_code == 200
    assert "Came in off the street" in page.content.decode()


def test_the_category_list_counts_live_customers(manager_client, customer, wholesale):
    listing = manager_client.get(url(Category, "changelist"))

    (row,) = listing.context["cl"].result_list
    assert (row.name, row.customer_count) == ("Wholesale", 1)


def test_a_manager_adds_a_category_through_the_service(manager_client, organization):
    response = submit_form(
        manager_client,
        url(Category, "add"),
        form_id="category_form",
        changes={"name": "  Retail  "},
    )

    assert response.status_code == 302
    assert Category.objects.get(organization=organization).name == "Retail"


def test_a_category_name_taken_in_another_case_is_refused_on_the_name(manager_client, organization, wholesale):
    response = submit_form(
        manager_client,
        url(Category, "add"),
        form_id="category_form",
        changes={"organization": str(organization.pk), "name": "WHOLESALE"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["name"] == ["A category named 'WHOLESALE' already exists."]
    assert Category.objects.filter(organization=organization).count() == 1


def test_renaming_a_lookup_goes_through_the_service(manager_client, wholesale):
    response = submit_form(
        manager_client, url(Category, "change", wholesale.pk), form_id="category_form", changes={"name": "Trade"}
    )

    assert response.status_code == 302
    wholesale.refresh_from_db()
    assert wholesale.name == "Trade"


def test_a_clerk_reads_lookups_but_cannot_add_them(clerk_client, wholesale):
    assert clerk_client.get(url(Category, "changelist")).status_code == 200
    assert clerk_client.get(url(Category, "add")).status_code == 403


def test_the_archive_action_archives_lookups(manager_client, wholesale):
    manager_client.post(url(Category, "changelist"), {"action": "archive_selected", "_selected_action": [wholesale.pk]})

    wholesale.refresh_from_db()
    assert wholesale.is_archived


def test_a_member_sees_only_their_organizations_lookups(manager_client, wholesale, other_organization):
    foreign = lookup_create(model=Category, organization=other_organization, name="Foreign")

    listing = manager_client.get(url(Category, "changelist"))

    assert [row.name for row in listing.context["cl"].result_list] == ["Wholesale"]
    assert manager_client.get(url(Category, "change", foreign.pk)).status_code == 302
