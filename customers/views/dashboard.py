"""The dashboard: the organization's figures, customers per category, newest customers, largest balances."""

from django.http import HttpRequest, HttpResponse

from core.web import organization_required
from customers.selectors import customer_list, customer_summary, customer_summary_by_category

from .charts import horizontal_bar_chart
from .rendering import render_page_or_part

# The measures the category chart can show: (query value, row key, tab label).
CATEGORY_METRICS = (
    ("customers", "customer_count", "Customers"),
    ("balance", "total_balance", "Balance"),
    ("deposits", "total_deposits", "Deposits"),
)
LIST_LENGTH = 6


@organization_required
def dashboard(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    metrics = {name: (key, label) for name, key, label in CATEGORY_METRICS}
    metric = request.GET.get("metric", "customers")
    if metric not in metrics:
        metric = "customers"
    key, _ = metrics[metric]
    categories = customer_summary_by_category(organization=organization)
    context = {
        "metric": metric,
        "metrics": CATEGORY_METRICS,
        "chart": horizontal_bar_chart(items=[(row["name"], row[key]) for row in categories]),
        "chart_is_money": metric != "customers",
        "categories": categories,
    }
    if not (request.htmx and request.htmx.target == "category-chart"):
        summary = customer_summary(organization=organization)
        context |= {
            "summary": summary,
            # Shown beside the base currency's totals, never added to them.
            "other_currencies": [
                row for row in summary["balances_by_currency"] if row["currency"] != summary["currency"]
            ],
            "recent_customers": customer_list(organization=organization, filters={"ordering": "-created_at"})[
                :LIST_LENGTH
            ],
            # Ranked within the base currency: amounts in different currencies do not compare.
            "largest_balances": customer_list(organization=organization, filters={"ordering": "-balance"}).filter(
                balance__gt=0, currency=organization.base_currency
            )[:LIST_LENGTH],
        }
    return render_page_or_part(
        request,
        page="dashboard.html",
        parts={"category-chart": "customers/partials/category_chart.html"},
        context=context,
    )
