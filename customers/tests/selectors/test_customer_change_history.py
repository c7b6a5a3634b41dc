import pytest

from billing.services import billing_entity_create, billing_entity_make_default
from customers.selectors import customer_change_history
from customers.services import (
    contact_phone_create,
    contact_phone_delete,
    contact_phone_set_locked,
    customer_create,
    customer_update,
)
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kamau(organization, manager):
    return customer_create(organization=organization, actor=manager, name="Kamau Hardware", tax_id="P051234567X")


def test_field_changes_read_from_to_with_who(organization, manager, clerk, kamau):
    retail = CategoryFactory(organization=organization, name="Retail")
    customer_update(customer=kamau, actor=clerk, name="Kamau Hardware Ltd", category=retail, type="company")

    entries = customer_change_history(customer=kamau)

    latest = entries[0]
    assert (latest.subject, latest.action, latest.user) == ("Customer", "changed", clerk.username)
    changes = {change.field: (change.old, change.new) for change in latest.changes}
    assert changes["Name"] == ("Kamau Hardware", "Kamau Hardware Ltd")
    assert changes["Category"] == ("—", "Retail")
    assert changes["Type"] == ("Individual", "Company")
    assert entries[-1].action == "created" and entries[-1].user == manager.username


def test_contacts_and_billing_entities_are_included(manager, kamau):
    phone = contact_phone_create(customer=kamau, actor=manager, number="+254722000111")
    contact_phone_set_locked(contact=phone, locked=True, actor=manager)
    contact_phone_set_locked(contact=phone, locked=False, actor=manager)
    contact_phone_delete(contact=phone, actor=manager)
    first = billing_entity_create(customer=kamau, actor=manager, legal_name="Kamau Holdings")
    second = billing_entity_create(customer=kamau, actor=manager, legal_name="Kamau Traders")
    billing_entity_make_default(entity=second, actor=manager)

    entries = customer_change_history(customer=kamau)

    phone_entries = [(entry.action, entry.changes) for entry in entries if entry.subject == "Phone +254722000111"]
    assert [action for action, _ in phone_entries] == ["deleted", "changed", "changed", "created"]
    assert [(c.field, c.old, c.new) for c in phone_entries[2][1]] == [("Is locked", "No", "Yes")]
    default_moves = [
        (entry.subject, [(c.old, c.new) for c in entry.changes])
        for entry in entries
        if entry.action == "changed" and entry.subject.startswith("Billing entity")
    ]
    assert ("Billing entity Kamau Holdings", [("Yes", "No")]) in default_moves
    assert ("Billing entity Kamau Traders", [("No", "Yes")]) in default_moves
    assert first.pk != second.pk


def test_saves_that_change_nothing_visible_are_left_out(manager, kamau):
    customer_update(customer=kamau, actor=manager, name="Kamau Hardware")

    assert [entry.action for entry in customer_change_history(customer=kamau)] == ["created"]


def test_another_customers_history_is_not_mixed_in(organization, manager, kamau):
    other = customer_create(organization=organization, actor=manager, name="Otieno Stores")
    contact_phone_create(customer=other, actor=manager, number="+254733000222")

    subjects = {entry.subject for entry in customer_change_history(customer=kamau)}

    assert subjects == {"Customer"}


def test_limit_keeps_the_newest(manager, kamau):
    for city in ("Nairobi", "Nakuru", "Eldoret", "Kisumu"):
        customer_update(customer=kamau, actor=manager, city=city)

    entries = customer_change_history(customer=kamau, limit=2)

    assert [entry.changes[0].new for entry in entries] == ["Kisumu", "Eldoret"]


def test_the_customer_history_table_is_indexed_only_for_reading_one_customers_history():
    from django.db import connection

    from customers.models import Customer

    table = Customer.history.model._meta.db_table
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    indexed = {tuple(c["columns"]) for c in constraints.values() if c["index"] and not c["primary_key"]}

    # A customer's versions by id, newest first; who made them. Each other index would only be
    # one more write on every change of every customer.
    assert indexed == {("id",), ("history_date",), ("history_user_id",), ("history_api_key_id",)}
