"""Reading an uploaded sheet safely: size, type and zip checks before anything is parsed.

An .xlsx file is read as a stream of its sheet's XML with regular expressions over the cells:
no DTD or entity is ever processed, formulas come back as their text (never evaluated), and a
100,000-row sheet reads several times faster than through openpyxl's read-only mode. The small
parts (workbook, relationships, styles) are parsed with defusedxml.

Sheets are read in pieces of whole rows. A piece written the way Excel, LibreOffice and openpyxl
write cells (``<c r="B7" s="1" t="s"><v>12</v></c>``, inline strings, empty cells) is read by
one regular expression over its text; a piece with anything else in it (formulas, rich text,
namespace prefixes, other attribute orders) is read cell by cell by the general reader. Both
give the same values.
"""

import csv
import datetime as dt
import html
import io
import itertools
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from pathlib import PurePosixPath
from typing import Any

from defusedxml import ElementTree
from django.conf import settings
from openpyxl.formula.translate import Translator, TranslatorError
from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format
from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

from core.exceptions import DomainError

from ..services.imports import CellError

OLE_SIGNATURE = b"\xd0\xcf\x11\xe0"
ZIP_SIGNATURE = b"PK\x03\x04"
ACCEPTED_SUFFIXES = (".xlsx", ".csv")
REFUSED_EXCEL_SUFFIXES = (".xls", ".xlsm", ".xlsb", ".xltm", ".xltx", ".ods")
MAX_ZIP_MEMBERS = 10_000
# Small parts compress well too; the ratio is judged on members big enough to matter.
RATIO_CHECKED_FROM = 1024 * 1024
CHUNK = 1024 * 1024

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"


class ImportFileRefused(DomainError):
    """The upload cannot be read as a customer sheet; nothing was written."""

    status_code = 400
    default_message = "The file cannot be imported."

    def __init__(self, message: str | None = None):
        super().__init__(message, field="file")


class ImportFileTooLarge(ImportFileRefused):
    status_code = 413


@dataclass
class Table:
    """A sheet's header row and a one-pass iterator over its non-empty data rows."""

    kind: str
    headers: list[Any]
    header_row: int
    estimated_rows: int
    has_data_rows: bool
    _rows: Iterator[tuple[int, list[Any]]]

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        limit = settings.IMPORT_MAX_ROWS
        for count, row in enumerate(self._rows, start=1):
            if count > limit:
                raise ImportFileRefused(f"The file has more than {limit:,} rows; split it into smaller files.")
            yield row


def _refuse_obvious(name: str, content: bytes) -> str:
    limit = settings.IMPORT_MAX_BYTES
    if len(content) > limit:
        raise ImportFileTooLarge(f"The file is larger than {limit / (1024 * 1024):g} MB; split it into smaller files.")
    suffix = PurePosixPath((name or "").lower()).suffix
    if suffix in REFUSED_EXCEL_SUFFIXES:
        raise ImportFileRefused(
            f"{suffix} files are not accepted: save the workbook as an Excel Workbook (.xlsx) or as CSV UTF-8."
        )
    if suffix not in ACCEPTED_SUFFIXES:
        raise ImportFileRefused("Upload an Excel workbook (.xlsx) or a CSV file (.csv).")
    if not content.strip():
        raise ImportFileRefused("The file is empty.")
    if content.startswith(OLE_SIGNATURE):
        # Excel saves a workbook with a password (and old .xls files) as an OLE compound file.
        raise ImportFileRefused(
            "The file is password-protected or an old-format (.xls) workbook: remove the password and save it "
            "as an Excel Workbook (.xlsx)."
        )
    return suffix


