import django.db.models.deletion
from django.db import migrations, models

# The foreign key's own index duplicates the first column of every other index of the table; with
# it, SQLite's planner may count an organization's customers through it and read every row,
# where the partial index of live customers answers from the index alone.
ORGANIZATION_INDEX = "customers_customer_organization_id_dc486906"


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("customers", "0008_search_document_reverse_name"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="customer",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="customers",
                        to="accounts.organization",
                    ),
                ),
            ],
            # Dropping the index alone: SQLite's AlterField would copy the whole table to do it.
            database_operations=[
                migrations.RunSQL(
                    f"DROP INDEX IF EXISTS {ORGANIZATION_INDEX}",
                    reverse_sql=f"CREATE INDEX IF NOT EXISTS {ORGANIZATION_INDEX} ON customers_customer (organization_id)",
                ),
            ],
        ),
    ]
