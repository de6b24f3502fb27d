"""The charts as PNG: the city's 整改率 by unit and weekly trend, a unit's counts; own CJK font."""

from __future__ import annotations

import datetime as dt
import functools
import importlib.resources
import io
import math
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.domain import Status
from bot.texts import t

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from bot.services.digest import Ranked
    from bot.services.stats import TrendPoint, UnitStats

# Shipped inside the mplfonts wheel: the chart never depends on what fonts the machine has.
FONT_FILE = "NotoSansCJKsc-Regular.otf"
BAR_UNITS = 20  # more units than this: the top and the bottom ten
NAME_WRAP = 12  # characters per line of a unit's name
MISSING = "□"


def font_path() -> Path:
    """The CJK font file the chart draws with (from the mplfonts package)."""
    return Path(str(importlib.resources.files("mplfonts") / "fonts" / FONT_FILE))


@functools.cache
def _covered() -> frozenset[int]:
    from matplotlib.ft2font import FT2Font

    return frozenset(FT2Font(str(font_path())).get_charmap())


@functools.cache
def _family() -> str:
    from matplotlib import font_manager

    path = font_path()
    manager = font_manager.fontManager
    manager.addfont(str(path))
    # A machine with the same font installed (fonts-noto-cjk) has an entry of the same family
    # name, and a tie goes to the first listed: the project's file goes first, whatever the
    # machine has, so every machine draws the chart with the same file.
    manager.ttflist.sort(key=lambda entry: entry.fname != str(path))
    manager._findfont_cached.cache_clear()  # type: ignore[attr-defined]
    return font_manager.FontProperties(fname=str(path)).get_name()


def printable(text: str) -> str:
    """Replace characters the font lacks (a rare name character) rather than draw a blank box."""
    covered = _covered()
    return "".join(c if ord(c) in covered or c in "\n" else MISSING for c in text)


def _name(name: str) -> str:
    # The full name, wrapped: a cut name can be two units at once.
    return printable("\n".join(textwrap.wrap(name, NAME_WRAP)) or name)


def _bars(ranked: Sequence[Ranked]) -> list[Ranked]:
    ranked = [r for r in ranked if r.rank is not None]
    if len(ranked) <= BAR_UNITS:
        return ranked
    half = BAR_UNITS // 2
    return [*ranked[:half], *ranked[-half:]]


def week_of(point: TrendPoint, tz: ZoneInfo) -> tuple[int, int]:
    """The ISO (year, week) a trend point closes: the week its end falls in, or ends."""
    year, week, _ = (point.end - dt.timedelta(microseconds=1)).astimezone(tz).isocalendar()
    return year, week


def _week_label(lang: str, point: TrendPoint, tz: ZoneInfo) -> str:
    return t(lang, "chart.week", week=week_of(point, tz)[1])


def _rates(points: Sequence[TrendPoint]) -> list[float]:
    # A week with nothing filed yet has no 整改率: a gap in the line, not a fall to 0%.
    return [p.rate_percent if p.filed else math.nan for p in points]


def _footnote(fig: Figure, lang: str, as_of: dt.datetime | None, tz: ZoneInfo) -> None:
    if as_of is not None:
        # A figure label, so that the constrained layout keeps room for it under the axes.
        fig.supxlabel(printable(t(lang, "chart.as_of",
                                  when=f"{as_of.astimezone(tz):%Y-%m-%d %H:%M}")),
                      x=0.005, ha="left", fontsize=8, color="#555555")


def _unit_bars(ax: Axes, shown: Sequence[Ranked], lang: str) -> None:
    rates = [100.0 * r.stats.fixed / r.stats.total for r in shown]
    colors = ["#c0392b" if r.stats.overdue else "#2e86c1" for r in shown]
    ys = range(len(shown))
    bars = ax.barh(ys, rates, color=colors)
    ax.bar_label(bars, labels=[f"{v:.1f}%" for v in rates], padding=3, fontsize=7)
    zero = [y for y, v in zip(ys, rates, strict=True) if v == 0]
    if zero:
        # A 0% bar has no length: a mark at the axis shows the unit is there, at zero.
        ax.plot([0] * len(zero), zero, linestyle="none", marker="|", markersize=11,
                markeredgewidth=2.5, color="#c0392b", clip_on=False)
    ax.set_yticks(list(ys), [f"{r.rank}. {_name(r.stats.name)}" for r in shown], fontsize=7)
    ax.set_xlim(0, 110)
    ax.set_xticks(range(0, 101, 20))
    ax.set_xlabel(printable(t(lang, "digest.chart_rate_axis")))
    ax.set_title(printable(t(lang, "digest.chart_units")), fontsize=11)
    if not shown:
        ax.text(50, 0, printable(t(lang, "digest.chart_empty")), ha="center")


