"""The charts people read: a 0% unit still drawn, empty weeks as gaps, ISO weeks, full names."""

from __future__ import annotations

import datetime as dt
import math

import pytest
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text

from bot.bootstrap import Services
from bot.clock import FixedClock
from bot.config import Config, parse_config
from bot.domain import Status
from bot.reports import chart
from bot.reports.digest import DigestReport
from bot.services.brief import weekly_trend
from bot.services.digest import rank
from bot.services.stats import TrendPoint, UnitStats
from tests.conftest import SHANGHAI
from tests.test_digest import MONDAY_9, OFFICE, PHASES, seed

LONG = "市卫生健康委员会（市中医药管理局）机关党委"


@pytest.fixture
def config(db_url: str) -> Config:
    return parse_config({"database": {"url": db_url}, "office_admins": [OFFICE],
                         "campaign": {"phases": PHASES}})


def _units() -> list[UnitStats]:
    zero, half, long = UnitStats(1, "A", "零整改单位"), UnitStats(2, "B", "市教育局"), UnitStats(
        3, "C", LONG)
    zero.status[Status.PENDING] = 4
    half.status[Status.PENDING] = half.status[Status.SIGNED_OFF] = 2
    long.status[Status.SIGNED_OFF] = 3
    return [zero, half, long]


def _week_end(week: int) -> dt.datetime:
    monday = dt.date.fromisocalendar(2026, week + 1, 1)
    return dt.datetime.combine(monday, dt.time(0), tzinfo=SHANGHAI)


# Weeks 45 and 46 had nothing filed yet; 47 to 49 did.
POINTS = [TrendPoint(_week_end(45), 0, 0, 0, 0), TrendPoint(_week_end(46), 0, 0, 0, 0),
          TrendPoint(_week_end(47), 7, 0, 7, 0), TrendPoint(_week_end(48), 10, 4, 3, 4),
          TrendPoint(MONDAY_9, 11, 5, 1, 1)]


def _figure() -> Figure:
    return chart.build_figure(rank(_units()), POINTS, "zh", title="整改进展（2026年第49周）",
                              tz=SHANGHAI, as_of=MONDAY_9)


def test_a_zero_percent_unit_has_a_label_and_a_mark() -> None:
    fig = _figure()
    left = fig.axes[0]
    labels = [t.get_text() for t in left.texts]
    assert sorted(labels) == ["0.0%", "100.0%", "50.0%"]
    ticks = [t.get_text() for t in left.get_yticklabels()]
    zero_y = next(i for i, t in enumerate(ticks) if "零整改单位" in t)
    marks = [ln for ln in left.lines if ln.get_marker() == "|"]
    assert marks and list(marks[0].get_xdata()) == [0] and list(marks[0].get_ydata()) == [zero_y]
    # Full names, wrapped onto lines, never cut.
    assert any(t.replace("\n", "").endswith(LONG) for t in ticks)


def test_empty_weeks_are_gaps_and_weeks_are_iso_weeks() -> None:
    fig = _figure()
    right, line = fig.axes[1], fig.axes[2]
    assert [t.get_text() for t in right.get_xticklabels()] == [
        "第45周", "第46周", "第47周", "第48周", "第49周"]
    [rate] = [ln for ln in line.lines if isinstance(ln, Line2D)]
    ys = list(rate.get_ydata())
    assert math.isnan(ys[0]) and math.isnan(ys[1]) and ys[2] == 0.0 and ys[4] == pytest.approx(
        100 * 5 / 11)
    # Counts are whole numbers: no 0.5 ticks on the count axis.
    assert all(float(v).is_integer() for v in right.get_yticks())
    drawn = [t.get_text() for t in fig.findobj(Text)]
    assert "数据截至：2026-11-30 09:00" in drawn
    assert "0.0%" in drawn and "45.5%" in drawn  # rate labels on the line, none in the gaps
    assert "nan%" not in drawn


def test_the_city_trend_runs_by_iso_week_from_the_campaign_start(
        services: Services, clock: FixedClock) -> None:
    seed(services, clock)
    points = weekly_trend(services.digest, MONDAY_9)
    # The campaign opens on Monday 2 November (week 45): week 44 is not drawn.
    assert [chart.week_of(p, SHANGHAI) for p in points] == [(2026, w) for w in range(45, 50)]
    assert points[-1].end == MONDAY_9
    assert [p.filed_week for p in points] == [0, 0, 2, 7, 0]
    assert not points[0].filed  # a gap in the line, not 0%
    png = DigestReport(services.digest).city_chart("zh", MONDAY_9)
    assert png.startswith(b"\x89PNG")
