"""Geometry of the server-drawn SVG charts.

Positions are percentages of the chart's width and text keeps its CSS size, so one drawing fits a
phone and a wide screen without scaling the labels down.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

GRID_STEPS = 4


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (a round top for an axis)."""
    if value <= 0:
        return 1.0
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


@dataclass(frozen=True)
class HorizontalBar:
    label: str
    value: Decimal | int
    percent: float
    y: int  # top of the row, px


@dataclass(frozen=True)
class HorizontalBarChart:
    bars: list[HorizontalBar]
    height: int
    row_height: int


def horizontal_bar_chart(*, items: Sequence[tuple[str, Decimal | int]], row_height: int = 46) -> HorizontalBarChart:
    """One labelled bar per item, scaled to the largest value; negative values draw no bar."""
    largest = max((float(value) for _, value in items), default=0.0)
    bars = [
        HorizontalBar(
            label=label,
            value=value,
            percent=round(max(float(value), 0.0) / largest * 100, 2) if largest > 0 else 0.0,
            y=index * row_height,
        )
        for index, (label, value) in enumerate(items)
    ]
    return HorizontalBarChart(bars=bars, height=max(len(bars), 1) * row_height, row_height=row_height)


@dataclass(frozen=True)
class Column:
    label: str
    title: str
    value: Decimal
    count: int
    x: float  # left edge, % of the width
    width: float  # % of the width
    center: float  # % of the width, where the month's label goes
    y: float  # top, px
    height: float  # px


@dataclass(frozen=True)
class GridLine:
    y: float
    value: float


@dataclass(frozen=True)
class ColumnChart:
    columns: list[Column]
    grid: list[GridLine]
    plot_height: int
    height: int
    label_y: int
    top: float
    is_empty: bool


# The share of the width kept free on the left for the axis labels.
AXIS_GUTTER = 6.0


def monthly_column_chart(*, months: Sequence, plot_height: int = 180, top_margin: int = 12) -> ColumnChart:
    """Columns for ``months`` (objects with month, amount and count), on a rounded axis."""
    largest = max((float(month.amount) for month in months), default=0.0)
    top = nice_ceiling(largest)
    slot = (100 - AXIS_GUTTER) / max(len(months), 1)
    bottom = top_margin + plot_height
    columns = []
    for index, month in enumerate(months):
        height = float(month.amount) / top * plot_height if top else 0.0
        columns.append(
            Column(
                label=month.month.strftime("%b"),
                title=month.month.strftime("%B %Y"),
                value=month.amount,
                count=month.count,
                x=round(AXIS_GUTTER + index * slot + slot * 0.18, 3),
                width=round(slot * 0.64, 3),
                center=round(AXIS_GUTTER + index * slot + slot / 2, 3),
                y=round(bottom - height, 2),
                height=round(height, 2),
            )
        )
    grid = [
        GridLine(y=round(bottom - plot_height * step / GRID_STEPS, 2), value=top * step / GRID_STEPS)
        for step in range(GRID_STEPS + 1)
    ]
    return ColumnChart(
        columns=columns,
        grid=grid,
        plot_height=plot_height,
        height=bottom + 26,
        label_y=bottom + 18,
        top=top,
        is_empty=largest == 0,
    )
