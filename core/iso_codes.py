"""Validators of the ISO codes customers and organizations carry: countries, currencies and languages.

The lists come from pycountry (the ISO 3166-1, ISO 4217 and ISO 639 databases), read once per
process when first needed.
"""

from functools import cache

import pycountry
from django.core.exceptions import ValidationError

# Kosovo's code is user-assigned in ISO 3166-1 but used by the EU, banks and phone numbering.
EXTRA_COUNTRIES = {"XK": "Kosovo"}
EXTRA_COUNTRY_CODES = frozenset(EXTRA_COUNTRIES)


@cache
def country_codes() -> frozenset[str]:
    return frozenset(country.alpha_2 for country in pycountry.countries) | EXTRA_COUNTRY_CODES


@cache
def currency_codes() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


@cache
def language_codes() -> frozenset[str]:
    return frozenset(language.alpha_2 for language in pycountry.languages if hasattr(language, "alpha_2"))


def _require_listed(value: str, codes: frozenset[str], message: str) -> None:
    if value not in codes:
        raise ValidationError(message, code="invalid")


def iso_country(value: str) -> None:
    _require_listed(value, country_codes(), "Use an ISO 3166-1 alpha-2 country code, for example KE.")


def iso_currency(value: str) -> None:
    _require_listed(value, currency_codes(), "Use an ISO 4217 currency code, for example KES.")


def iso_language(value: str) -> None:
    _require_listed(value, language_codes(), "Use an ISO 639-1 language code, for example en.")


@cache
def country_label(code: str) -> str:
    """A country as a reader knows it, with its code: "Kenya (KE)"; the code alone if it has no name."""
    country = pycountry.countries.get(alpha_2=code) if code else None
    name = (getattr(country, "common_name", None) or country.name) if country else EXTRA_COUNTRIES.get(code)
    return f"{name} ({code})" if name else code


@cache
def language_label(code: str) -> str:
    """A language as a reader knows it, with its code: "Swahili (sw)"; the code alone if it has no name."""
    language = pycountry.languages.get(alpha_2=code) if code else None
    # ISO 639's qualifier ("Swahili (macrolanguage)") says nothing to a reader of the sheet.
    return f"{language.name.split(' (')[0]} ({code})" if language else code
