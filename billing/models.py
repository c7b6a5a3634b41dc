from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from core.history import history_user
from core.models import RequestContextHistory, TimestampedModel
from customers.models import Customer, LookupBase


class PaymentTermsType(models.TextChoices):
    NET = "net", "Net (days after invoice date)"
    END_OF_MONTH = "end_of_month", "End of month plus days"


class PaymentTerms(LookupBase):
    days = models.PositiveSmallIntegerField(default=30, validators=[MaxValueValidator(365)])
    type = models.CharField(max_length=12, choices=PaymentTermsType.choices, default=PaymentTermsType.NET)

    class Meta(LookupBase.Meta):
        verbose_name_plural = "payment terms"
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="payment_terms_name_unique_per_org")
        ]


class BillingEntity(TimestampedModel):
    """A legal identity (razón social) a customer is invoiced under."""

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="billing_entities")
    legal_name = models.CharField(max_length=255)
    tax_id = models.CharField("tax ID", max_length=50, blank=True)
    billing_email = models.EmailField(max_length=255, blank=True)
    fiscal_address = models.CharField(max_length=500, blank=True)
    billing_address = models.CharField(max_length=500, blank=True)
    is_default = models.BooleanField(default=False)
    is_active = models.BooleanField(default=True)

    history = HistoricalRecords(get_user=history_user, bases=[RequestContextHistory])

    class Meta:
        ordering = ["-is_default", "legal_name", "id"]
        verbose_name_plural = "billing entities"
        constraints = [
            models.UniqueConstraint(
                fields=["customer"], condition=Q(is_default=True), name="one_default_billing_entity_per_customer"
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(is_active=True), name="default_billing_entity_is_active"
            ),
        ]

    def __str__(self) -> str:
        return self.legal_name
