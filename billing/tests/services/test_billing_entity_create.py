import pytest
from django.core.exceptions import ValidationError

from billing.models import BillingEntity
from billing.services import billing_entity_create, billing_entity_deactivate
from core.exceptions import InvalidState
from customers.services import customer_soft_delete
from tests.factories import CustomerFactory


@pytest.mark.django_db
def test_first_active_entity_becomes_the_default(customer):
    entity = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd", tax_id="A012345678Z")

    entity.refresh_from_db()
    assert entity.is_default is True


@pytest.mark.django_db
def test_later_entities_do_not_take_the_default(customer):
    first = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    second = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Mombasa Ltd")
    third = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Kisumu Ltd")

    defaults = list(BillingEntity.objects.filter(customer=customer, is_default=True))
    assert defaults == [first]
    second.refresh_from_db()
    third.refresh_from_db()
    assert not second.is_default and not third.is_default


@pytest.mark.django_db
def test_an_inactive_first_entity_is_not_the_default_and_the_next_active_one_is(customer):
    dormant = billing_entity_create(customer=customer, legal_name="Old Trading Name Ltd", is_active=False)
    active = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")

    dormant.refresh_from_db()
    active.refresh_from_db()
    assert not dormant.is_default
    assert active.is_default


@pytest.mark.django_db
def test_after_the_default_is_deactivated_the_next_new_entity_becomes_default(customer):
    old = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    billing_entity_deactivate(entity=old)

    new = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware (2025) Ltd")

    assert new.is_default
    assert list(BillingEntity.objects.filter(customer=customer, is_default=True)) == [new]


@pytest.mark.django_db
def test_creating_with_is_default_moves_the_default(customer):
    first = billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")
    second = billing_entity_create(customer=customer, legal_name="Wanjiku Holdings Ltd", is_default=True)

    first.refresh_from_db()
    assert not first.is_default
    assert list(BillingEntity.objects.filter(customer=customer, is_default=True)) == [second]


@pytest.mark.django_db
def test_an_inactive_entity_cannot_be_created_as_default(customer):
    with pytest.raises(ValidationError) as excinfo:
        billing_entity_create(customer=customer, legal_name="Dormant Ltd", is_active=False, is_default=True)

    assert "is_default" in excinfo.value.message_dict
    assert not BillingEntity.objects.filter(customer=customer).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "raw", "stored"),
    [
        ("KE", "p051234567x", "P051234567X"),
        ("KE", "A 012 345 678 Z", "A012345678Z"),
        ("CO", "800197268-4", "800197268-4"),
        ("CO", "900123456", "900123456"),
        ("DK", "DK 13585628", "13585628"),
        ("GH", "c0012345678", "C0012345678"),
    ],
)
def test_tax_id_is_validated_and_stored_by_the_customers_country(organization, country, raw, stored):
    customer = CustomerFactory(organization=organization, country=country)

    entity = billing_entity_create(customer=customer, legal_name="Razón Social S.A.S.", tax_id=raw)

    entity.refresh_from_db()
    assert entity.tax_id == stored


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("country", "bad_tax_id"),
    [
        ("KE", "P05123456X"),  # one digit short
        ("KE", "X051234567A"),  # neither P nor A
        ("CO", "800197268-5"),  # wrong DIAN check digit
        ("DK", "13585627"),  # fails the mod-11 weights
        ("GH", "P001234567"),  # one digit short
        ("CO", "P051234567X"),  # a Kenyan PIN is not a Colombian NIT
    ],
)
def test_a_tax_id_that_fails_its_countrys_rule_is_refused_naming_tax_id(organization, country, bad_tax_id):
    customer = CustomerFactory(organization=organization, country=country)

    with pytest.raises(ValidationError) as excinfo:
        billing_entity_create(customer=customer, legal_name="Bad PIN Ltd", tax_id=bad_tax_id)

    assert "tax_id" in excinfo.value.message_dict
    assert not BillingEntity.objects.filter(customer=customer).exists()


@pytest.mark.django_db
def test_billing_email_is_stored_lower_case(customer):
    entity = billing_entity_create(
        customer=customer, legal_name="Wanjiku Hardware Ltd", billing_email="  Accounts@Wanjiku-Hardware.CO.KE "
    )

    entity.refresh_from_db()
    assert entity.billing_email == "accounts@wanjiku-hardware.co.ke"


@pytest.mark.django_db
def test_an_invalid_billing_email_is_refused_naming_billing_email(customer):
    with pytest.raises(ValidationError) as excinfo:
        billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd", billing_email="accounts@")

    assert "billing_email" in excinfo.value.message_dict


@pytest.mark.django_db
def test_legal_name_is_required(customer):
    with pytest.raises(ValidationError) as excinfo:
        billing_entity_create(customer=customer, legal_name="   ")

    assert "legal_name" in excinfo.value.message_dict


@pytest.mark.django_db
def test_fields_outside_the_entity_cannot_be_set(customer):
    with pytest.raises(ValidationError) as excinfo:
        billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd", customer_id=999)

    assert "customer_id" in excinfo.value.message_dict


@pytest.mark.django_db
def test_a_deleted_customer_gets_no_new_billing_entity(customer):
    customer_soft_delete(customer=customer)

    with pytest.raises(InvalidState):
        billing_entity_create(customer=customer, legal_name="Wanjiku Hardware Ltd")

    assert not BillingEntity.objects.filter(customer=customer).exists()
