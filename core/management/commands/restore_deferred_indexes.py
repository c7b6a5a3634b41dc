"""Build the indexes a bulk load dropped and, because it was killed, never built again."""

from django.core.management.base import BaseCommand

from core.db import deferred_indexes_restore


class Command(BaseCommand):
    help = "Build every index listed in core_deferredindex (left there by a bulk load that was killed)."

    def handle(self, *args, **options):
        built = deferred_indexes_restore()
        self.stdout.write(f"Built {built} index(es) a bulk load had left out." if built else "No index was left out.")
