import pytest
from django.core.exceptions import ValidationError

from billing.models import BillingEntity
from billing.services import (
    billing_entity_create,
    billing_entity_deactivate,
    billing_entity_make_default,
    billing_entity_update,
)


@pytest.mark.django_db
def test_deactivating_the_default_clears_is_default(customer):
    entity = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    assert entity.is_default

    billing_entity_deactivate(entity=entity)

    entity.refresh_from_db()
    assert entity.is_active is False
    assert entity.is_default is False
    assert not BillingEntity.objects.filter(customer=customer, is_default=True).exists()


@pytest.mark.django_db
def test_update_with_is_active_false_also_clears_the_default(customer):
    entity = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")

    billing_entity_update(entity=entity, is_active=False)

    entity.refresh_from_db()
    assert (entity.is_active, entity.is_default) == (False, False)


@pytest.mark.django_db
def test_deactivating_another_entity_leaves_the_default_alone(customer):
    default = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    other = billing_entity_create(customer=customer, legal_name="Wanjiku Holdings Ltd")

    billing_entity_deactivate(entity=other)

    default.refresh_from_db()
    assert default.is_default


@pytest.mark.django_db
def test_a_reactivated_entity_can_become_the_default_again(customer):
    entity = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    billing_entity_deactivate(entity=entity)

    billing_entity_update(entity=entity, is_active=True)
    billing_entity_make_default(entity=entity)

    entity.refresh_from_db()
    assert entity.is_active and entity.is_default


@pytest.mark.django_db
def test_update_normalizes_tax_id_and_email(customer):
    entity = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")

    billing_entity_update(entity=entity, tax_id="p 051234567 x", billing_email="Finance@Wanjiku.CO.KE")

    entity.refresh_from_db()
    assert entity.tax_id == "P051234567X"
    assert entity.billing_email == "finance@wanjiku.co.ke"


@pytest.mark.django_db
def test_update_with_a_bad_kra_pin_is_refused_and_nothing_changes(customer):
    entity = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd", tax_id="A012345678Z")

    with pytest.raises(ValidationError) as excinfo:
        billing_entity_update(entity=entity, tax_id="A01234567")

    assert "tax_id" in excinfo.value.message_dict
    entity.refresh_from_db()
    assert entity.tax_id == "A012345678Z"


@pytest.mark.django_db
def test_update_cannot_set_is_default_directly(customer):
    billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    other = billing_entity_create(customer=customer, legal_name="Wanjiku Holdings Ltd")

    with pytest.raises(ValidationError) as excinfo:
        billing_entity_update(entity=other, is_default=True)

    assert "is_default" in excinfo.value.message_dict
    other.refresh_from_db()
    assert not other.is_default