def read_table(*, name: str, content: bytes, estimate: bool = True) -> Table:
    """Check ``content`` (named ``name``) and return its header row and data rows; refusals raise.

    Without ``estimate`` the rows are not counted up front (estimated_rows is 0): a sheet over
    the row limit is then refused while its rows are read.
    """
    suffix = _refuse_obvious(name, content)
    if suffix == ".xlsx":
        if not content.startswith(ZIP_SIGNATURE):
            raise ImportFileRefused("The file is not a real .xlsx workbook, whatever its name says.")
        reader = XlsxReader(content)
        return _table("xlsx", reader.rows(), reader.estimated_rows if estimate else 0)
    if content.startswith(ZIP_SIGNATURE):
        raise ImportFileRefused("The file is not a CSV file (it looks like a workbook): upload it as .xlsx.")
    text = _decode_csv(content)
    return _table("csv", _csv_rows(text), max(text.count("\n") - 1, 0) if estimate else 0)


def _table(kind: str, rows: Iterator[tuple[int, list[Any]]], estimated_rows: int) -> Table:
    limit = settings.IMPORT_MAX_ROWS
    if estimated_rows > limit:
        raise ImportFileRefused(f"The file has more than {limit:,} rows; split it into smaller files.")
    for number, cells in rows:
        # The first data row is read now, so that a sheet of headers alone (the template sent back
        # unfilled) can be refused before anything is queued.
        first = next(rows, None)
        return Table(
            kind=kind,
            headers=cells,
            header_row=number,
            estimated_rows=estimated_rows,
            has_data_rows=first is not None,
            _rows=itertools.chain([first], rows) if first is not None else rows,
        )
    raise ImportFileRefused("The sheet is empty: it has no header row and no data.")


# ---------------------------------------------------------------------------------------------
# CSV


def _decode_csv(content: bytes) -> str:
    if b"\x00" in content[:4096]:
        raise ImportFileRefused("The file is not a text CSV file (UTF-16 or binary); save it as CSV UTF-8.")
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileRefused(
            f"The CSV file is not UTF-8 encoded (byte {exc.start + 1} is not valid UTF-8); "
            "save it as 'CSV UTF-8 (Comma delimited)'."
        ) from None


def _csv_rows(text: str) -> Iterator[tuple[int, list[Any]]]:
    first_line = text.split("\n", 1)[0]
    # Excel writes ';' in locales whose decimal mark is a comma.
    delimiter = max((",", ";", "\t"), key=first_line.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):
            if any(cell.strip() for cell in record):
                yield number, record
    except csv.Error as exc:
        raise ImportFileRefused(f"Row {number + 1} of the CSV file cannot be read: {exc}.") from None


# ---------------------------------------------------------------------------------------------
# XLSX

P = rb"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix (x:row)
TOKEN = re.compile(rb"<" + P + rb"(row)\b([^>]*)>|<" + P + rb"c\b([^>]*?)(?:/>|>(.*?)</" + P + rb"c>)", re.S)
ATTRIBUTE = re.compile(rb'([\w:]+)\s*=\s*"([^"]*)"')
VALUE = re.compile(rb"<" + P + rb"v>(.*?)</" + P + rb"v>", re.S)
FORMULA = re.compile(rb"<" + P + rb"f\b([^>]*?)(?:/>|>(.*?)</" + P + rb"f>)", re.S)
TEXT = re.compile(rb"<" + P + rb"t\b[^>]*>(.*?)</" + P + rb"t>", re.S)
PHONETIC = re.compile(rb"<" + P + rb"rPh\b.*?</" + P + rb"rPh>", re.S)
SHARED_STRING = re.compile(rb"<" + P + rb"si\b[^>]*?(?:/>|>(.*?)</" + P + rb"si>)", re.S)
ROW_START = re.compile(rb"<" + P + rb"row[\s>/]")
SHEET_DATA_START = re.compile(rb"<" + P + rb"sheetData\b[^>]*?(/?)>")
SHEET_DATA_END = re.compile(rb"</" + P + rb"sheetData>")
ROW_END = re.compile(rb"</" + P + rb"row>")
DIMENSION = re.compile(rb"<" + P + rb'dimension\s+ref="[A-Z]*\d*:?[A-Z]*(\d+)"')
ESCAPED_CHAR = re.compile(r"_x([0-9A-Fa-f]{4})_")
INTEGER = re.compile(rb"-?\d{1,15}")

