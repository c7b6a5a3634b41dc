"""SPEC §8: what a query finds and in which order, over the fixed customer directory of conftest."""

import pytest
from django.db import connection

from customers import search
from customers.selectors import customer_quick_search

pytestmark = pytest.mark.django_db

KAMAU_RANKED = [
    "Zebra Logistics",  # customer_no is exactly "KAMAU"
    "Kamau Brothers",  # names starting with the query, by name
    "Kamau Electricals",
    "Peter Kamau",  # a name containing it
    "Amani Agencies",  # the rest: a contact email, a legal name
    "Wambui Stores",
]

TABLE = [
    # Names, legal names and aliases: any part of any word, every query word required.
    ("abc", ["ABC Trading Ltd"]),
    ("trad", ["ABC Trading Ltd"]),
    ("wanjiku", ["Jane Wanjiku"]),
    ("anjik", ["Jane Wanjiku"]),
    ("jane wanj", ["Jane Wanjiku"]),
    ("wanj jane", ["Jane Wanjiku"]),
    ("jane wa", ["Jane Wanjiku"]),
    ("jane otieno", []),
    ("limited", ["Otieno Hardware"]),
    ("kisumu", ["Otieno Hardware"]),
    ("ohl", ["Otieno Hardware"]),
    ("hardware kisumu", ["Otieno Hardware"]),
    # Case and accents do not matter, either way round.
    ("jose munoz", ["José Muñoz"]),
    ("JOSÉ", ["José Muñoz"]),
    ("MUÑOZ", ["José Muñoz"]),
    ("múñoz", ["José Muñoz"]),
    ("soren", ["Søren Møller ApS"]),
    ("SØREN MØLLER", ["Søren Møller ApS"]),
    ("moller aps", ["Søren Møller ApS"]),
    ("zipaquira", ["Zipaquirá Salt SAS"]),
    # Customer numbers: exact or prefix, never from the middle.
    ("KE-001", ["ABC Trading Ltd"]),
    ("ke-001", ["ABC Trading Ltd"]),
    ("co-0", ["José Muñoz"]),
    ("-001", []),
    # Exact customer_no first, then the prefix matches.
    ("KE-002", ["Jane Wanjiku", "Amani Agencies"]),
    ("KE-00", ["ABC Trading Ltd", "Amani Agencies", "Jane Wanjiku"]),
    # Tax IDs of Kenya, Colombia, Denmark and Ghana: exact or prefix, typed with or without separators.
    ("A012345678B", ["ABC Trading Ltd"]),
    ("a0123", ["ABC Trading Ltd"]),
    ("P051234567X", ["Jane Wanjiku"]),
    ("p051 234 567x", ["Jane Wanjiku"]),
    ("900.123.456-8", ["José Muñoz"]),
    ("900123456", ["Zipaquirá Salt SAS", "José Muñoz"]),
    ("10150817", ["Søren Møller ApS"]),
    ("C0012345678", ["Kofi Mensah Enterprises"]),
    # Phones by their digits, whatever the format: the customer's phone ...
    ("0712 345 678", ["Jane Wanjiku"]),
    ("712345678", ["Jane Wanjiku"]),
    ("+254 712 345 678", ["Jane Wanjiku"]),
    ("+254712345678", ["Jane Wanjiku"]),
    ("254-712-345-678", ["Jane Wanjiku"]),
    ("(0712) 345678", ["Jane Wanjiku"]),
    ("300 123 4567", ["José Muñoz"]),
    ("+57 300 1234567", ["José Muñoz"]),
    ("32 12 34 56", ["Søren Møller ApS"]),
    ("+45 32123456", ["Søren Møller ApS"]),
    ("024 123 4567", ["Kofi Mensah Enterprises"]),
    # ... the contact person's phone ...
    ("0722 100 200", ["Otieno Hardware"]),
    ("+254722100200", ["Otieno Hardware"]),
    # ... and the contact phones.
    ("0733 000 111", ["Otieno Hardware"]),
    ("733000111", ["Otieno Hardware"]),
    ("+254 733 000 111", ["Otieno Hardware"]),
    # Customer and contact emails.
    ("jane@wanjiku.co.ke", ["Jane Wanjiku"]),
    ("JANE@WANJIKU.CO.KE", ["Jane Wanjiku"]),
    ("procurement@otieno.co.ke", ["Otieno Hardware"]),
    ("procurement@", ["Otieno Hardware"]),
    ("abctrading.co.ke", ["ABC Trading Ltd"]),
    # The exact email first, then the email that only contains it.
    ("sales@kamau.co.ke", ["Zebra Logistics", "Amani Agencies"]),
    # Billing entities: legal name and tax ID.
    ("kariuki", ["Mama Mboga Kiosk"]),
    ("fresh produce", ["Mama Mboga Kiosk"]),
    ("A098765432K", ["Mama Mboga Kiosk"]),
    ("a0987", ["Mama Mboga Kiosk"]),
    # A transaction reference finds its customer.
    ("INV-2024-0042", ["Baraka Supplies"]),
    ("inv-2024-0042", ["Baraka Supplies"]),
    ("INV-2024", ["Baraka Supplies"]),
    # Ranking: exact identifier, names starting with the query, names containing it, the rest.
    ("kamau", KAMAU_RANKED),
    ("KAMAU", KAMAU_RANKED),
    # Two characters: names starting with them, identifiers starting with them.
    ("ka", ["Kamau Brothers", "Kamau Electricals", "Zebra Logistics"]),
    ("jo", ["José Muñoz"]),
    ("SO", ["Søren Møller ApS"]),
    ("ke", ["ABC Trading Ltd", "Amani Agencies", "Jane Wanjiku"]),
    ("dk", ["Søren Møller ApS"]),
    # A deleted customer is never found, by name, number or phone.
    ("old shop", []),
    ("DEL-001", []),
    ("0711 000 222", []),
    # Archived and blocked customers are found.
    ("chebet", ["Chebet Agrovet", "Chebet Pharmacy"]),
    # Another organization's customers are never found.
    ("kamau enterprises", []),
    ("nothing like this", []),
]


