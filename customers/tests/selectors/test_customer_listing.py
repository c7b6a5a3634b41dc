from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from core.paging import Total
from customers import search
from customers.listing import CustomerListing
from customers.models import Customer
from customers.services import customer_archive, customer_block, customer_create

pytestmark = pytest.mark.django_db

# name, type, customer_no, status
SHOP = [
    ("Ltd Holdings", "company", "C-05", "active"),
    ("Alpha Traders Ltd", "company", "C-03", "active"),
    ("Beta Supplies Ltd", "company", "C-07", "blocked"),
    ("Gamma Ltd", "individual", "C-01", "active"),
    ("Delta Stores", "company", "LTD-9", "active"),
    ("Epsilon Kiosk", "individual", "C-02", "active"),
    ("Zeta Ltd", "company", "C-04", "archived"),
    ("Eta Bakery", "company", "C-06", "active"),
]
# "ltd" among the active customers, best match first: the name that starts with it, the names
# that contain it (by name), then the customer number that starts with it.
LTD_ACTIVE = ["Ltd Holdings", "Alpha Traders Ltd", "Gamma Ltd", "Delta Stores"]


@pytest.fixture
def shop(organization, other_organization):
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for position, (name, customer_type, customer_no, status) in enumerate(SHOP):
        customer = customer_create(organization=organization, name=name, type=customer_type, customer_no=customer_no)
        # Distinct balances and creation times (in an order of their own), so every order is total.
        Customer.objects.filter(pk=customer.pk).update(
            balance=Decimal(100 * ((position * 3) % len(SHOP))),
            created_at=start + timedelta(days=(position * 5) % 8),
            updated_at=start + timedelta(days=(position * 7) % 8, hours=1),
        )
        if status == "blocked":
            customer_block(customer=customer)
        elif status == "archived":
            customer_archive(customer=customer)
    customer_create(organization=other_organization, name="Omega Ltd", type="company")
    return organization


def _names(rows) -> list[str]:
    return [customer.name for customer in rows]


def _pages(listing: CustomerListing, size: int, count: int) -> list[str]:
    """The names of the first ``count`` pages of ``size`` rows, read page by page."""
    return [name for page in range(count) for name in _names(listing[page * size : (page + 1) * size])]


def test_a_total_under_the_limit_is_exact(shop, settings):
    settings.LIST_EXACT_TOTAL_UP_TO = 100

    assert CustomerListing(organization=shop, filters={"status": "active"}).total == Total(6, True)
    assert CustomerListing(organization=shop, filters={"search": "ltd", "status": "active"}).total == Total(4, True)
    assert CustomerListing(organization=shop, filters={"search": "ltd", "type": "individual"}).total == Total(1, True)


def test_a_total_past_the_limit_says_so(shop, settings):
    settings.LIST_EXACT_TOTAL_UP_TO = 3

    assert CustomerListing(organization=shop, filters={"status": "active"}).total == Total(3, False)
    assert CustomerListing(organization=shop, filters={"search": "ltd", "status": "active"}).total == Total(3, False)
    assert CustomerListing(organization=shop, filters={"search": "ltd", "type": "company"}).total == Total(3, False)
    # Exactly the limit is still exact.
    exactly_three = {"search": "ltd", "type": "company", "status": "active"}
    assert CustomerListing(organization=shop, filters=exactly_three).total == Total(3, True)
    assert CustomerListing(organization=shop, filters={"search": "zeta"}).total == Total(1, True)


@pytest.mark.parametrize("limit", [100, 2])
def test_a_search_pages_best_match_first_within_the_other_filters(shop, settings, limit):
    settings.LIST_EXACT_TOTAL_UP_TO = limit

    listing = CustomerListing(organization=shop, filters={"search": "ltd", "status": "active"})

    assert _pages(listing, 2, 3) == LTD_ACTIVE


@pytest.mark.parametrize("limit", [100, 1])
def test_a_common_word_that_the_filters_make_rare_is_found(shop, settings, limit):
    settings.LIST_EXACT_TOTAL_UP_TO = limit

    listing = CustomerListing(organization=shop, filters={"search": "ltd", "type": "individual"})

    assert _pages(listing, 2, 2) == ["Gamma Ltd"]


@pytest.mark.parametrize("walked_names", [0, 1, 3])
def test_a_search_past_the_limit_walked_a_while_keeps_to_the_filters(shop, settings, monkeypatch, walked_names):
    # Every probe sorts nothing (a common word), and PostgreSQL's walk of the names stops early: the
    # matches past it are gathered among the listed customers only.
    monkeypatch.setattr(search, "RANKED_CANDIDATES", 0)
    monkeypatch.setattr(search, "OTHER_CANDIDATES", 0)
    monkeypatch.setattr(search, "WALKED_NAMES", walked_names)
    settings.LIST_EXACT_TOTAL_UP_TO = 1

    active = CustomerListing(organization=shop, filters={"search": "ltd", "status": "active"})
    individuals = CustomerListing(organization=shop, filters={"search": "ltd", "type": "individual"})

    assert _pages(active, 2, 3) == LTD_ACTIVE
    assert _pages(individuals, 2, 2) == ["Gamma Ltd"]


ORDERINGS = ["name", "-name", "-balance", "balance", "created_at", "-created_at", "updated_at", "customer_no"]


@pytest.mark.parametrize("limit", [100, 2])
@pytest.mark.parametrize("ordering", ORDERINGS)
def test_a_broad_list_pages_in_the_order_asked_for(shop, settings, limit, ordering):
    # Past the limit the pages are read by walking the order's index; they must be the rows and the
    # order the database's own sort gives.
    settings.LIST_EXACT_TOTAL_UP_TO = limit
    field = ordering.lstrip("-")
    expected = Customer.objects.filter(organization=shop, status="active").order_by(ordering, "id")

    listing = CustomerListing(organization=shop, filters={"status": "active", "ordering": ordering})

    assert listing.total.is_exact is (limit == 100)
    assert _pages(listing, 4, 2) == _names(expected), field


@pytest.mark.parametrize("limit", [100, 2])
def test_a_search_in_another_order_keeps_to_its_matches(shop, settings, limit):
    settings.LIST_EXACT_TOTAL_UP_TO = limit
    expected = Customer.objects.filter(organization=shop, name__in=LTD_ACTIVE).order_by("-balance")

    listing = CustomerListing(organization=shop, filters={"search": "ltd", "status": "active", "ordering": "-balance"})

    assert _pages(listing, 3, 2) == _names(expected)


def test_the_list_never_holds_another_organizations_customers(shop, other_organization, settings):
    settings.LIST_EXACT_TOTAL_UP_TO = 1

    assert "Omega Ltd" not in _pages(CustomerListing(organization=shop, filters={"search": "ltd"}), 10, 1)
    assert _names(CustomerListing(organization=other_organization, filters={"search": "ltd"})[0:10]) == ["Omega Ltd"]


def test_a_bad_filter_is_refused_naming_it(shop):
    with pytest.raises(ValidationError) as error:
        CustomerListing(organization=shop, filters={"status": "sleeping"})

    assert "status" in error.value.message_dict


def test_an_empty_listing_holds_nothing(shop):
    listing = CustomerListing.none(organization=shop)

    assert listing.total == Total(0, True)
    assert listing[0:25] == []
