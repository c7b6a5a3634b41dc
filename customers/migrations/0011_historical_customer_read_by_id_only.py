import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The history of a customer is read by its id, newest first; these indexes served no query and
# were written on every change of every customer.
DROPPED_INDEXES = {
    "branch_id": "customers_historicalcustomer_branch_id_f30ac8c8",
    "category_id": "customers_historicalcustomer_category_id_da8ce5b8",
    "created_at": "customers_historicalcustomer_created_at_341c41e0",
    "created_by_id": "customers_historicalcustomer_created_by_id_e12d04fa",
    "deleted_at": "customers_historicalcustomer_deleted_at_c267b8ab",
    "finance_code_id": "customers_historicalcustomer_finance_code_id_5eec0bb4",
    "group_id": "customers_historicalcustomer_group_id_ab70a674",
    "organization_id": "customers_historicalcustomer_organization_id_31b10c53",
    "origin_id": "customers_historicalcustomer_origin_id_bfad5eed",
    "payment_terms_id": "customers_historicalcustomer_payment_terms_id_8c5b5b32",
    "uid": "customers_historicalcustomer_uid_7c5bd8fa",
    "updated_by_id": "customers_historicalcustomer_updated_by_id_102a631b",
}


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("billing", "0003_history_request_context"),
        ("customers", "0010_search_document_name_index_with_id"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="branch",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.branch",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="category",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="customers.category",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="created_at",
                    field=models.DateTimeField(blank=True, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="created_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="deleted_at",
                    field=models.DateTimeField(blank=True, null=True),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="finance_code",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="customers.financecode",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="group",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="customers.customergroup",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="organization",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="accounts.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="origin",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="customers.contactorigin",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="payment_terms",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="billing.paymentterms",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="uid",
                    field=models.UUIDField(default=uuid.uuid4, editable=False),
                ),
                migrations.AlterField(
                    model_name="historicalcustomer",
                    name="updated_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            # Dropping the indexes alone: SQLite's AlterField would copy the whole table once per field.
            database_operations=[
                migrations.RunSQL(
                    [f"DROP INDEX IF EXISTS {index}" for index in DROPPED_INDEXES.values()],
                    reverse_sql=[
                        f"CREATE INDEX IF NOT EXISTS {index} ON customers_historicalcustomer ({column})"
                        for column, index in DROPPED_INDEXES.items()
                    ],
                ),
            ],
        ),
    ]
