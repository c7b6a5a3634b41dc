"""The filtered customer list as xlsx, csv or pdf, read a batch at a time."""

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connections
from django.db.models import Case, CharField, Expression, F, QuerySet, Value, When
from django.utils import timezone

from accounts.models import Organization
from core.db import copied_text_values
from customers.filters import STATUS_CHOICES, CustomerFilterSet
from customers.models import Category, ContactOrigin, Customer, CustomerGroup, CustomerStatus, CustomerType
from customers.selectors import customer_list

from .cells import (
    CSV_CONTENT_TYPE,
    PDF_CONTENT_TYPE,
    XLSX_CONTENT_TYPE,
    CellKind,
    Column,
    CsvFile,
    ExportFile,
    csv_field,
    display,
)
from .database_cells import CsvRecord, CsvText, LocalExcelSerial, LocalTimeText, MoneyText, XlsxRowXml
from .pdf import column_percentages, document_context, render_pdf
from .xlsx_stream import XlsxStream

EXPORT_FORMATS = ("xlsx", "csv", "pdf")
LIST_FILTERS = frozenset(CustomerFilterSet.base_filters)
# Rows fetched per query: large enough to keep the query count low, small enough to keep memory flat.
BATCH_SIZE = 2000

TYPE_LABELS = dict(CustomerType.choices)
STATUS_LABELS = dict(CustomerStatus.choices)
CUSTOMER_LIST_COLUMNS: tuple[Column, ...] = (
    Column("Customer No", "customer_no", 14),
    Column("Name", "name", 32),
    Column("Legal name", "legal_name", 28),
    Column("Type", "type", 12, labels=TYPE_LABELS),
    Column("Status", "status", 10, labels=STATUS_LABELS),
    Column("Tax ID", "tax_id", 16),
    Column("Phone", "phone", 17),
    Column("Email", "email", 30),
    Column("Address", "address", 36),
    Column("City", "city", 16),
    Column("Country", "country", 9),
    Column("Branch", "branch__code", 9),
    Column("Category", "category__name", 18),
    Column("Group", "group__name", 18),
    Column("Currency", "currency", 9),
    Column("Credit limit", "credit_limit", 14, CellKind.MONEY),
    Column("Balance", "balance", 14, CellKind.MONEY),
    Column("Deposits", "deposit_amount", 14, CellKind.MONEY),
    Column("Transactions", "total_transactions", 13, CellKind.NUMBER),
    Column("Last transaction", "last_transaction_at", 18, CellKind.DATETIME),
    Column("Created", "created_at", 18, CellKind.DATETIME),
)
# What a landscape A4 page holds (widths are shares of the page); the spreadsheets carry every column.
PDF_COLUMNS: tuple[Column, ...] = (
    Column("Customer No", "customer_no", 10),
    Column("Name", "name", 20),
    Column("Type", "type", 9, labels=TYPE_LABELS),
    Column("Status", "status", 7, labels=STATUS_LABELS),
    Column("Tax ID", "tax_id", 11),
    Column("Phone", "phone", 14),
    Column("Email", "email", 19),
    Column("Branch", "branch__code", 6),
    Column("Category", "category__name", 11),
    Column("Currency", "currency", 6),
    Column("Balance", "balance", 11),
    Column("Created", "created_at", 10, as_date=True),
)

FILTER_LABELS = {
    "search": "Search",
    "branch_id": "Branch",
    "status": "Status",
    "type": "Type",
    "category_id": "Category",
    "group_id": "Group",
    "origin_id": "Origin",
    "customer_no": "Customer No",
    "tin": "Tax ID",
    "created_from": "Created from",
    "created_to": "Created to",
    "updated_since": "Updated since",
    "ordering": "Order",
}
LOOKUP_FILTERS = {"category_id": Category, "group_id": CustomerGroup, "origin_id": ContactOrigin}
ORDERING_LABELS = {
    "name": "Name",
    "customer_no": "Customer No",
    "created_at": "Created",
    "updated_at": "Updated",
    "balance": "Balance",
}
# Filters whose values are words of the API ("company", "inactive"), shown by their labels.
WORD_FILTER_LABELS = {"status": dict(STATUS_CHOICES), "type": TYPE_LABELS}


