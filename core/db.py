"""Database upkeep the ORM does not do by itself."""

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections, models, router, transaction
from django.db.models import QuerySet

# SQLite's ANALYZE looks at this many rows per index: enough for the planner, quick at any size.
SQLITE_ANALYSIS_LIMIT = 1000


@dataclass(frozen=True)
class Sql:
    """A piece of SQL and the parameters of its placeholders, in order; ``&``, ``|`` and ``~``
    combine conditions. For the few hot statements whose compiling by the ORM costs more than
    running them: table and column names come from the models, every value is a parameter."""

    text: str
    params: tuple = ()

    def __and__(self, other: "Sql") -> "Sql":
        return Sql(f"({self.text}) AND ({other.text})", (*self.params, *other.params))

    def __or__(self, other: "Sql") -> "Sql":
        return Sql(f"({self.text}) OR ({other.text})", (*self.params, *other.params))

    def __invert__(self) -> "Sql":
        return Sql(f"NOT ({self.text})", self.params)


def sql_rows(statement: Sql, *, model: type[models.Model]) -> list[tuple]:
    """Every row ``statement`` selects, from the database the router reads ``model`` from (a GET
    request's read replica, when there is one), as a queryset of ``model`` would read it."""
    with connections[router.db_for_read(model)].cursor() as cursor:
        cursor.execute(statement.text, statement.params)
        return cursor.fetchall()


def sqlite_table_analyze(schema_editor, table: str) -> None:
    """A migration's refresh of SQLite's statistics for ``table`` after it adds an index.

    SQLite's planner knows nothing of a new index until ANALYZE, and meanwhile may take it for any
    query of the organization and sort the whole table. PostgreSQL needs no such step.
    """
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
        schema_editor.execute(f'ANALYZE "{table}"')


def planner_statistics_refresh() -> None:
    """Refresh the statistics the query planner chooses its indexes by; run it after a bulk load.

    Without them SQLite assumes that an equality on an indexed column selects a handful of rows,
    and may walk an organization's whole index where a few primary-key lookups would do.
    PostgreSQL's autovacuum gets there on its own, but only some time after the load; its VACUUM
    also marks the new rows visible to all, without which a count cannot be answered from an
    index alone. Outside a transaction PostgreSQL gets both now.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)")


def copied_text_values(queryset: QuerySet) -> Iterator[str]:
    """The text values of a one-column ``values_list(..., flat=True)`` queryset, by PostgreSQL's COPY.

    ``QuerySet.iterator`` reads through a server-side cursor, which PostgreSQL never runs in
    parallel and, outside a transaction, computes and stores whole (WITH HOLD) before its first
    row. ``COPY (query) TO STDOUT`` streams the rows as the query yields them and lets the planner
    use parallel workers, which halves the time of a long list export. Until its last row the
    connection can run nothing else: the caller writes nothing to the database while it reads.
    """
    database = connections[queryset.db]
    try:
        sql, params = queryset.query.sql_with_params()
    except EmptyResultSet:
        return  # a filter that can match nothing (QuerySet.none()) compiles to no statement at all
    with database.cursor() as cursor, cursor.cursor.copy(f"COPY ({sql}) TO STDOUT", params) as copy:
        copy.set_types(["text"])  # psycopg reads the text format: escapes undone, NULL as None
        for (value,) in copy.rows():
            yield value


# Memory PostgreSQL may use to sort while it builds an index again after a bulk load.
INDEX_BUILD_MEMORY = "512MB"


@contextlib.contextmanager
def secondary_indexes_deferred(tables: Sequence[str]) -> Iterator[None]:
    """Drop the non-unique indexes of ``tables`` for a bulk load, and build them again after it.

    Keeping a dozen indexes up to date row by row costs more than the rows themselves once the
    indexes outgrow the cache; building each index once, from sorted data, costs a fraction. Unique
    indexes and primary keys stay, so every constraint is checked as the rows arrive. The dropped
    definitions are kept in ``DeferredIndex`` in the same transaction as the drop: a load that is
    killed leaves them there, and the next one (or ``deferred_indexes_restore``) builds them first.
    """
    from .models import DeferredIndex

    deferred_indexes_restore()
    definitions = _secondary_index_definitions(tables)
    with transaction.atomic(), connection.cursor() as cursor:
        DeferredIndex.objects.bulk_create(
            DeferredIndex(name=name, table=table, definition=definition) for name, table, definition in definitions
        )
        for name, _, _ in definitions:
            cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        deferred_indexes_restore()


def deferred_indexes_restore() -> int:
    """Build every index a bulk load dropped and has not built again yet; how many there were."""
    from .models import DeferredIndex

    deferred = list(DeferredIndex.objects.order_by("pk"))
    if not deferred:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SET LOCAL maintenance_work_mem = '{INDEX_BUILD_MEMORY}'")
        for index in deferred:
            cursor.execute(index.definition)
        DeferredIndex.objects.filter(pk__in=[index.pk for index in deferred]).delete()
    return len(deferred)


def _secondary_index_definitions(tables: Sequence[str]) -> list[tuple[str, str, str]]:
    """(name, table, CREATE INDEX statement) of each non-unique index of ``tables``."""
    definitions = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                """
                SELECT index_class.relname, table_class.relname, pg_get_indexdef(pg_index.indexrelid)
                FROM pg_index
                JOIN pg_class index_class ON index_class.oid = pg_index.indexrelid
                JOIN pg_class table_class ON table_class.oid = pg_index.indrelid
                WHERE table_class.relname = ANY(%s) AND table_class.relnamespace = current_schema()::regnamespace
                  AND NOT pg_index.indisunique AND NOT pg_index.indisprimary
                ORDER BY table_class.relname, index_class.relname
                """,
                [list(tables)],
            )
            return [tuple(row) for row in cursor.fetchall()]
        for table in tables:
            # origin "c": made by CREATE INDEX (not by a UNIQUE or PRIMARY KEY clause of the table).
            cursor.execute(f"PRAGMA index_list({connection.ops.quote_name(table)})")
            names = sorted(row[1] for row in cursor.fetchall() if not row[2] and row[3] == "c")
            for name in names:
                cursor.execute("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s", [name])
                definitions.append((name, table, cursor.fetchone()[0]))
    return definitions
