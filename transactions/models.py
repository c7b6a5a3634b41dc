import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from accounts.models import Branch, Organization
from customers.models import Customer, money


class TransactionType(models.TextChoices):
    SALE = "sale", "Sale"
    OPENING_BALANCE = "opening_balance", "Opening balance"
    REFUND = "refund", "Refund"
    PAYMENT = "payment", "Payment"
    CREDIT_NOTE = "credit_note", "Credit note"
    DEPOSIT = "deposit", "Deposit"
    PURCHASE = "purchase", "Purchase"


# Debit types raise what the customer owes; credit types lower it.
DEBIT_TYPES = frozenset({TransactionType.SALE, TransactionType.OPENING_BALANCE, TransactionType.REFUND})
CREDIT_TYPES = frozenset(
    {TransactionType.PAYMENT, TransactionType.CREDIT_NOTE, TransactionType.DEPOSIT, TransactionType.PURCHASE}
)


class TransactionStatus(models.TextChoices):
    SUCCESS = "success", "Success"
    PENDING = "pending", "Pending"
    FAILED = "failed", "Failed"
    VOID = "void", "Void"


class Transaction(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="transactions")
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="transactions")
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="transactions")
    type = models.CharField(max_length=16, choices=TransactionType.choices)
    reference = models.CharField(max_length=100, blank=True, help_text="Invoice or receipt number.")
    occurred_at = models.DateTimeField()
    currency = models.CharField(max_length=3)
    total_amount = models.DecimalField(**money, help_text="Tax included.")
    tax_amount = models.DecimalField(**money, default=0)
    status = models.CharField(max_length=8, choices=TransactionStatus.choices, default=TransactionStatus.SUCCESS)
    billing_entity = models.ForeignKey(
        "billing.BillingEntity", null=True, blank=True, on_delete=models.PROTECT, related_name="transactions"
    )
    description = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    voided_at = models.DateTimeField(null=True, blank=True)
    voided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-occurred_at", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gt=0), name="transaction_total_positive"),
            models.CheckConstraint(condition=Q(tax_amount__gte=0), name="transaction_tax_not_negative"),
            models.CheckConstraint(
                condition=Q(tax_amount__lte=models.F("total_amount")), name="transaction_tax_within_total"
            ),
            models.CheckConstraint(condition=Q(type__in=TransactionType.values), name="transaction_type_valid"),
            models.CheckConstraint(condition=Q(status__in=TransactionStatus.values), name="transaction_status_valid"),
        ]
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="transaction_customer_occurred"),
            models.Index(fields=["organization", "-occurred_at"], name="transaction_org_occurred"),
            models.Index(fields=["organization", "reference"], name="transaction_org_reference"),
        ]

    def __str__(self) -> str:
        return f"{self.get_type_display()} {self.reference or self.id} {self.total_amount}"

    @property
    def is_debit(self) -> bool:
        return self.type in DEBIT_TYPES

    @property
    def invoice_no(self) -> str:
        return self.reference
