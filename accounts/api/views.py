"""Branch endpoints. Branches are deactivated, never deleted: customers and transactions keep them."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.exceptions import ValidationError

from accounts import services
from accounts.selectors import branch_get, branch_list
from core.api.envelope import success
from core.api.schema import PAGINATION_PARAMETERS, READ_ERRORS, WRITE_ERRORS, enveloped, errors
from core.api.views import OrganizationViewSet

from .serializers import BranchInputSerializer, BranchOutputSerializer

BOOLEAN_VALUES = {"true": True, "1": True, "false": False, "0": False}
BRANCH_ID = OpenApiParameter("id", int, OpenApiParameter.PATH, description="The branch's id (not its code).")
Detail = enveloped(BranchOutputSerializer, name="BranchEnvelope")
DetailWithMessage = enveloped(BranchOutputSerializer, name="BranchChangedEnvelope", message=True)


class BranchViewSet(OrganizationViewSet):
    manager_actions = frozenset({"create", "partial_update", "update", "destroy"})

    def _get(self, pk):
        return branch_get(organization=self.organization, branch_id=pk, with_customer_count=True)

    def _render(self, branch, *, message: str | None = None, status: int = 200):
        # Read back through the selector so customer_count is there after a write too.
        branch = self._get(branch.pk)
        return success(self.request, BranchOutputSerializer(branch).data, message=message, status=status)

    def _input(self, *, partial: bool) -> dict:
        if not isinstance(self.request.data, dict):
            raise ValidationError({"non_field_errors": ["Send a JSON object."]})
        serializer = BranchInputSerializer(data=self.request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    @extend_schema(
        summary="List branches with their customer counts",
        parameters=[
            OpenApiParameter("active", bool, description="true: only active branches; false: only deactivated ones."),
            *PAGINATION_PARAMETERS,
        ],
        responses={
            200: enveloped(BranchOutputSerializer, name="BranchListEnvelope", many=True, paginated=True),
            **errors(400, *READ_ERRORS),
        },
    )
    def list(self, request):
        self.check_query_params({"active"}, paginated=True)
        branches = branch_list(organization=self.organization, with_customer_count=True)
        if "active" in request.query_params:
            active = BOOLEAN_VALUES.get(request.query_params["active"].strip().lower())
            if active is None:
                raise ValidationError({"active": ["Use true or false."]})
            branches = branches.filter(is_active=active)
        return self.paginated(branches, BranchOutputSerializer)

    @extend_schema(
        summary="Open a branch",
        request=BranchInputSerializer,
        responses={201: DetailWithMessage, **errors(409, *WRITE_ERRORS)},
    )
    def create(self, request):
        branch = services.branch_create(organization=self.organization, **self._input(partial=False))
        return self._render(branch, message="Branch created successfully", status=201)

    @extend_schema(summary="Get a branch", parameters=[BRANCH_ID], responses={200: Detail, **errors(*READ_ERRORS)})
    def retrieve(self, request, pk=None):
        return self._render(self._get(pk))

    @extend_schema(
        summary="Update a branch (only the given fields change; the head office 00 stays active and keeps its code)",
        parameters=[BRANCH_ID],
        request=BranchInputSerializer,
        responses={200: DetailWithMessage, **errors(409, *WRITE_ERRORS)},
    )
    def partial_update(self, request, pk=None):
        branch = self._get(pk)
        services.branch_update(branch=branch, **self._input(partial=True))
        return self._render(branch, message="Branch updated successfully")

    @extend_schema(
        summary="Update a branch (only the given fields change; the head office 00 stays active and keeps its code)",
        parameters=[BRANCH_ID],
        request=BranchInputSerializer,
        responses={200: DetailWithMessage, **errors(409, *WRITE_ERRORS)},
    )
    def update(self, request, pk=None):
        return self.partial_update(request, pk)

    @extend_schema(
        summary="Deactivate a branch (branches are never deleted: customers and transactions reference them; "
        "the head office 00 cannot be deactivated)",
        parameters=[BRANCH_ID],
        request=None,
        responses={200: DetailWithMessage, **errors(*WRITE_ERRORS)},
    )
    def destroy(self, request, pk=None):
        branch = self._get(pk)
        services.branch_update(branch=branch, is_active=False)
        return self._render(branch, message="Branch deactivated successfully")
