"""Cells of every export: typed values, and text that a spreadsheet shows but never evaluates.

A cell whose text begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return can be taken
for a formula by Excel, LibreOffice or Google Sheets (CSV/formula injection). Such text is
neutralized where it is written: in CSV with a leading apostrophe (the OWASP advice; CSV has no
cell types), in xlsx as an inline string cell with the quote-prefix style, which a spreadsheet
shows as the text itself and never evaluates. Numbers are written as numbers, so a negative
balance stays a number.
"""

import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from zoneinfo import ZoneInfo

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
PDF_CONTENT_TYPE = "application/pdf"
MONEY_FORMAT = "#,##0.00"
INTEGER_FORMAT = "0"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
DATE_FORMAT = "yyyy-mm-dd"
MAX_COLUMN_WIDTH = 60


class CellKind(Enum):
    """What a column holds, which decides how a spreadsheet shows it."""

    TEXT = "text"
    NUMBER = "number"
    MONEY = "money"
    DATETIME = "datetime"


@dataclass(frozen=True)
class Column:
    """One exported column: its header, the ``values_list`` path it reads and its width in characters."""

    header: str
    field: str
    width: float = 16
    kind: CellKind = CellKind.TEXT
    # Choice value -> label ("company" -> "Company").
    labels: Mapping[str, str] | None = None
    # A time shown as its day (in the organization's timezone).
    as_date: bool = False

    def value(self, raw: Any, *, zone: ZoneInfo) -> Any:
        value = typed(self.labels.get(raw, raw) if self.labels and raw is not None else raw, zone=zone)
        return value.date() if self.as_date and isinstance(value, datetime) else value


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    content_type: str


def typed(value: Any, *, zone: ZoneInfo) -> Any:
    """A value as a cell holds it: aware times become the organization's local time, naive."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(zone).replace(tzinfo=None)
    return value


def is_formula_like(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


def csv_text(text: str) -> str:
    return f"'{text}" if is_formula_like(text) else text


def csv_field(text: str) -> str:
    """``text`` as one field of a CSV record: neutralized, in double quotes, its own quotes doubled.

    Text is always quoted and numbers never are (``csv.QUOTE_NONNUMERIC``'s rule), so a reader
    tells "00123" the text from 123 the number, and every text field is written the same way.
    """
    return '"' + csv_text(text).replace('"', '""') + '"'


def csv_record(values: Iterable[Any]) -> str:
    """One CSV record of typed values, its line ending aside: text and Yes/No quoted, the rest bare."""
    return ",".join(_csv_record_field(value) for value in values)


def _csv_record_field(value: Any) -> str:
    text = csv_value(value) if isinstance(value, bool) else value
    return csv_field(text) if isinstance(text, str) else csv_value(text)


def csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float):
        return str(value)
    return csv_text(str(value))


def display(value: Any) -> str:
    """A value as a PDF shows it (templates escape it; PDFs evaluate nothing)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


class CsvFile:
    """A CSV in UTF-8 with a byte-order mark, so Excel opens accents and currency signs right.

    Records end with CRLF, as RFC 4180 and ``csv.writer`` end them.
    """

    def __init__(self, headers: Sequence[str]):
        # Encoded as it is written: a text buffer of a long export would take four bytes a character.
        self._buffer = io.BytesIO()
        self._text = io.TextIOWrapper(self._buffer, encoding="utf-8-sig", newline="")
        self.extend_records([csv_record(headers)])

    def append(self, values: Iterable[Any]) -> None:
        self.extend_records([csv_record(values)])

    def extend_records(self, records: Sequence[str]) -> None:
        """Whole records: ``csv_record``'s, or the database's (``customers.exporting.database_cells.CsvRecord``)."""
        if records:
            self._text.write("\r\n".join(records))
            self._text.write("\r\n")

    def to_bytes(self) -> bytes:
        self._text.flush()
        return self._buffer.getvalue()


class XlsxSheet:
    """A write-only sheet: bold header row, frozen below it, auto-filter over every written row."""

    def __init__(self, workbook: Workbook, *, title: str, headers: Sequence[str], widths: Sequence[float]):
        self._sheet = workbook.create_sheet(title=title)
        self._columns = len(headers)
        self._rows = 0
        # A write-only sheet takes its column widths and panes before the first row.
        for index, width in enumerate(widths, start=1):
            self._sheet.column_dimensions[get_column_letter(index)].width = min(width, MAX_COLUMN_WIDTH)
        self._sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        header_cells = []
        for header in headers:
            cell = WriteOnlyCell(self._sheet, value=_clean_text(header))
            cell.font = bold
            header_cells.append(cell)
        self._sheet.append(header_cells)

    def append(self, values: Sequence[Any]) -> None:
        self._sheet.append([self._cell(value) for value in values])
        self._rows += 1

    def finish(self) -> None:
        last_column = get_column_letter(max(self._columns, 1))
        self._sheet.auto_filter.ref = f"A1:{last_column}{self._rows + 1}"

    def _cell(self, value: Any) -> Any:
        if value is None or isinstance(value, bool | int | float):
            return value
        if isinstance(value, Decimal):
            return self._formatted(value, MONEY_FORMAT)
        if isinstance(value, datetime):
            return self._formatted(value, DATETIME_FORMAT)
        if isinstance(value, date):
            return self._formatted(value, DATE_FORMAT)
        text = _clean_text(str(value))
        if not is_formula_like(text):
            return text
        cell = WriteOnlyCell(self._sheet, value=text)
        # Assigning "=..." makes openpyxl store a formula; the type is forced back to an inline string.
        cell.data_type = "s"
        cell.quotePrefix = True
        return cell

    def _formatted(self, value: Any, number_format: str) -> WriteOnlyCell:
        cell = WriteOnlyCell(self._sheet, value=value)
        cell.number_format = number_format
        return cell


class XlsxBook:
    def __init__(self):
        self._workbook = Workbook(write_only=True)
        self._sheets: list[XlsxSheet] = []

    def sheet(self, *, title: str, headers: Sequence[str], widths: Sequence[float]) -> XlsxSheet:
        sheet = XlsxSheet(self._workbook, title=title, headers=headers, widths=widths)
        self._sheets.append(sheet)
        return sheet

    def to_bytes(self) -> bytes:
        for sheet in self._sheets:
            sheet.finish()
        buffer = io.BytesIO()
        self._workbook.save(buffer)
        return buffer.getvalue()


def _clean_text(text: str) -> str:
    # Control characters other than tab, newline and carriage return are invalid in the xlsx XML.
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def filename_part(text: str, *, fallback: str) -> str:
    """``text`` as a piece of a download's file name: letters, digits, ``.``, ``_`` and ``-`` only."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or fallback
