"""Request bodies: JSON capped at 1 MB, and no text a database cannot store or nobody should send.

Every string of a body (JSON, form or multipart fields) is checked once, here, before any view
sees it: a NUL character (PostgreSQL refuses it) or a lone UTF-16 surrogate such as ``\\ud800``
(it cannot be encoded, so neither database can store it) is a 400 naming the field, never a 500
from deep inside a save. Lengths are the input serializers' business: every text field has one.
"""

import io
import re
from typing import Any

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser

_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class RequestTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "too_large"


def text_problems(value: str) -> list[str]:
    """What is wrong with one string of a request (empty when nothing is)."""
    problems = []
    if "\x00" in value:
        problems.append("Text cannot contain NUL (\\u0000) characters.")
    if _LONE_SURROGATE.search(value):
        problems.append("Text must be valid Unicode; it contains a lone surrogate such as \\ud800.")
    return problems


def _printable(key: Any) -> str:
    return _LONE_SURROGATE.sub("?", str(key)).replace("\x00", "?")


def unsafe_text_errors(data: Any, path: str = "") -> dict[str, list[str]]:
    """Errors for every unsafe string in ``data``, keyed by its field (``bank_accounts.0.iban``)."""
    errors: dict[str, list[str]] = {}
    if isinstance(data, str):
        problems = text_problems(data)
        if problems:
            errors[path or "non_field_errors"] = problems
    elif isinstance(data, dict):
        for key, value in data.items():
            name = f"{path}.{_printable(key)}" if path else _printable(key)
            key_problems = text_problems(str(key))
            if key_problems:
                errors[name] = [f"Field name: {problem}" for problem in key_problems]
            errors.update(unsafe_text_errors(value, name))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            errors.update(unsafe_text_errors(value, f"{path}.{index}" if path else str(index)))
    return errors


def _check_text(data: Any) -> None:
    errors = unsafe_text_errors(data)
    if errors:
        raise ValidationError(errors)


def _check_fields(data) -> None:
    """A form's fields, each value under its field's name (a field may repeat)."""
    errors: dict[str, list[str]] = {}
    for key, values in data.lists():
        for value in values:
            errors.update(unsafe_text_errors({key: value}))
    if errors:
        raise ValidationError(errors)


class LimitedJSONParser(JSONParser):
    """JSON bodies are capped at 1 MB, whatever Content-Length claims."""

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_JSON_BODY_BYTES
        too_large = f"The JSON body is larger than {limit // (1024 * 1024)} MB."
        request = (parser_context or {}).get("request")
        declared = request.META.get("CONTENT_LENGTH") if request is not None else None
        if declared and declared.isdigit() and int(declared) > limit:
            raise RequestTooLarge(too_large)
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise RequestTooLarge(too_large)
        if not raw.strip():
            return {}
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except ParseError as exc:
            raise ParseError(f"Malformed JSON: {exc.detail}") from exc
        _check_text(data)
        return data


class CheckedFormParser(FormParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        _check_fields(data)
        return data


class CheckedMultiPartParser(MultiPartParser):
    """Multipart fields are checked like JSON strings; uploaded files are the importer's to judge."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        _check_fields(parsed.data)
        return parsed
