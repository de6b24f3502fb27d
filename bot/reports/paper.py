"""A printed office table in XlsxWriter: A4 landscape, title and 填报 line, borders, tall rows."""

from __future__ import annotations

import datetime as dt
import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from xlsxwriter import Workbook

from bot.reports import zipping
from bot.reports.rows import Cell as Cell
from bot.reports.rows import RowSheet, utf16_len

Kind = Literal["text", "int", "date", "datetime", "percent"]

# Where the table starts: the title (row 0), the 填报 line (row 1), then the header.
TITLE_ROW, INFO_ROW, HEADER_ROW = 0, 1, 2
FIRST_ROW = HEADER_ROW + 1
A4 = 9  # XlsxWriter's (and Excel's) paper code
FOOTER = "&C第&P页 共&N页"
FONT_SIZE = 10
# Points per wrapped line of a 10 pt CJK font, and the padding Excel keeps above and below.
LINE_PT = 13.5
PAD_PT = 4.0
MIN_ROW_PT = 18.0
MAX_ROW_PT = 409.0  # Excel's ceiling for one row
# Pixels per stored width unit (Excel's default font); widths below are in those units.
PX_PER_UNIT = 7
# A character's share of a width unit: a CJK (wide) character takes two, as it prints.
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
_HEADER_FILL = "#D9E1F2"
# Characters XML 1.0 cannot carry (a pasted message may hold one): dropped from every cell.
ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_SHEET_MAX = 31


class Fill(enum.Enum):
    """A row's status colour; Excel's own conditional-format fills, so they read as usual."""

    NONE = None
    OVERDUE = "#FFC7CE"  # red: past its deadline
    DUE_SOON = "#FFEB9C"  # yellow: due within three days
    SIGNED = "#C6EFCE"  # green: 已销号
    # One cell's 预警 colour (the colour ladder), as a 督查 sheet marks it.
    LADDER_BLUE = "#BDD7EE"  # light blue: 蓝色预警
    LADDER_YELLOW = "#FFFF00"  # yellow: 黄色预警
    LADDER_RED = "#FF8B8B"  # light red: 红色预警


@dataclass(frozen=True)
class Column:
    name: str
    width: float  # in width units; a CJK character takes two
    kind: Kind = "text"


def text_units(text: str) -> float:
    """How many width units `text` takes on one line: a CJK character two, ASCII one.

    UTF-8 length plus character count, halved: 3-byte CJK → 2, ASCII → 1, without a loop.
    """
    return (len(text.encode("utf-8")) + len(text)) / 2


def lines_in(text: str, width: float) -> int:
    """Wrapped lines `text` needs in a column `width` units wide (one unit kept as padding)."""
    room = max(1.0, width - 1)
    if "\n" not in text:  # most cells: one paragraph
        return max(1, math.ceil((len(text.encode("utf-8")) + len(text)) / 2 / room))
    return sum(max(1, math.ceil(text_units(part) / room)) for part in text.split("\n"))


def row_height(values: Sequence[object], widths: Sequence[float]) -> float:
    """Points a row needs so that every line of its tallest wrapped cell shows."""
    # Most cells are short text on one line: only the others are measured (a CJK character
    # is at most two units, so len * 2 within the room is sure to fit).
    lines = 1
    for v, w in zip(values, widths, strict=True):
        if v.__class__ is str and (len(v) * 2 > w - 1 or "\n" in v):
            lines = max(lines, lines_in(v, w))
    return min(MAX_ROW_PT, max(MIN_ROW_PT, lines * LINE_PT + PAD_PT))


def sheet_name(name: str, taken: set[str], *, fallback: str = "未命名") -> str:
    """A valid, unused sheet title for `name`; adds it to `taken` (kept casefolded)."""
    base = _SHEET_FORBIDDEN.sub("_", ILLEGAL.sub("", name)).strip().strip("'") or fallback
    candidate, n = _fit(base, ""), 1
    while candidate.casefold() in taken:
        n += 1
        candidate = _fit(base, f"({n})")
    taken.add(candidate.casefold())
    return candidate


