"""Pure validation and normalization of tax IDs and contact data (no database access).

Each ``normalize_*`` function returns the value in the form it is stored in, or raises
``django.core.exceptions.ValidationError`` with a message a user can act on.
"""

import re
from dataclasses import dataclass
from functools import cache, lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, SUPPORTED_REGIONS, PhoneMetadata

TAX_ID_INVALID = "The tin format is invalid."
PHONE_INVALID = "Enter a valid phone number, for example +254712345678."

KRA_PIN_RE = re.compile(r"^[PA]\d{9}[A-Z]$")
NIT_RE = re.compile(r"^(\d{6,10})(?:-?(\d))?$")
NIT_WEIGHTS = (3, 7, 13, 17, 19, 23, 29, 37, 41, 43, 47, 53, 59, 67, 71)
CVR_RE = re.compile(r"^\d{8}$")
CVR_WEIGHTS = (2, 7, 6, 5, 4, 3, 2, 1)
GHANA_TIN_RE = re.compile(r"^(?:[PCGQV]00\d{8}|GHA-\d{9}-\d)$")
CUSTOMER_NO_RE = re.compile(r"^[A-Za-z0-9_./-]{1,50}$")
FREE_TAX_ID_MAX = 50

# VAT number formats after the two-letter prefix (Greece uses EL; XI is Northern Ireland).
EU_VAT_FORMATS = {
    "AT": r"U\d{8}",
    "BE": r"[01]\d{9}",
    "BG": r"\d{9,10}",
    "CY": r"\d{8}[A-Z]",
    "CZ": r"\d{8,10}",
    "DE": r"\d{9}",
    "DK": r"\d{8}",
    "EE": r"\d{9}",
    "EL": r"\d{9}",
    "ES": r"[A-Z0-9]\d{7}[A-Z0-9]",
    "FI": r"\d{8}",
    "FR": r"[A-HJ-NP-Z0-9]{2}\d{9}",
    "HR": r"\d{11}",
    "HU": r"\d{8}",
    "IE": r"\d{7}[A-W][A-I]?|\d[A-Z+*]\d{5}[A-W]",
    "IT": r"\d{11}",
    "LT": r"\d{9}|\d{12}",
    "LU": r"\d{8}",
    "LV": r"\d{11}",
    "MT": r"\d{8}",
    "NL": r"\d{9}B\d{2}",
    "PL": r"\d{10}",
    "PT": r"\d{9}",
    "RO": r"\d{2,10}",
    "SE": r"\d{10}01",
    "SI": r"\d{8}",
    "SK": r"\d{10}",
    "XI": r"\d{9}|\d{12}|GD\d{3}|HA\d{3}",
}
EU_VAT_RES = {prefix: re.compile(rf"^(?:{pattern})$") for prefix, pattern in EU_VAT_FORMATS.items()}
# ISO country code → VAT prefix where they differ.
VAT_PREFIX_FOR_COUNTRY = {"GR": "EL"}
EU_COUNTRIES = {code for code in EU_VAT_FORMATS if code not in {"EL", "XI"}} | {"GR"}


def compact(value: str) -> str:
    """Upper-case without spaces, dots or slashes: the stored form of an identifier."""
    return re.sub(r"[\s./]", "", value or "").upper()


def nit_check_digit(number: str) -> int:
    total = sum(int(digit) * weight for digit, weight in zip(reversed(number), NIT_WEIGHTS, strict=False))
    remainder = total % 11
    return remainder if remainder < 2 else 11 - remainder


def is_valid_kra_pin(value: str) -> bool:
    return bool(KRA_PIN_RE.match(value))


def is_valid_nit(value: str) -> bool:
    match = NIT_RE.match(value)
    if not match:
        return False
    number, check = match.groups()
    return check is None or int(check) == nit_check_digit(number)


def is_valid_cvr(value: str) -> bool:
    if not CVR_RE.match(value):
        return False
    return sum(int(digit) * weight for digit, weight in zip(value, CVR_WEIGHTS, strict=True)) % 11 == 0


def is_valid_ghana_tin(value: str) -> bool:
    return bool(GHANA_TIN_RE.match(value))


