"""Plain multi-row INSERTs for rows that are validated already.

``bulk_create`` compiles every value of every row through the ORM (and SQLite caps it at 999
parameters a statement), which is most of the time of a 100,000-row import. Here each column
gets one adapter, chosen once from its field, and the rows go to the driver's ``executemany``.
Only the importer uses it, after the same validation customer_create applies.
"""

from collections.abc import Callable, Hashable, Iterable, Sequence
from typing import Any

from django.db import connection, models

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
    # Timestamps and amounts repeat across rows (the import's time, 0.00): adapt each value once.
    known: dict[Any, Any] = {}

    def adapt(value: Any) -> Any:
        if value is None:
            return None
        try:
            return known[value]
        except (KeyError, TypeError):
            adapted = field.get_db_prep_save(value, connection)
        if isinstance(value, Hashable) and len(known) < 10_000:
            known[value] = adapted
        return adapted

    return adapt


def insert_rows(model: type[models.Model], attnames: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """INSERT ``rows`` (values in the order of ``attnames``) into ``model``'s table in one statement."""
    by_attname = {field.attname: field for field in model._meta.concrete_fields}
    fields = [by_attname[name] for name in attnames]
    adapters = [_adapter(field) for field in fields]
    quote = connection.ops.quote_name
    # Table and column names come from the model, never from input; the values are parameters.
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608
        quote(model._meta.db_table),
        ", ".join(quote(field.column) for field in fields),
        ", ".join(["%s"] * len(fields)),
    )
    if not any(adapters):
        params = [tuple(row) for row in rows]
    else:
        params = [
            tuple(value if adapt is None else adapt(value) for value, adapt in zip(row, adapters, strict=True))
            for row in rows
        ]
    if not params:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one command: far less work per row than one INSERT each.
            columns = ", ".join(quote(field.column) for field in fields)
            statement = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
            # Django's wrapper turns the driver's errors into django.db errors (IntegrityError, ...).
            with connection.wrap_database_errors, cursor.cursor.copy(statement) as copy:
                for row in params:
                    copy.write_row(row)
        else:
            cursor.executemany(sql, params)
