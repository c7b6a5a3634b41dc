"""Recompute every customer's stored balances from the ledger and report (or fix) any drift."""

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import organization_get_by_slug
from core.exceptions import NotFound
from transactions.services import balances_recompute

CENT = Decimal("0.01")


def _shown(value: Any) -> str:
    # SQLite hands back sums without their trailing zeros; money always reads with two decimals.
    if isinstance(value, Decimal):
        return str(value.quantize(CENT))
    if isinstance(value, datetime):
        return value.isoformat()
    return "none" if value is None else str(value)


class Command(BaseCommand):
    help = (
        "Recompute customers' balances from their transactions and report any drift. "
        "Without --check the drift is corrected; with --check nothing changes and drift is an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("--org", metavar="SLUG", help="Only the customers of this organization.")
        parser.add_argument(
            "--check",
            action="store_true",
            help="Report drift without changing anything; exit with an error status when there is any.",
        )

    def handle(self, *args, org: str | None = None, check: bool = False, **options):
        organization = None
        if org:
            try:
                organization = organization_get_by_slug(slug=org)
            except NotFound as exc:
                raise CommandError(f"No organization with the slug '{org}'.") from exc

        drifts = balances_recompute(organization=organization, fix=not check)
        for drift in drifts:
            self.stdout.write(
                f"{drift.customer_no}: {drift.field} stored={_shown(drift.stored)} expected={_shown(drift.expected)}"
            )

        scope = f"organization '{organization.slug}'" if organization is not None else "all organizations"
        if not drifts:
            self.stdout.write(self.style.SUCCESS(f"No drift found in {scope}."))
            return
        customers = len({drift.customer_id for drift in drifts})
        found = f"{len(drifts)} drifted value(s) on {customers} customer(s) in {scope}"
        if check:
            # A non-zero exit lets a scheduled job or CI step alert on drift without fixing it.
            raise CommandError(f"{found}; nothing was changed (--check).")
        self.stdout.write(self.style.SUCCESS(f"{found}; all corrected."))