# The plainly written cells of a piece of sheetData, as text: a row start, or a cell with its
# column letters, style, type, "/" when self-closing, and a <v> value (printable ASCII) or an
# inline string. Anything else in the piece leaves a "<" no token accounts for.
PLAIN_TOKEN = re.compile(
    r'<row r="([0-9]+)"[^>]*>'
    r'|<c r="([A-Z]{1,3})[0-9]+"(?: s="([0-9]+)")?(?: t="([A-Za-z]+)")?'
    r'(?:(/)>|>(?:<v>([ -;=-~]+)</v>|<is><t(?: xml:space="preserve")?>([^<]+)</t></is>)?</c>)'
)
PLAIN_INTEGER = re.compile(r"-?[0-9]{1,15}")
# A shared string written as one plain text run; any other <si> (rich text, phonetic runs,
# prefixes, empty) matches the second branch and sends the table to the general reader.
PLAIN_SHARED_STRING = re.compile(r'<si><t(?: xml:space="preserve")?>([^<]*)</t></si>|(<(?:[A-Za-z_][\w.-]*:)?si\b)')


def _text(raw: bytes) -> str:
    text = raw.decode("utf-8", errors="replace")
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        # Excel writes control characters as _xHHHH_.
        text = ESCAPED_CHAR.sub(lambda match: chr(int(match.group(1), 16)), text)
    return text


def _unescaped(text: str) -> str:
    """``_text`` of text already decoded."""
    if "&" in text:
        text = html.unescape(text)
    if "_x" in text:
        text = ESCAPED_CHAR.sub(lambda match: chr(int(match.group(1), 16)), text)
    return text


def _rich_text(raw: bytes) -> str:
    if b"<rPh" in raw:
        raw = PHONETIC.sub(b"", raw)
    return "".join(_text(part) for part in TEXT.findall(raw))


def _column_index(reference: bytes) -> int:
    index = 0
    for byte in reference:
        if 65 <= byte <= 90:
            index = index * 26 + byte - 64
        elif 97 <= byte <= 122:
            index = index * 26 + byte - 96
        else:
            break
    return index - 1


def _attributes(raw: bytes) -> dict[bytes, bytes]:
    return {name.rsplit(b":", 1)[-1]: value for name, value in ATTRIBUTE.findall(raw)}


