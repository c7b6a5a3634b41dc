"""JSON rendering that keeps money exact: Decimals are written as numbers with their two decimals."""

import datetime
import uuid
from decimal import Decimal

import simplejson
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer


def _default(value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _without_negative_zero(value):
    """SQLite's float arithmetic can leave a balance at -0.00; nobody should read that."""
    if isinstance(value, Decimal):
        return value.copy_abs() if value.is_zero() and value.is_signed() else value
    if isinstance(value, dict):
        return {key: _without_negative_zero(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_negative_zero(item) for item in value]
    return value


class EnvelopeJSONRenderer(JSONRenderer):
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        # use_decimal writes Decimal('100.50') as 100.50, not as the float 100.5.
        data = _without_negative_zero(data)
        return simplejson.dumps(data, use_decimal=True, default=_default, ensure_ascii=False).encode()
