import pytest
from django.core.exceptions import ValidationError

from accounts.models import Branch, Organization
from accounts.selectors import head_office, organization_get_by_slug
from accounts.services import organization_create
from core.exceptions import Conflict, NotFound


@pytest.mark.django_db
def test_creates_the_organization_with_its_head_office():
    organization = organization_create(name="Mama Mboga Traders", slug="mama-mboga")

    assert organization_get_by_slug(slug="mama-mboga") == organization
    assert (organization.country, organization.base_currency, organization.timezone) == (
        "KE",
        "KES",
        "Africa/Nairobi",
    )
    branches = list(Branch.objects.filter(organization=organization).values_list("code", "name", "is_active"))
    assert branches == [("00", "Head Office", True)]
    assert head_office(organization=organization).name == "Head Office"


@pytest.mark.django_db
def test_country_and_currency_are_stored_upper_case():
    organization = organization_create(
        name="Andes Comercial SAS", slug="andes", country="co", base_currency="cop", timezone_name="America/Bogota"
    )

    organization.refresh_from_db()
    assert (organization.country, organization.base_currency, organization.timezone) == ("CO", "COP", "America/Bogota")


@pytest.mark.django_db
def test_duplicate_slug_is_a_conflict_and_creates_nothing():
    first = organization_create(name="Acme Kenya", slug="acme")

    with pytest.raises(Conflict) as excinfo:
        organization_create(name="Acme Copy", slug="acme")

    assert excinfo.value.status_code == 409
    assert excinfo.value.errors == {"slug": ["An organization with the slug 'acme' already exists."]}
    assert list(Organization.objects.values_list("name", flat=True)) == ["Acme Kenya"]
    assert Branch.objects.filter(organization=first).count() == 1


@pytest.mark.django_db
def test_invalid_country_creates_neither_organization_nor_branch():
    with pytest.raises(ValidationError) as excinfo:
        organization_create(name="Nowhere Ltd", slug="nowhere", country="Kenya")

    assert "country" in excinfo.value.message_dict
    assert not Organization.objects.filter(slug="nowhere").exists()
    assert not Branch.objects.exists()


@pytest.mark.django_db
def test_unknown_slug_is_not_found():
    with pytest.raises(NotFound):
        organization_get_by_slug(slug="does-not-exist")
