"""The lookups customers are filed under (categories, groups, finance codes, origins, payment terms).

They share one shape and one set of services, so one viewset serves them all; each model gets a
subclass only to name its own OpenAPI components.
"""

import functools

from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from billing.models import PaymentTerms, PaymentTermsType
from core.api.envelope import success
from core.api.schema import PAGINATION_PARAMETERS, READ_ERRORS, WRITE_ERRORS, enveloped, errors
from core.api.views import OrganizationViewSet
from customers import services
from customers.models import Category, ContactOrigin, CustomerGroup, FinanceCode, LookupBase
from customers.selectors import lookup_get, lookup_list

LOOKUP_FIELDS = ["id", "name", "description", "is_archived", "customer_count", "created_at", "updated_at"]
BOOLEAN_VALUES = {"true": True, "1": True, "false": False, "0": False}


# Named in the schema so it is not confused with the customer's "type".
@extend_schema_field({"type": "string", "enum": PaymentTermsType.values}, component_name="PaymentTermsTypeEnum")
class PaymentTermsTypeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=PaymentTermsType.choices, **kwargs)


class LookupInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(required=False, allow_blank=True)


class PaymentTermsInputSerializer(LookupInputSerializer):
    days = serializers.IntegerField(min_value=0, max_value=365, required=False, help_text="Default 30.")
    type = PaymentTermsTypeField(
        required=False, help_text="net: due days after the invoice date; end_of_month: days after the end of its month."
    )


class LookupOutputSerializer(serializers.ModelSerializer):
    customer_count = serializers.IntegerField(help_text="Non-deleted customers filed under it.")

    class Meta:
        fields = LOOKUP_FIELDS


class CategoryOutputSerializer(LookupOutputSerializer):
    class Meta(LookupOutputSerializer.Meta):
        model = Category


class CustomerGroupOutputSerializer(LookupOutputSerializer):
    class Meta(LookupOutputSerializer.Meta):
        model = CustomerGroup


class FinanceCodeOutputSerializer(LookupOutputSerializer):
    class Meta(LookupOutputSerializer.Meta):
        model = FinanceCode


class ContactOriginOutputSerializer(LookupOutputSerializer):
    class Meta(LookupOutputSerializer.Meta):
        model = ContactOrigin


class PaymentTermsOutputSerializer(LookupOutputSerializer):
    type = PaymentTermsTypeField()

    class Meta(LookupOutputSerializer.Meta):
        model = PaymentTerms
        fields = [*LOOKUP_FIELDS[:3], "days", "type", *LOOKUP_FIELDS[3:]]


def _boolean(value: str, name: str) -> bool:
    try:
        return BOOLEAN_VALUES[value.strip().lower()]
    except KeyError:
        raise ValidationError({name: ["Use true or false."]}) from None


