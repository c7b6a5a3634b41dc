from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q

from accounts.models import HEAD_OFFICE_CODE, Branch, Organization, Role
from billing.models import BillingEntity
from billing.services import (
    BILLING_ENTITY_FIELDS,
    billing_entity_create,
    billing_entity_delete,
    billing_entity_make_default,
    billing_entity_update,
)
from core.admin import (
    ScopedHistoryAdmin,
    ScopedModelAdmin,
    ServiceInline,
    ServiceInlineFormSet,
    ServiceModelForm,
    adopt,
    changed_values,
    has_role,
    is_superuser,
    organization_ids_with_role,
    service_errors,
    submitted_values,
)

from .importing.admin import CustomerImportExportMixin
from .models import (
    BankAccount,
    Category,
    ContactEmail,
    ContactOrigin,
    ContactPhone,
    Customer,
    CustomerGroup,
    FinanceCode,
)
from .search import customer_search_filter
from .services import (
    bank_account_create,
    bank_account_delete,
    bank_account_update,
    contact_email_create,
    contact_email_delete,
    contact_email_set_locked,
    contact_email_update,
    contact_phone_create,
    contact_phone_delete,
    contact_phone_set_locked,
    contact_phone_update,
    customer_archive,
    customer_block,
    customer_create,
    customer_soft_delete,
    customer_unarchive,
    customer_unblock,
    customer_update,
    lookup_archive,
    lookup_create,
    lookup_delete,
    lookup_update,
)
from .services.contacts import EMAIL_FIELDS, PHONE_FIELDS
from .services.customers import BANK_ACCOUNT_FIELDS, CUSTOMER_EDITABLE_FIELDS

# Lookups ---------------------------------------------------------------------------------------


