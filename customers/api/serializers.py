"""Input and output shapes of the customer API."""

from decimal import Decimal
from typing import Any

from rest_framework import serializers

from accounts.models import Organization
from accounts.selectors import branch_get_by_code
from billing.models import BillingEntity, PaymentTerms
from core.exceptions import NotFound
from customers.models import (
    BankAccount,
    Category,
    ContactEmail,
    ContactOrigin,
    ContactPhone,
    Customer,
    CustomerGroup,
    CustomerStatus,
    CustomerType,
    FinanceCode,
    VatZone,
)
from customers.selectors import lookup_get
from transactions.models import Transaction

money = {"max_digits": 18, "decimal_places": 2, "coerce_to_string": False}

# Errors raised under a model field name are reported under the name the API accepts.
CUSTOMER_ERROR_ALIASES = {
    "tax_id": "tin",
    "branch": "branch_id",
    "category": "category_id",
    "group": "group_id",
    "origin": "origin_id",
    "finance_code": "finance_code_id",
    "payment_terms": "payment_terms_id",
}
REFERENCE_FIELDS = {
    "category_id": ("category", Category),
    "group_id": ("group", CustomerGroup),
    "finance_code_id": ("finance_code", FinanceCode),
    "origin_id": ("origin", ContactOrigin),
    "payment_terms_id": ("payment_terms", PaymentTerms),
}


class BankAccountSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    account_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    iban = serializers.CharField(max_length=42, required=False, allow_blank=True)
    bic = serializers.CharField(max_length=11, required=False, allow_blank=True)
    bank_name = serializers.CharField(max_length=255, required=False, allow_blank=True)


