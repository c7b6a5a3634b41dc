import pytest

from billing.models import BillingEntity
from billing.services import billing_entity_create, billing_entity_delete
from core.exceptions import InvalidState
from transactions.services import transaction_record


@pytest.mark.django_db
def test_an_unused_entity_is_deleted(customer):
    entity = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")

    billing_entity_delete(entity=entity)

    assert not BillingEntity.objects.filter(customer=customer).exists()


@pytest.mark.django_db
def test_an_entity_used_by_a_transaction_cannot_be_deleted(organization, customer):
    entity = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    transaction_record(
        organization=organization,
        customer=customer,
        type="sale",
        total_amount="11600.00",
        tax_amount="1600.00",
        reference="INV-2025-0001",
        billing_entity=entity,
    )

    with pytest.raises(InvalidState) as excinfo:
        billing_entity_delete(entity=entity)

    assert "deactivate" in excinfo.value.message
    assert BillingEntity.objects.filter(pk=entity.pk).exists()


@pytest.mark.django_db
def test_an_entity_that_became_the_sale_default_is_protected_too(organization, customer):
    """A sale recorded without an entity takes the default, which then counts as used."""
    entity = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    transaction_record(organization=organization, customer=customer, type="sale", total_amount="500.00")

    with pytest.raises(InvalidState):
        billing_entity_delete(entity=entity)

    assert BillingEntity.objects.filter(pk=entity.pk).exists()
