from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.services import branch_create
from customers.models import CustomerStatus
from customers.services import customer_archive, customer_block, customer_create
from tests.factories import CustomerGroupFactory

pytestmark = pytest.mark.django_db

URL = "/customers/"


@pytest.fixture
def shoppers(organization, retail):
    westlands = branch_create(organization=organization, code="01", name="Westlands")
    group = CustomerGroupFactory(organization=organization, name="Key accounts")
    people = {
        "jane": customer_create(
            organization=organization, name="Jane Wanjiku", phone="+254712345678", category=retail, group=group
        ),
        "abc": customer_create(
            organization=organization, name="ABC Trading Ltd", type="company", tax_id="A000123456B", branch=westlands
        ),
        "otieno": customer_create(organization=organization, name="Otieno Hardware", email="sales@otieno.co.ke"),
    }
    customer_block(customer=people["otieno"])
    return people


def names(response) -> list[str]:
    return [customer.name for customer in response.context["page"].object_list]


def test_list_shows_every_customer_with_the_total(client_as, viewer, shoppers):
    response = client_as(viewer).get(URL)

    assert response.status_code == 200
    assert names(response) == ["ABC Trading Ltd", "Jane Wanjiku", "Otieno Hardware"]
    assert "of <strong>3</strong> customers" in response.content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"search": "wanj"}, ["Jane Wanjiku"]),
        ({"search": "0712 345 678"}, ["Jane Wanjiku"]),
        ({"search": "A000123"}, ["ABC Trading Ltd"]),
        ({"status": "blocked"}, ["Otieno Hardware"]),
        ({"status": "inactive"}, ["Otieno Hardware"]),
        ({"type": "company"}, ["ABC Trading Ltd"]),
        ({"branch_id": "01"}, ["ABC Trading Ltd"]),
    ],
)
def test_filters_are_those_of_the_api(client_as, viewer, shoppers, query, expected):
    assert names(client_as(viewer).get(URL, query)) == expected


def test_category_group_and_created_filters(client_as, viewer, shoppers, retail):
    group = shoppers["jane"].group
    session = client_as(viewer)

    assert names(session.get(URL, {"category_id": retail.pk})) == ["Jane Wanjiku"]
    assert names(session.get(URL, {"group_id": group.pk})) == ["Jane Wanjiku"]
    assert names(session.get(URL, {"created_from": "2000-01-01", "created_to": "2000-12-31"})) == []
    assert len(names(session.get(URL, {"created_from": "2000-01-01"}))) == 3


def test_sorting_by_balance_descending_and_links_toggle_the_direction(client_as, viewer, organization, shoppers):
    from transactions.services import transaction_record

    transaction_record(organization=organization, customer=shoppers["otieno"], type="sale", total_amount="500")
    transaction_record(organization=organization, customer=shoppers["jane"], type="sale", total_amount="80")

    response = client_as(viewer).get(URL, {"ordering": "-balance"})

    assert names(response)[:2] == ["Otieno Hardware", "Jane Wanjiku"]
    link = response.context["sort_links"]["balance"]
    assert link["state"] == "descending"
    assert parse_qs(urlsplit(link["url"]).query)["ordering"] == ["balance"]
    assert 'aria-sort="descending"' in response.content.decode()


def test_invalid_filter_is_reported_beside_the_form_not_a_500(client_as, viewer, shoppers):
    response = client_as(viewer).get(URL, {"created_from": "yesterday"})

    assert response.status_code == 200
    assert names(response) == []
    assert "Enter a valid date" in response.content.decode() or "Enter a date" in response.content.decode()


def test_each_bad_filter_is_explained_once_beside_its_field(client_as, viewer, shoppers):
    response = client_as(viewer).get(URL, {"created_from": "2024-02-30", "category_id": "abc"})

    form = response.context["form"]
    assert form.errors["created_from"] == ["Enter a valid date."]
    assert form.errors["category_id"] == ["Select a valid choice. abc is not one of the available choices."]
    html = response.content.decode()
    assert "Created from: Enter a valid date." in html and "Category: Select a valid choice." in html
    assert "Created_from" not in html and "Enter a date (YYYY-MM-DD)" not in html


def test_pagination_shows_25_per_page_and_keeps_the_filters(client_as, viewer, organization):
    for number in range(30):
        customer_create(organization=organization, name=f"Mama Mboga {number:02d}")

    response = client_as(viewer).get(URL, {"search": "mboga", "page": 2})

    assert len(names(response)) == 5
    html = response.content.decode()
    assert "Showing <strong>26–30</strong> of <strong>30</strong>" in html
    assert "search=mboga&amp;page=1" in html


def test_a_list_of_more_matches_than_are_counted_says_so(client_as, viewer, organization, settings):
    settings.LIST_EXACT_TOTAL_UP_TO = 30
    for number in range(32):
        customer_create(organization=organization, name=f"Mama Mboga {number:02d}")

    first = client_as(viewer).get(URL, {"search": "mboga"}).content.decode()
    last = client_as(viewer).get(URL, {"search": "mboga", "page": 2}).content.decode()

    assert "Showing <strong>1–25</strong> of more than <strong>30</strong> customers" in first
    assert "Only the first 30 matches are shown in pages" not in first
    assert "Showing <strong>26–30</strong> of more than <strong>30</strong> customers" in last
    assert "Only the first 30 matches are shown in pages" in last


def test_export_links_carry_the_current_filters(client_as, viewer, shoppers):
    response = client_as(viewer).get(URL, {"search": "wanj", "status": "active", "branch_id": ""})

    links = dict(response.context["export_links"])
    for label, fmt in (("Excel", "xlsx"), ("CSV", "csv"), ("PDF", "pdf")):
        url = urlsplit(links[label])
        assert url.path == "/api/v1/customers/export"
        assert parse_qs(url.query) == {"format": [fmt], "search": ["wanj"], "status": ["active"]}


