"""Plainly written sheets are read on a shorter path that gives exactly what the general reader gives."""

import datetime as dt
import io
import re
import zipfile

import pytest
from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont

from customers.importing.files import SHARED_STRING, ImportFileRefused, XlsxReader, _rich_text, read_table
from customers.services.imports import CellError

ROWS = [
    ["Customer No", "Name", "Phone", "Opening Balance", "Joined", "Active", "Notes"],
    ["C-1", "José Muñoz & Hijos <Ltda>", 712345678, 1250.5, dt.date(2025, 1, 31), True, None],
    ["C-2", "Søren \"Bøgh\" 'ApS'", "+4533123456", -3, dt.datetime(2024, 2, 29, 13, 45), False, "line\nbreak"],
    ["C-3", "  spaced  ", 123456789012345678, 0.1, None, None, "tab\there"],
    [None, None, None, None, None, None, None],
    ["C-5", "商店 東京 🥐", "0712 345 678", 10**15, dt.time(8, 30), None, "_x000D_ literal"],
    ["C-6", "Ødegaard", None, "", "", None, "#N/A"],
]


def _workbook(rows, *, write_only: bool) -> bytes:
    workbook = Workbook(write_only=write_only)
    sheet = workbook.create_sheet("Customers") if write_only else workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_shared_strings(content: bytes) -> bytes:
    """The same workbook with its text in a shared strings table, as Excel saves it."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    strings: list[bytes] = []

    def shared(match: re.Match) -> bytes:
        strings.append(match.group(3))
        return b'<c r="%s"%s t="s"><v>%d</v></c>' % (match.group(1), match.group(2), len(strings) - 1)

    sheet = "xl/worksheets/sheet1.xml"
    members[sheet] = re.sub(
        rb'<c r="([A-Z]+[0-9]+)"((?: s="[0-9]+")?) t="inlineStr"><is><t[^>]*>([^<]*)</t></is></c>',
        shared,
        members[sheet],
    )
    main = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    members["xl/sharedStrings.xml"] = (
        b'<sst xmlns="%s" count="%d" uniqueCount="%d">' % (main, len(strings), len(strings))
        + b"".join(b"<si><t>%s</t></si>" % text for text in strings)
        + b"</sst>"
    )
    members["xl/_rels/workbook.xml.rels"] = members["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        b'<Relationship Id="rIdStrings" Target="sharedStrings.xml" '
        b'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/>'
        b"</Relationships>",
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as packed:
        for name, data in members.items():
            packed.writestr(name, data)
    return buffer.getvalue()


def _rows(content: bytes) -> list[tuple[int, list]]:
    return list(XlsxReader(content).rows())


def _rows_read_generally(content: bytes, monkeypatch) -> list[tuple[int, list]]:
    with monkeypatch.context() as patched:
        patched.setattr(XlsxReader, "_plain_rows", lambda *args: None)
        return _rows(content)


def _with_sheet(content: bytes, change) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(content))
    members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    members["xl/worksheets/sheet1.xml"] = change(members["xl/worksheets/sheet1.xml"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as packed:
        for name, data in members.items():
            packed.writestr(name, data)
    return buffer.getvalue()


@pytest.fixture
def plain_pieces(monkeypatch):
    """How many pieces of sheet data the shorter path read."""
    read = []
    plain_rows = XlsxReader._plain_rows

    def counted(*args):
        rows = plain_rows(*args)
        read.append(rows is not None)
        return rows

    monkeypatch.setattr(XlsxReader, "_plain_rows", counted)
    return read


@pytest.mark.parametrize("shared_strings", [False, True], ids=["inline strings", "shared strings"])
def test_a_plain_workbook_reads_the_same_on_both_paths(monkeypatch, plain_pieces, shared_strings):
    content = _workbook(ROWS, write_only=True)
    if shared_strings:
        content = _with_shared_strings(content)
        assert b't="s"' in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")

    rows = _rows(content)

    assert rows == _rows_read_generally(content, monkeypatch)
    assert plain_pieces and all(plain_pieces)
    by_number = dict(rows)
    assert by_number[2][:6] == ["C-1", "José Muñoz & Hijos <Ltda>", 712345678, 1250.5, dt.datetime(2025, 1, 31), True]
    assert by_number[4][3] == 0.1 and by_number[3][6] == "line\nbreak"
    assert 5 not in by_number  # the empty row
    assert by_number[7][:4] == ["C-6", "Ødegaard", None, None]


def test_formulas_rich_text_and_errors_are_read_by_the_general_path_with_the_same_values(monkeypatch, plain_pieces):
    rich = CellRichText([TextBlock(InlineFont(b=True), "Bold"), " plain"])
    content = _workbook([["Name", "Notes", "Total"], ["A", rich, "=SUM(1,2)"], ["B", "text", 3]], write_only=False)

    rows = _rows(content)

    assert rows == _rows_read_generally(content, monkeypatch)
    assert rows == [(1, ["Name", "Notes", "Total"]), (2, ["A", "Bold plain", "=SUM(1,2)"]), (3, ["B", "text", 3])]
    assert plain_pieces == [False]


def _prefixed(xml: bytes) -> bytes:
    """The same sheet with every element of the main namespace written with an x: prefix."""
    xml = xml.replace(b'xmlns="', b'xmlns:x="')
    return re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1x:", xml)


@pytest.mark.parametrize(
    ("change", "plain"),
    [
        (_prefixed, False),
        (lambda xml: re.sub(rb'<c r="([A-Z]+[0-9]+)" t="inlineStr">', rb'<c t="inlineStr" r="\1">', xml), False),
        (lambda xml: xml.replace(b"</c>", b"</c>\n  ").replace(b"<row", b"\n<row"), True),
        (lambda xml: xml.replace(b"<is><t>", b'<is><t xml:space="preserve">'), True),
    ],
    ids=["namespace prefix", "attributes in another order", "indented", "preserved spaces"],
)
def test_sheets_written_otherwise_read_the_same_on_both_paths(monkeypatch, plain_pieces, change, plain):
    content = _with_sheet(_workbook(ROWS, write_only=True), change)

    rows = _rows(content)

    assert rows == _rows_read_generally(content, monkeypatch)
    assert rows == _rows(_workbook(ROWS, write_only=True))
    assert plain_pieces[0] is plain


def test_a_spreadsheet_error_cell_comes_back_as_an_error_on_the_plain_path(plain_pieces):
    content = _with_sheet(
        _workbook(ROWS, write_only=True),
        lambda xml: xml.replace(
            b'<c r="G7" t="inlineStr"><is><t>#N/A</t></is></c>', b'<c r="G7" t="e"><v>#N/A</v></c>'
        ),
    )

    rows = dict(_rows(content))

    assert rows[7][6] == CellError("#N/A") and isinstance(rows[7][6], CellError)
    assert all(plain_pieces)


def test_rows_are_counted_without_a_dimension_and_not_counted_when_not_asked(settings):
    settings.IMPORT_MAX_ROWS = 3
    content = _workbook(ROWS, write_only=True)  # write-only workbooks carry no dimension

    with pytest.raises(ImportFileRefused, match="more than 3 rows"):
        read_table(name="customers.xlsx", content=content)
    table = read_table(name="customers.xlsx", content=content, estimate=False)
    assert table.estimated_rows == 0
    with pytest.raises(ImportFileRefused, match="more than 3 rows"):
        list(table.rows())


@pytest.mark.parametrize(
    "extra",
    [b"", b'<si><r><rPr><b/></rPr><t>Bold</t></r><r><t xml:space="preserve"> plain</t></r></si>'],
    ids=["plain strings", "with a rich text string"],
)
def test_shared_strings_read_the_same_whatever_their_shape(extra):
    content = _with_shared_strings(_workbook(ROWS, write_only=True))
    archive = zipfile.ZipFile(io.BytesIO(content))
    members = {info.filename: archive.read(info.filename) for info in archive.infolist()}
    members["xl/sharedStrings.xml"] = members["xl/sharedStrings.xml"].replace(b"</sst>", extra + b"</sst>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as packed:
        for name, data in members.items():
            packed.writestr(name, data)

    strings = XlsxReader(buffer.getvalue()).strings

    general = [_rich_text(body) if body else "" for body in SHARED_STRING.findall(members["xl/sharedStrings.xml"])]
    assert strings == general
    assert "José Muñoz & Hijos <Ltda>" in strings and "line\nbreak" in strings
    assert strings[-1] == ("Bold plain" if extra else "Ødegaard")
