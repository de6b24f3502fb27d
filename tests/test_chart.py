"""The city chart: a PNG drawn with the project's own CJK font, no glyph missing."""

from __future__ import annotations

import datetime as dt
import warnings
from zoneinfo import ZoneInfo

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font
from matplotlib.text import Text

import bot.texts
from bot.domain import Status
from bot.reports import chart
from bot.services.digest import rank
from bot.services.stats import TrendPoint, UnitStats

NOW = dt.datetime(2026, 11, 30, 1, 0, tzinfo=dt.UTC)
TZ = ZoneInfo("Asia/Shanghai")


def units(*names: str) -> list[UnitStats]:
    out = []
    for n, name in enumerate(names):
        s = UnitStats(n + 1, f"U{n:02d}", name)
        s.status[Status.PENDING] = 3 + n
        s.status[Status.SIGNED_OFF] = n
        s.buckets[0] = n % 2
        out.append(s)
    return out


def points() -> list[TrendPoint]:
    return [TrendPoint(NOW - dt.timedelta(weeks=5 - i), 10 * i, 4 * i, 10, 4) for i in range(6)]


NAMES = ("市教育局", "市卫生健康委员会（市中医药管理局）", "某某县第1号单位（机关党委）",
         "市发展和改革委员会", "廉政监督局")


def test_the_font_comes_from_the_project_install_not_the_machine() -> None:
    path = chart.font_path()
    assert path.is_file() and "mplfonts" in path.parts
    family = font_manager.FontProperties(fname=str(path)).get_name()
    chart.city_chart(rank(units(*NAMES)), points(), "zh", title="标题", tz=TZ)
    found = font_manager.findfont(font_manager.FontProperties(family=[family]),
                                  fallback_to_default=False)
    assert found == str(path)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_drawn_character_has_a_glyph(lang: str) -> None:
    font = FT2Font(str(chart.font_path()))
    fig = chart.build_figure(rank(units(*NAMES)), points(), lang,
                             title=bot.texts.t(lang, "digest.chart_title", week="2026年第49周"),
                             tz=TZ)
    drawn = [t.get_text() for t in fig.findobj(Text) if t.get_text()]
    assert any("整改率" in s or "Fix rate" in s for s in drawn)
    assert any("市教育局" in s for s in drawn)
    for text in drawn:
        for char in text:
            if char != "\n":
                assert font.get_char_index(ord(char)) != 0, (text, char)
    assert not any(chart.MISSING in text for text in drawn)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_png_renders_without_a_missing_glyph_warning(lang: str) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = chart.city_chart(rank(units(*NAMES)), points(), lang, title="全市 · 第49周",
                               tz=TZ)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000


def test_a_character_the_font_lacks_is_replaced_not_boxed() -> None:
    assert chart.printable("市😀局") == "市□局"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        png = chart.city_chart(rank(units("市😀局")), points(), "zh", title="x", tz=TZ)
    assert png.startswith(b"\x89PNG")


def test_no_units_and_no_history_still_draw() -> None:
    png = chart.city_chart([], [], "zh", title="空", tz=TZ)
    assert png.startswith(b"\x89PNG")


def test_many_units_show_the_top_and_bottom_ten() -> None:
    many = units(*(f"单位{n}" for n in range(50)))
    fig = chart.build_figure(rank(many), points(), "zh", title="x", tz=TZ)
    left = fig.axes[0]
    assert len(left.get_yticklabels()) == 20
