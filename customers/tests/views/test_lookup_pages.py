"""The lookup lists page: every member reads the lists and their customer counts; managers change them."""

import lxml.html
import pytest
from django.test import Client

from billing.models import PaymentTerms
from customers.models import Category, ContactOrigin, Customer, CustomerGroup, FinanceCode
from customers.services import customer_create, customer_soft_delete, lookup_archive, lookup_create
from tests.factories import CategoryFactory, ContactOriginFactory, CustomerGroupFactory, PaymentTermsFactory

pytestmark = pytest.mark.django_db

URL = "/lookups/"
HTMX = {"HTTP_HX_REQUEST": "true"}
SCRIPT = "<script>alert(1)</script>"


def page(response) -> lxml.html.HtmlElement:
    document = lxml.html.fromstring(response.content.decode())
    # Screen-reader-only words ("customers filed under …") are not what the eye reads in a cell.
    for hidden in document.xpath('//*[contains(concat(" ", @class, " "), " visually-hidden ")]'):
        hidden.drop_tree()
    return document


def rows(response, section: str) -> dict[str, list[str]]:
    """The table of one section: each row's name → the text of its other cells."""
    found = {}
    for row in page(response).xpath(f'//section[@id="{section}"]//tbody/tr'):
        name_cell = row.xpath("./th")[0]
        name = (name_cell.text or "").strip()
        found[name] = [" ".join(cell.text_content().split()) for cell in row.xpath("./td")]
    return found


def field_errors(response, field_id: str) -> list[str]:
    document = page(response)
    return [" ".join(error.text_content().split()) for error in document.xpath(f'//*[@id="{field_id}-feedback"]/p')]


def messages_shown(response) -> str:
    return " ".join(page(response).xpath('string(//*[@id="messages"])').split())


@pytest.fixture
def filed(organization, manager, retail):
    """Retail holds two live customers and one deleted; Wholesale none; a group, an origin and terms one each."""
    wholesale = CategoryFactory(organization=organization, name="Wholesale")
    key_accounts = CustomerGroupFactory(organization=organization, name="Key accounts")
    referral = ContactOriginFactory(organization=organization, name="Referral")
    net_30 = PaymentTermsFactory(organization=organization, name="Net 30", days=30)
    customer_create(organization=organization, name="Jane Wanjiku", category=retail, group=key_accounts)
    customer_create(organization=organization, name="Akinyi Boutique", category=retail, origin=referral)
    gone = customer_create(organization=organization, name="Closed Shop", category=retail, payment_terms=net_30)
    customer_soft_delete(customer=gone, actor=manager)
    customer_create(organization=organization, name="Baraka Supermarket", payment_terms=net_30)
    return {"wholesale": wholesale, "key_accounts": key_accounts, "referral": referral, "net_30": net_30}


@pytest.mark.parametrize("role", ["viewer", "clerk", "manager"])
def test_every_member_sees_every_list_with_its_customer_counts(client_as, request, role, retail, filed):
    response = client_as(request.getfixturevalue(role)).get(URL)

    assert response.status_code == 200
    categories = rows(response, "categories")
    assert {name: cells[:2] for name, cells in categories.items()} == {
        "Retail": ["2", "Active"],
        "Wholesale": ["0", "Active"],
    }
    html = response.content.decode()
    assert ("Edit Retail" in html and "Archive Retail" in html and "Delete Retail" in html) is (role == "manager")
    assert [cells[0] for cells in rows(response, "groups").values()] == ["1"]
    assert [cells[0] for cells in rows(response, "origins").values()] == ["1"]
    assert rows(response, "payment-terms")["Net 30"][:3] == ["30", "Net (days after invoice date)", "1"]
    assert "No finance codes yet." in page(response).xpath('string(//section[@id="finance-codes"])')


@pytest.mark.parametrize("role", ["viewer", "clerk"])
def test_only_managers_are_offered_changes(client_as, request, role, retail):
    html = client_as(request.getfixturevalue(role)).get(URL).content.decode()

    assert "Retail" in html
    assert "Add category" not in html and "/lookups/categories/new/" not in html
    assert f"/lookups/categories/{retail.pk}/edit/" not in html and '<form method="post" action="/lookups' not in html


def test_counts_link_to_the_filtered_customer_list(client_as, viewer, retail, filed):
    html = client_as(viewer).get(URL).content.decode()

    assert f'href="/customers/?category_id={retail.pk}"' in html
    assert f'href="/customers/?group_id={filed["key_accounts"].pk}"' in html


