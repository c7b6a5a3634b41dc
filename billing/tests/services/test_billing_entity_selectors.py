import pytest

from billing.selectors import billing_entity_default, billing_entity_get, billing_entity_list
from billing.services import billing_entity_create, billing_entity_deactivate
from core.exceptions import NotFound
from tests.factories import CustomerFactory


@pytest.mark.django_db
def test_active_only_lists_only_active_entities(customer):
    default = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    retired = billing_entity_create(customer=customer, legal_name="Wanjiku Traders (old) Ltd")
    branch = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Mombasa Ltd")
    billing_entity_deactivate(entity=retired)

    assert list(billing_entity_list(customer=customer, active_only=True)) == [default, branch]
    assert set(billing_entity_list(customer=customer)) == {default, retired, branch}


@pytest.mark.django_db
def test_the_list_puts_the_default_first_then_sorts_by_legal_name(customer):
    zebra = billing_entity_create(customer=customer, legal_name="Zebra Holdings Ltd")
    acacia = billing_entity_create(customer=customer, legal_name="Acacia Traders Ltd")
    mango = billing_entity_create(customer=customer, legal_name="Mango Supplies Ltd")

    assert list(billing_entity_list(customer=customer)) == [zebra, acacia, mango]


@pytest.mark.django_db
def test_the_list_never_shows_another_customers_entities(organization, customer):
    neighbour = CustomerFactory(organization=organization)
    billing_entity_create(customer=neighbour, legal_name="Neighbour Ltd")
    own = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")

    assert list(billing_entity_list(customer=customer)) == [own]


@pytest.mark.django_db
def test_get_returns_the_customers_entity(customer):
    entity = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")

    assert billing_entity_get(customer=customer, entity_id=str(entity.pk)) == entity


@pytest.mark.django_db
def test_get_of_another_customers_entity_is_not_found(organization, other_organization, customer):
    same_org_neighbour = billing_entity_create(
        customer=CustomerFactory(organization=organization), legal_name="Neighbour Ltd"
    )
    foreign = billing_entity_create(customer=CustomerFactory(organization=other_organization), legal_name="Foreign Ltd")

    for entity in (same_org_neighbour, foreign):
        with pytest.raises(NotFound):
            billing_entity_get(customer=customer, entity_id=entity.pk)


@pytest.mark.django_db
@pytest.mark.parametrize("entity_id", ["abc", None, 999_999])
def test_get_of_a_malformed_or_missing_id_is_not_found(customer, entity_id):
    with pytest.raises(NotFound):
        billing_entity_get(customer=customer, entity_id=entity_id)


@pytest.mark.django_db
def test_default_is_the_active_default_entity(customer):
    assert billing_entity_default(customer=customer) is None
    default = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    billing_entity_create(customer=customer, legal_name="Wanjiku Holdings Ltd")

    assert billing_entity_default(customer=customer) == default

    billing_entity_deactivate(entity=default)
    assert billing_entity_default(customer=customer) is None