def _fit(base: str, suffix: str) -> str:
    # Excel counts UTF-16 units, so a character outside the BMP takes two of the 31.
    room = _SHEET_MAX - utf16_len(suffix)
    while utf16_len(base) > room:
        base = base[:-1]
    # A cut can leave an apostrophe at the end, which Excel (and XlsxWriter) refuse there.
    return base.rstrip("'") + suffix


class Styles:
    """The workbook's formats, made once: one per column kind and fill, all bordered."""

    def __init__(self, wb: Workbook, font: str) -> None:
        self.wb = wb
        self.font = font
        # charset 134 (GB2312): a machine without the font substitutes a Chinese one.
        self.base: dict[str, Any] = {"font_name": font, "font_charset": 134,
                                     "font_size": FONT_SIZE}
        cell = {**self.base, "border": 1, "valign": "vcenter", "text_wrap": True}
        self._cell = cell
        self.title = wb.add_format({**self.base, "font_size": 18, "bold": True,
                                    "align": "center", "valign": "vcenter"})
        self.info = wb.add_format({**self.base, "font_size": 11, "valign": "vcenter"})
        self.header = wb.add_format({**cell, "bold": True, "align": "center", "pattern": 1,
                                     "fg_color": _HEADER_FILL})
        self.note = wb.add_format({**self.base, "valign": "vcenter"})
        self._made: dict[tuple[Kind, Fill, bool], Any] = {}

    def cell(self, kind: Kind, fill: Fill = Fill.NONE, bold: bool = False) -> Any:
        key = (kind, fill, bold)
        made = self._made.get(key)
        if made is None:
            spec = dict(self._cell)
            if kind in ("int", "percent", "date", "datetime"):
                spec["align"] = "center"
            if kind == "date":
                spec["num_format"] = DATE_FORMAT
            elif kind == "datetime":
                spec["num_format"] = DATETIME_FORMAT
            elif kind == "percent":
                spec["num_format"] = PERCENT_FORMAT
            if fill is not Fill.NONE:
                spec.update(pattern=1, fg_color=fill.value)
            if bold:
                spec["bold"] = True
            made = self._made[key] = self.wb.add_format(spec)
        return made

    def row(self, columns: Sequence[Column], fill: Fill = Fill.NONE,
            bold: bool = False) -> list[Any]:
        return [self.cell(c.kind, fill, bold) for c in columns]

    def number(self, columns: Sequence[Column]) -> None:
        """Give every format a table of `columns` can use its number (the s="N" of a cell) now,
        in a fixed order: another process that numbers them so writes rows this workbook can
        take whole (bot/reports/parallel.py)."""
        for made in (self.title, self.info, self.header, self.note):
            made._get_xf_index()
        for kind in dict.fromkeys(c.kind for c in columns):
            for fill in Fill:
                self.cell(kind, fill)._get_xf_index()



