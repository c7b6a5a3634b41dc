"""A customer's contact emails and phones: nested under /customers/{customer_id}/."""

from datetime import datetime
from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action

from core.api.conditional import etag_for
from core.api.envelope import success
from core.api.schema import PAGINATION_PARAMETERS, READ_ERRORS, WRITE_ERRORS, enveloped, errors
from core.api.views import OrganizationViewSet
from customers import services
from customers.models import ContactEmail, ContactPhone, Customer
from customers.selectors import (
    contact_email_get,
    contact_email_list,
    contact_phone_get,
    contact_phone_list,
    customer_get,
)

from .serializers import ContactEmailOutputSerializer, ContactPhoneOutputSerializer

# The model's notes are unbounded text; the API takes a generous page of it, not a megabyte.
NOTES_MAX_LENGTH = 5000


class ContactEmailInputSerializer(serializers.Serializer):
    """Lock state is changed only through lock/unlock, so ``is_locked`` in the body is ignored."""

    email = serializers.CharField(max_length=255)
    use_for_invoicing = serializers.BooleanField(required=False)
    contact_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    role = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True)


class ContactPhoneInputSerializer(serializers.Serializer):
    """Lock state is changed only through lock/unlock, so ``is_locked`` in the body is ignored."""

    number = serializers.CharField(max_length=50, help_text="Any format; stored in E.164 (e.g. +254712345678).")
    extension = serializers.CharField(max_length=10, required=False, allow_blank=True)
    is_whatsapp = serializers.BooleanField(required=False)
    contact_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    role = serializers.CharField(max_length=100, required=False, allow_blank=True)
    notes = serializers.CharField(max_length=NOTES_MAX_LENGTH, required=False, allow_blank=True)


