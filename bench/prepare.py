"""Prepare one benchmark database and describe the workload; prints JSON for bench/run.py.

Runs with DATABASE_URL pointing at the benchmark database (never the development one):
migrates, generates ``--count`` customers once (kept between runs), issues an API key, and picks
the requests of each scenario and the raw SQL of the references from the data itself.

For the document scenarios it also makes sure the bench organization has a customer with 500
transactions (the statement) and picks a filter of 5,000 customers (the list PDF). For the
import it writes the import workbook once (bench/import_file.py) and gives the API import and the
reference import a fresh organization each: ``--purge-imports`` removes those organizations and
every row they own, before and after each benchmark that includes the import.
"""

import argparse
import json
import os
import random
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

from guard import DATA, require_bench_database  # noqa: E402

require_bench_database(os.environ.get("DATABASE_URL", ""))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

ORG_SLUG = "bench"
IMPORT_ORG_SLUG = "bench-import"
REFERENCE_IMPORT_ORG_SLUG = "bench-import-reference"
STATEMENT_CUSTOMER_NO = "BENCH-STATEMENT"
STATEMENT_TRANSACTIONS = 500
LIST_PDF_ROWS = 5_000
# The textbook import writes a few hundred rows a second: it is timed on the file's first rows.
REFERENCE_IMPORT_ROWS = 5_000


def _param(value):
    """A query parameter as the database driver would receive it from Django."""
    from datetime import UTC, datetime

    if isinstance(value, datetime) and connection.vendor == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_param(item) for item in value]  # an array parameter (PostgreSQL's ANY)
    return str(value)


def _sql(queryset) -> dict:
    sql, params = queryset.query.sql_with_params()
    return {"sql": sql, "params": [_param(param) for param in params]}


def _executed_sql(call) -> list[dict]:
    """The statements ``call`` runs, with their parameters, in order: the quick search reads rank
    by rank and stops once it has enough, so its reference is this exact sequence."""
    statements = []

    def capture(execute, sql, params, many, context):
        statements.append({"sql": sql, "params": [_param(param) for param in params or []]})
        return execute(sql, params, many, context)

    with connection.execute_wrapper(capture):
        call()
    return statements


def _sample(queryset, rng: random.Random, count: int, *, fields: tuple[str, ...] = ()) -> list[dict]:
    """``count`` rows of ``queryset`` drawn with ``rng``, in the order drawn: the same rows on every
    run over the same data, so that runs compare (ORDER BY RANDOM() drew other rows each time)."""
    ids = list(queryset.order_by("pk").values_list("pk", flat=True))
    chosen = rng.sample(ids, min(count, len(ids)))
    rows = {row["pk"]: row for row in queryset.filter(pk__in=chosen).values("pk", *fields)}
    return [rows[pk] for pk in chosen]


def _quick_search_queries(organization, rng: random.Random) -> list[str]:
    from customers.models import ContactEmail, Customer, CustomerSearchKey, SearchKeyKind

    with_phone = Customer.objects.filter(organization=organization, deleted_at__isnull=True).exclude(phone="")
    customers = _sample(with_phone, rng, 200, fields=("name", "customer_no", "tax_id", "phone", "email"))
    references = list(
        CustomerSearchKey.objects.filter(organization=organization, kind=SearchKeyKind.REFERENCE).values_list(
            "value", flat=True
        )[:200]
    )
    emails = list(
        ContactEmail.objects.filter(customer__organization=organization).values_list("email", flat=True)[:100]
    )
    queries = []
    for row in customers[:40]:
        # A fragment of a real word: "&" or "-" in a company name would be a query the API refuses (< 2 chars).
        words = [word for word in row["name"].split() if sum(char.isalnum() for char in word) >= 3]
        word = rng.choice(words or [row["customer_no"]])
        queries.append(word[: max(3, len(word) - 2)].lower())  # a name fragment
        queries.append(row["customer_no"])  # an exact code
        if row["tax_id"]:
            queries.append(row["tax_id"][:6])  # a tax ID prefix
        phone = row["phone"]
        national = "0" + phone[4:] if phone.startswith("+254") else phone
        queries.append(rng.choice([phone, national, " ".join([national[:4], national[4:7], national[7:]])]))
        queries.append(row["email"] or (rng.choice(emails) if emails else row["customer_no"]))
    queries += [reference.upper() for reference in references[:20]]
    queries += ["jo", "wa", "ab"]  # shorter than a trigram
    rng.shuffle(queries)
    return queries


