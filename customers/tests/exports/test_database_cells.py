"""Cells the database formats for long exports agree with the Python rules of ``cells`` on both databases."""

import csv
import io
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db.models import DateTimeField, DecimalField, IntegerField, TextField, Value

from accounts.models import Organization
from customers.exporting.cells import csv_field, csv_record, csv_text, csv_value, typed
from customers.exporting.database_cells import (
    CsvRecord,
    CsvText,
    FormulaNeutralized,
    LocalExcelSerial,
    LocalTimeText,
    MoneyText,
    utc_offset_segments,
)

pytestmark = pytest.mark.django_db

# Zones without daylight saving time, with it (north and south), and with a half-hour shift.
ZONES = ["Africa/Nairobi", "America/Bogota", "Europe/Copenhagen", "America/New_York", "Australia/Lord_Howe"]
EXCEL_DAY_ZERO = datetime(1899, 12, 30)


def instants_around_transitions(zone: ZoneInfo) -> list[datetime]:
    """A second before, at and after each of the zone's changes since 2015, and seeded random times."""
    moments = []
    for start, _ in utc_offset_segments(zone.key):
        change = datetime.strptime(start, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC)
        if 2015 <= change.year <= 2030:
            moments += [change - timedelta(seconds=1), change, change + timedelta(seconds=1)]
    rng = random.Random(zone.key)
    moments += [datetime(1975, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(2_000_000_000)) for _ in range(40)]
    return moments


def database_value(expression):
    return Organization.objects.annotate(value=expression).values_list("value", flat=True)[:1].get()


def stored_time(moment: datetime):
    return Value(moment, output_field=DateTimeField())


@pytest.mark.parametrize("zone_key", ZONES)
def test_local_time_text_is_the_time_on_the_organizations_clock(organization, zone_key):
    zone = ZoneInfo(zone_key)
    for moment in instants_around_transitions(zone):
        expected = csv_value(typed(moment, zone=zone))
        assert database_value(LocalTimeText(stored_time(moment), zone=zone)) == expected, moment


@pytest.mark.parametrize("zone_key", ZONES)
def test_local_excel_serial_is_the_local_time_in_days_since_excels_day_zero(organization, zone_key):
    zone = ZoneInfo(zone_key)
    for moment in instants_around_transitions(zone):
        local = typed(moment, zone=zone)
        expected = (local - EXCEL_DAY_ZERO) / timedelta(days=1)
        # Within a millisecond: what a spreadsheet shows is to the second.
        assert database_value(LocalExcelSerial(stored_time(moment), zone=zone)) == pytest.approx(expected, abs=1e-8)


def test_a_zone_without_daylight_saving_time_has_one_offset():
    assert utc_offset_segments("Africa/Nairobi") == (("1970-01-01 00:00:00", 180),)


def test_the_offset_segments_follow_the_zone_at_every_change():
    segments = utc_offset_segments("Europe/Copenhagen")
    zone = ZoneInfo("Europe/Copenhagen")
    starts = [datetime.strptime(start, "%Y-%m-%d %H:%M:%S").replace(tzinfo=UTC) for start, _ in segments]
    assert starts == sorted(starts)
    for (start, offset), moment in zip(segments[1:], starts[1:], strict=True):
        assert moment.astimezone(zone).utcoffset() == timedelta(minutes=offset), start
        assert (moment - timedelta(seconds=1)).astimezone(zone).utcoffset() != timedelta(minutes=offset), start


@pytest.mark.parametrize(
    ("amount", "text"),
    [
        (Decimal("0"), "0.00"),
        (Decimal("1500.5"), "1500.50"),
        (Decimal("-250"), "-250.00"),
        (Decimal("1234567.89"), "1234567.89"),
        (Decimal("-0.01"), "-0.01"),
        (None, None),
    ],
)
def test_money_text_has_two_decimals_and_keeps_null(organization, amount, text):
    expression = MoneyText(Value(amount, output_field=DecimalField(max_digits=18, decimal_places=2)))
    assert database_value(expression) == text
    if amount is not None:
        assert text == csv_value(amount)


@pytest.mark.parametrize(
    "text",
    ["=1+1", "+254712345678", "-2 Road", "@SUM(A1)", "\tTab", "\rReturn", "Plain", "a=b", "", "Ünïcode", "🚀 Rocket"],
)
def test_formula_neutralized_follows_the_csv_rule(organization, text):
    assert database_value(FormulaNeutralized(Value(text, output_field=TextField()))) == csv_text(text)


CSV_TEXTS = [
    "Plain",
    "Smith, Jones",
    'The "Best"',
    "Line\nBreak",
    "Carriage\rReturn",
    "=SUM(1,2)",
    '+"quoted"',
    "\tTab",
    "Back\\slash",
    "",
    None,
    "Ünïcode 🚀 שלום",
]


def csv_writer_record(values) -> str:
    """The record csv.writer writes when it quotes text and leaves numbers bare."""
    text = io.StringIO()
    csv.writer(text, quoting=csv.QUOTE_NONNUMERIC).writerow(values)
    return text.getvalue().removesuffix("\r\n")


@pytest.mark.parametrize("text", CSV_TEXTS)
def test_a_csv_record_quotes_the_neutralized_text_and_leaves_numbers_bare(organization, text):
    money = Value(Decimal("-12.5"), output_field=DecimalField(max_digits=18, decimal_places=2))
    record = CsvRecord(
        CsvText(Value(text, output_field=TextField())),
        Value(7, output_field=IntegerField()),
        MoneyText(money),
        CsvText(Value(text, output_field=TextField())),
    )

    neutralized = csv_text(text or "")
    assert database_value(record) == csv_writer_record([neutralized, 7, Decimal("-12.50"), neutralized])
    fields = [neutralized, "7", "-12.50", neutralized]
    assert next(csv.reader(io.StringIO(database_value(record), newline=""))) == fields
    assert database_value(CsvText(Value(text, output_field=TextField()))) == csv_field(text or "")
    assert csv_record([text or "", 7, Decimal("-12.50")]) == csv_writer_record([neutralized, 7, Decimal("-12.50")])


def test_a_record_too_long_for_one_sqlite_printf_is_written_the_same(organization):
    fields = [f"Field {number}, with a comma" if number % 2 else f'"{number}"' for number in range(150)]
    record = CsvRecord(*(CsvText(Value(field, output_field=TextField())) for field in fields))

    assert database_value(record) == csv_writer_record(fields)


def test_a_csv_record_of_empty_fields_keeps_every_place(organization):
    nothing = Value(None, output_field=DecimalField(max_digits=18, decimal_places=2))
    record = CsvRecord(
        CsvText(Value(None, output_field=TextField())), CsvText(Value("", output_field=TextField())), MoneyText(nothing)
    )

    # Text is quoted even when empty; an amount that is not there is an empty field.
    assert database_value(record) == '"","",'
