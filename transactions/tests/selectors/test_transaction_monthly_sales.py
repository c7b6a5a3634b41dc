from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from transactions.selectors import transaction_monthly_sales
from transactions.services import transaction_record, transaction_void

pytestmark = pytest.mark.django_db


def test_twelve_months_oldest_first_with_zero_months(organization, customer):
    today = timezone.localdate(timezone=ZoneInfo(organization.timezone))
    transaction_record(organization=organization, customer=customer, type="sale", total_amount="1200.50")
    transaction_record(organization=organization, customer=customer, type="sale", total_amount="300")

    months = transaction_monthly_sales(customer=customer)

    assert len(months) == 12
    assert months[-1].month == today.replace(day=1)
    assert months[-1].amount == Decimal("1500.50") and months[-1].count == 2
    assert all(month.amount == 0 and month.count == 0 for month in months[:-1])
    assert [month.month for month in months] == sorted(month.month for month in months)


def test_only_successful_sales_count(organization, customer):
    transaction_record(organization=organization, customer=customer, type="payment", total_amount="999")
    transaction_record(organization=organization, customer=customer, type="sale", total_amount="50", status="pending")
    voided = transaction_record(organization=organization, customer=customer, type="sale", total_amount="70")
    transaction_void(entry=voided)

    assert sum(month.amount for month in transaction_monthly_sales(customer=customer)) == 0


def test_months_follow_the_organizations_timezone(organization, customer):
    # 22:30 UTC on 31 January is already 1 February in Nairobi (UTC+3).
    today = timezone.localdate(timezone=ZoneInfo(organization.timezone))
    last_month_end = today.replace(day=1) - timedelta(days=1)
    moment = datetime.combine(last_month_end, datetime.min.time(), tzinfo=UTC).replace(hour=22, minute=30)
    transaction_record(organization=organization, customer=customer, type="sale", total_amount="10", occurred_at=moment)

    months = transaction_monthly_sales(customer=customer)

    assert months[-1].amount == Decimal("10.00")
    assert months[-2].amount == 0


def test_sales_older_than_the_window_are_left_out(organization, customer):
    long_ago = timezone.now() - timedelta(days=400)
    transaction_record(
        organization=organization, customer=customer, type="sale", total_amount="10", occurred_at=long_ago
    )

    months = transaction_monthly_sales(customer=customer)

    assert months[0].month > date(long_ago.year, long_ago.month, 1)
    assert sum(month.amount for month in months) == 0
