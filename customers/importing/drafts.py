"""The uploaded sheet kept between the import wizard's preview and its confirmation.

It lives in the default storage under imports/drafts/<organization>/<uploader>/<dry run job>.<ext>:
the name alone ties it to the one person, in the one organization, who may confirm it, and
confirming removes it. A preview nobody confirms leaves its draft behind;
``import_drafts_purge`` (the purge_import_drafts command) removes those once they are old.
"""

from datetime import datetime, timedelta
from pathlib import PurePosixPath

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from ..models import ImportJob

DRAFTS_DIR = "imports/drafts"


class DraftAgeUnknown(Exception):
    """The storage cannot list its files or tell when they were written, so no draft can be judged abandoned."""


def _draft_name(job: ImportJob) -> str:
    suffix = PurePosixPath(job.original_name.lower()).suffix
    return f"{DRAFTS_DIR}/{job.organization_id}/{job.created_by_id}/{job.pk}{suffix}"


def import_draft_keep(*, job: ImportJob, content: bytes) -> None:
    default_storage.save(_draft_name(job), ContentFile(content))


def import_draft_read(*, job: ImportJob) -> bytes | None:
    """The sheet awaiting confirmation, or None once it was imported, purged (or never kept)."""
    name = _draft_name(job)
    if not default_storage.exists(name):
        return None
    try:
        with default_storage.open(name, "rb") as draft:
            return draft.read()
    except FileNotFoundError:
        return None


def import_draft_discard(*, job: ImportJob) -> None:
    default_storage.delete(_draft_name(job))


def _stored_names(directory: str) -> list[str]:
    """Every file under ``directory``, at any depth; none when the directory does not exist."""
    try:
        directories, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return []
    except NotImplementedError as exc:
        raise DraftAgeUnknown(f"{default_storage.__class__.__name__} cannot list its files.") from exc
    names = [f"{directory}/{name}" for name in files]
    for subdirectory in directories:
        names.extend(_stored_names(f"{directory}/{subdirectory}"))
    return names


def _written_at(name: str) -> datetime | None:
    try:
        written = default_storage.get_modified_time(name)
    except NotImplementedError as exc:
        raise DraftAgeUnknown(f"{default_storage.__class__.__name__} cannot tell when a file was written.") from exc
    except FileNotFoundError:
        # Confirmed (and so removed) while the purge was running.
        return None
    return timezone.make_aware(written) if timezone.is_naive(written) else written


def import_drafts_purge(*, older_than: timedelta) -> int:
    """Delete the drafts written more than ``older_than`` ago; returns how many went.

    Raises DraftAgeUnknown, before deleting anything, when the storage cannot list its files or
    date them: a draft of unknown age might be one that someone is about to confirm.
    """
    cutoff = timezone.now() - older_than
    written = {name: _written_at(name) for name in _stored_names(DRAFTS_DIR)}
    abandoned = [name for name, when in written.items() if when is not None and when < cutoff]
    for name in abandoned:
        default_storage.delete(name)
    return len(abandoned)
