"""The customer list a page at a time, at any size: the API's list and the list page read it.

The list is counted up to ``settings.LIST_EXACT_TOTAL_UP_TO`` matches (``core.paging``), and each
page is read by the plan that stays cheap at a million customers:

- a search's matches are counted from the search index, each tested against the other filters
  and read no further than the limit; in best-match order, matches counted in full are ranked
  from their ids (``search.ranked``), and more are read by the quick search's rank-by-rank walk
  held to the other filters (``search.quick_search``), so a word in a fifth of the names costs
  no more than a rare one;
- a list with more matches than are counted, in a column's order, is read by walking that
  column's index and testing each row, which finds a page of a common filter within a few
  hundred rows (SQLite would otherwise gather every match of a date range and sort them);
- otherwise, at most the limit's matches, the database sorts them.
"""

import operator
from collections.abc import Mapping
from functools import cached_property, reduce
from typing import Any

from django.conf import settings
from django.db import connection
from django.db.models import Exists, F, OuterRef, Q, QuerySet

from accounts.models import Organization
from core.db import Sql, sql_rows
from core.expressions import AmongIds
from core.paging import CountedList, Total, count_up_to

from .models import Customer, CustomerSearchDocument, CustomerSearchKey
from .search import (
    DOCUMENTS,
    TRIGRAM,
    ParsedQuery,
    _all_words_expression,
    _fts_ids,
    _ids_up_to,
    _key_prefix_range,
    _prefix,
    _sql_contains,
    _sql_prefix,
    listed_condition,
    parse_query,
    quick_search,
    ranked,
)
from .selectors import customer_list

# The index SQLite walks for a list in one column's order (see the module); each starts with
# the organization, whose rows it then reads in that column's order.
ORDER_INDEXES = {
    "name": "customer_org_name",
    "customer_no": "customer_org_no",
    "balance": "customer_org_balance",
    "created_at": "customer_org_created",
    "updated_at": "customer_org_updated",
}


