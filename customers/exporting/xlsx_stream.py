"""A streaming xlsx writer for long lists: rows go into the zipped sheet XML as finished text.

openpyxl builds a Python object per cell even in write-only mode, which holds a 21-column list at
a few thousand rows a second. The list export needs little of a spreadsheet library: one sheet, a
bold frozen header row, column widths, an auto-filter, and four kinds of cell (text, number,
money, date and time) with fixed styles. The rows arrive as sheet XML that the database put
together (``database_cells.XlsxRowXml``); this writer adds the workbook around them and streams
them into the zip entry, so memory stays flat however long the list is.
"""

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from .cells import MAX_COLUMN_WIDTH, Column

_HEADER_STYLE = 1  # in STYLES_XML's cellXfs
# Control characters that XML forbids (tab, newline and carriage return are allowed): in UTF-8
# these bytes stand only for themselves, so they are deleted from the finished rows' bytes.
_FORBIDDEN_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20)])
# The two non-characters XML forbids too, U+FFFE and U+FFFF.
_FORBIDDEN_NONCHARACTERS = re.compile("[\ufffe\uffff]")
# Deflate level 1: several times faster than the default, for files about a third larger.
_COMPRESS_LEVEL = 1

_NAMESPACE = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"

CONTENT_TYPES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
PACKAGE_RELS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    "</Relationships>"
)
WORKBOOK_RELS_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
    "</Relationships>"
)
# Fonts: regular, bold. Number formats: 4 is the built-in "#,##0.00"; 164 is the date and time.
# cellXfs: 0 plain, 1 bold header, 2 money, 3 date and time, 4 quote-prefixed text.
STYLES_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<styleSheet xmlns="{_NAMESPACE}">'
    '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts>'
    '<fonts count="2">'
    '<font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    "</fonts>"
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="5">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="4" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


class XlsxStream:
    """One sheet written batch by batch into an in-memory xlsx.

    ``write_row_xml`` takes rows of sheet XML; ``to_bytes`` closes the sheet (its auto-filter
    covers every written row) and returns the file.
    """

    def __init__(self, *, title: str, columns: Sequence[Column]):
        self._title = title[:31]
        self._columns = tuple(columns)
        self._letters = tuple(get_column_letter(index) for index in range(1, len(columns) + 1))
        self._buffer = io.BytesIO()
        self._zip = zipfile.ZipFile(self._buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=_COMPRESS_LEVEL)
        self._sheet = self._zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        self._rows = 0
        self._sheet.write(self._sheet_start().encode("utf-8"))

    def write_row_xml(self, rows: Iterable[str]) -> None:
        """Rows already written as sheet XML (``database_cells.XlsxRowXml``), in order."""
        rows = list(rows)
        self._rows += len(rows)
        chunk = "".join(rows).encode("utf-8")
        if b"\xef\xbf\xbe" in chunk or b"\xef\xbf\xbf" in chunk:
            chunk = _FORBIDDEN_NONCHARACTERS.sub("", chunk.decode("utf-8")).encode("utf-8")
        self._sheet.write(chunk.translate(None, _FORBIDDEN_BYTES))

    def to_bytes(self) -> bytes:
        last_cell = f"{self._letters[-1]}{self._rows + 1}"
        self._sheet.write(f'</sheetData><autoFilter ref="A1:{last_cell}"/></worksheet>'.encode())
        self._sheet.close()
        parts = {
            "[Content_Types].xml": CONTENT_TYPES_XML,
            "_rels/.rels": PACKAGE_RELS_XML,
            "xl/_rels/workbook.xml.rels": WORKBOOK_RELS_XML,
            "xl/styles.xml": STYLES_XML,
            "xl/workbook.xml": self._workbook_xml(),
        }
        for name, text in parts.items():
            self._zip.writestr(name, text)
        self._zip.close()
        return self._buffer.getvalue()

    def _sheet_start(self) -> str:
        columns = "".join(
            f'<col min="{index}" max="{index}" width="{min(column.width, MAX_COLUMN_WIDTH)}" customWidth="1"/>'
            for index, column in enumerate(self._columns, start=1)
        )
        header = "".join(
            f'<c r="{letter}1" t="inlineStr" s="{_HEADER_STYLE}"><is><t>{escape(column.header)}</t></is></c>'
            for letter, column in zip(self._letters, self._columns, strict=True)
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{_NAMESPACE}" xmlns:r="{_RELATIONSHIPS}">'
            '<sheetViews><sheetView workbookViewId="0">'
            '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
            '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/>'
            "</sheetView></sheetViews>"
            '<sheetFormatPr defaultRowHeight="15"/>'
            f"<cols>{columns}</cols>"
            f'<sheetData><row r="1">{header}</row>'
        )

    def _workbook_xml(self) -> str:
        title = escape(self._title, {'"': "&quot;"})
        # A sheet name in a formula is quoted with apostrophes, its own apostrophes doubled.
        sheet_reference = escape("'" + self._title.replace("'", "''") + "'")
        last_column, last_row = self._letters[-1], self._rows + 1
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_NAMESPACE}" xmlns:r="{_RELATIONSHIPS}">'
            f'<sheets><sheet name="{title}" sheetId="1" r:id="rId1"/></sheets>'
            "<definedNames>"
            '<definedName name="_xlnm._FilterDatabase" localSheetId="0" hidden="1">'
            f"{sheet_reference}!$A$1:${last_column}${last_row}"
            "</definedName>"
            "</definedNames>"
            "</workbook>"
        )
