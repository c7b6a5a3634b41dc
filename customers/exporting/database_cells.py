"""Cells the database formats, so that long exports do no per-cell work in Python.

Each expression gives a cell exactly as ``customers.exporting.cells`` would write it from the
Python value: money with two decimals, times in the organization's local time (as text for CSV,
as an Excel serial number for xlsx), and CSV text neutralized against formula injection.

PostgreSQL converts times with ``AT TIME ZONE``. SQLite has no time-zone database, so its SQL
carries the zone's UTC offsets as a ``CASE`` over the zone's transitions, worked out once per zone
from Python's ``zoneinfo``; SQLite stores times as UTC text, which compares in time order.
"""

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import CharField, FloatField, Func

from .cells import FORMULA_TRIGGERS, CellKind

# The transitions looked up for SQLite: from 1970 to well past any stored time.
_FIRST_YEAR = 1970
_YEARS_AHEAD = 30
# Days between Excel's day zero (1899-12-30) and 1970-01-01; SQLite's julian day of that day zero.
_EXCEL_UNIX_EPOCH_DAYS = 25569
_EXCEL_EPOCH_JULIAN_DAY = 2415018.5


@lru_cache(maxsize=64)
def utc_offset_segments(zone_key: str) -> tuple[tuple[str, int], ...]:
    """The zone's UTC offsets in minutes, oldest first, each with the UTC time it starts from.

    The first segment also stands for any earlier time, the last for any later one.
    """
    zone = ZoneInfo(zone_key)
    moment = datetime(_FIRST_YEAR, 1, 1, tzinfo=UTC)
    end = datetime(datetime.now(UTC).year + _YEARS_AHEAD, 1, 1, tzinfo=UTC)
    step = timedelta(days=1)
    segments = [(moment, _offset_minutes(zone, moment))]
    while moment < end:
        following = moment + step
        offset = _offset_minutes(zone, following)
        if offset != segments[-1][1]:
            segments.append((_transition(zone, moment, following), offset))
        moment = following
    return tuple((start.strftime("%Y-%m-%d %H:%M:%S"), offset) for start, offset in segments)


def _offset_minutes(zone: ZoneInfo, moment: datetime) -> int:
    return int(moment.astimezone(zone).utcoffset().total_seconds()) // 60


def _transition(zone: ZoneInfo, before: datetime, after: datetime) -> datetime:
    """The first second in (before, after] with ``after``'s offset."""
    offset = _offset_minutes(zone, after)
    while after - before > timedelta(seconds=1):
        middle = before + (after - before) / 2
        middle = middle.replace(microsecond=0)
        if _offset_minutes(zone, middle) == offset:
            after = middle
        else:
            before = middle
    return after


def _sqlite_local_modifier(column_sql: str, column_params, zone: ZoneInfo) -> tuple[str, list]:
    """An SQLite date modifier (``'+180 minutes'``) that moves the UTC time in ``column_sql`` to ``zone``.

    The segments are searched as a balanced tree of ``CASE`` expressions, so a zone with daylight
    saving time costs about eight comparisons a row, not one per transition.
    """

    def search(segments: tuple[tuple[str, int], ...]) -> tuple[str, list]:
        if len(segments) == 1:
            return "%s", [f"{segments[0][1]:+d} minutes"]
        middle = len(segments) // 2
        later_sql, later_params = search(segments[middle:])
        earlier_sql, earlier_params = search(segments[:middle])
        return (
            f"CASE WHEN {column_sql} >= %s THEN {later_sql} ELSE {earlier_sql} END",
            [*column_params, segments[middle][0], *later_params, *earlier_params],
        )

    return search(utc_offset_segments(zone.key))


class _ZonedTime(Func):
    def __init__(self, expression, *, zone: ZoneInfo):
        super().__init__(expression)
        self.zone = zone


