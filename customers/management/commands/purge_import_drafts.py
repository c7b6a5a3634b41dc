"""Delete the import wizard's abandoned drafts: sheets previewed but never confirmed."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from customers.importing.drafts import DraftAgeUnknown, import_drafts_purge


class Command(BaseCommand):
    help = (
        "Delete the sheets the import wizard keeps between preview and confirmation once they are older "
        "than --hours (default 24). A previewed file nobody confirmed stays in the media storage until "
        "then; after the purge its preview asks for the file again. Run it daily (cron, a systemd timer "
        "or Celery beat)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=24,
            help="Delete drafts written more than this many hours ago (default 24).",
        )

    def handle(self, *args, hours: int, **options):
        if hours < 1:
            raise CommandError("--hours must be at least 1.")
        try:
            deleted = import_drafts_purge(older_than=timedelta(hours=hours))
        except DraftAgeUnknown as exc:
            self.stderr.write(self.style.WARNING(f"Skipped: {exc} No import draft was deleted."))
            return
        self.stdout.write(f"Deleted {deleted} import draft(s) older than {hours} hours.")
