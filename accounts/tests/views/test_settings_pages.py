"""Settings pages: branches (every member reads, managers change) and API keys (managers only)."""

import logging

import lxml.html
import pytest
from django.test import Client

from accounts.models import ApiKey, Branch
from accounts.services import api_key_create, api_key_revoke, branch_create
from customers.services import customer_create, customer_soft_delete

pytestmark = pytest.mark.django_db


def post_key_form(session, data: dict):
    """Send the key form as the page gives it: with the one-time token the page put in it."""
    token = session.get("/settings/api-keys/").context["form_token"]
    return session.post("/settings/api-keys/new/", {**data, "form_token": token})


BRANCHES = "/settings/branches/"
API_KEYS = "/settings/api-keys/"
HTMX = {"HTTP_HX_REQUEST": "true"}
SCRIPT = "<script>alert(1)</script>"


def page(response) -> lxml.html.HtmlElement:
    document = lxml.html.fromstring(response.content.decode())
    # Screen-reader-only words ("customers of …") are not what the eye reads in a cell.
    for hidden in document.xpath('//*[contains(concat(" ", @class, " "), " visually-hidden ")]'):
        hidden.drop_tree()
    return document


def table_rows(response, table_owner: str) -> list[list[str]]:
    """The text of each cell of each body row of the table inside the element with id ``table_owner``."""
    return [
        [" ".join(cell.text_content().split()) for cell in row.xpath("./th|./td")]
        for row in page(response).xpath(f'//*[@id="{table_owner}"]//tbody/tr')
    ]


def field_errors(response, field_id: str) -> list[str]:
    return [
        " ".join(error.text_content().split()) for error in page(response).xpath(f'//*[@id="{field_id}-feedback"]/p')
    ]


def messages_shown(response) -> str:
    return " ".join(page(response).xpath('string(//*[@id="messages"])').split())


@pytest.fixture
def westlands(organization, manager):
    """Branch 01 with two live customers and a deleted one; the head office has one."""
    branch = branch_create(organization=organization, code="01", name="Westlands")
    customer_create(organization=organization, name="Jane Wanjiku", branch=branch)
    customer_create(organization=organization, name="Akinyi Boutique", branch=branch)
    gone = customer_create(organization=organization, name="Closed Shop", branch=branch)
    customer_soft_delete(customer=gone, actor=manager)
    customer_create(organization=organization, name="Baraka Supermarket")
    return branch


# ---------- Branches ----------


@pytest.mark.parametrize("role", ["viewer", "clerk", "manager"])
def test_every_member_sees_the_branches_with_their_customer_counts(client_as, request, role, westlands):
    response = client_as(request.getfixturevalue(role)).get(BRANCHES)

    assert response.status_code == 200
    assert [cells[:4] for cells in table_rows(response, "branches")] == [
        ["00", "Head Office", "1", "Active"],
        ["01", "Westlands", "2", "Active"],
    ]
    html = response.content.decode()
    assert 'href="/customers/?branch_id=01"' in html
    manages = role == "manager"
    assert ("Add branch" in html) is manages
    assert (f"/settings/branches/{westlands.pk}/edit/" in html) is manages


def test_another_organizations_branches_are_not_shown(client_as, viewer, other_organization):
    branch_create(organization=other_organization, code="77", name="Foreign branch")

    response = client_as(viewer).get(BRANCHES)

    assert [cells[0] for cells in table_rows(response, "branches")] == ["00"]
    assert "Foreign branch" not in response.content.decode()


def test_manager_opens_a_branch_inline(client_as, manager, organization):
    response = client_as(manager).post(
        "/settings/branches/new/", {"branch-code": "02", "branch-name": "Mombasa Road"}, **HTMX
    )

    assert response.status_code == 200
    assert response.content.decode().startswith('<section class="card" id="branches"')
    branch = Branch.objects.get(organization=organization, code="02")
    assert (branch.name, branch.is_active) == ("Mombasa Road", True)
    assert ["02", "Mombasa Road", "0", "Active"] in [cells[:4] for cells in table_rows(response, "branches")]
    assert "Branch 02 Mombasa Road opened." in messages_shown(response)