class LookupAdmin(ScopedModelAdmin):
    """Categories and the other per-organization lists; managers keep them."""

    add_role = change_role = delete_role = Role.MANAGER
    # Fields of the lookup besides organization, name, description and is_archived.
    extra_fields: tuple[str, ...] = ()

    list_display = ("name", "organization", "customer_count", "is_archived", "created_at")
    list_select_related = ("organization",)
    list_filter = ("is_archived", ("organization", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name", "description")
    actions = ("archive_selected", "unarchive_selected")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(customer_count=Count("customers", filter=Q(customers__deleted_at__isnull=True), distinct=True))
        )

    @admin.display(description="customers", ordering="customer_count")
    def customer_count(self, obj) -> int:
        return obj.customer_count

    def get_fields(self, request, obj=None):
        return ("organization", "name", "description", *self.extra_fields, "is_archived")

    def get_readonly_fields(self, request, obj=None):
        return ("organization",) if obj is not None else ()

    def service_fields(self) -> set[str]:
        return {"name", "description", "is_archived", *self.extra_fields}

    def save_model(self, request, obj, form, change):
        with service_errors(request, key=""):
            if change:
                lookup_update(item=obj, **changed_values(form, allowed=self.service_fields()))
            else:
                item = lookup_create(
                    model=self.model,
                    organization=form.cleaned_data["organization"],
                    **submitted_values(form, allowed=self.service_fields()),
                )
                adopt(obj, item)

    def delete_model(self, request, obj):
        lookup_delete(item=obj)

    def delete_queryset(self, request, queryset):
        for item in queryset:
            lookup_delete(item=item)

    def has_archive_permission(self, request) -> bool:
        return has_role(request, role=Role.MANAGER)

    @admin.action(description="Archive selected", permissions=["archive"])
    def archive_selected(self, request, queryset):
        self.run_action(
            request,
            queryset,
            role=Role.MANAGER,
            service=lambda item: lookup_archive(item=item, archived=True),
            done="{count} archived.",
        )

    @admin.action(description="Unarchive selected", permissions=["archive"])
    def unarchive_selected(self, request, queryset):
        self.run_action(
            request,
            queryset,
            role=Role.MANAGER,
            service=lambda item: lookup_archive(item=item, archived=False),
            done="{count} unarchived.",
        )


@admin.register(Category)
class CategoryAdmin(LookupAdmin):
    pass


@admin.register(CustomerGroup)
class CustomerGroupAdmin(LookupAdmin):
    pass


@admin.register(FinanceCode)
class FinanceCodeAdmin(LookupAdmin):
    pass


@admin.register(ContactOrigin)
class ContactOriginAdmin(LookupAdmin):
    pass


# Customer inlines ------------------------------------------------------------------------------


class ContactForm(ServiceModelForm):
    """A contact row; once locked, only a manager's unlock can touch it."""

    can_lock = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        locked = self.instance.pk is not None and self.instance.is_locked
        for name, field in self.fields.items():
            if name == "is_locked":
                field.disabled = not self.can_lock
            elif locked:
                field.disabled = True


class ContactFormSet(ServiceInlineFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if "DELETE" in form.fields and form.instance.pk is not None and form.instance.is_locked:
            form.fields["DELETE"].disabled = True


class ContactInline(ServiceInline):
    """Emails and phones: saved by the contact services, which normalize them and honour the lock."""

    form = ContactForm
    formset = ContactFormSet
    create_service = None
    update_service = None
    delete_service = None
    lock_service = None

    def get_formset(self, request, obj=None, **kwargs):
        can_lock = has_role(request, role=Role.MANAGER, organization_id=None if obj is None else obj.organization_id)
        form = kwargs.get("form", self.form)
        kwargs["form"] = type(form)(form.__name__, (form,), {"can_lock": can_lock})
        return super().get_formset(request, obj, **kwargs)

    def create_row(self, request, *, parent, data, form):
        contact = self.create_service(customer=parent, actor=request.user, **data)
        if form.cleaned_data.get("is_locked") and form.can_lock:
            contact = self.lock_service(contact=contact, locked=True, actor=request.user)
        return contact

    def update_row(self, request, *, row, data, form):
        lock_changed = "is_locked" in form.changed_data and form.can_lock
        # Unlock before editing and lock after, so a manager can do either in one save.
        if lock_changed and not form.cleaned_data["is_locked"]:
            row = self.lock_service(contact=row, locked=False, actor=request.user)
        if data:
            row = self.update_service(contact=row, actor=request.user, **data)
        if lock_changed and form.cleaned_data["is_locked"]:
            row = self.lock_service(contact=row, locked=True, actor=request.user)
        return row

    def delete_row(self, request, *, row):
        self.delete_service(contact=row, actor=request.user)


class ContactEmailInline(ContactInline):
    model = ContactEmail
    fields = ("email", "use_for_invoicing", "contact_name", "role", "notes", "is_locked")
    service_fields = EMAIL_FIELDS
    create_service = staticmethod(contact_email_create)
    update_service = staticmethod(contact_email_update)
    delete_service = staticmethod(contact_email_delete)
    lock_service = staticmethod(contact_email_set_locked)


class ContactPhoneInline(ContactInline):
    model = ContactPhone
    fields = ("number", "extension", "is_whatsapp", "contact_name", "role", "notes", "is_locked")
    service_fields = PHONE_FIELDS
    create_service = staticmethod(contact_phone_create)
    update_service = staticmethod(contact_phone_update)
    delete_service = staticmethod(contact_phone_delete)
    lock_service = staticmethod(contact_phone_set_locked)


class BankAccountInline(ServiceInline):
    model = BankAccount
    fields = ("bank_name", "account_number", "iban", "bic")
    service_fields = BANK_ACCOUNT_FIELDS

    def create_row(self, request, *, parent, data, form):
        return bank_account_create(customer=parent, actor=request.user, **data)

    def update_row(self, request, *, row, data, form):
        return bank_account_update(account=row, actor=request.user, **data)

    def delete_row(self, request, *, row):
        bank_account_delete(account=row, actor=request.user)


class BillingEntityInline(ServiceInline):
    model = BillingEntity
    fields = ("legal_name", "tax_id", "billing_email", "fiscal_address", "billing_address", "is_active", "is_default")
    service_fields = BILLING_ENTITY_FIELDS
    delete_role = Role.MANAGER

    def create_row(self, request, *, parent, data, form):
        # Unticked means "let the service decide": the customer's first active entity becomes the default.
        is_default = True if form.cleaned_data.get("is_default") else None
        return billing_entity_create(customer=parent, actor=request.user, is_default=is_default, **data)

    def update_row(self, request, *, row, data, form):
        if data:
            row = billing_entity_update(entity=row, actor=request.user, **data)
        if "is_default" in form.changed_data:
            if not form.cleaned_data["is_default"]:
                raise ValidationError({"is_default": ["Make another billing entity the default instead."]})
            row = billing_entity_make_default(entity=row, actor=request.user)
        return row

    def delete_row(self, request, *, row):
        billing_entity_delete(entity=row, actor=request.user)


# Customers -------------------------------------------------------------------------------------


class DeletedFilter(admin.SimpleListFilter):
    """Deleted customers stay out of the list unless asked for."""

    title = "deleted"
    parameter_name = "deleted"

    def lookups(self, request, model_admin):
        return [("yes", "Deleted"), ("all", "All")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(deleted_at__isnull=False)
        if self.value() == "all":
            return queryset
        return queryset.filter(deleted_at__isnull=True)

    def choices(self, changelist):
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": "Not deleted",
        }
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == lookup,
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }


class CustomerForm(ServiceModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The service fills these in when they are left empty.
        hints = {
            "customer_no": "Leave empty to number the customer automatically (CUST000001, ...).",
            "country": "Defaults to the organization's country.",
            "currency": "Defaults to the organization's currency.",
        }
        for name, hint in hints.items():
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = hint


BALANCE_FIELDS = (
    "total_debit",
    "total_credit",
    "balance",
    "deposit_amount",
    "total_transactions",
    "last_transaction_at",
    "used_in_booked",
)
RECORD_FIELDS = (
    "organization",
    "uid",
    "source",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
    "deleted_at",
)


@admin.register(Customer)
class CustomerAdmin(CustomerImportExportMixin, ScopedHistoryAdmin):
    form = CustomerForm
    delete_role = Role.MANAGER
    status_role = Role.MANAGER

    list_display = (
        "customer_no",
        "name",
        "branch",
        "type",
        "status",
        "tax_id",
        "phone",
        "email",
        "balance",
        "created_at",
    )
    list_display_links = ("customer_no", "name")
    list_select_related = ("branch", "organization")
    search_fields = ("name", "customer_no", "tax_id", "phone", "email")
    date_hierarchy = "created_at"
    ordering = ("name", "id")
    actions = ("archive_selected", "unarchive_selected", "block_selected", "unblock_selected")
    inlines = (ContactEmailInline, ContactPhoneInline, BankAccountInline, BillingEntityInline)
    # Counting 100k rows for "show all" on every page is not worth it.
    show_full_result_count = False
    # A website typed without a scheme is stored as https://.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    fieldsets = (
        (None, {"fields": ("branch", "customer_no", "name", "legal_name", "alias", "type", "status")}),
        ("Tax identifiers", {"fields": ("tax_id", "registration_number", "vat_number", "ean_number")}),
        ("Locale", {"fields": ("country", "language", "currency")}),
        (
            "Contact",
            {
                "fields": (
                    "phone",
                    "email",
                    "website",
                    "address",
                    "city",
                    "postal_code",
                    "location",
                    "contact_first_name",
                    "contact_last_name",
                    "contact_phone",
                )
            },
        ),
        ("Classification", {"fields": ("category", "group", "finance_code", "origin")}),
        (
            "Invoicing",
            {
                "fields": (
                    "invoice_attention",
                    "invoice_email",
                    "credit_limit",
                    "vat_zone",
                    "payment_terms",
                    "discount_percent",
                )
            },
        ),
        ("Metadata", {"fields": ("metadata",), "classes": ("collapse",)}),
    )
    balance_fieldsets = (
        ("Balances", {"fields": BALANCE_FIELDS}),
        ("Record", {"fields": RECORD_FIELDS}),
    )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "branch" not in initial:
            # A member of a single organization starts at its head office.
            writable = organization_ids_with_role(request, role=self.add_role)
            if len(writable) == 1 and not is_superuser(request):
                head_office = Branch.objects.filter(organization_id=writable[0], code=HEAD_OFFICE_CODE).first()
                if head_office is not None:
                    initial["branch"] = head_office.pk
        return initial

    def get_fieldsets(self, request, obj=None):
        return self.fieldsets if obj is None else self.fieldsets + self.balance_fieldsets

    def get_readonly_fields(self, request, obj=None):
        # Status changes through the actions; balances follow the ledger.
        return ("status", *BALANCE_FIELDS, *RECORD_FIELDS)

    def get_list_display(self, request):
        if is_superuser(request):
            return (*self.list_display, "organization", "deleted_at")
        return self.list_display

    def get_list_filter(self, request):
        filters = [
            "status",
            "type",
            "source",
            ("branch", admin.RelatedOnlyFieldListFilter),
            ("category", admin.RelatedOnlyFieldListFilter),
            ("group", admin.RelatedOnlyFieldListFilter),
            ("origin", admin.RelatedOnlyFieldListFilter),
        ]
        if is_superuser(request):
            filters += [("organization", admin.RelatedOnlyFieldListFilter), DeletedFilter]
        return filters

    def get_queryset(self, request):
        customers = super().get_queryset(request)
        # A deleted customer leaves every list; superusers find them again with the "deleted" filter.
        return customers if is_superuser(request) else customers.alive()

    def get_search_results(self, request, queryset, search_term):
        if request.resolver_match and request.resolver_match.url_name == "autocomplete":
            queryset = queryset.alive()
        if not search_term.strip():
            return queryset, False
        # The search of the API and the pages, so a query finds the same customers everywhere. Its
        # index is per organization and holds live customers only.
        if is_superuser(request):
            organization_ids = list(Organization.objects.values_list("pk", flat=True))
        else:
            organization_ids = organization_ids_with_role(request, role=self.view_role)
        matched = Q(pk__in=[])
        for organization_id in organization_ids:
            in_organization = Customer.objects.filter(organization_id=organization_id)
            found = customer_search_filter(in_organization, search_term, organization_id=organization_id)
            matched |= Q(pk__in=found.values("pk"))
        if is_superuser(request):
            term = search_term.strip()
            matched |= Q(deleted_at__isnull=False) & (Q(name__icontains=term) | Q(customer_no__iexact=term))
        return queryset.filter(matched), False

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.is_deleted:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_deleted:
            return False
        return super().has_delete_permission(request, obj)

    def has_status_permission(self, request) -> bool:
        return has_role(request, role=self.status_role)

    def save_model(self, request, obj, form, change):
        with service_errors(request, key=""):
            if change:
                data = changed_values(form, allowed=CUSTOMER_EDITABLE_FIELDS)
                if data:
                    customer_update(customer=obj, actor=request.user, **data)
            else:
                customer = customer_create(
                    organization=form.cleaned_data["branch"].organization,
                    actor=request.user,
                    **submitted_values(form, allowed=CUSTOMER_EDITABLE_FIELDS),
                )
                adopt(obj, customer)

    def get_deleted_objects(self, objs, request):
        # Deleting is soft: contacts, billing entities and transactions stay, so nothing else is listed.
        customers = list(objs)
        perms_needed = set()
        if any(not self.has_delete_permission(request, customer) for customer in customers):
            perms_needed.add(self.opts.verbose_name)
        model_count = {self.opts.verbose_name_plural: len(customers)}
        return [str(customer) for customer in customers], model_count, perms_needed, []

    def delete_model(self, request, obj):
        customer_soft_delete(customer=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        for customer in queryset:
            customer_soft_delete(customer=customer, actor=request.user)

    def _status_action(self, request, queryset, service, done: str) -> None:
        self.run_action(
            request,
            queryset,
            role=self.status_role,
            service=lambda customer: service(customer=customer, actor=request.user),
            done=done,
        )

    @admin.action(description="Archive selected customers", permissions=["status"])
    def archive_selected(self, request, queryset):
        self._status_action(request, queryset, customer_archive, "{count} customer(s) archived.")

    @admin.action(description="Unarchive selected customers", permissions=["status"])
    def unarchive_selected(self, request, queryset):
        self._status_action(request, queryset, customer_unarchive, "{count} customer(s) unarchived.")

    @admin.action(description="Block selected customers", permissions=["status"])
    def block_selected(self, request, queryset):
        self._status_action(request, queryset, customer_block, "{count} customer(s) blocked.")

    @admin.action(description="Unblock selected customers", permissions=["status"])
    def unblock_selected(self, request, queryset):
        self._status_action(request, queryset, customer_unblock, "{count} customer(s) unblocked.")
