"""Query expressions shared by the apps."""

import json
from typing import Any

from django.db.models import BooleanField, Func


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

    def as_sqlite(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        ids = self.parameter(connection, self.ids)
        # The column is compiled SQL and the ids are a bound parameter.
        return f"{column_sql} IN (SELECT value FROM json_each(%s))", (*column_params, ids)  # noqa: S608

    def as_postgresql(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        return f"{column_sql} = ANY(%s)", (*column_params, self.parameter(connection, self.ids))
