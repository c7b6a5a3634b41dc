"""Ledger endpoints: record, list, read and void transactions; a customer's history."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError

from core.api.envelope import success
from core.api.schema import PAGINATION_PARAMETERS, READ_ERRORS, VALIDATION_EXAMPLE, WRITE_ERRORS, enveloped, errors
from core.api.views import OrganizationViewSet
from customers.selectors import customer_get
from transactions import services
from transactions.filters import TYPE_ALIASES, TransactionFilterSet
from transactions.models import TransactionStatus, TransactionType
from transactions.selectors import transaction_get, transaction_list

from .serializers import (
    TRANSACTION_ERROR_ALIASES,
    CustomerTransactionOutputSerializer,
    TransactionInputSerializer,
    TransactionOutputSerializer,
    transaction_fields_from_input,
)

LIST_FILTERS = frozenset(TransactionFilterSet.base_filters)
CUSTOMER_HISTORY_FILTERS = frozenset({"type", "from_date", "to_date", "status"})

# The choices are spelled out in the description: an enum here would clash with the customer's "type".
TYPE_PARAMETER = OpenApiParameter(
    "type",
    str,
    description=f"One of {', '.join([*TransactionType.values, *TYPE_ALIASES])}; "
    "sales and purchases are accepted for sale and purchase.",
)
PERIOD_PARAMETERS = [
    OpenApiParameter("from_date", str, description="YYYY-MM-DD or ISO 8601 time; on occurred_at."),
    OpenApiParameter("to_date", str, description="YYYY-MM-DD (inclusive) or ISO 8601 time; on occurred_at."),
    OpenApiParameter("status", str, enum=TransactionStatus.values),
]
PAGE_PARAMETERS = [
    *PAGINATION_PARAMETERS,
]
TRANSACTION_ID = OpenApiParameter("id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Transaction id.")
CUSTOMER_ID = OpenApiParameter("customer_pk", int, OpenApiParameter.PATH, description="Customer id.")

RECORD_EXAMPLE = OpenApiExample(
    "Record a sale",
    request_only=True,
    value={
        "customer_id": 1,
        "type": "sale",
        "invoice_no": "INV-045",
        "total_amount": 15000.00,
        "tax_amount": 2400.00,
        "occurred_at": "2025-01-14T16:30:00Z",
        "branch_id": "00",
    },
)
Detail = enveloped(TransactionOutputSerializer, name="TransactionEnvelope")
DetailWithMessage = enveloped(TransactionOutputSerializer, name="TransactionChangedEnvelope", message=True)


class TransactionViewSet(OrganizationViewSet):
    # Voiding rewrites a customer's balance after the fact, so it is a manager's decision.
    manager_actions = frozenset({"void"})

    @property
    def error_field_aliases(self) -> dict[str, str]:
        # Only the record action reports the service's model field names; elsewhere an unknown
        # query parameter such as ?customer must keep the name it was sent under.
        return TRANSACTION_ERROR_ALIASES if getattr(self, "action", None) == "create" else {}

    def _render(self, entry, *, message: str | None = None, status: int = 200):
        return success(self.request, TransactionOutputSerializer(entry).data, message=message, status=status)

    @extend_schema(
        summary="List ledger entries, newest first",
        parameters=[
            TYPE_PARAMETER,
            *PERIOD_PARAMETERS,
            OpenApiParameter("customer_id", int),
            OpenApiParameter("reference", str, description="Exact invoice or receipt number."),
            *PAGE_PARAMETERS,
        ],
        responses={
            200: enveloped(TransactionOutputSerializer, name="TransactionListEnvelope", many=True, paginated=True),
            **errors(400, *READ_ERRORS),
        },
    )
    def list(self, request):
        self.check_query_params(LIST_FILTERS, paginated=True)
        entries = transaction_list(organization=self.organization, filters=request.query_params)
        return self.paginated(entries, TransactionOutputSerializer)

    @extend_schema(
        summary="Record a transaction (the customer's balance follows)",
        request=TransactionInputSerializer,
        responses={201: DetailWithMessage, **errors(*WRITE_ERRORS)},
        examples=[RECORD_EXAMPLE, VALIDATION_EXAMPLE],
    )
    def create(self, request):
        if not isinstance(request.data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        serializer = TransactionInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = transaction_fields_from_input(organization=self.organization, data=serializer.validated_data)
        entry = services.transaction_record(organization=self.organization, actor=self.actor, **fields)
        return self._render(entry, message="Transaction recorded successfully", status=201)

    @extend_schema(
        summary="Get a transaction", parameters=[TRANSACTION_ID], responses={200: Detail, **errors(*READ_ERRORS)}
    )
    def retrieve(self, request, pk=None):
        return self._render(transaction_get(organization=self.organization, transaction_id=pk))

    @extend_schema(
        summary="Void a transaction (a successful one leaves the customer's balance)",
        parameters=[TRANSACTION_ID],
        request=None,
        responses={200: DetailWithMessage, **errors(*WRITE_ERRORS)},
    )
    def void(self, request, pk=None):
        entry = transaction_get(organization=self.organization, transaction_id=pk)
        services.transaction_void(entry=entry, actor=self.actor)
        entry = transaction_get(organization=self.organization, transaction_id=pk)
        return self._render(entry, message="Transaction voided successfully")

    @extend_schema(
        summary="A customer's transaction history, newest first",
        parameters=[CUSTOMER_ID, TYPE_PARAMETER, *PERIOD_PARAMETERS, *PAGE_PARAMETERS],
        responses={
            200: enveloped(
                CustomerTransactionOutputSerializer, name="CustomerTransactionListEnvelope", many=True, paginated=True
            ),
            **errors(400, *READ_ERRORS),
        },
    )
    def for_customer(self, request, customer_pk=None):
        self.check_query_params(CUSTOMER_HISTORY_FILTERS, paginated=True)
        customer = customer_get(organization=self.organization, customer_id=customer_pk)
        entries = transaction_list(organization=self.organization, customer=customer, filters=request.query_params)
        return self.paginated(entries, CustomerTransactionOutputSerializer)
