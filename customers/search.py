"""The one customer search: the maintained search index and the query over it.

Every write that changes what a customer is found by (the customer, its contacts, billing
entities, transaction references) calls ``search_index_refresh`` inside its own database
transaction, so a change is findable as soon as it commits. The index has two parts:
``CustomerSearchDocument`` (normalized text, trigram-indexed) and ``CustomerSearchKey``
(identifiers matched exactly or by prefix through B-tree indexes).
"""

import contextlib
import operator
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from itertools import chain

import phonenumbers
from django.db import DatabaseError, connection
from django.db.models import Case, Exists, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from core.db import Sql, sql_rows
from core.expressions import among_ids

from .models import Customer, CustomerSearchDocument, CustomerSearchKey, SearchKeyKind
from .validators import compact, e164_national_number

MAX_QUERY_LENGTH = 200
MAX_QUERY_WORDS = 8
TRIGRAM = 3
MIN_PHONE_DIGITS = 4
# Letters that Unicode does not decompose into a base letter and an accent.
FOLDED_LETTERS = str.maketrans({"ø": "o", "æ": "ae", "œ": "oe", "ß": "ss", "đ": "d", "ł": "l", "ı": "i", "þ": "th"})
PHONE_SEPARATORS = re.compile(r"[\s+\-().]")
EXACT_KINDS = (SearchKeyKind.CUSTOMER_NO, SearchKeyKind.TAX_ID, SearchKeyKind.PHONE, SearchKeyKind.EMAIL)

RANK_EXACT = 0
RANK_NAME_STARTS = 1
RANK_NAME_CONTAINS = 2
RANK_OTHER = 3


def _fold(char: str) -> str:
    """One character lower-cased, without accents, as normalize_text folds it."""
    decomposed = unicodedata.normalize("NFKD", char.casefold().translate(FOLDED_LETTERS))
    # Accents go, and so do invisible format characters (zero-width spaces, direction marks) that
    # text pasted from other programs carries.
    return "".join(
        part for part in decomposed if not unicodedata.combining(part) and unicodedata.category(part) != "Cf"
    )


# Code point -> folded text, for every character met so far (ASCII capitals from the start).
_FOLDED: dict[int, str] = {code: chr(code).lower() for code in range(ord("A"), ord("Z") + 1)}
_KNOWN: set[str] = {chr(code) for code in range(128)}


def normalize_text(value: str) -> str:
    """Lower-case, accents removed, whitespace collapsed: 'José  MUÑOZ' -> 'jose munoz'.

    Case folding, the letters table, the decomposition and the removal of combining marks and
    format characters each work on one character at a time (the canonical reordering NFKD does
    only moves combining marks, which are all removed), so each character is folded once, kept in
    a table, and a text is translated through it; ASCII text takes a shorter path.
    """
    value = value or ""
    if value.isascii():
        return " ".join(value.lower().split())
    for char in set(value).difference(_KNOWN):
        _FOLDED[ord(char)] = _fold(char)
        _KNOWN.add(char)
    return " ".join(value.translate(_FOLDED).split())


def phone_keys(e164: str) -> set[str]:
    """The digit strings a phone is found by: with and without its country code."""
    if not e164:
        return set()
    digits = e164.lstrip("+")
    national = e164_national_number(e164)
    if national is not None:
        return {digits, national}
    keys = {digits}
    with contextlib.suppress(phonenumbers.NumberParseException):
        keys.add(str(phonenumbers.parse(e164, None).national_number))
    return keys


# What validators.compact removes from ASCII text: whitespace (as str.isspace has it), dots, slashes.
_COMPACTED_AWAY = str.maketrans(dict.fromkeys([*(chr(code) for code in range(128) if chr(code).isspace()), ".", "/"]))


def _compact(value: str) -> str:
    """validators.compact, without a regular expression for ASCII text."""
    return value.translate(_COMPACTED_AWAY).upper() if value.isascii() else compact(value)


# ---------------------------------------------------------------------------------------------
# The index

DOCUMENT_COLUMNS = ("customer_id", "organization_id", "branch_id", "name_key", "text")
KEY_COLUMNS = ("organization_id", "customer_id", "kind", "value")
MAX_KEY_LENGTH = 255
MAX_NAME_KEY_LENGTH = 255
# The customer's own fields an index row comes from, in IndexedCustomer's order.
CUSTOMER_FIELDS = (
    "id",
    "organization_id",
    "branch_id",
    "customer_no",
    "name",
    "legal_name",
    "alias",
    "tax_id",
    "vat_number",
    "phone",
    "contact_phone",
    "email",
    "invoice_email",
)


@dataclass(frozen=True)
class IndexedCustomer:
    """What a customer is found by: its own fields and those of its contacts, entities and ledger."""

    id: int
    organization_id: int
    branch_id: int
    customer_no: str
    name: str
    legal_name: str = ""
    alias: str = ""
    tax_id: str = ""
    vat_number: str = ""
    phone: str = ""
    contact_phone: str = ""
    email: str = ""
    invoice_email: str = ""
    contact_emails: Sequence[str] = ()
    contact_phones: Sequence[str] = ()
    entity_names: Sequence[str] = ()  # billing entities' legal names
    entity_tax_ids: Sequence[str] = ()
    entity_emails: Sequence[str] = ()
    references: Sequence[str] = ()


