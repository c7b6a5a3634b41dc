"""Plain multi-row INSERTs for rows that are validated already.

``bulk_create`` compiles every value of every row through the ORM (and SQLite caps it at 999
parameters a statement), which is most of the time of a 100,000-row import. Here each column
gets one adapter, chosen once from its field, and the rows go to the database in INSERTs of
hundreds of rows each (SQLite) or with ``COPY`` (PostgreSQL). The importer writes customers with
it, after the same validation customer_create applies, and the search index writes its rows with
it.
"""

import contextlib
import json
import sqlite3
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from itertools import chain
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, models

# Rows per INSERT statement on SQLite (fewer when their parameters would pass SQLite's limit).
MULTIROW_INSERT_ROWS = 500
# SQLite's page cache while many rows are written, in KiB (64 MiB).
BULK_WRITE_CACHE_KIB = 64 * 1024
# Values of these fields reach the driver as they are (text, numbers, booleans, ids).
PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BooleanField,
    models.AutoField,
    models.BigAutoField,
)


def _adapter(field: models.Field) -> Callable[[Any], Any] | None:
    if isinstance(field, (models.ForeignKey, *PLAIN_FIELDS)):
        return None
    if isinstance(field, models.UUIDField):
        # Fresh ids, one per row: nothing to remember.
        return None if connection.features.has_native_uuid_field else (lambda value: value and value.hex)
    if isinstance(field, models.JSONField):
        # The JSON text itself, which both databases take (PostgreSQL parses it like COPY's other
        # columns); Django's Jsonb wrapper would be serialized again for every row that shares it.
        return lambda value: None if value is None else json.dumps(value, cls=field.encoder)
    # This thread's connection itself: reaching it through the django.db.connection proxy costs
    # a thread-local lookup per value.
    database = connections[DEFAULT_DB_ALIAS]
    # Timestamps and amounts repeat across rows (the import's time, 0.00): adapt each value once.
    known: dict[Any, Any] = {}

    def adapt(value: Any) -> Any:
        if value is None:
            return None
        try:
            return known[value]
        except (KeyError, TypeError):
            adapted = field.get_db_prep_save(value, database)
        if isinstance(value, Hashable) and len(known) < 10_000:
            known[value] = adapted
        return adapted

    return adapt


def column_adapters(model: type[models.Model], attnames: Sequence[str]) -> list[Callable[[Any], Any] | None]:
    """Per column, what turns a model value into the value the driver takes (None: the value as it is)."""
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    return [_adapter(by_attname[name]) for name in attnames]


def insert_rows(
    model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence[Any]], *, adapted: bool = False
) -> None:
    """INSERT ``rows`` (values in the order of ``attnames``) into ``model``'s table in one statement.

    With ``adapted`` the rows already hold what the driver takes (see ``column_adapters``).
    """
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    if adapted:
        params = rows if isinstance(rows, list) else list(rows)
    else:
        adapters = [(index, adapt) for index, adapt in enumerate(column_adapters(model, attnames)) if adapt]
        params = []
        for row in rows:
            if adapters:
                row = list(row)
                for index, adapt in adapters:
                    row[index] = adapt(row[index])
            params.append(row)
    if not params:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    if connection.vendor == "postgresql":
        # COPY streams the rows in one command: far less work per row than one INSERT each.
        statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        # Django's wrapper turns the driver's errors into django.db errors (IntegrityError, ...).
        with connection.cursor() as cursor, connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
            for row in params:
                copy.write_row(row)
    else:
        # The table and columns come from the model, never from input; the values are parameters.
        head = f"INSERT INTO {quote(model._meta.db_table)} ({columns}) VALUES "  # noqa: S608
        connection.ensure_connection()
        with connection.wrap_database_errors:
            _insert_multirow(connection.connection, head, len(fields), params)


def _insert_multirow(database: sqlite3.Connection, head: str, width: int, rows: list[Sequence[Any]]) -> None:
    """Rows in INSERTs of many rows each, as many as SQLite binds parameters for.

    Each statement costs SQLite its set-up, and the FTS5 table the search documents' trigger
    fills writes out what it gathered at the end of every statement: with executemany, once per
    row. A few hundred rows per statement write customers in about two thirds of the time, and
    search documents in a third.
    """
    limit = database.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    per_statement = max(1, min(MULTIROW_INSERT_ROWS, limit // width))
    # SQLite's own placeholders: the statement goes to the sqlite3 connection as it is, without
    # Django's rewriting of %s (a regular expression over statements of thousands of them).
    row_placeholders = "(" + ", ".join(["?"] * width) + ")"
    statements: dict[int, str] = {}
    for start in range(0, len(rows), per_statement):
        chunk = rows[start : start + per_statement]
        sql = statements.get(len(chunk))
        if sql is None:
            # The table and columns come from the model, never from input; the values are parameters.
            sql = statements[len(chunk)] = head + ", ".join([row_placeholders] * len(chunk))
        database.execute(sql, list(chain.from_iterable(chunk)))


@contextlib.contextmanager
def bulk_write_cache() -> Iterator[None]:
    """A large SQLite page cache for this connection while the block writes many rows.

    The customers' and the search keys' indexes take each new row at a random place; with
    SQLite's default cache of 2 MB, a batch of 10,000 customers reads and writes the same index
    pages again and again (and spills them to the WAL before the commit). The cache holds only
    copies of pages: what is committed, and when, is unchanged. PostgreSQL's buffers are the
    server's, so there it does nothing.
    """
    if connection.vendor != "sqlite":
        yield
        return
    connection.ensure_connection()
    database = connection.connection
    (previous,) = database.execute("PRAGMA cache_size").fetchone()
    database.execute(f"PRAGMA cache_size = {-BULK_WRITE_CACHE_KIB}")
    try:
        yield
    finally:
        # The connection may have been closed (and a new one opened with the default) meanwhile.
        if connection.connection is database:
            database.execute(f"PRAGMA cache_size = {int(previous)}")


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """``count`` primary keys for rows of ``model`` that the current transaction inserts with them.

    PostgreSQL draws them from the table's sequence, as inserts without an id would. SQLite takes
    the ones after the highest id ever used; the transaction holds the database's write lock from
    its first write, so no other connection can take them meanwhile (a clash would be an
    IntegrityError, never a duplicate).
    """
    if count <= 0:
        return []
    table = model._meta.db_table
    column = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [connection.ops.quote_name(table), column, count],
            )
            return [row[0] for row in cursor.fetchall()]
        # The names come from the model, never from input.
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(column)}) FROM {connection.ops.quote_name(table)}")  # noqa: S608
        highest = cursor.fetchone()[0] or 0
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        sequence = cursor.fetchone()
        first = max(highest, sequence[0] if sequence else 0) + 1
    return list(range(first, first + count))


def update_rows(model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Set ``attnames`` of each row of ``model``'s table: each row holds their values, then its primary key.

    The same statement for every row, sent with executemany: no CASE expression per value as
    ``bulk_update`` builds, and no model instance per row.
    """
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    adapters = [(index, adapt) for index, adapt in enumerate(column_adapters(model, attnames)) if adapt]
    params = []
    for row in rows:
        row = list(row)
        for index, adapt in adapters:
            row[index] = adapt(row[index])
        params.append(row)
    if not params:
        return
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(by_attname[name].column)} = %s" for name in attnames)
    # The table and columns come from the model, never from input; the values are parameters.
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)
