import pytest
from django.core.exceptions import ValidationError

from accounts.services import organization_create
from core.timezones import validate_timezone


@pytest.mark.parametrize("name", ["Africa/Nairobi", "America/Bogota", "Europe/Copenhagen", "Africa/Accra", "UTC"])
def test_iana_timezones_are_accepted(name):
    validate_timezone(name)


@pytest.mark.parametrize("name", ["Mars/Base", "Not/AZone", "", "../etc/passwd", "Nairobi"])
def test_other_names_are_refused(name):
    with pytest.raises(ValidationError):
        validate_timezone(name)


@pytest.mark.django_db
def test_an_organization_cannot_be_given_a_timezone_its_pages_could_not_use():
    with pytest.raises(ValidationError) as refused:
        organization_create(name="Mars Traders", slug="mars", timezone_name="Mars/Base")

    assert "timezone" in refused.value.message_dict