@pytest.mark.parametrize(("query", "names"), TABLE)
def test_quick_search_finds_the_expected_customers_in_order(found, query, names):
    assert found(query) == names


def test_archived_and_blocked_customers_carry_their_status(directory):
    results = customer_quick_search(organization=directory.organization, query="chebet")

    assert [(customer.name, customer.status) for customer in results] == [
        ("Chebet Agrovet", "archived"),
        ("Chebet Pharmacy", "blocked"),
    ]


def test_an_identifier_shared_with_another_organization_finds_only_that_organizations_customer(directory):
    def numbers(organization, query: str) -> list[str]:
        return [customer.customer_no for customer in customer_quick_search(organization=organization, query=query)]

    assert numbers(directory.organization, "+254712345678") == ["KE-002"]
    assert numbers(directory.organization, "P051234567X") == ["KE-002"]
    assert numbers(directory.other_organization, "+254712345678") == ["KAMAU"]
    assert numbers(directory.other_organization, "jane@wanjiku.co.ke") == ["KAMAU"]
    assert numbers(directory.other_organization, "chebet") == []


def test_the_quick_search_honours_its_limit_best_first(directory):
    results = customer_quick_search(organization=directory.organization, query="kamau", limit=3)

    assert [customer.name for customer in results] == KAMAU_RANKED[:3]


@pytest.mark.parametrize(("query", "names"), TABLE)
def test_common_terms_walk_the_names_to_the_same_answer(found, monkeypatch, query, names):
    # With no room for candidates, every term that matches counts as common: the ranks are filled by walking
    # the names in order instead of ranking a bounded set, and must give the same customers.
    monkeypatch.setattr(search, "RANKED_CANDIDATES", 0)
    monkeypatch.setattr(search, "OTHER_CANDIDATES", 0)

    assert found(query) == names


@pytest.mark.parametrize("walked_names", [0, 1, 3])
@pytest.mark.parametrize(("query", "names"), TABLE)
def test_common_name_fragments_walked_a_while_then_sorted_give_the_same_answer(
    found, monkeypatch, query, names, walked_names
):
    # PostgreSQL walks only the first names for a common fragment, then gathers the matches past
    # them and sorts them: wherever the walk stops, the answer and its order are the same.
    if connection.vendor != "postgresql":
        pytest.skip("SQLite walks every name for a common fragment (quick_search)")
    monkeypatch.setattr(search, "RANKED_CANDIDATES", 0)
    monkeypatch.setattr(search, "OTHER_CANDIDATES", 0)
    monkeypatch.setattr(search, "WALKED_NAMES", walked_names)

    assert found(query) == names


@pytest.mark.parametrize(("query", "names"), TABLE)
def test_common_words_beside_few_identifiers_walk_the_names_to_the_same_answer(found, monkeypatch, query, names):
    # Words too common to collect, identifiers few enough to: the last rank walks the names, testing
    # each against the identifiers' customers and the words.
    monkeypatch.setattr(search, "_text_contains_all_ids", lambda *args, **kwargs: None)

    assert found(query) == names


@pytest.mark.parametrize("query", ["kamau", "0712 345 678", "ka", "jose munoz"])
def test_a_quick_search_runs_a_fixed_number_of_queries(directory, django_assert_max_num_queries, query):
    with django_assert_max_num_queries(10):
        results = customer_quick_search(organization=directory.organization, query=query)

    assert results


