"""The import's reference: the textbook django-import-export import of the same workbook.

    python bench/reference_import.py spec.json -> {"rows": n, "elapsed_s": t, "totals": {...}, ...}

A plain ``ModelResource`` over the customer's own columns, fed by tablib, as the library's
documentation shows it; the organization and the branch come in as dataset columns (ids), the
organization being part of the import id so rows match inside it only. The clock covers loading
the workbook into tablib, naming the columns after the model's fields and ``import_data``.
Lookups by name (category, group, ...) and the opening balance are not model columns, so this
import leaves them out: it does less work than the product's import of the same file.
Runs in its own process with DATABASE_URL pointing at the benchmark database.
"""

import json
import os
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

from guard import require_bench_database  # noqa: E402

require_bench_database(os.environ.get("DATABASE_URL", ""))

import django  # noqa: E402

django.setup()

import tablib  # noqa: E402
from import_export import resources  # noqa: E402

from accounts.models import Branch  # noqa: E402
from customers.models import Customer  # noqa: E402
from customers.resources import CustomerResource as TemplateColumns  # noqa: E402

MODEL_COLUMNS = [
    "customer_no", "name", "legal_name", "alias", "type", "tax_id", "registration_number", "vat_number",
    "ean_number", "country", "language", "currency", "address", "city", "postal_code", "location", "phone",
    "email", "website", "contact_first_name", "contact_last_name", "contact_phone", "invoice_attention",
    "invoice_email", "credit_limit", "vat_zone", "discount_percent", "metadata",
]  # fmt: skip


class CustomerResource(resources.ModelResource):
    class Meta:
        model = Customer
        import_id_fields = ["organization", "customer_no"]
        fields = ["organization", "branch", *MODEL_COLUMNS]


def load_dataset(path: str, organization_id: int) -> tablib.Dataset:
    with open(path, "rb") as handle:
        dataset = tablib.Dataset().load(handle, format="xlsx")
    by_label = {label: field for field, label in TemplateColumns.column_labels().items()}
    dataset.headers = [by_label.get(header, header) for header in dataset.headers]
    branches = dict(Branch.objects.filter(organization_id=organization_id).values_list("code", "pk"))
    codes = dataset["branch"]
    del dataset["branch"]
    dataset.append_col([branches[code or "00"] for code in codes], header="branch")
    dataset.append_col([organization_id] * len(dataset), header="organization")
    return dataset


def run(spec: dict) -> dict:
    organization_id = spec["organization_id"]
    started = time.perf_counter()
    dataset = load_dataset(spec["file"], organization_id)
    result = CustomerResource().import_data(dataset, dry_run=False)
    elapsed = time.perf_counter() - started
    errors = [str(error.error) for error in result.base_errors][:5]
    errors += [f"row {number}: {error.error}" for number, row_errors in result.row_errors() for error in row_errors][:5]
    errors += [f"row {row.number}: {row.error.message_dict}" for row in result.invalid_rows][:5]
    return {
        "rows": len(dataset),
        "elapsed_s": elapsed,
        "totals": {kind: count for kind, count in result.totals.items() if count},
        "created": Customer.objects.filter(organization_id=organization_id).count(),
        "errors": errors,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


if __name__ == "__main__":
    with open(sys.argv[1]) as handle:
        print(json.dumps(run(json.load(handle))))
