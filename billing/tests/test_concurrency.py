"""The one-default rule under concurrent make-default calls on one customer."""

import threading

import pytest
from django.db import connection

from accounts.services import organization_create
from billing.models import BillingEntity
from billing.services import billing_entity_create, billing_entity_make_default
from customers.services import customer_create

pytestmark = [
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="needs PostgreSQL: SQLite serializes every writer, so the calls can never interleave",
    ),
    pytest.mark.django_db(transaction=True),
]

ROUNDS = 10


def test_concurrent_make_default_leaves_exactly_one_default():
    organization = organization_create(name="Concurrent Traders", slug="concurrent-traders")
    customer = customer_create(organization=organization, name="Kamau Wholesalers Ltd", tax_id="P051234567X")
    original = billing_entity_create(customer=customer, legal_name="Kamau Wholesalers Ltd")
    contenders = [
        billing_entity_create(customer=customer, legal_name="Kamau Wholesalers Nakuru Ltd"),
        billing_entity_create(customer=customer, legal_name="Kamau Wholesalers Eldoret Ltd"),
    ]
    errors: list[Exception] = []

    def make_default(entity_id: int, barrier: threading.Barrier) -> None:
        try:
            entity = BillingEntity.objects.select_related("customer").get(pk=entity_id)
            barrier.wait(timeout=10)
            billing_entity_make_default(entity=entity)
        except Exception as exc:  # surfaced in the main thread below
            errors.append(exc)
        finally:
            connection.close()

    # Several rounds, each moving the default away from the entity that holds it, so that both
    # calls have an old default to clear and a new one to set at the same moment.
    for _ in range(ROUNDS):
        billing_entity_make_default(entity=original)
        barrier = threading.Barrier(len(contenders))
        threads = [threading.Thread(target=make_default, args=(entity.pk, barrier)) for entity in contenders]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert errors == []
        defaults = list(BillingEntity.objects.filter(customer=customer, is_default=True))
        assert len(defaults) == 1
        assert defaults[0] in contenders
