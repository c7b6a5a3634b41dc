import pytest

pytestmark = pytest.mark.django_db

URL = "/customers/validate/"


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"field": "tax_id", "tax_id": "P12345", "country": "KE"}, "The tin format is invalid."),
        ({"field": "tax_id", "tax_id": "900168600-5", "country": "CO"}, "The tin format is invalid."),
        ({"field": "tax_id", "tax_id": "12345678", "country": "DK"}, "The tin format is invalid."),
        ({"field": "phone", "phone": "0712", "country": "KE"}, "Enter a valid phone number"),
        ({"field": "number", "phones-number": "abc", "country": "KE"}, "Enter a valid phone number"),
    ],
)
def test_wrong_values_answer_the_services_message(client_as, clerk, params, error):
    response = client_as(clerk).get(URL, params, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert '<p class="field-error">' in response.content.decode()
    assert error in response.content.decode()


@pytest.mark.parametrize(
    ("params", "stored"),
    [
        ({"field": "tax_id", "tax_id": "p051234567x", "country": "KE"}, "P051234567X"),
        ({"field": "tax_id", "tax_id": "900168600-6", "country": "CO"}, ""),
        ({"field": "tax_id", "tax_id": "DK 29403473", "country": "DK"}, "29403473"),
        ({"field": "tax_id", "tax_id": "P0012345678", "country": "GH"}, ""),
        ({"field": "contact_phone", "contact_phone": "0712 345 678", "country": "KE"}, "+254712345678"),
    ],
)
def test_valid_values_show_how_they_will_be_stored(client_as, clerk, params, stored):
    html = client_as(clerk).get(URL, params).content.decode()

    assert "field-error" not in html
    if stored:
        assert f'Will be saved as <span class="mono">{stored}</span>' in html


def test_country_defaults_to_the_organizations(client_as, clerk):
    html = client_as(clerk).get(URL, {"field": "phone", "phone": "0712345678"}).content.decode()

    assert "+254712345678" in html


def test_empty_value_clears_the_message(client_as, clerk):
    assert client_as(clerk).get(URL, {"field": "tax_id", "tax_id": ""}).content.decode().strip() == ""


def test_unknown_field_is_a_400(client_as, clerk):
    assert client_as(clerk).get(URL, {"field": "password", "password": "x"}).status_code == 400


def test_needs_a_signed_in_member(client):
    response = client.get(URL, {"field": "tax_id", "tax_id": "P12345"})

    assert response.status_code == 302