def document_and_keys(customer: IndexedCustomer) -> tuple[tuple, list[tuple]]:
    """The CustomerSearchDocument row (DOCUMENT_COLUMNS) and CustomerSearchKey rows (KEY_COLUMNS) of ``customer``.

    Plain tuples, so that an import of many customers builds them without model instances.
    """
    name = normalize_text(customer.name)
    all_emails = {customer.email, customer.invoice_email, *customer.contact_emails, *customer.entity_emails}
    all_emails.discard("")
    parts = [name] if customer.name else []
    parts += [
        normalize_text(part)
        for part in [customer.legal_name, customer.alias, *customer.entity_names, *sorted(all_emails)]
        if part
    ]
    document = (
        customer.id,
        customer.organization_id,
        customer.branch_id,
        name[:MAX_NAME_KEY_LENGTH],
        " | ".join(parts),
    )
    keys: set[tuple[int, str]] = {(SearchKeyKind.CUSTOMER_NO, customer.customer_no.lower())}
    for tax_id in {customer.tax_id, customer.vat_number, *customer.entity_tax_ids}:
        if tax_id:
            keys.add((SearchKeyKind.TAX_ID, _compact(tax_id).lower()))
    for number in {customer.phone, customer.contact_phone, *customer.contact_phones}:
        keys.update((SearchKeyKind.PHONE, key) for key in phone_keys(number))
    keys.update((SearchKeyKind.EMAIL, email.lower()) for email in all_emails)
    keys.update(
        (SearchKeyKind.REFERENCE, reference.lower()[:MAX_KEY_LENGTH]) for reference in customer.references if reference
    )
    rows = [(customer.organization_id, customer.id, int(kind), value[:MAX_KEY_LENGTH]) for kind, value in keys if value]
    return document, rows


def index_rows(customers: Iterable[IndexedCustomer]) -> tuple[list[tuple], list[tuple]]:
    """The document rows and key rows of ``customers``."""
    documents: list[tuple] = []
    keys: list[tuple] = []
    for customer in customers:
        document, rows = document_and_keys(customer)
        documents.append(document)
        keys.extend(rows)
    return documents, keys


def index_rows_insert(documents: list[tuple], keys: list[tuple]) -> None:
    """Write rows of index_rows, in the caller's transaction."""
    from .services.bulk import insert_rows

    insert_rows(CustomerSearchDocument, DOCUMENT_COLUMNS, documents, adapted=True)
    insert_rows(CustomerSearchKey, KEY_COLUMNS, keys, adapted=True)


def search_index_refresh(*, customer_ids: Iterable[int]) -> None:
    """Rebuild the index rows of these customers from their current data (deleted ones leave it).

    The customers, their contacts, billing entities and ledger references are read as plain
    values, a handful of queries however many customers there are.
    """
    from billing.models import BillingEntity
    from transactions.models import Transaction

    from .models import ContactEmail, ContactPhone

    ids = sorted(set(customer_ids))
    if not ids:
        return
    CustomerSearchKey.objects.filter(customer_id__in=ids).delete()
    CustomerSearchDocument.objects.filter(customer_id__in=ids).delete()
    customers = list(
        Customer.objects.filter(pk__in=ids, deleted_at__isnull=True).order_by().values_list(*CUSTOMER_FIELDS)
    )
    if not customers:
        return
    alive = [values[0] for values in customers]
    emails = _grouped(ContactEmail.objects.filter(customer_id__in=alive).order_by().values_list("customer_id", "email"))
    phones = _grouped(
        ContactPhone.objects.filter(customer_id__in=alive).order_by().values_list("customer_id", "number")
    )
    references = _grouped(
        Transaction.objects.filter(customer_id__in=alive)
        .exclude(reference="")
        .order_by()
        .values_list("customer_id", "reference")
    )
    entities: dict[int, list[tuple[str, str, str]]] = {}
    for customer_id, *entity in (
        BillingEntity.objects.filter(customer_id__in=alive)
        .order_by()
        .values_list("customer_id", "legal_name", "tax_id", "billing_email")
    ):
        entities.setdefault(customer_id, []).append(entity)
    documents, keys = index_rows(
        IndexedCustomer(
            *values,
            contact_emails=emails.get(values[0], ()),
            contact_phones=phones.get(values[0], ()),
            entity_names=[name for name, _, _ in entities.get(values[0], ())],
            entity_tax_ids=[tax_id for _, tax_id, _ in entities.get(values[0], ())],
            entity_emails=[email for _, _, email in entities.get(values[0], ())],
            references=references.get(values[0], ()),
        )
        for values in customers
    )
    index_rows_insert(documents, keys)


def search_reference_add(*, customer: Customer, reference: str) -> None:
    """A new ledger reference makes its customer findable by it (cheaper than a full refresh)."""
    value = (reference or "").strip().lower()[:255]
    if not value or customer.deleted_at is not None:
        return
    exists = CustomerSearchKey.objects.filter(
        organization_id=customer.organization_id, value=value, customer_id=customer.pk
    ).exists()
    if not exists:
        CustomerSearchKey.objects.create(
            organization_id=customer.organization_id, customer_id=customer.pk, kind=SearchKeyKind.REFERENCE, value=value
        )


