"""One customer's page: header, contacts, billing entities, ledger, monthly sales and change history."""

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse

from core.web import organization_required
from customers.forms import TransactionFilterForm
from customers.selectors import customer_change_history, customer_get_detailed
from transactions.models import DEBIT_TYPES
from transactions.selectors import transaction_list, transaction_monthly_sales, transaction_summary

from .charts import monthly_column_chart
from .contacts import CONTACT_KINDS
from .rendering import render_page_or_part

TRANSACTIONS_PER_PAGE = 10
HISTORY_LENGTH = 30


def transactions_context(request: HttpRequest, *, customer) -> dict:
    form = TransactionFilterForm(request.GET)
    form.is_valid()
    entries = transaction_list(organization=request.organization, customer=customer, filters=form.selector_filters())
    page = Paginator(entries, TRANSACTIONS_PER_PAGE).get_page(request.GET.get("tx_page"))
    return {
        "tx_form": form,
        "tx_page": page,
        "tx_query": form.query(),
        "statement_query": form.statement_query(),
        "debit_types": DEBIT_TYPES,
    }


@organization_required
def customer_detail(request: HttpRequest, customer_id: int) -> HttpResponse:
    customer = customer_get_detailed(organization=request.organization, customer_id=customer_id)
    context = {"customer": customer, **transactions_context(request, customer=customer)}
    if not (request.htmx and request.htmx.target == "transactions-panel"):
        summary = transaction_summary(customer=customer)
        context |= {
            "summary": summary,
            "sales_chart": monthly_column_chart(months=transaction_monthly_sales(customer=customer)),
            "email_kind": CONTACT_KINDS["emails"],
            "phone_kind": CONTACT_KINDS["phones"],
            "emails": customer.emails.all(),
            "phones": customer.phones.all(),
            "billing_entities": customer.billing_entities.all(),
            "history": customer_change_history(customer=customer, limit=HISTORY_LENGTH),
        }
    return render_page_or_part(
        request,
        page="customers/detail.html",
        parts={"transactions-panel": "customers/partials/transactions_panel.html"},
        context=context,
    )
