"""Delete the Idempotency-Key records past their 24 hours (retries find expired ones stale anyway)."""

from datetime import timedelta

from django.core.management.base import BaseCommand

from core.api.idempotency import RETENTION, idempotency_purge


class Command(BaseCommand):
    help = "Delete Idempotency-Key records older than their retention (24 hours)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than-hours",
            type=int,
            default=int(RETENTION.total_seconds() // 3600),
            help="Delete records created more than this many hours ago (default 24; never less than 24).",
        )

    def handle(self, *args, older_than_hours: int, **options):
        # A shorter window would let a retry inside the promised 24 hours write twice.
        hours = max(older_than_hours, int(RETENTION.total_seconds() // 3600))
        deleted = idempotency_purge(older_than=timedelta(hours=hours))
        self.stdout.write(f"Deleted {deleted} idempotency key record(s) older than {hours} hours.")
