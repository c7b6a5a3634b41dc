"""The shorter paths bulk validation takes decide exactly as the general ones they stand in for."""

import random
from decimal import Decimal

import phonenumbers
import pytest
from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from customers.models import Customer
from customers.services.imports import MODEL_CHECKED_FIELDS, _field_cleaner
from customers.validators import (
    PHONE_INVALID,
    _plain_phone_e164,
    e164_national_number,
    is_valid_email,
    normalize_phone,
)


def _phonenumbers_e164(raw: str, region: str) -> str:
    """What normalize_phone returns, computed by phonenumbers alone (its general path)."""
    raw = raw.strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, region.upper() or None)
    except phonenumbers.NumberParseException:
        return PHONE_INVALID
    if not phonenumbers.is_valid_number(number):
        return PHONE_INVALID
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _normalized(raw: str, region: str) -> str:
    try:
        return normalize_phone(raw, region)
    except ValidationError as exc:
        return exc.messages[0]


def _phone_sample(rng: random.Random) -> list[tuple[str, str]]:
    regions = sorted(phonenumbers.SUPPORTED_REGIONS)
    sample = []
    for region in regions:
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            example = phonenumbers.example_number_for_type(region, kind)
            if example is None:
                continue
            national = phonenumbers.national_significant_number(example)
            changed = list(national)
            changed[rng.randrange(len(changed))] = str(rng.randrange(10))
            written = [
                phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.E164),
                phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.INTERNATIONAL),
                phonenumbers.format_number(example, phonenumbers.PhoneNumberFormat.NATIONAL),
                national,
                "0" + national,
                f"+{example.country_code}{''.join(changed)}",
                "".join(changed),
                national[:-2],
                f"{example.country_code}{national}",
            ]
            for text in written:
                sample += [(text, region), (text, rng.choice(regions)), (text, "KE"), (text, "")]
    for _ in range(3000):
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randrange(4, 15)))
        code = str(rng.choice(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)))
        text = rng.choice([f"+{code}{digits}", f"+{code} {digits[:3]} {digits[3:]}", digits, f"0{digits}"])
        sample.append((text, rng.choice(["KE", "CO", "DK", "GH", "GB", "US", "IT", "BR", "AR", "ke", "XX", ""])))
    return sample


def test_phones_are_normalized_exactly_as_phonenumbers_does():
    sample = _phone_sample(random.Random(7))

    assert [_normalized(raw, region) for raw, region in sample] == [
        _phonenumbers_e164(raw, region) for raw, region in sample
    ]
    # Most valid numbers written plainly took the shorter path.
    assert sum(_plain_phone_e164(raw, region.upper()) is not None for raw, region in sample) > 1000


def test_the_national_number_of_an_e164_phone_is_the_one_phonenumbers_reads():
    rng = random.Random(11)
    codes = sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)
    numbers = [
        f"+{rng.choice(codes)}{''.join(rng.choice('0123456789') for _ in range(rng.randrange(5, 13)))}"
        for _ in range(5000)
    ]

    for number in numbers:
        national = e164_national_number(number)
        if national is not None:
            assert national == str(phonenumbers.parse(number, None).national_number), number
    assert sum(e164_national_number(number) is not None for number in numbers) > 2000


EMAILS = [
    "jane@wanjiku.co.ke",
    "Jane.Doe+tag@Example.COM",
    "user@localhost",
    "user@[127.0.0.1]",
    "user@[::1]",
    "user@[300.1.1.1]",
    '"quoted name"@example.com',
    "no-at-sign.example.com",
    "two@@example.com",
    "a@b",
    "a@-bad-.com",
    "a@exa_mple.com",
    "josé@café.co",
    "user@xn--caf-dma.co",
    "trailing.dot@example.com.",
    "x" * 64 + "@example.com",
    "y" * 320 + "@example.com",
    "",
    " spaced@example.com",
]


@pytest.mark.parametrize("email", EMAILS)
def test_emails_are_judged_as_django_judges_them(email):
    try:
        validate_email(email)
    except ValidationError:
        expected = False
    else:
        expected = True

    assert is_valid_email(email) is expected
    assert is_valid_email(email) is expected  # and the same again, from the remembered domain


FIELD_VALUES = [
    "Jane Wanjiku",
    "x" * 256,
    "x" * 501,
    "nul\x00char",
    "",
    "KE",
    "Kenya",
    "ke",
    "KES",
    "en",
    "EN",
    "individual",
    "company",
    "Company",
    "domestic",
    "CUST-0001",
    "CUST 0001",
    "4006381333931",
    "4006381333932",
    "https://wanjiku.co.ke",
    "not a site",
    "jane@wanjiku.co.ke",
    "jane@",
    Decimal("2.50"),
    Decimal("100.00"),
    Decimal("100.01"),
    Decimal("-5.00"),
    Decimal("0.001"),
    Decimal("12345678901234567.00"),
    Decimal("NaN"),
    Decimal("Infinity"),
    {"erp_id": "1001"},
    {"k": 1},
    2.5,
]


@pytest.mark.parametrize("name", sorted(MODEL_CHECKED_FIELDS))
def test_model_fields_are_cleaned_exactly_as_full_clean_cleans_them(name):
    field = Customer._meta.get_field(name)
    clean = _field_cleaner(field)

    for value in FIELD_VALUES:
        try:
            expected = ("value", field.clean(value, None))
        except ValidationError as exc:
            expected = ("errors", exc.messages)
        try:
            cleaned = ("value", clean(value))
        except ValidationError as exc:
            cleaned = ("errors", exc.messages)
        assert cleaned == expected, (name, value)
        if expected[0] == "value":
            assert type(cleaned[1]) is type(expected[1]) and str(cleaned[1]) == str(expected[1])
