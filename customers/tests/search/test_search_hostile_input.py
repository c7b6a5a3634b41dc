"""Whatever is typed into the search is plain text: no error, no wildcard, no query syntax."""

import pytest

from customers.services import customer_create

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def oddly_named(directory, django_db_blocker) -> None:
    """Customers whose names hold the characters that mean something to LIKE, FTS5 or a shell."""
    with django_db_blocker.unblock():
        organization = directory.organization
        customer_create(organization=organization, name="100% Juice Bar", customer_no="JB_01")
        customer_create(organization=organization, name="1000 Hills Safaris", customer_no="JB-01")
        customer_create(organization=organization, name="Mary O'Brien Consulting")
        customer_create(organization=organization, name='Duka "La" Mama')
        customer_create(organization=organization, name="Café ☕ Nairobi")
        customer_create(organization=organization, name="شركة النور للتجارة")
        customer_create(organization=organization, name="אור ירוק סחר")


LONG_TEXT = "x" * 10_000

# Queries that must find nothing: were they read as LIKE patterns, FTS5 expressions or SQL, they
# would find everyone, or some of the directory.
NOTHING = [
    "%",
    "_",
    "%%",
    "__",
    "%_%",
    "_%",
    "'",
    '"',
    "''",
    '""',
    "\\",
    "\\\\",
    "\\%",
    "\\_",
    "*",
    "**",
    "trad*",
    "ab*",
    "NEAR",
    "AND",
    "OR",
    "NOT",
    '"abc"',
    '"abc trading"',
    "NEAR(abc trading)",
    "abc NEAR trading",
    "abc OR jane",
    "abc AND trading",
    "abc NOT jane",
    "-trading",
    "^abc",
    "text:abc",
    "text : abc",
    "(abc)",
    "(",
    ")",
    ":",
    "^",
    "-",
    "{abc}",
    "[abc]",
    "abc;",
    "' OR '1'='1",
    "'; DROP TABLE customers_customer; --",
    "🙂",
    "🙂🙂🙂",
    "\x07",
    "\x01\x02",
    "\x1b[31mjane",
    "\u202e",
    "\u202eenaj",
    LONG_TEXT,
    "%" * 10_000,
    "_" * 10_000,
    "🙂" * 10_000,
]

# Queries with special characters that find exactly what they spell.
LITERAL = [
    ("100%", ["100% Juice Bar"]),
    ("100% juice", ["100% Juice Bar"]),
    ("1000", ["1000 Hills Safaris"]),
    ("JB_0", ["100% Juice Bar"]),
    ("jb_01", ["100% Juice Bar"]),
    ("JB-0", ["1000 Hills Safaris"]),
    ("o'brien", ["Mary O'Brien Consulting"]),
    ("O'BRIEN", ["Mary O'Brien Consulting"]),
    ('"la"', ['Duka "La" Mama']),
    ('duka "la', ['Duka "La" Mama']),
    ("café ☕", ["Café ☕ Nairobi"]),
    ("☕ nairobi", ["Café ☕ Nairobi"]),
    ("النور", ["شركة النور للتجارة"]),
    ("شركة النور", ["شركة النور للتجارة"]),
    ("אור ירוק", ["אור ירוק סחר"]),
    ("ירוק", ["אור ירוק סחר"]),
    # Tabs and line breaks are spaces between words.
    ("jane\twanjiku", ["Jane Wanjiku"]),
    ("jane\r\nwanj", ["Jane Wanjiku"]),
    ("  jane   wanjiku  ", ["Jane Wanjiku"]),
    # A very long query is cut, not refused: its first words still search.
    ("jane " * 2_000, ["Jane Wanjiku"]),
]


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["status"] == "success"
    return [item["name"] for item in body["data"]]


@pytest.mark.parametrize("query", NOTHING)
def test_the_selector_finds_nothing_for_syntax_and_wildcards(found, query):
    assert found(query) == []


@pytest.mark.parametrize(("query", "names"), LITERAL)
def test_the_selector_reads_special_characters_literally(found, query, names):
    assert found(query) == names


@pytest.mark.parametrize("query", [query for query in NOTHING if len(query.strip()) >= 2])
def test_the_api_quick_search_answers_200_and_nothing(api_get, query):
    response = api_get("customers/search", {"q": query})

    assert _names(response) == []
    assert response.json()["meta"]["count"] == 0


@pytest.mark.parametrize("query", NOTHING)
def test_the_api_list_search_answers_200_and_nothing(api_get, query):
    response = api_get("customers", {"search": query})

    assert _names(response) == []
    assert response.json()["meta"]["total"] == 0


@pytest.mark.parametrize(("query", "names"), LITERAL)
def test_the_api_reads_special_characters_literally(api_get, query, names):
    assert _names(api_get("customers/search", {"q": query})) == names
    assert _names(api_get("customers", {"search": query})) == names


def test_a_ten_thousand_character_query_is_answered_with_the_query_echoed(api_get):
    response = api_get("customers/search", {"q": LONG_TEXT})

    assert _names(response) == []
    assert response.json()["meta"]["query"] == LONG_TEXT


def test_an_injection_attempt_leaves_the_customers_in_place(api_get, found):
    api_get("customers/search", {"q": "'; DROP TABLE customers_customer; --"})
    api_get("customers", {"search": "x'); DELETE FROM customers_customersearchdocument; --"})

    assert found("jane wanjiku") == ["Jane Wanjiku"]


@pytest.mark.parametrize("query", ["", " ", "   ", "\t", "a", " a ", "%", "_", "é", "☕"])
def test_the_quick_search_refuses_fewer_than_two_characters_naming_q(api_get, query):
    response = api_get("customers/search", {"q": query})

    assert response.status_code == 400, response.content
    body = response.json()
    assert body["status"] == "error"
    assert body["message"] == "Validation failed"
    assert list(body["errors"]) == ["q"]


def test_the_quick_search_refuses_a_missing_q_naming_q(api_get):
    response = api_get("customers/search", {})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["q"]


def test_a_blank_list_search_lists_everyone_instead_of_no_one(api_get, directory):
    everyone = api_get("customers", {"per_page": 100}).json()["meta"]["total"]

    response = api_get("customers", {"search": "   ", "per_page": 100})

    assert response.status_code == 200
    assert response.json()["meta"]["total"] == everyone > 20


@pytest.mark.parametrize("query", ["ab\x00cd", "jane\x00"])
def test_a_nul_character_is_a_validation_error_not_a_server_error(api_get, query):
    for response in (api_get("customers/search", {"q": query}), api_get("customers", {"search": query})):
        assert response.status_code == 400, response.content
        assert response.json()["message"] == "Validation failed"


@pytest.mark.parametrize(("query", "names"), LITERAL + [(query, []) for query in NOTHING])
def test_a_list_past_its_count_limit_reads_the_query_as_plain_text_too(api_get, settings, query, names):
    # With no room to count, every match is past the limit: the page comes from the rank-by-rank walk.
    settings.LIST_EXACT_TOTAL_UP_TO = 0

    assert _names(api_get("customers", {"search": query})) == names
