"""Prepare one benchmark database and describe the workload; prints JSON for bench/run.py.

Runs with DATABASE_URL pointing at the benchmark database (never the development one):
migrates, generates ``--count`` customers once (kept between runs), issues an API key, and picks
the requests of each scenario and the raw SQL of the references from the data itself.
"""

import argparse
import json
import os
import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

ORG_SLUG = "bench"


def _param(value):
    """A query parameter as the database driver would receive it from Django."""
    from datetime import UTC, datetime

    if isinstance(value, datetime) and connection.vendor == "sqlite":
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ")
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


def _sql(queryset) -> dict:
    sql, params = queryset.query.sql_with_params()
    return {"sql": sql, "params": [_param(param) for param in params]}


def _quick_search_queries(organization, rng: random.Random) -> list[str]:
    from customers.models import ContactEmail, Customer, CustomerSearchKey, SearchKeyKind

    customers = list(
        Customer.objects.filter(organization=organization, deleted_at__isnull=True)
        .exclude(phone="")
        .order_by("?")[:200]
        .values("name", "customer_no", "tax_id", "phone", "email")
    )
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
        words = row["name"].split()
        word = rng.choice(words)
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--transactions-per-customer", type=int, default=5)
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    from accounts.models import Organization
    from accounts.services import api_key_create
    from customers.models import Customer
    from customers.selectors import customer_list

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
    customer_ids = list(
        Customer.objects.filter(organization=organization).order_by("?").values_list("pk", flat=True)[:300]
    )
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
        page = int(filters.get("page", "1"))
        queryset = customer_list(organization=organization, filters={k: v for k, v in filters.items() if k != "page"})
        counted = _sql(queryset.order_by().values("pk"))
        # The page's count query, as the paginator runs it: COUNT(*) over the same filtered rows.
        counted["sql"] = f"SELECT COUNT(*) FROM ({counted['sql']}) counted"  # noqa: S608 - generated by the ORM
        return [counted, _sql(queryset[(page - 1) * per_page : page * per_page])]

    references = {
        "quick_search": [
            [_sql(customer_list(organization=organization, filters={"search": query})[:10])] for query in search_queries
        ],
        "list_filtered": [page_sql(filters) for filters in list_filters],
        "list_by_balance": [page_sql({"ordering": "-balance", "page": str(page)}) for page in (1, 2, 3)],
    }
    print(
        json.dumps(
            {
                "vendor": connection.vendor,
                "organization_id": organization.pk,
                "customers": Customer.objects.filter(organization=organization).count(),
                "api_key": key,
                "search_queries": search_queries,
                "customer_ids": customer_ids,
                "list_filters": list_filters,
                "references": references,
            }
        )
    )


if __name__ == "__main__":
    main()