def _grouped(pairs) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for customer_id, value in pairs:
        grouped.setdefault(customer_id, []).append(value)
    return grouped


# ---------------------------------------------------------------------------------------------
# The query


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # normalized whole query
    words: tuple[str, ...]
    exact_keys: tuple[str, ...]
    prefix_keys: tuple[str, ...]

    @property
    def is_empty(self) -> bool:
        return not self.text


def parse_query(raw: str) -> ParsedQuery:
    text = normalize_text((raw or "")[:MAX_QUERY_LENGTH])
    words = tuple(dict.fromkeys(text.split()))[:MAX_QUERY_WORDS]
    plain = (raw or "")[:MAX_QUERY_LENGTH].strip().lower()
    compacted = compact(plain).lower()
    keys = {plain, compacted, text}
    if compacted[:2].isalpha() and compacted[2:].isdigit():
        # A VAT-style number typed with its country prefix (DK12345678) also finds the bare number.
        keys.add(compacted[2:])
    digits = "".join(char for char in plain if char.isdigit())
    if len(digits) >= MIN_PHONE_DIGITS and not PHONE_SEPARATORS.sub("", plain).strip("0123456789"):
        keys.update(key for key in (digits, digits.lstrip("0")) if len(key) >= MIN_PHONE_DIGITS)
    keys.discard("")
    return ParsedQuery(text=text, words=words, exact_keys=tuple(sorted(keys)), prefix_keys=tuple(sorted(keys)))


def _prefix(field: str, prefix: str) -> Q:
    if connection.vendor == "sqlite":
        # A range on the binary-collated column uses its B-tree index; LIKE would not.
        return Q(**{f"{field}__gte": prefix, f"{field}__lt": prefix + "\U0010ffff"})
    return Q(**{f"{field}__startswith": prefix})


def _fts_match(expression: str) -> RawSQL:
    """The rowids (customer ids, in every organization) of the FTS5 trigram table's matches."""
    return RawSQL("SELECT rowid FROM customers_search_fts WHERE customers_search_fts MATCH %s", (expression,))


def _all_words_expression(words: Sequence[str]) -> str:
    # Each word is one quoted FTS5 string, so its characters are never query syntax.
    return " AND ".join(_fts_string(word) for word in words)


def _bounded_ids(queryset: QuerySet, cap: int) -> list[int] | None:
    ids = list(queryset.values_list("customer_id", flat=True)[: cap + 1])
    return None if len(ids) > cap else ids


def _key_prefix_ranges(organization_id: int, keys: Sequence[str]) -> list[QuerySet]:
    """The customer ids of each key's index range, to be joined with UNION.

    Given an OR of prefixes instead, PostgreSQL's planner expects thousands of matches and scans
    the whole key table (1.4 s at ten million keys) rather than the few ranges of its index.
    """
    keys_of_organization = CustomerSearchKey.objects.filter(organization_id=organization_id)
    return [keys_of_organization.filter(_prefix("value", key)).values("customer_id").order_by() for key in keys]


def matching_customer_ids(*, organization_id: int, query: ParsedQuery) -> QuerySet | RawSQL:
    """One subquery of the ids of the customers ``query`` matches by text or by identifier.

    Text matches found through SQLite's trigram table alone are not narrowed to the organization:
    the caller's customers are, and reading each match's document only to test its organization
    would cost more than the whole search.
    """
    by_key = _key_prefix_ranges(organization_id, query.prefix_keys)

    long_words = [word for word in query.words if len(word) >= TRIGRAM]
    short_words = [word for word in query.words if len(word) < TRIGRAM]
    documents = CustomerSearchDocument.objects.filter(organization_id=organization_id)
    if not long_words:
        # Too short for trigrams: names that start with the query.
        return documents.filter(_prefix("name_key", query.text)).values("customer_id").union(*by_key)

    unindexed_words = query.words
    if connection.vendor == "sqlite":
        by_trigrams = _fts_match(_all_words_expression(long_words))
        if not short_words:
            # One list of ids, built once: the customers are then read through it by primary key.
            key_sql, key_params = by_key[0].union(*by_key[1:]).query.sql_with_params()
            return RawSQL(f"{by_trigrams.sql} UNION {key_sql}", (*by_trigrams.params, *key_params))  # noqa: S611 - both parts are parameterized
        documents = documents.filter(pk__in=by_trigrams)
        unindexed_words = short_words
    for word in unindexed_words:
        documents = documents.filter(text__contains=word)
    return documents.values("customer_id").union(*by_key)


