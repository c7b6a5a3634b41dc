"""ETag and If-Match (RFC 9110 §8.8.3, §13.1.1) for records edited through the API.

A record's entity tag is a strong validator built from its primary key and ``updated_at``, to the
microsecond: it changes with every save of the record. A client that sends it back in If-Match
on PATCH, PUT or DELETE changes the record only if nobody else did in between; the comparison
itself runs in the service, under the row's lock (see core.concurrency).
"""

import re
from datetime import UTC, datetime, timedelta

from django.db import models
from django.utils.cache import parse_etags

from core.exceptions import PreconditionFailed

IF_MATCH_HEADER = "HTTP_IF_MATCH"
_TAG = re.compile(r'^"(?P<pk>[0-9]+)-(?P<micros>[0-9]{1,20})"$')
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _micros(moment: datetime) -> int:
    delta = moment.astimezone(UTC) - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def etag_for(instance: models.Model) -> str:
    return f'"{instance.pk}-{_micros(instance.updated_at)}"'


def _version_of(tag: str, *, instance: models.Model) -> datetime | None:
    """The ``updated_at`` a tag of this record stands for; None for a weak tag or another record's tag."""
    match = _TAG.match(tag)
    if match is None or match["pk"] != str(instance.pk):
        return None
    try:
        return _EPOCH + timedelta(microseconds=int(match["micros"]))
    except OverflowError:
        return None


def expected_version(request, *, instance: models.Model, noun: str) -> datetime | None:
    """The version an If-Match header asks the write to be based on; None when there is no condition.

    ``*`` matches any current record (the record was found, so it holds). Weak tags never match
    (If-Match uses the strong comparison), and neither do tags of other records: those answer
    412 at once.
    """
    header = request.META.get(IF_MATCH_HEADER)
    if header is None:
        return None
    tags = parse_etags(header)
    if tags == ["*"]:
        return None
    versions = [version for tag in tags if (version := _version_of(tag, instance=instance)) is not None]
    if not versions:
        raise PreconditionFailed(f"The {noun} changed since you read it; fetch it again.")
    # With several tags, the one naming the version just read is the only one that can match.
    return instance.updated_at if instance.updated_at in versions else versions[0]
