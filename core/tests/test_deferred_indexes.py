"""secondary_indexes_deferred: indexes dropped for a bulk load and built again after it, even after a kill."""

import pytest
from django.db import connection

from core.db import deferred_indexes_restore, secondary_indexes_deferred
from core.models import DeferredIndex

pytestmark = pytest.mark.django_db(transaction=True)

TABLE = "transactions_transaction"


def indexes(table: str = TABLE) -> dict[str, tuple]:
    """Name -> (columns, unique, primary key) of every index of ``table``, as Django's introspection sees them."""
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return {
        name: (tuple(details["columns"]), details["unique"], details["primary_key"])
        for name, details in constraints.items()
        if details["index"] or details["unique"] or details["primary_key"]
    }


def non_unique(found: dict[str, tuple]) -> set[str]:
    return {name for name, (_, unique, primary_key) in found.items() if not unique and not primary_key}


def test_the_non_unique_indexes_are_gone_during_the_load_and_back_after_it():
    before = indexes()
    assert len(non_unique(before)) >= 3

    with secondary_indexes_deferred([TABLE]):
        during = indexes()
        stashed = set(DeferredIndex.objects.values_list("name", flat=True))

    assert non_unique(during) == set()
    # Unique indexes and the primary key stay, so constraints are checked as rows arrive.
    assert {name: details for name, details in before.items() if name not in non_unique(before)} == during
    assert stashed == non_unique(before)
    assert indexes() == before
    assert not DeferredIndex.objects.exists()


def test_a_failed_load_still_gets_its_indexes_back():
    before = indexes()

    with pytest.raises(RuntimeError), secondary_indexes_deferred([TABLE]):
        raise RuntimeError("the load failed")

    assert indexes() == before
    assert not DeferredIndex.objects.exists()


def test_indexes_a_killed_load_left_out_are_built_by_the_next_one():
    before = indexes()
    killed = secondary_indexes_deferred([TABLE])
    killed.__enter__()  # the process dies here: the indexes are dropped and never built again
    assert non_unique(indexes()) == set()

    with secondary_indexes_deferred(["customers_contactemail"]):
        # Built first, before this load drops its own.
        assert indexes() == before

    assert not DeferredIndex.objects.exists()


def test_restoring_with_nothing_left_out_does_nothing():
    before = indexes()

    assert deferred_indexes_restore() == 0
    assert indexes() == before


def test_the_command_builds_what_a_killed_load_left_out():
    from io import StringIO

    from django.core.management import call_command

    before = indexes()
    killed = secondary_indexes_deferred([TABLE])
    killed.__enter__()  # the process dies here, before it could build them again
    out = StringIO()

    call_command("restore_deferred_indexes", stdout=out)

    assert indexes() == before
    assert f"Built {len(non_unique(before))} index(es)" in out.getvalue()
    call_command("restore_deferred_indexes", stdout=out)
    assert out.getvalue().endswith("No index was left out.\n")