def customer_search_filter(
    customers: QuerySet[Customer], raw_query: str, *, organization_id: int
) -> QuerySet[Customer]:
    """``customers`` narrowed to the matches of ``raw_query``, annotated with ``search_rank``."""
    query = parse_query(raw_query)
    if query.is_empty:
        # Nothing searchable left (only invisible or control characters): no match.
        return customers.none().annotate(search_rank=Value(RANK_OTHER, output_field=IntegerField()))
    exact = CustomerSearchKey.objects.filter(
        organization_id=organization_id, kind__in=EXACT_KINDS, value__in=query.exact_keys
    )
    # Exact identifiers are few (a number, a tax ID, a phone): looked up once and compared by id,
    # unless a shared one (a company's switchboard) has more than RANKED_CANDIDATES customers.
    exact_ids = _bounded_ids(exact, RANKED_CANDIDATES)
    is_exact = Q(pk__in=exact_ids) if exact_ids is not None else Q(Exists(exact.filter(customer_id=OuterRef("pk"))))
    # The rank reads each match's document once, by the join, rather than by a subquery per rank.
    name_key = "search_document__name_key"
    return customers.filter(pk__in=matching_customer_ids(organization_id=organization_id, query=query)).annotate(
        search_rank=Case(
            When(is_exact, then=Value(RANK_EXACT)),
            When(_prefix(name_key, query.text), then=Value(RANK_NAME_STARTS)),
            When(Q(**{f"{name_key}__contains": query.text}), then=Value(RANK_NAME_CONTAINS)),
            default=Value(RANK_OTHER),
            output_field=IntegerField(),
        )
    )


# ---------------------------------------------------------------------------------------------
# The quick search: the best ``limit`` matches, found rank by rank

# A rank's matches are sorted whole when there are at most this many; more means a common term,
# whose first matches in name order are found sooner by walking the name index and testing each
# name (at least one in RANKED_CANDIDATES/organization size passes), so no query sorts more.
# Both caps are passed where they are used, never bound as default arguments, so that a changed
# value (the tests leave no room to run every rank's walk) takes effect.
RANKED_CANDIDATES = 2000
# The last rank (every word somewhere, or an identifier starting with the query) is where a
# partial email address or code lands. Its matches cluster in name order (the "hello@te…"
# addresses belong to "Te…" companies), so a walk of the name index may read most of it before
# it finds them; up to this many are sorted by the database instead, at a cost that grows with
# the matches, not with the organization. Past it the matches are common enough to walk to.
OTHER_CANDIDATES = 20_000
# A name fragment common enough to walk to may still sit in a few names far down the order ("medic"
# in 3,000 names, all of them after "Kenya"): PostgreSQL walks this many names at most, then
# sorts the matches past them, at a cost that grows with those matches (see _Ranking.walk_a_while).
WALKED_NAMES = 50_000


@dataclass(frozen=True)
class SearchHit:
    customer_id: int
    rank: int


# The quick search runs on every keystroke of every search box, in up to eight short statements.
# Built through the ORM, compiling them cost several times what running them did (at 100,000
# customers, about 5 ms of Python against 0.5 ms in the database per search); so they are
# written here as SQL, in one place, each with its parameters. The list's search filter
# (customer_search_filter) stays a queryset: it is a subquery of the list's own query.
DOCUMENTS = CustomerSearchDocument._meta.db_table
KEYS = CustomerSearchKey._meta.db_table


def _sql_prefix(column: str, prefix: str) -> Sql:
    """``column`` starts with ``prefix``, in the form each database serves from a B-tree index."""
    if connection.vendor == "sqlite":
        # A range on the binary-collated column uses its B-tree index; LIKE would not.
        return Sql(f"{column} >= %s AND {column} < %s", (prefix, prefix + "\U0010ffff"))
    return Sql(f"{column}::text LIKE %s", (connection.ops.prep_for_like_query(prefix) + "%",))


def _sql_contains(column: str, text: str) -> Sql:
    """``column`` contains ``text`` (its ``%``, ``_`` and backslashes taken literally)."""
    pattern = "%" + connection.ops.prep_for_like_query(text) + "%"
    if connection.vendor == "sqlite":
        return Sql(f"{column} LIKE %s ESCAPE '\\'", (pattern,))
    return Sql(f"{column}::text LIKE %s", (pattern,))


def _ids_up_to(statement: Sql, cap: int) -> list[int] | None:
    """The customer ids ``statement`` selects, or None when there are more than ``cap``."""
    bounded = Sql(f"{statement.text} LIMIT %s", (*statement.params, cap + 1))
    ids = [row[0] for row in sql_rows(bounded, model=CustomerSearchDocument)]
    return None if len(ids) > cap else ids


def listed_condition(listed: Sql, column: str) -> Sql:
    """``column`` (a customer id) is one of the customers ``listed`` selects (as ``pk``), tested
    for that one row: a walk or a bounded probe reads few rows, where ``IN`` would first gather
    every listed customer."""
    return Sql(f"EXISTS (SELECT 1 FROM ({listed.text}) AS listed WHERE listed.pk = {column})", listed.params)  # noqa: S608


def _narrowed(condition: Sql, listed: Sql | None, column: str) -> Sql:
    return condition if listed is None else condition & listed_condition(listed, column)


def _exact_keys(organization_id: int, keys: Sequence[str], listed: Sql | None = None) -> Sql:
    """The customer ids of the organization's identifiers equal to one of ``keys``."""
    kinds = ", ".join(str(int(kind)) for kind in EXACT_KINDS)
    values = ", ".join(["%s"] * len(keys))
    condition = Sql(f"kind IN ({kinds}) AND organization_id = %s AND value IN ({values})", (organization_id, *keys))
    condition = _narrowed(condition, listed, f"{KEYS}.customer_id")
    return Sql(f"SELECT customer_id FROM {KEYS} WHERE {condition.text}", condition.params)  # noqa: S608


