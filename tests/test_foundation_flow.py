from decimal import Decimal

import pytest

from accounts.services import organization_create
from billing.services import billing_entity_create, billing_entity_make_default
from customers.selectors import customer_list
from customers.services import contact_phone_create, customer_create
from transactions.services import balances_recompute, transaction_record, transaction_void


@pytest.mark.django_db
def test_smoke():
    org = organization_create(name="Acme", slug="acme")
    c = customer_create(organization=org, name="José Muñoz", tax_id="p000123456x", phone="0712 345 678")
    assert c.customer_no == "CUST000001" and c.phone == "+254712345678" and c.tax_id == "P000123456X"
    b1 = billing_entity_create(customer=c, legal_name="A Ltd")
    b2 = billing_entity_create(customer=c, legal_name="B Ltd")
    assert b1.is_default and not b2.is_default
    billing_entity_make_default(entity=b2)
    b1.refresh_from_db()
    assert not b1.is_default
    t = transaction_record(organization=org, customer=c, type="sale", total_amount="100.50", tax_amount="10")
    assert t.billing_entity == b2
    transaction_record(organization=org, customer=c, type="payment", total_amount="50")
    c.refresh_from_db()
    assert c.balance == Decimal("50.50") and c.total_transactions == 2
    transaction_void(entry=t)
    c.refresh_from_db()
    assert c.balance == Decimal("-50.00") and c.total_transactions == 1
    assert balances_recompute(organization=org) == []
    contact_phone_create(customer=c, number="0722000111")
    assert list(
        customer_list(organization=org, filters={"search": "jos", "status": "active", "created_from": "2020-01-01"})
    ) == [c]
    assert c.history.count() >= 1