class XlsxReader:
    def __init__(self, content: bytes):
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(content))
            infos = self.archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
            raise ImportFileRefused("The file is not a valid .xlsx workbook (it may be damaged).") from exc
        self._check_archive(infos, len(content))
        names = {info.filename for info in infos}
        if "[Content_Types].xml" not in names:
            raise ImportFileRefused("The file is a zip archive, not an Excel workbook.")
        content_types = self.archive.read("[Content_Types].xml")
        if b"macroEnabled" in content_types or "xl/vbaProject.bin" in names:
            raise ImportFileRefused("Macro-enabled workbooks (.xlsm) are not accepted: save it as .xlsx.")
        workbook = self._target(self._relationships("_rels/.rels"), "officeDocument", base="")
        if workbook is None or workbook not in names:
            raise ImportFileRefused("The file is a zip archive, not an Excel workbook.")
        relationships = self._relationships(
            f"{PurePosixPath(workbook).parent}/_rels/{PurePosixPath(workbook).name}.rels"
        )
        root = self._parse(workbook)
        properties = root.find(f"{{{MAIN_NS}}}workbookPr")
        date1904 = properties is not None and properties.get("date1904") in ("1", "true")
        self.epoch = CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900
        sheets = root.findall(f"{{{MAIN_NS}}}sheets/{{{MAIN_NS}}}sheet")
        if not sheets:
            raise ImportFileRefused("The workbook has no sheet.")
        base = str(PurePosixPath(workbook).parent)
        first = relationships.get(sheets[0].get(f"{{{REL_NS}}}id"), (None, None))[1]
        self.sheet = self._resolve(base, first) if first else None
        if self.sheet not in names:
            raise ImportFileRefused("The workbook's first sheet is missing or is not a worksheet.")
        strings = self._target(relationships, "sharedStrings", base=base)
        self.strings = self._shared_strings(strings) if strings in names else []
        styles = self._target(relationships, "styles", base=base)
        self.date_styles = self._date_styles(styles) if styles in names else frozenset()

    @staticmethod
    def _check_archive(infos: list[zipfile.ZipInfo], size: int) -> None:
        declared = sum(info.file_size for info in infos)
        ratio = settings.IMPORT_MAX_COMPRESSION_RATIO
        bomb = (
            len(infos) > MAX_ZIP_MEMBERS
            or declared > settings.IMPORT_MAX_UNCOMPRESSED_BYTES
            or declared > ratio * max(size, 1)
            or any(
                info.file_size > RATIO_CHECKED_FROM and info.file_size > ratio * max(info.compress_size, 1)
                for info in infos
            )
        )
        if bomb:
            raise ImportFileRefused(
                "The workbook unpacks to far more data than a customer list holds (a zip bomb?); it was not opened."
            )
        if any(info.flag_bits & 0x1 for info in infos):
            raise ImportFileRefused("The workbook is password-protected: remove the password and save it again.")

    def _parse(self, name: str):
        try:
            return ElementTree.fromstring(self.archive.read(name))
        except (ElementTree.ParseError, KeyError, zipfile.BadZipFile) as exc:
            raise ImportFileRefused("The workbook is damaged: one of its parts cannot be read.") from exc
        except Exception as exc:  # defusedxml refuses DTDs and entities with its own exceptions
            raise ImportFileRefused("The workbook contains XML that is not allowed (entities or a DTD).") from exc

    def _relationships(self, name: str) -> dict[str, tuple[str, str]]:
        try:
            self.archive.getinfo(name)
        except KeyError:
            return {}
        return {
            rel.get("Id"): (rel.get("Type", ""), rel.get("Target", ""))
            for rel in self._parse(name).findall(f"{{{PKG_REL_NS}}}Relationship")
        }

    @staticmethod
    def _resolve(base: str, target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        parts: list[str] = []
        for part in f"{base}/{target}".split("/") if base else target.split("/"):
            if part == "..":
                if parts:
                    parts.pop()
            elif part and part != ".":
                parts.append(part)
        return "/".join(parts)

    def _target(self, relationships: dict[str, tuple[str, str]], kind: str, *, base: str) -> str | None:
        for rel_type, target in relationships.values():
            if rel_type.endswith(f"/{kind}"):
                return self._resolve(base, target)
        return None

    def _shared_strings(self, name: str) -> list[str]:
        raw = self.archive.read(name)
        try:
            plain = PLAIN_SHARED_STRING.findall(raw.decode("utf-8"))
        except UnicodeDecodeError:
            plain = None
        if plain is not None and not any(other for _, other in plain):
            return [_unescaped(text) for text, _ in plain]
        return [_rich_text(body) if body else "" for body in SHARED_STRING.findall(raw)]

    def _date_styles(self, name: str) -> frozenset[int]:
        root = self._parse(name)
        custom = {
            int(fmt.get("numFmtId", -1)): fmt.get("formatCode", "")
            for fmt in root.findall(f"{{{MAIN_NS}}}numFmts/{{{MAIN_NS}}}numFmt")
        }
        dates = set()
        for index, xf in enumerate(root.findall(f"{{{MAIN_NS}}}cellXfs/{{{MAIN_NS}}}xf")):
            format_id = int(xf.get("numFmtId", 0))
            code = custom.get(format_id) or BUILTIN_FORMATS.get(format_id, "")
            if code and is_date_format(code):
                dates.add(index)
        return frozenset(dates)

    def _chunks(self) -> Iterator[bytes]:
        with self.archive.open(self.sheet) as stream:
            while chunk := stream.read(CHUNK):
                yield chunk

    @cached_property
    def estimated_rows(self) -> int:
        with self.archive.open(self.sheet) as stream:
            head = stream.read(4096)
        match = DIMENSION.search(head)
        if match and int(match.group(1)) > 1:
            return int(match.group(1)) - 1
        # No dimension (openpyxl's write-only mode omits it): count the rows.
        count, tail = 0, b""
        for chunk in self._chunks():
            data = tail + chunk
            end = max(len(data) - 16, 0)
            head = data[:end]
            plain = head.count(b"<row ") + head.count(b"<row>") + head.count(b"<row/")
            if plain == head.count(b"<row") and b":row" not in data:
                count += plain  # ROW_START's count, at memchr speed
            else:
                count += len(ROW_START.findall(data, 0, end))
            tail = data[end:]
        return max(count + len(ROW_START.findall(tail)) - 1, 0)

    def _sheet_data(self) -> Iterator[bytes]:
        """The sheetData element's content in pieces that each end after a whole row."""
        buffer = b""
        started = False
        for chunk in self._chunks():
            buffer += chunk
            if not started:
                match = SHEET_DATA_START.search(buffer)
                if match is None:
                    buffer = buffer[-64:]
                    continue
                if match.group(1):  # <sheetData/>: no rows at all
                    return
                started, buffer = True, buffer[match.end() :]
            end = SHEET_DATA_END.search(buffer)
            if end is not None:
                yield buffer[: end.start()]
                return
            cut = None
            for cut_match in ROW_END.finditer(buffer, max(len(buffer) - CHUNK // 4, 0)):
                cut = cut_match.end()
            if cut is None:
                for cut_match in ROW_END.finditer(buffer):
                    cut = cut_match.end()
            if cut is not None:
                yield buffer[:cut]
                buffer = buffer[cut:]
        if started and buffer:
            yield buffer

    def rows(self) -> Iterator[tuple[int, list[Any]]]:
        number = 0
        cells: list[Any] = []
        in_row = False
        shared_formulas: dict[bytes, tuple[str, str]] = {}
        columns: dict[str, int] = {}
        for piece in self._sheet_data():
            plain = self._plain_rows(piece, number, cells, in_row, columns)
            if plain is not None:
                finished, number, cells, in_row = plain
                yield from finished
                continue
            for is_row, row_attributes, cell_attributes, inner in TOKEN.findall(piece):
                if is_row:
                    if in_row and any(value is not None and value != "" for value in cells):
                        yield number, cells
                    reference = _attributes(row_attributes).get(b"r")
                    number = int(reference) if reference and reference.isdigit() else number + 1
                    cells, in_row = [], True
                    continue
                attributes = _attributes(cell_attributes)
                reference = attributes.get(b"r")
                index = _column_index(reference) if reference else len(cells)
                if index < len(cells):
                    continue
                if index > len(cells):
                    cells.extend([None] * (index - len(cells)))
                cells.append(self._value(attributes, inner, shared_formulas) if inner else None)
        if in_row and any(value is not None and value != "" for value in cells):
            yield number, cells

    def _plain_rows(
        self, piece: bytes, number: int, cells: list[Any], in_row: bool, columns: dict[str, int]
    ) -> tuple[list[tuple[int, list[Any]]], int, list[Any], bool] | None:
        """The rows ``rows`` finishes in ``piece`` and the row left open, when every tag of it is plain; else None.

        ``number``, ``cells`` and ``in_row`` are the open row before the piece; they are not changed.
        """
        try:
            text = piece.decode("utf-8")
        except UnicodeDecodeError:
            return None
        finished: list[tuple[int, list[Any]]] = []
        # Each row end, row start and cell token accounts for the "<" characters it holds; a "<"
        # left over belongs to something only the general reader understands.
        accounted = text.count("</row>")
        strings = self.strings
        started = False
        size = len(cells)
        for row_number, letters, style, kind, closed, value, inline in PLAIN_TOKEN.findall(text):
            if row_number:
                if in_row and any(cell is not None and cell != "" for cell in cells):
                    finished.append((number, cells))
                number, cells, size, in_row, started = int(row_number), [], 0, True, True
                accounted += 1
                continue
            if not started:
                return None  # a cell before any row start of the piece belongs to the open row
            index = columns.get(letters)
            if index is None:
                index = columns[letters] = _column_index(letters.encode())
            if inline:
                accounted += 6
                if index < size:
                    continue
                if kind == "inlineStr":
                    cell: Any = inline if "&" not in inline and "_x" not in inline else _unescaped(inline)
                else:
                    cell = self._value(_plain_attributes(style, kind), f"<is><t>{inline}</t></is>".encode(), {})
            elif value:
                accounted += 4
                if index < size:
                    continue
                if kind == "s":
                    try:
                        cell = strings[int(value)]
                    except (ValueError, IndexError):
                        cell = CellError("#REF!")
                elif not kind or kind == "n":
                    cell = self._plain_number(value, style)
                elif kind == "str":
                    cell = _unescaped(value)
                else:
                    cell = self._value(_plain_attributes(style, kind), f"<v>{value}</v>".encode(), {})
            else:
                accounted += 1 if closed else 2
                if index < size:
                    continue
                cell = None
            if index > size:
                cells.extend([None] * (index - size))
                size = index
            cells.append(cell)
            size += 1
        if accounted != text.count("<"):
            return None
        return finished, number, cells, in_row

    def _plain_number(self, value: str, style: str) -> Any:
        """``_value`` of a number cell's <v> text (printable ASCII)."""
        try:
            if len(value) <= 15 and value.isdigit():
                number: int | float = int(value)
            else:
                number = int(value) if PLAIN_INTEGER.fullmatch(value) else float(value)
        except ValueError:
            return _unescaped(value)
        if style and self.date_styles and int(style) in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return number

    def _value(self, attributes: dict[bytes, bytes], inner: bytes, shared: dict[bytes, tuple[str, str]]) -> Any:
        kind = attributes.get(b"t", b"n")
        if b"<f" in inner or b":f" in inner:
            formula = self._formula(attributes, inner, shared)
            if formula is not None:
                return formula
        if kind == b"inlineStr":
            return _rich_text(inner)
        match = VALUE.search(inner)
        if match is None:
            return None
        raw = match.group(1)
        if kind == b"s":
            try:
                return self.strings[int(raw)]
            except (ValueError, IndexError):
                return CellError("#REF!")
        if kind in (b"str", b"inlineStr"):
            return _text(raw)
        if kind == b"b":
            return raw.strip() == b"1"
        if kind == b"e":
            return CellError(_text(raw))
        if kind == b"d":
            try:
                return dt.datetime.fromisoformat(_text(raw))
            except ValueError:
                return _text(raw)
        try:
            number: int | float = int(raw) if INTEGER.fullmatch(raw) else float(raw)
        except ValueError:
            return _text(raw)
        style = attributes.get(b"s")
        if style is not None and self.date_styles and int(style) in self.date_styles:
            try:
                return from_excel(number, self.epoch)
            except (ValueError, OverflowError):
                return number
        return number

    @staticmethod
    def _formula(attributes: dict[bytes, bytes], inner: bytes, shared: dict[bytes, tuple[str, str]]) -> str | None:
        """The formula's text (=A1*2), never its value: nothing in a sheet is evaluated."""
        match = FORMULA.search(inner)
        if match is None:
            return None
        formula_attributes = _attributes(match.group(1))
        text = _text(match.group(2)) if match.group(2) else ""
        reference = (attributes.get(b"r") or b"").decode()
        group = formula_attributes.get(b"si")
        if formula_attributes.get(b"t") == b"shared" and group is not None:
            if text:
                shared[group] = (text, reference)
            elif group in shared and reference:
                master, origin = shared[group]
                try:
                    return Translator(f"={master}", origin=origin).translate_formula(reference)
                except (TranslatorError, ValueError):
                    return f"={master}"
        return f"={text}" if text else None


def _plain_attributes(style: str, kind: str) -> dict[bytes, bytes]:
    attributes = {}
    if style:
        attributes[b"s"] = style.encode()
    if kind:
        attributes[b"t"] = kind.encode()
    return attributes


def content_of(upload) -> bytes:
    """The bytes of an uploaded file, read no further than one byte past the size limit."""
    upload.seek(0)
    return upload.read(settings.IMPORT_MAX_BYTES + 1)