class CustomerInputSerializer(serializers.Serializer):
    """Fields of a customer an integrator may send; read-only fields in the body are ignored."""

    customer_no = serializers.CharField(max_length=50, required=False, allow_blank=True)
    name = serializers.CharField(max_length=255, required=False)
    custNm = serializers.CharField(max_length=255, required=False, help_text="Alias of name.")  # noqa: N815
    legal_name = serializers.CharField(max_length=255, required=False, allow_blank=True)
    alias = serializers.CharField(max_length=255, required=False, allow_blank=True)
    type = serializers.ChoiceField(choices=CustomerType.choices, required=False)
    tin = serializers.CharField(max_length=60, required=False, allow_blank=True, allow_null=True)
    tax_id = serializers.CharField(max_length=60, required=False, allow_blank=True, allow_null=True)
    registration_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    vat_number = serializers.CharField(max_length=60, required=False, allow_blank=True)
    ean_number = serializers.CharField(max_length=13, required=False, allow_blank=True)
    country = serializers.CharField(max_length=2, required=False, allow_blank=True)
    language = serializers.CharField(max_length=2, required=False, allow_blank=True)
    currency = serializers.CharField(max_length=3, required=False, allow_blank=True)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True)
    city = serializers.CharField(max_length=100, required=False, allow_blank=True)
    postal_code = serializers.CharField(max_length=20, required=False, allow_blank=True)
    location = serializers.CharField(max_length=255, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, allow_blank=True, allow_null=True)
    email = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)
    website = serializers.CharField(max_length=255, required=False, allow_blank=True)
    contact_first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=50, required=False, allow_blank=True)
    branch_id = serializers.CharField(max_length=20, required=False, help_text="Branch code, e.g. 00.")
    category_id = serializers.IntegerField(required=False, allow_null=True)
    group_id = serializers.IntegerField(required=False, allow_null=True)
    finance_code_id = serializers.IntegerField(required=False, allow_null=True)
    origin_id = serializers.IntegerField(required=False, allow_null=True)
    payment_terms_id = serializers.IntegerField(required=False, allow_null=True)
    invoice_attention = serializers.CharField(max_length=255, required=False, allow_blank=True)
    invoice_email = serializers.CharField(max_length=255, required=False, allow_blank=True)
    credit_limit = serializers.DecimalField(**money, required=False, allow_null=True, min_value=Decimal("0"))
    vat_zone = serializers.ChoiceField(choices=VatZone.choices, required=False)
    discount_percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, required=False, min_value=Decimal("0"), max_value=Decimal("100")
    )
    metadata = serializers.DictField(child=serializers.JSONField(), required=False, allow_empty=True)
    bank_accounts = BankAccountSerializer(many=True, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "custNm" in attrs:
            attrs.setdefault("name", attrs.pop("custNm"))
            attrs.pop("custNm", None)
        if "tin" in attrs:
            attrs["tax_id"] = attrs.pop("tin")
        if not self.partial and not attrs.get("name"):
            raise serializers.ValidationError({"name": ["This field is required (as name or custNm)."]})
        if self.partial and "name" in attrs and not attrs["name"].strip():
            raise serializers.ValidationError({"name": ["This field may not be blank."]})
        for field in ("tax_id", "phone", "email"):
            if field in attrs and attrs[field] is None:
                attrs[field] = ""
        return attrs


def customer_fields_from_input(*, organization: Organization, data: dict[str, Any]) -> dict[str, Any]:
    """Turn validated input into service arguments: codes and ids become this organization's rows."""
    fields = dict(data)
    errors: dict[str, list[str]] = {}
    if "branch_id" in fields:
        code = fields.pop("branch_id")
        try:
            fields["branch"] = branch_get_by_code(organization=organization, code=code)
        except NotFound:
            errors["branch_id"] = [f"Unknown branch '{code}'."]
    for input_name, (field, model) in REFERENCE_FIELDS.items():
        if input_name not in fields:
            continue
        item_id = fields.pop(input_name)
        if item_id is None:
            fields[field] = None
            continue
        try:
            fields[field] = lookup_get(model=model, organization=organization, item_id=item_id)
        except NotFound:
            errors[input_name] = [f"Unknown {model._meta.verbose_name} {item_id}."]
    if errors:
        raise serializers.ValidationError(errors)
    return fields


class ReferenceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ContactEmailOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactEmail
        fields = [
            "id",
            "email",
            "use_for_invoicing",
            "contact_name",
            "role",
            "notes",
            "is_locked",
            "created_at",
            "updated_at",
        ]


class ContactPhoneOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactPhone
        fields = [
            "id",
            "number",
            "extension",
            "is_whatsapp",
            "contact_name",
            "role",
            "notes",
            "is_locked",
            "created_at",
            "updated_at",
        ]


class BillingEntityOutputSerializer(serializers.ModelSerializer):
    tin = serializers.CharField(source="tax_id", read_only=True)

    class Meta:
        model = BillingEntity
        fields = [
            "id",
            "legal_name",
            "tax_id",
            "tin",
            "billing_email",
            "fiscal_address",
            "billing_address",
            "is_default",
            "is_active",
            "created_at",
            "updated_at",
        ]


class BankAccountOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = BankAccount
        fields = ["id", "account_number", "iban", "bic", "bank_name"]


class CustomerListOutputSerializer(serializers.ModelSerializer):
    tin = serializers.SerializerMethodField()
    branch_id = serializers.CharField(source="branch.code")
    is_active = serializers.BooleanField()
    balance = serializers.DecimalField(**money)

    class Meta:
        model = Customer
        fields = [
            "id",
            "uid",
            "customer_no",
            "name",
            "type",
            "status",
            "tin",
            "phone",
            "email",
            "address",
            "branch_id",
            "category_id",
            "is_active",
            "balance",
            "total_transactions",
            "created_at",
            "updated_at",
        ]

    def get_tin(self, customer: Customer) -> str | None:
        return customer.tax_id or None


class TransactionBriefSerializer(serializers.Serializer):
    id = serializers.UUIDField()
    type = serializers.CharField()
    invoice_no = serializers.CharField(source="reference")
    total_amount = serializers.DecimalField(**money)
    tax_amount = serializers.DecimalField(**money)
    currency = serializers.CharField()
    status = serializers.CharField()
    branch_id = serializers.CharField(source="branch.code")
    occurred_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


class TransactionSummarySerializer(serializers.Serializer):
    total_transactions = serializers.IntegerField()
    total_sales_amount = serializers.DecimalField(**money)
    this_month_transactions = serializers.IntegerField()
    last_transaction_at = serializers.DateTimeField(allow_null=True)


class PaymentTermsBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    days = serializers.IntegerField()
    type = serializers.CharField()


# The detail's values written as its declared fields write them (see its to_representation).
_money_out = serializers.DecimalField(**money).to_representation
_percent_out = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False).to_representation
_datetime_out = serializers.DateTimeField().to_representation


def _reference_out(item) -> dict[str, Any] | None:
    return None if item is None else {"id": item.id, "name": item.name}


def _payment_terms_out(terms: PaymentTerms | None) -> dict[str, Any] | None:
    if terms is None:
        return None
    return {"id": terms.id, "name": terms.name, "days": terms.days, "type": terms.type}


def _record_out(instance, fields: tuple[str, ...], sources: dict[str, str] | None = None) -> dict[str, Any]:
    """``fields`` of a contact or billing entity as they are, then its two timestamps.

    ``sources`` names the attribute behind an output field that has another name (an alias).
    """
    sources = sources or {}
    out = {name: getattr(instance, sources.get(name, name)) for name in fields}
    out["created_at"] = _datetime_out(instance.created_at)
    out["updated_at"] = _datetime_out(instance.updated_at)
    return out


