"""Tax IDs, bank and trade identifiers, phones, emails, customer numbers and metadata (SPEC §4, §7)."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from customers.validators import (
    PHONE_INVALID,
    TAX_ID_INVALID,
    compact,
    is_valid_cvr,
    is_valid_eu_vat,
    is_valid_ghana_tin,
    is_valid_kra_pin,
    is_valid_nit,
    nit_check_digit,
    normalize_email,
    normalize_iban,
    normalize_phone,
    normalize_tax_id,
    normalize_vat_number,
    validate_customer_no,
    validate_ean13,
    validate_metadata,
)


def assert_invalid_tax_id(value: str, country: str) -> None:
    with pytest.raises(ValidationError) as excinfo:
        normalize_tax_id(value, country)
    assert excinfo.value.messages == [TAX_ID_INVALID]


def test_compact_drops_spaces_dots_and_slashes_and_upper_cases():
    assert compact(" p051 234.567/x ") == "P051234567X"
    assert compact("") == ""


class TestKraPin:
    @pytest.mark.parametrize("pin", ["P051234567X", "A000123456B", "P000789012Y"])
    def test_valid(self, pin):
        assert is_valid_kra_pin(pin)
        assert normalize_tax_id(pin, "KE") == pin

    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("p051234567x", "P051234567X"),
            ("P051 234 567X", "P051234567X"),
            (" a000123456b ", "A000123456B"),
            ("p000123456x", "P000123456X"),
        ],
    )
    def test_lower_case_and_spaces_are_normalized(self, raw, stored):
        assert normalize_tax_id(raw, "KE") == stored

    @pytest.mark.parametrize(
        "pin",
        [
            "B051234567X",  # only P (individual) and A (non-individual)
            "X051234567X",
            "05123456789X",  # no letter prefix
            "P05123456X",  # 8 digits
            "P0512345678X",  # 10 digits
            "P051234567",  # no closing letter
            "P0512345679",  # a digit where the letter goes
            "P051234567XY",
        ],
    )
    def test_invalid(self, pin):
        assert not is_valid_kra_pin(pin)
        assert_invalid_tax_id(pin, "KE")

    def test_country_code_is_case_insensitive(self):
        assert normalize_tax_id("p051234567x", "ke") == "P051234567X"
        assert_invalid_tax_id("12345", "ke")


class TestColombianNit:
    # Published NITs with their DIAN check digits: DIAN itself, Ecopetrol, Bancolombia,
    # Almacenes Éxito, Avianca, Universidad Nacional de Colombia.
    REAL_NITS = ["800197268-4", "899999068-1", "890903938-8", "890900608-9", "890100577-6", "899999063-3"]

    @pytest.mark.parametrize("nit", REAL_NITS)
    def test_real_nits_are_valid(self, nit):
        body, check = nit.split("-")
        assert nit_check_digit(body) == int(check)
        assert is_valid_nit(nit)
        assert normalize_tax_id(nit, "CO") == nit

    @pytest.mark.parametrize("nit", REAL_NITS)
    def test_every_wrong_check_digit_is_rejected(self, nit):
        body, check = nit.split("-")
        for wrong in set("0123456789") - {check}:
            assert not is_valid_nit(f"{body}-{wrong}")
            assert_invalid_tax_id(f"{body}-{wrong}", "CO")

    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("800.197.268-4", "800197268-4"),  # the way NITs are printed on invoices
            ("800 197 268-4", "800197268-4"),
            ("8001972684", "8001972684"),  # check digit without the dash
            ("800197268", "800197268"),  # check digit is optional
            ("123456", "123456"),  # 6 digits
            ("1234567890", "1234567890"),  # 10 digits
        ],
    )
    def test_accepted_forms(self, raw, stored):
        assert normalize_tax_id(raw, "CO") == stored

    @pytest.mark.parametrize(
        "nit", ["12345", "12345678901-2", "800197268-", "800197268-45", "NIT800197268", "800-197268"]
    )
    def test_invalid_shapes(self, nit):
        assert_invalid_tax_id(nit, "CO")


class TestDanishCvr:
    # Published CVR numbers: 13585628 plus Novo Nordisk, A.P. Møller-Mærsk, Carlsberg, LEGO.
    @pytest.mark.parametrize("cvr", ["13585628", "24256790", "22756214", "61056416", "54562519"])
    def test_real_cvrs_are_valid(self, cvr):
        assert is_valid_cvr(cvr)
        assert normalize_tax_id(cvr, "DK") == cvr

    @pytest.mark.parametrize("raw", ["DK 13 58 56 28", "dk13585628", "DK13585628", "13 58 56 28"])
    def test_prefix_and_spaces_are_normalized(self, raw):
        assert normalize_tax_id(raw, "DK") == "13585628"

    @pytest.mark.parametrize("cvr", ["13585627", "13585629", "31585628", "24256791"])
    def test_wrong_checksum_is_rejected(self, cvr):
        assert not is_valid_cvr(cvr)
        assert_invalid_tax_id(cvr, "DK")

    @pytest.mark.parametrize("cvr", ["1358562", "135856280", "1358562A", "DK1358562"])
    def test_wrong_shape_is_rejected(self, cvr):
        assert_invalid_tax_id(cvr, "DK")


class TestGhana:
    @pytest.mark.parametrize(
        "tin", ["P0012345678", "C0012345678", "G0087654321", "Q0000000001", "V0099999999", "GHA-123456789-0"]
    )
    def test_valid(self, tin):
        assert is_valid_ghana_tin(tin)
        assert normalize_tax_id(tin, "GH") == tin

    @pytest.mark.parametrize(
        ("raw", "stored"), [("p00 1234 5678", "P0012345678"), ("gha-123456789-0", "GHA-123456789-0")]
    )
    def test_normalized(self, raw, stored):
        assert normalize_tax_id(raw, "GH") == stored

    @pytest.mark.parametrize(
        "tin",
        [
            "A0012345678",  # unknown letter
            "P0112345678",  # must be P00
            "P001234567",  # 7 digits
            "P00123456789",  # 9 digits
            "GHA-12345678-0",  # 8 digits on the card
            "GHA-123456789",  # no check digit
            "GHA123456789-0",
            "GHA-123456789-01",
        ],
    )
    def test_invalid(self, tin):
        assert not is_valid_ghana_tin(tin)
        assert_invalid_tax_id(tin, "GH")


class TestEuVat:
    @pytest.mark.parametrize(
        ("country", "raw", "stored"),
        [
            ("DE", "DE123456789", "DE123456789"),
            ("DE", "de 123 456 789", "DE123456789"),
            ("DE", "123456789", "DE123456789"),  # the missing prefix is added
            ("FR", "FR40303265045", "FR40303265045"),
            ("FR", "FRK7399859412", "FRK7399859412"),
            ("NL", "NL123456789B01", "NL123456789B01"),
            ("NL", "123456789b01", "NL123456789B01"),
            ("SE", "SE556036079301", "SE556036079301"),
            ("IE", "IE6388047V", "IE6388047V"),
            ("IE", "IE1234567WA", "IE1234567WA"),
            ("IE", "IE8Z49289F", "IE8Z49289F"),
            ("AT", "ATU13585627", "ATU13585627"),
            ("AT", "U13585627", "ATU13585627"),
            ("BE", "BE0403170701", "BE0403170701"),
            ("BE", "0403.170.701", "BE0403170701"),
            ("ES", "ESA12345674", "ESA12345674"),
            ("ES", "ESX1234567L", "ESX1234567L"),
            ("ES", "B12345678", "ESB12345678"),
            ("GR", "094014201", "EL094014201"),  # Greece's VAT prefix is EL, not its ISO code
            ("GR", "EL094014201", "EL094014201"),
            ("IT", "IT00743110157", "IT00743110157"),
            ("PL", "5260250274", "PL5260250274"),
        ],
    )
    def test_valid(self, country, raw, stored):
        assert normalize_tax_id(raw, country) == stored
        assert is_valid_eu_vat(stored)

    @pytest.mark.parametrize(
        ("country", "raw"),
        [
            ("DE", "DE12345678"),  # 8 digits
            ("DE", "DE1234567890"),
            ("FR", "FRIO303265045"),  # I and O never appear in the French key
            ("FR", "FR4030326504"),
            ("NL", "NL123456789A01"),
            ("NL", "NL123456789"),
            ("SE", "SE556036079302"),  # Swedish numbers end in 01
            ("SE", "SE5560360793"),
            ("IE", "IE63880470"),
            ("AT", "AT13585627"),  # U is required
            ("AT", "ATU1358562"),
            ("BE", "BE2403170701"),  # starts with 0 or 1
            ("BE", "BE040317070"),
            ("ES", "ES12345678"),
            ("GR", "EL09401420"),
            ("IT", "IT0074311015"),
        ],
    )
    def test_invalid(self, country, raw):
        assert_invalid_tax_id(raw, country)

    def test_unknown_prefix_is_not_a_valid_eu_vat(self):
        assert not is_valid_eu_vat("US123456789")
        assert not is_valid_eu_vat("")


class TestOtherCountries:
    @pytest.mark.parametrize(
        ("country", "raw", "stored"),
        [
            ("US", "12-3456789", "12-3456789"),
            ("NG", "12345678-0001", "12345678-0001"),
            ("UG", "1000123456", "1000123456"),
            ("BR", "12.345.678/0001-95", "123456780001-95"),
            ("", "anything goes", "ANYTHINGGOES"),
            ("US", "A" * 50, "A" * 50),
        ],
    )
    def test_free_text_up_to_50_characters(self, country, raw, stored):
        assert normalize_tax_id(raw, country) == stored

    def test_51_characters_are_rejected(self):
        assert_invalid_tax_id("A" * 51, "US")

    @pytest.mark.parametrize("country", ["KE", "CO", "DK", "GH", "DE", "US"])
    @pytest.mark.parametrize("blank", ["", "   ", None])
    def test_blank_tax_id_is_stored_empty(self, country, blank):
        assert normalize_tax_id(blank, country) == ""


class TestVatNumber:
    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("de 123 456 789", "DE123456789"),
            ("NL123456789B01", "NL123456789B01"),
            ("0123456A", "0123456A"),  # not an EU number: kept as written, compacted
            ("", ""),
        ],
    )
    def test_valid(self, raw, stored):
        assert normalize_vat_number(raw) == stored

    @pytest.mark.parametrize("raw", ["DE12345678", "NL123456789A01"])
    def test_eu_prefix_with_wrong_format_is_rejected(self, raw):
        with pytest.raises(ValidationError) as excinfo:
            normalize_vat_number(raw)
        assert excinfo.value.messages == ["The VAT number format is invalid."]

    def test_over_50_characters_is_rejected(self):
        with pytest.raises(ValidationError):
            normalize_vat_number("9" * 51)


class TestIban:
    @pytest.mark.parametrize(
        "iban",
        [
            "GB82WEST12345698765432",
            "DE89370400440532013000",
            "NL91ABNA0417164300",
            "FR1420041010050500013M02606",
            "BE68539007547034",
            "DK5000400440116243",
            "GR1601101250000000012300695",
        ],
    )
    def test_valid(self, iban):
        assert normalize_iban(iban) == iban

    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("GB82 WEST 1234 5698 7654 32", "GB82WEST12345698765432"),
            ("de89 3704 0044 0532 0130 00", "DE89370400440532013000"),
            ("  nl91abna0417164300 ", "NL91ABNA0417164300"),
        ],
    )
    def test_spaces_and_lower_case_are_normalized(self, raw, stored):
        assert normalize_iban(raw) == stored

    @pytest.mark.parametrize(
        "iban",
        [
            "GB82WEST12345698765433",  # last digit changed
            "GB83WEST12345698765432",  # check digits changed
            "DE89370400440532013001",
            "DE89370400440523013000",  # two digits swapped
        ],
    )
    def test_changed_digit_is_rejected(self, iban):
        with pytest.raises(ValidationError) as excinfo:
            normalize_iban(iban)
        assert excinfo.value.messages == ["The IBAN check digits are wrong."]

    @pytest.mark.parametrize("iban", ["GB82", "1282WEST12345698765432", "GBXXWEST12345698765432", "GB82-WEST-1234"])
    def test_malformed_is_rejected(self, iban):
        with pytest.raises(ValidationError) as excinfo:
            normalize_iban(iban)
        assert excinfo.value.messages == ["The IBAN format is invalid."]

    def test_blank_is_empty(self):
        assert normalize_iban("") == ""
        assert normalize_iban(None) == ""


class TestEan13:
    @pytest.mark.parametrize("ean", ["4006381333931", "5901234123457", "9780201379624", ""])
    def test_valid(self, ean):
        validate_ean13(ean)

    @pytest.mark.parametrize("ean", ["4006381333932", "4006381333930", "5901234123458"])
    def test_changed_check_digit_is_rejected(self, ean):
        with pytest.raises(ValidationError) as excinfo:
            validate_ean13(ean)
        assert excinfo.value.messages == ["The EAN check digit is wrong."]

    @pytest.mark.parametrize("ean", ["400638133393", "40063813339310", "400638133393A", "4006 381333931"])
    def test_not_13_digits_is_rejected(self, ean):
        with pytest.raises(ValidationError) as excinfo:
            validate_ean13(ean)
        assert excinfo.value.messages == ["An EAN number has exactly 13 digits."]


class TestPhone:
    @pytest.mark.parametrize(
        ("raw", "region", "stored"),
        [
            ("0712 345 678", "KE", "+254712345678"),
            ("712345678", "KE", "+254712345678"),
            ("+254 712 345 678", "KE", "+254712345678"),
            ("+254712345678", "KE", "+254712345678"),
            ("0733-345-678", "ke", "+254733345678"),
            ("300 123 4567", "CO", "+573001234567"),  # Colombian mobile
            ("(601) 234 5678", "CO", "+576012345678"),  # Bogotá landline
            ("024 123 4567", "GH", "+233241234567"),
            ("0302 123456", "GH", "+233302123456"),
            ("32 12 34 56", "DK", "+4532123456"),
            ("+45 20 12 34 56", "KE", "+4520123456"),  # an international number ignores the region
            ("+254712345678", "", "+254712345678"),
        ],
    )
    def test_stored_in_e164(self, raw, region, stored):
        assert normalize_phone(raw, region) == stored

    @pytest.mark.parametrize(
        ("raw", "region"),
        [
            ("abc", "KE"),
            ("not a phone", "CO"),
            ("0712", "KE"),  # too short
            ("12", "GH"),
            ("3212345", "DK"),
            ("0712 345 678 901 234", "KE"),  # too long
            ("0712345678", ""),  # a national number without a region to read it in
        ],
    )
    def test_invalid_is_rejected_with_the_message(self, raw, region):
        with pytest.raises(ValidationError) as excinfo:
            normalize_phone(raw, region)
        assert excinfo.value.messages == [PHONE_INVALID]

    @pytest.mark.parametrize("blank", ["", "   ", None])
    def test_blank_is_empty(self, blank):
        assert normalize_phone(blank, "KE") == ""


class TestEmail:
    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("Contact@XYZ.co.ke", "contact@xyz.co.ke"),
            ("  ACCOUNTS@Example.COM ", "accounts@example.com"),
            ("jane.wanjiku+invoices@safaricom.co.ke", "jane.wanjiku+invoices@safaricom.co.ke"),
            ("", ""),
        ],
    )
    def test_stored_lower_case(self, raw, stored):
        assert normalize_email(raw) == stored

    @pytest.mark.parametrize("raw", ["not-an-email", "jane@", "@example.com", "jane wanjiku@example.com", "a@b"])
    def test_invalid_is_rejected(self, raw):
        with pytest.raises(ValidationError):
            normalize_email(raw)


class TestCustomerNo:
    @pytest.mark.parametrize("value", ["CUST000001", "WALKIN", "KE-NBO_001/2024.1", "a", "C" * 50])
    def test_valid(self, value):
        validate_customer_no(value)

    @pytest.mark.parametrize("value", ["", "CUST 001", "CUST#1", "C" * 51, "CÜST1", "CUST\n1", None])
    def test_invalid(self, value):
        with pytest.raises(ValidationError) as excinfo:
            validate_customer_no(value)
        assert excinfo.value.code == "invalid_customer_no"


class TestMetadata:
    @pytest.mark.parametrize(
        "value",
        [
            None,
            {},
            {"erp_id": "SAP-10042", "route": "Nairobi CBD"},
            {f"key_{index}": str(index) for index in range(50)},
            {"k" * 40: "v" * 500},
        ],
    )
    def test_valid(self, value):
        validate_metadata(value)

    @pytest.mark.parametrize(
        ("value", "code"),
        [
            ({f"key_{index}": str(index) for index in range(51)}, "too_many_keys"),
            ({"k" * 41: "v"}, "invalid_key"),
            ({"": "v"}, "invalid_key"),
            ({1: "v"}, "invalid_key"),
            ({"erp_id": 10042}, "invalid_value"),
            ({"erp_id": None}, "invalid_value"),
            ({"tags": ["a", "b"]}, "invalid_value"),
            ({"note": "v" * 501}, "invalid_value"),
            (["erp_id", "SAP-10042"], "invalid"),
            ("erp_id=SAP-10042", "invalid"),
            (42, "invalid"),
        ],
    )
    def test_invalid(self, value, code):
        with pytest.raises(ValidationError) as excinfo:
            validate_metadata(value)
        assert excinfo.value.code == code


def cvr_rule(digits: str) -> bool:
    total = 0
    for digit, weight in zip(digits, [2, 7, 6, 5, 4, 3, 2, 1], strict=True):
        total += int(digit) * weight
    return total % 11 == 0


def dian_check_digit(body: str) -> int:
    weights = [3, 7, 13, 17, 19, 23, 29, 37, 41, 43]
    total = 0
    for position, digit in enumerate(reversed(body)):
        total += int(digit) * weights[position]
    remainder = total % 11
    if remainder in (0, 1):
        return remainder
    return 11 - remainder


@given(st.text(alphabet="0123456789", min_size=8, max_size=8))
def test_cvr_agrees_with_the_weighted_sum_rule(digits):
    assert is_valid_cvr(digits) is cvr_rule(digits)
    if cvr_rule(digits):
        assert normalize_tax_id(f"DK {digits}", "DK") == digits


@given(st.text(alphabet="0123456789", min_size=6, max_size=10))
def test_nit_accepts_only_its_own_check_digit(body):
    check = nit_check_digit(body)
    assert check == dian_check_digit(body)
    assert is_valid_nit(f"{body}-{check}")
    for other in range(10):
        if other != check:
            assert not is_valid_nit(f"{body}-{other}")
