from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from customers.jobs import jobs_fail_stale


class Command(BaseCommand):
    help = (
        "Mark failed the import and export jobs whose worker is gone: still running, or still queued, "
        "longer than --minutes (default JOB_STALE_AFTER_MINUTES, 60). A worker that is killed (out of "
        "memory, a deploy, a lost host) never reports back, so without this its job shows 'running' "
        "forever. Run it every few minutes (cron, a systemd timer or Celery beat); it is safe to run "
        "at any time and changes only jobs that are still stale. A failed import can be started again "
        "with the same file: the rows it already saved are recognised, not duplicated."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--minutes",
            type=int,
            default=None,
            help="How long a job may run or wait before it counts as lost (default JOB_STALE_AFTER_MINUTES).",
        )

    def handle(self, *args, minutes=None, **options):
        minutes = settings.JOB_STALE_AFTER_MINUTES if minutes is None else minutes
        if minutes < 1:
            raise CommandError("--minutes must be at least 1.")
        failed = jobs_fail_stale(stale_after=timedelta(minutes=minutes))
        for job in failed:
            self.stdout.write(f"{type(job).__name__} {job.pk}: failed ({job.error_message.split(':')[0]})")
        self.stdout.write(self.style.SUCCESS(f"Marked {len(failed)} stale job(s) failed."))
