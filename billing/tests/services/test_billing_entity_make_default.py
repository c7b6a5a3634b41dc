from unittest import mock

import pytest

from billing import services
from billing.models import BillingEntity
from billing.services import billing_entity_create, billing_entity_make_default
from core.exceptions import InvalidState


@pytest.fixture
def entities(customer):
    nairobi = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd", tax_id="A012345678Z")
    mombasa = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Mombasa Ltd")
    return nairobi, mombasa


@pytest.mark.django_db
def test_make_default_moves_the_default_and_clears_the_old_one(customer, entities):
    nairobi, mombasa = entities

    billing_entity_make_default(entity=mombasa)

    nairobi.refresh_from_db()
    mombasa.refresh_from_db()
    assert mombasa.is_default
    assert not nairobi.is_default
    assert BillingEntity.objects.filter(customer=customer, is_default=True).count() == 1


@pytest.mark.django_db
def test_make_default_on_the_current_default_changes_nothing(customer, entities):
    nairobi, mombasa = entities

    billing_entity_make_default(entity=nairobi)

    assert list(BillingEntity.objects.filter(customer=customer, is_default=True)) == [nairobi]


@pytest.mark.django_db
def test_the_old_default_is_cleared_in_the_same_database_transaction(customer, entities):
    """If setting the new default fails, clearing the old one must roll back with it."""
    nairobi, mombasa = entities
    real_save = services._save

    def save_then_fail_on_new_default(entity, actor):
        real_save(entity, actor)
        if entity.pk == mombasa.pk and entity.is_default:
            raise RuntimeError("database went away")

    with (
        mock.patch.object(services, "_save", side_effect=save_then_fail_on_new_default),
        pytest.raises(RuntimeError),
    ):
        billing_entity_make_default(entity=mombasa)

    assert list(BillingEntity.objects.filter(customer=customer, is_default=True)) == [nairobi]


@pytest.mark.django_db
def test_make_default_on_an_inactive_entity_is_refused(customer, entities):
    nairobi, _ = entities
    dormant = billing_entity_create(customer=customer, legal_name="Old Trading Name Ltd", is_active=False)

    with pytest.raises(InvalidState) as excinfo:
        billing_entity_make_default(entity=dormant)

    assert excinfo.value.field == "is_default"
    dormant.refresh_from_db()
    assert not dormant.is_default
    assert list(BillingEntity.objects.filter(customer=customer, is_default=True)) == [nairobi]


@pytest.mark.django_db
def test_make_default_reads_the_stored_state_not_a_stale_copy(customer, entities):
    """An entity deactivated elsewhere after it was loaded is still refused."""
    _, mombasa = entities
    stale = BillingEntity.objects.get(pk=mombasa.pk)
    BillingEntity.objects.filter(pk=mombasa.pk).update(is_active=False)

    with pytest.raises(InvalidState):
        billing_entity_make_default(entity=stale)