# The same answers through the API.

API_ROWS = [
    ("kamau", KAMAU_RANKED),
    ("jose munoz", ["José Muñoz"]),
    ("0712 345 678", ["Jane Wanjiku"]),
    ("+254 733 000 111", ["Otieno Hardware"]),
    ("INV-2024-0042", ["Baraka Supplies"]),
    ("fresh produce", ["Mama Mboga Kiosk"]),
    ("KE-002", ["Jane Wanjiku", "Amani Agencies"]),
    ("ka", ["Kamau Brothers", "Kamau Electricals", "Zebra Logistics"]),
    ("old shop", []),
]


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["data"]]


@pytest.mark.parametrize(("query", "names"), API_ROWS)
def test_the_api_quick_search_answers_best_first(api_get, query, names):
    response = api_get("customers/search", {"q": query})

    assert _names(response) == names
    assert response.json()["meta"]["count"] == len(names)
    assert response.json()["meta"]["query"] == query


@pytest.mark.parametrize(("query", "names"), API_ROWS)
def test_the_api_list_search_answers_best_first(api_get, query, names):
    response = api_get("customers", {"search": query})

    assert _names(response) == names
    assert response.json()["meta"]["total"] == len(names)


def test_the_api_shows_archived_and_blocked_matches_with_their_status(api_get):
    quick = api_get("customers/search", {"q": "chebet"}).json()["data"]
    listed = api_get("customers", {"search": "chebet"}).json()["data"]

    assert [(item["name"], item["status"]) for item in quick] == [
        ("Chebet Agrovet", "archived"),
        ("Chebet Pharmacy", "blocked"),
    ]
    assert [(item["name"], item["status"], item["is_active"]) for item in listed] == [
        ("Chebet Agrovet", "archived", False),
        ("Chebet Pharmacy", "blocked", False),
    ]


def test_the_api_search_items_carry_the_tax_id_and_phone(api_get):
    [item] = api_get("customers/search", {"q": "P051234567X"}).json()["data"]

    assert (item["customer_no"], item["tin"], item["phone"]) == ("KE-002", "P051234567X", "+254712345678")


def test_another_organizations_key_never_finds_our_customers(api_get, directory):
    theirs = directory.other_api_key

    assert _names(api_get("customers/search", {"q": "otieno hardware"}, key=theirs)) == []
    assert _names(api_get("customers/search", {"q": "0712345678"}, key=theirs)) == ["Kamau Enterprises"]
    assert _names(api_get("customers", {"search": "chebet"}, key=theirs)) == []


# Long strings (email addresses) are looked up by a sample of their trigrams on SQLite; whatever
# the sample lets through must still contain the whole string.

LONG_EMAIL = "wanjiku.rotich447@gmail.com"


@pytest.fixture
def rotich_emails(directory):
    from customers.services import customer_create

    organization = directory.organization
    customer_create(organization=organization, name="Wanjiku Rotich", email=LONG_EMAIL)
    # Each shares the longest part of the address, not the address.
    customer_create(organization=organization, name="Rotich Decoy One", email="rotich447@yahoo.com")
    customer_create(organization=organization, name="Rotich Decoy Two", email="peter.rotich447@gmail.com")


@pytest.mark.parametrize(("room", "other_room"), [(2000, 20_000), (1, 20_000), (1, 1), (0, 0)])
def test_a_long_email_finds_only_customers_holding_all_of_it(found, rotich_emails, monkeypatch, room, other_room):
    # (1, 20_000): a typed fragment of an address matches more customers than the first ranks sort
    # whole, and the last rank sorts them; (1, 1): the sample finds too many and the whole string is
    # looked up; (0, 0): the walk of the names.
    monkeypatch.setattr(search, "RANKED_CANDIDATES", room)
    monkeypatch.setattr(search, "OTHER_CANDIDATES", other_room)

    assert found(LONG_EMAIL) == ["Wanjiku Rotich"]
    assert found("rotich447@") == ["Rotich Decoy One", "Rotich Decoy Two", "Wanjiku Rotich"]


def test_long_strings_are_looked_up_by_a_few_trigrams_of_their_rarest_part():
    assert search._fts_all_of("kiprono.cheruiyot4127@gmail.com") == '"che" AND "rui" AND "ot4" AND "127"'
    assert search._fts_all_of("kiprono.cheruiyot412@gmail.com") == '"cheruiyot412"'
    assert search._fts_all_of("okoth57@outlook.com") == '"okoth57"'
    assert search._fts_all_of("short@x.io") == '"short@x.io"'
    assert search._fts_all_of("kiprono.cheruiyot412@gmail.com", sampled=False) == ('"kiprono.cheruiyot412@gmail.com"')
