"""Database upkeep the ORM does not do by itself."""

from django.db import connection

# SQLite's ANALYZE looks at this many rows per index: enough for the planner, quick at any size.
SQLITE_ANALYSIS_LIMIT = 1000


def planner_statistics_refresh() -> None:
    """Refresh the statistics the query planner chooses its indexes by; run it after a bulk load.

    Without them SQLite assumes that an equality on an indexed column selects a handful of rows,
    and may walk an organization's whole index where a few primary-key lookups would do.
    PostgreSQL's autovacuum gets there on its own, but only some time after the load.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"PRAGMA analysis_limit = {SQLITE_ANALYSIS_LIMIT}")
            cursor.execute("ANALYZE")
        elif connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