EMAIL_FIELDS = ("id", "email", "use_for_invoicing", "contact_name", "role", "notes", "is_locked")
PHONE_FIELDS = ("id", "number", "extension", "is_whatsapp", "contact_name", "role", "notes", "is_locked")
BILLING_ENTITY_FIELDS = (
    "id",
    "legal_name",
    "tax_id",
    "tin",
    "billing_email",
    "fiscal_address",
    "billing_address",
    "is_default",
    "is_active",
)


def _email_out(email: ContactEmail) -> dict[str, Any]:
    return _record_out(email, EMAIL_FIELDS)


def _phone_out(phone: ContactPhone) -> dict[str, Any]:
    return _record_out(phone, PHONE_FIELDS)


def _billing_entity_out(entity: BillingEntity) -> dict[str, Any]:
    # "tin" is the SPEC's alias of tax_id, answered beside it.
    return _record_out(entity, BILLING_ENTITY_FIELDS, sources={"tin": "tax_id"})


def _bank_account_out(account: BankAccount) -> dict[str, Any]:
    return {
        "id": account.id,
        "account_number": account.account_number,
        "iban": account.iban,
        "bic": account.bic,
        "bank_name": account.bank_name,
    }


def _transaction_brief_out(entry: Transaction) -> dict[str, Any]:
    return {
        "id": str(entry.id),
        "type": entry.type,
        "invoice_no": entry.reference,
        "total_amount": _money_out(entry.total_amount),
        "tax_amount": _money_out(entry.tax_amount),
        "currency": entry.currency,
        "status": entry.status,
        "branch_id": entry.branch.code,
        "occurred_at": _datetime_out(entry.occurred_at),
        "created_at": _datetime_out(entry.created_at),
    }


class CustomerDetailOutputSerializer(CustomerListOutputSerializer):
    branch_name = serializers.CharField(source="branch.name")
    category = ReferenceSerializer(allow_null=True)
    group = ReferenceSerializer(allow_null=True)
    finance_code = ReferenceSerializer(allow_null=True)
    origin = ReferenceSerializer(allow_null=True)
    payment_terms = PaymentTermsBriefSerializer(allow_null=True)
    credit_limit = serializers.DecimalField(**money, allow_null=True)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, coerce_to_string=False)
    total_debit = serializers.DecimalField(**money)
    total_credit = serializers.DecimalField(**money)
    deposit_amount = serializers.DecimalField(**money)
    emails = ContactEmailOutputSerializer(many=True)
    phones = ContactPhoneOutputSerializer(many=True)
    billing_entities = BillingEntityOutputSerializer(many=True)
    bank_accounts = BankAccountOutputSerializer(many=True)
    transaction_summary = serializers.SerializerMethodField()
    recent_transactions = serializers.SerializerMethodField()

    class Meta(CustomerListOutputSerializer.Meta):
        fields = [
            *CustomerListOutputSerializer.Meta.fields,
            "legal_name",
            "alias",
            "tax_id",
            "registration_number",
            "vat_number",
            "ean_number",
            "country",
            "language",
            "currency",
            "city",
            "postal_code",
            "location",
            "website",
            "contact_first_name",
            "contact_last_name",
            "contact_phone",
            "branch_name",
            "category",
            "group",
            "finance_code",
            "origin",
            "invoice_attention",
            "invoice_email",
            "credit_limit",
            "vat_zone",
            "payment_terms",
            "discount_percent",
            "metadata",
            "source",
            "used_in_booked",
            "total_debit",
            "total_credit",
            "deposit_amount",
            "last_transaction_at",
            "emails",
            "phones",
            "billing_entities",
            "bank_accounts",
            "transaction_summary",
            "recent_transactions",
        ]

    def _summary(self):
        return self.context.get("summary")

    def get_transaction_summary(self, customer: Customer) -> dict | None:
        summary = self._summary()
        if summary is None:
            return None
        return {
            "total_transactions": int(summary.total_transactions),
            "total_sales_amount": _money_out(summary.total_sales_amount),
            "this_month_transactions": int(summary.this_month_transactions),
            "last_transaction_at": _datetime_out(summary.last_transaction_at),
        }

    def get_recent_transactions(self, customer: Customer) -> list:
        summary = self._summary()
        return [_transaction_brief_out(entry) for entry in summary.recent_transactions] if summary else []

    def to_representation(self, customer: Customer) -> dict[str, Any]:
        """What the declared fields would write, built directly.

        Binding DRF's fields for the customer and for each of its contacts (a deep copy of some
        hundred field objects per answer) cost as much CPU as all the database reads of the detail.
        The declared fields stay the contract (the OpenAPI schema is read from them), and a test
        holds this dict equal to what they write.
        """
        branch = customer.branch
        return {
            "id": customer.id,
            "uid": str(customer.uid),
            "customer_no": customer.customer_no,
            "name": customer.name,
            "type": customer.type,
            "status": customer.status,
            "tin": self.get_tin(customer),
            "phone": customer.phone,
            "email": customer.email,
            "address": customer.address,
            "branch_id": branch.code,
            "category_id": customer.category_id,
            "is_active": bool(customer.is_active),
            "balance": _money_out(customer.balance),
            "total_transactions": int(customer.total_transactions),
            "created_at": _datetime_out(customer.created_at),
            "updated_at": _datetime_out(customer.updated_at),
            "legal_name": customer.legal_name,
            "alias": customer.alias,
            "tax_id": customer.tax_id,
            "registration_number": customer.registration_number,
            "vat_number": customer.vat_number,
            "ean_number": customer.ean_number,
            "country": customer.country,
            "language": customer.language,
            "currency": customer.currency,
            "city": customer.city,
            "postal_code": customer.postal_code,
            "location": customer.location,
            "website": customer.website,
            "contact_first_name": customer.contact_first_name,
            "contact_last_name": customer.contact_last_name,
            "contact_phone": customer.contact_phone,
            "branch_name": branch.name,
            "category": _reference_out(customer.category),
            "group": _reference_out(customer.group),
            "finance_code": _reference_out(customer.finance_code),
            "origin": _reference_out(customer.origin),
            "invoice_attention": customer.invoice_attention,
            "invoice_email": customer.invoice_email,
            "credit_limit": _money_out(customer.credit_limit),
            "vat_zone": customer.vat_zone,
            "payment_terms": _payment_terms_out(customer.payment_terms),
            "discount_percent": _percent_out(customer.discount_percent),
            "metadata": customer.metadata,
            "source": customer.source,
            "used_in_booked": bool(customer.used_in_booked),
            "total_debit": _money_out(customer.total_debit),
            "total_credit": _money_out(customer.total_credit),
            "deposit_amount": _money_out(customer.deposit_amount),
            "last_transaction_at": _datetime_out(customer.last_transaction_at),
            "emails": [_email_out(email) for email in customer.emails.all()],
            "phones": [_phone_out(phone) for phone in customer.phones.all()],
            "billing_entities": [_billing_entity_out(entity) for entity in customer.billing_entities.all()],
            "bank_accounts": [_bank_account_out(account) for account in customer.bank_accounts.all()],
            "transaction_summary": self.get_transaction_summary(customer),
            "recent_transactions": self.get_recent_transactions(customer),
        }


