"""The statement of account of one customer as a PDF."""

from datetime import date
from zoneinfo import ZoneInfo

from customers.models import Customer
from transactions.selectors import statement_for

from .cells import PDF_CONTENT_TYPE, ExportFile, display, filename_part
from .pdf import document_context, render_pdf


def statement_pdf(*, customer: Customer, from_date: date | None = None, to_date: date | None = None) -> ExportFile:
    """The statement of ``customer`` for ``from_date``..``to_date`` (default: the last 90 days)."""
    statement = statement_for(customer=customer, from_date=from_date, to_date=to_date)
    zone = ZoneInfo(customer.organization.timezone)
    lines = [
        {
            "date": line.occurred_at.astimezone(zone).strftime("%Y-%m-%d"),
            "type": line.type_label,
            "reference": line.reference,
            "description": line.description,
            "debit": display(line.debit) if line.debit else "",
            "credit": display(line.credit) if line.credit else "",
            "balance": display(line.balance),
        }
        for line in statement.lines
    ]
    period = f"Period {statement.from_date:%Y-%m-%d} to {statement.to_date:%Y-%m-%d} · Currency {statement.currency}"
    context = {
        **document_context(
            organization=customer.organization, title=f"Statement of account: {customer.name}", header_lines=[period]
        ),
        "customer": customer,
        "statement": statement,
        "lines": lines,
        "opening_balance": display(statement.opening_balance),
        "total_debit": display(statement.total_debit),
        "total_credit": display(statement.total_credit),
        "closing_balance": display(statement.closing_balance),
        "ageing": [(label, display(amount)) for label, amount in statement.ageing.buckets()],
        "ageing_total": display(statement.ageing.total),
    }
    number = filename_part(customer.customer_no, fallback="customer")
    filename = f"statement-{number}-{statement.from_date:%Y%m%d}-{statement.to_date:%Y%m%d}.pdf"
    return ExportFile(render_pdf(template_name="exports/statement.html", context=context), filename, PDF_CONTENT_TYPE)
