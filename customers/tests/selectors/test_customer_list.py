from datetime import UTC, datetime

import pytest
from django.core.exceptions import ValidationError

from customers.models import Customer
from customers.selectors import customer_list
from customers.services import (
    contact_email_create,
    contact_phone_create,
    customer_archive,
    customer_block,
    customer_create,
    customer_soft_delete,
)
from tests.factories import CategoryFactory, ContactOriginFactory, CustomerGroupFactory
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db

DATE_INVALID = "Enter a date (YYYY-MM-DD) or an ISO 8601 time."


def _listed(organization, **filters) -> list[str]:
    return [customer.name for customer in customer_list(organization=organization, filters=filters)]


def _set_time(customer: Customer, field: str, moment: str) -> None:
    # created_at and updated_at are set by the database clock; tests move them to known instants.
    Customer.objects.filter(pk=customer.pk).update(**{field: datetime.fromisoformat(moment).astimezone(UTC)})


# Organization scope


def test_the_list_holds_only_the_organizations_own_customers(organization, other_organization):
    customer_create(organization=organization, name="Otieno Hardware", customer_no="CUST003", phone="0712345678")
    customer_create(organization=other_organization, name="Otieno Hardware Ghana", customer_no="CUST003")

    assert _listed(organization) == ["Otieno Hardware"]
    assert _listed(organization, search="Otieno") == ["Otieno Hardware"]
    assert _listed(organization, customer_no="CUST003", status="active", ordering="-balance") == ["Otieno Hardware"]
    assert _listed(other_organization, search="0712345678") == []


def test_another_organizations_category_filters_to_nothing(organization, other_organization):
    theirs = CategoryFactory(organization=other_organization, name="Their VIPs")
    customer_create(organization=other_organization, name="Kofi Mensah", category=theirs)
    customer_create(organization=organization, name="Jane Wanjiku")

    assert _listed(organization, category_id=str(theirs.pk)) == []


def test_the_list_is_in_name_order_without_deleted_customers(organization):
    for name in ["Wanjiku Traders", "ABC Trading Ltd", "Mama Mboga Kiosk"]:
        customer_create(organization=organization, name=name)
    customer_soft_delete(customer=customer_create(organization=organization, name="Closed Shop"))

    assert _listed(organization) == ["ABC Trading Ltd", "Mama Mboga Kiosk", "Wanjiku Traders"]


def test_listing_a_page_with_the_branch_and_category_it_shows_takes_one_query(
    organization, westlands, django_assert_num_queries
):
    category = CategoryFactory(organization=organization, name="Wholesale")
    for index in range(5):
        customer_create(organization=organization, name=f"Shop {index}", branch=westlands, category=category)

    with django_assert_num_queries(1):
        rows = [
            (customer.branch.code, customer.category.name)
            for customer in customer_list(organization=organization, filters={"status": "active"})
        ]

    assert rows == [("01", "Wholesale")] * 5


def test_blank_filter_values_are_ignored(organization):
    customer_create(organization=organization, name="Jane Wanjiku")

    listed = _listed(organization, search="", status="", branch_id="", category_id="", created_from="", ordering="")

    assert listed == ["Jane Wanjiku"]


# Filters


def test_branch_id_is_a_branch_code(organization, westlands):
    customer_create(organization=organization, name="Head Office Customer")
    customer_create(organization=organization, name="Westlands Customer", branch=westlands)

    assert _listed(organization, branch_id="01") == ["Westlands Customer"]
    assert _listed(organization, branch_id="00") == ["Head Office Customer"]
    assert _listed(organization, branch_id="99") == []


@pytest.fixture
def by_status(organization) -> None:
    customer_create(organization=organization, name="Active Co")
    customer_block(customer=customer_create(organization=organization, name="Blocked Co"))
    customer_archive(customer=customer_create(organization=organization, name="Archived Co"))


@pytest.mark.parametrize(
    ("status", "names"),
    [
        ("active", ["Active Co"]),
        ("blocked", ["Blocked Co"]),
        ("archived", ["Archived Co"]),
        ("inactive", ["Archived Co", "Blocked Co"]),
    ],
)
def test_status_filter(organization, by_status, status, names):
    assert _listed(organization, status=status) == names


def test_type_filter(organization):
    customer_create(organization=organization, name="Jane Wanjiku")
    customer_create(organization=organization, name="Otieno Hardware Ltd", type="company")
    customer_create(organization=organization, name="Nairobi County", type="government")

    assert _listed(organization, type="company") == ["Otieno Hardware Ltd"]
    assert _listed(organization, type="government") == ["Nairobi County"]


