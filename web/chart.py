"""The overview's trend chart as SVG geometry: weekly bars and the cumulative 整改率 line."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.services.stats import TrendPoint

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 40, 40, 16, 32


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    height: float
    value: int


@dataclass(frozen=True)
class Week:
    label_x: float
    filed: Bar
    fixed: Bar
    rate: float
    rate_y: float


@dataclass(frozen=True)
class Chart:
    weeks: tuple[Week, ...]
    bar_width: float
    top: int  # the bars' scale: the largest weekly figure
    line: str  # polyline points of the rate, 0–100 % on the right axis
    base_y: float


def chart(points: Sequence[TrendPoint]) -> Chart:
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = max([1, *(max(p.filed_week, p.fixed_week) for p in points)])
    slot = plot_w / max(1, len(points))
    bar_w = slot * 0.3
    base = TOP + plot_h

    def bar(x: float, value: int) -> Bar:
        h = plot_h * value / top
        return Bar(round(x, 1), round(base - h, 1), round(h, 1), value)

    weeks = []
    for i, p in enumerate(points):
        x0 = LEFT + i * slot + slot * 0.2
        rate_y = round(base - plot_h * p.rate_percent / 100, 1)
        weeks.append(Week(round(LEFT + (i + 0.5) * slot, 1), bar(x0, p.filed_week),
                          bar(x0 + bar_w, p.fixed_week), round(p.rate_percent, 1), rate_y))
    line = " ".join(f"{w.label_x},{w.rate_y}" for w in weeks)
    return Chart(tuple(weeks), round(bar_w, 1), top, line, base)