def test_without_javascript_a_branch_is_added_on_its_own_page(client_as, manager, organization):
    session = client_as(manager)

    form_page = session.get("/settings/branches/new/")
    assert form_page.status_code == 200 and 'name="branch-code"' in form_page.content.decode()

    response = session.post("/settings/branches/new/", {"branch-code": "02", "branch-name": "Kisumu"}, follow=True)

    assert response.redirect_chain == [(BRANCHES, 302)]
    assert "Branch 02 Kisumu opened." in messages_shown(response)


def test_duplicate_code_is_shown_beside_the_code_and_input_is_kept(client_as, manager, westlands):
    response = client_as(manager).post(
        "/settings/branches/new/", {"branch-code": "01", "branch-name": "Second Westlands"}, **HTMX
    )

    assert field_errors(response, "id_branch-code") == ["A branch with the code '01' already exists."]
    document = page(response)
    assert document.get_element_by_id("id_branch-code").value == "01"
    assert document.get_element_by_id("id_branch-name").value == "Second Westlands"
    assert Branch.objects.filter(organization=westlands.organization).count() == 2


def test_bad_code_is_shown_beside_the_code(client_as, manager, organization):
    response = client_as(manager).post(
        "/settings/branches/new/", {"branch-code": "0 1", "branch-name": "Spaced"}, **HTMX
    )

    assert field_errors(response, "id_branch-code") == ["Use letters, digits, '-' or '_'."]
    assert not Branch.objects.filter(organization=organization, name="Spaced").exists()


def test_manager_renames_and_deactivates_a_branch(client_as, manager, westlands):
    session = client_as(manager)

    form = session.get(f"/settings/branches/{westlands.pk}/edit/", **HTMX)
    assert page(form).get_element_by_id("id_branch-name").value == "Westlands"

    response = session.post(f"/settings/branches/{westlands.pk}/edit/", {"branch-name": "Westlands Mall"}, **HTMX)

    westlands.refresh_from_db()
    assert (westlands.name, westlands.is_active) == ("Westlands Mall", False)
    assert ["01", "Westlands Mall", "2", "Inactive"] in [cells[:4] for cells in table_rows(response, "branches")]
    assert "Branch 01 Westlands Mall (inactive) saved." in messages_shown(response)

    session.post(
        f"/settings/branches/{westlands.pk}/edit/", {"branch-name": "Westlands Mall", "branch-is_active": "on"}
    )
    westlands.refresh_from_db()
    assert westlands.is_active


def test_head_office_cannot_be_deactivated(client_as, manager, organization):
    head_office = Branch.objects.get(organization=organization, code="00")

    response = client_as(manager).post(f"/settings/branches/{head_office.pk}/edit/", {"branch-name": "HQ"}, **HTMX)

    assert field_errors(response, "id_branch-is_active") == [
        "The head office branch (00) cannot be deactivated; customers without a branch are filed under it."
    ]
    assert page(response).get_element_by_id("id_branch-name").value == "HQ"
    head_office.refresh_from_db()
    assert (head_office.name, head_office.is_active) == ("Head Office", True)


@pytest.mark.parametrize("role", ["viewer", "clerk"])
def test_members_below_manager_cannot_change_branches(client_as, request, role, westlands):
    session = client_as(request.getfixturevalue(role))

    assert session.get("/settings/branches/new/").status_code == 403
    assert session.post("/settings/branches/new/", {"branch-code": "09", "branch-name": "Sneaky"}).status_code == 403
    assert session.post(f"/settings/branches/{westlands.pk}/edit/", {"branch-name": "Renamed"}).status_code == 403

    westlands.refresh_from_db()
    assert (westlands.name, westlands.is_active) == ("Westlands", True)
    assert not Branch.objects.filter(code="09").exists()


def test_another_organizations_branch_is_a_404(client_as, manager, other_organization):
    foreign = branch_create(organization=other_organization, code="05", name="Foreign")
    session = client_as(manager)

    assert session.get(f"/settings/branches/{foreign.pk}/edit/").status_code == 404
    assert session.post(f"/settings/branches/{foreign.pk}/edit/", {"branch-name": "Mine"}).status_code == 404
    foreign.refresh_from_db()
    assert (foreign.name, foreign.is_active) == ("Foreign", True)