def is_valid_eu_vat(value: str) -> bool:
    pattern = EU_VAT_RES.get(value[:2])
    return bool(pattern and pattern.match(value[2:]))


def normalize_tax_id(value: str, country: str) -> str:
    """Validate ``value`` by the rule of ``country`` (SPEC §7) and return its stored form."""
    country = (country or "").upper()
    tax_id = compact(value)
    if not tax_id:
        return ""
    if country == "KE":
        valid = is_valid_kra_pin(tax_id)
    elif country == "CO":
        valid = is_valid_nit(tax_id)
    elif country == "DK":
        tax_id = tax_id.removeprefix("DK")
        valid = is_valid_cvr(tax_id)
    elif country == "GH":
        valid = is_valid_ghana_tin(tax_id)
    elif country in EU_COUNTRIES:
        prefix = VAT_PREFIX_FOR_COUNTRY.get(country, country)
        # Greek numbers are often written with the ISO code; the VAT prefix is EL.
        tax_id = prefix + tax_id[len(country) :] if tax_id.startswith(country) else tax_id
        if not tax_id.startswith(prefix):
            tax_id = prefix + tax_id
        valid = is_valid_eu_vat(tax_id)
    else:
        valid = len(tax_id) <= FREE_TAX_ID_MAX
    if not valid:
        raise ValidationError(TAX_ID_INVALID, code="invalid_tax_id")
    return tax_id


def normalize_vat_number(value: str) -> str:
    """A VAT group number: checked against its EU format when it carries an EU prefix."""
    vat = compact(value)
    if not vat:
        return ""
    if vat[:2] in EU_VAT_RES and not is_valid_eu_vat(vat):
        raise ValidationError("The VAT number format is invalid.", code="invalid_vat")
    if len(vat) > FREE_TAX_ID_MAX:
        raise ValidationError(f"Use at most {FREE_TAX_ID_MAX} characters.", code="max_length")
    return vat


def normalize_phone(value: str, region: str) -> str:
    """Parse a phone written any way, in ``region`` unless it starts with +, and return E.164."""
    raw = (value or "").strip()
    if not raw:
        return ""
    plain = _plain_phone_e164(raw, (region or "").upper())
    if plain is not None:
        return plain
    try:
        number = phonenumbers.parse(raw, (region or "").upper() or None)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(PHONE_INVALID, code="invalid_phone") from exc
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(PHONE_INVALID, code="invalid_phone")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


# ---------------------------------------------------------------------------------------------
# Phones written plainly, without phonenumbers' general parser
#
# phonenumbers.parse handles every way a number can be written (letters, extensions, RFC 3966,
# international dialling prefixes) and costs tens of microseconds; an import of 100,000 rows
# spends seconds in it. Most numbers are written in one of two plain ways: E.164 (+254712345678)
# or the national form of the customer's country (0712 345 678). For those the steps parse and
# is_valid_number take are few and are followed here with phonenumbers' own metadata. Whenever a
# step could go another way (a national prefix that might be stripped, an international dialling
# prefix, a leading zero, a calling code shared by several regions) or the number is not valid,
# None sends it to phonenumbers itself, so the outcome is always the one phonenumbers gives.

PLAIN_E164 = re.compile(r"\+([1-9][0-9]{6,14})")
PLAIN_NATIONAL = re.compile(r"[0-9]+(?:[ -][0-9]+)*")
PLAIN_NATIONAL_MAX_LENGTH = 24
MAX_CALLING_CODE_LENGTH = 3


@dataclass(frozen=True)
class _NumberingPlan:
    """What parse and is_valid_number read from a calling code's metadata."""

    country_code: int
    single_region: bool  # is_valid_number's region lookup is then the only region
    national_prefix: re.Pattern | None  # national_prefix_for_parsing
    literal_national_prefix: str | None  # the same, when it is plain digits without a transform rule
    international_prefix: re.Pattern | None
    general_lengths: frozenset[int]
    general: re.Pattern | None
    # Per length, the union of the patterns of every number type that allows it (fixed line,
    # mobile, toll free, ...): a number is valid when the general pattern and one of them match.
    valid_by_length: dict[int, re.Pattern]

    def is_valid(self, national_number: str) -> bool:
        length = len(national_number)
        if length not in self.general_lengths or self.general is None:
            return False
        pattern = self.valid_by_length.get(length)
        return (
            pattern is not None
            and self.general.fullmatch(national_number) is not None
            and pattern.fullmatch(national_number) is not None
        )