def test_export_link_answers_with_the_filtered_file(client_as, viewer, shoppers):
    session = client_as(viewer)
    link = dict(session.get(URL, {"search": "wanj"}).context["export_links"])["CSV"]

    response = session.get(link)

    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = body.decode("utf-8-sig")
    assert "Jane Wanjiku" in text and "ABC Trading" not in text


def test_htmx_search_returns_only_the_results_part(client_as, viewer, shoppers):
    response = client_as(viewer).get(URL, {"search": "otien"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    html = response.content.decode()
    assert html.startswith('<section id="results"')
    assert "<html" not in html
    assert "Otieno Hardware" in html and "Jane Wanjiku" not in html
    # The export buttons and the sort field outside the part are refreshed out of band.
    assert 'id="export-links"' in html and 'hx-swap-oob="true"' in html


def test_quick_search_dropdown_lists_the_best_matches(client_as, viewer, shoppers):
    response = client_as(viewer).get(URL, {"search": "abc"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="quick-results")

    html = response.content.decode()
    assert "ABC Trading Ltd" in html and "data-result-link" in html
    assert "Jane" not in html


@pytest.mark.parametrize("query", ["", "   "])
def test_quick_search_dropdown_for_a_blank_query_says_what_to_type(client_as, viewer, shoppers, query):
    response = client_as(viewer).get(URL, {"search": query}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="quick-results")

    html = response.content.decode()
    assert response.status_code == 200
    assert "Type part of a name, customer number, tax ID, phone number or email." in html
    assert "data-result-link" not in html


def test_list_is_a_plain_get_form_without_javascript(client_as, viewer, shoppers):
    html = client_as(viewer).get(URL).content.decode()

    assert '<form id="customer-filters"' in html and 'method="get"' in html and 'action="/customers/"' in html
    assert 'name="search"' in html and '<label for="id_search"' in html


def test_bulk_archive_asks_for_confirmation_then_archives(client_as, manager, shoppers):
    session = client_as(manager)
    ids = [shoppers["jane"].pk, shoppers["abc"].pk]

    confirm = session.post("/customers/bulk-archive/", {"customer": ids, "next": "/customers/?search=a"})
    assert confirm.status_code == 200
    assert b"Archive 2 customers?" in confirm.content
    shoppers["jane"].refresh_from_db()
    assert shoppers["jane"].status == CustomerStatus.ACTIVE

    done = session.post("/customers/bulk-archive/", {"customer": ids, "confirm": "yes", "next": "/customers/?search=a"})
    assert done.status_code == 302 and done["Location"] == "/customers/?search=a"
    for key in ("jane", "abc"):
        shoppers[key].refresh_from_db()
        assert shoppers[key].status == CustomerStatus.ARCHIVED
    shoppers["otieno"].refresh_from_db()
    assert shoppers["otieno"].status == CustomerStatus.BLOCKED


def test_bulk_archive_ignores_other_organizations_customers(client_as, manager, shoppers, foreign_customer):
    client_as(manager).post("/customers/bulk-archive/", {"customer": [foreign_customer.pk], "confirm": "yes"})

    foreign_customer.refresh_from_db()
    assert foreign_customer.status == CustomerStatus.ACTIVE


def test_bulk_archive_refuses_a_clerk(client_as, clerk, shoppers):
    response = client_as(clerk).post("/customers/bulk-archive/", {"customer": [shoppers["jane"].pk], "confirm": "yes"})

    assert response.status_code == 403
    shoppers["jane"].refresh_from_db()
    assert shoppers["jane"].status == CustomerStatus.ACTIVE


def test_only_managers_see_the_bulk_archive_checkboxes(client_as, manager, clerk, shoppers):
    assert b'form="bulk-archive-form"' in client_as(manager).get(URL).content
    assert b'form="bulk-archive-form"' not in client_as(clerk).get(URL).content


def test_archived_customer_stays_listed_with_its_status(client_as, viewer, shoppers):
    customer_archive(customer=shoppers["abc"])

    response = client_as(viewer).get(URL, {"status": "archived"})

    assert names(response) == ["ABC Trading Ltd"]
    assert b"badge--archived" in response.content


def test_expired_session_sends_htmx_requests_to_sign_in_as_a_whole_page(client, shoppers):
    response = client.get(
        URL,
        {"search": "wanj"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="results",
        HTTP_HX_CURRENT_URL="http://testserver/customers/?search=wa",
    )

    assert response.status_code == 200
    assert response["HX-Redirect"] == "/accounts/login/?next=%2Fcustomers%2F%3Fsearch%3Dwa"
    assert response.content == b""


def test_sort_menu_shows_the_current_order_and_offers_every_api_ordering(client_as, viewer, shoppers):
    from customers.filters import ORDERING_FIELDS

    response = client_as(viewer).get(URL, {"ordering": "-created_at"})

    html = response.content.decode()
    assert '<option value="-created_at" selected>Newest first</option>' in html
    offered = {value.lstrip("-") for value, _ in response.context["form"].fields["ordering"].choices if value}
    assert offered == set(ORDERING_FIELDS)


def test_the_page_and_its_htmx_part_share_a_url_so_caches_keep_them_apart(client_as, viewer, shoppers):
    session = client_as(viewer)

    page = session.get(URL, {"search": "mama"})
    part = session.get(URL, {"search": "mama"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")

    assert b"<!doctype html>" in page.content.lower() and b"<!doctype html>" not in part.content.lower()
    for response in (page, part):
        varies = {name.strip().lower() for name in response["Vary"].split(",")}
        assert {"hx-request", "hx-target"} <= varies