def test_branch_names_are_escaped(client_as, viewer, organization):
    branch_create(organization=organization, code="13", name=SCRIPT)

    html = client_as(viewer).get(BRANCHES).content.decode()

    assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# ---------- API keys ----------


@pytest.mark.parametrize("role", ["viewer", "clerk"])
def test_api_keys_are_for_managers_only(client_as, request, role, organization):
    key = api_key_create(organization=organization, name="Shop", scope="write").api_key
    session = client_as(request.getfixturevalue(role))

    assert session.get(API_KEYS).status_code == 403
    assert (
        session.post("/settings/api-keys/new/", {"api_key-name": "Mine", "api_key-scope": "write"}).status_code == 403
    )
    assert session.get(f"/settings/api-keys/{key.pk}/revoke/").status_code == 403
    assert session.post(f"/settings/api-keys/{key.pk}/revoke/").status_code == 403

    assert list(ApiKey.objects.all()) == [key]
    key.refresh_from_db()
    assert key.is_active


def test_managers_see_the_keys_of_their_organization(client_as, manager, organization, other_organization):
    manager.first_name, manager.last_name = "Amina", "Odhiambo"
    manager.save(update_fields=["first_name", "last_name"])
    shop = api_key_create(organization=organization, name="Online shop", scope="write", created_by=manager).api_key
    old = api_key_create(organization=organization, name="Old export", scope="read").api_key
    api_key_revoke(api_key=old)
    api_key_create(organization=other_organization, name="Foreign key")

    response = client_as(manager).get(API_KEYS)

    assert response.status_code == 200
    listed = table_rows(response, "keys")
    assert [cells[:3] for cells in listed] == [
        ["Old export", f"chk_{old.prefix}_…", "Read"],
        ["Online shop", f"chk_{shop.prefix}_…", "Read and write"],
    ]
    assert listed[1][3].endswith("by Amina Odhiambo") and listed[1][4] == "Never" and listed[1][5] == "Active"
    assert listed[0][5].startswith("Revoked") and listed[0][6] == ""
    assert listed[1][6] == "Revoke"
    assert "Foreign key" not in response.content.decode()


def test_created_key_is_shown_once_and_works_until_revoked(client_as, client, caplog, manager, organization):
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="customerhub.request")
    customer_create(organization=organization, name="Jane Wanjiku")
    session = client_as(manager)

    response = post_key_form(session, {"api_key-name": "Online shop", "api_key-scope": "read"})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret = page(response).get_element_by_id("api-key-secret")
    assert secret.get("readonly") is not None
    key = ApiKey.objects.get(organization=organization)
    assert (key.name, key.scope, key.created_by) == ("Online shop", "read", manager)
    assert secret.value.startswith(f"chk_{key.prefix}_") and len(secret.value) > 40
    assert secret.value not in key.secret_hash and secret.value not in str(dict(session.session))

    used = client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {secret.value}")
    assert used.status_code == 200
    assert [item["name"] for item in used.json()["data"]] == ["Jane Wanjiku"]

    listing = session.get(API_KEYS)
    assert secret.value not in listing.content.decode()
    assert f"chk_{key.prefix}_…" in listing.content.decode()

    confirm = session.get(f"/settings/api-keys/{key.pk}/revoke/")
    assert confirm.status_code == 200 and "Revoke key" in confirm.content.decode()
    key.refresh_from_db()
    assert key.is_active

    revoked = session.post(f"/settings/api-keys/{key.pk}/revoke/", follow=True)
    assert revoked.redirect_chain == [(API_KEYS, 302)]
    assert f"API key Online shop ({key.prefix}) revoked; it no longer works." in messages_shown(revoked)
    assert secret.value not in revoked.content.decode()
    key.refresh_from_db()
    assert not key.is_active

    assert client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {secret.value}").status_code == 401
    assert "POST /settings/api-keys/new/ 200" in caplog.text and secret.value not in caplog.text