def _paths_to_organization() -> list[tuple[type, str]]:
    """Every model whose rows belong to an organization, with the lookup from it to the organization.

    A model pointing at the organization is one step away; a model pointing at such a model (a
    contact at its customer, a history row at its customer) two steps, and so on. Deepest first,
    so a row is deleted while the rows its lookup joins through still exist.
    """
    from django.apps import apps

    from accounts.models import Organization

    paths: dict[type, str] = {Organization: "pk"}
    depth = {Organization: 0}
    models = apps.get_models(include_auto_created=True)
    level = 0
    while True:
        level += 1
        found = {}
        for model in models:
            if model in paths:
                continue
            relations = [
                field
                for field in model._meta.concrete_fields
                if field.many_to_one and depth.get(field.related_model) == level - 1
            ]
            if relations:
                # The organization itself when the model has it, else the first parent.
                field = next((field for field in relations if field.name == "organization"), relations[0])
                parent_path = paths[field.related_model]
                found[model] = field.name if parent_path == "pk" else f"{field.name}__{parent_path}"
        if not found:
            break
        for model, path in found.items():
            paths[model] = path
            depth[model] = level
    return sorted(((model, path) for model, path in paths.items()), key=lambda item: -depth[item[0]])


def purge_organizations(slugs: list[str]) -> dict[str, int]:
    """Delete the organizations ``slugs`` and every row they own, in one transaction.

    Straight DELETE statements rather than ``Organization.delete()``: the collector would load every
    row and write a change-history row per deleted customer, which takes minutes at 100,000 rows.
    """
    from accounts.models import Organization

    deleted: dict[str, int] = {}
    ids = list(Organization.objects.filter(slug__in=slugs).values_list("pk", flat=True))
    if not ids:
        return deleted
    with transaction.atomic():
        for model, path in _paths_to_organization():
            count = model._base_manager.filter(**{f"{path}__in": ids})._raw_delete(using="default")
            if count:
                deleted[model._meta.label] = count
    return deleted


def _fresh_import_organization(slug: str, name: str):
    """An empty organization with the branches and lookups the import workbook names."""
    from accounts.services import organization_create
    from customers.generation import _ensure_lookups

    organization = organization_create(name=name, slug=slug)
    _ensure_lookups(organization)
    return organization


def _import_workload(count: int) -> dict:
    from import_file import import_workbook

    from accounts.services import api_key_create

    purge_organizations([IMPORT_ORG_SLUG, REFERENCE_IMPORT_ORG_SLUG])
    target = _fresh_import_organization(IMPORT_ORG_SLUG, "Bench Import")
    reference = _fresh_import_organization(REFERENCE_IMPORT_ORG_SLUG, "Bench Import Reference")
    workbook = import_workbook(DATA, count)
    sample_rows = min(count, REFERENCE_IMPORT_ROWS)
    sample = import_workbook(DATA, sample_rows)  # the same customers as the workbook's first rows
    return {
        "file": str(workbook),
        "rows": count,
        "api_key": api_key_create(organization=target, name="bench import", scope="write").secret,
        "organization_id": target.pk,
        "reference_file": str(sample),
        "reference_rows": sample_rows,
        "reference_organization_id": reference.pk,
    }


def _statement_customer(organization) -> dict:
    """A customer of the bench organization with STATEMENT_TRANSACTIONS ledger entries, through the services."""
    from zoneinfo import ZoneInfo

    from django.db.models import Max, Min
    from django.utils import timezone

    from customers.models import Customer
    from customers.services import customer_create
    from transactions.models import Transaction
    from transactions.services import transaction_record

    customer = Customer.objects.filter(organization=organization, customer_no=STATEMENT_CUSTOMER_NO).first()
    if customer is None:
        customer = customer_create(
            organization=organization,
            customer_no=STATEMENT_CUSTOMER_NO,
            name="Statement Bench Wholesalers Ltd",
            type="company",
            tax_id="P051234567X",
            phone="+254722000500",
            email="accounts@statement-bench.co.ke",
        )
    entries = Transaction.objects.filter(customer=customer)
    have = entries.count()
    rng = random.Random(5)  # noqa: S311 - benchmark data
    start = timezone.now() - timedelta(days=60)
    for index in range(have, STATEMENT_TRANSACTIONS):
        sale = index % 3 != 2
        amount = rng.randrange(1_000, 90_000)
        transaction_record(
            organization=organization,
            customer=customer,
            type="sale" if sale else "payment",
            total_amount=f"{amount}.00",
            tax_amount=f"{amount * 16 // 116}.00" if sale else "0",
            reference=f"{'INV' if sale else 'RCT'}-STMT-{index + 1:05d}",
            occurred_at=start + timedelta(minutes=170 * index),
            description="Hardware supplies" if sale else "M-Pesa payment",
        )
    span = entries.aggregate(first=Min("occurred_at"), last=Max("occurred_at"))
    zone = ZoneInfo(organization.timezone)
    return {
        "customer_id": customer.pk,
        "transactions": entries.count(),
        "from_date": span["first"].astimezone(zone).date().isoformat(),
        "to_date": span["last"].astimezone(zone).date().isoformat(),
    }


