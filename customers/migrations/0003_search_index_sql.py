"""Database-specific search indexes: pg_trgm on PostgreSQL, an FTS5 trigram table on SQLite."""

from django.db import migrations

POSTGRES_FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS search_doc_text_trgm ON customers_customersearchdocument USING gin (text gin_trgm_ops)",
    # Pattern-ops indexes serve LIKE 'prefix%' whatever the database collation is.
    "CREATE INDEX IF NOT EXISTS search_doc_name_prefix "
    "ON customers_customersearchdocument (organization_id, name_key varchar_pattern_ops)",
    "CREATE INDEX IF NOT EXISTS search_key_value_prefix "
    "ON customers_customersearchkey (organization_id, value varchar_pattern_ops)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS search_key_value_prefix",
    "DROP INDEX IF EXISTS search_doc_name_prefix",
    "DROP INDEX IF EXISTS search_doc_text_trgm",
]

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS customers_search_fts USING fts5("
    "text, content='customers_customersearchdocument', content_rowid='customer_id', tokenize='trigram')",
    # Triggers keep the trigram table in the same transaction as the document it indexes.
    "CREATE TRIGGER IF NOT EXISTS customers_search_fts_insert AFTER INSERT ON customers_customersearchdocument BEGIN "
    "INSERT INTO customers_search_fts(rowid, text) VALUES (new.customer_id, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS customers_search_fts_delete AFTER DELETE ON customers_customersearchdocument BEGIN "
    "INSERT INTO customers_search_fts(customers_search_fts, rowid, text) VALUES ('delete', old.customer_id, old.text); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS customers_search_fts_update AFTER UPDATE ON customers_customersearchdocument BEGIN "
    "INSERT INTO customers_search_fts(customers_search_fts, rowid, text) VALUES ('delete', old.customer_id, old.text); "
    "INSERT INTO customers_search_fts(rowid, text) VALUES (new.customer_id, new.text); END",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS customers_search_fts_update",
    "DROP TRIGGER IF EXISTS customers_search_fts_delete",
    "DROP TRIGGER IF EXISTS customers_search_fts_insert",
    "DROP TABLE IF EXISTS customers_search_fts",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0002_search_index")]

    operations = [
        migrations.RunPython(
            _run({"postgresql": POSTGRES_FORWARD, "sqlite": SQLITE_FORWARD}),
            _run({"postgresql": POSTGRES_BACKWARD, "sqlite": SQLITE_BACKWARD}),
        )
    ]