class CustomerSearchOutputSerializer(serializers.Serializer):
    # Declared field by field: autocomplete renders it on every keystroke, and a ModelSerializer
    # derives its fields from the model again for every instance of the serializer.
    id = serializers.IntegerField(read_only=True)
    customer_no = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=255)
    tin = serializers.SerializerMethodField()
    phone = serializers.CharField(max_length=50, required=False)
    status = serializers.ChoiceField(choices=CustomerStatus.choices, required=False)

    def get_tin(self, customer: Customer) -> str | None:
        return customer.tax_id or None

    def to_representation(self, customer: Customer) -> dict[str, Any]:
        # The fields above describe the shape (and the OpenAPI schema); a result is built from the
        # customer's attributes directly, because DRF copies every declared field each time a
        # serializer reads its fields, which costs more than the rest of an autocomplete answer.
        return {
            "id": customer.pk,
            "customer_no": customer.customer_no,
            "name": customer.name,
            "tin": self.get_tin(customer),
            "phone": customer.phone,
            "status": customer.status,
        }


class CurrencyTotalsOutputSerializer(serializers.Serializer):
    currency = serializers.CharField()
    customer_count = serializers.IntegerField()
    total_balance = serializers.DecimalField(**money)
    total_deposits = serializers.DecimalField(**money)


class CustomerSummaryOutputSerializer(serializers.Serializer):
    total_deposits = serializers.DecimalField(
        **money, help_text="Deposits held for the customers in the base currency (`currency`)."
    )
    customer_count = serializers.IntegerField()
    archived_customers = serializers.IntegerField()
    unarchived_customers = serializers.IntegerField()
    total_balance = serializers.DecimalField(
        **money, help_text="Balance of the customers in the base currency (`currency`); positive means owed."
    )
    currency = serializers.CharField(help_text="The organization's base currency, that of the two totals.")
    balances_by_currency = CurrencyTotalsOutputSerializer(
        many=True, help_text="Each currency's own totals, the base currency first: amounts are never converted."
    )
