from datetime import date
from decimal import Decimal

import pytest

from customers.views.charts import AXIS_GUTTER, horizontal_bar_chart, monthly_column_chart, nice_ceiling
from transactions.selectors import MonthlySales


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (0.4, 0.5), (7, 10), (93_800, 100_000), (120_000, 200_000), (2_300, 2_500), (1_000, 1_000)],
)
def test_axis_top_is_a_round_number_at_or_above_the_largest_value(value, ceiling):
    assert nice_ceiling(value) == pytest.approx(ceiling)


def test_bars_are_scaled_to_the_largest_and_negative_values_draw_nothing():
    chart = horizontal_bar_chart(items=[("Retail", 120), ("Wholesale", 30), ("Refunds", Decimal("-50"))])

    assert [bar.percent for bar in chart.bars] == [100, 25, 0]
    assert [bar.y for bar in chart.bars] == [0, 46, 92]
    assert chart.height == 138


def test_monthly_columns_fill_the_width_right_of_the_axis_and_share_one_scale():
    months = [MonthlySales(month=date(2025, month, 1), amount=Decimal(month * 1000), count=1) for month in range(1, 13)]

    chart = monthly_column_chart(months=months, plot_height=180)

    assert chart.top == 20_000
    assert chart.columns[0].x > AXIS_GUTTER
    assert chart.columns[-1].x + chart.columns[-1].width < 100
    assert chart.columns[-1].height == pytest.approx(180 * 12_000 / 20_000)
    assert [column.label for column in chart.columns[:3]] == ["Jan", "Feb", "Mar"]
    assert [line.value for line in chart.grid] == [0, 5_000, 10_000, 15_000, 20_000]
    assert not chart.is_empty


def test_a_year_without_sales_is_reported_empty():
    months = [MonthlySales(month=date(2025, month, 1), amount=Decimal("0"), count=0) for month in range(1, 13)]

    chart = monthly_column_chart(months=months)

    assert chart.is_empty and all(column.height == 0 for column in chart.columns)
