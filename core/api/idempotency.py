"""Idempotent POSTs: a retry with the same ``Idempotency-Key`` gets the first answer, not a second write.

The contract follows Stripe's. A key names one request of one caller (an API key or a signed-in
user) in one organization for 24 hours:

- the first request with the key runs; its answer (2xx or 4xx) is kept;
- a retry with the same key, method, path and body gets that answer again, with the header
  ``Idempotent-Replayed: true``, and nothing is written twice;
- the same key with another request, or from another caller, is a 422;
- a retry while the first request is still running is a 409;
- a 5xx answer is not kept: the key is free for another try.

The key's row is inserted and committed before the request's work starts (requests do not run in
one transaction, ATOMIC_REQUESTS is off), so a concurrent duplicate finds it, and the unique
constraint on (organization, key) settles two that arrive at the same moment.
"""

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from rest_framework.exceptions import ValidationError

from accounts.models import Organization
from core.exceptions import Conflict, DomainError
from core.models import IdempotencyRecord, IdempotencyStatus

HEADER = "Idempotency-Key"
META_HEADER = "HTTP_IDEMPOTENCY_KEY"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255
RETENTION = timedelta(hours=24)
# Headers of the first answer that a replay carries too.
KEPT_HEADERS = ("ETag", "Location", "Content-Type")


class IdempotencyKeyReused(DomainError):
    status_code = 422
    default_message = "This Idempotency-Key was already used for a different request; send a new key for a new request."

    def __init__(self, message: str | None = None):
        super().__init__(message, field=HEADER)


class IdempotentRequestInProgress(Conflict):
    default_message = "A request with this Idempotency-Key is still being processed; retry once it has finished."

    def __init__(self, message: str | None = None):
        super().__init__(message, field=HEADER)


class IdempotentReplay(Exception):
    """Carries a kept answer out of the view's checks, in place of running the view."""

    def __init__(self, response: HttpResponse):
        super().__init__("replayed")
        self.response = response


def idempotency_key_from(request) -> str | None:
    """The request's key, or None without one; a key that is empty or too long is a 400."""
    key = request.META.get(META_HEADER)
    if key is None:
        return None
    key = key.strip()
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationError({HEADER: [f"Send a key of 1 to {MAX_KEY_LENGTH} characters (a UUID is a good choice)."]})
    return key


def actor_fingerprint(access) -> str:
    if access.api_key is not None:
        return f"key:{access.api_key.pk}"
    return f"user:{access.user.pk}"


def _canonical(value: Any) -> Any:
    """The body as plain JSON values, so the same document hashes the same whatever its key order."""
    if isinstance(value, MultiValueDict):
        return {key: [_canonical(item) for item in value.getlist(key)] for key in value}
    if isinstance(value, dict):
        return {str(key): _canonical(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    return value


def request_fingerprint(*, method: str, path: str, data: Any) -> str:
    # A trailing slash is optional on every route, so it does not make a different request.
    body = json.dumps(_canonical(data), sort_keys=True, separators=(",", ":"), ensure_ascii=True, default=str)
    return hashlib.sha256(f"{method}\n{path.rstrip('/')}\n{body}".encode()).hexdigest()


def replay_response(record: IdempotencyRecord) -> HttpResponse:
    response = HttpResponse(record.response_body.encode(), status=record.response_status)
    for name, value in record.response_headers.items():
        response[name] = value
    response[REPLAYED_HEADER] = "true"
    return response


def idempotency_begin(*, organization: Organization, key: str, actor: str, fingerprint: str) -> IdempotencyRecord:
    """Claim ``key`` for this request, or raise what a retry of an earlier request gets instead.

    Raises IdempotentReplay with the kept answer, IdempotentRequestInProgress while the first
    request runs, and IdempotencyKeyReused for a different request under the same key.
    """
    # Two rounds at most: an expired (or just released) row is removed and the claim tried again.
    for _ in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    organization=organization, key=key, actor_fingerprint=actor, request_fingerprint=fingerprint
                )
        except IntegrityError:
            pass
        existing = IdempotencyRecord.objects.filter(organization=organization, key=key).first()
        if existing is None:
            continue
        if existing.created_at < timezone.now() - RETENTION:
            IdempotencyRecord.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        if existing.actor_fingerprint != actor:
            raise IdempotencyKeyReused(
                "This Idempotency-Key was already used by another API key or user; send a new key."
            )
        if existing.request_fingerprint != fingerprint:
            raise IdempotencyKeyReused()
        if existing.status == IdempotencyStatus.IN_PROGRESS:
            raise IdempotentRequestInProgress()
        raise IdempotentReplay(replay_response(existing))
    raise IdempotentRequestInProgress()


def idempotency_finish(*, record: IdempotencyRecord, response: HttpResponse) -> None:
    """Keep a 2xx or 4xx answer for the retries; free the key after a 5xx."""
    if response.status_code >= 500:
        idempotency_release(record=record)
        return
    if hasattr(response, "render") and not getattr(response, "is_rendered", True):
        response.render()
    record.status = IdempotencyStatus.COMPLETED
    record.response_status = response.status_code
    record.response_body = response.content.decode("utf-8")
    record.response_headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    record.completed_at = timezone.now()
    record.save(update_fields=["status", "response_status", "response_body", "response_headers", "completed_at"])


def idempotency_release(*, record: IdempotencyRecord) -> None:
    IdempotencyRecord.objects.filter(pk=record.pk).delete()


def idempotency_purge(*, older_than: timedelta = RETENTION) -> int:
    """Delete the keys past their retention; returns how many went."""
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted
