"""What every app's admin shares: organization scoping, role permissions and service errors on forms.

Admin writes go through the same services as the API and the pages. A service reports a broken
rule by raising; the admin turns that into errors beside the fields of the form the user sent:
the write is rolled back with the view's atomic block, the same POST is validated again, and the
forms pick up the errors the service raised (see ``ServiceErrorsAdminMixin.changeform_view``).
"""

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseRedirect
from django.utils.text import capfirst
from simple_history.admin import SimpleHistoryAdmin

from accounts.models import ROLE_RANK, Membership, Organization, Role
from core.exceptions import DomainError

ERROR_STORE_ATTR = "_admin_service_errors"
ROLES_CACHE_ATTR = "_admin_member_roles"


# Roles ---------------------------------------------------------------------------------------


def is_superuser(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


def member_roles(request: HttpRequest) -> dict[int, Role]:
    """The user's role in each organization they belong to, read once per request."""
    roles = getattr(request, ROLES_CACHE_ATTR, None)
    if roles is None:
        rows = Membership.objects.filter(user_id=request.user.pk).values_list("organization_id", "role")
        roles = {organization_id: Role(role) for organization_id, role in rows}
        setattr(request, ROLES_CACHE_ATTR, roles)
    return roles


def organization_ids_with_role(request: HttpRequest, *, role: Role | None) -> list[int]:
    """Organizations where the user holds ``role`` or a higher one; ``None`` is reserved to superusers."""
    if role is None:
        return []
    return [org_id for org_id, held in member_roles(request).items() if ROLE_RANK[held] >= ROLE_RANK[role]]


def has_role(request: HttpRequest, *, role: Role | None, organization_id: int | None = None) -> bool:
    """Whether the user may act with ``role`` in ``organization_id`` (or, without one, in any organization)."""
    if is_superuser(request):
        return True
    allowed = organization_ids_with_role(request, role=role)
    if organization_id is None:
        return bool(allowed)
    return organization_id in allowed


def lowest_role(*roles: Role | None) -> Role | None:
    present = [role for role in roles if role is not None]
    return min(present, key=lambda role: ROLE_RANK[role]) if present else None


# Organization paths ----------------------------------------------------------------------------


def organization_path_for(model: type[models.Model]) -> str | None:
    """The lookup from ``model`` to its organization, or None for models that belong to none."""
    if model is Organization:
        return "pk"
    names = {field.name for field in model._meta.concrete_fields}
    if "organization" in names:
        return "organization"
    if "customer" in names:
        return "customer__organization"
    return None


def organization_id_of(obj: models.Model, *, path: str) -> int | None:
    if path == "pk":
        return obj.pk
    *hops, last = path.split("__")
    for hop in hops:
        obj = getattr(obj, hop, None)
        if obj is None:
            return None
    return getattr(obj, f"{last}_id")


def scope_to_organizations(queryset: QuerySet, *, path: str, organization_ids: Iterable[int]) -> QuerySet:
    return queryset.filter(**{f"{path}__in": list(organization_ids)})


def choices_for(model: type[models.Model], *, request: HttpRequest, role: Role | None) -> QuerySet | None:
    """Rows of ``model`` a drop-down may offer: those of organizations where the user holds ``role``.

    Deleted customers and inactive billing entities are never offered, to anyone.
    """
    path = organization_path_for(model)
    if path is None:
        return None
    choices = model._default_manager.all()
    if path == "customer__organization":
        choices = choices.filter(customer__deleted_at__isnull=True)
    if "deleted_at" in {field.name for field in model._meta.concrete_fields}:
        choices = choices.filter(deleted_at__isnull=True)
    if model._meta.label == "billing.BillingEntity":
        choices = choices.filter(is_active=True)
    if is_superuser(request):
        return choices
    return scope_to_organizations(choices, path=path, organization_ids=organization_ids_with_role(request, role=role))


def works_across_organizations(request: HttpRequest) -> bool:
    return is_superuser(request) or len(member_roles(request)) > 1


def label_with_organization(obj: models.Model, *, path: str) -> str:
    organization = obj
    for hop in path.split("__"):
        organization = getattr(organization, hop)
    return f"{organization} · {obj}"


# Service errors --------------------------------------------------------------------------------


class ServiceRejected(Exception):
    """A service refused a write made from an admin form; its errors wait on the request."""


def _error_store(request: HttpRequest) -> dict[str, ValidationError]:
    store = getattr(request, ERROR_STORE_ATTR, None)
    if store is None:
        store = {}
        setattr(request, ERROR_STORE_ATTR, store)
    return store


def as_validation_error(exc: DomainError | ValidationError) -> ValidationError:
    if isinstance(exc, ValidationError):
        return exc
    if exc.field:
        return ValidationError({exc.field: [exc.message]})
    return ValidationError(exc.message)


def error_messages(exc: DomainError | ValidationError) -> list[str]:
    error = as_validation_error(exc)
    if hasattr(error, "error_dict"):
        return [
            message if field == NON_FIELD_ERRORS else f"{field.replace('_', ' ')}: {message}"
            for field, errors in error.message_dict.items()
            for message in errors
        ]
    return error.messages


@contextmanager
def service_errors(request: HttpRequest, *, key: str) -> Iterator[None]:
    """Keep a refused write's errors for the form (or formset) named ``key`` and abort the view's transaction."""
    try:
        yield
    except (ValidationError, DomainError) as exc:
        _error_store(request)[key] = as_validation_error(exc)
        raise ServiceRejected(key) from exc


def form_key(form: forms.BaseForm) -> str:
    return form.prefix or ""


def formset_key(formset: forms.BaseFormSet) -> str:
    return f"formset:{formset.prefix}"


def apply_error(form: forms.BaseForm, error: ValidationError) -> None:
    """Show ``error`` beside the fields it names; errors of fields not on the form go on top of it."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        if field in form.fields and not form.fields[field].disabled:
            form.add_error(field, ValidationError(errors))
        elif field == NON_FIELD_ERRORS:
            form.add_error(None, ValidationError(errors))
        else:
            label = capfirst(field.replace("_", " "))
            form.add_error(None, [f"{label}: {message}" for message in ValidationError(errors).messages])


class ServiceModelForm(forms.ModelForm):
    """A model form whose row is checked and written by a service.

    The form parses what was typed (numbers, dates, choices, lengths); the model's own
    validators and constraints run in the service, after it has normalized the values. Checked
    here, a BIC typed in lower case or a phone with spaces would be refused before the service
    could bring it to its stored form, and a second default billing entity would be refused
    before the service could clear the first.
    """

    # Errors the service raised for this request's forms, keyed by form prefix (set per request).
    service_errors: dict[str, ValidationError] = {}

    def clean(self):
        cleaned_data = super().clean()
        error = self.service_errors.get(form_key(self))
        if error is not None:
            apply_error(self, error)
        return cleaned_data

    def _post_clean(self):
        try:
            self.instance = forms.models.construct_instance(self, self.instance, self._meta.fields, self._meta.exclude)
        except ValidationError as exc:
            self._update_errors(exc)


def with_service_errors(form_class: type[forms.BaseForm], request: HttpRequest) -> type[forms.BaseForm]:
    """``form_class`` bound to this request's service errors."""
    if not issubclass(form_class, ServiceModelForm):
        return form_class
    return type(form_class)(form_class.__name__, (form_class,), {"service_errors": _error_store(request)})


class ServiceInlineFormSet(forms.BaseInlineFormSet):
    """An inline formset whose rows are written by a service (see ``ServiceInline``)."""

    service_errors: dict[str, ValidationError] = {}
    service_inline: "ServiceInline | None" = None

    def clean(self):
        super().clean()
        error = self.service_errors.get(formset_key(self))
        if error is not None:
            raise ValidationError(error_messages(error))


# Model admins ----------------------------------------------------------------------------------


class OrganizationScopedMixin:
    """Querysets, drop-downs and permissions limited to the organizations the user belongs to.

    Superusers see and change everything. Other staff act through their memberships: each
    ``*_role`` is the least role that allows the action in an organization (``None``: superusers
    only). A row of an organization the user does not belong to is not found, like a missing one.
    """

    organization_path: str = "organization"
    view_role: Role | None = Role.VIEWER
    add_role: Role | None = Role.CLERK
    change_role: Role | None = Role.CLERK
    delete_role: Role | None = Role.MANAGER

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if is_superuser(request):
            return queryset
        readable = lowest_role(self.view_role, self.change_role)
        return scope_to_organizations(
            queryset, path=self.organization_path, organization_ids=organization_ids_with_role(request, role=readable)
        )

    def organization_id_of(self, obj: models.Model) -> int | None:
        return organization_id_of(obj, path=self.organization_path)

    def allows(self, request: HttpRequest, *, role: Role | None, obj: models.Model | None = None) -> bool:
        organization_id = None if obj is None else self.organization_id_of(obj)
        return has_role(request, role=role, organization_id=organization_id)

    def restrict_to_role(self, request: HttpRequest, queryset: QuerySet, *, role: Role | None) -> QuerySet:
        """The rows of ``queryset`` in organizations where the user holds ``role``."""
        if is_superuser(request):
            return queryset
        return scope_to_organizations(
            queryset, path=self.organization_path, organization_ids=organization_ids_with_role(request, role=role)
        )

    def has_module_permission(self, request):
        return is_superuser(request) or self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return self.allows(request, role=self.view_role, obj=obj) or self.has_change_permission(request, obj)

    def has_add_permission(self, request):
        return self.allows(request, role=self.add_role)

    def has_change_permission(self, request, obj=None):
        return self.allows(request, role=self.change_role, obj=obj)

    def has_delete_permission(self, request, obj=None):
        return self.allows(request, role=self.delete_role, obj=obj)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        has_organization_field = any(field.name == "organization" for field in self.model._meta.concrete_fields)
        if has_organization_field and "organization" not in initial and not is_superuser(request):
            writable = organization_ids_with_role(request, role=self.add_role)
            if len(writable) == 1:
                initial["organization"] = writable[0]
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        path = organization_path_for(db_field.related_model)
        if "queryset" not in kwargs:
            choices = choices_for(
                db_field.related_model, request=request, role=lowest_role(self.add_role, self.change_role)
            )
            if choices is not None:
                kwargs["queryset"] = choices
        formfield = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if formfield is not None and path not in (None, "pk") and works_across_organizations(request):
            # Every organization has a branch "00 Head Office"; the label says whose it is.
            formfield.queryset = formfield.queryset.select_related(path)
            formfield.label_from_instance = partial(label_with_organization, path=path)
        return formfield

    def run_action(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        *,
        role: Role | None,
        service: Callable[[Any], Any],
        done: str,
    ) -> None:
        """Apply ``service`` to each selected row the user may act on and report what happened.

        ``done`` is the message for the rows that worked, with ``{count}`` in it.
        """
        allowed = self.restrict_to_role(request, queryset, role=role)
        skipped = queryset.count() - allowed.count()
        succeeded = 0
        for obj in allowed:
            try:
                with transaction.atomic():
                    service(obj)
            except (DomainError, ValidationError) as exc:
                for message in error_messages(exc):
                    self.message_user(request, f"{obj}: {message}", messages.ERROR)
            else:
                succeeded += 1
        if succeeded:
            self.message_user(request, done.format(count=succeeded), messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} selected {'row was' if skipped == 1 else 'rows were'} left unchanged: "
                f"your role in their organization does not allow it.",
                messages.WARNING,
            )