def _key_prefix_range(organization_id: int, key: str, listed: Sql | None = None) -> Sql:
    """The customer ids of the organization's identifiers starting with ``key``: one index range."""
    condition = Sql("organization_id = %s", (organization_id,)) & _sql_prefix("value", key)
    condition = _narrowed(condition, listed, f"{KEYS}.customer_id")
    return Sql(f"SELECT customer_id FROM {KEYS} WHERE {condition.text}", condition.params)  # noqa: S608


def _key_prefix_ids(
    organization_id: int, keys: Sequence[str], *, cap: int, listed: Sql | None = None
) -> list[int] | None:
    """Ids of the customers with an identifier starting with one of ``keys`` (None past ``cap``):
    one range per key, joined with UNION ALL, for the reason ``_key_prefix_ranges`` gives."""
    ranges = [_key_prefix_range(organization_id, key, listed) for key in keys]
    union = Sql(" UNION ALL ".join(part.text for part in ranges), tuple(chain.from_iterable(p.params for p in ranges)))
    return _ids_up_to(union, cap)


class _Ranking:
    """Collects the customer ids of the quick search in result order until ``limit`` are found."""

    def __init__(self, *, organization_id: int, branch_id: int | None, limit: int, listed: Sql | None = None):
        self.organization_id = organization_id
        self.branch_id = branch_id
        self.limit = limit
        self.listed = listed
        self.hits: dict[int, int] = {}

    @property
    def full(self) -> bool:
        return len(self.hits) >= self.limit

    def _scope(self) -> Sql:
        """The documents this search may return: the organization's (the branch's), not yet found."""
        scope = Sql("organization_id = %s", (self.organization_id,))
        if self.branch_id is not None:
            scope &= Sql("branch_id = %s", (self.branch_id,))
        if self.hits:
            scope &= ~among_ids("customer_id", self.hits)
        return scope

    def _within(self, condition: Sql, column: str = f"{DOCUMENTS}.customer_id") -> Sql:
        """``condition``, held to the listed customers (``column`` is the row's customer id), if any."""
        return _narrowed(condition, self.listed, column)

    def _add(self, statement: Sql, rank: int) -> None:
        for (customer_id,) in sql_rows(statement, model=CustomerSearchDocument):
            self.hits[customer_id] = rank

    def walk(self, condition: Sql, rank: int) -> None:
        """Add documents matching ``condition`` in name order: for conditions many documents meet,
        or a name range, where the database walks the (organization, name_key) index and stops early."""
        if self.full:
            return
        condition = self._within(condition & self._scope())
        self._add(
            Sql(
                f"SELECT customer_id FROM {DOCUMENTS} WHERE {condition.text} ORDER BY name_key, customer_id LIMIT %s",  # noqa: S608
                (*condition.params, self.limit - len(self.hits)),
            ),
            rank,
        )

    def walk_a_while(self, condition: Sql, rank: int, *, names: int) -> None:
        """``walk``, over the first ``names`` names only; the matches past them are then gathered
        (through the trigram index) and sorted by the database.

        For a condition many documents meet but that may cluster in names far down the order: a
        walk would read every name before them (400,000 for "medic" at a million customers,
        0.1 s), where gathering a few thousand matches and sorting them takes a tenth of that.
        The first ``names`` hold every match before the ones gathered, so the order is the walk's.
        """
        if self.full:
            return
        scope = self._scope()
        head = Sql(
            f"SELECT customer_id, name_key FROM {DOCUMENTS} WHERE {scope.text} "  # noqa: S608
            "ORDER BY name_key, customer_id LIMIT %s",
            (*scope.params, names),
        )
        in_head = self._within(condition, "head.customer_id")
        self._add(
            Sql(
                f"SELECT customer_id FROM ({head.text}) AS head WHERE {in_head.text} "  # noqa: S608
                "ORDER BY name_key, customer_id LIMIT %s",
                (*head.params, *in_head.params, self.limit - len(self.hits)),
            ),
            rank,
        )
        if self.full:
            return
        # Every match of the first names was just found (fewer than were asked for): the rest
        # come after them. MATERIALIZED keeps the database from walking the name index for them.
        matches = self._within(condition & self._scope())
        self._add(
            Sql(
                f"WITH matches AS MATERIALIZED (SELECT customer_id, name_key FROM {DOCUMENTS} WHERE {matches.text}) "  # noqa: S608
                "SELECT customer_id FROM matches ORDER BY name_key, customer_id LIMIT %s",
                (*matches.params, self.limit - len(self.hits)),
            ),
            rank,
        )

    def take(
        self,
        ids: Iterable[int],
        rank: int,
        *,
        phrase: str = "",
        text_ids: Iterable[int] = (),
        text_condition: Sql | None = None,
    ):
        """Add the documents of a bounded set of ids whose name contains ``phrase``, in name order;
        ``text_ids`` count only when their document meets ``text_condition``.

        They are read by primary key alone (the text condition is tested by the database on those
        rows only) and filtered and sorted here: given the organization and an order to keep, a
        database may choose to walk the whole name index for a handful of ids.
        """
        if self.full:
            return
        ids, text_ids = set(ids), set(text_ids) - set(ids)
        wanted_ids = [customer_id for customer_id in ids if customer_id not in self.hits]
        wanted_text_ids = [customer_id for customer_id in text_ids if customer_id not in self.hits]
        conditions = []
        if wanted_ids:
            conditions.append(among_ids("customer_id", wanted_ids))
        if wanted_text_ids:
            by_text = among_ids("customer_id", wanted_text_ids)
            conditions.append(by_text & text_condition if text_condition is not None else by_text)
        if not conditions:
            return
        condition = self._within(reduce(operator.or_, conditions))
        rows = sql_rows(
            Sql(
                f"SELECT name_key, customer_id, organization_id, branch_id FROM {DOCUMENTS} WHERE {condition.text}",  # noqa: S608
                condition.params,
            ),
            model=CustomerSearchDocument,
        )
        ordered = sorted(
            (name_key, customer_id)
            for name_key, customer_id, organization_id, branch_id in rows
            if organization_id == self.organization_id
            and (self.branch_id is None or branch_id == self.branch_id)
            and (customer_id in text_ids or phrase in name_key)
        )
        for _, customer_id in ordered[: self.limit - len(self.hits)]:
            self.hits[customer_id] = rank


