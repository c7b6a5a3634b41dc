from django.contrib import admin

from accounts.models import Role
from core.admin import ScopedModelAdmin, ServiceModelForm, adopt, has_role, is_superuser, service_errors

from .models import Transaction, TransactionStatus
from .services import transaction_record, transaction_void


class TransactionForm(ServiceModelForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # transaction_record fills these in from the customer and the clock when they are left empty.
        hints = {
            "occurred_at": "Defaults to now.",
            "currency": "Defaults to the customer's currency.",
            "branch": "Defaults to the customer's branch.",
            "billing_entity": "A sale without one is invoiced to the customer's default billing entity.",
        }
        for name, hint in hints.items():
            if name in self.fields:
                self.fields[name].required = False
                self.fields[name].help_text = hint


@admin.register(Transaction)
class TransactionAdmin(ScopedModelAdmin):
    """Ledger entries are recorded and voided, never edited or deleted, so balances stay explainable."""

    form = TransactionForm
    change_role = delete_role = None
    void_role = Role.CLERK

    list_display = (
        "occurred_at",
        "type",
        "reference",
        "customer",
        "total_amount",
        "tax_amount",
        "currency",
        "status",
        "branch",
    )
    list_select_related = ("customer", "branch")
    list_filter = (
        "type",
        "status",
        ("branch", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("reference", "description", "customer__name", "customer__customer_no")
    date_hierarchy = "occurred_at"
    autocomplete_fields = ("customer", "billing_entity")
    actions = ("void_selected",)
    show_full_result_count = False

    add_fields = (
        "customer",
        "type",
        "total_amount",
        "tax_amount",
        "reference",
        "occurred_at",
        "currency",
        "status",
        "billing_entity",
        "branch",
        "description",
    )
    record_fields = ("id", "organization", "created_by", "created_at", "voided_at", "voided_by")

    def get_fields(self, request, obj=None):
        return self.add_fields if obj is None else (*self.add_fields, *self.record_fields)

    def get_list_display(self, request):
        return (*self.list_display, "organization") if is_superuser(request) else self.list_display

    def get_list_filter(self, request):
        if is_superuser(request):
            return (*self.list_filter, ("organization", admin.RelatedOnlyFieldListFilter))
        return self.list_filter

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        if db_field.name == "status":
            # Voiding is its own action, with its own effect on the balances.
            kwargs["choices"] = [choice for choice in TransactionStatus.choices if choice[0] != TransactionStatus.VOID]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_void_permission(self, request) -> bool:
        return has_role(request, role=self.void_role)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        customer = data["customer"]
        with service_errors(request, key=""):
            entry = transaction_record(
                organization=customer.organization,
                customer=customer,
                type=data["type"],
                total_amount=data["total_amount"],
                tax_amount=data.get("tax_amount"),
                reference=data.get("reference") or "",
                occurred_at=data.get("occurred_at"),
                currency=data.get("currency") or "",
                status=data.get("status") or TransactionStatus.SUCCESS,
                billing_entity=data.get("billing_entity"),
                branch=data.get("branch"),
                description=data.get("description") or "",
                actor=request.user,
            )
        adopt(obj, entry)

    @admin.action(description="Void selected transactions", permissions=["void"])
    def void_selected(self, request, queryset):
        self.run_action(
            request,
            queryset,
            role=self.void_role,
            service=lambda entry: transaction_void(entry=entry, actor=request.user),
            done="{count} transaction(s) voided.",
        )
