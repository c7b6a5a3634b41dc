"""The workbooks of the import: the template to fill in and the error report of a run."""

import io
from collections.abc import Iterable, Mapping
from typing import Any

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from ..resources import CUSTOMER_COLUMN_ALIASES, CUSTOMER_COLUMNS_HELP, CustomerResource

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REQUIRED_NOTE = {"name": "Yes, for a new customer"}
# Columns Excel would otherwise turn into numbers (dropping leading zeros) or dates.
TEXT_COLUMNS = frozenset(
    {
        "customer_no",
        "tax_id",
        "registration_number",
        "vat_number",
        "ean_number",
        "postal_code",
        "phone",
        "contact_phone",
    }
)
BOLD = Font(bold=True)


def _text_cell(sheet, value: Any) -> WriteOnlyCell:
    """A cell shown as text, never as a formula, whatever it starts with."""
    cell = WriteOnlyCell(sheet, value="" if value is None else str(value))
    cell.data_type = "s"
    return cell


def _saved(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def error_report_xlsx(errors: Iterable[Mapping[str, Any]]) -> bytes:
    """One row per problem: the sheet row, the column letter and header, and what is wrong."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Errors")
    sheet.freeze_panes = "A2"
    for letter, width in zip("ABCD", (8, 10, 24, 80), strict=True):
        sheet.column_dimensions[letter].width = width
    header = []
    for title in ("Row", "Column", "Field", "Message"):
        cell = _text_cell(sheet, title)
        cell.font = BOLD
        header.append(cell)
    sheet.append(header)
    for error in errors:
        sheet.append(
            [
                error.get("row"),
                _text_cell(sheet, error.get("column", "")),
                _text_cell(sheet, error.get("field", "")),
                _text_cell(sheet, error.get("message", "")),
            ]
        )
    return _saved(workbook)


def template_xlsx() -> bytes:
    """Every column of the full layout with an example row, and a sheet explaining each column."""
    labels = CustomerResource.column_labels()
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Customers"
    for index, (field, label) in enumerate(labels.items(), start=1):
        header = sheet.cell(row=1, column=index, value=label)
        header.font = BOLD
        example = CUSTOMER_COLUMNS_HELP[field][1]
        cell = sheet.cell(row=2, column=index)
        if field in ("credit_limit", "discount_percent", "opening_balance") and example:
            cell.value = float(example)
        else:
            cell.value = example
            cell.data_type = "s"
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = max(12, min(len(label) + 4, 30))
        if field in TEXT_COLUMNS:
            cell.number_format = "@"
    sheet.freeze_panes = "A2"

    guide = workbook.create_sheet("Columns")
    guide.append(["Column", "Required", "Format", "Example", "Also accepted as"])
    for cell in guide[1]:
        cell.font = BOLD
    for field, label in labels.items():
        help_text, example = CUSTOMER_COLUMNS_HELP[field]
        guide.append(
            [
                label,
                REQUIRED_NOTE.get(field, "No"),
                help_text,
                example,
                ", ".join(CUSTOMER_COLUMN_ALIASES.get(field, ())),
            ]
        )
        for cell in guide[guide.max_row]:
            cell.data_type = "s"
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide.append([])
    guide.append(
        [
            "Notes",
            "",
            "Headers are matched ignoring case, spaces and punctuation, and only the columns you need are "
            "required. The short layout Name, Phone Number, Email-Address, Address, Unpaid Amount is accepted "
            "too. A row with a known Customer No (or, without one, Tax ID) updates that customer; empty cells "
            "leave its values as they are. Formulas are imported as their text, not their result.",
        ]
    )
    guide.cell(row=guide.max_row, column=3).alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDE", (22, 22, 70, 26, 34), strict=True):
        guide.column_dimensions[letter].width = width
    guide.freeze_panes = "A2"
    return _saved(workbook)
