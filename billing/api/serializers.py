"""Input shapes of the billing entity API (the output shape lives beside the customer detail that embeds it)."""

from typing import Any

from rest_framework import serializers

from billing.models import BillingEntity

# Errors raised under the model's field name are reported under the name the API accepts.
BILLING_ENTITY_ERROR_ALIASES = {"tax_id": "tin"}


class BillingEntityUpdateInputSerializer(serializers.Serializer):
    legal_name = serializers.CharField(max_length=255)
    tin = serializers.CharField(max_length=60, required=False, allow_blank=True, allow_null=True)
    tax_id = serializers.CharField(
        max_length=60, required=False, allow_blank=True, allow_null=True, help_text="Alias of tin."
    )
    billing_email = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    fiscal_address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    billing_address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    is_active = serializers.BooleanField(required=False)
    is_default = serializers.BooleanField(
        required=False,
        help_text="Read back unchanged; change the default with POST …/make-default.",
    )

    def validate_is_default(self, value: bool) -> bool:
        # A client may send back what it read, but moving the default has its own action
        # because it changes another entity too.
        entity: BillingEntity | None = self.context.get("entity")
        if entity is not None and value != entity.is_default:
            raise serializers.ValidationError("Use POST …/make-default to change which billing entity is the default.")
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "tin" in attrs:
            attrs["tax_id"] = attrs.pop("tin")
        for field in ("tax_id", "billing_email"):
            if field in attrs and attrs[field] is None:
                attrs[field] = ""
        return attrs


class BillingEntityCreateInputSerializer(BillingEntityUpdateInputSerializer):
    is_default = serializers.BooleanField(
        required=False,
        allow_null=True,
        help_text="Omit to make the customer's first active billing entity the default.",
    )

    def validate_is_default(self, value: bool | None) -> bool | None:
        return value
