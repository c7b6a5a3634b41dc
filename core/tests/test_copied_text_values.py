"""core.db.copied_text_values: a one-column queryset read by PostgreSQL's COPY, value for value."""

import pytest
from django.db import connection
from django.db.models import TextField, Value

from accounts.models import Organization
from core.db import copied_text_values
from tests.factories import OrganizationFactory

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's"),
]

# What COPY's text format escapes (backslash, tab, line breaks) and what it must not touch.
AWKWARD_NAMES = [
    "Back\\slash \\N Traders",
    "Tab\tInside",
    "Line\nBreak\r\nWindows",
    "Rocket 🚀 שלום",
    "  Padded  ",
    "",
]


def test_every_value_comes_back_exactly_and_in_the_querysets_order():
    for index, name in enumerate(AWKWARD_NAMES):
        OrganizationFactory(name=name, slug=f"awkward-{index}")
    names = Organization.objects.filter(slug__startswith="awkward-").order_by("slug").values_list("name", flat=True)

    assert list(copied_text_values(names)) == AWKWARD_NAMES


def test_null_comes_back_as_none_and_an_empty_queryset_as_nothing():
    OrganizationFactory(slug="plain")
    nothing = Organization.objects.filter(slug="plain").annotate(nothing=Value(None, output_field=TextField()))

    assert list(copied_text_values(nothing.values_list("nothing", flat=True))) == [None]
    assert list(copied_text_values(Organization.objects.none().values_list("name", flat=True))) == []
