"""Input and output shapes of the ledger API."""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import Organization
from accounts.selectors import branch_get_by_code
from billing.selectors import billing_entity_get
from core.exceptions import NotFound
from customers.api.serializers import TransactionBriefSerializer, money
from customers.selectors import customer_get
from transactions.filters import TYPE_ALIASES
from transactions.models import Transaction, TransactionStatus, TransactionType

# Errors the ledger service raises under a model field name, reported under the input's name.
TRANSACTION_ERROR_ALIASES = {
    "customer": "customer_id",
    "branch": "branch_id",
    "billing_entity": "billing_entity_id",
}


# Named in the schema so it is not confused with the customer's "type".
@extend_schema_field({"type": "string", "enum": TransactionType.values}, component_name="TransactionTypeEnum")
class TransactionTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=TransactionType.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": [*TransactionType.values, *TYPE_ALIASES]}, component_name="TransactionTypeInputEnum"
)
class TransactionTypeInputField(serializers.ChoiceField):
    """A transaction type, or sales/purchases for sale/purchase."""

    def __init__(self, **kwargs):
        super().__init__(choices=[*TransactionType.values, *TYPE_ALIASES], **kwargs)


class TransactionInputSerializer(serializers.Serializer):
    customer_id = serializers.IntegerField(help_text="The customer the entry belongs to.")
    type = TransactionTypeInputField(
        default=TransactionType.SALE,
        help_text="sale, opening_balance and refund raise the balance; payment, credit_note, deposit and purchase "
        "lower it. sales and purchases are accepted for sale and purchase.",
    )
    total_amount = serializers.DecimalField(**money, help_text="Tax included; greater than zero.")
    tax_amount = serializers.DecimalField(**money, required=False, allow_null=True, help_text="0 to total_amount.")
    reference = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Invoice or receipt number."
    )
    invoice_no = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="Alias of reference."
    )
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, help_text="Defaults to now.")
    currency = serializers.RegexField(
        r"^[A-Za-z]{3}$",
        required=False,
        allow_blank=True,
        error_messages={"invalid": "Use an ISO 4217 code, for example KES."},
        help_text="Defaults to the customer's currency.",
    )
    status = serializers.ChoiceField(choices=TransactionStatus.choices, default=TransactionStatus.SUCCESS)
    billing_entity_id = serializers.IntegerField(
        required=False, allow_null=True, help_text="An active billing entity of the customer; a sale defaults to one."
    )
    branch_id = serializers.CharField(
        max_length=20, required=False, help_text="Branch code; defaults to the customer's branch."
    )
    description = serializers.CharField(max_length=500, required=False, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        attrs["type"] = TYPE_ALIASES.get(attrs["type"], attrs["type"])
        invoice_no = attrs.pop("invoice_no", None)
        if invoice_no is not None:
            attrs.setdefault("reference", invoice_no)
        return attrs


def transaction_fields_from_input(*, organization: Organization, data: dict[str, Any]) -> dict[str, Any]:
    """Turn validated input into service arguments: ids and codes become this organization's rows."""
    fields = dict(data)
    customer_id = fields.pop("customer_id")
    try:
        fields["customer"] = customer_get(organization=organization, customer_id=customer_id)
    except NotFound as exc:
        raise serializers.ValidationError({"customer_id": [f"Unknown customer {customer_id}."]}) from exc
    errors: dict[str, list[str]] = {}
    if "branch_id" in fields:
        code = fields.pop("branch_id")
        try:
            fields["branch"] = branch_get_by_code(organization=organization, code=code)
        except NotFound:
            errors["branch_id"] = [f"Unknown branch '{code}'."]
    entity_id = fields.pop("billing_entity_id", None)
    if entity_id is not None:
        try:
            fields["billing_entity"] = billing_entity_get(customer=fields["customer"], entity_id=entity_id)
        except NotFound:
            errors["billing_entity_id"] = [f"Unknown billing entity {entity_id} for this customer."]
    if errors:
        raise serializers.ValidationError(errors)
    for optional in ("occurred_at", "tax_amount"):
        if fields.get(optional) is None:
            fields.pop(optional, None)
    return fields


class TransactionCustomerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    customer_no = serializers.CharField()
    name = serializers.CharField()


class TransactionOutputSerializer(serializers.ModelSerializer):
    type = TransactionTypeField()
    invoice_no = serializers.CharField(source="reference")
    total_amount = serializers.DecimalField(**money)
    tax_amount = serializers.DecimalField(**money)
    customer_id = serializers.IntegerField()
    customer = TransactionCustomerSerializer()
    billing_entity_id = serializers.IntegerField(allow_null=True)
    branch_id = serializers.CharField(source="branch.code")

    class Meta:
        model = Transaction
        fields = [
            "id",
            "type",
            "reference",
            "invoice_no",
            "occurred_at",
            "currency",
            "total_amount",
            "tax_amount",
            "status",
            "customer_id",
            "customer",
            "billing_entity_id",
            "branch_id",
            "description",
            "created_at",
            "voided_at",
        ]


# A line of a customer's history has the shape of the detail page's recent transactions.
CustomerTransactionOutputSerializer = TransactionBriefSerializer
