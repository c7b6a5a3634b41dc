"""Customer endpoints: parse with an input serializer, call a service or selector, render."""

from django.conf import settings
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError

from core.api.conditional import etag_for
from core.api.envelope import success
from core.api.schema import (
    PAGINATION_PARAMETERS,
    READ_ERRORS,
    SEARCH_META,
    VALIDATION_EXAMPLE,
    WRITE_ERRORS,
    enveloped,
    errors,
)
from core.api.views import OrganizationViewSet
from customers import services
from customers.filters import ORDERING_FIELDS, CustomerFilterSet
from customers.listing import CustomerListing
from customers.selectors import (
    SUMMARY_FILTERS,
    customer_get,
    customer_get_detailed,
    customer_quick_search,
    customer_summary,
)
from transactions.selectors import transaction_summary

from .serializers import (
    CUSTOMER_ERROR_ALIASES,
    CustomerDetailOutputSerializer,
    CustomerInputSerializer,
    CustomerListOutputSerializer,
    CustomerSearchOutputSerializer,
    CustomerSummaryOutputSerializer,
    customer_fields_from_input,
)

LIST_FILTERS = frozenset(CustomerFilterSet.base_filters)
SEARCH_PARAMS = frozenset({"q", "branch_id", "limit"})

CREATE_EXAMPLE = OpenApiExample(
    "Create",
    request_only=True,
    value={
        "branch_id": "00",
        "customer_no": "CUST003",
        "custNm": "XYZ Enterprises",
        "tin": "P000789012Y",
        "phone": "+254733345678",
        "email": "contact@xyz.co.ke",
    },
)
Detail = enveloped(CustomerDetailOutputSerializer, name="CustomerDetailEnvelope")
DetailWithMessage = enveloped(CustomerDetailOutputSerializer, name="CustomerChangedEnvelope", message=True)

list_parameters = [
    OpenApiParameter("branch_id", str, description="Branch code, e.g. 00."),
    OpenApiParameter("search", str, description="Name, number, tax ID, phone, email, invoice number."),
    OpenApiParameter("status", str, enum=["active", "inactive", "blocked", "archived"]),
    OpenApiParameter("type", str, enum=["individual", "company", "government"]),
    OpenApiParameter("category_id", int),
    OpenApiParameter("group_id", int),
    OpenApiParameter("origin_id", int),
    OpenApiParameter("customer_no", str),
    OpenApiParameter("tin", str),
    OpenApiParameter("created_from", str, description="YYYY-MM-DD or ISO 8601 time."),
    OpenApiParameter("created_to", str, description="YYYY-MM-DD (inclusive) or ISO 8601 time."),
    OpenApiParameter("updated_since", str, description="YYYY-MM-DD or ISO 8601 time."),
    OpenApiParameter(
        "ordering",
        str,
        enum=[f"{sign}{field}" for field in ORDERING_FIELDS for sign in ("", "-")],
        description="name, customer_no, created_at, updated_at or balance; prefix with - to reverse.",
    ),
    *PAGINATION_PARAMETERS,
]


