"""The customer list offers the import wizard to those who may import, next to "New customer"."""

import lxml.html
import pytest

from config.urls import urlpatterns as project_urls

pytestmark = pytest.mark.django_db

URL = "/customers/"

# The project's routes without the import wizard, as a deployment without it would have them.
urlpatterns = [pattern for pattern in project_urls if str(pattern.pattern) != "import/"]


def actions(response) -> dict[str, str]:
    """The page header's action buttons: their text → their link."""
    document = lxml.html.fromstring(response.content.decode())
    return {
        " ".join(link.text_content().split()): link.get("href")
        for link in document.xpath('//*[contains(@class, "page-header__actions")]//a[contains(@class, "btn")]')
    }


def test_a_clerk_sees_import_beside_new_customer_and_it_opens_the_wizard(client_as, clerk):
    session = client_as(clerk)

    buttons = actions(session.get(URL))

    assert list(buttons)[-2:] == ["Import", "New customer"]
    wizard = session.get(buttons["Import"])
    assert wizard.status_code == 200
    assert "Import customers" in wizard.content.decode()


def test_a_viewer_sees_neither_import_nor_new_customer(client_as, viewer):
    buttons = actions(client_as(viewer).get(URL))

    assert "Import" not in buttons
    assert "New customer" not in buttons


def test_no_import_button_where_the_wizard_is_not_installed(client_as, clerk, settings):
    settings.ROOT_URLCONF = __name__

    response = client_as(clerk).get(URL)

    assert response.status_code == 200
    assert "Import" not in actions(response)
    assert "New customer" in actions(response)
