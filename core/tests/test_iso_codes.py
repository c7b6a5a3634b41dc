import pytest
from django.core.exceptions import ValidationError

from core.iso_codes import country_label, iso_country, iso_currency, iso_language, language_label


@pytest.mark.parametrize(
    ("validate", "good", "bad"),
    [
        (iso_country, ["KE", "CO", "DK", "GH", "XK"], ["XX", "ke", "KEN", ""]),
        (iso_currency, ["KES", "COP", "DKK", "GHS", "EUR"], ["XYZ", "kes", "KE"]),
        (iso_language, ["en", "sw", "es", "da"], ["zz", "EN", "eng"]),
    ],
)
def test_codes_are_checked_against_their_iso_lists(validate, good, bad):
    for code in good:
        validate(code)
    for code in bad:
        with pytest.raises(ValidationError):
            validate(code)


def test_labels_name_the_code_for_a_reader_and_keep_an_unknown_code_as_it_is():
    assert [country_label(code) for code in ("KE", "TZ", "XK", "")] == [
        "Kenya (KE)",
        "Tanzania (TZ)",
        "Kosovo (XK)",
        "",
    ]
    assert [language_label(code) for code in ("sw", "da", "zz")] == ["Swahili (sw)", "Danish (da)", "zz"]
