"""The database itself keeps the billing-entity rules, whatever code writes the rows."""

import pytest
from django.db import IntegrityError, transaction

from billing.models import BillingEntity
from tests.factories import BillingEntityFactory, CustomerFactory


@pytest.mark.django_db
def test_the_database_refuses_a_second_default_for_one_customer(organization):
    customer = CustomerFactory(organization=organization)
    BillingEntityFactory(customer=customer, is_default=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        BillingEntityFactory(customer=customer, is_default=True)

    assert BillingEntity.objects.filter(customer=customer, is_default=True).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_second_default_set_by_a_bulk_update(organization):
    customer = CustomerFactory(organization=organization)
    BillingEntityFactory(customer=customer, is_default=True)
    other = BillingEntityFactory(customer=customer, is_default=False)

    with pytest.raises(IntegrityError), transaction.atomic():
        BillingEntity.objects.filter(pk=other.pk).update(is_default=True)


@pytest.mark.django_db
def test_each_customer_has_its_own_default(organization):
    first = BillingEntityFactory(customer=CustomerFactory(organization=organization), is_default=True)
    second = BillingEntityFactory(customer=CustomerFactory(organization=organization), is_default=True)

    assert BillingEntity.objects.filter(pk__in=[first.pk, second.pk], is_default=True).count() == 2


@pytest.mark.django_db
def test_the_database_refuses_an_inactive_default(organization):
    customer = CustomerFactory(organization=organization)

    with pytest.raises(IntegrityError), transaction.atomic():
        BillingEntityFactory(customer=customer, is_default=True, is_active=False)
