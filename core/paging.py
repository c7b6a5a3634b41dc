"""Counting a list for its pages, shared by the API's pagination and the back-office pages.

The customer list's total is counted exactly up to ``settings.LIST_EXACT_TOTAL_UP_TO`` matches
(1,000 by default) and reported as "more than that" past it, as search engines report "1,000+".
Counting every match of a broad filter at a million customers means reading every matching row
(a word in a fifth of the names: 0.2–1.2 s), which no page can afford; even counting to 10,000
took a page 130–210 ms at the 95th percentile there. A list of more matches is paged no further
than the counted ones, and is narrowed with filters or exported whole.
"""

from abc import ABC, abstractmethod
from dataclasses import dataclass

from django.db.models import QuerySet


@dataclass(frozen=True)
class Total:
    count: int  # the exact count, or the limit when there are more
    is_exact: bool


def count_up_to(queryset: QuerySet, limit: int | None) -> Total:
    """How many rows ``queryset`` holds, counted no further than ``limit`` (None: all of them)."""
    if limit is None:
        return Total(queryset.count(), True)
    # COUNT(*) over the first limit + 1 rows: the database stops reading there.
    counted = queryset.order_by().values("pk")[: limit + 1].count()
    return Total(counted, True) if counted <= limit else Total(limit, False)


class CountedList(ABC):
    """Rows that count themselves (``total``) and are read a window at a time (``rows[a:b]``).

    Django's ``Paginator`` takes one as it takes a queryset, through ``count()`` and slicing.
    """

    @property
    @abstractmethod
    def total(self) -> Total: ...

    @abstractmethod
    def __getitem__(self, window: slice) -> list: ...

    def count(self) -> int:
        return self.total.count
