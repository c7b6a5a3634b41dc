"""The timezone names an organization may carry: those of the IANA database that zoneinfo can load."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.core.exceptions import ValidationError


def validate_timezone(value: str) -> None:
    # Every page, document and date filter of the organization reads its times in this zone.
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "Use a timezone of the IANA database, for example Africa/Nairobi.", code="invalid"
        ) from None
