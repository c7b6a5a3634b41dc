from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("customers", "0009_customer_organization_composite_indexes_only"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="customersearchdocument",
            index=models.Index(fields=["organization", "name_key", "customer"], name="search_doc_org_name_id"),
        ),
        migrations.RemoveIndex(
            model_name="customersearchdocument",
            name="search_doc_org_name",
        ),
    ]
