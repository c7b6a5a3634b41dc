"""JSON rendering that keeps money exact: Decimals are written as numbers with their two decimals."""

import datetime
import uuid
from decimal import Decimal

import simplejson
from django.utils.functional import Promise
from rest_framework.renderers import JSONRenderer


def _default(value):
    if isinstance(value, Decimal):
        # Written as the number it is (100.50, not the float 100.5). SQLite's float arithmetic can
        # leave a balance at -0.00; nobody should read that.
        if value.is_zero() and value.is_signed():
            value = value.copy_abs()
        return simplejson.RawJSON(str(value))
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


class EnvelopeJSONRenderer(JSONRenderer):
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        # Without use_decimal, Decimals reach _default one by one: the answer is not walked for them first.
        return simplejson.dumps(data, default=_default, use_decimal=False, ensure_ascii=False).encode()
