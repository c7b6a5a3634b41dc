"""The streamed list xlsx: rows the database writes as sheet XML, read back by openpyxl and an XML parser."""

import io
import zipfile
from decimal import Decimal

import pytest
from defusedxml import ElementTree
from openpyxl import load_workbook

from customers.exporting import customer_list as customer_list_module
from customers.exporting.customer_list import (
    CUSTOMER_LIST_COLUMNS,
    csv_record,
    customer_list_export,
    formatted_record_batches,
)
from customers.selectors import customer_list
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HEADERS = [column.header for column in CUSTOMER_LIST_COLUMNS]

AWKWARD_NAMES = {
    "X1": ("Smith & Sons <Ltd> \"quoted\" 'single'", "Smith & Sons <Ltd> \"quoted\" 'single'"),
    "X2": ("  Padded Traders  ", "  Padded Traders  "),
    "X3": ("Bell\x07Co\x1b", "BellCo"),
    "X4": ("Rocket 🚀 Traders", "Rocket 🚀 Traders"),
    "X5": ("שלום Traders", "שלום Traders"),
    "X6": ("Line\nBreak\r\nWindows", "Line\nBreak\r\nWindows"),
    "X7": ("Non\ufffeCharacter\uffff", "NonCharacter"),
    "X8": ("]]> not a CDATA end", "]]> not a CDATA end"),
}


def export_xlsx(organization, filters=None) -> bytes:
    return customer_list_export(organization=organization, filters=filters or {}, format="xlsx").content


def column(name: str) -> int:
    return HEADERS.index(name)


def test_awkward_text_comes_back_as_typed_minus_what_xml_cannot_hold(organization):
    for number, (name, _) in AWKWARD_NAMES.items():
        CustomerFactory(organization=organization, customer_no=number, name=name, legal_name="")

    content = export_xlsx(organization)

    for read_only in (False, True):
        sheet = load_workbook(io.BytesIO(content), read_only=read_only)["Customers"]
        rows = {row[column("Customer No")]: row for row in sheet.iter_rows(min_row=2, values_only=True)}
        assert {number: rows[number][column("Name")] for number in AWKWARD_NAMES} == {
            number: expected for number, (_, expected) in AWKWARD_NAMES.items()
        }
        for number in AWKWARD_NAMES:
            # An empty cell keeps its place: the columns after it are where the header says.
            assert rows[number][column("Legal name")] is None
            assert rows[number][column("Type")] == "Individual"
            assert rows[number][column("Balance")] == 0


def test_every_part_of_the_file_is_well_formed_xml(organization):
    CustomerFactory(organization=organization, name="Tags <b>&amp; entities</b>")

    with zipfile.ZipFile(io.BytesIO(export_xlsx(organization))) as archive:
        names = archive.namelist()
        for name in names:
            ElementTree.fromstring(archive.read(name))  # raises on anything malformed

    assert {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml", "xl/worksheets/sheet1.xml"} <= set(names)


def test_an_empty_list_is_a_header_row_only(organization):
    sheet = load_workbook(io.BytesIO(export_xlsx(organization)))["Customers"]

    assert [cell.value for cell in sheet[1]] == HEADERS
    assert sheet.max_row == 1
    assert sheet.auto_filter.ref == "A1:U1"


def test_a_sheet_of_many_batches_keeps_the_lists_order_and_every_row(organization, monkeypatch):
    monkeypatch.setattr(customer_list_module, "BATCH_SIZE", 3)
    balances = [Decimal(value) for value in ("10.00", "70.00", "30.00", "20.00", "60.00", "50.00", "40.00")]
    for index, balance in enumerate(balances):
        CustomerFactory(organization=organization, customer_no=f"B{index}", balance=balance)

    sheet = load_workbook(io.BytesIO(export_xlsx(organization, {"ordering": "-balance"})))["Customers"]

    rows = sheet.iter_rows(min_row=2, values_only=True)
    values = [(row[column("Customer No")], row[column("Balance")]) for row in rows]
    assert values == sorted(zip([f"B{i}" for i in range(7)], map(float, balances), strict=True), key=lambda v: -v[1])
    assert sheet.auto_filter.ref == "A1:U8"


def test_formatted_batches_come_from_one_statement_in_the_lists_order_with_progress(
    organization, monkeypatch, django_assert_max_num_queries
):
    monkeypatch.setattr(customer_list_module, "BATCH_SIZE", 2)
    for index, balance in enumerate(["10.00", "50.00", "30.00", "20.00", "40.00"]):
        CustomerFactory(organization=organization, customer_no=f"B{index}", balance=Decimal(balance))
    customers = customer_list(organization=organization, filters={"ordering": "-balance"})
    record = csv_record(CUSTOMER_LIST_COLUMNS[:1], zone=organization_zone(organization))
    done = []

    # One statement, read a batch at a time.
    with django_assert_max_num_queries(1):
        batches = list(formatted_record_batches(customers=customers, record=record, on_batch=done.append))

    assert batches == [['"B1"', '"B4"'], ['"B2"', '"B3"'], ['"B0"']]
    assert done == [2, 4, 5]


def organization_zone(organization):
    from zoneinfo import ZoneInfo

    return ZoneInfo(organization.timezone)