def _fts_ids(
    organization_id: int,
    expression: str,
    cap: int,
    listed: Sql | None = None,
    document_condition: Sql | None = None,
) -> list[int] | None:
    """Ids of the organization's (``listed``) documents matching an FTS5 ``expression`` (and
    ``document_condition``, on the table aliased ``document``), or None past ``cap``.

    Driven from the trigram table, so the scan stops after ``cap`` + 1 matches.
    """
    condition = Sql("customers_search_fts MATCH %s AND document.organization_id = %s", (expression, organization_id))
    if document_condition is not None:
        condition &= document_condition
    condition = _narrowed(condition, listed, "document.customer_id")
    # CROSS JOIN makes SQLite loop over the trigram matches outside, never over the documents.
    select = (
        "SELECT document.customer_id FROM customers_search_fts AS fts "
        "CROSS JOIN customers_customersearchdocument AS document ON document.customer_id = fts.rowid"
    )
    return _ids_up_to(Sql(f"{select} WHERE {condition.text}", condition.params), cap)  # noqa: S608 - placeholders only


def _fts_string(text: str) -> str:
    # One quoted FTS5 string: its characters are never query syntax; the trigram tokenizer
    # matches it as a substring.
    return '"' + text.replace('"', '""') + '"'


# A trigram index reads the list of every trigram of a string, and an email address has thirty, many
# of them shared by half the documents ("com", "@gm"). Past this length only the longest part of
# the string between "@", "." and spaces is looked up, by four trigrams spread over it; the
# candidates are then checked against the whole string.
FTS_SAMPLED_LENGTH = 12
FTS_SAMPLED_TRIGRAMS = 4
FTS_PART_SEPARATORS = re.compile(r"[@.\s]+")


def _sampled_pieces(text: str) -> list[str]:
    """Substrings of ``text`` that every document containing it contains (and few others do)."""
    if len(text) <= FTS_SAMPLED_LENGTH:
        return [text]
    # Digits make a part rarer than letters alone ("okoth57" rather than "outlook").
    part = max(FTS_PART_SEPARATORS.split(text), key=lambda piece: (any(char.isdigit() for char in piece), len(piece)))
    if len(part) < TRIGRAM:
        return [text]
    if len(part) <= FTS_SAMPLED_LENGTH:
        return [part]
    last = len(part) - TRIGRAM
    starts = sorted({round(index * last / (FTS_SAMPLED_TRIGRAMS - 1)) for index in range(FTS_SAMPLED_TRIGRAMS)})
    return [part[start : start + TRIGRAM] for start in starts]


def _fts_all_of(text: str, *, sampled: bool = True) -> str:
    """An FTS5 expression that every document containing ``text`` matches (and few others do)."""
    pieces = _sampled_pieces(text) if sampled else [text]
    return " AND ".join(_fts_string(piece) for piece in pieces)


def _sampled_ids(
    organization_id: int, column: str, texts: tuple[str, ...], cap: int, listed: Sql | None = None
) -> list[int] | None:
    """Ids of the documents whose ``column`` holds every one of ``texts`` (None past ``cap``):
    looked up by sampled trigrams first (the caller checks the whole strings), and by every
    trigram when the sample finds too many."""
    ids = None
    for sampled in (True, False):
        if connection.vendor == "sqlite":
            expression = f"{column} : (" + " AND ".join(_fts_all_of(text, sampled=sampled) for text in texts) + ")"
            ids = _fts_ids(organization_id, expression, cap, listed)
        else:
            # pg_trgm's GIN index: each piece's trigrams, like the FTS5 table's.
            condition = Sql("organization_id = %s", (organization_id,))
            for text in texts:
                for piece in _sampled_pieces(text) if sampled else [text]:
                    condition &= _sql_contains(column, piece)
            condition = _narrowed(condition, listed, f"{DOCUMENTS}.customer_id")
            ids = _ids_up_to(Sql(f"SELECT customer_id FROM {DOCUMENTS} WHERE {condition.text}", condition.params), cap)  # noqa: S608
        if ids is not None or all(_sampled_pieces(text) == [text] for text in texts):
            break
    return ids


