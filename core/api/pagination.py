"""page/per_page pagination with the meta of the API: total, total_is_exact, per_page, current_page, last_page."""

import math

from django.conf import settings
from rest_framework.exceptions import NotFound, ValidationError

from core.paging import CountedList, count_up_to


class PageParams:
    def __init__(self, query_params):
        self.page = self._positive_int(query_params.get("page", "1"), "page")
        self.per_page = min(
            self._positive_int(query_params.get("per_page", str(settings.API_DEFAULT_PER_PAGE)), "per_page"),
            settings.API_MAX_PER_PAGE,
        )

    @staticmethod
    def _positive_int(raw: str, name: str) -> int:
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = 0
        if value < 1:
            raise ValidationError({name: [f"{name} must be a whole number of 1 or more."]})
        return value


def paginate(rows, query_params) -> tuple[list, dict]:
    """The requested page of ``rows`` (a queryset or a ``CountedList``) and the meta that describes it.

    A ``CountedList`` may count no further than a limit (``core.paging``): past it ``total`` is the
    limit, ``total_is_exact`` is false, and the pages end with the counted rows.
    """
    params = PageParams(query_params)
    total = rows.total if isinstance(rows, CountedList) else count_up_to(rows, None)
    last_page = max(1, math.ceil(total.count / params.per_page))
    if params.page > last_page:
        message = f"Page {params.page} does not exist; the last page is {last_page}."
        if not total.is_exact:
            message += f" Only the first {total.count:,} matches are paged: narrow the filters or export the list."
        raise NotFound(message)
    start = (params.page - 1) * params.per_page
    page_rows = list(rows[start : start + params.per_page])
    meta = {
        "total": total.count,
        "total_is_exact": total.is_exact,
        "per_page": params.per_page,
        "current_page": params.page,
        "last_page": last_page,
    }
    return page_rows, meta