@dataclass(frozen=True)
class PdfCell:
    text: str
    numeric: bool


def list_filters_from(params: Mapping[str, Any]) -> dict[str, str]:
    """The list filters among ``params`` (one value each), as an export job stores them."""
    return {
        name: str(params.get(name)) for name in params if name in LIST_FILTERS and params.get(name) not in (None, "")
    }


def customer_rows(
    *,
    customers: QuerySet[Customer],
    columns: Sequence[Column],
    zone: ZoneInfo,
    on_batch: Callable[[int], None] | None = None,
) -> Iterator[list[Any]]:
    """Typed rows of ``customers`` in the list's order.

    The ordered ids are read first (one small query); then each batch of ids is read with
    ``values_list`` over exactly the exported columns, joins included, so neither a giant
    queryset nor a per-row lookup is ever held or made. ``on_batch`` hears how many rows are done.
    """
    ids = list(dict.fromkeys(customers.values_list("pk", flat=True)))
    fields = [column.field for column in columns]
    done = 0
    for start in range(0, len(ids), BATCH_SIZE):
        batch = ids[start : start + BATCH_SIZE]
        by_id = {row[0]: row[1:] for row in Customer.objects.filter(pk__in=batch).order_by().values_list("pk", *fields)}
        for pk in batch:
            raw = by_id.get(pk)
            if raw is not None:
                yield [column.value(value, zone=zone) for column, value in zip(columns, raw, strict=True)]
        done += len(batch)
        if on_batch is not None:
            on_batch(done)


def database_cell(column: Column, *, zone: ZoneInfo, for_csv: bool) -> Expression:
    """The SQL expression of ``column``'s value as the csv file, or an xlsx cell, holds it.

    Text stays as stored: the record around it escapes it and neutralizes formulas as its format
    needs (``CsvText``, ``XlsxRowXml``).
    """
    field = F(column.field)
    if column.labels:
        return _labelled(column, labels=column.labels, default=field)
    if column.kind is CellKind.MONEY:
        return MoneyText(field)
    if column.kind is CellKind.DATETIME:
        return LocalTimeText(field, zone=zone) if for_csv else LocalExcelSerial(field, zone=zone)
    return field


def _labelled(column: Column, *, labels: Mapping[str, str], default: Expression) -> Expression:
    """``column``'s stored choice as its label from ``labels``, else ``default``."""
    whens = [When(**{column.field: value}, then=Value(label)) for value, label in labels.items()]
    return Case(*whens, default=default, output_field=CharField())


def csv_record(columns: Sequence[Column], *, zone: ZoneInfo) -> Expression:
    return CsvRecord(*(_csv_field(column, zone=zone) for column in columns))


def _csv_field(column: Column, *, zone: ZoneInfo) -> Expression:
    if column.labels:
        # The labels are written as finished fields; a stored value without a label is text like any other.
        finished = {value: csv_field(label) for value, label in column.labels.items()}
        return _labelled(column, labels=finished, default=CsvText(F(column.field)))
    if column.kind is CellKind.TEXT:
        return CsvText(F(column.field))
    return database_cell(column, zone=zone, for_csv=True)


def xlsx_row(columns: Sequence[Column], *, zone: ZoneInfo) -> Expression:
    # Choice labels are text; their raw values never reach the sheet.
    return XlsxRowXml(
        [
            (CellKind.TEXT if column.labels else column.kind, database_cell(column, zone=zone, for_csv=False))
            for column in columns
        ]
    )