def _trend(ax: Axes, points: Sequence[TrendPoint], lang: str, tz: ZoneInfo) -> None:
    from matplotlib.ticker import MaxNLocator

    xs = list(range(len(points)))
    width = 0.38
    filed = ax.bar([x - width / 2 for x in xs], [p.filed_week for p in points], width,
                   label=printable(t(lang, "digest.chart_filed")), color="#85c1e9")
    fixed = ax.bar([x + width / 2 for x in xs], [p.fixed_week for p in points], width,
                   label=printable(t(lang, "digest.chart_fixed")), color="#82e0aa")
    for bars in (filed, fixed):
        ax.bar_label(bars, padding=2, fontsize=7)
    ax.set_xticks(xs, [printable(_week_label(lang, p, tz)) for p in points])
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylabel(printable(t(lang, "digest.chart_count_axis")))
    ax.set_title(printable(t(lang, "digest.chart_trend")), fontsize=11)
    line = ax.twinx()
    rates = _rates(points)
    line.plot(xs, rates, color="#c0392b", marker="o",
              label=printable(t(lang, "digest.chart_rate_line")))
    for x, rate in zip(xs, rates, strict=True):
        if not math.isnan(rate):
            line.annotate(f"{rate:.1f}%", (x, rate), textcoords="offset points", xytext=(0, 6),
                          ha="center", fontsize=7, color="#c0392b")
    line.set_ylim(0, 110)
    line.set_ylabel(printable(t(lang, "digest.chart_rate_axis")))
    handles = ax.get_legend_handles_labels()
    more = line.get_legend_handles_labels()
    ax.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8)
    if not points:
        ax.text(0.5, 0.5, printable(t(lang, "digest.chart_empty")), ha="center",
                transform=ax.transAxes)


def build_figure(ranked: Sequence[Ranked], points: Sequence[TrendPoint], lang: str, *,
                 title: str, tz: ZoneInfo, as_of: dt.datetime | None = None) -> Figure:
    """Draw the chart (no pyplot, no global figure state); every text goes through printable().

    `points` are whole ISO weeks (the last may be the current one, up to `as_of`).
    """
    from matplotlib.figure import Figure

    shown = _bars(ranked)[::-1]  # best at the top
    lines = sum(_name(r.stats.name).count("\n") + 1 for r in shown)
    fig = Figure(figsize=(11, max(6.2, 1.5 + 0.2 * lines)), dpi=100, layout="constrained")
    fig.suptitle(printable(title), fontsize=14)
    left, right = fig.subplots(1, 2, width_ratios=(1.1, 1))
    _unit_bars(left, shown, lang)
    _trend(right, points, lang, tz)
    _footnote(fig, lang, as_of or (points[-1].end if points else None), tz)
    return fig


def unit_figure(stats: UnitStats, lang: str, *, title: str, tz: ZoneInfo,
                as_of: dt.datetime | None = None) -> Figure:
    """A unit's chart: its items by status and its open items by time left."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    fig = Figure(figsize=(11, 5), dpi=100, layout="constrained")
    fig.suptitle(printable(title), fontsize=14)
    left, right = fig.subplots(1, 2)
    status = [stats.status[k] for k in Status]
    bars = left.bar(range(len(status)), status, color=["#f5b041", "#85c1e9", "#82e0aa",
                                                       "#95a5a6"])
    left.bar_label(bars, padding=2, fontsize=8)
    left.set_xticks(range(len(status)),
                    [printable(t(lang, f"chart.status.{k.value}")) for k in Status], fontsize=8)
    left.set_title(printable(t(lang, "chart.by_status")), fontsize=11)
    buckets = right.bar(range(4), stats.buckets,
                        color=["#c0392b", "#f5b041", "#f7dc6f", "#82e0aa"])
    right.bar_label(buckets, padding=2, fontsize=8)
    right.set_xticks(range(4), [printable(t(lang, f"chart.left.{i}")) for i in range(4)],
                     fontsize=8)
    right.set_title(printable(t(lang, "chart.by_time_left")), fontsize=11)
    for ax in (left, right):
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(printable(t(lang, "digest.chart_count_axis")))
        ax.set_ylim(0, max([*status, *stats.buckets, 1]) * 1.15)
    _footnote(fig, lang, as_of, tz)
    return fig


def _png(draw: Callable[[], Figure]) -> bytes:
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    family = _family()
    buffer = io.BytesIO()
    with matplotlib.rc_context():
        # Only the project's font: a fallback to a machine font would hide a missing glyph.
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["font.sans-serif"] = [family]
        matplotlib.rcParams["axes.unicode_minus"] = False
        fig = draw()
        FigureCanvasAgg(fig)
        fig.savefig(buffer, format="png")
    return buffer.getvalue()


def unit_chart(stats: UnitStats, lang: str, *, title: str, tz: ZoneInfo,
               as_of: dt.datetime | None = None) -> bytes:
    """Render a unit's chart to PNG bytes (Agg, in memory)."""
    return _png(lambda: unit_figure(stats, lang, title=title, tz=tz, as_of=as_of))


def city_chart(ranked: Sequence[Ranked], points: Sequence[TrendPoint], lang: str, *,
               title: str, tz: ZoneInfo, as_of: dt.datetime | None = None) -> bytes:
    """Render the city chart to PNG bytes (Agg, in memory)."""
    return _png(lambda: build_figure(ranked, points, lang, title=title, tz=tz, as_of=as_of))
