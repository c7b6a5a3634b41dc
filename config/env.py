"""The one place that reads the process environment for settings."""

import os

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None:
        if default is None:
            raise ImproperlyConfigured(f"The environment variable {name} is required.")
        return default
    return value


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"The environment variable {name} must be true or false, not {value!r}.")


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    try:
        return int(value)
    except ValueError as exc:
        raise ImproperlyConfigured(f"The environment variable {name} must be an integer, not {value!r}.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env_str(name, default).split(",") if item.strip()]


def env_database(name: str, default: str | None = None, **options) -> dict:
    """Django's DATABASES entry for the URL in ``name``; ``options`` go to dj_database_url.parse."""
    url = env_str(name, default)
    try:
        return dj_database_url.parse(url, **options)
    except ValueError as exc:
        # The URL itself is left out of the message: it may carry a password.
        raise ImproperlyConfigured(
            f"The environment variable {name} must be a database URL such as "
            f"postgres://user:password@host:5432/name ({exc.__class__.__name__})."
        ) from exc