class CustomerViewSet(OrganizationViewSet):
    manager_actions = frozenset({"destroy", "archive", "unarchive", "block", "unblock"})
    versioned_actions = frozenset(
        {"create", "retrieve", "partial_update", "update", "destroy", "archive", "unarchive", "block", "unblock"}
    )
    error_field_aliases = CUSTOMER_ERROR_ALIASES

    def _detail(self, customer_id, *, message: str | None = None, status: int = 200):
        customer = customer_get_detailed(organization=self.organization, customer_id=customer_id)
        context = {"summary": transaction_summary(customer=customer)}
        return success(
            self.request,
            CustomerDetailOutputSerializer(customer, context=context).data,
            message=message,
            status=status,
            headers={"ETag": etag_for(customer)},
        )

    def _input(self, *, partial: bool) -> dict:
        if not isinstance(self.request.data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        serializer = CustomerInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return customer_fields_from_input(organization=self.organization, data=serializer.validated_data)

    @extend_schema(
        summary="List customers",
        parameters=list_parameters,
        responses={
            200: enveloped(CustomerListOutputSerializer, name="CustomerListEnvelope", many=True, paginated=True),
            **errors(400, *READ_ERRORS),
        },
    )
    def list(self, request):
        self.check_query_params(LIST_FILTERS, paginated=True)
        customers = CustomerListing(organization=self.organization, filters=request.query_params)
        return self.paginated(customers, CustomerListOutputSerializer)

    @extend_schema(
        summary="Create a customer",
        request=CustomerInputSerializer,
        responses={201: DetailWithMessage, **errors(409, *WRITE_ERRORS)},
        examples=[CREATE_EXAMPLE, VALIDATION_EXAMPLE],
    )
    def create(self, request):
        fields = self._input(partial=False)
        bank_accounts = [dict(account) for account in fields.pop("bank_accounts", [])]
        customer = services.customer_create(
            organization=self.organization, actor=self.actor, source="api", bank_accounts=bank_accounts, **fields
        )
        return self._detail(customer.pk, message="Customer created successfully", status=201)

    @extend_schema(summary="Get a customer", responses={200: Detail, **errors(*READ_ERRORS)})
    def retrieve(self, request, pk=None):
        return self._detail(pk)

    @extend_schema(
        summary="Update a customer (only the given fields change)",
        request=CustomerInputSerializer,
        responses={200: DetailWithMessage, **errors(409, *WRITE_ERRORS)},
    )
    def partial_update(self, request, pk=None):
        customer = customer_get(organization=self.organization, customer_id=pk)
        expected = self.expected_version(customer, noun="customer")
        fields = self._input(partial=True)
        fields.pop("bank_accounts", None)
        services.customer_update(customer=customer, actor=self.actor, expected_updated_at=expected, **fields)
        return self._detail(customer.pk, message="Customer updated successfully")

    @extend_schema(
        summary="Update a customer (only the given fields change)",
        request=CustomerInputSerializer,
        responses={200: DetailWithMessage, **errors(409, *WRITE_ERRORS)},
    )
    def update(self, request, pk=None):
        return self.partial_update(request, pk)

    @extend_schema(
        summary="Delete a customer (soft delete; its transactions stay)",
        responses={200: enveloped(None, name="DeletedEnvelope", message=True), **errors(*READ_ERRORS)},
    )
    def destroy(self, request, pk=None):
        customer = customer_get(organization=self.organization, customer_id=pk)
        services.customer_soft_delete(
            customer=customer, actor=self.actor, expected_updated_at=self.expected_version(customer, noun="customer")
        )
        return success(request, None, message="Customer deleted successfully")

    @extend_schema(
        summary="Quick search for autocomplete, best match first",
        parameters=[
            OpenApiParameter(
                "q", {"type": "string", "minLength": 2}, required=True, description="At least 2 characters."
            ),
            OpenApiParameter("branch_id", str),
            OpenApiParameter(
                "limit", {"type": "integer", "minimum": 1}, description="Default 10; larger than 50 is clamped to 50."
            ),
        ],
        responses={
            200: enveloped(CustomerSearchOutputSerializer, name="CustomerSearchEnvelope", many=True, meta=SEARCH_META),
            **errors(400, *READ_ERRORS),
        },
    )
    def search(self, request):
        self.check_query_params(SEARCH_PARAMS)
        query = request.query_params.get("q", "").strip()
        if "\x00" in query:
            raise ValidationError({"q": ["The query cannot contain NUL characters."]})
        if len(query) < 2:
            raise ValidationError({"q": ["Type at least 2 characters to search."]})
        raw_limit = request.query_params.get("limit", str(settings.API_SEARCH_DEFAULT_LIMIT))
        if not raw_limit.isdigit() or int(raw_limit) < 1:
            raise ValidationError({"limit": ["limit must be a whole number of 1 or more."]})
        limit = min(int(raw_limit), settings.API_SEARCH_MAX_LIMIT)
        results = customer_quick_search(
            organization=self.organization, query=query, branch_code=request.query_params.get("branch_id"), limit=limit
        )
        data = CustomerSearchOutputSerializer(results, many=True).data
        return success(request, data, meta={"count": len(data), "query": query})

    @extend_schema(
        summary="Totals of the (filtered) customers",
        parameters=[OpenApiParameter("category_id", int), OpenApiParameter("branch_id", str)],
        responses={
            200: enveloped(CustomerSummaryOutputSerializer, name="CustomerSummaryEnvelope"),
            **errors(400, *READ_ERRORS),
        },
    )
    def summary(self, request):
        self.check_query_params(SUMMARY_FILTERS)
        figures = customer_summary(organization=self.organization, filters=request.query_params)
        return success(request, CustomerSummaryOutputSerializer(figures).data)

    def _status_action(self, pk, service, message: str):
        customer = customer_get(organization=self.organization, customer_id=pk)
        service(customer=customer, actor=self.actor)
        return self._detail(customer.pk, message=message)

    @extend_schema(
        summary="Archive a customer", request=None, responses={200: DetailWithMessage, **errors(*WRITE_ERRORS)}
    )
    def archive(self, request, pk=None):
        return self._status_action(pk, services.customer_archive, "Customer archived successfully")

    @extend_schema(
        summary="Unarchive a customer", request=None, responses={200: DetailWithMessage, **errors(*WRITE_ERRORS)}
    )
    def unarchive(self, request, pk=None):
        return self._status_action(pk, services.customer_unarchive, "Customer unarchived successfully")

    @extend_schema(
        summary="Block a customer", request=None, responses={200: DetailWithMessage, **errors(*WRITE_ERRORS)}
    )
    def block(self, request, pk=None):
        return self._status_action(pk, services.customer_block, "Customer blocked successfully")

    @extend_schema(
        summary="Unblock a customer", request=None, responses={200: DetailWithMessage, **errors(*WRITE_ERRORS)}
    )
    def unblock(self, request, pk=None):
        return self._status_action(pk, services.customer_unblock, "Customer unblocked successfully")