def _name_contains_ids(organization_id: int, phrase: str, listed: Sql | None = None) -> list[int] | None:
    return _sampled_ids(organization_id, "name_key", (phrase,), RANKED_CANDIDATES, listed)


def _text_contains_all_ids(
    organization_id: int, words: tuple[str, ...], *, cap: int, listed: Sql | None = None
) -> list[int] | None:
    """Documents whose text holds every word of three characters or more (shorter ones are tested later)."""
    return _sampled_ids(organization_id, "text", words, cap, listed)


def _has_key_starting_with(organization_id: int, key: str) -> Sql:
    """The document's customer has an identifier starting with ``key``, tested for that one row."""
    condition = Sql("own_key.organization_id = %s", (organization_id,)) & _sql_prefix("own_key.value", key)
    return Sql(
        f"EXISTS (SELECT 1 FROM {KEYS} AS own_key WHERE own_key.customer_id = {DOCUMENTS}.customer_id "  # noqa: S608
        f"AND {condition.text})",
        condition.params,
    )


def ranked(*, organization_id: int, raw_query: str, ids: Iterable[int]) -> list[SearchHit]:
    """``ids``, a bounded set of ``raw_query``'s matches, in the quick search's order: exact
    identifiers, names starting with the query, names containing it, the rest; each by name.

    For the list, once its filters have narrowed the matches to a few: ranking them costs two
    reads by primary key, where the quick search's probes would read the organization's matches.
    """
    query = parse_query(raw_query)
    ids = list(ids)
    if query.is_empty or not ids:
        return []
    by_id = among_ids("customer_id", ids)
    exact = _exact_keys(organization_id, query.exact_keys)
    exact_among_ids = Sql(f"{exact.text} AND {by_id.text}", (*exact.params, *by_id.params))
    exact_ids = {customer_id for (customer_id,) in sql_rows(exact_among_ids, model=CustomerSearchKey)}
    documents = sql_rows(
        Sql(f"SELECT customer_id, name_key FROM {DOCUMENTS} WHERE {by_id.text}", by_id.params),  # noqa: S608
        model=CustomerSearchDocument,
    )
    phrase = query.text if _ranks_name_contains(query) else None

    def rank(customer_id: int, name_key: str) -> int:
        if customer_id in exact_ids:
            return RANK_EXACT
        if name_key.startswith(query.text):
            return RANK_NAME_STARTS
        if phrase is not None and phrase in name_key:
            return RANK_NAME_CONTAINS
        return RANK_OTHER

    order = sorted((rank(customer_id, name_key), name_key, customer_id) for customer_id, name_key in documents)
    return [SearchHit(customer_id, rank_) for rank_, _, customer_id in order]


def _ranks_name_contains(query: ParsedQuery) -> bool:
    """Whether "the name contains the query" is a rank of its own: a phrase a trigram index finds."""
    return len(query.text) >= TRIGRAM and any(len(word) >= TRIGRAM for word in query.words)


def _words_condition(words: tuple[str, ...]) -> Sql:
    return reduce(operator.and_, (_sql_contains("text", word) for word in words))


def quick_search(
    *, organization_id: int, raw_query: str, limit: int, branch_id: int | None = None, listed: Sql | None = None
) -> list[SearchHit]:
    """The best ``limit`` matches of ``raw_query``, best first (the ranking of customer_search_filter).

    ``listed`` selects (as ``pk``) the customers to keep to: the customer list's other filters.
    Every probe and walk tests its rows against it one by one (``listed_condition``), so that a
    word common in the organization but rare among the listed is taken as rare, not walked to.

    Rank by rank, each in name order, stopping as soon as ``limit`` are found: exact identifiers,
    names starting with the query, names containing it, then everything else the query matches
    (every word somewhere in the text, or an identifier starting with it). Every step is an index
    lookup or a bounded walk, so a common word costs no more than a rare one.
    """
    query = parse_query(raw_query)
    if query.is_empty or limit < 1:
        return []
    ranking = _Ranking(organization_id=organization_id, branch_id=branch_id, limit=limit, listed=listed)

    exact = _exact_keys(organization_id, query.exact_keys, listed)
    exact_ids = _ids_up_to(exact, RANKED_CANDIDATES)
    if exact_ids is None:
        ranking.walk(Sql(f"customer_id IN ({exact.text})", exact.params), RANK_EXACT)
    else:
        ranking.take(exact_ids, RANK_EXACT)
    ranking.walk(_sql_prefix("name_key", query.text), RANK_NAME_STARTS)

    long_words = tuple(word for word in query.words if len(word) >= TRIGRAM)
    if _ranks_name_contains(query) and not ranking.full:
        phrase_ids = _name_contains_ids(organization_id, query.text, listed)
        if phrase_ids is None and connection.vendor == "postgresql":
            ranking.walk_a_while(_sql_contains("name_key", query.text), RANK_NAME_CONTAINS, names=WALKED_NAMES)
        elif phrase_ids is None:
            # SQLite's trigram index is a table of its own (FTS5), which the gathering statement
            # of walk_a_while would not use: there, the names are walked.
            ranking.walk(_sql_contains("name_key", query.text), RANK_NAME_CONTAINS)
        else:
            ranking.take(phrase_ids, RANK_NAME_CONTAINS, phrase=query.text)
    if ranking.full:
        return [SearchHit(customer_id, rank) for customer_id, rank in ranking.hits.items()]

    key_ids = _key_prefix_ids(organization_id, query.prefix_keys, cap=OTHER_CANDIDATES, listed=listed)
    text_ids = (
        _text_contains_all_ids(organization_id, long_words, cap=OTHER_CANDIDATES, listed=listed) if long_words else []
    )
    if key_ids is not None and text_ids is not None:
        # Every word, the short ones (under a trigram) included, is tested on the text matches.
        ranking.take(key_ids, RANK_OTHER, text_ids=text_ids, text_condition=_words_condition(query.words))
    else:
        if key_ids is not None:
            conditions = [among_ids("customer_id", key_ids)] if key_ids else []
        else:
            # Past OTHER_CANDIDATES keys (a phone's country and network digits, "+254 7") every
            # walked name is tested against its own keys: ``IN`` would first gather every key of
            # the range, a million for "2547" at a million customers (3.4 s).
            conditions = [_has_key_starting_with(organization_id, key) for key in query.prefix_keys]
        if long_words:
            conditions.append(_words_condition(query.words))
        ranking.walk(reduce(operator.or_, conditions), RANK_OTHER)
    return [SearchHit(customer_id, rank) for customer_id, rank in ranking.hits.items()]