class CustomerListing(CountedList):
    """The customers ``filters`` select (the list's filters, ``search`` and ``ordering`` included)."""

    def __init__(self, *, organization: Organization, filters: Mapping[str, Any] | None = None):
        filters = dict((filters or {}).items())  # a QueryDict gives each name's last value
        self.organization = organization
        self.search = str(filters.pop("search", "") or "").strip()
        self.ordering = str(filters.get("ordering", "") or "").strip()
        self.limit = settings.LIST_EXACT_TOTAL_UP_TO
        # The list's other filters (validated here: a bad one raises ValidationError).
        self.customers = customer_list(organization=organization, filters=filters)

    @classmethod
    def none(cls, *, organization: Organization) -> "CustomerListing":
        """An empty list (what a page shows while its filters are in error)."""
        listing = cls(organization=organization)
        listing.customers = listing.customers.none()
        return listing

    # -- counting ---------------------------------------------------------------------------

    @cached_property
    def total(self) -> Total:
        if not self.search:
            return count_up_to(self.customers, self.limit)
        ids = self._matching_ids
        return Total(self.limit, False) if ids is None else Total(len(ids), True)

    @cached_property
    def _matching_ids(self) -> set[int] | None:
        """The ids of the listed customers the search matches, or None past the limit.

        Each part of the match (an identifier prefix, the words in the text) is read from its
        index and tested against the other filters row by row, up to the limit: a common word
        stops early instead of gathering all its matches first.
        """
        query = parse_query(self.search)
        if query.is_empty:
            return set()
        organization_id = self.organization.pk
        ids: set[int] = set()
        parts = [_key_prefix_range(organization_id, key, self._listed_sql) for key in query.prefix_keys]
        long_words = [word for word in query.words if len(word) >= TRIGRAM]
        documents = Sql(f"SELECT customer_id FROM {DOCUMENTS} WHERE organization_id = %s", (organization_id,))  # noqa: S608
        by_document = self._listed(f"{DOCUMENTS}.customer_id")
        if not long_words:
            # Too short for trigrams: names that start with the query.
            parts.append(_where(documents, _sql_prefix("name_key", query.text), by_document))
        elif connection.vendor == "sqlite":
            # Driven from the trigram table, which yields matches one at a time; the words under a
            # trigram's length are tested on the document.
            short_words = [word for word in query.words if len(word) < TRIGRAM]
            short = _all_of(_sql_contains("document.text", word) for word in short_words) if short_words else None
            expression = _all_words_expression(long_words)
            found = _fts_ids(organization_id, expression, self.limit, self._listed_sql, document_condition=short)
            if found is None:
                return None
            ids.update(found)
        else:
            words = [_sql_contains("text", word) for word in query.words]
            parts.append(_where(documents, *words, by_document))

        for part in parts:
            found = _ids_up_to(part, self.limit)
            if found is None:
                return None
            ids.update(found)
            if len(ids) > self.limit:
                return None
        return ids

    @cached_property
    def _listed_sql(self) -> Sql:
        """The statement selecting the listed customers' ids (as ``pk``): the filters but the search."""
        sql, params = self.customers.order_by().values("pk").query.sql_with_params()
        return Sql(sql, params)

    def _listed(self, customer_id_column: str) -> Sql:
        """``customer_id_column`` is one of the listed customers, tested for that one row."""
        return listed_condition(self._listed_sql, customer_id_column)

    # -- reading a page -----------------------------------------------------------------------

    def __getitem__(self, window: slice) -> list[Customer]:
        start, stop = window.start or 0, window.stop
        if self.search and not self.ordering:
            if self._matching_ids is not None:
                hits = ranked(organization_id=self.organization.pk, raw_query=self.search, ids=self._matching_ids)
                return self._in_order([hit.customer_id for hit in hits][start:stop])
            hits = quick_search(
                organization_id=self.organization.pk,
                raw_query=self.search,
                limit=stop,
                listed=self._listed_sql,
            )
            return self._in_order([hit.customer_id for hit in hits][start:stop])
        if self.search:
            ids = self._matching_ids
            if ids is not None:
                return list(self.customers.filter(AmongIds(F("pk"), sorted(ids)))[start:stop])
            return self._walked(self.customers.filter(_matched_row_by_row(parse_query(self.search))), start, stop)
        if self.total.is_exact:
            return list(self.customers[start:stop])
        return self._walked(self.customers, start, stop)

    def _walked(self, customers: QuerySet[Customer], start: int, stop: int) -> list[Customer]:
        """A window of ``customers`` (more than the limit), read by walking the index of their order."""
        index = ORDER_INDEXES.get(self.ordering.lstrip("-") or "name")
        if index is None or connection.vendor != "sqlite":
            return list(customers[start:stop])
        return self._in_order(_ids_walking(customers, index, start, stop))

    def _in_order(self, ids: list[int]) -> list[Customer]:
        """The listed customers ``ids`` names, in that order."""
        found = {customer.pk: customer for customer in self.customers.filter(AmongIds(F("pk"), ids)).order_by()}
        return [found[customer_id] for customer_id in ids if customer_id in found]


def _matched_row_by_row(query: ParsedQuery) -> Q:
    """The search's match as a test of each customer's own document and identifiers, for a walk
    in another order that reads a few hundred customers, not every match."""
    if query.is_empty:
        return Q(pk__in=[])
    documents = CustomerSearchDocument.objects.filter(customer_id=OuterRef("pk"))
    if any(len(word) >= TRIGRAM for word in query.words):
        for word in query.words:
            documents = documents.filter(text__contains=word)
    else:
        documents = documents.filter(_prefix("name_key", query.text))
    keys = CustomerSearchKey.objects.filter(customer_id=OuterRef("pk")).filter(
        reduce(operator.or_, (_prefix("value", key) for key in query.prefix_keys))
    )
    return Q(Exists(documents)) | Q(Exists(keys))


def _ids_walking(customers: QuerySet[Customer], index: str, start: int, stop: int) -> list[int]:
    """A window of ``customers``' ids, read by walking ``index``: SQLite is told to, as it would
    rather gather a date range's matches and sort them all."""
    sql, params = customers.values_list("pk", flat=True)[start:stop].query.sql_with_params()
    table = f'FROM "{Customer._meta.db_table}"'
    sql = sql.replace(table, f'{table} INDEXED BY "{index}"', 1)
    return [customer_id for (customer_id,) in sql_rows(Sql(sql, params), model=Customer)]


def _all_of(conditions) -> Sql:
    return reduce(operator.and_, conditions)


def _where(select: Sql, *conditions: Sql) -> Sql:
    """``select`` (which ends in a WHERE clause) narrowed by ``conditions``."""
    narrowed = _all_of(conditions)
    return Sql(f"{select.text} AND {narrowed.text}", (*select.params, *narrowed.params))
