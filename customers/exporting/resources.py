"""The customer list as a django-import-export resource, for admin's export action.

It shares the columns, the organization scope, the list filters and the formula neutralization
of the streamed exports in ``customer_list``, so an admin export and an API export agree.
"""

from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from import_export import resources
from import_export.fields import Field

from accounts.models import Organization
from customers.models import Customer
from customers.selectors import customer_list

from .cells import csv_text
from .customer_list import CUSTOMER_LIST_COLUMNS


class CustomerListExportResource(resources.ModelResource):
    def __init__(self, *, organization: Organization, filters: Mapping[str, Any] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.organization = organization
        self.filters = filters
        self.zone = ZoneInfo(organization.timezone)
        self.columns = {column.field: column for column in CUSTOMER_LIST_COLUMNS}
        self.fields = {
            column.field: Field(attribute=column.field, column_name=column.header, readonly=True)
            for column in CUSTOMER_LIST_COLUMNS
        }

    class Meta:
        model = Customer
        fields = tuple(column.field for column in CUSTOMER_LIST_COLUMNS)
        export_order = fields

    def get_queryset(self):
        return customer_list(organization=self.organization, filters=self.filters).select_related("group")

    def export_field(self, field: Field, instance: Customer, **kwargs) -> Any:
        value = self.columns[field.attribute].value(field.get_value(instance), zone=self.zone)
        # tablib writes a leading "=" as a formula in xlsx; the apostrophe keeps every format inert.
        return csv_text(value) if isinstance(value, str) else value
