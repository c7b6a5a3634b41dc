"""Generate realistic benchmark customers in bulk (SPEC §11).

This command writes rows directly instead of calling the per-row services: those validate, lock,
record history and refresh the search index one customer at a time, which is right for real data
but would take hours for a million benchmark customers. ``customers.generation`` explains how the
generated rows stay consistent with what the services would write (normalized values, balances
computed from the generated ledger, index rows from the services' own index function).
"""

import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from customers.generation import DEFAULT_BATCH_SIZE, customers_generate, default_workers, organization_for_generation

PROGRESS_EVERY_SECONDS = 5.0


class Command(BaseCommand):
    help = (
        "Generate N realistic customers (Kenya, Colombia, Ghana, Denmark) with contacts, billing entities, "
        "K transactions each and their search index, in bulk, for benchmarks. Appends to an organization that "
        "already has generated customers (numbering continues)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--count", type=int, required=True, help="Number of customers to generate.")
        parser.add_argument(
            "--transactions-per-customer", type=int, default=5, help="Ledger entries per customer (default 5)."
        )
        parser.add_argument(
            "--org", required=True, metavar="SLUG", help="Organization slug; created when it does not exist."
        )
        parser.add_argument("--seed", type=int, default=0, help="Random seed: the same seed gives the same customers.")
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Customers per database transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help=f"Processes generating rows while this one writes (default {default_workers()}; 0 generates inline).",
        )

    def handle(
        self,
        *args,
        count: int,
        transactions_per_customer: int,
        org: str,
        seed: int,
        batch_size: int,
        workers: int | None,
        **options,
    ):
        if count < 1:
            raise CommandError("--count must be at least 1.")
        if transactions_per_customer < 0:
            raise CommandError("--transactions-per-customer cannot be negative.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if workers is not None and workers < 0:
            raise CommandError("--workers cannot be negative.")
        organization = organization_for_generation(slug=org)
        last_report = [time.monotonic()]

        def progress(done: int, rows: int, seconds: float) -> None:
            now = time.monotonic()
            if done < count and now - last_report[0] < PROGRESS_EVERY_SECONDS:
                return
            last_report[0] = now
            rate = rows / seconds if seconds else 0.0
            self.stdout.write(f"  {done:,}/{count:,} customers, {rows:,} rows, {seconds:,.1f} s ({rate:,.0f} rows/s)")

        result = customers_generate(
            organization=organization,
            count=count,
            transactions_per_customer=transactions_per_customer,
            seed=seed,
            batch_size=batch_size,
            workers=workers,
            progress=progress,
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Generated {result.customers:,} customers ({result.first_customer_no}..{result.last_customer_no}) "
                f"in '{organization.slug}': {result.rows:,} rows in {result.seconds:,.1f} s, "
                f"{result.rows_per_second:,.0f} rows/s."
            )
        )