def test_category_group_and_origin_filters(organization):
    wholesale = CategoryFactory(organization=organization, name="Wholesale")
    retail_group = CustomerGroupFactory(organization=organization, name="Nairobi Retail")
    referral = ContactOriginFactory(organization=organization, name="Referral")
    customer_create(organization=organization, name="In Wholesale", category=wholesale)
    customer_create(organization=organization, name="In Group", group=retail_group)
    customer_create(organization=organization, name="Referred", origin=referral)
    customer_create(organization=organization, name="Unfiled")

    assert _listed(organization, category_id=str(wholesale.pk)) == ["In Wholesale"]
    assert _listed(organization, group_id=retail_group.pk) == ["In Group"]
    assert _listed(organization, origin_id=str(referral.pk)) == ["Referred"]


def test_customer_no_filter_is_exact(organization):
    customer_create(organization=organization, name="Three", customer_no="CUST003")
    customer_create(organization=organization, name="Thirty-one", customer_no="CUST0031")

    assert _listed(organization, customer_no="CUST003") == ["Three"]


@pytest.mark.parametrize("tin", ["P051234567X", "p051 234 567x", "P051.234.567X"])
def test_tin_filter_matches_the_stored_form(organization, tin):
    customer_create(organization=organization, name="Jane Wanjiku", tax_id="P051234567X")
    customer_create(organization=organization, name="Otieno Hardware", tax_id="A012345678B")

    assert _listed(organization, tin=tin) == ["Jane Wanjiku"]


@pytest.fixture
def created_in_march(organization) -> None:
    # Bare dates are whole days in the organization's timezone; these cases reason in UTC.
    organization.timezone = "UTC"
    organization.save(update_fields=["timezone"])
    moments = {
        "Last of February": "2024-02-29T23:59:59+00:00",
        "First of March": "2024-03-01T00:00:00+00:00",
        "Last of March": "2024-03-31T23:59:59+00:00",
        "First of April": "2024-04-01T00:00:00+00:00",
    }
    for name, moment in moments.items():
        _set_time(customer_create(organization=organization, name=name), "created_at", moment)


def test_created_dates_are_inclusive_whole_days(organization, created_in_march):
    listed = _listed(organization, created_from="2024-03-01", created_to="2024-03-31", ordering="created_at")

    assert listed == ["First of March", "Last of March"]


def test_bare_dates_are_days_in_the_organizations_timezone(organization):
    # Nairobi is UTC+3: 22:30 UTC on 31 March is already 1 April there.
    _set_time(customer_create(organization=organization, name="Nairobi Morning"), "created_at", "2024-03-31T22:30:00Z")
    _set_time(customer_create(organization=organization, name="Nairobi Evening"), "created_at", "2024-03-31T20:30:00Z")

    assert _listed(organization, created_from="2024-04-01") == ["Nairobi Morning"]
    assert _listed(organization, created_to="2024-03-31") == ["Nairobi Evening"]


@pytest.mark.parametrize(
    "created_from",
    [
        "2024-03-31T23:59:59Z",
        "2024-04-01T02:59:59+03:00",
        # A + in a query string arrives as a space.
        "2024-04-01T02:59:59 03:00",
        "2024-03-31T23:59:59",
    ],
)
def test_created_from_accepts_iso_times_in_any_offset(organization, created_in_march, created_from):
    listed = _listed(organization, created_from=created_from, ordering="created_at")

    assert listed == ["Last of March", "First of April"]


def test_created_to_accepts_an_iso_time(organization, created_in_march):
    listed = _listed(organization, created_to="2024-03-01T00:00:00Z", ordering="created_at")

    assert listed == ["Last of February", "First of March"]


def test_updated_since_lists_customers_changed_on_or_after(organization):
    organization.timezone = "UTC"
    organization.save(update_fields=["timezone"])
    for name, moment in [
        ("Stale", "2024-05-31T23:59:59+00:00"),
        ("Touched at midnight", "2024-06-01T00:00:00+00:00"),
        ("Recent", "2024-06-15T09:30:00+00:00"),
    ]:
        _set_time(customer_create(organization=organization, name=name), "updated_at", moment)

    assert _listed(organization, updated_since="2024-06-01") == ["Recent", "Touched at midnight"]
    assert _listed(organization, updated_since="2024-06-15T12:30:00+03:00") == ["Recent"]


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("created_from", "not-a-date"),
        ("created_from", "2024-02-30"),
        ("created_to", "31/03/2024"),
        ("updated_since", "yesterday"),
        ("status", "bogus"),
        ("type", "alien"),
        ("category_id", "wholesale"),
        ("ordering", "password"),
    ],
)
def test_an_invalid_filter_value_is_a_validation_error_naming_the_filter(organization, name, value):
    customer_create(organization=organization, name="Jane Wanjiku")

    with pytest.raises(ValidationError) as excinfo:
        list(customer_list(organization=organization, filters={name: value}))

    assert list(excinfo.value.message_dict) == [name]