def _list_pdf_filters(organization) -> dict:
    """The oldest LIST_PDF_ROWS customers, as a created_to filter (newer rows only come after them)."""
    from customers.selectors import customer_list

    wanted = min(LIST_PDF_ROWS, customer_list(organization=organization).count())
    cut = (
        customer_list(organization=organization)
        .order_by("created_at", "pk")
        .values_list("created_at", flat=True)[wanted - 1 : wanted]
        .first()
    )
    filters = {"created_to": cut.isoformat()}
    return {"filters": filters, "rows": customer_list(organization=organization, filters=filters).count()}


def _export_reference(organization) -> dict:
    """The list export's rows and columns as one SQL statement, for the raw cursor to write."""
    from customers.exporting.customer_list import CUSTOMER_LIST_COLUMNS
    from customers.selectors import customer_list

    rows = customer_list(organization=organization).values_list(*(column.field for column in CUSTOMER_LIST_COLUMNS))
    return {**_sql(rows), "headers": [column.header for column in CUSTOMER_LIST_COLUMNS]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--transactions-per-customer", type=int, default=5)
    parser.add_argument("--scenarios", default="", help="comma-separated scenarios to prepare for (default all)")
    parser.add_argument("--purge-imports", action="store_true", help="only remove the import organizations")
    args = parser.parse_args()
    wanted = set(filter(None, args.scenarios.split(","))) or None

    call_command("migrate", verbosity=0)
    if args.purge_imports:
        print(json.dumps({"deleted": purge_organizations([IMPORT_ORG_SLUG, REFERENCE_IMPORT_ORG_SLUG])}))
        return
    from accounts.models import Organization
    from accounts.services import api_key_create
    from customers.listing import CustomerListing
    from customers.models import Customer
    from customers.selectors import customer_quick_search

    organization = Organization.objects.filter(slug=ORG_SLUG).first()
    existing = Customer.objects.filter(organization=organization).count() if organization else 0
    if existing < args.count:
        call_command(
            "generate_customers",
            count=args.count - existing,
            transactions_per_customer=args.transactions_per_customer,
            org=ORG_SLUG,
            seed=7,
        )
        organization = Organization.objects.get(slug=ORG_SLUG)
    key = api_key_create(organization=organization, name="bench", scope="write").secret

    rng = random.Random(11)
    search_queries = _quick_search_queries(organization, rng)
    customer_ids = [row["pk"] for row in _sample(Customer.objects.filter(organization=organization), rng, 300)]
    from customers.models import Category

    category_ids = list(Category.objects.filter(organization=organization).values_list("pk", flat=True))
    list_filters = [
        {"status": "active", "category_id": str(rng.choice(category_ids)) if category_ids else "", "page": "2"},
        {"status": "active", "type": "company", "branch_id": "00", "created_from": "2020-01-01"},
        {"search": "ltd", "status": "active"},
        {"search": search_queries[0], "type": "individual"},
    ]
    list_filters = [{k: v for k, v in filters.items() if v} for filters in list_filters]

    def page_sql(filters: dict, per_page: int = 25) -> list[dict]:
        """The statements the list runs for one page: its count, then the page's rows."""
        page = int(filters.get("page", "1"))

        list_filters = {name: value for name, value in filters.items() if name != "page"}

        def read_page() -> None:
            listing = CustomerListing(organization=organization, filters=list_filters)
            _ = listing.total
            listing[(page - 1) * per_page : page * per_page]

        return _executed_sql(read_page)

    references = {
        "quick_search": [
            _executed_sql(lambda query=query: customer_quick_search(organization=organization, query=query, limit=10))
            for query in search_queries
        ],
        "list_filtered": [page_sql(filters) for filters in list_filters],
        "list_by_balance": [page_sql({"ordering": "-balance", "page": str(page)}) for page in (1, 2, 3)],
    }
    workload = {
        "vendor": connection.vendor,
        "organization_id": organization.pk,
        "customers": Customer.objects.filter(organization=organization).count(),
        "api_key": key,
        "search_queries": search_queries,
        "customer_ids": customer_ids,
        "list_filters": list_filters,
        "references": references,
    }
    if wanted is None or wanted & {"export_xlsx", "export_csv"}:
        workload["export_reference"] = _export_reference(organization)
    if wanted is None or "statement_pdf" in wanted:
        workload["statement"] = _statement_customer(organization)
    if wanted is None or "list_pdf" in wanted:
        workload["list_pdf"] = _list_pdf_filters(organization)
    if wanted is None or "import" in wanted:
        workload["import"] = _import_workload(args.count)
    print(json.dumps(workload))


if __name__ == "__main__":
    main()
