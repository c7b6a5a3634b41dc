import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from accounts.models import Branch, Organization
from core.history import history_user
from core.iso_codes import iso_country, iso_currency, iso_language
from core.models import RequestContextHistory, TimestampedModel

from .validators import validate_customer_no, validate_ean13, validate_metadata

ZERO = Decimal("0.00")
money = {"max_digits": 18, "decimal_places": 2}


class LookupBase(TimestampedModel):
    """A per-organization list of values that customers are filed under."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    description = models.TextField(blank=True)
    is_archived = models.BooleanField(default=False)

    class Meta:
        abstract = True
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Category(LookupBase):
    class Meta(LookupBase.Meta):
        verbose_name_plural = "categories"
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="category_name_unique_per_org")]


class CustomerGroup(LookupBase):
    class Meta(LookupBase.Meta):
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="group_name_unique_per_org")]


class FinanceCode(LookupBase):
    """The ledger grouping an accountant posts the customer under."""

    class Meta(LookupBase.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="finance_code_name_unique_per_org")
        ]


class ContactOrigin(LookupBase):
    """Where a customer came from: web form, referral, walk-in, ..."""

    class Meta(LookupBase.Meta):
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="origin_name_unique_per_org")]


class CustomerType(models.TextChoices):
    INDIVIDUAL = "individual", "Individual"
    COMPANY = "company", "Company"
    GOVERNMENT = "government", "Government"


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    BLOCKED = "blocked", "Blocked"
    ARCHIVED = "archived", "Archived"


class VatZone(models.TextChoices):
    DOMESTIC = "domestic", "Domestic"
    EUROPEAN = "european", "European"
    ABROAD = "abroad", "Abroad"


class CustomerSource(models.TextChoices):
    UI = "ui", "Back office"
    API = "api", "API"
    IMPORT = "import", "Import"


class CustomerQuerySet(models.QuerySet):
    def alive(self):
        return self.filter(deleted_at__isnull=True)


class Customer(TimestampedModel):
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # No index of its own: every index of the table starts with the organization (see Meta.indexes)
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="customers", db_index=False)
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="customers")
    customer_no = models.CharField(max_length=50, validators=[validate_customer_no])
    name = models.CharField(max_length=255)
    legal_name = models.CharField(max_length=255, blank=True)
    alias = models.CharField(max_length=255, blank=True)
    type = models.CharField(max_length=12, choices=CustomerType.choices, default=CustomerType.INDIVIDUAL)
    status = models.CharField(max_length=10, choices=CustomerStatus.choices, default=CustomerStatus.ACTIVE)

    tax_id = models.CharField("tax ID", max_length=50, blank=True)
    registration_number = models.CharField(max_length=50, blank=True)
    vat_number = models.CharField("VAT number", max_length=50, blank=True)
    ean_number = models.CharField("EAN number", max_length=13, blank=True, validators=[validate_ean13])

    country = models.CharField(max_length=2, validators=[iso_country])
    language = models.CharField(max_length=2, default="en", validators=[iso_language])
    currency = models.CharField(max_length=3, validators=[iso_currency])

    address = models.CharField(max_length=500, blank=True)
    city = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    location = models.CharField(max_length=255, blank=True)
    phone = models.CharField(max_length=50, blank=True)
    email = models.EmailField(max_length=255, blank=True)
    website = models.URLField(max_length=255, blank=True)
    contact_first_name = models.CharField(max_length=100, blank=True)
    contact_last_name = models.CharField(max_length=100, blank=True)
    contact_phone = models.CharField(max_length=50, blank=True)

    category = models.ForeignKey(Category, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers")
    group = models.ForeignKey(CustomerGroup, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers")
    finance_code = models.ForeignKey(
        FinanceCode, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    origin = models.ForeignKey(
        ContactOrigin, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )

    invoice_attention = models.CharField(max_length=255, blank=True)
    invoice_email = models.EmailField(max_length=255, blank=True)
    credit_limit = models.DecimalField(**money, null=True, blank=True, validators=[MinValueValidator(ZERO)])
    vat_zone = models.CharField(max_length=10, choices=VatZone.choices, default=VatZone.DOMESTIC)
    payment_terms = models.ForeignKey(
        "billing.PaymentTerms", null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    discount_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=ZERO,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )

    metadata = models.JSONField(default=dict, blank=True, validators=[validate_metadata])
    source = models.CharField(max_length=6, choices=CustomerSource.choices, default=CustomerSource.UI)

    # Maintained by transactions.services in the same database transaction as the ledger write.
    total_debit = models.DecimalField(**money, default=ZERO, editable=False)
    total_credit = models.DecimalField(**money, default=ZERO, editable=False)
    balance = models.DecimalField(**money, default=ZERO, editable=False)
    deposit_amount = models.DecimalField(**money, default=ZERO, editable=False)
    total_transactions = models.PositiveIntegerField(default=0, editable=False)
    last_transaction_at = models.DateTimeField(null=True, blank=True, editable=False)
    used_in_booked = models.BooleanField(default=False, editable=False)

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    deleted_at = models.DateTimeField(null=True, blank=True, db_index=True)

    history = HistoricalRecords(
        get_user=history_user,
        bases=[RequestContextHistory],
        # The history is read one customer at a time (by id, newest first). An index on each copied
        # foreign key and indexed column would serve no query and slow every write of a customer.
        no_db_index=[
            "uid",
            "organization",
            "branch",
            "category",
            "group",
            "finance_code",
            "origin",
            "payment_terms",
            "created_at",
            "created_by",
            "updated_by",
            "deleted_at",
        ],
        excluded_fields=[
            "total_debit",
            "total_credit",
            "balance",
            "deposit_amount",
            "total_transactions",
            "last_transaction_at",
            "used_in_booked",
            "updated_at",
        ],
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "branch", "customer_no"],
                condition=Q(deleted_at__isnull=True),
                name="customer_no_unique_per_branch_alive",
            ),
            models.CheckConstraint(
                condition=Q(credit_limit__isnull=True) | Q(credit_limit__gte=0), name="customer_credit_limit_gte_0"
            ),
            models.CheckConstraint(
                condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100),
                name="customer_discount_percent_0_100",
            ),
            models.CheckConstraint(condition=Q(type__in=CustomerType.values), name="customer_type_valid"),
            models.CheckConstraint(condition=Q(status__in=CustomerStatus.values), name="customer_status_valid"),
        ]
        indexes = [
            models.Index(fields=["organization", "name"], name="customer_org_name"),
            models.Index(fields=["organization", "customer_no"], name="customer_org_no"),
            models.Index(fields=["organization", "tax_id"], name="customer_org_tax_id"),
            models.Index(fields=["organization", "status"], name="customer_org_status"),
            models.Index(fields=["organization", "-balance"], name="customer_org_balance"),
            models.Index(fields=["organization", "-created_at"], name="customer_org_created"),
            # updated_since with ordering=updated_at: how an integrator reads every change since its last sync.
            models.Index(fields=["organization", "updated_at"], name="customer_org_updated"),
            # The list's total counts the live customers of an organization: with this index the
            # count reads one small index instead of checking every row for deleted_at.
            models.Index(fields=["organization"], condition=Q(deleted_at__isnull=True), name="customer_org_alive"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_no} {self.name}"

    @property
    def is_active(self) -> bool:
        return self.status == CustomerStatus.ACTIVE

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None


class ContactEmail(TimestampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="emails")
    email = models.EmailField(max_length=255)
    use_for_invoicing = models.BooleanField(default=False)
    contact_name = models.CharField(max_length=255, blank=True)
    role = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    is_locked = models.BooleanField(default=False)

    history = HistoricalRecords(get_user=history_user, bases=[RequestContextHistory])

    class Meta:
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["customer", "email"], name="contact_email_unique_per_customer")]

    def __str__(self) -> str:
        return self.email


class ContactPhone(TimestampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="phones")
    number = models.CharField(max_length=50)
    extension = models.CharField(max_length=10, blank=True)
    is_whatsapp = models.BooleanField("WhatsApp", default=False)
    contact_name = models.CharField(max_length=255, blank=True)
    role = models.CharField(max_length=100, blank=True)
    notes = models.TextField(blank=True)
    is_locked = models.BooleanField(default=False)

    history = HistoricalRecords(get_user=history_user, bases=[RequestContextHistory])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "number", "extension"], name="contact_phone_unique_per_customer"
            )
        ]

    def __str__(self) -> str:
        return f"{self.number} ext. {self.extension}" if self.extension else self.number


class BankAccount(TimestampedModel):
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="bank_accounts")
    account_number = models.CharField(max_length=50, blank=True)
    iban = models.CharField("IBAN", max_length=34, blank=True)
    bic = models.CharField(
        "BIC",
        max_length=11,
        blank=True,
        validators=[RegexValidator(r"^[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?$", "Enter a valid 8 or 11 character BIC.")],
    )
    bank_name = models.CharField(max_length=255, blank=True)

    history = HistoricalRecords(get_user=history_user, bases=[RequestContextHistory])

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(account_number="") | ~Q(iban=""), name="bank_account_has_number_or_iban"
            )
        ]

    def __str__(self) -> str:
        return self.iban or self.account_number


class CustomerSearchDocument(models.Model):
    """The normalized text a customer is found by, kept in step by customers.search.

    One row per non-deleted customer. ``text`` holds the names, legal names, alias, billing
    entities' legal names and emails, lower-cased and without accents; ``name_key`` is the
    normalized name that ranking and ordering use. PostgreSQL indexes ``text`` with pg_trgm, SQLite
    with an FTS5 trigram table (see the migration).
    """

    customer = models.OneToOneField(
        Customer, on_delete=models.CASCADE, primary_key=True, related_name="search_document"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    branch = models.ForeignKey(Branch, on_delete=models.CASCADE, related_name="+", db_index=False)
    name_key = models.CharField(max_length=255)
    text = models.TextField()

    class Meta:
        indexes = [
            # With the customer id in it, the search's walks in name order (ORDER BY name_key,
            # customer_id) read the index alone: PostgreSQL would otherwise visit the table for each
            # name it tests, tens of thousands for a fragment most names lack. SQLite's indexes
            # carry the id (its rowid) anyway.
            models.Index(fields=["organization", "name_key", "customer"], name="search_doc_org_name_id")
        ]

    def __str__(self) -> str:
        return self.name_key


class SearchKeyKind(models.IntegerChoices):
    CUSTOMER_NO = 1
    TAX_ID = 2
    PHONE = 3
    EMAIL = 4
    REFERENCE = 5


class CustomerSearchKey(models.Model):
    """An identifier a customer is found by exactly or by prefix: number, tax ID, phone digits, email."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="+")
    kind = models.PositiveSmallIntegerField(choices=SearchKeyKind.choices)
    value = models.CharField(max_length=255)

    class Meta:
        indexes = [models.Index(fields=["organization", "value"], name="search_key_org_value")]

    def __str__(self) -> str:
        return self.value


class JobStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    FAILED = "failed", "Failed"


def job_file_path(job: "JobBase", filename: str, *, kind: str) -> str:
    """A job's files sit in a folder of their own: a file keeps the name it was given, which is the name
    it downloads under, instead of getting a random suffix when another job's file has that name."""
    return f"jobs/{kind}/{timezone.now():%Y/%m}/{job.pk}/{filename}"


def job_result_path(job: "JobBase", filename: str) -> str:
    return job_file_path(job, filename, kind="results")


def import_source_path(job: "ImportJob", filename: str) -> str:
    return job_file_path(job, filename, kind="imports")


class JobBase(models.Model):
    """A long import or export: its progress is written as it runs, and the UI polls it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    api_key = models.ForeignKey("accounts.ApiKey", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(100)])
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    error_message = models.TextField(blank=True)
    result_file = models.FileField(upload_to=job_result_path, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @property
    def is_finished(self) -> bool:
        return self.status in (JobStatus.SUCCEEDED, JobStatus.FAILED)


class ImportJob(JobBase):
    source_file = models.FileField(upload_to=import_source_path)
    original_name = models.CharField(max_length=255)
    # dry_run, mode, category_id, branch_code
    options = models.JSONField(default=dict, blank=True)
    # total_rows, created, updated, skipped, errors: [{row, field, message}]
    report = models.JSONField(default=dict, blank=True)

    class Meta(JobBase.Meta):
        indexes = [models.Index(fields=["organization", "-created_at"], name="import_job_org_created")]

    def __str__(self) -> str:
        return f"Import of {self.original_name} ({self.status})"


class ExportKind(models.TextChoices):
    CUSTOMER_LIST = "customer_list", "Customer list"
    CUSTOMER_SHEET = "customer_sheet", "Customer information sheet"
    STATEMENT = "statement", "Statement of account"


class ExportJob(JobBase):
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    format = models.CharField(max_length=4)
    # The list filters (or customer id and date range) the export was asked with.
    parameters = models.JSONField(default=dict, blank=True)

    class Meta(JobBase.Meta):
        indexes = [models.Index(fields=["organization", "-created_at"], name="export_job_org_created")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.format} ({self.status})"
