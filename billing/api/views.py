"""A customer's billing entities (razones sociales), nested under /customers/{customer_id}/."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError

from billing import services
from billing.models import BillingEntity
from billing.selectors import billing_entity_get, billing_entity_list
from core.api.conditional import etag_for
from core.api.envelope import success
from core.api.schema import PAGINATION_PARAMETERS, READ_ERRORS, WRITE_ERRORS, enveloped, errors
from core.api.views import OrganizationViewSet
from customers.api.serializers import BillingEntityOutputSerializer
from customers.models import Customer
from customers.selectors import customer_get

from .serializers import (
    BILLING_ENTITY_ERROR_ALIASES,
    BillingEntityCreateInputSerializer,
    BillingEntityUpdateInputSerializer,
)

LIST_PARAMS = frozenset({"active"})
ACTIVE_VALUES = {"true": True, "1": True, "false": False, "0": False}

Entity = enveloped(BillingEntityOutputSerializer, name="BillingEntityEnvelope")
EntityWithMessage = enveloped(BillingEntityOutputSerializer, name="BillingEntityChangedEnvelope", message=True)


class BillingEntityViewSet(OrganizationViewSet):
    versioned_actions = frozenset({"create", "retrieve", "partial_update", "destroy", "make_default"})
    error_field_aliases = BILLING_ENTITY_ERROR_ALIASES

    def _customer(self, customer_id) -> Customer:
        return customer_get(organization=self.organization, customer_id=customer_id)

    def _entity(self, customer_id, pk) -> BillingEntity:
        return billing_entity_get(customer=self._customer(customer_id), entity_id=pk)

    def _render(self, entity: BillingEntity, *, message: str | None = None, status: int = 200):
        return success(
            self.request,
            BillingEntityOutputSerializer(entity).data,
            message=message,
            status=status,
            headers={"ETag": etag_for(entity)},
        )

    def _active_filter(self) -> bool | None:
        raw = self.request.query_params.get("active")
        if raw is None:
            return None
        if raw.strip().lower() not in ACTIVE_VALUES:
            raise ValidationError({"active": ["Use active=true or active=false."]})
        return ACTIVE_VALUES[raw.strip().lower()]

    @extend_schema(
        summary="List a customer's billing entities, the default first",
        parameters=[
            OpenApiParameter("active", bool, description="true: only active entities; false: only inactive ones."),
            *PAGINATION_PARAMETERS,
        ],
        responses={
            200: enveloped(BillingEntityOutputSerializer, name="BillingEntityListEnvelope", many=True, paginated=True),
            **errors(400, *READ_ERRORS),
        },
    )
    def list(self, request, customer_id=None):
        self.check_query_params(LIST_PARAMS, paginated=True)
        active = self._active_filter()
        entities = billing_entity_list(customer=self._customer(customer_id), active_only=active is True)
        if active is False:
            entities = entities.filter(is_active=False)
        return self.paginated(entities, BillingEntityOutputSerializer)

    @extend_schema(
        summary="Add a billing entity to a customer",
        request=BillingEntityCreateInputSerializer,
        responses={201: EntityWithMessage, **errors(*WRITE_ERRORS)},
    )
    def create(self, request, customer_id=None):
        customer = self._customer(customer_id)
        serializer = BillingEntityCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        is_default = fields.pop("is_default", None)
        entity = services.billing_entity_create(customer=customer, actor=self.actor, is_default=is_default, **fields)
        return self._render(entity, message="Billing entity created successfully", status=201)

    @extend_schema(summary="Get a billing entity", responses={200: Entity, **errors(*READ_ERRORS)})
    def retrieve(self, request, customer_id=None, pk=None):
        return self._render(self._entity(customer_id, pk))

    @extend_schema(
        summary="Update a billing entity (only the given fields change; deactivating clears the default)",
        request=BillingEntityUpdateInputSerializer,
        responses={200: EntityWithMessage, **errors(*WRITE_ERRORS)},
    )
    def partial_update(self, request, customer_id=None, pk=None):
        entity = self._entity(customer_id, pk)
        expected = self.expected_version(entity, noun="billing entity")
        serializer = BillingEntityUpdateInputSerializer(data=request.data, partial=True, context={"entity": entity})
        serializer.is_valid(raise_exception=True)
        fields = dict(serializer.validated_data)
        fields.pop("is_default", None)
        entity = services.billing_entity_update(entity=entity, actor=self.actor, expected_updated_at=expected, **fields)
        return self._render(entity, message="Billing entity updated successfully")

    @extend_schema(
        summary="Delete a billing entity (refused once a transaction uses it; deactivate it instead)",
        responses={
            200: enveloped(None, name="BillingEntityDeletedEnvelope", message=True),
            **errors(400, *READ_ERRORS),
        },
    )
    def destroy(self, request, customer_id=None, pk=None):
        entity = self._entity(customer_id, pk)
        services.billing_entity_delete(
            entity=entity, actor=self.actor, expected_updated_at=self.expected_version(entity, noun="billing entity")
        )
        return success(request, None, message="Billing entity deleted successfully")

    @extend_schema(
        summary="Make a billing entity the customer's default (the previous default is cleared)",
        request=None,
        responses={200: EntityWithMessage, **errors(*WRITE_ERRORS)},
    )
    def make_default(self, request, customer_id=None, pk=None):
        entity = services.billing_entity_make_default(entity=self._entity(customer_id, pk), actor=self.actor)
        return self._render(entity, message="Billing entity is now the default")
