"""Optimistic concurrency: a write states which version of a row it was based on.

A row's version is its ``updated_at``. The API sends it as an ETag and reads it back from
If-Match; a form can carry it in a hidden field. The services compare it under the row's lock,
so two editors who read the same version cannot both write: the second is told to fetch again.
"""

from datetime import datetime

from django.db import models

from core.exceptions import PreconditionFailed


def version_check(*, instance: models.Model, expected_updated_at: datetime | None, noun: str) -> None:
    """Lock ``instance``'s row and refuse the write if it changed since the caller's version.

    Call inside the service's transaction. Without an expected version nothing is checked, so
    callers that do not track versions keep working.
    """
    if expected_updated_at is None:
        return
    current = (
        type(instance)
        ._default_manager.select_for_update()
        .filter(pk=instance.pk)
        .values_list("updated_at", flat=True)
        .first()
    )
    if current != expected_updated_at:
        raise PreconditionFailed(f"The {noun} changed since you read it; fetch it again.")
