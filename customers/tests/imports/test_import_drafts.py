"""Previewed sheets nobody confirms are purged once old; fresh ones, and every other file, stay."""

import io
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError

from customers.importing.drafts import import_draft_keep, import_draft_read, import_drafts_purge
from customers.importing.runner import ImportOptions, import_start
from customers.models import ImportJob
from customers.services.imports import ImportMode

from .conftest import xlsx_bytes

pytestmark = pytest.mark.django_db

SHEET = xlsx_bytes([["Name", "Phone Number"], ["Jane Wanjiku", "0712 345 678"]])
CSV = b"Name\nJane Wanjiku\n"


class UndatedStorage(InMemoryStorage):
    """A storage that keeps files but cannot say when they were written (Storage's own default)."""

    def get_modified_time(self, name):
        raise NotImplementedError("subclasses of Storage must provide a get_modified_time() method")


class UnlistedStorage(InMemoryStorage):
    """A storage that keeps files but cannot list a directory (Storage's own default)."""

    def listdir(self, path):
        raise NotImplementedError("subclasses of Storage must provide a listdir() method")


@pytest.fixture
def wizard(client, clerk):
    client.force_login(clerk)
    return client


def preview(wizard, name: str = "customers.xlsx") -> ImportJob:
    """Upload a sheet through the wizard and leave it at the preview, unconfirmed."""
    response = wizard.post("/import/", {"file": SimpleUploadedFile(name, SHEET), "mode": "all_or_nothing"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    return ImportJob.objects.get(original_name=name)


def dry_run(*, organization, clerk) -> ImportJob:
    """A preview's job, started as the wizard starts it (its sheet is kept by the caller)."""
    options = ImportOptions(dry_run=True, mode=ImportMode.SKIP_INVALID)
    return import_start(organization=organization, actor=clerk, name="customers.csv", content=CSV, options=options)


def draft_path(settings, job: ImportJob) -> Path:
    path = Path(settings.MEDIA_ROOT) / "imports" / "drafts" / str(job.organization_id) / str(job.created_by_id)
    return path / f"{job.pk}.xlsx"


def age(path: Path, *, hours: float) -> None:
    written = time.time() - hours * 3600
    os.utime(path, (written, written))


def test_an_old_draft_is_deleted_and_a_fresh_one_survives(wizard, settings):
    abandoned = preview(wizard, "monday.xlsx")
    fresh = preview(wizard, "today.xlsx")
    age(draft_path(settings, abandoned), hours=25)
    age(draft_path(settings, fresh), hours=23)

    deleted = import_drafts_purge(older_than=timedelta(hours=24))

    assert deleted == 1
    assert not draft_path(settings, abandoned).exists()
    assert import_draft_read(job=abandoned) is None
    assert import_draft_read(job=fresh) == SHEET


def test_a_purged_preview_asks_for_the_file_again_and_a_fresh_one_can_be_confirmed(wizard, settings):
    abandoned = preview(wizard, "monday.xlsx")
    fresh = preview(wizard, "today.xlsx")
    age(draft_path(settings, abandoned), hours=48)

    import_drafts_purge(older_than=timedelta(hours=24))

    stale_page = wizard.get(f"/import/preview/{abandoned.pk}/").content.decode()
    assert "can no longer be imported" in stale_page
    confirmed = wizard.post(f"/import/preview/{fresh.pk}/confirm/", {"mode": "all_or_nothing"})
    assert confirmed.status_code == 302 and "/import/jobs/" in confirmed["Location"]


def test_only_drafts_are_purged(wizard, settings):
    job = preview(wizard)
    media = Path(settings.MEDIA_ROOT)
    others = [media / "jobs" / "results" / "2025" / "01" / "import-errors.xlsx", media / "imports" / "notes.txt"]
    for path in others:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"not a draft")
        age(path, hours=24 * 30)
    age(draft_path(settings, job), hours=24 * 30)

    assert import_drafts_purge(older_than=timedelta(hours=24)) == 1

    assert all(path.exists() for path in others)


def test_nothing_to_purge_before_any_upload(settings):
    assert not (Path(settings.MEDIA_ROOT) / "imports").exists()

    assert import_drafts_purge(older_than=timedelta(hours=24)) == 0


def test_any_storage_that_lists_and_dates_its_files_is_purged(settings, organization, clerk):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
    job = dry_run(organization=organization, clerk=clerk)
    import_draft_keep(job=job, content=CSV)

    assert import_drafts_purge(older_than=timedelta(hours=1)) == 0
    assert import_draft_read(job=job) == CSV

    assert import_drafts_purge(older_than=timedelta(0)) == 1
    assert import_draft_read(job=job) is None


def test_the_command_deletes_drafts_older_than_the_hours_given_and_says_how_many(wizard, settings):
    jobs = [preview(wizard, f"sheet-{number}.xlsx") for number in range(3)]
    for job, hours in zip(jobs, (30, 5, 1), strict=True):
        age(draft_path(settings, job), hours=hours)
    out = io.StringIO()

    call_command("purge_import_drafts", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 import draft(s) older than 24 hours."

    out = io.StringIO()
    call_command("purge_import_drafts", "--hours", "4", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 import draft(s) older than 4 hours."
    assert [draft_path(settings, job).exists() for job in jobs] == [False, False, True]


@pytest.mark.parametrize(
    ("storage", "reason"),
    [
        ("UndatedStorage", "UndatedStorage cannot tell when a file was written."),
        ("UnlistedStorage", "UnlistedStorage cannot list its files."),
    ],
)
def test_the_command_skips_a_storage_that_cannot_list_or_date_files(settings, organization, clerk, storage, reason):
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": f"{__name__}.{storage}"}}
    job = dry_run(organization=organization, clerk=clerk)
    import_draft_keep(job=job, content=CSV)
    out, err = io.StringIO(), io.StringIO()

    call_command("purge_import_drafts", "--hours", "1", stdout=out, stderr=err)

    assert err.getvalue().strip() == f"Skipped: {reason} No import draft was deleted."
    assert out.getvalue() == ""
    assert import_draft_read(job=job) == CSV


def test_the_command_refuses_less_than_an_hour(wizard, settings):
    job = preview(wizard)

    with pytest.raises(CommandError, match="--hours must be at least 1"):
        call_command("purge_import_drafts", "--hours", "0")

    assert draft_path(settings, job).exists()
