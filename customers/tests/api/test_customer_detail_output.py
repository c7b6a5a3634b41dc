"""The customer detail answers exactly what its declared serializer fields (its OpenAPI schema) describe."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from billing.services import billing_entity_create
from core.api.renderers import EnvelopeJSONRenderer
from customers.api.serializers import (
    CustomerDetailOutputSerializer,
    TransactionBriefSerializer,
    TransactionSummarySerializer,
)
from customers.models import FinanceCode
from customers.selectors import customer_get_detailed
from customers.services import (
    bank_account_create,
    contact_email_create,
    contact_phone_create,
    customer_create,
    lookup_create,
)
from tests.factories import CategoryFactory, ContactOriginFactory, CustomerGroupFactory, PaymentTermsFactory
from transactions.selectors import transaction_summary
from transactions.services import transaction_record, transaction_void

pytestmark = pytest.mark.django_db


@pytest.fixture
def complete_customer(organization):
    """A customer with every field and every kind of related row filled in."""
    customer = customer_create(
        organization=organization,
        customer_no="CUST900",
        name="Wanjiku Hardware Ltd",
        legal_name="Wanjiku Hardware Limited",
        alias="Wanjiku's",
        type="company",
        tax_id="P051234567Q",
        registration_number="PVT-2019-001",
        vat_number="0123456Q",
        ean_number="4006381333931",
        address="Kimathi Street 12",
        city="Nairobi",
        postal_code="00100",
        location="2nd floor",
        phone="+254712000900",
        email="info@wanjiku.co.ke",
        website="https://wanjiku.co.ke",
        contact_first_name="Grace",
        contact_last_name="Wanjiku",
        contact_phone="+254733000900",
        category=CategoryFactory(organization=organization, name="Hardware"),
        group=CustomerGroupFactory(organization=organization, name="Key accounts"),
        origin=ContactOriginFactory(organization=organization, name="Trade fair"),
        finance_code=lookup_create(model=FinanceCode, organization=organization, name="4000 Trade debtors"),
        payment_terms=PaymentTermsFactory(organization=organization, name="Net 45", days=45),
        invoice_attention="Accounts payable",
        invoice_email="ap@wanjiku.co.ke",
        credit_limit="250000.50",
        discount_percent="2.5",
        metadata={"erp_id": "SAP-9", "tier": "gold"},
    )
    contact_email_create(
        customer=customer, email="ap@wanjiku.co.ke", use_for_invoicing=True, contact_name="Peter", role="AP"
    )
    contact_email_create(customer=customer, email="ceo@wanjiku.co.ke", notes="Copy on every quote")
    contact_phone_create(customer=customer, number="0722 000 900", extension="12", is_whatsapp=True)
    billing_entity_create(customer=customer, legal_name="Wanjiku Holdings Ltd", tax_id="P051234568R")
    billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Limited", is_default=True)
    bank_account_create(customer=customer, account_number="0100123456789", bank_name="Equity Bank")
    bank_account_create(customer=customer, iban="DE89370400440532013000", bic="COBADEFFXXX")
    now = timezone.now()
    for days, entry_type, amount in [(40, "sale", "1200.10"), (3, "sale", "999.99"), (1, "payment", "500")]:
        transaction_record(
            organization=organization,
            customer=customer,
            type=entry_type,
            total_amount=amount,
            tax_amount="0" if entry_type == "payment" else "137.93",
            reference=f"REF-{days}",
            occurred_at=now - timedelta(days=days),
        )
    transaction_void(
        entry=transaction_record(organization=organization, customer=customer, type="sale", total_amount="10")
    )
    return customer


@pytest.fixture
def bare_customer(organization):
    """A customer with nothing but a name: every optional reference empty, no rows of its own."""
    return customer_create(organization=organization, name="Bare Stores")


def written(data) -> bytes:
    return EnvelopeJSONRenderer().render(data)


@pytest.mark.parametrize("name", ["complete_customer", "bare_customer"])
def test_the_detail_writes_what_its_declared_fields_write(request, organization, name):
    customer = customer_get_detailed(organization=organization, customer_id=request.getfixturevalue(name).pk)
    summary = transaction_summary(customer=customer)
    serializer = CustomerDetailOutputSerializer(customer, context={"summary": summary})

    # DRF's own path: every declared field bound and run one by one.
    declared = serializers.Serializer.to_representation(serializer, customer)
    declared["transaction_summary"] = TransactionSummarySerializer(summary).data
    declared["recent_transactions"] = TransactionBriefSerializer(summary.recent_transactions, many=True).data

    # The same keys in the same order, and the same JSON, to the last decimal.
    assert written(serializer.data) == written(declared)
    assert list(serializer.data) == list(serializer.fields)


def test_the_complete_customer_fills_every_nested_part(organization, complete_customer):
    customer = customer_get_detailed(organization=organization, customer_id=complete_customer.pk)
    data = CustomerDetailOutputSerializer(customer, context={"summary": transaction_summary(customer=customer)}).data

    assert all(data[name] is not None for name in ("category", "group", "finance_code", "origin", "payment_terms"))
    assert [len(data[name]) for name in ("emails", "phones", "billing_entities", "bank_accounts")] == [2, 1, 2, 2]
    assert len(data["recent_transactions"]) == 4
    assert (data["credit_limit"], data["discount_percent"]) == (Decimal("250000.50"), Decimal("2.50"))