class LocalTimeText(_ZonedTime):
    """A stored time as the organization reads it: ``YYYY-MM-DD HH:MM:SS`` in its zone."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        modifier_sql, modifier_params = _sqlite_local_modifier(column_sql, column_params, self.zone)
        # datetime() is strftime('%Y-%m-%d %H:%M:%S', ...) without a format to read: faster per row.
        return f"datetime({column_sql}, {modifier_sql})", (*column_params, *modifier_params)

    def as_postgresql(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        return f"to_char({column_sql} AT TIME ZONE %s, 'YYYY-MM-DD HH24:MI:SS')", (*column_params, self.zone.key)


class LocalExcelSerial(_ZonedTime):
    """A stored time as an Excel serial number (days since 1899-12-30) in the organization's zone."""

    output_field = FloatField()

    def as_sqlite(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        modifier_sql, modifier_params = _sqlite_local_modifier(column_sql, column_params, self.zone)
        return f"(julianday({column_sql}, {modifier_sql}) - {_EXCEL_EPOCH_JULIAN_DAY})", (
            *column_params,
            *modifier_params,
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        return (
            f"(EXTRACT(EPOCH FROM ({column_sql} AT TIME ZONE %s)) / 86400 + {_EXCEL_UNIX_EPOCH_DAYS})::float8",
            (*column_params, self.zone.key),
        )


class MoneyText(Func):
    """An amount with exactly two decimals, the minus sign in front (``-250.00``); NULL stays NULL."""

    output_field = CharField()

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite keeps decimals as REAL or INTEGER; printf rounds them to the cent.
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        return (
            f"CASE WHEN {column_sql} IS NULL THEN NULL ELSE printf('%%.2f', {column_sql}) END",
            (*column_params, *column_params),
        )

    def as_postgresql(self, compiler, connection, **extra_context):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        return f"ROUND({column_sql}, 2)::text", column_params


class FormulaNeutralized(Func):
    """CSV text that no spreadsheet evaluates: a leading apostrophe before a formula trigger.

    The same rule as ``cells.csv_text``, applied by the database. The first character is compared
    by its code point, which both databases read without building a substring.
    """

    output_field = CharField()

    def _neutralized(self, compiler, first_code_point: str):
        column_sql, column_params = compiler.compile(self.source_expressions[0])
        triggers = ", ".join(str(ord(trigger)) for trigger in FORMULA_TRIGGERS)
        return (
            f"CASE WHEN {first_code_point}({column_sql}) IN ({triggers}) THEN %s || {column_sql} ELSE {column_sql} END",
            (*column_params, "'", *column_params, *column_params),
        )

    def as_sqlite(self, compiler, connection, **extra_context):
        return self._neutralized(compiler, "unicode")

    def as_postgresql(self, compiler, connection, **extra_context):
        return self._neutralized(compiler, "ascii")


# SQLite's default limit of arguments to a function is 127; a longer record is joined with ``||``.
_SQLITE_PRINTF_MAX_FIELDS = 100
# A text field in SQLite's printf: in double quotes, its own double quotes doubled.
_SQLITE_QUOTED_FORMAT = '"%w"'


class CsvText(Func):
    """Text as one field of a CSV record, as ``cells.csv_field`` writes it, made by the database.

    Neutralized against formula injection (``FormulaNeutralized``), then always put in double
    quotes with its own double quotes doubled (``csv.QUOTE_NONNUMERIC``'s rule for text). NULL is
    an empty text, ``""``.
    """

    output_field = CharField()

    def unquoted_sql(self, compiler) -> tuple[str, list]:
        """What goes between the quotes: the neutralized text, never NULL."""
        neutralized_sql, neutralized_params = compiler.compile(FormulaNeutralized(self.source_expressions[0]))
        return f"COALESCE({neutralized_sql}, '')", list(neutralized_params)

    def as_sql(self, compiler, connection, **extra_context):
        text_sql, text_params = self.unquoted_sql(compiler)
        return f"('\"' || replace({text_sql}, '\"', '\"\"') || '\"')", text_params

    def as_sqlite(self, compiler, connection, **extra_context):
        # printf's %w doubles double quotes (a NULL it would write as "(NULL)").
        text_sql, text_params = self.unquoted_sql(compiler)
        return f"printf(%s, {text_sql})", [_SQLITE_QUOTED_FORMAT, *text_params]


class CsvRecord(Func):
    """A whole CSV record, its line ending aside, put together by the database.

    As with ``XlsxRowXml``, twenty cells a row handed to ``csv.writer`` one by one cost more than
    the database's own string work, and one text value a row is all Python then touches.
    The fields arrive finished: ``CsvText`` for text, formatted values (``MoneyText``,
    ``LocalTimeText``, whole numbers) otherwise, which are written bare. NULL is an empty field.
    """

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        pieces: list[str] = []
        params: list[Any] = []
        for expression in self.source_expressions:
            value_sql, value_params = compiler.compile(expression)
            # CsvText is never NULL and already text: a hundred thousand rows of thirteen such
            # fields spare that many COALESCE and CAST steps.
            finished = isinstance(expression, CsvText)
            pieces.append(value_sql if finished else f"COALESCE(CAST({value_sql} AS TEXT), '')")
            params += value_params
        return "(" + " || ',' || ".join(pieces) + ")", params

    def as_sqlite(self, compiler, connection, **extra_context):
        """The record as one ``printf``.

        A chain of ``||`` copies the growing record and allocates a string at every step, which at a
        hundred thousand rows of twenty-one fields was half the statement's time. ``printf`` writes
        the record into one buffer, NULL as an empty field and numbers as ``CAST(… AS TEXT)`` does;
        a text field is quoted by its place in the format (``"%w"``, which doubles its quotes), not by
        a call of its own.
        """
        if len(self.source_expressions) > _SQLITE_PRINTF_MAX_FIELDS:
            return self.as_sql(compiler, connection, **extra_context)
        formats: list[str] = []
        pieces: list[str] = []
        params: list[Any] = []
        for expression in self.source_expressions:
            if isinstance(expression, CsvText):
                formats.append(_SQLITE_QUOTED_FORMAT)
                value_sql, value_params = expression.unquoted_sql(compiler)
            else:
                formats.append("%s")
                value_sql, value_params = compiler.compile(expression)
            pieces.append(value_sql)
            params += value_params
        return f"printf(%s, {', '.join(pieces)})", [",".join(formats), *params]


# Styles of ``xlsx_stream.STYLES_XML``'s cellXfs.
_XLSX_MONEY_STYLE = 2
_XLSX_DATETIME_STYLE = 3
_XLSX_QUOTE_PREFIX_STYLE = 4
_TEXT_CELL = ('<c t="inlineStr"><is><t xml:space="preserve">', "</t></is></c>")
_QUOTED_TEXT_CELL = (f'<c t="inlineStr" s="{_XLSX_QUOTE_PREFIX_STYLE}"><is><t xml:space="preserve">', "</t></is></c>")
_VALUE_CELLS = {
    CellKind.NUMBER: ("<c><v>", "</v></c>"),
    CellKind.MONEY: (f'<c s="{_XLSX_MONEY_STYLE}"><v>', "</v></c>"),
    CellKind.DATETIME: (f'<c s="{_XLSX_DATETIME_STYLE}"><v>', "</v></c>"),
}


class XlsxRowXml(Func):
    """A whole spreadsheet row as sheet XML (``<row>…</row>``), put together by the database.

    Building each cell in Python costs microseconds, which at a hundred thousand rows of twenty
    columns is most of an export; concatenating strings in SQL costs a fraction of that. Cells
    carry no references, which the format allows: a reader places them in order, and an empty
    cell is written as ``<c/>`` to keep its place. Text is escaped for XML and written as an inline
    string (never evaluated), with the quote-prefix style when a spreadsheet could take it for a
    formula while the cell is edited; its white space is preserved. Control characters that XML
    forbids are removed by ``xlsx_stream.XlsxStream``, as SQL cannot strip them cheaply.
    """

    output_field = CharField()

    def __init__(self, cells: list[tuple[CellKind, Any]]):
        super().__init__(*(expression for _, expression in cells))
        self.kinds = [kind for kind, _ in cells]

    def as_sql(self, compiler, connection, **extra_context):
        pieces: list[str] = []
        params: list[Any] = []
        for kind, expression in zip(self.kinds, self.source_expressions, strict=True):
            value_sql, value_params = compiler.compile(expression)
            if kind is CellKind.TEXT:
                cell_sql, cell_params = _xlsx_text_cell(value_sql, list(value_params), connection.vendor)
            else:
                opening, closing = _VALUE_CELLS[kind]
                cell_sql = f"CASE WHEN {value_sql} IS NULL THEN '<c/>' ELSE %s || {value_sql} || %s END"
                cell_params = [*value_params, opening, *value_params, closing]
            pieces.append(cell_sql)
            params += cell_params
        return "('<row>' || " + " || ".join(pieces) + " || '</row>')", params


def _xlsx_text_cell(value_sql: str, value_params: list, vendor: str) -> tuple[str, list]:
    escaped = f"replace(replace(replace(replace({value_sql}, '&', '&amp;'), '<', '&lt;'), '>', '&gt;'), %s, '&#13;')"
    escaped_params = [*value_params, "\r"]
    if vendor == "sqlite":
        # Most text holds nothing to escape; in SQLite looking is cheaper than four replace() calls.
        escaped = (
            f"CASE WHEN instr({value_sql}, '&') OR instr({value_sql}, '<') OR instr({value_sql}, '>')"
            f" OR instr({value_sql}, %s) THEN {escaped} ELSE {value_sql} END"
        )
        escaped_params = [*value_params * 3, *value_params, "\r", *escaped_params, *value_params]
    first_code_point = "ascii" if vendor == "postgresql" else "unicode"
    triggers = ", ".join(str(ord(trigger)) for trigger in FORMULA_TRIGGERS)
    return (
        f"CASE WHEN {value_sql} IS NULL OR {value_sql} = '' THEN '<c/>'"
        f" WHEN {first_code_point}({value_sql}) IN ({triggers}) THEN %s || {escaped} || %s"
        f" ELSE %s || {escaped} || %s END",
        [
            *value_params * 3,
            _QUOTED_TEXT_CELL[0],
            *escaped_params,
            _QUOTED_TEXT_CELL[1],
            _TEXT_CELL[0],
            *escaped_params,
            _TEXT_CELL[1],
        ],
    )