# ---------------------------------------------------------------------------------------------
# Rebuild and check

REBUILD_CHUNK = 2000


def _customer_id_chunks(organization_id: int | None, chunk: int = REBUILD_CHUNK):
    customers = Customer.objects.order_by("pk")
    if organization_id is not None:
        customers = customers.filter(organization_id=organization_id)
    last = 0
    while True:
        ids = list(customers.filter(pk__gt=last).values_list("pk", flat=True)[:chunk])
        if not ids:
            return
        yield ids
        last = ids[-1]


def search_index_rebuild(*, organization_id: int | None = None) -> int:
    """Rebuild every customer's index rows from its data; returns the number of customers indexed."""
    from django.db import transaction

    if connection.vendor == "sqlite":
        # First: the triggers fired by the refresh below send the trigram table 'delete' commands,
        # which fail ("database disk image is malformed") on a table out of step with the documents.
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO customers_search_fts(customers_search_fts) VALUES ('rebuild')")
    indexed = 0
    for ids in _customer_id_chunks(organization_id):
        with transaction.atomic():
            search_index_refresh(customer_ids=ids)
            # Deleted customers are visited (their rows must go) but not indexed.
            indexed += CustomerSearchDocument.objects.filter(customer_id__in=ids).count()
    return indexed


@dataclass(frozen=True)
class IndexDrift:
    customer_id: int
    problem: str


def search_index_check(*, organization_id: int | None = None) -> list[IndexDrift]:
    """Compare the stored index with what the data says it should hold, customer by customer."""
    from django.db import transaction

    if connection.vendor == "sqlite" and not _sqlite_trigram_table_in_step():
        # Building the expected rows below would fail on it; a rebuild repairs it with the rest.
        return [IndexDrift(0, "the SQLite trigram table does not match the documents")]
    drifts: list[IndexDrift] = []
    for ids in _customer_id_chunks(organization_id):
        stored_documents = {
            document.customer_id: (document.branch_id, document.name_key, document.text)
            for document in CustomerSearchDocument.objects.filter(customer_id__in=ids)
        }
        stored_keys = _key_sets(CustomerSearchKey.objects.filter(customer_id__in=ids))
        # Build the expected rows in a transaction that is rolled back, with the same code that writes them.
        with transaction.atomic():
            search_index_refresh(customer_ids=ids)
            expected_documents = {
                document.customer_id: (document.branch_id, document.name_key, document.text)
                for document in CustomerSearchDocument.objects.filter(customer_id__in=ids)
            }
            expected_keys = _key_sets(CustomerSearchKey.objects.filter(customer_id__in=ids))
            transaction.set_rollback(True)
        for customer_id in ids:
            if stored_documents.get(customer_id) != expected_documents.get(customer_id):
                if customer_id not in expected_documents:
                    problem = "indexed although deleted"
                elif customer_id not in stored_documents:
                    problem = "missing from the index"
                else:
                    problem = "indexed text is out of date"
                drifts.append(IndexDrift(customer_id, problem))
            elif stored_keys.get(customer_id, set()) != expected_keys.get(customer_id, set()):
                drifts.append(IndexDrift(customer_id, "identifiers (number, tax ID, phones, emails) out of date"))
    return drifts


def _sqlite_trigram_table_in_step() -> bool:
    # With rank 1 FTS5 compares the index with its external content table; without it, only
    # with itself, which misses a document the trigram table lacks or holds with old text.
    with connection.cursor() as cursor:
        try:
            cursor.execute("INSERT INTO customers_search_fts(customers_search_fts, rank) VALUES ('integrity-check', 1)")
        except DatabaseError:
            return False
    return True


def _key_sets(keys: QuerySet) -> dict[int, set[tuple[int, str]]]:
    grouped: dict[int, set[tuple[int, str]]] = {}
    for customer_id, kind, value in keys.values_list("customer_id", "kind", "value"):
        grouped.setdefault(customer_id, set()).add((kind, value))
    return grouped
