"""The one filter set of the customer list, shared by the API, the pages and the exports."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import django_filters
from django import forms
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from accounts.models import Organization

from .models import Customer, CustomerStatus, CustomerType
from .search import customer_search_filter
from .validators import compact

STATUS_CHOICES = [*CustomerStatus.choices, ("inactive", "Inactive (blocked or archived)")]
ORDERING_FIELDS = ("name", "customer_no", "created_at", "updated_at", "balance")


class MomentField(forms.CharField):
    """A date (``YYYY-MM-DD``, returned as a ``date``) or an ISO 8601 time (naive times read as UTC)."""

    default_error_messages = {"invalid": "Enter a date (YYYY-MM-DD) or an ISO 8601 time."}

    def to_python(self, value):
        value = super().to_python(value).strip()
        if not value:
            return None
        try:
            day = parse_date(value) if len(value) == 10 else None
        except ValueError:
            # Well-formed but impossible, such as 2024-02-30.
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if day is not None:
            return day
        try:
            moment = parse_datetime(value.replace(" ", "+"))
        except ValueError:
            moment = None
        if moment is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        try:
            # Times at the edge of the calendar (year 1 with a +14:00 offset) cannot be held in UTC.
            return (moment if timezone.is_aware(moment) else timezone.make_aware(moment, UTC)).astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class MomentFilter(django_filters.Filter):
    """Compares a time; a bare date means that whole day in the organization's timezone."""

    field_class = MomentField

    def __init__(self, *args, end_of_day: bool = False, **kwargs):
        self.end_of_day = end_of_day
        super().__init__(*args, **kwargs)

    def filter(self, qs, value):
        if value is not None:
            value = self.moment(value)
        return super().filter(qs, value)

    def moment(self, value: date | datetime) -> datetime:
        """``value`` as a time: a bare date is the start (or end) of that day in the organization's timezone."""
        if isinstance(value, datetime):
            return value
        organization = getattr(self.parent, "organization", None)
        zone = ZoneInfo(organization.timezone) if organization is not None else UTC
        try:
            return datetime.combine(value, time.max if self.end_of_day else time.min, tzinfo=zone).astimezone(UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError({self.parameter_name: ["This date is out of range."]}) from None

    @property
    def parameter_name(self) -> str:
        """The query parameter this filter reads (created_from), which errors name; not its model field."""
        filters = getattr(self.parent, "filters", {})
        return next((name for name, candidate in filters.items() if candidate is self), self.field_name)


class OrderedRangesFilterSet(django_filters.FilterSet):
    """A filter set whose ranges (``date_ranges``: pairs of MomentFilter names) must not end before they start.

    A reversed range would only ever match nothing; it is refused, naming its end, as the statement
    refuses its dates.
    """

    date_ranges: tuple[tuple[str, str], ...] = ()

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        for start_name, end_name in self.date_ranges:
            start, end = self.form.cleaned_data.get(start_name), self.form.cleaned_data.get(end_name)
            if start is None or end is None:
                continue
            try:
                reversed_range = self.filters[start_name].moment(start) > self.filters[end_name].moment(end)
            except forms.ValidationError:
                continue  # out of range: the filter itself says so
            if reversed_range:
                self.form.add_error(end_name, f"This is before {start_name}.")
        return not self.form.errors


class IdFilter(django_filters.Filter):
    """A row's id: a whole number a database key can hold, else a 400 (SQLite cannot bind a larger one)."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, min_value=1, max_value=2**63 - 1, **kwargs)


class CustomerFilterSet(OrderedRangesFilterSet):
    branch_id = django_filters.CharFilter(field_name="branch__code")
    search = django_filters.CharFilter(method="filter_search")
    status = django_filters.ChoiceFilter(choices=STATUS_CHOICES, method="filter_status")
    type = django_filters.ChoiceFilter(choices=CustomerType.choices)
    category_id = IdFilter(field_name="category_id")
    group_id = IdFilter(field_name="group_id")
    origin_id = IdFilter(field_name="origin_id")
    customer_no = django_filters.CharFilter(field_name="customer_no")
    tin = django_filters.CharFilter(method="filter_tin")
    created_from = MomentFilter(field_name="created_at", lookup_expr="gte")
    created_to = MomentFilter(field_name="created_at", lookup_expr="lte", end_of_day=True)
    updated_since = MomentFilter(field_name="updated_at", lookup_expr="gte")
    ordering = django_filters.OrderingFilter(fields=ORDERING_FIELDS)

    date_ranges = (("created_from", "created_to"),)

    class Meta:
        model = Customer
        fields: list[str] = []

    def __init__(self, *args, organization: Organization | None = None, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)

    def filter_search(self, queryset, name, value):
        if not value.strip():
            return queryset
        matches = customer_search_filter(queryset, value, organization_id=self.organization.pk)
        # Best match first unless the caller asks for another order (``ordering`` is applied after).
        return matches.order_by("search_rank", "name", "id")

    def filter_status(self, queryset, name, value):
        if value == "inactive":
            return queryset.filter(status__in=[CustomerStatus.BLOCKED, CustomerStatus.ARCHIVED])
        return queryset.filter(status=value)

    def filter_tin(self, queryset, name, value):
        return queryset.filter(tax_id=compact(value))
