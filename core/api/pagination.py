"""page/per_page pagination with the meta of the API: total, per_page, current_page, last_page."""

import math

from django.conf import settings
from rest_framework.exceptions import NotFound, ValidationError


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


def paginate(queryset, query_params) -> tuple[list, dict]:
    """The rows of the requested page and the meta that describes it."""
    params = PageParams(query_params)
    total = queryset.count()
    last_page = max(1, math.ceil(total / params.per_page))
    if params.page > last_page:
        raise NotFound(f"Page {params.page} does not exist; the last page is {last_page}.")
    start = (params.page - 1) * params.per_page
    rows = list(queryset[start : start + params.per_page])
    meta = {"total": total, "per_page": params.per_page, "current_page": params.page, "last_page": last_page}
    return rows, meta
