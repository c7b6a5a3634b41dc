"""Query expressions shared by the apps, on both databases."""

import pytest
from django.db.models import F

from core.db import Sql, sql_rows
from core.expressions import AmongIds, among_ids
from customers.models import Customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_among_ids_keeps_exactly_the_given_ids(organization):
    customers = [CustomerFactory(organization=organization) for _ in range(5)]
    chosen = [customers[3].pk, customers[0].pk, customers[0].pk]

    found = Customer.objects.filter(AmongIds(F("pk"), chosen)).values_list("pk", flat=True)

    assert sorted(found) == sorted({customers[0].pk, customers[3].pk})
    assert not Customer.objects.filter(AmongIds(F("pk"), [])).exists()


def test_among_ids_as_sql_keeps_exactly_the_given_ids_and_combines_with_other_conditions(organization):
    customers = [CustomerFactory(organization=organization, name=f"Customer {index}") for index in range(5)]
    chosen = [customers[1].pk, customers[2].pk, customers[4].pk]
    table = Customer._meta.db_table

    def names(condition: Sql) -> list[str]:
        statement = Sql(f"SELECT name FROM {table} WHERE {condition.text} ORDER BY name", condition.params)  # noqa: S608
        return [name for (name,) in sql_rows(statement, model=Customer)]

    assert names(among_ids("id", chosen)) == ["Customer 1", "Customer 2", "Customer 4"]
    # Parameters follow their placeholders through &, | and ~.
    not_four = ~Sql("name = %s", ("Customer 4",))
    assert names(among_ids("id", chosen) & not_four) == ["Customer 1", "Customer 2"]
    assert names(among_ids("id", []) | Sql("name = %s", ("Customer 3",))) == ["Customer 3"]
    assert names(among_ids("id", [])) == []