def test_another_organizations_lists_are_not_shown(client_as, viewer, organization, other_organization):
    CategoryFactory(organization=other_organization, name="Foreign category")

    html = client_as(viewer).get(URL).content.decode()

    assert "Foreign category" not in html


def test_manager_adds_a_category_inline(client_as, manager, organization):
    response = client_as(manager).post(
        "/lookups/categories/new/", {"categories-name": "  Hospitality ", "categories-description": "Hotels"}, **HTMX
    )

    assert response.status_code == 200
    assert response.content.decode().startswith('<section class="card" id="categories"')
    item = Category.objects.get(organization=organization)
    assert (item.name, item.description) == ("Hospitality", "Hotels")
    assert rows(response, "categories")["Hospitality"][:2] == ["0", "Active"]
    assert "Category Hospitality added." in messages_shown(response)


def test_without_javascript_adding_returns_to_the_list_with_a_message(client_as, manager, organization):
    session = client_as(manager)

    form_page = session.get("/lookups/origins/new/")
    assert form_page.status_code == 200
    assert 'name="origins-name"' in form_page.content.decode()

    response = session.post("/lookups/origins/new/", {"origins-name": "Walk-in"})
    assert response.status_code == 302 and response["Location"] == "/lookups/#origins"

    listing = session.get(response["Location"])
    assert "Contact origin Walk-in added." in messages_shown(listing)
    assert "Walk-in" in rows(listing, "origins")


def test_duplicate_name_is_shown_beside_the_name_and_input_is_kept(client_as, manager, retail):
    response = client_as(manager).post(
        "/lookups/categories/new/", {"categories-name": "retail", "categories-description": "Again"}, **HTMX
    )

    assert field_errors(response, "id_categories-name") == ["A category named 'retail' already exists."]
    document = page(response)
    assert document.get_element_by_id("id_categories-name").value == "retail"
    assert document.get_element_by_id("id_categories-description").text.strip() == "Again"
    assert Category.objects.filter(organization=retail.organization).count() == 1


def test_blank_name_is_required(client_as, manager, organization):
    response = client_as(manager).post("/lookups/groups/new/", {"groups-name": "   "}, **HTMX)

    assert field_errors(response, "id_groups-name") == ["This field is required."]
    assert not CustomerGroup.objects.exists()


def test_payment_terms_take_days_and_how_they_are_counted(client_as, manager, organization):
    session = client_as(manager)
    data = {"payment-terms-name": "EOM 15", "payment-terms-days": "400", "payment-terms-type": "end_of_month"}

    refused = session.post("/lookups/payment-terms/new/", data, **HTMX)
    assert field_errors(refused, "id_payment-terms-days") == ["Ensure this value is less than or equal to 365."]
    assert not PaymentTerms.objects.exists()

    session.post("/lookups/payment-terms/new/", {**data, "payment-terms-days": "15"}, **HTMX)
    terms = PaymentTerms.objects.get(organization=organization)
    assert (terms.name, terms.days, terms.type) == ("EOM 15", 15, "end_of_month")


def test_manager_renames_a_lookup(client_as, manager, retail, filed):
    session = client_as(manager)

    form = session.get(f"/lookups/categories/{retail.pk}/edit/", **HTMX)
    assert page(form).get_element_by_id("id_categories-name").value == "Retail"

    response = session.post(
        f"/lookups/categories/{retail.pk}/edit/",
        {"categories-name": "Retail shops", "categories-description": ""},
        **HTMX,
    )

    retail.refresh_from_db()
    assert retail.name == "Retail shops"
    assert rows(response, "categories")["Retail shops"][:2] == ["2", "Active"]
    assert "Category Retail shops saved." in messages_shown(response)


def test_renaming_onto_another_name_is_refused_beside_the_field(client_as, manager, retail, filed):
    response = client_as(manager).post(
        f"/lookups/categories/{retail.pk}/edit/", {"categories-name": "WHOLESALE", "categories-description": ""}, **HTMX
    )

    assert field_errors(response, "id_categories-name") == ["A category named 'WHOLESALE' already exists."]
    assert page(response).get_element_by_id("id_categories-name").value == "WHOLESALE"
    retail.refresh_from_db()
    assert retail.name == "Retail"


def test_archive_and_unarchive(client_as, manager, retail):
    session = client_as(manager)

    archived = session.post(f"/lookups/categories/{retail.pk}/archive/", **HTMX)
    retail.refresh_from_db()
    assert retail.is_archived
    assert rows(archived, "categories")["Retail"][1] == "Archived"
    assert "Retail archived" in messages_shown(archived)

    restored = session.post(f"/lookups/categories/{retail.pk}/unarchive/")
    retail.refresh_from_db()
    assert not retail.is_archived
    assert restored.status_code == 302 and restored["Location"] == "/lookups/#categories"


