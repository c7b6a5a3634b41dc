from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied

from core.admin import (
    ScopedModelAdmin,
    adopt,
    changed_values,
    has_role,
    service_errors,
)

from .models import ApiKey, Branch, Membership, Organization, Role
from .services import (
    api_key_create,
    api_key_revoke,
    branch_create,
    branch_update,
    membership_set,
    organization_create,
)


@admin.register(Organization)
class OrganizationAdmin(ScopedModelAdmin):
    # Members see their own organizations; only superusers create or change them.
    organization_path = "pk"
    add_role = change_role = delete_role = None

    list_display = ("name", "slug", "country", "base_currency", "timezone", "created_at")
    search_fields = ("name", "slug")
    list_filter = ("country", "base_currency")
    prepopulated_fields = {"slug": ("name",)}
    fields = ("name", "slug", "country", "base_currency", "timezone", "customer_number_seq", "created_at")
    readonly_fields = ("customer_number_seq", "created_at")

    def save_model(self, request, obj, form, change):
        if change:
            with service_errors(request, key=""):
                obj.full_clean()
                obj.save()
            return
        with service_errors(request, key=""):
            organization = organization_create(
                name=form.cleaned_data["name"],
                slug=form.cleaned_data["slug"],
                country=form.cleaned_data["country"],
                base_currency=form.cleaned_data["base_currency"],
                timezone_name=form.cleaned_data["timezone"],
            )
        adopt(obj, organization)


@admin.register(Branch)
class BranchAdmin(ScopedModelAdmin):
    add_role = change_role = delete_role = Role.MANAGER

    list_display = ("code", "name", "organization", "is_active", "created_at")
    list_select_related = ("organization",)
    list_filter = ("is_active", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("code", "name", "organization__name")

    def get_fields(self, request, obj=None):
        return ("organization", "code", "name", "is_active")

    def get_readonly_fields(self, request, obj=None):
        # A branch stays in the organization it was opened in.
        return ("organization",) if obj is not None else ()

    def save_model(self, request, obj, form, change):
        with service_errors(request, key=""):
            if change:
                branch_update(branch=obj, **changed_values(form, allowed={"code", "name", "is_active"}))
            else:
                adopt(
                    obj,
                    branch_create(
                        organization=form.cleaned_data["organization"],
                        code=form.cleaned_data["code"],
                        name=form.cleaned_data["name"],
                        is_active=form.cleaned_data["is_active"],
                    ),
                )


@admin.register(Membership)
class MembershipAdmin(ScopedModelAdmin):
    # Managers see who has access to their organization; only superusers grant or change it.
    view_role = Role.MANAGER
    add_role = change_role = delete_role = None

    list_display = ("user", "organization", "role", "created_at")
    list_select_related = ("user", "organization")
    list_filter = ("role", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("user__username", "user__email", "organization__name")
    autocomplete_fields = ("user",)

    def get_fields(self, request, obj=None):
        return ("user", "organization", "role")

    def get_readonly_fields(self, request, obj=None):
        return ("user", "organization") if obj is not None else ()

    def save_model(self, request, obj, form, change):
        organization = obj.organization if change else form.cleaned_data["organization"]
        user = obj.user if change else form.cleaned_data["user"]
        with service_errors(request, key=""):
            membership = membership_set(organization=organization, username=user.get_username(), role=obj.role)
        adopt(obj, membership)


class ApiKeyStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("active", "Active"), ("revoked", "Revoked")]

    def queryset(self, request, queryset):
        if self.value() == "active":
            return queryset.filter(revoked_at__isnull=True)
        if self.value() == "revoked":
            return queryset.filter(revoked_at__isnull=False)
        return queryset


@admin.register(ApiKey)
class ApiKeyAdmin(ScopedModelAdmin):
    """Keys are issued by the service, which shows the secret once; afterwards a key can only be revoked."""

    view_role = add_role = Role.MANAGER
    change_role = delete_role = None

    list_display = ("name", "prefix", "scope", "organization", "is_active", "created_by", "created_at", "last_used_at")
    list_select_related = ("organization", "created_by")
    list_filter = (ApiKeyStateFilter, "scope", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "prefix", "organization__name")
    date_hierarchy = "created_at"
    actions = ("revoke_selected",)

    @admin.display(boolean=True, description="active")
    def is_active(self, obj: ApiKey) -> bool:
        return obj.is_active

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("organization", "name", "scope")
        return (
            "organization",
            "name",
            "scope",
            "prefix",
            "created_by",
            "created_at",
            "last_used_at",
            "revoked_at",
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_revoke_permission(self, request) -> bool:
        return has_role(request, role=Role.MANAGER)

    def save_model(self, request, obj, form, change):
        with service_errors(request, key=""):
            issued = api_key_create(
                organization=form.cleaned_data["organization"],
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                created_by=request.user,
            )
        adopt(obj, issued.api_key)
        # The secret is not stored anywhere; this message is the only time anyone sees it.
        self.message_user(
            request,
            f"Copy the API key now, it will not be shown again: {issued.secret}",
            messages.SUCCESS,
        )

    @admin.action(description="Revoke selected API keys", permissions=["revoke"])
    def revoke_selected(self, request, queryset):
        self.run_action(
            request,
            queryset,
            role=Role.MANAGER,
            service=lambda api_key: api_key_revoke(api_key=api_key),
            done="{count} API key(s) revoked.",
        )


class UserAdmin(DjangoUserAdmin):
    def history_view(self, request, object_id, extra_context=None):
        # Django looks the user up first, so staff without the permission would learn which ids
        # exist (403 for one that does, a redirect for one that does not).
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        return super().history_view(request, object_id, extra_context)


admin.site.unregister(User)
admin.site.register(User, UserAdmin)
