"""Query expressions shared by the apps."""

import json
from typing import Any

from django.db import connection
from django.db.models import BooleanField, Func
from django.db.models.functions import Round

from .db import Sql


def among_ids_sql(column_sql: str, vendor: str) -> str:
    """SQL that is true when ``column_sql`` is one of the ids bound to its one placeholder
    (the parameter is ``AmongIds.parameter``)."""
    if vendor == "postgresql":
        return f"{column_sql} = ANY(%s)"
    # The column is compiled SQL and the ids are a bound parameter.
    return f"{column_sql} IN (SELECT value FROM json_each(%s))"  # noqa: S608


def among_ids(column: str, ids: list[int]) -> Sql:
    """The condition ``column`` is one of ``ids``, for a statement written as SQL."""
    return Sql(among_ids_sql(column, connection.vendor), (AmongIds.parameter(connection, list(ids)),))


class AmongIds(Func):
    """``expression`` is one of ``ids``, with the ids sent as one parameter, not one per id.

    Compiling and binding an ``IN`` list of thousands of placeholders costs more than running the
    query, so PostgreSQL gets an array and SQLite a JSON list it reads with ``json_each``.
    """

    output_field = BooleanField()

    def __init__(self, expression, ids: list[int]):
        super().__init__(expression)
        self.ids = ids

    @staticmethod
    def parameter(connection, ids: list[int]) -> Any:
        """The query parameter that stands for ``ids``, to run a compiled query for other ids."""
        return ids if connection.vendor == "postgresql" else json.dumps(ids)

    def as_sql(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        return among_ids_sql(column_sql, connection.vendor), (*column_params, self.parameter(connection, self.ids))


def to_cents(expression) -> Round:
    """``expression`` rounded to cents by the database.

    SQLite adds decimals as binary floating point: without the rounding, a balance of 0.30 less
    0.10 less 0.20 is stored as -0.0000000000000000277 and read back, and exported, as -0.00.
    """
    return Round(expression, 2)
