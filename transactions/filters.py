"""Filters of the ledger, shared by the API, the customer page and the statement."""

import django_filters

from customers.filters import IdFilter, MomentFilter, OrderedRangesFilterSet

from .models import Transaction, TransactionStatus, TransactionType

# The API also accepts the plural names integrators of similar systems send.
TYPE_ALIASES = {"sales": TransactionType.SALE, "purchases": TransactionType.PURCHASE}


class TransactionFilterSet(OrderedRangesFilterSet):
    type = django_filters.ChoiceFilter(
        choices=[*TransactionType.choices, *((alias, alias) for alias in TYPE_ALIASES)], method="filter_type"
    )
    status = django_filters.ChoiceFilter(choices=TransactionStatus.choices)
    from_date = MomentFilter(field_name="occurred_at", lookup_expr="gte")
    to_date = MomentFilter(field_name="occurred_at", lookup_expr="lte", end_of_day=True)
    customer_id = IdFilter(field_name="customer_id")
    reference = django_filters.CharFilter(field_name="reference")

    date_ranges = (("from_date", "to_date"),)

    class Meta:
        model = Transaction
        fields: list[str] = []

    def __init__(self, *args, organization=None, **kwargs):
        self.organization = organization
        super().__init__(*args, **kwargs)

    def filter_type(self, queryset, name, value):
        return queryset.filter(type=TYPE_ALIASES.get(value, value))