def _compiled(pattern: str | None) -> re.Pattern | None:
    return re.compile(pattern) if pattern else None


def _numbering_plan(metadata) -> _NumberingPlan | None:
    general = metadata.general_desc
    if general is None or not general.possible_length or not general.national_number_pattern:
        return None
    types = [
        metadata.premium_rate,
        metadata.toll_free,
        metadata.shared_cost,
        metadata.voip,
        metadata.personal_number,
        metadata.pager,
        metadata.uan,
        metadata.voicemail,
        metadata.fixed_line,
        metadata.mobile,
    ]
    valid_by_length: dict[int, re.Pattern] = {}
    for length in general.possible_length:
        patterns = [
            desc.national_number_pattern
            for desc in types
            if desc is not None
            and desc.national_number_pattern
            and (not desc.possible_length or length in desc.possible_length)
        ]
        if patterns:
            valid_by_length[length] = re.compile("|".join(f"(?:{pattern})" for pattern in patterns))
    prefix = metadata.national_prefix_for_parsing or None
    literal = prefix if prefix and prefix.isdigit() and not metadata.national_prefix_transform_rule else None
    return _NumberingPlan(
        country_code=metadata.country_code,
        single_region=len(COUNTRY_CODE_TO_REGION_CODE.get(metadata.country_code, ())) == 1,
        national_prefix=_compiled(prefix),
        literal_national_prefix=literal,
        international_prefix=_compiled(metadata.international_prefix),
        general_lengths=frozenset(general.possible_length),
        general=re.compile(general.national_number_pattern),
        valid_by_length=valid_by_length,
    )


@cache
def _plan_for_calling_code(country_code: int) -> _NumberingPlan | None:
    """The plan parse uses for numbers written with this calling code (None for non-geographic codes)."""
    regions = COUNTRY_CODE_TO_REGION_CODE.get(country_code)
    if not regions or regions[0] not in SUPPORTED_REGIONS:
        return None
    metadata = PhoneMetadata.metadata_for_region(regions[0], None)
    return _numbering_plan(metadata) if metadata is not None else None


@cache
def _plan_for_region(region: str) -> _NumberingPlan | None:
    if region not in SUPPORTED_REGIONS:
        return None
    plan = _plan_for_calling_code(PhoneMetadata.metadata_for_region(region).country_code)
    # A calling code shared by several regions: which one is_valid_number picks depends on the number.
    return plan if plan is not None and plan.single_region else None


def _plain_e164_parts(number: str) -> tuple[_NumberingPlan, str] | None:
    """The plan and national number parse(number) gives, for "+" and digits that parse takes as they are."""
    match = PLAIN_E164.fullmatch(number)
    if match is None:
        return None
    digits = match.group(1)
    for size in range(1, MAX_CALLING_CODE_LENGTH + 1):
        country_code = int(digits[:size])
        if country_code in COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return None
    plan = _plan_for_calling_code(country_code)
    national = digits[size:]
    if plan is None or national.startswith("0"):
        return None
    if plan.national_prefix is not None and plan.national_prefix.match(national):
        return None  # parse might strip it
    return plan, national