def test_delete_asks_first_and_says_how_many_customers_use_it(client_as, manager, organization, retail, filed):
    session = client_as(manager)

    confirm = session.get(f"/lookups/categories/{retail.pk}/delete/")
    assert confirm.status_code == 200
    assert "2 customers are filed under Retail." in " ".join(page(confirm).text_content().split())
    assert Category.objects.filter(pk=retail.pk).exists()

    response = session.post(f"/lookups/categories/{retail.pk}/delete/", follow=True)

    assert not Category.objects.filter(pk=retail.pk).exists()
    assert "Category Retail deleted." in messages_shown(response)
    assert "Retail" not in rows(response, "categories")
    # Its customers stay, without the category.
    assert Customer.objects.filter(organization=organization, name="Jane Wanjiku", category=None).exists()


def test_deleting_an_unused_value(client_as, manager, organization):
    code = lookup_create(model=FinanceCode, organization=organization, name="4000 Sales")

    response = client_as(manager).post(f"/lookups/finance-codes/{code.pk}/delete/", follow=True)

    assert not FinanceCode.objects.exists()
    assert "Finance code 4000 Sales deleted." in messages_shown(response)


@pytest.mark.parametrize("role", ["viewer", "clerk"])
def test_members_below_manager_cannot_change_lookups(client_as, request, role, organization, retail):
    session = client_as(request.getfixturevalue(role))
    base = f"/lookups/categories/{retail.pk}"

    assert session.get("/lookups/categories/new/").status_code == 403
    assert session.post("/lookups/categories/new/", {"categories-name": "Hospitality"}).status_code == 403
    assert session.post(f"{base}/edit/", {"categories-name": "Renamed"}).status_code == 403
    assert session.post(f"{base}/archive/").status_code == 403
    assert session.get(f"{base}/delete/").status_code == 403
    assert session.post(f"{base}/delete/").status_code == 403

    retail.refresh_from_db()
    assert (retail.name, retail.is_archived) == ("Retail", False)
    assert list(Category.objects.filter(organization=organization)) == [retail]


def test_another_organizations_item_is_a_404(client_as, manager, other_organization):
    foreign = CategoryFactory(organization=other_organization, name="Foreign")
    session = client_as(manager)
    base = f"/lookups/categories/{foreign.pk}"

    assert session.get(f"{base}/edit/").status_code == 404
    assert session.post(f"{base}/edit/", {"categories-name": "Mine now"}).status_code == 404
    assert session.post(f"{base}/archive/").status_code == 404
    assert session.get(f"{base}/delete/").status_code == 404
    assert session.post(f"{base}/delete/").status_code == 404

    foreign.refresh_from_db()
    assert (foreign.name, foreign.is_archived) == ("Foreign", False)


def test_unknown_lists_and_ids_are_404s(client_as, manager, organization):
    origin = ContactOriginFactory(organization=organization, name="Referral")
    session = client_as(manager)

    assert session.get(f"/lookups/origins/{origin.pk + 1}/edit/").status_code == 404
    assert session.get("/lookups/colours/new/").status_code == 404
    assert session.get("/lookups/colours/").status_code == 404
    assert session.get("/lookups/origins/99999999999999999999/edit/").status_code == 404


def test_posts_need_the_csrf_token(manager, organization):
    session = Client(enforce_csrf_checks=True)
    session.force_login(manager)

    response = session.post("/lookups/categories/new/", {"categories-name": "Hospitality"})

    assert response.status_code == 403
    assert not Category.objects.exists()


def test_names_are_escaped(client_as, manager, organization):
    lookup_create(model=ContactOrigin, organization=organization, name=SCRIPT, description=SCRIPT)
    archived = lookup_create(model=Category, organization=organization, name=f"Old {SCRIPT}")
    lookup_archive(item=archived)
    session = client_as(manager)

    for response in (session.get(URL), session.get(f"/lookups/categories/{archived.pk}/delete/")):
        html = response.content.decode()
        assert SCRIPT not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(URL)

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/?next=/lookups/")


def test_the_page_costs_the_same_queries_however_many_values_it_lists(client_as, viewer, organization):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    session = client_as(viewer)
    session.get(URL)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert session.get(URL).status_code == 200
        return len(captured)

    few = queries()
    for number in range(8):
        category = CategoryFactory(organization=organization)
        customer_create(organization=organization, name=f"Customer {number}", category=category)
        PaymentTermsFactory(organization=organization)
    assert queries() == few
