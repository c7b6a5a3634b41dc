from django.core.management.base import BaseCommand, CommandError

from accounts.selectors import organization_get_by_slug
from core.exceptions import NotFound
from customers.search import search_index_check, search_index_rebuild


class Command(BaseCommand):
    help = "Rebuild the customer search index from the data (idempotent), or --check that it matches."

    def add_arguments(self, parser):
        parser.add_argument("--org", help="Only this organization's customers (slug).")
        parser.add_argument("--check", action="store_true", help="Report differences and change nothing.")

    def handle(self, *args, org=None, check=False, **options):
        organization_id = None
        if org:
            try:
                organization_id = organization_get_by_slug(slug=org).pk
            except NotFound as exc:
                raise CommandError(f"No organization with the slug '{org}'.") from exc
        if check:
            drifts = search_index_check(organization_id=organization_id)
            for drift in drifts[:100]:
                self.stdout.write(f"customer {drift.customer_id}: {drift.problem}")
            if drifts:
                raise CommandError(f"The search index differs from the data for {len(drifts)} customer(s).")
            self.stdout.write(self.style.SUCCESS("The search index matches the data."))
            return
        indexed = search_index_rebuild(organization_id=organization_id)
        self.stdout.write(self.style.SUCCESS(f"Indexed {indexed} customer(s)."))