class Table:
    """One printed sheet: page setup, the title and 填报 lines, the header, then rows."""

    def __init__(self, wb: Workbook, styles: Styles, name: str, columns: Sequence[Column], *,
                 title: str, info: str, head: bool = True) -> None:
        """head=False: only the rows, from FIRST_ROW on, as another process writes a sheet's
        rows for this one to take whole (Table.take); no page setup, title or header."""
        ws = wb.add_worksheet(name, worksheet_class=RowSheet)
        assert isinstance(ws, RowSheet)
        self.ws = ws
        self.styles = styles
        self.columns = tuple(columns)
        self.widths = [c.width for c in columns]
        self._plain = styles.row(columns)
        self._rows: dict[tuple[Fill, bool, int, Fill], list[Any]] = {
            (Fill.NONE, False, 0, Fill.NONE): self._plain}
        self.next = FIRST_ROW
        if head:
            self._head(title, info)

    def _head(self, title: str, info: str) -> None:
        ws, styles, columns = self.ws, self.styles, self.columns
        last = len(columns) - 1
        ws.set_paper(A4)
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.7)
        ws.center_horizontally()
        ws.set_footer(FOOTER)
        ws.repeat_rows(HEADER_ROW)
        ws.freeze_panes(FIRST_ROW, 0)
        for col, width in enumerate(self.widths):
            # In pixels: set_column would add Excel's cell padding to the stored width.
            ws.set_column_pixels(col, col, round(width * PX_PER_UNIT))
        ws.set_row(TITLE_ROW, 36)
        ws.merge_range(TITLE_ROW, 0, TITLE_ROW, last, title, styles.title)
        ws.set_row(INFO_ROW, 24)
        ws.merge_range(INFO_ROW, 0, INFO_ROW, last, info, styles.info)
        names = [c.name for c in columns]
        ws.set_row(HEADER_ROW, row_height(names, self.widths))
        for col, name in enumerate(names):
            ws.write_string(HEADER_ROW, col, name, styles.header)

    def add(self, values: Sequence[Cell], fill: Fill = Fill.NONE, bold: bool = False,
            mark: tuple[int, Fill] = (0, Fill.NONE)) -> None:
        """A table row: every cell bordered (blanks too), its height fitted to its text;
        `mark` fills one cell (its column, its fill) over the row's own fill."""
        key = (fill, bold, *mark)
        styles = self._rows.get(key)
        if styles is None:
            styles = self.styles.row(self.columns, fill, bold)
            col, cell_fill = mark
            if cell_fill is not Fill.NONE:
                styles[col] = self.styles.cell(self.columns[col].kind, cell_fill, bold)
            self._rows[key] = styles
        self.ws.put_row(self.next, row_height(values, self.widths), values, styles)
        self.next += 1

    def take(self, rows: int, path: str) -> None:
        """`rows` table rows that a head-less Table of a workbook numbered alike (Styles.number)
        wrote to the file at `path`, written here as they are."""
        if rows:
            self.ws.put_rows(self.next, self.next + rows - 1, len(self.columns), path)
            self.next += rows

    def finish(self, legend: Sequence[tuple[str, Fill]] = (), *, autofilter: bool = True) -> None:
        """Close the table: the filter over its rows and the colour legend under it."""
        if autofilter:
            self.ws.autofilter(HEADER_ROW, 0, max(HEADER_ROW, self.next - 1),
                               len(self.columns) - 1)
        if legend:
            row = self.next + 1
            self.ws.set_row(row, MIN_ROW_PT)
            self.ws.write_string(row, 0, "图例", self.styles.note)
            for col, (text, fill) in enumerate(legend, 1):
                self.ws.write_string(row, col, text, self.styles.cell("text", fill))
        release(self.ws)


def release(ws: Any) -> None:
    """Close a finished sheet's temp file; XlsxWriter reopens it when the workbook is saved.

    Without this every sheet holds an open file until then, one per unit in a city's workbook.
    """
    close = getattr(ws, "_opt_close", None)
    if close is not None:
        close()


# XlsxWriter's own switches that turn a plain str into a formula, URL or number; cells here are
# written with write_string, which never does, and these stay off in case that ever changes.
WORKBOOK_OPTIONS: dict[str, Any] = {
    "constant_memory": True,  # one row in memory per sheet; each sheet streams to a temp file
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


def new_workbook(target: Any, tmpdir: str) -> Workbook:
    """A workbook with WORKBOOK_OPTIONS, its sheets' temp files in `tmpdir`; saved, it packs
    its sheets on every core (bot.reports.zipping: byte for byte the same file)."""
    zipping.install()
    return Workbook(target, {**WORKBOOK_OPTIONS, "tmpdir": tmpdir})


def date_text(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def info_line(unit: str, now_local: dt.datetime, contact: str | None,
              phone: str | None) -> str:
    """The 填报 line under the title: who reports, when, as of when, and whom to ask."""
    parts = [f"填报单位：{unit}", f"填报日期：{date_text(now_local.date())}",
             f"数据截至：{now_local:%Y-%m-%d %H:%M}"]
    if contact:
        parts.append(f"联系人：{contact}" + (f"（{phone}）" if phone else ""))
    return "　　".join(parts)
