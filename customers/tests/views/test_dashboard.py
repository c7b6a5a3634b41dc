from decimal import Decimal

import pytest
from django.utils.html import strip_tags

from customers.services import customer_archive, customer_create
from transactions.services import transaction_record

pytestmark = pytest.mark.django_db


def test_anonymous_visitor_is_sent_to_sign_in(client):
    response = client.get("/")

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_dashboard_shows_the_summary_figures_and_lists(client_as, viewer, organization, wanjiku, retail):
    walk_in = customer_create(organization=organization, name="Walk-in Customer", customer_no="WALKIN")
    customer_archive(customer=walk_in)
    transaction_record(organization=organization, customer=wanjiku, type="sale", total_amount="15000.00")
    transaction_record(organization=organization, customer=wanjiku, type="deposit", total_amount="2500.00")

    response = client_as(viewer).get("/")

    assert response.status_code == 200
    summary = response.context["summary"]
    assert summary["customer_count"] == 2
    assert summary["archived_customers"] == 1
    assert summary["total_balance"] == Decimal("12500.00")
    assert summary["total_deposits"] == Decimal("2500.00")
    html = response.content.decode()
    assert "12,500.00" in html and "2,500.00" in html
    assert [customer.name for customer in response.context["largest_balances"]] == ["Wanjiku Traders Ltd"]
    assert {customer.name for customer in response.context["recent_customers"]} == {
        "Wanjiku Traders Ltd",
        "Walk-in Customer",
    }


def test_category_chart_draws_one_bar_per_category_scaled_to_the_largest(client_as, viewer, organization, retail):
    for number in range(3):
        customer_create(organization=organization, name=f"Duka {number}", category=retail)
    customer_create(organization=organization, name="Uncategorised Kiosk")

    response = client_as(viewer).get("/")

    bars = {bar.label: bar for bar in response.context["chart"].bars}
    assert bars["Retail"].value == 3 and bars["Retail"].percent == 100
    assert bars["No category"].value == 1 and bars["No category"].percent == pytest.approx(33.33, abs=0.01)
    assert b"<svg" in response.content


def test_chart_measure_switches_by_htmx_and_returns_only_the_chart(client_as, viewer, organization, wanjiku):
    transaction_record(organization=organization, customer=wanjiku, type="sale", total_amount="900.00")

    response = client_as(viewer).get("/?metric=balance", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="category-chart")

    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith('<div id="category-chart"')
    assert "<html" not in html
    assert response.context["chart"].bars[0].value == Decimal("900.00")


def test_unknown_chart_measure_falls_back_to_customer_counts(client_as, viewer, wanjiku):
    response = client_as(viewer).get("/?metric=<script>")

    assert response.status_code == 200
    assert response.context["metric"] == "customers"


def test_viewer_sees_no_new_customer_button_but_a_clerk_does(client_as, viewer, clerk):
    assert b"New customer" not in client_as(viewer).get("/").content
    assert b"New customer" in client_as(clerk).get("/").content


def test_user_without_organization_gets_a_clear_403(client_as, django_user_model):
    loner = django_user_model.objects.create_user(username="loner", password="pass12345")

    response = client_as(loner).get("/")

    assert response.status_code == 403
    assert b"not a member of any organization" in response.content


def test_dashboard_shows_other_currencies_beside_the_base_currencys_totals(client_as, viewer, organization, wanjiku):
    exporter = customer_create(organization=organization, name="Andes Exporter", currency="COP")
    transaction_record(organization=organization, customer=wanjiku, type="sale", total_amount="15000.00")
    transaction_record(organization=organization, customer=exporter, type="sale", total_amount="4000000.00")
    transaction_record(organization=organization, customer=exporter, type="deposit", total_amount="100000.00")

    response = client_as(viewer).get("/")

    stats = " ".join(strip_tags(response.content.decode()).split())
    assert "Total balance KES 15,000.00 and COP 3,900,000.00" in stats
    assert "Total deposits KES 0.00 and COP 100,000.00" in stats
    # The peso amounts are not added to the shillings, nor ranked against them.
    assert "3,915,000.00" not in stats and "4,015,000.00" not in stats
    assert [customer.name for customer in response.context["largest_balances"]] == ["Wanjiku Traders Ltd"]
    assert "Largest balances in KES" in stats
