from django.contrib import admin
from django.core.exceptions import ValidationError

from accounts.models import Role
from core.admin import (
    ScopedHistoryAdmin,
    adopt,
    changed_values,
    has_role,
    is_superuser,
    service_errors,
    submitted_values,
)
from customers.admin import LookupAdmin

from .models import BillingEntity, PaymentTerms
from .services import (
    BILLING_ENTITY_FIELDS,
    billing_entity_create,
    billing_entity_delete,
    billing_entity_make_default,
    billing_entity_update,
)


@admin.register(PaymentTerms)
class PaymentTermsAdmin(LookupAdmin):
    extra_fields = ("days", "type")
    list_display = ("name", "days", "type", "organization", "customer_count", "is_archived", "created_at")
    list_filter = ("type", *LookupAdmin.list_filter)


@admin.register(BillingEntity)
class BillingEntityAdmin(ScopedHistoryAdmin):
    organization_path = "customer__organization"
    # Clerks keep billing entities; removing one (rather than deactivating it) is a manager's call.
    delete_role = Role.MANAGER
    default_role = Role.CLERK

    list_display = ("legal_name", "customer", "tax_id", "billing_email", "is_default", "is_active", "updated_at")
    list_select_related = ("customer",)
    list_filter = ("is_default", "is_active", ("customer__organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("legal_name", "tax_id", "billing_email", "customer__name", "customer__customer_no")
    autocomplete_fields = ("customer",)
    date_hierarchy = "created_at"
    actions = ("make_default_selected",)

    def get_fields(self, request, obj=None):
        return (
            "customer",
            "legal_name",
            "tax_id",
            "billing_email",
            "fiscal_address",
            "billing_address",
            "is_active",
            "is_default",
        )

    def get_readonly_fields(self, request, obj=None):
        # An entity belongs to the customer it was created for.
        return ("customer",) if obj is not None else ()

    def get_queryset(self, request):
        entities = super().get_queryset(request)
        # A deleted customer's entities leave the lists with it, except for superusers.
        return entities if is_superuser(request) else entities.filter(customer__deleted_at__isnull=True)

    def get_search_results(self, request, queryset, search_term):
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            # Only active entities of live customers can be chosen on a transaction.
            queryset = queryset.filter(is_active=True, customer__deleted_at__isnull=True)
        return super().get_search_results(request, queryset, search_term)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.customer.is_deleted:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.customer.is_deleted:
            return False
        return super().has_delete_permission(request, obj)

    def has_default_permission(self, request) -> bool:
        return has_role(request, role=self.default_role)

    def save_model(self, request, obj, form, change):
        with service_errors(request, key=""):
            if change:
                data = changed_values(form, allowed=BILLING_ENTITY_FIELDS)
                if data:
                    billing_entity_update(entity=obj, actor=request.user, **data)
                if "is_default" in form.changed_data:
                    if form.cleaned_data["is_default"]:
                        billing_entity_make_default(entity=obj, actor=request.user)
                    else:
                        raise ValidationError({"is_default": ["Make another billing entity the default instead."]})
            else:
                entity = billing_entity_create(
                    customer=form.cleaned_data["customer"],
                    actor=request.user,
                    # Unticked lets the service decide: a customer's first active entity is its default.
                    is_default=True if form.cleaned_data.get("is_default") else None,
                    **submitted_values(form, allowed=BILLING_ENTITY_FIELDS),
                )
                adopt(obj, entity)

    def delete_model(self, request, obj):
        billing_entity_delete(entity=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for entity in queryset.select_related("customer"):
            billing_entity_delete(entity=entity, actor=request.user)

    @admin.action(description="Make default", permissions=["default"])
    def make_default_selected(self, request, queryset):
        self.run_action(
            request,
            queryset.select_related("customer"),
            role=self.default_role,
            service=lambda entity: billing_entity_make_default(entity=entity, actor=request.user),
            done="Made {count} billing entity record(s) the default.",
        )
