import pytest
from django.test import Client

from core.api.access import SESSION_ORGANIZATION_KEY
from customers.services import customer_create
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_hats(organization, other_organization, clerk):
    """The clerk of ``organization`` is also a viewer of ``other_organization``."""
    MembershipFactory(user=clerk, organization=other_organization, role="viewer")
    customer_create(organization=organization, name="Nairobi Fresh Produce")
    customer_create(organization=other_organization, name="Other Traders Customer")
    return clerk


def test_switcher_lists_the_users_organizations(client_as, two_hats, organization, other_organization):
    html = client_as(two_hats).get("/").content.decode()

    assert 'action="/accounts/organization/"' in html
    assert f'<option value="{organization.pk}" selected>' in html
    assert f'<option value="{other_organization.pk}">' in html


def test_single_organization_shows_its_name_without_a_switcher(client_as, clerk, organization):
    html = client_as(clerk).get("/").content.decode()

    assert organization.name in html and 'action="/accounts/organization/"' not in html


def test_switching_changes_the_data_and_the_role(client_as, two_hats, other_organization):
    session = client_as(two_hats)

    response = session.post("/accounts/organization/", {"organization": other_organization.pk}, follow=True)

    assert response.redirect_chain[-1][0] == "/"
    assert session.session[SESSION_ORGANIZATION_KEY] == other_organization.pk
    assert "You are now working in Other Traders." in response.content.decode()
    listing = session.get("/customers/")
    assert [customer.name for customer in listing.context["page"].object_list] == ["Other Traders Customer"]
    # A viewer there: no create button, and creating is refused.
    assert b"New customer" not in listing.content
    assert session.get("/customers/new/").status_code == 403


def test_the_api_follows_the_same_choice(client_as, two_hats, other_organization):
    session = client_as(two_hats)
    session.post("/accounts/organization/", {"organization": other_organization.pk})

    response = session.get("/api/v1/customers")

    assert [item["name"] for item in response.json()["data"]] == ["Other Traders Customer"]


def test_cannot_switch_into_an_organization_one_is_not_a_member_of(client_as, clerk, other_organization):
    session = client_as(clerk)

    response = session.post("/accounts/organization/", {"organization": other_organization.pk}, follow=True)

    assert "You are not a member of that organization." in response.content.decode()
    assert SESSION_ORGANIZATION_KEY not in session.session
    assert b"Other Traders" not in session.get("/customers/").content


@pytest.mark.parametrize("value", ["", "abc", "99999999999999999999999"])
def test_nonsense_organization_ids_are_refused_politely(client_as, clerk, value):
    response = client_as(clerk).post("/accounts/organization/", {"organization": value})

    assert response.status_code == 302


def test_switch_needs_a_csrf_token(two_hats, other_organization):
    session = Client(enforce_csrf_checks=True)
    session.force_login(two_hats)

    response = session.post("/accounts/organization/", {"organization": other_organization.pk})

    assert response.status_code == 403
    assert SESSION_ORGANIZATION_KEY not in session.session
