import pytest

from billing.models import PaymentTerms
from core.exceptions import NotFound
from customers.models import Category, ContactOrigin, CustomerGroup, FinanceCode
from customers.selectors import lookup_get, lookup_list
from customers.services import customer_create, customer_soft_delete, lookup_create

pytestmark = pytest.mark.django_db

# The Customer field that links each lookup.
LINK_FIELD = {
    Category: "category",
    CustomerGroup: "group",
    FinanceCode: "finance_code",
    ContactOrigin: "origin",
    PaymentTerms: "payment_terms",
}


@pytest.mark.parametrize("model", list(LINK_FIELD))
def test_customer_count_counts_only_customers_that_are_not_deleted(organization, model):
    used = lookup_create(model=model, organization=organization, name="Used")
    lookup_create(model=model, organization=organization, name="Unused")
    link = LINK_FIELD[model]
    customer_create(organization=organization, name="Active", **{link: used})
    customer_create(organization=organization, name="Blocked", status="blocked", **{link: used})
    customer_soft_delete(customer=customer_create(organization=organization, name="Deleted", **{link: used}))

    counts = dict(lookup_list(model=model, organization=organization).values_list("name", "customer_count"))

    assert counts == {"Unused": 0, "Used": 2}
    assert lookup_get(model=model, organization=organization, item_id=used.pk).customer_count == 2


def test_lookups_are_listed_by_name_within_the_organization(organization, other_organization):
    for name in ["Wholesale", "Distributors", "Retail"]:
        lookup_create(model=Category, organization=organization, name=name)
    lookup_create(model=Category, organization=other_organization, name="Agents")

    names = [item.name for item in lookup_list(model=Category, organization=organization)]

    assert names == ["Distributors", "Retail", "Wholesale"]


@pytest.mark.parametrize(
    ("model", "message"),
    [
        (Category, "Category not found"),
        (FinanceCode, "Finance code not found"),
        (PaymentTerms, "Payment terms not found"),
    ],
)
def test_another_organizations_lookup_is_not_found(organization, other_organization, model, message):
    theirs = lookup_create(model=model, organization=other_organization, name="Theirs")

    with pytest.raises(NotFound) as foreign:
        lookup_get(model=model, organization=organization, item_id=theirs.pk)
    with pytest.raises(NotFound) as malformed:
        lookup_get(model=model, organization=organization, item_id="theirs")

    assert foreign.value.message == malformed.value.message == message