def formatted_record_batches(
    *,
    customers: QuerySet[Customer],
    record: Expression,
    on_batch: Callable[[int], None] | None = None,
    by_copy: bool = False,
) -> Iterator[list[str]]:
    """Batches of ``customers``' rows in the list's order, each row one finished ``record`` text.

    The database formats every cell and joins the row (``CsvRecord``, ``XlsxRowXml``), and the
    list is read by one statement, streamed a batch at a time, so Python does no per-cell work and
    memory stays flat. ``on_batch`` hears how many rows are done.

    ``by_copy`` reads the list with PostgreSQL's ``COPY`` (``core.db.copied_text_values``), about
    twice as fast as a cursor; the connection can write nothing until the last row, so there
    ``on_batch`` hears of the rows once, when they have all arrived.
    """
    records = customers.annotate(export_record=record).values_list("export_record", flat=True)
    copying = by_copy and connections[records.db].vendor == "postgresql"
    rows = copied_text_values(records) if copying else records.iterator(chunk_size=BATCH_SIZE)
    done = 0
    while batch := list(islice(rows, BATCH_SIZE)):
        yield batch
        done += len(batch)
        if on_batch is not None and not copying:
            on_batch(done)
    if on_batch is not None and copying and done:
        on_batch(done)


def customer_list_export(
    *,
    organization: Organization,
    filters: Mapping[str, Any] | None,
    format: str,
    on_progress: Callable[[int], None] | None = None,
) -> ExportFile:
    """The customers the list shows for ``filters``, as an xlsx, csv or pdf file."""
    customers = customer_list(organization=organization, filters=filters)
    zone = ZoneInfo(organization.timezone)
    stamp = timezone.now().astimezone(zone)
    filename = f"customers-{organization.slug}-{stamp:%Y%m%d-%H%M}.{format}"
    if format == "csv":
        csv_file = CsvFile([column.header for column in CUSTOMER_LIST_COLUMNS])
        record = csv_record(CUSTOMER_LIST_COLUMNS, zone=zone)
        # A CSV is nearly all reading: the fastest read is worth progress that arrives at once.
        batches = formatted_record_batches(customers=customers, record=record, on_batch=on_progress, by_copy=True)
        for batch in batches:
            csv_file.extend_records(batch)
        return ExportFile(csv_file.to_bytes(), filename, CSV_CONTENT_TYPE)
    if format == "xlsx":
        sheet = XlsxStream(title="Customers", columns=CUSTOMER_LIST_COLUMNS)
        record = xlsx_row(CUSTOMER_LIST_COLUMNS, zone=zone)
        for batch in formatted_record_batches(customers=customers, record=record, on_batch=on_progress):
            sheet.write_row_xml(batch)
        return ExportFile(sheet.to_bytes(), filename, XLSX_CONTENT_TYPE)
    if format == "pdf":
        rows = [
            [PdfCell(display(value), isinstance(value, Decimal | int)) for value in row]
            for row in customer_rows(customers=customers, columns=PDF_COLUMNS, zone=zone, on_batch=on_progress)
        ]
        described = filter_descriptions(organization=organization, filters=filters or {})
        filters_line = "Filters: " + (
            " · ".join(f"{label}: {value}" for label, value in described) if described else "none (all customers)"
        )
        widths = column_percentages([column.width for column in PDF_COLUMNS])
        context = {
            **document_context(organization=organization, title="Customer list", header_lines=[filters_line]),
            "columns": [
                {"header": column.header, "numeric": column.header == "Balance", "width": width}
                for column, width in zip(PDF_COLUMNS, widths, strict=True)
            ],
            "rows": rows,
            "row_count": len(rows),
        }
        return ExportFile(
            render_pdf(template_name="exports/customer_list.html", context=context), filename, PDF_CONTENT_TYPE
        )
    raise ValueError(f"Unknown export format {format!r}.")


def filter_descriptions(*, organization: Organization, filters: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The filters as a reader of the PDF understands them: labels, and lookup names instead of ids."""
    described = []
    for name, label in FILTER_LABELS.items():
        value = filters.get(name)
        if value in (None, ""):
            continue
        text = str(value)
        model = LOOKUP_FILTERS.get(name)
        if model is not None and text.isdigit():
            found = model.objects.filter(organization=organization, pk=int(text)).values_list("name", flat=True).first()
            text = found or text
        elif name in WORD_FILTER_LABELS:
            text = WORD_FILTER_LABELS[name].get(text, text)
        elif name == "ordering" and text.lstrip("-") in ORDERING_LABELS:
            text = f"{ORDERING_LABELS[text.lstrip('-')]}, {'descending' if text.startswith('-') else 'ascending'}"
        described.append((label, text))
    return described
