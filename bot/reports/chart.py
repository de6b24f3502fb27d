"""The city chart as PNG: 整改率 by unit and the weekly trend, in the project's own CJK font."""

from __future__ import annotations

import functools
import importlib.resources
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.texts import t

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from bot.services.digest import Ranked
    from bot.services.stats import TrendPoint

# Shipped inside the mplfonts wheel: the chart never depends on what fonts the machine has.
FONT_FILE = "NotoSansCJKsc-Regular.otf"
BAR_UNITS = 20  # more units than this: the top and the bottom ten
NAME_MAX = 10
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
    font_manager.fontManager.addfont(str(path))
    return font_manager.FontProperties(fname=str(path)).get_name()


def printable(text: str) -> str:
    """Replace characters the font lacks (a rare name character) rather than draw a blank box."""
    covered = _covered()
    return "".join(c if ord(c) in covered or c in "\n" else MISSING for c in text)


def _name(name: str) -> str:
    return printable(name if len(name) <= NAME_MAX else name[:NAME_MAX - 1] + "…")


def _bars(ranked: Sequence[Ranked]) -> list[Ranked]:
    ranked = [r for r in ranked if r.rank is not None]
    if len(ranked) <= BAR_UNITS:
        return ranked
    half = BAR_UNITS // 2
    return [*ranked[:half], *ranked[-half:]]


def build_figure(ranked: Sequence[Ranked], points: Sequence[TrendPoint], lang: str, *,
                 title: str, tz: ZoneInfo) -> Figure:
    """Draw the chart (no pyplot, no global figure state); every text goes through printable()."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 6.2), dpi=100, layout="constrained")
    fig.suptitle(printable(title), fontsize=14)
    left, right = fig.subplots(1, 2, width_ratios=(1.1, 1))
    shown = _bars(ranked)[::-1]  # best at the top
    rates = [100.0 * r.stats.fixed / r.stats.total for r in shown]
    colors = ["#c0392b" if r.stats.overdue else "#2e86c1" for r in shown]
    left.barh(range(len(shown)), rates, color=colors)
    left.set_yticks(range(len(shown)), [f"{r.rank}. {_name(r.stats.name)}" for r in shown],
                    fontsize=8)
    left.set_xlim(0, 100)
    left.set_xlabel(printable(t(lang, "digest.chart_rate_axis")))
    left.set_title(printable(t(lang, "digest.chart_units")), fontsize=11)
    if not shown:
        left.text(50, 0, printable(t(lang, "digest.chart_empty")), ha="center")
    days = [p.end.astimezone(tz) for p in points]
    labels = [f"{d.month}/{d.day}" for d in days]
    xs = range(len(points))
    width = 0.38
    right.bar([x - width / 2 for x in xs], [p.filed_week for p in points], width,
              label=printable(t(lang, "digest.chart_filed")), color="#85c1e9")
    right.bar([x + width / 2 for x in xs], [p.fixed_week for p in points], width,
              label=printable(t(lang, "digest.chart_fixed")), color="#82e0aa")
    right.set_xticks(list(xs), labels)
    right.set_ylabel(printable(t(lang, "digest.chart_count_axis")))
    right.set_title(printable(t(lang, "digest.chart_trend")), fontsize=11)
    line = right.twinx()
    line.plot(list(xs), [p.rate_percent for p in points], color="#c0392b", marker="o",
              label=printable(t(lang, "digest.chart_rate_line")))
    line.set_ylim(0, 100)
    line.set_ylabel(printable(t(lang, "digest.chart_rate_axis")))
    handles = right.get_legend_handles_labels()
    more = line.get_legend_handles_labels()
    right.legend(handles[0] + more[0], handles[1] + more[1], loc="upper left", fontsize=8)
    return fig


def city_chart(ranked: Sequence[Ranked], points: Sequence[TrendPoint], lang: str, *,
               title: str, tz: ZoneInfo) -> bytes:
    """Render the city chart to PNG bytes (Agg, in memory)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    family = _family()
    buffer = io.BytesIO()
    with matplotlib.rc_context():
        # Only the project's font: a fallback to a machine font would hide a missing glyph.
        matplotlib.rcParams["font.family"] = "sans-serif"
        matplotlib.rcParams["font.sans-serif"] = [family]
        matplotlib.rcParams["axes.unicode_minus"] = False
        fig = build_figure(ranked, points, lang, title=title, tz=tz)
        FigureCanvasAgg(fig)
        fig.savefig(buffer, format="png")
    return buffer.getvalue()