class ServiceErrorsAdminMixin:
    """Show errors raised by the services that save_model and save_related call beside the form's fields."""

    form = ServiceModelForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        return with_service_errors(super().get_form(request, obj, change=change, **kwargs), request)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRejected:
            pass
        # The refused write was rolled back with the view's atomic block. Validating the same
        # POST again puts the service's errors on the forms, and the page comes back with them.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ServiceRejected:
            for error in _error_store(request).values():
                for message in error_messages(error):
                    self.message_user(request, message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    def save_formset(self, request, form, formset, change):
        inline = getattr(formset, "service_inline", None)
        if inline is None:
            super().save_formset(request, form, formset, change)
        else:
            inline.save_through_services(request, formset)


class ScopedModelAdmin(ServiceErrorsAdminMixin, OrganizationScopedMixin, admin.ModelAdmin):
    pass


class ScopedHistoryAdmin(ServiceErrorsAdminMixin, OrganizationScopedMixin, SimpleHistoryAdmin):
    """A scoped admin with a "History" page listing who changed what.

    The history of a row the user cannot see is not found, like the row itself. Each change shows
    the API key it was made with (when it came through the API) and the id of its request.
    """

    history_list_display = ["api_key", "request_id"]

    def get_history_queryset(self, request, history_manager, pk_name: str, object_id):
        return (
            super().get_history_queryset(request, history_manager, pk_name, object_id).select_related("history_api_key")
        )

    @admin.display(description="API key")
    def api_key(self, record) -> str:
        if record.history_api_key_id is None:
            return "—"
        key = record.history_api_key
        return str(key) if key is not None else f"deleted key #{record.history_api_key_id}"

    @admin.display(description="Request ID")
    def request_id(self, record) -> str:
        return record.history_request_id or "—"

    def history_view(self, request, object_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if self.get_object(request, unquote(object_id)) is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        # Reverting is off, but simple_history only hides its button: a POSTed version would still
        # be saved, past the services and the viewer role.
        if request.method != "GET":
            raise PermissionDenied("Past versions can be viewed, not restored.")
        return super().history_form_view(request, object_id, version_id, extra_context)


def adopt(obj: models.Model, saved: models.Model) -> models.Model:
    """Turn the admin's unsaved ``obj`` into the row a service created.

    The admin keeps using the instance its form built (inline formsets hang off it), so the
    created row's values are copied onto it.
    """
    for field in saved._meta.concrete_fields:
        setattr(obj, field.attname, getattr(saved, field.attname))
    obj._state.adding = False
    obj._state.db = saved._state.db
    return obj


def changed_values(form: forms.BaseForm, *, allowed: Iterable[str]) -> dict[str, Any]:
    """The fields the user changed that the service accepts, with their cleaned values."""
    allowed = set(allowed)
    return {name: form.cleaned_data[name] for name in form.changed_data if name in allowed}


def submitted_values(form: forms.BaseForm, *, allowed: Iterable[str]) -> dict[str, Any]:
    allowed = set(allowed)
    return {name: value for name, value in form.cleaned_data.items() if name in allowed}


# Inlines ---------------------------------------------------------------------------------------


class ServiceInline(admin.TabularInline):
    """Child rows of a parent (a customer) saved through services, with the parent's permissions.

    Subclasses name the fields their services accept and implement ``create_row``,
    ``update_row`` and ``delete_row``.
    """

    form = ServiceModelForm
    formset = ServiceInlineFormSet
    extra = 0
    service_fields: frozenset[str] = frozenset()
    parent_organization_path = "organization"
    view_role: Role | None = Role.VIEWER
    add_role: Role | None = Role.CLERK
    change_role: Role | None = Role.CLERK
    delete_role: Role | None = Role.CLERK

    def allows(self, request: HttpRequest, *, role: Role | None, parent: models.Model | None) -> bool:
        if parent is not None and getattr(parent, "is_deleted", False) and role != self.view_role:
            return False
        organization_id = None if parent is None else organization_id_of(parent, path=self.parent_organization_path)
        return has_role(request, role=role, organization_id=organization_id)

    def has_view_permission(self, request, obj=None):
        return self.allows(request, role=self.view_role, parent=obj)

    def has_add_permission(self, request, obj=None):
        return self.allows(request, role=self.add_role, parent=obj)

    def has_change_permission(self, request, obj=None):
        return self.allows(request, role=self.change_role, parent=obj)

    def has_delete_permission(self, request, obj=None):
        return self.allows(request, role=self.delete_role, parent=obj)

    def get_formset(self, request, obj=None, **kwargs):
        kwargs["form"] = with_service_errors(kwargs.get("form", self.form), request)
        formset = super().get_formset(request, obj, **kwargs)
        return type(formset.__name__, (formset,), {"service_errors": _error_store(request), "service_inline": self})

    def create_row(self, request: HttpRequest, *, parent: models.Model, data: dict[str, Any], form) -> models.Model:
        raise NotImplementedError

    def update_row(self, request: HttpRequest, *, row: models.Model, data: dict[str, Any], form) -> models.Model:
        raise NotImplementedError

    def delete_row(self, request: HttpRequest, *, row: models.Model) -> None:
        raise NotImplementedError

    def _fresh(self, formset, instance: models.Model) -> models.Model:
        # The form has already written the posted values onto its instance; services compare
        # against the stored row (a lock, for one), so they get it as it is in the database.
        row = type(instance)._default_manager.get(pk=instance.pk)
        setattr(row, formset.fk.name, formset.instance)
        return row

    def save_through_services(self, request: HttpRequest, formset) -> None:
        """Deletes first, then changes, then additions, so a row can be replaced by an equal one."""
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for form in formset.initial_forms:
            if formset.can_delete and formset._should_delete_form(form):
                with service_errors(request, key=formset_key(formset)):
                    self.delete_row(request, row=self._fresh(formset, form.instance))
                formset.deleted_objects.append(form.instance)
        for form in formset.initial_forms:
            if (formset.can_delete and formset._should_delete_form(form)) or not form.has_changed():
                continue
            with service_errors(request, key=form_key(form)):
                row = self.update_row(
                    request,
                    row=self._fresh(formset, form.instance),
                    data=changed_values(form, allowed=self.service_fields),
                    form=form,
                )
            formset.changed_objects.append((row, form.changed_data))
        for form in formset.extra_forms:
            if not form.has_changed() or (formset.can_delete and formset._should_delete_form(form)):
                continue
            with service_errors(request, key=form_key(form)):
                row = self.create_row(
                    request,
                    parent=formset.instance,
                    data=submitted_values(form, allowed=self.service_fields),
                    form=form,
                )
            formset.new_objects.append(row)