class ContactViewSet(OrganizationViewSet):
    """The shared flow of both contact kinds; subclasses name their selectors, services and shapes."""

    manager_actions = frozenset({"lock", "unlock"})
    versioned_actions = frozenset({"create", "retrieve", "partial_update", "destroy", "lock", "unlock"})
    noun: str
    input_serializer_class: type[serializers.Serializer]
    output_serializer_class: type[serializers.ModelSerializer]

    def contact_list(self, *, customer: Customer):
        raise NotImplementedError

    def contact_get(self, *, customer: Customer, contact_id: Any):
        raise NotImplementedError

    def contact_create(self, *, customer: Customer, data: dict[str, Any]):
        raise NotImplementedError

    def contact_update(self, *, contact, data: dict[str, Any], expected_updated_at: datetime | None = None):
        raise NotImplementedError

    def contact_delete(self, *, contact, expected_updated_at: datetime | None = None) -> None:
        raise NotImplementedError

    def contact_set_locked(self, *, contact, locked: bool):
        raise NotImplementedError

    def _customer(self, customer_id) -> Customer:
        return customer_get(organization=self.organization, customer_id=customer_id)

    def _contact(self, customer_id, pk):
        return self.contact_get(customer=self._customer(customer_id), contact_id=pk)

    def _input(self, *, partial: bool) -> dict[str, Any]:
        serializer = self.input_serializer_class(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _render(self, contact, *, message: str | None = None, status: int = 200):
        return success(
            self.request,
            self.output_serializer_class(contact).data,
            message=message,
            status=status,
            headers={"ETag": etag_for(contact)},
        )

    def list(self, request, customer_id=None):
        self.check_query_params(set(), paginated=True)
        contacts = self.contact_list(customer=self._customer(customer_id))
        return self.paginated(contacts, self.output_serializer_class)

    def create(self, request, customer_id=None):
        customer = self._customer(customer_id)
        contact = self.contact_create(customer=customer, data=self._input(partial=False))
        return self._render(contact, message=f"{self.noun} added successfully", status=201)

    def retrieve(self, request, customer_id=None, pk=None):
        return self._render(self._contact(customer_id, pk))

    def partial_update(self, request, customer_id=None, pk=None):
        contact = self._contact(customer_id, pk)
        expected = self.expected_version(contact, noun=self.noun.lower())
        contact = self.contact_update(contact=contact, data=self._input(partial=True), expected_updated_at=expected)
        return self._render(contact, message=f"{self.noun} updated successfully")

    def destroy(self, request, customer_id=None, pk=None):
        contact = self._contact(customer_id, pk)
        self.contact_delete(contact=contact, expected_updated_at=self.expected_version(contact, noun=self.noun.lower()))
        return success(request, None, message=f"{self.noun} deleted successfully")

    # Marked as actions so the schema decorator of each contact kind can describe them.
    @action(detail=True, methods=["post"])
    def lock(self, request, customer_id=None, pk=None):
        contact = self.contact_set_locked(contact=self._contact(customer_id, pk), locked=True)
        return self._render(contact, message=f"{self.noun} locked successfully")

    @action(detail=True, methods=["post"])
    def unlock(self, request, customer_id=None, pk=None):
        contact = self.contact_set_locked(contact=self._contact(customer_id, pk), locked=False)
        return self._render(contact, message=f"{self.noun} unlocked successfully")


def contact_schema(*, noun: str, plural: str, input_serializer, output_serializer):
    """The OpenAPI description of one contact kind; component names carry the kind so they stay unique."""
    kind = f"Contact{noun}"
    one = enveloped(output_serializer, name=f"{kind}Envelope")
    changed = enveloped(output_serializer, name=f"{kind}ChangedEnvelope", message=True)
    lower = noun.lower()
    return extend_schema_view(
        list=extend_schema(
            summary=f"List a customer's contact {plural}",
            parameters=PAGINATION_PARAMETERS,
            responses={
                200: enveloped(output_serializer, name=f"{kind}ListEnvelope", many=True, paginated=True),
                **errors(400, *READ_ERRORS),
            },
        ),
        create=extend_schema(
            summary=f"Add a contact {lower} to a customer",
            request=input_serializer,
            responses={201: changed, **errors(409, *WRITE_ERRORS)},
        ),
        retrieve=extend_schema(summary=f"Get a contact {lower}", responses={200: one, **errors(*READ_ERRORS)}),
        partial_update=extend_schema(
            summary=f"Update a contact {lower} (only the given fields change; refused while locked)",
            request=input_serializer,
            responses={200: changed, **errors(409, *WRITE_ERRORS)},
        ),
        destroy=extend_schema(
            summary=f"Delete a contact {lower} (refused while locked)",
            responses={
                200: enveloped(None, name=f"{kind}DeletedEnvelope", message=True),
                **errors(400, *READ_ERRORS),
            },
        ),
        lock=extend_schema(
            summary=f"Lock a contact {lower} against edits and deletion (manager)",
            request=None,
            responses={200: changed, **errors(*WRITE_ERRORS)},
        ),
        unlock=extend_schema(
            summary=f"Unlock a contact {lower} (manager)",
            request=None,
            responses={200: changed, **errors(*WRITE_ERRORS)},
        ),
    )


@contact_schema(
    noun="Email",
    plural="emails",
    input_serializer=ContactEmailInputSerializer,
    output_serializer=ContactEmailOutputSerializer,
)
class ContactEmailViewSet(ContactViewSet):
    noun = "Email"
    input_serializer_class = ContactEmailInputSerializer
    output_serializer_class = ContactEmailOutputSerializer

    def contact_list(self, *, customer: Customer):
        return contact_email_list(customer=customer)

    def contact_get(self, *, customer: Customer, contact_id: Any) -> ContactEmail:
        return contact_email_get(customer=customer, email_id=contact_id)

    def contact_create(self, *, customer: Customer, data: dict[str, Any]) -> ContactEmail:
        return services.contact_email_create(customer=customer, actor=self.actor, **data)

    def contact_update(
        self, *, contact: ContactEmail, data: dict[str, Any], expected_updated_at: datetime | None = None
    ) -> ContactEmail:
        return services.contact_email_update(
            contact=contact, actor=self.actor, expected_updated_at=expected_updated_at, **data
        )

    def contact_delete(self, *, contact: ContactEmail, expected_updated_at: datetime | None = None) -> None:
        services.contact_email_delete(contact=contact, actor=self.actor, expected_updated_at=expected_updated_at)

    def contact_set_locked(self, *, contact: ContactEmail, locked: bool) -> ContactEmail:
        return services.contact_email_set_locked(contact=contact, locked=locked, actor=self.actor)


@contact_schema(
    noun="Phone",
    plural="phones",
    input_serializer=ContactPhoneInputSerializer,
    output_serializer=ContactPhoneOutputSerializer,
)
class ContactPhoneViewSet(ContactViewSet):
    noun = "Phone"
    input_serializer_class = ContactPhoneInputSerializer
    output_serializer_class = ContactPhoneOutputSerializer

    def contact_list(self, *, customer: Customer):
        return contact_phone_list(customer=customer)

    def contact_get(self, *, customer: Customer, contact_id: Any) -> ContactPhone:
        return contact_phone_get(customer=customer, phone_id=contact_id)

    def contact_create(self, *, customer: Customer, data: dict[str, Any]) -> ContactPhone:
        return services.contact_phone_create(customer=customer, actor=self.actor, **data)

    def contact_update(
        self, *, contact: ContactPhone, data: dict[str, Any], expected_updated_at: datetime | None = None
    ) -> ContactPhone:
        return services.contact_phone_update(
            contact=contact, actor=self.actor, expected_updated_at=expected_updated_at, **data
        )

    def contact_delete(self, *, contact: ContactPhone, expected_updated_at: datetime | None = None) -> None:
        services.contact_phone_delete(contact=contact, actor=self.actor, expected_updated_at=expected_updated_at)

    def contact_set_locked(self, *, contact: ContactPhone, locked: bool) -> ContactPhone:
        return services.contact_phone_set_locked(contact=contact, locked=locked, actor=self.actor)
