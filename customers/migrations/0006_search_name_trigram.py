"""A trigram index on the normalized names too, so that "name contains" is answered from an index.

SQLite: the FTS5 trigram table gets a ``name_key`` column beside ``text`` (rebuilt from the
documents); PostgreSQL: a pg_trgm GIN index on ``name_key``.
"""

from django.db import migrations

FTS_TABLE = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS customers_search_fts USING fts5("
    "name_key, text, content='customers_customersearchdocument', content_rowid='customer_id', tokenize='trigram')"
)
FTS_TRIGGERS = [
    # The triggers keep the trigram table in the same transaction as the document it indexes.
    "CREATE TRIGGER IF NOT EXISTS customers_search_fts_insert AFTER INSERT ON customers_customersearchdocument BEGIN "
    "INSERT INTO customers_search_fts(rowid, name_key, text) VALUES (new.customer_id, new.name_key, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS customers_search_fts_delete AFTER DELETE ON customers_customersearchdocument BEGIN "
    "INSERT INTO customers_search_fts(customers_search_fts, rowid, name_key, text) "
    "VALUES ('delete', old.customer_id, old.name_key, old.text); END",
    "CREATE TRIGGER IF NOT EXISTS customers_search_fts_update AFTER UPDATE ON customers_customersearchdocument BEGIN "
    "INSERT INTO customers_search_fts(customers_search_fts, rowid, name_key, text) "
    "VALUES ('delete', old.customer_id, old.name_key, old.text); "
    "INSERT INTO customers_search_fts(rowid, name_key, text) VALUES (new.customer_id, new.name_key, new.text); END",
]
DROP_FTS = [
    "DROP TRIGGER IF EXISTS customers_search_fts_update",
    "DROP TRIGGER IF EXISTS customers_search_fts_delete",
    "DROP TRIGGER IF EXISTS customers_search_fts_insert",
    "DROP TABLE IF EXISTS customers_search_fts",
]
REBUILD_FTS = "INSERT INTO customers_search_fts(customers_search_fts) VALUES ('rebuild')"

SQLITE_FORWARD = [*DROP_FTS, FTS_TABLE, *FTS_TRIGGERS, REBUILD_FTS]
SQLITE_BACKWARD = [
    *DROP_FTS,
    "CREATE VIRTUAL TABLE customers_search_fts USING fts5("
    "text, content='customers_customersearchdocument', content_rowid='customer_id', tokenize='trigram')",
    "CREATE TRIGGER customers_search_fts_insert AFTER INSERT ON customers_customersearchdocument BEGIN "
    "INSERT INTO customers_search_fts(rowid, text) VALUES (new.customer_id, new.text); END",
    "CREATE TRIGGER customers_search_fts_delete AFTER DELETE ON customers_customersearchdocument BEGIN "
    "INSERT INTO customers_search_fts(customers_search_fts, rowid, text) VALUES ('delete', old.customer_id, old.text); "
    "END",
    "CREATE TRIGGER customers_search_fts_update AFTER UPDATE ON customers_customersearchdocument BEGIN "
    "INSERT INTO customers_search_fts(customers_search_fts, rowid, text) VALUES ('delete', old.customer_id, old.text); "
    "INSERT INTO customers_search_fts(rowid, text) VALUES (new.customer_id, new.text); END",
    REBUILD_FTS,
]
POSTGRES_FORWARD = [
    # Byte order for the names whatever the database's collation: a prefix LIKE and ORDER BY
    # name_key are then both served by the (organization, name_key) B-tree index.
    'ALTER TABLE customers_customersearchdocument ALTER COLUMN name_key TYPE varchar(255) COLLATE "C"',
    "CREATE INDEX IF NOT EXISTS search_doc_name_trgm ON customers_customersearchdocument "
    "USING gin (name_key gin_trgm_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_doc_name_trgm",
    'ALTER TABLE customers_customersearchdocument ALTER COLUMN name_key TYPE varchar(255) COLLATE "default"',
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_history_request_context")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
