"""The import scenario's workbook: N valid customers in the full template, written once and kept.

The customers come from ``customers.generation`` (the generator of the benchmark data), so their
names, tax IDs, phones and emails are as realistic and as valid as the benchmark's own. The
generator refers to lookups by id; here they are written by name, as a person filling in the
template would, and ``lookup_names`` lists the ones the importing organization must have.
A share of the rows carry an opening balance. Files are written under a temporary name and
renamed when complete, so an interrupted run never leaves a truncated workbook to be reused.
"""

import json
import random
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from customers import generation
from customers.resources import CustomerResource

SEED = 23
CHUNK = 5_000
BRANCH_CODES = ("00", *generation.BRANCHES)
NUMERIC_FIELDS = frozenset({"credit_limit", "discount_percent", "opening_balance"})
# Columns of the generated customer row that hold lookup ids, and the names those ids stand for.
LOOKUP_COLUMNS = {
    "category": ("category_id", tuple(generation.CATEGORIES)),
    "group": ("group_id", tuple(generation.GROUPS)),
    "finance_code": ("finance_code_id", tuple(generation.FINANCE_CODES)),
    "origin": ("origin_id", tuple(generation.ORIGINS)),
    "payment_terms": ("payment_terms_id", tuple(generation.PAYMENT_TERMS)),
}


def _context() -> generation.GenerationContext:
    return generation.GenerationContext(
        organization_id=0,
        organization_country="KE",
        slug="bench-import-file",
        seed=SEED,
        now=1_767_225_600,  # 2026-01-01: the same file whenever it is generated
        transactions_per_customer=0,
        branch_ids=tuple(range(len(BRANCH_CODES))),
        category_ids={name: index for index, name in enumerate(generation.CATEGORIES)},
        group_ids=tuple(range(len(generation.GROUPS))),
        finance_code_ids=tuple(range(len(generation.FINANCE_CODES))),
        origin_ids=tuple(range(len(generation.ORIGINS))),
        payment_terms_ids=tuple(range(len(generation.PAYMENT_TERMS))),
        first_number=1,
        first_customer_id=1,
        first_entity_id=1,
        first_reference=1,
    )


def _sheet_rows(count: int):
    """Each customer as {field: cell value} in the template's fields."""
    context = _context()
    columns = generation.CUSTOMER_COLUMNS
    fields = list(CustomerResource.column_labels())
    for offset in range(0, count, CHUNK):
        generated = generation.generate_rows(context=context, offset=offset, count=min(CHUNK, count - offset))
        for raw in generated.customers:
            customer = dict(zip(columns, raw, strict=True))
            rng = random.Random(f"{SEED}:{customer['customer_no']}")  # noqa: S311 - benchmark data
            row = {field: customer.get(field) for field in fields if field in customer}
            row["branch"] = BRANCH_CODES[customer["branch_id"]]
            for field, (column, names) in LOOKUP_COLUMNS.items():
                index = customer[column]
                row[field] = names[index] if index is not None else None
            row["credit_limit"] = float(customer["credit_limit"]) if customer["credit_limit"] else None
            row["discount_percent"] = float(customer["discount_percent"])
            metadata = json.loads(customer["metadata"])
            row["metadata"] = json.dumps(metadata) if metadata else None
            if rng.random() < 0.35:
                row["opening_balance"] = round(rng.randrange(500, 250_000) * 1.0 + rng.randrange(0, 100) / 100, 2)
            yield row


def _write(path: Path, count: int) -> None:
    labels = CustomerResource.column_labels()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Customers")
    header = []
    for label in labels.values():
        cell = WriteOnlyCell(sheet, value=label)
        cell.font = Font(bold=True)
        header.append(cell)
    sheet.append(header)
    for row in _sheet_rows(count):
        values = []
        for field in labels:
            value = row.get(field)
            if value in (None, ""):
                values.append(None)
            elif field in NUMERIC_FIELDS:
                values.append(value)
            else:
                values.append(str(value))
        sheet.append(values)
    partial = path.with_name(path.name + ".partial")
    workbook.save(partial)
    partial.replace(path)


def import_workbook(directory: Path, count: int) -> Path:
    """The workbook of ``count`` customers, written the first time it is asked for."""
    path = directory / f"import-{count}.xlsx"
    if not path.exists():
        directory.mkdir(parents=True, exist_ok=True)
        _write(path, count)
    return path


def lookup_names() -> dict[str, tuple[str, ...]]:
    return {field: names for field, (_, names) in LOOKUP_COLUMNS.items()}
