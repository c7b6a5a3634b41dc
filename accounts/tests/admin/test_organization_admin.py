import pytest
from django.urls import reverse

from accounts.models import Branch, Membership, Organization
from accounts.services import branch_create
from customers.tests.admin.browser import submit_form

pytestmark = pytest.mark.django_db


def names(response) -> list[str]:
    return [str(row) for row in response.context["cl"].result_list]


def test_a_superuser_opens_organizations_branches_and_memberships(admin_client, organization, manager):
    westlands = branch_create(organization=organization, code="01", name="Westlands")
    membership = Membership.objects.get(user=manager)

    pages = [
        reverse("admin:accounts_organization_changelist"),
        reverse("admin:accounts_organization_change", args=[organization.pk]),
        reverse("admin:accounts_branch_changelist"),
        reverse("admin:accounts_branch_change", args=[westlands.pk]),
        reverse("admin:accounts_membership_changelist"),
        reverse("admin:accounts_membership_change", args=[membership.pk]),
    ]

    assert [admin_client.get(url).status_code for url in pages] == [200] * len(pages)
    assert "Westlands" in admin_client.get(pages[2]).content.decode()


def test_adding_an_organization_opens_its_head_office(admin_client):
    response = submit_form(
        admin_client,
        reverse("admin:accounts_organization_add"),
        form_id="organization_form",
        changes={"name": "Accra Traders", "slug": "accra", "country": "GH", "base_currency": "GHS"},
    )

    assert response.status_code == 302
    accra = Organization.objects.get(slug="accra")
    assert (accra.country, accra.base_currency) == ("GH", "GHS")
    assert list(accra.branches.values_list("code", "name")) == [("00", "Head Office")]


def test_a_taken_slug_is_refused_on_the_slug(admin_client, organization):
    response = submit_form(
        admin_client,
        reverse("admin:accounts_organization_add"),
        form_id="organization_form",
        changes={"name": "Copy", "slug": organization.slug},
    )

    assert response.status_code == 200
    assert "slug" in response.context["adminform"].form.errors
    assert Organization.objects.count() == 1


def test_an_unknown_timezone_is_refused_beside_the_field_and_the_pages_keep_working(admin_client, organization):
    response = submit_form(
        admin_client,
        reverse("admin:accounts_organization_change", args=[organization.pk]),
        form_id="organization_form",
        changes={"timezone": "Mars/Base"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["timezone"] == [
        "Use a timezone of the IANA database, for example Africa/Nairobi."
    ]
    organization.refresh_from_db()
    assert organization.timezone == "Africa/Nairobi"


def test_a_member_sees_their_organization_but_cannot_change_it(manager_client, organization, other_organization):
    listing = manager_client.get(reverse("admin:accounts_organization_changelist"))
    change_url = reverse("admin:accounts_organization_change", args=[organization.pk])

    assert names(listing) == [organization.name]
    assert 'name="_save"' not in manager_client.get(change_url).content.decode()
    assert manager_client.post(change_url, {"name": "Renamed"}).status_code == 403
    assert manager_client.get(reverse("admin:accounts_organization_add")).status_code == 403
    assert (
        manager_client.get(reverse("admin:accounts_organization_change", args=[other_organization.pk])).status_code
        == 302
    )


def test_a_manager_opens_a_branch_through_the_service(manager_client, organization):
    response = submit_form(
        manager_client,
        reverse("admin:accounts_branch_add"),
        form_id="branch_form",
        changes={"code": "02", "name": "Mombasa Road"},
    )

    assert response.status_code == 302
    assert Branch.objects.get(organization=organization, code="02").name == "Mombasa Road"


def test_a_duplicate_branch_code_is_refused_on_the_code(manager_client, organization):
    response = submit_form(
        manager_client,
        reverse("admin:accounts_branch_add"),
        form_id="branch_form",
        changes={"code": "00", "name": "Second Head Office"},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["code"] == ["A branch with the code '00' already exists."]


def test_a_clerk_reads_branches_but_cannot_add_them(clerk_client):
    assert clerk_client.get(reverse("admin:accounts_branch_changelist")).status_code == 200
    assert clerk_client.get(reverse("admin:accounts_branch_add")).status_code == 403


def test_memberships_are_granted_by_superusers_only(manager_client, admin_client, organization, viewer):
    membership = Membership.objects.get(user=viewer)
    change_url = reverse("admin:accounts_membership_change", args=[membership.pk])

    assert manager_client.post(change_url, {"role": "manager"}).status_code == 403
    response = submit_form(admin_client, change_url, form_id="membership_form", changes={"role": "clerk"})

    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == "clerk"


def test_a_viewer_does_not_see_memberships(viewer_client):
    assert viewer_client.get(reverse("admin:accounts_membership_changelist")).status_code == 403
