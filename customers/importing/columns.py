"""Which column of a sheet is which field: headers are matched ignoring case, spaces and punctuation."""

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from openpyxl.utils import get_column_letter

from ..resources import CUSTOMER_COLUMN_ALIASES, CustomerResource
from ..search import normalize_text
from .files import ImportFileRefused

SHORT_LAYOUT = ("Name", "Phone Number", "Email-Address", "Address", "Unpaid Amount")


def header_key(text: Any) -> str:
    """'E-mail Address ' -> 'emailaddress'; accents are dropped, so 'Teléfono' -> 'telefono'."""
    return re.sub(r"[^0-9a-z]", "", normalize_text(str(text or "")))


def _known_headers() -> dict[str, str]:
    known: dict[str, str] = {}
    for field, label in CustomerResource.column_labels().items():
        known[header_key(label)] = field
        known[header_key(field)] = field
        for alias in CUSTOMER_COLUMN_ALIASES.get(field, ()):
            known[header_key(alias)] = field
    return known


KNOWN_HEADERS = _known_headers()


@dataclass(frozen=True)
class ColumnMap:
    headers: list[str]
    fields: list[str | None]  # per column, the field it fills (None: ignored)

    @property
    def ignored(self) -> list[str]:
        return [header for header, field in zip(self.headers, self.fields, strict=True) if field is None and header]

    @cached_property
    def _positions(self) -> tuple[tuple[int, str], ...]:
        return tuple((index, field) for index, field in enumerate(self.fields) if field)

    def values(self, cells: list[Any]) -> dict[str, Any]:
        """The row's values by field; empty cells are left out."""
        size = len(cells)
        return {field: cells[index] for index, field in self._positions if index < size and cells[index] is not None}

    def header_for(self, field: str) -> str:
        """The sheet's own header of ``field``, else the template's."""
        for header, mapped in zip(self.headers, self.fields, strict=True):
            if mapped == field:
                return header
        return CustomerResource.column_labels().get(field, field)

    def letter_for(self, field: str) -> str:
        for index, mapped in enumerate(self.fields):
            if mapped == field:
                return get_column_letter(index + 1)
        return ""


def _looks_like_data(headers: list[str]) -> bool:
    return any("@" in header or sum(char.isdigit() for char in header) >= 4 for header in headers)


def map_columns(headers: list[Any]) -> ColumnMap:
    """Map a header row to fields; refuse a sheet none of whose columns is known, or one with a column twice."""
    texts = [str(header).strip() if header is not None else "" for header in headers]
    fields: list[str | None] = []
    seen: dict[str, str] = {}
    for text in texts:
        field = KNOWN_HEADERS.get(header_key(text)) if text else None
        if field is not None and field in seen:
            raise ImportFileRefused(
                f"The columns '{seen[field]}' and '{text}' both mean {CustomerResource.column_labels()[field]}; "
                "keep one of them."
            )
        if field is not None:
            seen[field] = text
        fields.append(field)
    if not seen:
        if _looks_like_data([text for text in texts if text]):
            raise ImportFileRefused(
                "The first row must be a header row naming the columns (for example Name, Phone Number, "
                "Email-Address); it looks like data."
            )
        raise ImportFileRefused(
            "None of the columns is known. Use the headers of the import template "
            f"(for example {', '.join(SHORT_LAYOUT)}); got: {', '.join(text for text in texts if text)[:300]}."
        )
    if "name" not in seen and "customer_no" not in seen and "tax_id" not in seen:
        raise ImportFileRefused("The sheet needs a Name column (or a Customer No or Tax ID column to update by).")
    return ColumnMap(headers=texts, fields=fields)