def test_sending_the_key_form_again_issues_no_second_key(client_as, manager, organization):
    session = client_as(manager)
    token = session.get("/settings/api-keys/").context["form_token"]
    form = {"api_key-name": "Online shop", "api_key-scope": "read", "form_token": token}

    first = session.post("/settings/api-keys/new/", form)
    again = session.post("/settings/api-keys/new/", form)  # the browser's reload of the secret's page

    assert first.status_code == 200 and "api-key-secret" in first.content.decode()
    assert again.status_code == 302 and again["Location"] == "/settings/api-keys/"
    assert ApiKey.objects.filter(organization=organization).count() == 1
    listing = session.get("/settings/api-keys/").content.decode()
    assert "That form was already sent" in listing


def test_a_write_key_created_here_can_write(client_as, client, manager, organization):
    response = post_key_form(client_as(manager), {"api_key-name": "Integration", "api_key-scope": "write"})
    secret = page(response).get_element_by_id("api-key-secret").value

    created = client.post(
        "/api/v1/customers",
        data={"name": "Created by the integration"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {secret}",
    )

    assert created.status_code == 201


def test_key_form_errors_are_shown_beside_the_fields(client_as, manager, organization):
    response = post_key_form(client_as(manager), {"api_key-name": "  ", "api_key-scope": "admin"})

    assert response.status_code == 200
    assert field_errors(response, "id_api_key-name") == ["This field is required."]
    assert field_errors(response, "id_api_key-scope") == [
        "Select a valid choice. admin is not one of the available choices."
    ]
    assert page(response).xpath('//*[@id="api-key-secret"]') == []
    assert not ApiKey.objects.exists()


def test_revoking_twice_says_it_was_already_revoked(client_as, manager, organization):
    key = api_key_create(organization=organization, name="Shop").api_key
    api_key_revoke(api_key=key)
    revoked_at = ApiKey.objects.get(pk=key.pk).revoked_at

    response = client_as(manager).post(f"/settings/api-keys/{key.pk}/revoke/", follow=True)

    assert "API key Shop" in messages_shown(response) and "was already revoked" in messages_shown(response)
    assert ApiKey.objects.get(pk=key.pk).revoked_at == revoked_at


def test_another_organizations_key_is_a_404(client_as, manager, other_organization):
    foreign = api_key_create(organization=other_organization, name="Foreign").api_key
    session = client_as(manager)

    assert session.get(f"/settings/api-keys/{foreign.pk}/revoke/").status_code == 404
    assert session.post(f"/settings/api-keys/{foreign.pk}/revoke/").status_code == 404
    assert session.post("/settings/api-keys/99999999999999999999/revoke/").status_code == 404
    foreign.refresh_from_db()
    assert foreign.is_active


def test_creating_a_key_needs_a_post_with_the_csrf_token(manager, organization):
    session = Client(enforce_csrf_checks=True)
    session.force_login(manager)

    assert session.get("/settings/api-keys/new/").status_code == 405
    assert session.post("/settings/api-keys/new/", {"api_key-name": "Shop", "api_key-scope": "read"}).status_code == 403
    assert not ApiKey.objects.exists()


def test_key_names_are_escaped(client_as, manager, organization):
    session = client_as(manager)

    created = post_key_form(session, {"api_key-name": SCRIPT, "api_key-scope": "read"})
    listing = session.get(API_KEYS)

    for response in (created, listing):
        html = response.content.decode()
        assert SCRIPT not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html


@pytest.mark.parametrize("path", [BRANCHES, API_KEYS])
def test_settings_pages_cost_the_same_queries_however_many_rows(client_as, manager, organization, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session = client_as(manager)
    session.get(path)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert session.get(path).status_code == 200
        return len(captured)

    few = queries()
    for number in range(6):
        branch = branch_create(organization=organization, code=f"B{number}", name=f"Branch {number}")
        customer_create(organization=organization, name=f"Customer {number}", branch=branch)
        api_key_create(organization=organization, name=f"Key {number}", created_by=manager)
    assert queries() == few
