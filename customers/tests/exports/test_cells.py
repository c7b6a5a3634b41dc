"""Cells of the exports: formula-like text neutralized per format, numbers and dates typed."""

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from customers.exporting.cells import CsvFile, XlsxBook, csv_value, filename_part

TRIGGERS = ["=1+1", "+254712345678", "-2", "@SUM(A1:A9)", "\tx", "\rx"]


@pytest.mark.parametrize("text", TRIGGERS)
def test_csv_prefixes_formula_like_text_with_an_apostrophe(text):
    assert csv_value(text) == f"'{text}"


@pytest.mark.parametrize("text", ["Kamau Wholesalers", "O'Brien & Sons", "1 Moi Avenue", "info@kamau.co.ke", ""])
def test_csv_leaves_ordinary_text_alone(text):
    assert csv_value(text) == text


def test_csv_writes_numbers_dates_and_flags_as_spreadsheets_read_them():
    assert csv_value(Decimal("-250.00")) == "-250.00"
    assert csv_value(Decimal("1500.5")) == "1500.50"
    assert csv_value(3) == "3"
    assert csv_value(datetime(2024, 5, 20, 9, 30)) == "2024-05-20 09:30:00"
    assert csv_value(date(2024, 5, 20)) == "2024-05-20"
    assert csv_value(True) == "Yes"
    assert csv_value(None) == ""


def test_a_csv_file_starts_with_a_bom_and_keeps_accents():
    csv_file = CsvFile(["Name", "Balance"])
    csv_file.append(["Muñoz Åberg", Decimal("-1.50")])

    content = csv_file.to_bytes()

    assert content.startswith(b"\xef\xbb\xbf")
    assert content.decode("utf-8-sig").splitlines() == ['"Name","Balance"', '"Muñoz Åberg",-1.50']


def test_xlsx_stores_formula_like_text_as_quote_prefixed_strings_and_numbers_as_numbers():
    book = XlsxBook()
    sheet = book.sheet(title="Cells", headers=["Text", "Amount", "When"], widths=[20, 12, 18])
    for text in TRIGGERS:
        sheet.append([text, Decimal("-250.00"), datetime(2024, 5, 20, 9, 30)])
    content = book.to_bytes()

    loaded = load_workbook(io.BytesIO(content))["Cells"]
    for row, text in zip(loaded.iter_rows(min_row=2), TRIGGERS, strict=True):
        assert (row[0].value, row[0].data_type, row[0].quotePrefix) == (text, "s", True)
        assert (row[1].value, row[1].data_type, row[1].number_format) == (-250, "n", "#,##0.00")
        assert row[2].is_date and row[2].value == datetime(2024, 5, 20, 9, 30)
    xml = zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml
    assert loaded.auto_filter.ref == "A1:C7"


def test_xlsx_drops_control_characters_the_format_cannot_hold():
    book = XlsxBook()
    book.sheet(title="Cells", headers=["Name"], widths=[20]).append(["Kamau\x00\x07 Traders"])

    loaded = load_workbook(io.BytesIO(book.to_bytes()))["Cells"]

    assert loaded["A2"].value == "Kamau Traders"


def test_an_empty_sheet_still_has_its_header_and_filter():
    book = XlsxBook()
    book.sheet(title="Contacts", headers=["Kind", "Email"], widths=[9, 30])

    loaded = load_workbook(io.BytesIO(book.to_bytes()))["Contacts"]

    assert [cell.value for cell in loaded[1]] == ["Kind", "Email"]
    assert loaded.auto_filter.ref == "A1:B1"
    assert loaded.freeze_panes == "A2"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("CUST/001", "CUST-001"), ("../../etc/passwd", "etc-passwd"), ("", "customer"), ("KE.2024_01", "KE.2024_01")],
)
def test_file_names_keep_only_safe_characters(text, expected):
    assert filename_part(text, fallback="customer") == expected