def _plain_phone_e164(raw: str, region: str) -> str | None:
    """E.164 of a valid number written as +digits or in ``region``'s plain national form; None otherwise."""
    if len(raw) > PLAIN_NATIONAL_MAX_LENGTH:
        return None
    if raw.startswith("+"):
        if PLAIN_NATIONAL.fullmatch(raw, 1) is None:
            return None
        e164 = "+" + raw[1:].replace(" ", "").replace("-", "")
        parts = _plain_e164_parts(e164)
        if parts is None:
            return None
        plan, national = parts
        return e164 if plan.single_region and plan.is_valid(national) else None
    if PLAIN_NATIONAL.fullmatch(raw) is None:
        return None
    plan = _plan_for_region(region) if region else None
    if plan is None or (plan.national_prefix is not None and plan.literal_national_prefix is None):
        return None
    digits = raw.replace(" ", "").replace("-", "")
    if plan.international_prefix is not None and plan.international_prefix.match(digits):
        return None
    if digits.startswith(str(plan.country_code)):
        return None
    prefix = plan.literal_national_prefix
    national = digits[len(prefix) :] if prefix and digits.startswith(prefix) else digits
    if not national or national.startswith("0") or not plan.is_valid(national):
        return None
    return f"+{plan.country_code}{national}"


def e164_national_number(e164: str) -> str | None:
    """``str(phonenumbers.parse(e164, None).national_number)`` when it can be read off the digits; else None."""
    parts = _plain_e164_parts(e164)
    return parts[1] if parts is not None else None


# ---------------------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _email_domain_is_valid(domain: str) -> bool:
    return domain in validate_email.domain_allowlist or validate_email.validate_domain_part(domain)


@cache
def _email_user_regex() -> re.Pattern:
    # The validator's own pattern, compiled here: its attribute is a lazy object, slow to reach per call.
    lazy = validate_email.user_regex
    return re.compile(lazy.pattern, lazy.flags)


def is_valid_email(email: str) -> bool:
    """validate_email's verdict, with the verdict on each domain remembered (a file repeats its domains)."""
    if not email or "@" not in email or len(email) > 320:
        return False
    user, domain = email.rsplit("@", 1)
    return _email_user_regex().match(user) is not None and _email_domain_is_valid(domain)


def normalize_email(value: str) -> str:
    email = (value or "").strip().lower()
    if email and not is_valid_email(email):
        validate_email(email)
    return email


def validate_customer_no(value: str) -> None:
    if not CUSTOMER_NO_RE.match(value or ""):
        raise ValidationError(
            "Use up to 50 letters, digits or the characters - _ / . (no spaces).", code="invalid_customer_no"
        )


def normalize_iban(value: str) -> str:
    iban = re.sub(r"\s", "", value or "").upper()
    if not iban:
        return ""
    if not re.match(r"^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$", iban):
        raise ValidationError("The IBAN format is invalid.", code="invalid_iban")
    rearranged = iban[4:] + iban[:4]
    digits = "".join(str(int(char, 36)) for char in rearranged)
    if int(digits) % 97 != 1:
        raise ValidationError("The IBAN check digits are wrong.", code="invalid_iban")
    return iban


def validate_ean13(value: str) -> None:
    if not value:
        return
    if not re.match(r"^\d{13}$", value):
        raise ValidationError("An EAN number has exactly 13 digits.", code="invalid_ean")
    digits = [int(char) for char in value]
    checksum = sum(digit * (3 if index % 2 else 1) for index, digit in enumerate(digits[:12]))
    if (10 - checksum % 10) % 10 != digits[12]:
        raise ValidationError("The EAN check digit is wrong.", code="invalid_ean")


METADATA_MAX_KEYS = 50
METADATA_MAX_KEY_LENGTH = 40
METADATA_MAX_VALUE_LENGTH = 500


def validate_metadata(value) -> None:
    if value in (None, {}):
        return
    if not isinstance(value, dict):
        raise ValidationError("Metadata must be an object of string keys and string values.", code="invalid")
    if len(value) > METADATA_MAX_KEYS:
        raise ValidationError(f"Metadata can hold at most {METADATA_MAX_KEYS} keys.", code="too_many_keys")
    for key, item in value.items():
        if not isinstance(key, str) or not key or len(key) > METADATA_MAX_KEY_LENGTH:
            raise ValidationError(
                f"Metadata key {key!r} must be 1 to {METADATA_MAX_KEY_LENGTH} characters.", code="invalid_key"
            )
        if not isinstance(item, str) or len(item) > METADATA_MAX_VALUE_LENGTH:
            raise ValidationError(
                f"Metadata value of {key!r} must be a string of at most {METADATA_MAX_VALUE_LENGTH} characters.",
                code="invalid_value",
            )
