"""Query expressions shared by the apps, on both databases."""

import pytest
from django.db.models import F

from core.expressions import AmongIds
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_among_ids_keeps_exactly_the_given_ids(organization):
    customers = [CustomerFactory(organization=organization) for _ in range(5)]
    chosen = [customers[3].pk, customers[0].pk, customers[0].pk]

    found = Customer.objects.filter(AmongIds(F("pk"), chosen)).values_list("pk", flat=True)

    assert sorted(found) == sorted({customers[0].pk, customers[3].pk})
    assert not Customer.objects.filter(AmongIds(F("pk"), [])).exists()
