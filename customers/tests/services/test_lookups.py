import pytest
from django.core.exceptions import ValidationError

from billing.models import PaymentTerms
from core.exceptions import Conflict
from customers.models import Category, ContactOrigin, Customer, CustomerGroup, FinanceCode
from customers.selectors import lookup_list
from customers.services import (
    customer_create,
    customer_soft_delete,
    lookup_archive,
    lookup_create,
    lookup_delete,
    lookup_update,
)

pytestmark = pytest.mark.django_db

LOOKUP_MODELS = [Category, CustomerGroup, FinanceCode, ContactOrigin, PaymentTerms]


@pytest.mark.parametrize("model", LOOKUP_MODELS)
def test_a_lookup_is_created_in_its_organization_with_a_trimmed_name(organization, model):
    item = lookup_create(model=model, organization=organization, name="  Wholesale  ", description="Bulk buyers")

    item.refresh_from_db()
    assert (item.organization, item.name, item.description, item.is_archived) == (
        organization,
        "Wholesale",
        "Bulk buyers",
        False,
    )


@pytest.mark.parametrize("model", LOOKUP_MODELS)
def test_a_name_already_used_in_any_case_is_a_conflict(organization, model):
    lookup_create(model=model, organization=organization, name="Wholesale")

    with pytest.raises(Conflict) as excinfo:
        lookup_create(model=model, organization=organization, name=" WHOLESALE ")

    assert excinfo.value.status_code == 409
    assert excinfo.value.field == "name"
    assert "already exists" in excinfo.value.message
    assert model.objects.filter(organization=organization).count() == 1


def test_another_organization_may_use_the_same_name(organization, other_organization):
    lookup_create(model=Category, organization=organization, name="Wholesale")

    theirs = lookup_create(model=Category, organization=other_organization, name="Wholesale")

    assert theirs.organization == other_organization


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_blank_or_overlong_name_is_refused_on_name(organization, name):
    with pytest.raises(ValidationError) as excinfo:
        lookup_create(model=Category, organization=organization, name=name)

    assert list(excinfo.value.message_dict) == ["name"]
    assert not Category.objects.exists()


def test_payment_terms_keep_their_days_and_type(organization):
    terms = lookup_create(model=PaymentTerms, organization=organization, name="EOM + 30", days=30, type="end_of_month")

    terms.refresh_from_db()
    assert (terms.days, terms.type) == (30, "end_of_month")


def test_payment_terms_over_a_year_are_refused(organization):
    with pytest.raises(ValidationError) as excinfo:
        lookup_create(model=PaymentTerms, organization=organization, name="Net 400", days=400)

    assert list(excinfo.value.message_dict) == ["days"]


def test_a_lookup_cannot_be_moved_to_another_organization(organization, other_organization):
    item = lookup_create(model=Category, organization=organization, name="Wholesale")

    with pytest.raises(ValidationError) as excinfo:
        lookup_update(item=item, organization=other_organization)

    assert excinfo.value.message_dict == {"organization": ["This field cannot be set."]}
    assert Category.objects.get(pk=item.pk).organization == organization


def test_a_lookup_can_be_renamed_even_to_another_case_of_its_own_name(organization):
    item = lookup_create(model=CustomerGroup, organization=organization, name="nairobi retail")

    lookup_update(item=item, name="Nairobi Retail", description="Shops inside Nairobi County")

    item.refresh_from_db()
    assert (item.name, item.description) == ("Nairobi Retail", "Shops inside Nairobi County")


def test_renaming_to_a_name_in_use_is_a_conflict(organization):
    lookup_create(model=Category, organization=organization, name="Wholesale")
    retail = lookup_create(model=Category, organization=organization, name="Retail")

    with pytest.raises(Conflict):
        lookup_update(item=retail, name="wholesale")

    assert Category.objects.get(pk=retail.pk).name == "Retail"


def test_archiving_hides_a_lookup_from_pickers_and_unarchiving_brings_it_back(organization):
    item = lookup_create(model=ContactOrigin, organization=organization, name="Walk-in")

    lookup_archive(item=item)
    lookup_archive(item=item)
    assert ContactOrigin.objects.get(pk=item.pk).is_archived is True
    assert list(lookup_list(model=ContactOrigin, organization=organization, include_archived=False)) == []
    assert list(lookup_list(model=ContactOrigin, organization=organization)) == [item]

    lookup_archive(item=item, archived=False)
    assert list(lookup_list(model=ContactOrigin, organization=organization, include_archived=False)) == [item]


def test_deleting_a_lookup_in_use_unlinks_its_customers_and_keeps_them(organization):
    category = lookup_create(model=Category, organization=organization, name="Wholesale")
    customer = customer_create(organization=organization, name="Otieno Hardware", category=category)

    lookup_delete(item=category)

    assert not Category.objects.filter(pk=category.pk).exists()
    assert Customer.objects.get(pk=customer.pk).category is None


def test_each_unlinked_customer_gets_a_history_row_and_a_new_updated_at(organization, manager):
    from customers.selectors import customer_change_history

    category = lookup_create(model=Category, organization=organization, name="Corporate")
    filed = [
        customer_create(organization=organization, actor=manager, name=name, category=category)
        for name in ("Otieno Hardware", "Kamau Stores")
    ]
    other = customer_create(organization=organization, actor=manager, name="Walk-in")
    before = {customer.pk: customer.updated_at for customer in [*filed, other]}

    lookup_delete(item=category)

    for customer in filed:
        latest = customer_change_history(customer=customer)[0]
        assert latest.reason == "Category Corporate deleted"
        assert [(change.field, change.new) for change in latest.changes] == [("Category", "—")]
        assert Customer.objects.get(pk=customer.pk).updated_at > before[customer.pk]
    assert Customer.objects.get(pk=other.pk).updated_at == before[other.pk]
    assert Customer.history.filter(id=other.pk).count() == 1


def test_customer_count_counts_only_customers_that_are_not_deleted(organization):
    category = lookup_create(model=Category, organization=organization, name="Wholesale")
    lookup_create(model=Category, organization=organization, name="Retail")
    customer_create(organization=organization, name="Otieno Hardware", category=category)
    customer_create(organization=organization, name="Kamau Stores", category=category, status="archived")
    gone = customer_create(organization=organization, name="Closed Shop", category=category)
    customer_soft_delete(customer=gone)

    counts = dict(lookup_list(model=Category, organization=organization).values_list("name", "customer_count"))

    assert counts == {"Retail": 0, "Wholesale": 2}