def test_an_invalid_date_says_which_formats_work(organization):
    with pytest.raises(ValidationError) as excinfo:
        customer_list(organization=organization, filters={"created_from": "not-a-date"})

    assert excinfo.value.message_dict == {"created_from": [DATE_INVALID]}


# Ordering


@pytest.fixture
def with_balances(organization) -> None:
    for name, customer_no, owed in [
        ("Beta Supplies", "CUST002", "5000.00"),
        ("Alpha Stores", "CUST003", "120.50"),
        ("Gamma Traders", "CUST001", "75000.00"),
    ]:
        customer = customer_create(organization=organization, name=name, customer_no=customer_no)
        transaction_record(organization=organization, customer=customer, type="sale", total_amount=owed)


@pytest.mark.parametrize(
    ("ordering", "names"),
    [
        ("name", ["Alpha Stores", "Beta Supplies", "Gamma Traders"]),
        ("-name", ["Gamma Traders", "Beta Supplies", "Alpha Stores"]),
        ("-balance", ["Gamma Traders", "Beta Supplies", "Alpha Stores"]),
        ("balance", ["Alpha Stores", "Beta Supplies", "Gamma Traders"]),
        ("customer_no", ["Gamma Traders", "Beta Supplies", "Alpha Stores"]),
        ("-customer_no", ["Alpha Stores", "Beta Supplies", "Gamma Traders"]),
    ],
)
def test_ordering(organization, with_balances, ordering, names):
    assert _listed(organization, ordering=ordering) == names


# Search


@pytest.fixture
def directory(organization) -> None:
    customer_create(organization=organization, name="ABC Trading Ltd", customer_no="KE-001", tax_id="A012345678B")
    customer_create(
        organization=organization,
        name="Jane Wanjiku",
        customer_no="KE-002",
        tax_id="P051234567X",
        phone="+254712345678",
        email="jane@wanjiku.co.ke",
    )
    otieno = customer_create(
        organization=organization,
        name="Otieno Hardware",
        legal_name="Otieno Hardware Limited",
        alias="OHL Kisumu",
        customer_no="CUST000001",
        contact_phone="0722 100 200",
    )
    contact_phone_create(customer=otieno, number="0733 000 111")
    contact_email_create(customer=otieno, email="procurement@otieno.co.ke")
    contact_email_create(customer=otieno, email="accounts@otieno.co.ke")


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("abc", ["ABC Trading Ltd"]),
        ("trad", ["ABC Trading Ltd"]),
        ("wanjiku", ["Jane Wanjiku"]),
        ("jan WANJ", ["Jane Wanjiku"]),
        ("jane otieno", []),
        ("limited", ["Otieno Hardware"]),
        ("kisumu", ["Otieno Hardware"]),
    ],
)
def test_search_finds_any_part_of_a_word_of_the_names(organization, directory, query, names):
    assert _listed(organization, search=query) == names


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("KE-00", ["ABC Trading Ltd", "Jane Wanjiku"]),
        ("ke-002", ["Jane Wanjiku"]),
        ("CUST000001", ["Otieno Hardware"]),
        ("P0512", ["Jane Wanjiku"]),
        ("p051 234", ["Jane Wanjiku"]),
        ("A012345678B", ["ABC Trading Ltd"]),
        # A fragment from the middle of a number is not a prefix, and mostly zeros is no phone.
        ("-002", []),
        ("000001", []),
    ],
)
def test_search_finds_customer_numbers_and_tax_ids_by_prefix(organization, directory, query, names):
    assert _listed(organization, search=query) == names


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("+254712345678", ["Jane Wanjiku"]),
        ("0712 345 678", ["Jane Wanjiku"]),
        ("712345678", ["Jane Wanjiku"]),
        ("(0712) 345-678", ["Jane Wanjiku"]),
        ("254 712 345 678", ["Jane Wanjiku"]),
        ("0722100200", ["Otieno Hardware"]),
        ("+254 733 000 111", ["Otieno Hardware"]),
    ],
)
def test_search_finds_phones_by_their_digits_whatever_the_format(organization, directory, query, names):
    assert _listed(organization, search=query) == names


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("jane@wanjiku.co.ke", ["Jane Wanjiku"]),
        ("JANE@WANJIKU", ["Jane Wanjiku"]),
        ("procurement@otieno.co.ke", ["Otieno Hardware"]),
        # Both contact emails match; the customer is listed once.
        ("@otieno.co.ke", ["Otieno Hardware"]),
    ],
)
def test_search_finds_customer_and_contact_emails(organization, directory, query, names):
    assert _listed(organization, search=query) == names


def test_search_combines_with_filters_and_ordering(organization, directory):
    customer_block(customer=Customer.objects.get(organization=organization, customer_no="KE-002"))

    assert _listed(organization, search="KE-00", status="active") == ["ABC Trading Ltd"]
    assert _listed(organization, search="KE-00", ordering="-customer_no") == ["Jane Wanjiku", "ABC Trading Ltd"]