class LookupViewSet(OrganizationViewSet):
    """CRUD of one lookup model; reads for any member, writes for managers and write keys."""

    manager_actions = frozenset({"create", "partial_update", "update", "destroy", "archive", "unarchive"})
    model: type[LookupBase]
    input_serializer: type[serializers.Serializer] = LookupInputSerializer
    output_serializer: type[serializers.Serializer]

    @property
    def noun(self) -> str:
        return self.model._meta.verbose_name.capitalize()

    def _get(self, pk) -> LookupBase:
        return lookup_get(model=self.model, organization=self.organization, item_id=pk)

    def _render(self, item: LookupBase, *, message: str | None = None, status: int = 200):
        # Read back through the selector so customer_count is there after a write too.
        item = self._get(item.pk)
        return success(self.request, self.output_serializer(item).data, message=message, status=status)

    def _input(self, *, partial: bool) -> dict:
        if not isinstance(self.request.data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        serializer = self.input_serializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def list(self, request):
        self.check_query_params({"archived"}, paginated=True)
        items = lookup_list(model=self.model, organization=self.organization)
        if "archived" in request.query_params:
            items = items.filter(is_archived=_boolean(request.query_params["archived"], "archived"))
        return self.paginated(items, self.output_serializer)

    def create(self, request):
        item = services.lookup_create(model=self.model, organization=self.organization, **self._input(partial=False))
        return self._render(item, message=f"{self.noun} created successfully", status=201)

    def retrieve(self, request, pk=None):
        return self._render(self._get(pk))

    def partial_update(self, request, pk=None):
        item = self._get(pk)
        services.lookup_update(item=item, **self._input(partial=True))
        return self._render(item, message=f"{self.noun} updated successfully")

    def update(self, request, pk=None):
        return self.partial_update(request, pk)

    def destroy(self, request, pk=None):
        services.lookup_delete(item=self._get(pk))
        return success(request, None, message=f"{self.noun} deleted successfully")

    def archive(self, request, pk=None):
        item = services.lookup_archive(item=self._get(pk), archived=True)
        return self._render(item, message=f"{self.noun} archived successfully")

    def unarchive(self, request, pk=None):
        item = services.lookup_archive(item=self._get(pk), archived=False)
        return self._render(item, message=f"{self.noun} unarchived successfully")


def _own_copy(method):
    """A new function that calls ``method``, so each model's viewset carries its own schema."""

    @functools.wraps(method)
    def action(self, request, *args, **kwargs):
        return method(self, request, *args, **kwargs)

    return action


def lookup_viewset(
    model: type[LookupBase],
    *,
    output_serializer: type[serializers.Serializer],
    input_serializer: type[serializers.Serializer] = LookupInputSerializer,
) -> type[LookupViewSet]:
    """The viewset of ``model``, with OpenAPI components named after it."""
    name = model.__name__
    noun = model._meta.verbose_name
    plural = model._meta.verbose_name_plural
    a_noun = noun if noun == plural else f"a {noun}"  # "payment terms" takes no article
    viewset = type(
        f"{name}ViewSet",
        (LookupViewSet,),
        {
            "__module__": __name__,
            "__doc__": f"The {plural} of the organization.",
            "model": model,
            "input_serializer": input_serializer,
            "output_serializer": output_serializer,
        },
    )
    item_id = OpenApiParameter("id", int, OpenApiParameter.PATH, description=f"The {noun}'s id.")
    detail = enveloped(output_serializer, name=f"{name}Envelope")
    changed = enveloped(output_serializer, name=f"{name}ChangedEnvelope", message=True)
    write = {200: changed, **errors(409, *WRITE_ERRORS)}
    schemas = {
        "list": extend_schema(
            summary=f"List {plural} with their customer counts",
            parameters=[
                OpenApiParameter("archived", bool, description="true: only archived; false: only in use."),
                *PAGINATION_PARAMETERS,
            ],
            responses={
                200: enveloped(output_serializer, name=f"{name}ListEnvelope", many=True, paginated=True),
                **errors(400, *READ_ERRORS),
            },
        ),
        "create": extend_schema(
            summary=f"Create {a_noun}",
            request=input_serializer,
            responses={201: changed, **errors(409, *WRITE_ERRORS)},
        ),
        "retrieve": extend_schema(
            summary=f"Get {a_noun}", parameters=[item_id], responses={200: detail, **errors(*READ_ERRORS)}
        ),
        "partial_update": extend_schema(
            summary=f"Update {a_noun} (only the given fields change)",
            parameters=[item_id],
            request=input_serializer,
            responses=write,
        ),
        "update": extend_schema(
            summary=f"Update {a_noun} (only the given fields change)",
            parameters=[item_id],
            request=input_serializer,
            responses=write,
        ),
        "destroy": extend_schema(
            summary=f"Delete {a_noun} (its customers keep their data, without this {noun})",
            parameters=[item_id],
            responses={
                200: enveloped(None, name=f"{name}DeletedEnvelope", message=True),
                **errors(409, *WRITE_ERRORS),
            },
        ),
        "archive": extend_schema(
            summary=f"Archive {a_noun} (kept on its customers, no longer offered)",
            parameters=[item_id],
            request=None,
            responses=write,
        ),
        "unarchive": extend_schema(summary=f"Unarchive {a_noun}", parameters=[item_id], request=None, responses=write),
    }
    for action, schema in schemas.items():
        setattr(viewset, action, schema(_own_copy(getattr(LookupViewSet, action))))
    return viewset


CategoryViewSet = lookup_viewset(Category, output_serializer=CategoryOutputSerializer)
CustomerGroupViewSet = lookup_viewset(CustomerGroup, output_serializer=CustomerGroupOutputSerializer)
FinanceCodeViewSet = lookup_viewset(FinanceCode, output_serializer=FinanceCodeOutputSerializer)
ContactOriginViewSet = lookup_viewset(ContactOrigin, output_serializer=ContactOriginOutputSerializer)
PaymentTermsViewSet = lookup_viewset(
    PaymentTerms, output_serializer=PaymentTermsOutputSerializer, input_serializer=PaymentTermsInputSerializer
)
